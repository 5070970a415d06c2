//! Targeted wake-ups, counted: 256 readers wait on 256 distinct ranges, one
//! chunk each, before the first byte arrives; then the download delivers one
//! chunk at a time. Each chunk completes one reader's range and should wake
//! that reader alone. Waking every waiter on every chunk would make 33,000
//! wake-ups for 256 reads. Run under shuttle with a fixed seed, so the count
//! is the same on every run: a count, not a time.

mod support;

use std::io::{self, Read};
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use shuttle::scheduler::RandomScheduler;
use store::runtime::shuttle::ShuttleRuntime;
use store::{
    MemoryFiles, Platform, StoreOptions, SystemClock, TempFileStore, Transport, TransportError,
};
use support::observed::{ObservedRuntime, WaitObserver};

const READERS: usize = 256;
const CHUNK_BYTES: usize = 64;
/// The goal (docs/performance.md): wake-ups per satisfied read.
const MOST_WAKEUPS_PER_READ: f64 = 1.1;

/// Counts the threads waiting now, and every wait that ended.
#[derive(Clone, Default)]
struct CountsWakeups {
    waiting: Arc<AtomicUsize>,
    wakeups: Arc<AtomicUsize>,
}

impl WaitObserver for CountsWakeups {
    fn wait_begins(&self) {
        self.waiting.fetch_add(1, Ordering::SeqCst);
    }

    fn wait_ends(&self) {
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        self.wakeups.fetch_add(1, Ordering::SeqCst);
    }
}

/// Serves the object, but only once every reader waits for it.
struct HoldsUntilAllWait {
    object: Arc<[u8]>,
    counts: CountsWakeups,
}

struct Stream {
    object: Arc<[u8]>,
    position: usize,
    counts: CountsWakeups,
}

impl Transport for HoldsUntilAllWait {
    type Stream = Stream;

    fn object_len(&self) -> Result<u64, TransportError> {
        Ok(self.object.len() as u64)
    }

    fn stream_from(&self, offset: u64) -> Result<Stream, TransportError> {
        Ok(Stream {
            object: Arc::clone(&self.object),
            position: usize::try_from(offset).expect("a small object"),
            counts: self.counts.clone(),
        })
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.position == 0 && self.counts.waiting.load(Ordering::SeqCst) < READERS {
            shuttle::thread::yield_now();
        }
        let read = buf.len().min(self.object.len() - self.position);
        buf[..read].copy_from_slice(&self.object[self.position..self.position + read]);
        self.position += read;
        Ok(read)
    }
}

/// Wake-ups and satisfied reads of one run.
fn run(counts: &CountsWakeups) -> usize {
    let runtime = ObservedRuntime::new(ShuttleRuntime, counts.clone());
    let object: Arc<[u8]> = (0..READERS * CHUNK_BYTES).map(|i| i as u8).collect();
    let transport = HoldsUntilAllWait {
        object: Arc::clone(&object),
        counts: counts.clone(),
    };
    let platform = Platform {
        runtime,
        clock: SystemClock::new(),
        files: MemoryFiles,
    };
    let options =
        StoreOptions::default().with_chunk_size(NonZeroUsize::new(CHUNK_BYTES).expect("not 0"));
    let store = Arc::new(TempFileStore::open(transport, platform, options).expect("open"));
    let readers: Vec<_> = (0..READERS)
        .map(|reader| {
            let (store, object) = (Arc::clone(&store), Arc::clone(&object));
            shuttle::thread::spawn(move || {
                let mut buf = [0; CHUNK_BYTES];
                let offset = reader * CHUNK_BYTES;
                let read = store.read_at(&mut buf, offset as u64).expect("read");
                read == CHUNK_BYTES && buf[..] == object[offset..offset + CHUNK_BYTES]
            })
        })
        .collect();
    let satisfied = readers
        .into_iter()
        .map(|reader| reader.join().expect("a reader"))
        .filter(|&satisfied| satisfied)
        .count();
    store.close().expect("close");
    satisfied
}

#[test]
fn each_chunk_wakes_only_the_reader_it_completes_at_most_1_1_wakeups_per_read() {
    let counts = CountsWakeups::default();
    let satisfied = Arc::new(AtomicUsize::new(0));
    let wakeups_during_reads = Arc::new(AtomicUsize::new(0));
    let (counts_in_run, satisfied_in_run, wakeups_in_run) = (
        counts.clone(),
        Arc::clone(&satisfied),
        Arc::clone(&wakeups_during_reads),
    );
    let mut config = shuttle::Config::new();
    config.max_steps = shuttle::MaxSteps::None;
    let scheduler = RandomScheduler::new_from_seed(1, 1);
    shuttle::Runner::new(scheduler, config).run(move || {
        let reads = run(&counts_in_run);
        satisfied_in_run.store(reads, Ordering::SeqCst);
        wakeups_in_run.store(
            counts_in_run.wakeups.load(Ordering::SeqCst),
            Ordering::SeqCst,
        );
    });
    let satisfied = satisfied.load(Ordering::SeqCst);
    let wakeups = wakeups_during_reads.load(Ordering::SeqCst);
    assert_eq!(satisfied, READERS, "every read returns its chunk");
    let per_read = wakeups as f64 / satisfied as f64;
    assert!(
        per_read <= MOST_WAKEUPS_PER_READ,
        "{wakeups} wake-ups for {satisfied} reads: {per_read:.2} per read"
    );
}
