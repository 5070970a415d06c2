//! A scenario's parameters: sizes, thread counts and the fault plan, all
//! drawn from one seed through a proptest strategy, so a property test and a
//! seeded run use the very same generator.

use std::time::Duration;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde::{Deserialize, Serialize};
use store::RetryPolicy;

pub use harness::schedule::SplitMix64;

use crate::FailuresInARow;

/// What happens at one read of a transport stream, in order across streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StreamFault {
    /// Deliver at most this many bytes (a short read; never zero).
    Short(usize),
    /// The connection resets (a transient error); the store must resume.
    Reset,
    /// The read returns `Ok(0)` before the object's end: the stream ended
    /// early, a transient failure.
    ZeroBytes,
    /// The read fails with `ErrorKind::Interrupted`: not a failure, the
    /// store reads again at once.
    Interrupted,
    /// The read reports one byte more than the buffer holds (a transport
    /// breaking `Read`'s contract; at the object's end, more bytes than the
    /// object has): a permanent failure.
    Overlong,
    /// No byte comes until the transport is cancelled.
    Stall,
}

impl StreamFault {
    /// Whether the store must count this fault as a transient failure.
    pub fn is_transient_failure(self) -> bool {
        matches!(self, StreamFault::Reset | StreamFault::ZeroBytes)
    }
}

/// The store's retry policy for a run, drawn from the seed like the rest
/// (serialisable, unlike `store::RetryPolicy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryParams {
    /// `RetryPolicy::max_consecutive_failures`.
    pub max_consecutive_failures: u32,
    /// `RetryPolicy::initial_backoff`.
    pub initial_backoff: Duration,
    /// `RetryPolicy::max_backoff`.
    pub max_backoff: Duration,
}

impl RetryParams {
    /// The policy the store runs with.
    pub fn policy(self) -> RetryPolicy {
        RetryPolicy {
            max_consecutive_failures: self.max_consecutive_failures,
            initial_backoff: self.initial_backoff,
            max_backoff: self.max_backoff,
        }
    }
}

impl Default for RetryParams {
    fn default() -> RetryParams {
        let policy = RetryPolicy::default();
        RetryParams {
            max_consecutive_failures: policy.max_consecutive_failures,
            initial_backoff: policy.initial_backoff,
            max_backoff: policy.max_backoff,
        }
    }
}

/// How the remote object misbehaves.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransportFaults {
    /// Consumed one per stream read; afterwards reads are served in full.
    pub stream_reads: Vec<StreamFault>,
    /// Opening stream number N (0-based) fails for good.
    pub permanent_error_at_stream: Option<usize>,
}

/// How the temp file misbehaves.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileFaults {
    /// Writes fail with ENOSPC once this many bytes were written.
    pub disk_full_after_bytes: Option<u64>,
    /// Read number N (0-based) fails with EIO.
    pub eio_at_read: Option<usize>,
    /// Duplicate number N (0-based) is refused with EMFILE, as a process
    /// out of descriptors would refuse a `dup`. Never drawn from the seed
    /// (the seeds name the parameters they named): scenarios about handles
    /// set it from `content_seed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refuse_duplicate: Option<usize>,
    /// Every read of the file takes this long on the clock: a reader is
    /// inside the file layer meanwhile. Never drawn from the seed: set by
    /// the scenario that needs a reader in flight at a close's deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow_reads: Option<std::time::Duration>,
}

/// The error a platform gives for the plan's injected EIO
/// ([`FileFaults::eio_at_read`]), inside an `io::Error`: the judge of a
/// read knows it by its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("EIO (injected)")]
pub struct InjectedEio;

impl InjectedEio {
    /// Whether `error` is the injected EIO.
    pub fn is(error: &std::io::Error) -> bool {
        error
            .get_ref()
            .is_some_and(|inner| inner.is::<InjectedEio>())
    }
}

