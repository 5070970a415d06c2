//! A peek: reading atomics without being seen, for a judge.
//!
//! A judge of a quiescent moment may want the component's own view (a
//! count it keeps in atomics) to hold it against what the platform saw.
//! Read as the code reads it, each load would be a scheduling point and a
//! fact, inside a judge that must not let another thread run. Inside a
//! peek, an atomic's load instead reads the latest value in its
//! modification order (every engine's atomic keeps it: std's is it, and
//! shuttle's and loom's keep a std shadow), and anything else of the
//! facade, which would be a scheduling point, panics.

use std::cell::Cell;
use std::panic::Location;

use super::facts::Op;

thread_local! {
    /// Whether the calling thread is inside a peek. shuttle and loom run a
    /// run's threads on one OS thread, but a peek never lets another run.
    static PEEKING: Cell<bool> = const { Cell::new(false) };
}

/// Whether the calling thread is inside a peek.
pub(crate) fn peeking() -> bool {
    PEEKING.with(Cell::get)
}

/// Runs `read` as a peek, and ends the peek even if `read` panics.
pub(crate) fn peek<T>(read: impl FnOnce() -> T) -> T {
    struct Ends(bool);
    impl Drop for Ends {
        fn drop(&mut self) {
            PEEKING.with(|peeking| peeking.set(self.0));
        }
    }
    let _ends = Ends(PEEKING.with(|peeking| peeking.replace(true)));
    read()
}

/// Panics if the calling thread is inside a peek: `op` at `at` would be a
/// scheduling point or a fact.
pub(crate) fn refuse_inside(op: &Op, at: &'static Location<'static>) {
    assert!(
        !peeking(),
        "inside check::peek only atomic loads and UnsafeCell reads may be made: {op:?} at {at} \
         would be seen"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peek_ends_with_its_read() {
        assert!(peek(peeking));
        assert!(!peeking());
    }

    #[test]
    fn a_peek_ends_when_its_read_panics() {
        let unwound = std::panic::catch_unwind(|| peek(|| panic!("the read fails")));
        assert!(unwound.is_err());
        assert!(!peeking());
    }
}
