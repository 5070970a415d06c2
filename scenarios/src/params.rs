//! A scenario's parameters: sizes, thread counts and the fault plan, all
//! drawn from one seed through a proptest strategy, so a property test and a
//! seeded run use the very same generator.

use std::time::Duration;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde::{Deserialize, Serialize};

/// What happens at one read of a transport stream, in order across streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StreamFault {
    /// Deliver at most this many bytes (a short read; never zero).
    Short(usize),
    /// The connection resets (a transient error); the store must resume.
    Reset,
    /// No byte comes until the transport is cancelled.
    Stall,
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
}

/// Everything a scenario run is shaped by, apart from the schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// Length of the remote object.
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
    /// Seeds the object's bytes and each reader's offset.
    pub content_seed: u64,
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

    /// Every parameter set of `size`.
    pub fn strategy(size: Size) -> impl Strategy<Value = Params> {
        let (max_len, max_chunk, max_faults) = match size {
            Size::Loom => (24u64, 12usize, 2usize),
            Size::Shuttle => (512, 96, 6),
        };
        let stream_fault = prop_oneof![
            4 => (1..=max_chunk).prop_map(StreamFault::Short),
            2 => Just(StreamFault::Reset),
            1 => Just(StreamFault::Stall),
        ];
        (
            (1..=max_len, 1..=max_chunk, 1..=size.max_readers()),
            (1..=max_chunk * 2, 1..=2usize, 1..=500u64, any::<u64>()),
            (
                prop::collection::vec(stream_fault, 0..=max_faults),
                prop::option::weighted(0.2, 0..3usize),
                prop::option::weighted(0.2, 0..max_len),
                prop::option::weighted(0.1, 0..4usize),
            ),
        )
            .prop_map(
                |(
                    (object_len_bytes, chunk_size_bytes, readers),
                    (read_len_bytes, stores, deadline_ms, content_seed),
                    (stream_reads, permanent_error_at_stream, disk_full_after_bytes, eio_at_read),
                )| Params {
                    object_len_bytes,
                    chunk_size_bytes,
                    readers,
                    read_len_bytes,
                    stores,
                    close_deadline: Duration::from_millis(deadline_ms),
                    content_seed,
                    transport_faults: TransportFaults {
                        stream_reads,
                        permanent_error_at_stream,
                    },
                    file_faults: FileFaults {
                        disk_full_after_bytes,
                        eio_at_read,
                    },
                },
            )
    }

    /// The object's bytes: a function of `content_seed` alone.
    pub fn object(&self) -> Vec<u8> {
        let mut state = self.content_seed;
        (0..self.object_len_bytes)
            .map(|_| (splitmix64(&mut state) >> 56) as u8)
            .collect()
    }

    /// Where reader `index` reads: reader 0 straddles the object's end (a
    /// partial read), the others anywhere from its start to just past its end.
    pub fn reader_offset(&self, index: usize) -> u64 {
        if index == 0 {
            let half_read = (self.read_len_bytes as u64 / 2).max(1);
            return self.object_len_bytes.saturating_sub(half_read);
        }
        let mut state = self.content_seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        splitmix64(&mut state) % (self.object_len_bytes + 1)
    }

    /// Whether the fault plan can make the download fail for good.
    pub fn download_can_fail(&self) -> bool {
        self.transport_faults.permanent_error_at_stream.is_some()
            || self.file_faults.disk_full_after_bytes.is_some()
    }

    /// Whether the fault plan stalls the transport (only close ends a stall).
    pub fn transport_stalls(&self) -> bool {
        self.transport_faults
            .stream_reads
            .contains(&StreamFault::Stall)
    }

    /// Removes every fault that changes outcomes, keeping benign short reads.
    pub fn without_harmful_faults(mut self) -> Params {
        self.transport_faults
            .stream_reads
            .retain(|fault| matches!(fault, StreamFault::Short(_)));
        self.transport_faults.permanent_error_at_stream = None;
        self.file_faults = FileFaults::default();
        self
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a small, well-mixed generator,
/// deterministic on every platform, unlike `HashMap` order or thread-local
/// generators. The harness draws every seeded choice from it.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator whose whole sequence is a function of `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next value of the sequence.
    pub fn next_u64(&mut self) -> u64 {
        splitmix64(&mut self.0)
    }

    /// A value in `0..bound` (`bound` > 0); the slight bias is irrelevant here.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
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