/// The error a platform gives for the plan's refused duplicate
/// ([`FileFaults::refuse_duplicate`]), inside an `io::Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("EMFILE (injected): too many open files")]
pub struct InjectedEmfile;

impl InjectedEmfile {
    /// Whether `error` is the injected EMFILE.
    pub fn is(error: &std::io::Error) -> bool {
        error
            .get_ref()
            .is_some_and(|inner| inner.is::<InjectedEmfile>())
    }
}

/// Everything a scenario run is shaped by, apart from the schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// Length of the remote object: 0 (empty) to a few hundred bytes.
    /// Scenarios other than stress raise it to at least 2.
    pub object_len_bytes: u64,
    /// The store's chunk size.
    pub chunk_size_bytes: usize,
    /// Reader threads in all (split across stores where there are several).
    pub readers: usize,
    /// Bytes each read asks for.
    pub read_len_bytes: usize,
    /// Stores, for the multi-file scenarios.
    pub stores: usize,
    /// Virtual time a deadline close allows.
    pub close_deadline: Duration,
    /// Seeds the object's bytes and each reader's range.
    pub content_seed: u64,
    /// The store's retry policy.
    pub retry: RetryParams,
    /// Transport misbehaviour.
    pub transport_faults: TransportFaults,
    /// Temp file misbehaviour.
    pub file_faults: FileFaults,
}

/// How big a run is: loom explores every schedule, so it gets the smallest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// At most 5 threads in all (loom's limit), objects of a few chunks.
    Loom,
    /// More readers, longer objects, more faults.
    Shuttle,
}

impl Size {
    /// Most reader threads of a run; with main and one downloader per store,
    /// a loom run stays within loom's 5 threads.
    pub fn max_readers(self) -> usize {
        match self {
            Size::Loom => 2,
            Size::Shuttle => 6,
        }
    }
}

impl Params {
    /// The smallest interesting run: two chunks, two readers.
    pub fn loom_default() -> Params {
        Params {
            object_len_bytes: 16,
            chunk_size_bytes: 8,
            readers: 2,
            read_len_bytes: 6,
            stores: 2,
            close_deadline: Duration::from_millis(100),
            content_seed: 1,
            retry: RetryParams::default(),
            transport_faults: TransportFaults::default(),
            file_faults: FileFaults::default(),
        }
    }

    /// A larger run for randomised schedulers.
    pub fn shuttle_default() -> Params {
        Params {
            object_len_bytes: 200,
            chunk_size_bytes: 32,
            readers: 4,
            read_len_bytes: 48,
            ..Params::loom_default()
        }
    }

