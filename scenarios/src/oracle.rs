//! The properties every scenario checks, and how a violation reads. The
//! bugs planted back to prove each one fires are `planted.rs`.

use std::fmt;

use crate::Component;

/// Whose promise an oracle states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Owner {
    /// The platform's own, generic to every subject: judged from the
    /// threads, locks and waits it sees, or from what it hands out.
    Platform,
    /// One subject's promise, judged from what its scenarios tell.
    Subject(Component),
}

/// The registry: one row per oracle, `Key => name, owner, description`
/// with the key's doc. It defines [`Oracle`], its `ALL`, and the
/// accessors.
macro_rules! oracles {
    ($($(#[$doc:meta])* $key:ident => $name:literal, $owner:expr, $description:literal,)*) => {
        /// One property that must hold under every interleaving.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Oracle {
            $($(#[$doc])* $key,)*
        }

        impl Oracle {
            /// Every oracle, in registry order.
            pub const ALL: [Oracle; [$($name),*].len()] = [$(Oracle::$key),*];

            /// Kebab-case name, as it appears in violation messages.
            pub fn name(self) -> &'static str {
                match self {
                    $(Oracle::$key => $name,)*
                }
            }

            /// Whose promise it states.
            pub fn owner(self) -> Owner {
                match self {
                    $(Oracle::$key => $owner,)*
                }
            }

            /// What the oracle demands, in words.
            pub fn description(self) -> &'static str {
                match self {
                    $(Oracle::$key => $description,)*
                }
            }
        }
    };
}

oracles! {
    /// Every byte read equals the source; no read fails without a cause.
    DataIntegrity => "data-integrity", Owner::Subject(Component::Store),
        "every byte read must equal the source, and no read may fail without a cause",
    /// No schedule leaves threads blocked forever.
    NoDeadlock => "no-deadlock", Owner::Platform,
        "no schedule may leave threads blocked forever",
    /// Close finishes within a bound (scheduler steps; its deadline).
    CloseCompletes => "close-completes", Owner::Subject(Component::Store),
        "close must finish, giving up neither before its deadline nor after it",
    /// Reads that begin after close, or that close interrupts, return `Closed`.
    ReadsAfterCloseGetClosed => "reads-after-close-get-closed", Owner::Subject(Component::Store),
        "reads that begin after close, or that close interrupts, must return Closed",
    /// `read_at` returns the byte count on a partial read at the end.
    PartialReadCount => "partial-read-count", Owner::Subject(Component::Store),
        "a read that reaches the end must return the bytes it read",
    /// No thread blocks (waits) while holding a lock other than the one it waits with.
    NoBlockingUnderLock => "no-blocking-under-lock", Owner::Platform,
        "no thread may wait while holding a lock other than the one it waits with",
    /// Nothing reads, writes or closes the temp file after it was closed.
    NoAccessAfterClose => "no-access-after-close", Owner::Subject(Component::Store),
        "nothing may touch the temp file after it was closed",
    /// Every temp file is closed and removed once its store has closed.
    NoLeak => "no-leak", Owner::Platform,
        "every temp file must be closed and removed once its store has closed",
    /// Closing one store never disturbs another.
    StoresIndependent => "stores-independent", Owner::Subject(Component::Store),
        "closing one store must never disturb another",
    /// Whenever every thread is blocked, each reader inside `read_at` has a
    /// reason to wait: a byte of its range is unwritten and the download runs.
    NoNeedlessWait => "no-needless-wait", Owner::Subject(Component::Store),
        "a reader may wait only while a byte of its range is missing and the download runs",
    /// Once close has begun, only in-flight calls returning may stand
    /// between it and its end, never a store timer (backoff) expiring.
    CloseDoesNotWaitOnTimers => "close-does-not-wait-on-timers", Owner::Subject(Component::Store),
        "close must never wait for a store timer (backoff, retry) to expire",
    /// Transient failures are retried per `RetryPolicy`: up to its budget in
    /// a row without progress, after its backoff; permanent errors never.
    RetryPolicyHonoured => "retry-policy-honoured", Owner::Subject(Component::Store),
        "transient failures must be retried per the retry policy, no sooner and no later than \
         its backoff, permanent ones never",
    /// The temp file is closed once, after every handle's duplicate of it.
    ReleaseAfterLastHandle => "release-after-last-handle", Owner::Subject(Component::Store),
        "the temp file must be closed once, after every handle's duplicate of it",
    /// The counts a store reports (`in_flight()`, the fields of
    /// `CloseDeadlineExceeded`) match the calls the platform sees in flight.
    InFlightCountsTrue => "in-flight-counts-true", Owner::Subject(Component::Store),
        "the counts a store reports must match the calls the platform sees in flight",
    /// A call that promises never to wait (a log line) takes no lock and
    /// waits on nothing.
    NeverWaits => "never-waits", Owner::Platform,
        "a call that promises never to wait must take no lock and wait on nothing",
    /// The logger's count of dropped lines equals the lines it refused.
    DropsCountedExactly => "drops-counted-exactly", Owner::Subject(Component::Logger),
        "the count of dropped lines must equal the lines the logger refused",
    /// A line is dropped only when the queue is full, and every line
    /// queued reaches the sink.
    NoLossWithRoom => "no-loss-with-room", Owner::Subject(Component::Logger),
        "a line may be dropped only when the queue is full; every queued line must arrive",
    /// Every request the mount receives gets exactly one reply.
    OneReplyPerRequest => "one-reply-per-request", Owner::Subject(Component::Mount),
        "every request the mount receives must get exactly one reply, none dropped unanswered",
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
    #[track_caller]
    pub fn raise(self) -> ! {
        harness::panics::raise(self)
    }

    /// The violation a panic carries, if it is one.
    pub fn of_panic(payload: &(dyn std::any::Any + Send)) -> Option<&Violation> {
        harness::panics::raised(payload)
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
