//! Close under load, and close on a stalled HTTP transfer.
//!
//! - 1,000 readers wait in `read_at` on a download that delivers nothing;
//!   close, then the time until close returns and until the last reader
//!   has returned `Closed`.
//! - A transfer from a loopback HTTP server that stalls mid-body; close,
//!   and the time until it returns (the goal: 50 ms; without a cancel that
//!   reaches the socket it would wait out the 30 s read timeout).
//!
//! ```text
//! cargo bench -p store --bench close
//! ```

use std::io::{self, Read};
use std::sync::Barrier;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use crossbeam::channel;
use store::{
    HttpTransport, MemoryFiles, Platform, StdRuntime, StoreError, StoreOptions, SystemClock,
    TempFileStore, Transport, TransportError,
};

/// The tests' loopback server, which can stall a body mid-way.
#[path = "../tests/support/http_server.rs"]
#[allow(dead_code, reason = "the bench uses one of the server's scripts")]
mod http_server;

use http_server::{Script, ScriptedServer};

const READERS: usize = 1_000;

/// A transport whose stream blocks until cancelled.
struct Silent {
    cancelled: channel::Sender<()>,
    cancel_seen: channel::Receiver<()>,
}

struct SilentStream(channel::Receiver<()>);

impl Read for SilentStream {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        let _ = self.0.recv();
        Err(io::Error::from(io::ErrorKind::ConnectionAborted))
    }
}

impl Transport for Silent {
    type Stream = SilentStream;

    fn object_len(&self) -> Result<u64, TransportError> {
        Ok(1 << 20)
    }

    fn stream_from(&self, _: u64) -> Result<SilentStream, TransportError> {
        Ok(SilentStream(self.cancel_seen.clone()))
    }

    fn cancel(&self) {
        let _ = self.cancelled.try_send(());
    }
}

/// Close with `READERS` readers waiting: (close's return, the last
/// reader's return), both from the start of close.
fn close_under_load() -> (Duration, Duration) {
    let (cancelled, cancel_seen) = channel::bounded(1);
    let platform = Platform {
        runtime: StdRuntime,
        clock: SystemClock::new(),
        files: MemoryFiles,
    };
    let transport = Silent {
        cancelled,
        cancel_seen,
    };
    let store = TempFileStore::open(transport, platform, StoreOptions::default()).expect("open");
    let started = Barrier::new(READERS + 1);
    let returned = AtomicUsize::new(0);
    let (close_took, last_took) = std::thread::scope(|scope| {
        let (store, started, returned) = (&store, &started, &returned);
        let readers: Vec<_> = (0..READERS)
            .map(|reader| {
                scope.spawn(move || {
                    started.wait();
                    let mut buf = [0; 16];
                    let outcome = store.read_at(&mut buf, (reader * 16) as u64);
                    assert!(matches!(outcome, Err(StoreError::Closed)), "{outcome:?}");
                    returned.fetch_add(1, Ordering::SeqCst);
                    Instant::now()
                })
            })
            .collect();
        started.wait();
        // Readers that have not reached their wait yet get `Closed` at
        // once; that only makes the measured close shorter, never longer.
        let closing = Instant::now();
        store.close().expect("close");
        let close_took = closing.elapsed();
        let last = readers
            .into_iter()
            .map(|reader| reader.join().expect("a reader"))
            .max()
            .expect("readers");
        (close_took, last.duration_since(closing))
    });
    assert_eq!(returned.load(Ordering::SeqCst), READERS);
    (close_took, last_took)
}

/// Close during a stalled HTTP body: the time it takes.
fn close_on_a_stalled_transfer() -> Duration {
    let server = ScriptedServer::start(vec![7; 1 << 20], Script::StallFirstBodyAfter(4096));
    let platform = Platform {
        runtime: StdRuntime,
        clock: SystemClock::new(),
        files: MemoryFiles,
    };
    let store = TempFileStore::open(
        HttpTransport::new(server.url()),
        platform,
        StoreOptions::default(),
    )
    .expect("open");
    let mut first = [0; 4096];
    store
        .read_at(&mut first, 0)
        .expect("the first bytes arrive");
    let closing = Instant::now();
    store.close().expect("close");
    let took = closing.elapsed();
    drop(server);
    took
}

fn close(c: &mut Criterion) {
    let mut group = c.benchmark_group("close");
    group.sample_size(10);
    group.bench_function("1,000 waiting readers: close returns", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| close_under_load().0).sum());
    });
    group.bench_function("1,000 waiting readers: the last reader returns", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| close_under_load().1).sum());
    });
    group.bench_function("stalled HTTP body: close returns", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| close_on_a_stalled_transfer()).sum());
    });
    group.finish();
}

criterion_group!(benches, close);
criterion_main!(benches);