    /// Parameters of `size`, drawn from `seed`: the same seed always gives the
    /// same parameters.
    pub fn from_seed(seed: u64, size: Size) -> Params {
        let mut seed_bytes = [0; 32];
        seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes);
        let mut runner = TestRunner::new_with_rng(Config::default(), rng);
        Params::strategy(size)
            .new_tree(&mut runner)
            .expect("the parameter strategy never rejects")
            .current()
    }

    /// Every parameter set of `size`. Chunk sizes run from 1 byte to past
    /// the object's end; retry budgets from 0; fault plans straddle the
    /// drawn budget (runs of transient failures up to twice it, with and
    /// without progress between them).
    pub fn strategy(size: Size) -> impl Strategy<Value = Params> {
        let (max_len, max_budget, max_episodes) = match size {
            Size::Loom => (24u64, 2u32, 2usize),
            Size::Shuttle => (512, 4, 4),
        };
        let max_chunk = max_len as usize + 8;
        let retry = (0..=max_budget, 0..=100u64, 0..=400u64).prop_map(
            |(max_consecutive_failures, initial_ms, cap_ms)| RetryParams {
                max_consecutive_failures,
                initial_backoff: Duration::from_millis(initial_ms),
                max_backoff: Duration::from_millis(cap_ms),
            },
        );
        let object_len = prop_oneof![1 => Just(0u64), 19 => 1..=max_len];
        let chunk = prop_oneof![
            1 => Just(1usize),
            6 => 1..=max_len as usize,
            1 => max_len as usize..=max_chunk,
        ];
        (
            (object_len, chunk, 1..=size.max_readers()),
            (1..=max_chunk, 1..=2usize, 1..=500u64, any::<u64>()),
            retry.prop_flat_map(move |retry| {
                let plan = fault_plan(retry.max_consecutive_failures, max_episodes, max_len);
                (Just(retry), plan)
            }),
            (
                prop::option::weighted(0.15, 0..3usize),
                prop::option::weighted(0.2, 0..max_len),
                prop::option::weighted(0.1, 0..4usize),
            ),
        )
            .prop_map(
                |(
                    (object_len_bytes, chunk_size_bytes, readers),
                    (read_len_bytes, stores, deadline_ms, content_seed),
                    (retry, stream_reads),
                    (permanent_error_at_stream, disk_full_after_bytes, eio_at_read),
                )| Params {
                    object_len_bytes,
                    chunk_size_bytes,
                    readers,
                    read_len_bytes,
                    stores,
                    close_deadline: Duration::from_millis(deadline_ms),
                    content_seed,
                    retry,
                    transport_faults: TransportFaults {
                        stream_reads,
                        permanent_error_at_stream,
                    },
                    file_faults: FileFaults {
                        disk_full_after_bytes,
                        eio_at_read,
                        refuse_duplicate: None,
                        slow_reads: None,
                    },
                },
            )
    }

    /// The object's bytes: a function of `content_seed` alone.
    pub fn object(&self) -> Vec<u8> {
        let mut state = SplitMix64::new(self.content_seed);
        (0..self.object_len_bytes)
            .map(|_| (state.next_u64() >> 56) as u8)
            .collect()
    }

    /// The range reader `index` reads: `(offset, buffer length)`. Reader 0
    /// straddles the object's end (a partial read); the others draw, from
    /// `content_seed`, a range anywhere (so ranges overlap), a zero-length
    /// buffer, an offset at or past the end, or the previous reader's range.
    pub fn reader_range(&self, index: usize) -> (u64, usize) {
        let len = self.object_len_bytes;
        if index == 0 {
            let half_read = (self.read_len_bytes as u64 / 2).max(1);
            return (len.saturating_sub(half_read), self.read_len_bytes);
        }
        let mut state =
            SplitMix64::new(self.content_seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let offset = state.next_u64() % (len + 1);
        match state.next_u64() % 10 {
            0 => (offset, 0),
            1 => (len, self.read_len_bytes),
            2 => (len + 1 + state.next_u64() % 8, self.read_len_bytes),
            3 => self.reader_range(index - 1),
            _ => (offset, self.read_len_bytes),
        }
    }

    /// Whether `failed-download-reads` fails its download with a permanent
    /// error (rather than by spending the retry budget). This and the
    /// choices below are bits of `content_seed`, so that seeds keep naming
    /// the parameters they named: bit 0.
    pub fn fails_by_permanent_error(&self) -> bool {
        self.content_seed & 1 == 0
    }

    /// Whether a scenario that ends its store with one close uses
    /// `close_with_deadline` rather than `close`: bit 1.
    pub fn ends_with_deadline(&self) -> bool {
        (self.content_seed >> 1) & 1 == 1
    }

    /// Whether `drop-during-download` reads the object's first byte before
    /// it drops the store (so the drop comes after the first chunk): bit 2.
    pub fn reads_before_dropping(&self) -> bool {
        (self.content_seed >> 2) & 1 == 1
    }

    /// Whether a scenario about handles has the file layer refuse a
    /// duplicate (`FileFaults::refuse_duplicate`): bit 9.
    pub fn refuses_a_duplicate(&self) -> bool {
        (self.content_seed >> 9) & 1 == 1
    }

    /// These parameters with the file layer refusing duplicate 0 or 1 (bit
    /// 10) where the seed draws a refusal.
    pub fn refusing_a_duplicate_if_drawn(mut self) -> Params {
        let which = (self.content_seed >> 10) & 1;
        self.file_faults.refuse_duplicate = self
            .refuses_a_duplicate()
            .then_some(usize::from(which == 1));
        self
    }

    /// Removes every fault that changes outcomes: the plan keeps short and
    /// interrupted reads, and transient failures up to the first that would
    /// exhaust the retry budget, so the download still completes.
    pub fn without_harmful_faults(mut self) -> Params {
        let budget = self.retry.max_consecutive_failures;
        let (mut failures, mut progressed) = (FailuresInARow::default(), false);
        let mut kept = Vec::new();
        for fault in self.transport_faults.stream_reads {
            match fault {
                StreamFault::Short(_) => progressed = true,
                StreamFault::Interrupted => {}
                StreamFault::Reset | StreamFault::ZeroBytes
                    if failures.count(std::mem::take(&mut progressed), budget) => {}
                _ => break,
            }
            kept.push(fault);
        }
        self.transport_faults.stream_reads = kept;
        self.transport_faults.permanent_error_at_stream = None;
        self.file_faults = FileFaults::default();
        self
    }
}

