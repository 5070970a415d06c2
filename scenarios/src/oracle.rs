//! The properties every scenario checks, and how a violation reads. The
//! bugs planted back to prove each one fires are `planted.rs`.

use std::fmt;

/// One property the store must keep under every interleaving.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(test, derive(strum::EnumIter))]
pub enum Oracle {
    /// Every byte read equals the source; no read fails without a cause.
    DataIntegrity,
    /// No schedule leaves threads blocked forever.
    NoDeadlock,
    /// Close finishes within a bound (scheduler steps; its deadline).
    CloseCompletes,
    /// Reads that begin after close, or that close interrupts, return `Closed`.
    ReadsAfterCloseGetClosed,
    /// `read_at` returns the byte count on a partial read at the end.
    PartialReadCount,
    /// No thread blocks (waits) while holding a lock other than the one it waits with.
    NoBlockingUnderLock,
    /// Nothing reads, writes or closes the temp file after it was closed.
    NoAccessAfterClose,
    /// Every temp file is closed and removed once its store has closed.
    NoLeak,
    /// Closing one store never disturbs another.
    StoresIndependent,
    /// Whenever every thread is blocked, each reader inside `read_at` has a
    /// reason to wait: a byte of its range is unwritten and the download runs.
    NoNeedlessWait,
    /// Once close has begun, only in-flight calls returning may stand
    /// between it and its end, never a store timer (backoff) expiring.
    CloseDoesNotWaitOnTimers,
    /// Transient failures are retried per `RetryPolicy`: up to its budget in
    /// a row without progress, after its backoff; permanent errors never.
    RetryPolicyHonoured,
    /// The temp file is closed once, after every handle's duplicate of it.
    ReleaseAfterLastHandle,
    /// The counts a store reports (`in_flight()`, the fields of
    /// `CloseDeadlineExceeded`) match the calls the platform sees in flight.
    InFlightCountsTrue,
    /// A call that promises never to wait (a log line) takes no lock and
    /// waits on nothing.
    NeverWaits,
    /// The logger's count of dropped lines equals the lines it refused.
    DropsCountedExactly,
    /// A line is dropped only when the queue is full, and every line
    /// queued reaches the sink.
    NoLossWithRoom,
    /// Every request the mount receives gets exactly one reply.
    OneReplyPerRequest,
}

impl Oracle {
    /// Every oracle.
    pub const ALL: [Oracle; 18] = [
        Oracle::DataIntegrity,
        Oracle::NoDeadlock,
        Oracle::CloseCompletes,
        Oracle::ReadsAfterCloseGetClosed,
        Oracle::PartialReadCount,
        Oracle::NoBlockingUnderLock,
        Oracle::NoAccessAfterClose,
        Oracle::NoLeak,
        Oracle::StoresIndependent,
        Oracle::NoNeedlessWait,
        Oracle::CloseDoesNotWaitOnTimers,
        Oracle::RetryPolicyHonoured,
        Oracle::ReleaseAfterLastHandle,
        Oracle::InFlightCountsTrue,
        Oracle::NeverWaits,
        Oracle::DropsCountedExactly,
        Oracle::NoLossWithRoom,
        Oracle::OneReplyPerRequest,
    ];

