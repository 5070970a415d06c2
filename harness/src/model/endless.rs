//! A run that does not end. Under shuttle's engines, which run one thread
//! at a time, a run past [`MAX_OPERATIONS`] operations of the facade has
//! a thread that never stops: a spin whose exit never comes, two threads
//! that keep handing each other the processor (a livelock). The model
//! raises an [`Endless`] naming what each thread did last, where
//! shuttle's step bound ends such a run with words of its own.
//!
//! Real threads are not counted: there a correct spin may go round many
//! times while the thread it waits for is off the processor, and the
//! watchdog ends a run that hangs. loom counts its own branches (its
//! bound is `LOOM_MAX_BRANCHES`), fewer than the facade's operations, so
//! its words end a long run there first.

use std::fmt;

use super::facts::Fact;

/// Operations of the facade (recorded facts) one run under shuttle may
/// take before it counts as endless: far above a test's needs. Each is at
/// least one of shuttle's steps but for a body's own notes and values,
/// so a run that shuttle's old step bound of the same number let end
/// ends here too.
pub const MAX_OPERATIONS: u64 = 100_000;

/// A run past [`MAX_OPERATIONS`] operations that has not ended. The value
/// a check's failure raises (`Failure::raised`) for it; its `Display`
/// says so on its first line, the same wherever the code is compiled
/// from, then what each thread did last, one line each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endless {
    operations: u64,
    last: Vec<Fact>,
}

impl Endless {
    /// A run past its bound after `operations`, each thread's last fact
    /// in `last`, in thread order.
    pub(crate) fn new(operations: u64, last: Vec<Fact>) -> Endless {
        assert!(
            operations > MAX_OPERATIONS,
            "a run is endless only past its bound"
        );
        Endless { operations, last }
    }

    /// The operations the run had taken when it was stopped.
    pub fn operations(&self) -> u64 {
        self.operations
    }

    /// What each thread that acted among the run's last facts did last, in
    /// thread order: the spinners are among them.
    pub fn last(&self) -> &[Fact] {
        &self.last
    }
}

impl fmt::Display for Endless {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "endless: the run has not ended after {MAX_OPERATIONS} operations: a thread spins, \
             or threads hand each other the processor for ever"
        )?;
        for fact in &self.last {
            write!(f, "\n  {fact}, last")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use super::*;
    use crate::model::facts::{Op, ThreadKey};

    #[test]
    fn an_endless_run_says_so_on_its_first_line_and_each_threads_last_act_after() {
        let at = Location::caller();
        let spin = |thread| Fact {
            thread: ThreadKey(thread),
            op: Op::YieldNow,
            at,
        };
        let endless = Endless::new(MAX_OPERATIONS + 1, vec![spin(1), spin(2)]);
        let text = endless.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("endless: "), "{text}");
        assert_eq!(
            lines[1..],
            [
                format!("  thread 1 YieldNow at {}:{}, last", at.file(), at.line()),
                format!("  thread 2 YieldNow at {}:{}, last", at.file(), at.line()),
            ]
        );
    }
}
