//! The upper side of the store's time bounds, judged as each wait begins,
//! whichever platform saw the wait: on a virtual clock a thread that
//! begins a wait knows when it will end at the latest, so a wait that
//! would outlast a bound keeps it late, whatever the scheduler does next.
//!
//! - `close_with_deadline` never waits past its deadline: no untimed wait
//!   inside it, and no timed wait that ends after the deadline.
//! - The downloader's backoff never outlasts the policy's: its waits end
//!   within the backoff's length of the first of them.

use std::time::Duration;

use store::Instant;

use crate::facts::{Facts, Key};
use crate::{Oracle, Violation};

/// The verdict on `caller`'s wait `span`, from `facts`: a violation if it
/// may outlast the deadline of the `close_with_deadline` it is inside, or,
/// if timed, the backoff it owes as a downloader (which begins with its
/// first wait). `thread` names the caller.
pub fn bound_kept_late<K: Key>(
    facts: &Facts<K>,
    caller: K,
    span: WaitSpan,
    thread: impl Fn() -> String,
) -> Option<Violation> {
    let deadline = facts.close_deadline_of(caller);
    if let Some(late) = deadline.and_then(|deadline| deadline_kept_late(span, deadline, &thread)) {
        return Some(late);
    }
    span.ends?;
    let ends_by = facts.backoff_ends_by(caller, span.now)?;
    backoff_kept_late(span, ends_by, thread)
}

/// A wait beginning: when, and when it ends at the latest (`None` if only
/// another thread can end it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitSpan {
    /// When the wait begins.
    pub now: Instant,
    /// When its timeout ends it, if it has one.
    pub ends: Option<Instant>,
}

impl WaitSpan {
    /// A wait beginning `now` of at most `timeout`.
    pub fn of(now: Instant, timeout: Option<Duration>) -> WaitSpan {
        WaitSpan {
            now,
            ends: timeout.map(|timeout| now + timeout),
        }
    }

    /// Whether the wait may still go on after `by`.
    fn outlasts(self, by: Instant) -> bool {
        self.ends.is_none_or(|ends| ends > by)
    }

    fn until(self) -> String {
        match self.ends {
            Some(ends) => format!("until {:?}", ends.since_origin()),
            None => "with no timeout".to_owned(),
        }
    }
}

/// The verdict on a wait inside `close_with_deadline`: a violation of
/// `close-completes` if it may go on past `deadline`.
pub fn deadline_kept_late(
    wait: WaitSpan,
    deadline: Instant,
    thread: impl FnOnce() -> String,
) -> Option<Violation> {
    wait.outlasts(deadline).then(|| {
        let what = format!(
            "close_with_deadline waits {} at {:?}, past its deadline of {:?}",
            wait.until(),
            wait.now.since_origin(),
            deadline.since_origin()
        );
        Violation::new(Oracle::CloseCompletes, thread(), "deadline kept late", what)
    })
}

/// The verdict on a timed wait of a downloader that owes a backoff: a
/// violation of `retry-policy-honoured` if it may go on past `ends_by`,
/// when the policy's backoff ends.
pub fn backoff_kept_late(
    wait: WaitSpan,
    ends_by: Instant,
    thread: impl FnOnce() -> String,
) -> Option<Violation> {
    wait.outlasts(ends_by).then(|| {
        let what = format!(
            "the downloader's backoff waits {} at {:?}, past the policy's backoff, which ends \
             by {:?}",
            wait.until(),
            wait.now.since_origin(),
            ends_by.since_origin()
        );
        Violation::new(
            Oracle::RetryPolicyHonoured,
            thread(),
            "backoff kept late",
            what,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(millis: u64) -> Instant {
        Instant::from_origin(Duration::from_millis(millis))
    }

    #[test]
    fn a_close_may_wait_up_to_its_deadline_and_no_longer() {
        let within = WaitSpan::of(at(10), Some(Duration::from_millis(90)));
        assert!(deadline_kept_late(within, at(100), String::new).is_none());
        for late in [
            WaitSpan::of(at(10), Some(Duration::from_millis(91))),
            WaitSpan::of(at(10), None),
        ] {
            let violation = deadline_kept_late(late, at(100), || "closer-A".into())
                .expect("a wait past the deadline");
            assert_eq!(
                (violation.oracle, violation.kind),
                (Oracle::CloseCompletes, "deadline kept late")
            );
        }
    }

    #[test]
    fn a_late_wait_says_how_long_it_waits() {
        let timed = WaitSpan::of(at(10), Some(Duration::from_millis(200)));
        let violation = deadline_kept_late(timed, at(100), String::new).expect("late");
        assert!(
            violation.what.contains("waits until 210ms at 10ms"),
            "{violation}"
        );
        let untimed = WaitSpan::of(at(10), None);
        let violation = deadline_kept_late(untimed, at(100), String::new).expect("late");
        assert!(
            violation.what.contains("waits with no timeout"),
            "{violation}"
        );
    }

    #[test]
    fn the_facts_say_whose_deadline_or_backoff_a_wait_keeps() {
        let facts = Facts::<u8>::default();
        let (closer, downloader, bystander) = (1, 2, 3);
        let deadline = Some(at(100));
        facts.call_begins(
            closer,
            crate::Call::Close {
                store: "A",
                deadline,
            },
        );
        facts.saw("A", crate::doubles::Step::StreamAsked, || downloader);
        facts.saw(
            "A",
            crate::doubles::Step::BackoffOwed(Duration::from_millis(50)),
            || downloader,
        );
        let long = WaitSpan::of(at(0), Some(Duration::from_millis(500)));
        let verdict = |thread| bound_kept_late(&facts, thread, long, String::new);
        let kinds = [closer, downloader, bystander].map(|thread| verdict(thread).map(|v| v.kind));
        assert_eq!(
            kinds,
            [Some("deadline kept late"), Some("backoff kept late"), None]
        );
    }

    #[test]
    fn a_backoff_may_wait_until_the_policy_ends_it_and_no_longer() {
        let within = WaitSpan::of(at(0), Some(Duration::from_millis(50)));
        assert!(backoff_kept_late(within, at(50), String::new).is_none());
        let late = WaitSpan::of(at(0), Some(Duration::from_millis(100)));
        let violation =
            backoff_kept_late(late, at(50), || "downloader".into()).expect("a backoff kept late");
        assert_eq!(
            (violation.oracle, violation.kind),
            (Oracle::RetryPolicyHonoured, "backoff kept late")
        );
        assert!(violation.what.contains("ends by 50ms"), "{violation}");
    }
}