/// A fault plan for a retry budget of `budget`: up to `episodes` runs of
/// transient failures, each up to twice the budget long (so some exhaust it
/// and some do not), each run optionally preceded by progress (a short read,
/// which resets the count) and sprinkled with interrupted reads; rarely a
/// stall or an overlong read.
fn fault_plan(
    budget: u32,
    episodes: usize,
    max_len: u64,
) -> impl Strategy<Value = Vec<StreamFault>> {
    let failure = prop_oneof![
        3 => Just(StreamFault::Reset),
        1 => Just(StreamFault::ZeroBytes),
    ];
    let failures = prop::collection::vec(failure, 0..=2 * budget as usize + 1);
    let progress = prop::option::weighted(0.6, 1..=max_len as usize);
    let interrupted = prop::bool::weighted(0.2);
    let rare = prop::option::weighted(
        0.1,
        prop_oneof![Just(StreamFault::Stall), Just(StreamFault::Overlong)],
    );
    prop::collection::vec((progress, interrupted, failures, rare), 0..=episodes).prop_map(
        |episodes| {
            let mut plan = Vec::new();
            for (progress, interrupted, failures, rare) in episodes {
                plan.extend(progress.map(StreamFault::Short));
                if interrupted {
                    plan.push(StreamFault::Interrupted);
                }
                plan.extend(failures);
                plan.extend(rare);
            }
            plan
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_parameters() {
        for seed in 0..50 {
            assert_eq!(
                Params::from_seed(seed, Size::Shuttle),
                Params::from_seed(seed, Size::Shuttle)
            );
        }
    }

    #[test]
    fn different_seeds_give_different_parameters() {
        let distinct: std::collections::BTreeSet<_> = (0..50)
            .map(|seed| format!("{:?}", Params::from_seed(seed, Size::Shuttle)))
            .collect();
        assert!(distinct.len() > 40, "only {} distinct", distinct.len());
    }

    #[test]
    fn loom_sized_parameters_stay_within_loom_limits() {
        for seed in 0..200 {
            let params = Params::from_seed(seed, Size::Loom);
            assert!(params.readers <= Size::Loom.max_readers());
            assert!(params.object_len_bytes <= 24);
        }
    }

    #[test]
    fn object_bytes_depend_on_the_content_seed_only() {
        let params = Params::shuttle_default();
        let reseeded = Params {
            content_seed: 2,
            ..params.clone()
        };
        assert_eq!(params.object(), params.clone().object());
        assert_ne!(params.object(), reseeded.object());
    }
}