    /// Kebab-case name, as it appears in violation messages.
    pub fn name(self) -> &'static str {
        match self {
            Oracle::DataIntegrity => "data-integrity",
            Oracle::NoDeadlock => "no-deadlock",
            Oracle::CloseCompletes => "close-completes",
            Oracle::ReadsAfterCloseGetClosed => "reads-after-close-get-closed",
            Oracle::PartialReadCount => "partial-read-count",
            Oracle::NoBlockingUnderLock => "no-blocking-under-lock",
            Oracle::NoAccessAfterClose => "no-access-after-close",
            Oracle::NoLeak => "no-leak",
            Oracle::StoresIndependent => "stores-independent",
            Oracle::NoNeedlessWait => "no-needless-wait",
            Oracle::CloseDoesNotWaitOnTimers => "close-does-not-wait-on-timers",
            Oracle::RetryPolicyHonoured => "retry-policy-honoured",
            Oracle::ReleaseAfterLastHandle => "release-after-last-handle",
            Oracle::InFlightCountsTrue => "in-flight-counts-true",
            Oracle::NeverWaits => "never-waits",
            Oracle::DropsCountedExactly => "drops-counted-exactly",
            Oracle::NoLossWithRoom => "no-loss-with-room",
            Oracle::OneReplyPerRequest => "one-reply-per-request",
        }
    }

    /// What the oracle demands, in words.
    pub fn description(self) -> &'static str {
        match self {
            Oracle::DataIntegrity => {
                "every byte read must equal the source, and no read may fail without a cause"
            }
            Oracle::NoDeadlock => "no schedule may leave threads blocked forever",
            Oracle::CloseCompletes => {
                "close must finish, giving up neither before its deadline nor after it"
            }
            Oracle::ReadsAfterCloseGetClosed => {
                "reads that begin after close, or that close interrupts, must return Closed"
            }
            Oracle::PartialReadCount => "a read that reaches the end must return the bytes it read",
            Oracle::NoBlockingUnderLock => {
                "no thread may wait while holding a lock other than the one it waits with"
            }
            Oracle::NoAccessAfterClose => "nothing may touch the temp file after it was closed",
            Oracle::NoLeak => {
                "every temp file must be closed and removed once its store has closed"
            }
            Oracle::StoresIndependent => "closing one store must never disturb another",
            Oracle::NoNeedlessWait => {
                "a reader may wait only while a byte of its range is missing and the download runs"
            }
            Oracle::CloseDoesNotWaitOnTimers => {
                "close must never wait for a store timer (backoff, retry) to expire"
            }
            Oracle::RetryPolicyHonoured => {
                "transient failures must be retried per the retry policy, no sooner and no later than \
                 its backoff, permanent ones never"
            }
            Oracle::ReleaseAfterLastHandle => {
                "the temp file must be closed once, after every handle's duplicate of it"
            }
            Oracle::InFlightCountsTrue => {
                "the counts a store reports must match the calls the platform sees in flight"
            }
            Oracle::NeverWaits => {
                "a call that promises never to wait must take no lock and wait on nothing"
            }
            Oracle::DropsCountedExactly => {
                "the count of dropped lines must equal the lines the logger refused"
            }
            Oracle::NoLossWithRoom => {
                "a line may be dropped only when the queue is full; every queued line must arrive"
            }
            Oracle::OneReplyPerRequest => {
                "every request the mount receives must get exactly one reply, none dropped unanswered"
            }
        }
    }
}

/// An oracle broken: which, by which thread, what kind of breach, and
/// what happened. A violation is raised as a panic whose payload is the
/// `Violation` itself, which drivers take back by type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The oracle that broke.
    pub oracle: Oracle,
    /// The thread that broke it (for a liveness oracle: the thread that
    /// waits without a reason).
    pub thread: String,
    /// The kind of breach, in a few fixed words chosen where it is judged
    /// ("read of a closed file"): the same for every run of one bug, so
    /// failures group by it.
    pub kind: &'static str,
    /// What happened in this run, in words for people.
    pub what: String,
    /// Where in the source it happened, where that is part of the breach
    /// (the store's wait site of a wait under a lock).
    pub at: Option<&'static std::panic::Location<'static>>,
}

impl Violation {
    /// `oracle` broken by `thread`: a breach of `kind`, as `what` tells it.
    pub fn new(
        oracle: Oracle,
        thread: impl Into<String>,
        kind: &'static str,
        what: impl Into<String>,
    ) -> Violation {
        Violation {
            oracle,
            thread: thread.into(),
            kind,
            what: what.into(),
            at: None,
        }
    }

    /// The same violation, which happened at `at` in the source.
    pub fn at(self, at: &'static std::panic::Location<'static>) -> Violation {
        Violation {
            at: Some(at),
            ..self
        }
    }

    /// Ends the calling thread's part in the run with this violation as the
    /// panic payload.
    pub fn raise(self) -> ! {
        std::panic::panic_any(self)
    }

    /// The violation a panic carries, if it is one.
    pub fn of_panic(payload: &(dyn std::any::Any + Send)) -> Option<&Violation> {
        payload.downcast_ref::<Violation>()
    }
}

impl fmt::Display for Violation {
    /// `VIOLATION [oracle] thread: what`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "VIOLATION [{}] {}: {}",
            self.oracle, self.thread, self.what
        )
    }
}

impl fmt::Display for Oracle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_raised_violation_comes_back_by_type() {
        let raised = std::panic::catch_unwind(|| {
            Violation::new(
                Oracle::NoLeak,
                "main",
                "file left open",
                "temp file #0 is still open",
            )
            .raise()
        });
        let payload = raised.expect_err("it panics");
        let violation = Violation::of_panic(payload.as_ref()).expect("a violation");
        assert_eq!(violation.oracle, Oracle::NoLeak);
        assert_eq!(
            violation.to_string(),
            "VIOLATION [no-leak] main: temp file #0 is still open"
        );
    }

    #[test]
    fn other_panics_carry_no_violation() {
        let payload =
            std::panic::catch_unwind(|| panic!("index out of bounds")).expect_err("it panics");
        assert!(Violation::of_panic(payload.as_ref()).is_none());
    }
}
