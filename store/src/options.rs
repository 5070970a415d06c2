//! Tunables of a store, with the defaults a lazy-fetch cache wants.

use std::num::NonZeroUsize;
use std::time::Duration;

/// How a store downloads. Start from [`StoreOptions::default`] and change
/// what you need with the `with_*` methods:
///
/// ```
/// use std::num::NonZeroUsize;
/// use store::StoreOptions;
///
/// let chunk = NonZeroUsize::new(4096).expect("not zero");
/// let options = StoreOptions::default().with_chunk_size(chunk);
/// assert_eq!(options.chunk_size_bytes.get(), 4096);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreOptions {
    /// Largest piece read from the transport and written to the temp file at
    /// once; readers are woken after each. Default 64 KiB.
    pub chunk_size_bytes: NonZeroUsize,
    /// How transient transport failures are retried.
    pub retry: RetryPolicy,
    /// A bug to plant, for the simulation harness's self-test only.
    #[cfg(feature = "planted-bugs")]
    pub plant: Option<crate::Plant>,
}

impl Default for StoreOptions {
    fn default() -> StoreOptions {
        StoreOptions {
            chunk_size_bytes: NonZeroUsize::new(64 * 1024).expect("64 KiB is not zero"),
            retry: RetryPolicy::default(),
            #[cfg(feature = "planted-bugs")]
            plant: None,
        }
    }
}

impl StoreOptions {
    /// These options, reading and writing `chunk_size_bytes` at a time.
    pub fn with_chunk_size(mut self, chunk_size_bytes: NonZeroUsize) -> StoreOptions {
        self.chunk_size_bytes = chunk_size_bytes;
        self
    }

    /// These options, retrying per `retry`.
    pub fn with_retry(mut self, retry: RetryPolicy) -> StoreOptions {
        self.retry = retry;
        self
    }

    /// These options, with `plant` planted (the harness's self-test only).
    #[cfg(feature = "planted-bugs")]
    pub fn with_plant(mut self, plant: Option<crate::Plant>) -> StoreOptions {
        self.plant = plant;
        self
    }
}

/// How the downloader retries a failing transport: exponential backoff,
/// measured on the store's clock, with a budget of failures in a row.
///
/// The semantics, which the simulation harness checks as an oracle:
///
/// - **What counts as a failure.** A *transient* failure is a
///   [`TransportError`](crate::TransportError) of class
///   [`Retry::Transient`](crate::Retry::Transient) from `stream_from` or
///   from a stream's read (a reset, a broken connection, an `Ok(0)` before
///   the object's end). A read that fails with `ErrorKind::Interrupted` is
///   not a failure: the downloader reads again at once.
/// - **Permanent failures** ([`Retry::Permanent`](crate::Retry::Permanent),
///   and a stream that reports more bytes than it was asked for) end the
///   download at once, without a retry, whatever the budget.
/// - **The budget.** The download tolerates up to
///   `max_consecutive_failures` transient failures in a row; the next one
///   ends it. So 0 makes the first failure final, and 5 allows 5 retries.
/// - **Progress resets the count.** A failure of a stream that delivered
///   at least one byte counts as the first of a new row.
/// - **Resuming.** A retry opens a new stream at the first byte not yet
///   received, never at one already received, and none once every byte is in.
/// - **Backoff.** Before retry number `n` of a row (`n` = failures in the
///   row so far) the downloader waits [`backoff(n)`](Self::backoff) on the
///   store's clock, no less: `initial_backoff` doubled `n - 1` times,
///   capped at `max_backoff`. Closing the store ends the wait at once.
/// - **Ending.** When the download fails for good, every pending read and
///   every later read of bytes that had not arrived fails with that
///   failure's error; bytes that had arrived stay readable until close.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Transient failures tolerated in a row without a byte of progress;
    /// one more fails the download for good. Zero: the first failure is final.
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
