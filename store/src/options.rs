//! Tunables of a store, with the defaults a lazy-fetch cache wants.

use std::num::NonZeroUsize;
use std::time::Duration;

/// How a store downloads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreOptions {
    /// Largest piece read from the transport and written to the temp file at
    /// once; readers are woken after each. Default 64 KiB.
    pub chunk_size_bytes: NonZeroUsize,
    /// How transient transport failures are retried.
    pub retry: RetryPolicy,
    /// A historical bug to plant back, for the harness's self-test only.
    #[cfg(feature = "planted-bugs")]
    pub planted_bug: Option<crate::PlantedBug>,
}

impl Default for StoreOptions {
    fn default() -> StoreOptions {
        StoreOptions {
            chunk_size_bytes: NonZeroUsize::new(64 * 1024).expect("64 KiB is not zero"),
            retry: RetryPolicy::default(),
            #[cfg(feature = "planted-bugs")]
            planted_bug: None,
        }
    }
}

/// Exponential backoff for transient transport failures, measured on the
/// store's clock. The count resets whenever a resumed stream makes progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Failures in a row, without a byte of progress, before the download
    /// fails for good. Zero: the first failure is final.
    pub max_consecutive_failures: u32,
    /// Wait before the first retry; doubled for each further one.
    pub initial_backoff: Duration,
    /// Cap on the doubling.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_consecutive_failures: 5,
            initial_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `failures` (1-based).
    pub fn backoff(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        self.initial_backoff
            .saturating_mul(1 << doublings)
            .min(self.max_backoff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_then_caps() {
        let policy = RetryPolicy {
            max_consecutive_failures: 10,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(50),
        };
        let waits: Vec<_> = (1..=5).map(|n| policy.backoff(n).as_millis()).collect();
        assert_eq!(waits, [10, 20, 40, 50, 50]);
    }

    #[test]
    fn backoff_of_huge_failure_counts_does_not_overflow() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(u32::MAX), policy.max_backoff);
    }
}
