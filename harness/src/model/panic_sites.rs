//! The lines whose panics a check has printed, shared by every run of
//! the check: a panic the body catches (a test of poisoning, say) happens
//! in each of a check's thousands of runs, and std's hook would print it,
//! backtrace and all, in each. Printed once, it reads as in a std test,
//! which runs the body once. A run's failure says its own panic anyway.

use std::collections::BTreeSet;
use std::panic::Location;
use std::sync::{Mutex, PoisonError};

/// A panic's line: its file, line and column.
type Line = (String, u32, u32);

/// The lines of the code under test whose panics a check has printed.
#[derive(Debug, Default)]
pub(crate) struct PanicSites {
    printed: Mutex<BTreeSet<Line>>,
}

impl PanicSites {
    /// Whether a panic at `at` is the check's first there: it is then
    /// noted as printed.
    pub(crate) fn first_at(&self, at: &Location<'_>) -> bool {
        let line = (at.file().to_owned(), at.line(), at.column());
        let mut printed = self.printed.lock().unwrap_or_else(PoisonError::into_inner);
        printed.insert(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_first_once_and_another_line_is_first_too() {
        let sites = PanicSites::default();
        let (here, there) = (Location::caller(), Location::caller());
        assert!(sites.first_at(here));
        assert!(!sites.first_at(here));
        assert!(sites.first_at(there));
    }
}
