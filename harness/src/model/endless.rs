//! A run that does not end. Under shuttle's engines, which run one thread
//! at a time, a run past [`MAX_OPERATIONS`] operations of the facade has
//! a thread that never stops: a spin whose exit never comes, two threads
//! that keep handing each other the processor (a livelock). On real
//! threads, a run the watchdog ends: a deadlock the model cannot see, a
//! thread that waits for ever, or one that spins. Either way the run fails
//! by an [`Endless`] naming what each thread did last, where shuttle's
//! step bound and the watchdog said only that the run went on too long.
//!
//! Real threads are not counted by operations: there a correct spin may
//! go round many times while the thread it waits for is off the
//! processor. loom stops an execution past its own bound of branches
//! (`MODEL_LOOM_MAX_BRANCHES`, below this one) with a panic of its own,
//! which the run reads as the same [`Endless`] ([`LOOM_OUT_OF_BRANCHES`]),
//! unless the spin it stopped is one loom alone keeps going: its reads
//! kept missing a store another thread had made
//! ([`SPIN_ON_A_STALE_VALUE_UNDER_LOOM`]).

use std::fmt;
use std::time::Duration;

use super::facts::Fact;
use super::scope::NotModelled;

/// Operations of the facade (recorded facts) one run under shuttle may
/// take before it counts as endless: far above a test's needs. Nearly
/// every operation is at least one of shuttle's steps (a body's own notes
/// and values are none), so a run that shuttle's step bound of the same
/// number, the bound before this one, let end ends here too.
pub const MAX_OPERATIONS: u64 = 100_000;

/// The most branches (scheduling choices) of one loom execution before
/// loom stops it: loom's own default, stated.
pub const LOOM_MAX_BRANCHES: usize = 1_000;

/// [`LOOM_MAX_BRANCHES`] for a run of the model, ten times loom's own:
/// each operation of the facade is a few of loom's branches, and a
/// correct component's run on virtual time goes past a thousand (a
/// worker that polls a channel with `recv_timeout` while a ticker sleeps
/// 10 ms at a time for a second of virtual time did, and failed in loom's
/// words). loom sets room aside for every branch up front, so the bound
/// is not the model's `MAX_OPERATIONS`.
pub const MODEL_LOOM_MAX_BRANCHES: usize = 10 * LOOM_MAX_BRANCHES;

/// How loom 0.7's panic begins when an execution goes past its bound of
/// branches (`rt/path.rs`): the one panic of loom's that the run reads,
/// since loom says it in no other way. A test pins it
/// (`tests/endless.rs`), so a loom that words it otherwise fails there,
/// not silently.
pub(crate) const LOOM_OUT_OF_BRANCHES: &str = "Model exceeded maximum number of branches";

/// What a loom execution past its bound of branches raises when its last
/// hundred reads of atomics, or more, each missed a store that another
/// thread had made and the reader had not yet seen.
///
/// loom's modification order is partial: a store another thread has made
/// stays unordered with a spinner's own writes until the spinner reads
/// it, and loom may have every read miss it, for ever. A machine shows a
/// store to every thread in time. So a correct spin lock on `swap` goes
/// past the bound once its holder has let go (the spinner's swaps read
/// its own `true` again and again), and so does one that spins on a
/// relaxed load before each swap. Measured with loom 0.7 alone: the
/// swap lock passes the bound under preemption bounds 1, 2 and 3 and
/// under none, while a spin on `compare_exchange`, whose failures write
/// nothing, ends (tokio-rs/loom#162, open, is a spin lock that failed
/// so).
pub const SPIN_ON_A_STALE_VALUE_UNDER_LOOM: NotModelled = NotModelled {
    what: "a spin-wait for a value another thread has already stored",
    under: "loom",
    because: "may have each of the spinner's reads miss that store for good, where a machine \
              shows it in time, until the run passes loom's bound of branches (a spin lock on \
              swap does)",
};

/// Reads of atomics in a row, each missing a store its thread had not
/// yet seen, after which a loom execution that goes past its bound of
/// branches is a spin loom alone keeps going: far fewer than a spin takes
/// to pass the bound, and far more than any wait for a store shows that
/// ends (each read of a correct component's spin is a new chance to see
/// the store).
pub(crate) const STALE_READS_OF_A_SPIN: u64 = 100;

/// The bound a run that did not end went past.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Past {
    /// Under shuttle: [`MAX_OPERATIONS`]; the operations taken when the
    /// run was stopped.
    Operations(u64),
    /// Under loom: its bound of branches (scheduling choices) in one
    /// execution, `check::MODEL_LOOM_MAX_BRANCHES`.
    Branches(usize),
    /// On real threads: the watchdog, after this much real time.
    Watchdog(Duration),
    /// Under shuttle or loom: no operation of the facade and no new
    /// execution for this much real time (`check::STALL_LIMIT`).
    Stalled(Duration),
}

