//! A search on a thread of its own, watched for a stall: shuttle and loom
//! run every thread of an execution on that one OS thread, one at a time,
//! so a thread that blocks where the engine cannot see (a lock of std's or
//! of another crate, left in the code under test, held by a thread the
//! engine switched away from) blocks the OS thread, and the search, for
//! ever. The caller's thread watches the search's progress instead of
//! joining it blindly: a search that records no operation and begins no
//! execution for [`STALL_LIMIT`] of real time is given up, its thread left
//! blocked, and the run fails by a [`Past::Stalled`] endless run that
//! names what each thread did last.
//!
//! [`Past::Stalled`]: crate::check::Past::Stalled

use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::model::outsider;

/// Real time a search may go without recording an operation of the facade
/// or beginning an execution before it counts as stalled: far above the
/// longest stretch of a test's own computation between two operations.
pub const STALL_LIMIT: Duration = Duration::from_secs(10);

/// How often the watcher looks at the search's progress.
const LOOK_EVERY: Duration = Duration::from_millis(50);

/// The usual main thread's stack: loom runs the body's first thread on the
/// search's thread.
pub(crate) const SEARCH_STACK_BYTES: usize = 8 << 20;

/// What a watched search came to.
pub(crate) enum Watched<T> {
    /// It ended with `T`.
    Ended(T),
    /// It made no progress for [`STALL_LIMIT`]: its thread is left behind.
    Stalled,
}

/// Runs `search` on a new OS thread, and waits for it while `progress`
/// (any value that changes whenever the search moves on) keeps changing.
pub(crate) fn watched<T: Send + 'static, P: PartialEq>(
    search: impl FnOnce() -> T + Send + 'static,
    progress: impl Fn() -> P,
) -> Watched<T> {
    watched_for(STALL_LIMIT, search, progress)
}

/// [`watched`], given up after `limit` without progress.
fn watched_for<T: Send + 'static, P: PartialEq>(
    limit: Duration,
    search: impl FnOnce() -> T + Send + 'static,
    progress: impl Fn() -> P,
) -> Watched<T> {
    let (ended, outcome) = mpsc::channel();
    let searcher = std::thread::Builder::new()
        .name("harness-search".to_owned())
        .stack_size(SEARCH_STACK_BYTES)
        .spawn(move || {
            outsider::runs_searches();
            // The watcher may have given up on a stalled search.
            let _ = ended.send(search());
        })
        .unwrap_or_else(|error| panic!("cannot start a thread for the search: {error}"));
    let mut seen = progress();
    let mut since = Instant::now();
    loop {
        match outcome.recv_timeout(LOOK_EVERY) {
            Ok(result) => {
                // It has sent its last word: the join is at once, and
                // leaves nothing of the search (its last run) behind.
                let _ = searcher.join();
                return Watched::Ended(result);
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => match searcher.join() {
                Err(payload) => std::panic::resume_unwind(payload),
                Ok(()) => unreachable!("the search's thread sends its outcome before it ends"),
            },
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let now = progress();
                if now != seen {
                    (seen, since) = (now, Instant::now());
                } else if since.elapsed() >= limit {
                    return Watched::Stalled;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[test]
    fn a_search_that_ends_gives_its_outcome() {
        assert!(matches!(watched(|| 7, || ()), Watched::Ended(7)));
    }

    #[test]
    fn a_search_that_keeps_moving_on_is_never_given_up() {
        // Each look sees progress, and the search ends after five looks:
        // with no time allowed without progress, it must still end.
        let (looked, looks) = mpsc::channel();
        let count = Cell::new(0_u32);
        let progress = move || {
            count.set(count.get() + 1);
            let _ = looked.send(());
            count.get()
        };
        let search = move || {
            for _ in 0..5 {
                looks
                    .recv()
                    .expect("the watcher looks until the search ends");
            }
            7
        };
        assert!(matches!(
            watched_for(Duration::ZERO, search, progress),
            Watched::Ended(7)
        ));
    }

    #[test]
    fn a_search_that_does_nothing_is_given_up_and_left_behind() {
        let (_kept, never) = mpsc::channel::<()>();
        let search = move || {
            let _ = never.recv();
        };
        assert!(matches!(
            watched_for(Duration::ZERO, search, || ()),
            Watched::Stalled
        ));
    }
}
