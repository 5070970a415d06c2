//! The properties every scenario checks, and how a violation reads.

use std::fmt;

/// One property the store must keep under every interleaving.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
}

impl Oracle {
    /// Every oracle.
    pub const ALL: [Oracle; 12] = [
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
        }
    }

    /// What the oracle demands, in words.
    pub fn description(self) -> &'static str {
        match self {
            Oracle::DataIntegrity => {
                "every byte read must equal the source, and no read may fail without a cause"
            }
            Oracle::NoDeadlock => "no schedule may leave threads blocked forever",
            Oracle::CloseCompletes => "close must finish, and must not give up before its deadline",
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
                "transient failures must be retried per the retry policy, permanent ones never"
            }
        }
    }

    /// The message a violation panics with: `VIOLATION [oracle] thread: what`.
    /// Drivers recognise violations by this prefix.
    pub fn violation(self, thread: &str, what: &str) -> String {
        format!("{VIOLATION_PREFIX}[{}] {thread}: {what}", self.name())
    }

    /// The oracle a failure message names, if it is a violation message.
    pub fn named_in(message: &str) -> Option<Oracle> {
        let rest = message.split(VIOLATION_PREFIX).nth(1)?.strip_prefix('[')?;
        let name = rest.split(']').next()?;
        Oracle::ALL.into_iter().find(|oracle| oracle.name() == name)
    }
}

/// What every violation message starts with.
const VIOLATION_PREFIX: &str = "VIOLATION ";

impl fmt::Display for Oracle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_violation_message_names_its_oracle() {
        for oracle in Oracle::ALL {
            let message = oracle.violation("reader-1", "something broke");
            assert_eq!(Oracle::named_in(&message), Some(oracle), "{message}");
        }
    }

    #[test]
    fn other_panics_name_no_oracle() {
        assert_eq!(Oracle::named_in("index out of bounds"), None);
    }
}