/// A run that went past its bound and has not ended. The value a check's
/// failure raises (`Failure::raised`) for it; its `Display` says so on its
/// first line, the same wherever the code is compiled from, then what each
/// thread did last, one line each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endless {
    past: Past,
    last: Vec<Fact>,
    body_returned: bool,
}

impl Endless {
    /// A run past its bound, each thread's last fact in `last`, in thread
    /// order.
    pub(crate) fn new(past: Past, last: Vec<Fact>) -> Endless {
        if let Past::Operations(operations) = past {
            assert!(
                operations > MAX_OPERATIONS,
                "a run is endless only past its bound"
            );
        }
        Endless {
            past,
            last,
            body_returned: false,
        }
    }

    /// The same run, its body's own thread having returned (`true`) or not.
    pub(crate) fn body_returned(self, body_returned: bool) -> Endless {
        Endless {
            body_returned,
            ..self
        }
    }

    /// Whether the body had returned: what went on was a thread it left
    /// running.
    pub fn after_the_body_returned(&self) -> bool {
        self.body_returned
    }

    /// The bound the run went past.
    pub fn past(&self) -> Past {
        self.past
    }

    /// What each thread that has not ended did last, in thread order,
    /// however long ago: the spinners, and what each other thread waits in.
    pub fn last(&self) -> &[Fact] {
        &self.last
    }
}

/// Why a run whose body has returned goes on: said wherever that is why.
const STOP_WHAT_THE_BODY_LEFT: &str = "a run ends when its last thread does, so a thread that \
    loops for good (a janitor, a ticker) must be stopped before the body returns (a close, or \
    a drop that stops it)";

impl fmt::Display for Endless {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.past {
            Past::Operations(_) if self.body_returned => write!(
                f,
                "endless: the body has returned, and a thread it left running has not ended \
                 after {MAX_OPERATIONS} operations: {STOP_WHAT_THE_BODY_LEFT}, or the thread \
                 spins"
            )?,
            Past::Operations(_) => write!(
                f,
                "endless: the run has not ended after {MAX_OPERATIONS} operations: a thread \
                 spins, or threads hand each other the processor for ever (a spin-wait lets \
                 the thread it waits for run with the facade's hint::spin_loop or \
                 thread::yield_now)"
            )?,
            Past::Branches(branches) if self.body_returned => write!(
                f,
                "endless: the body has returned, and a thread it left running has not ended \
                 after {branches} of loom's branches: {STOP_WHAT_THE_BODY_LEFT}, or the thread \
                 spins"
            )?,
            Past::Branches(branches) => write!(
                f,
                "endless: the run has not ended after {branches} of loom's branches: a thread \
                 spins, or threads hand each other the processor for ever"
            )?,
            Past::Watchdog(after) if self.body_returned => write!(
                f,
                "endless: the body has returned, and a thread it left running has not ended \
                 within {after:?} on real threads: {STOP_WHAT_THE_BODY_LEFT}, or the thread \
                 waits or spins for ever"
            )?,
            Past::Watchdog(after) => write!(
                f,
                "endless: the run did not end within {after:?} on real threads: a deadlock the \
                 model cannot see, a thread that waits for ever, or one that spins"
            )?,
            Past::Stalled(after) => write!(
                f,
                "endless: the run has done nothing for {after:?} of real time: a thread blocks \
                 where the engine cannot see it (a lock of std's or of another crate instead of \
                 the facade's, held by a thread the engine switched away from; a blocking call), \
                 and the engine, which runs one thread at a time, waits for it for ever"
            )?,
        }
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
    fn an_endless_run_says_so_on_its_first_line_and_each_threads_last_act_after_it() {
        let at = Location::caller();
        let spin = |thread| Fact {
            thread: ThreadKey(thread),
            op: Op::YieldNow,
            at,
        };
        let endless = Endless::new(Past::Operations(MAX_OPERATIONS + 1), vec![spin(1), spin(2)]);
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

    #[test]
    fn a_watchdogs_words_say_when_the_body_had_returned() {
        let after = Duration::from_secs(10);
        let returned = Endless::new(Past::Watchdog(after), Vec::new()).body_returned(true);
        assert!(
            returned.to_string().starts_with(
                "endless: the body has returned, and a thread it left running has not ended \
                 within 10s on real threads: a run ends when its last thread does"
            ),
            "{returned}"
        );
        let running = Endless::new(Past::Watchdog(after), Vec::new());
        assert!(
            running
                .to_string()
                .starts_with("endless: the run did not end within 10s on real threads"),
            "{running}"
        );
    }
}
