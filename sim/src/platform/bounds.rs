//! Both sides of the time bounds the store promises, judged as each wait
//! begins. A lower bound (close gives up no sooner than its deadline; a
//! retry comes no sooner than its backoff) is judged where the call
//! returns or the stream opens. The upper bound is judged here, and on a
//! virtual clock it is exact: a thread that begins a wait knows when the
//! wait will end at the latest, so a wait that would outlast the bound is
//! a bound kept late, whatever the scheduler does next.
//!
//! - `close_with_deadline` never waits past its deadline: no untimed wait
//!   inside it, and no timed wait that ends after the deadline.
//! - The downloader's backoff never outlasts the policy's: its waits end
//!   within the backoff's length of the first of them.
//!
//! A timed wait's end is exact only where one thread runs at a time: on
//! real threads another thread's timer can move the clock between the
//! store's reading it and its wait, so there only the untimed wait is
//! judged (`exact`: false).

use scenarios::{Oracle, Violation};
use store::{Clock, Instant};

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
    let ends = wait.timeout.map(|timeout| now + timeout);
    let late = |by: Instant| ends.is_none_or(|ends| ends > by);
    let until = || match ends {
        Some(ends) => format!("until {:?}", ends.since_origin()),
        None => "with no timeout".to_owned(),
    };
    let deadline = facts.close_deadline_of(wait.caller);
    if let Some(deadline) = deadline.filter(|&deadline| late(deadline)) {
        let what = format!(
            "close_with_deadline waits {} at {:?}, past its deadline of {:?}",
            until(),
            now.since_origin(),
            deadline.since_origin()
        );
        return Some(Violation::new(
            Oracle::CloseCompletes,
            thread_name(),
            "deadline kept late",
            what,
        ));
    }
    let ends_by = wait
        .timeout
        .and_then(|_| facts.backoff_ends_by(wait.caller, now))?;
    late(ends_by).then(|| {
        let what = format!(
            "the downloader's backoff waits {} at {:?}, past the policy's backoff, which ends \
             by {:?}",
            until(),
            now.since_origin(),
            ends_by.since_origin()
        );
        Violation::new(
            Oracle::RetryPolicyHonoured,
            thread_name(),
            "backoff kept late",
            what,
        )
    })
}
