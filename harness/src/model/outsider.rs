//! A thread the engine does not run, using a lock or condition variable of
//! a run that does: one the code under test started with
//! `std::thread::spawn` (or another crate did) rather than with the
//! facade's. The engine never interleaves it and its operations are no
//! facts, so a check of it would pass having explored nothing of it; and
//! shuttle's and loom's primitives cannot be used off their search's OS
//! thread at all. It fails the run that made the primitive, in words that
//! say what to change.
//!
//! A primitive of a shuttle or loom run used where no engine runs is
//! otherwise a failed run's leftover, dropped on the search's own OS
//! thread (loom drops a thread that never started, and a channel end it
//! owned, after the run has ended): that OS thread is marked
//! ([`runs_searches`]), and its leftovers pass.

use std::cell::Cell;
use std::fmt;

use super::execution::{Flavour, RunKey, flavour};

/// The engine and run that made a lock or condition variable: what a use
/// of it by a thread the engine does not run is judged against.
pub(crate) struct MadeIn {
    flavour: Flavour,
    run: RunKey,
}

impl MadeIn {
    /// The calling thread's engine and run.
    pub(crate) fn here() -> MadeIn {
        MadeIn {
            flavour: flavour(),
            run: RunKey::of_this_thread(),
        }
    }

    /// Fails the run, and panics here, if the calling thread is one the
    /// engine does not run and the primitive is shuttle's or loom's (not a
    /// leftover: see the module's words).
    pub(crate) fn refuse_outsiders(&self) {
        refuse(self.flavour, &self.run);
    }
}

thread_local! {
    /// The calling OS thread runs searches of shuttle or loom.
    static RUNS_SEARCHES: Cell<bool> = const { Cell::new(false) };
}

/// Marks the calling OS thread as one that runs searches: a primitive of
/// a run used here where no engine runs is that run's leftover.
pub(crate) fn runs_searches() {
    RUNS_SEARCHES.set(true);
}

/// What a run fails by when a thread it does not run uses its lock or
/// condition variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ForeignThread {
    /// The engine of the run that made the primitive.
    pub engine: &'static str,
}

impl fmt::Display for ForeignThread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a thread the engine does not run (one started with std::thread::spawn, or by \
             another crate) used a lock or condition variable of a {} run: the engine never \
             interleaves that thread and its operations are no facts; start the threads of the \
             code under test with harness::thread::spawn (or the facade's Builder or scope)",
            self.engine
        )
    }
}

/// [`MadeIn::refuse_outsiders`], for a primitive `made` by that engine in
/// `made_in`'s run.
fn refuse(made: Flavour, made_in: &RunKey) {
    let engine = match made {
        Flavour::Std => return,
        Flavour::Shuttle => "shuttle",
        Flavour::Loom => "loom",
    };
    if flavour() != Flavour::Std || RUNS_SEARCHES.get() {
        return;
    }
    let foreign = ForeignThread { engine };
    match made_in.run() {
        Some(run) => run.violated(foreign).raise(),
        None => crate::panics::Raised::new(foreign).raise(),
    }
}
