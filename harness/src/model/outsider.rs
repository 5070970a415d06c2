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

use super::execution::{self, Flavour, RunKey, flavour};
use crate::panics::Raised;

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

    /// Panics here, in words that say what to change, unless the calling
    /// thread may use the primitive: a thread of the run that made it, a
    /// failed run's leftover, or any thread where the primitive was made
    /// outside every run and no engine runs. Called at every use, so that
    /// a primitive another engine made, or another run of the same engine
    /// (a lock kept in a static `OnceLock` or `LazyLock` by the first run
    /// that set it), fails the run at once rather than carry the earlier
    /// run's holders, waiters and data into this one and its replay; and
    /// so that a thread the engine does not run fails the run that made a
    /// shuttle or loom primitive it uses ([`refuse`]). Gives the engine
    /// the calling thread runs under back.
    #[track_caller]
    pub(crate) fn refuse_strangers(&self) -> Flavour {
        if let Some(running) = self.run.runs_this_thread() {
            return running;
        }
        let running = flavour();
        let elsewhere = match running {
            Flavour::Std if !RunKey::of_this_thread().names_a_run() => {
                refuse(self.flavour, &self.run);
                return running;
            }
            _ if self.run.is_this_threads() => return running,
            _ if !self.run.names_a_run() => MadeElsewhere::OutsideTheBody,
            _ if self.flavour == running => MadeElsewhere::InAnEarlierRun,
            _ => MadeElsewhere::ByAnotherEngine {
                made: self.flavour.engines(),
                used: running.engines(),
            },
        };
        refuse_in_this_run(elsewhere);
    }
}

/// What a run fails by when it uses a lock, condition variable or channel
/// of the harness's (or a `Shared` structure) that another run made, or
/// no run: each belongs to the run that made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MadeElsewhere {
    /// Made outside every run (outside the checked body, say), used in
    /// one. A `Shared`, which keeps no run, is refused only under shuttle
    /// and loom, and counts as such there if real threads made it. (An
    /// atomic never is: each run makes its own from its initial value.)
    OutsideTheBody,
    /// Made in a run of one engine, used in a run of another.
    ByAnotherEngine {
        /// The engines of the run that made it.
        made: &'static str,
        /// The engines of the run that uses it.
        used: &'static str,
    },
    /// Made in an earlier run of the engine that uses it: kept, say, in a
    /// static `OnceLock` or `LazyLock`, which keeps the value of the first
    /// run that set it.
    InAnEarlierRun,
}

impl fmt::Display for MadeElsewhere {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MadeElsewhere::OutsideTheBody => {
                write!(
                    f,
                    "a harness primitive made outside every run (outside the checked body, \
                     say) is used in one"
                )
            }
            MadeElsewhere::ByAnotherEngine { made, used } => write!(
                f,
                "a harness primitive made in a run of {made} is used in a run of {used}"
            ),
            MadeElsewhere::InAnEarlierRun => write!(
                f,
                "a harness primitive made in an earlier run is used in this one, whose replay \
                 would not see what the earlier runs left in it"
            ),
        }?;
        write!(
            f,
            ": make every lock, condition variable and channel inside the body (a static \
             OnceLock or LazyLock keeps the value of the first run that set it, so it may hold \
             plain data, never a lock of the harness)"
        )
    }
}

/// Fails the calling thread's run, by [`MadeElsewhere::OutsideTheBody`],
/// if it is a run of shuttle or loom: a primitive of std's, made where
/// none of theirs runs, would block the run's whole OS thread. A primitive
/// that keeps no [`MadeIn`] (a `Shared`) asks it at each use.
#[track_caller]
pub(crate) fn refuse_std_made_under_an_engine() {
    if flavour() != Flavour::Std {
        refuse_in_this_run(MadeElsewhere::OutsideTheBody);
    }
}

/// Fails the calling thread's run, if it is in one, by `elsewhere`, and
/// panics here.
#[track_caller]
fn refuse_in_this_run(elsewhere: MadeElsewhere) -> ! {
    match execution::current() {
        Some(run) => run.violated(elsewhere).raise(),
        None => Raised::new(elsewhere).raise(),
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

/// Fails `made_in`'s run, and panics here, if the calling thread is one
/// the engine does not run and the primitive, `made` by shuttle or loom,
/// is no leftover (see the module's words).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refusal_says_which_run_made_the_primitive_and_to_make_it_inside_the_body() {
        let refusals = [
            (MadeElsewhere::OutsideTheBody, "made outside every run"),
            (
                MadeElsewhere::ByAnotherEngine {
                    made: Flavour::Shuttle.engines(),
                    used: Flavour::Loom.engines(),
                },
                "made in a run of shuttle (random, PCT, URW, DFS) is used in a run of loom",
            ),
            (MadeElsewhere::InAnEarlierRun, "made in an earlier run"),
        ];
        for (refusal, which) in refusals {
            let message = refusal.to_string();
            assert!(message.contains(which), "{message}");
            assert!(
                message
                    .contains(": make every lock, condition variable and channel inside the body"),
                "{message}"
            );
        }
    }
}
