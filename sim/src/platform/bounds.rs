//! The upper side of the time bounds the store promises, judged as each
//! wait begins, from the simulator's facts, with the verdicts the library
//! gives too (`scenarios::deadline_kept_late`, `backoff_kept_late`). The
//! lower side (close gives up no sooner than its deadline; a retry comes
//! no sooner than its backoff) is judged where the call returns or the
//! stream opens.
//!
//! A timed wait's end is exact only where one thread runs at a time: on
//! real threads another thread's timer can move the clock between the
//! store's reading it and its wait, so there only the untimed wait is
//! judged (`exact`: false).

use scenarios::{Violation, WaitSpan, backoff_kept_late, deadline_kept_late};
use store::Clock;

use super::{Facts, VirtualClock, WaitBegins};

/// The violation if the wait beginning in `wait` would keep a bound late.
pub(super) fn bound_kept_late(
    facts: &Facts,
    clock: &VirtualClock,
    wait: &WaitBegins<'_>,
    thread_name: fn() -> String,
    exact: bool,
) -> Option<Violation> {
    if wait.timeout.is_some() && !exact {
        return None;
    }
    let now = clock.now();
    let span = WaitSpan::of(now, wait.timeout);
    let deadline = facts.close_deadline_of(wait.caller);
    if let Some(late) =
        deadline.and_then(|deadline| deadline_kept_late(span, deadline, thread_name))
    {
        return Some(late);
    }
    let ends_by = wait
        .timeout
        .and_then(|_| facts.backoff_ends_by(wait.caller, now))?;
    backoff_kept_late(span, ends_by, thread_name)
}
