//! Plays a FUSE file system's callbacks against a store on a real temp
//! file: threads `open` a handle, `read` ranges through it and `release`
//! it, over and over, while the object is still arriving; every callback
//! logs through the lossy logger, which must never hold a callback up.
//! Meanwhile the main thread reads the store's counts as a FUSE status
//! file would. At the end: what was read and verified, the most calls seen
//! in flight, and how many log lines the logger dropped.
//!
//! ```text
//! cargo run --release -p store --example fuse                     # logs to stderr
//! cargo run --release -p store --example fuse -- --log-capacity 8 2>/dev/null
//! ```

use std::io::{self, Cursor};
use std::num::NonZeroUsize;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use clap::Parser;
use store::log::LossyLog;
use store::{InFlight, Platform, SeekableTransport, StdRuntime, StoreOptions, TempFileStore};

#[derive(Parser)]
#[command(about = "FUSE-style open/read/release callbacks against a TempFileStore")]
struct Args {
    /// Threads playing callbacks.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: u16,
    /// Handles each thread opens, reads through and releases.
    #[arg(long, default_value_t = 200)]
    opens: u32,
    /// Reads per handle.
    #[arg(long, default_value_t = 8)]
    reads: u32,
    /// Size of the generated object.
    #[arg(long, default_value_t = 64)]
    size_mib: u64,
    /// Log lines the logger's queue holds before it drops.
    #[arg(long, default_value = "256")]
    log_capacity: NonZeroUsize,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// What one callback thread did.
#[derive(Default)]
struct Played {
    opens: u64,
    reads: u64,
    bytes: u64,
}

fn run(args: &Args) -> Result<(), String> {
    let log = LossyLog::start(StdRuntime, Box::new(io::stderr()), args.log_capacity)
        .map_err(|error| format!("cannot start the logger: {error}"))?;
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.writer())
        .finish();
    tracing::subscriber::set_global_default(subscriber)
        .map_err(|error| format!("cannot install the logger: {error}"))?;

    let len = usize::try_from(args.size_mib << 20).map_err(|_| "--size-mib is too large")?;
    let object: Arc<[u8]> = (0..len).map(pattern).collect();
    let transport = SeekableTransport::new(Cursor::new(Arc::clone(&object)));
    let store = TempFileStore::open(transport, Platform::real(), StoreOptions::default())
        .map_err(|error| format!("cannot open the store: {error}"))?;
    let store = Arc::new(store);
    let started = Instant::now();
    let playing = AtomicBool::new(true);
    let (played, most) = std::thread::scope(|scope| {
        let callbacks: Vec<_> = (0..args.threads)
            .map(|thread| {
                let (store, object) = (&store, &object);
                scope.spawn(move || play(store, object, u64::from(thread), args))
            })
            .collect();
        let status = scope.spawn(|| watch(&store, &playing));
        let played: Result<Vec<Played>, String> = callbacks
            .into_iter()
            .map(|thread| {
                thread
                    .join()
                    .map_err(|_| "a callback thread panicked".to_owned())?
            })
            .collect();
        playing.store(false, Ordering::Relaxed);
        let most = status
            .join()
            .map_err(|_| "the status thread panicked".to_owned());
        (played, most)
    });
    let (played, most) = (played?, most?);
    let elapsed = started.elapsed();
    let after = store.in_flight();
    store
        .close()
        .map_err(|error| format!("close failed: {error}"))?;
    log.shutdown();

    let opens: u64 = played.iter().map(|p| p.opens).sum();
    let reads: u64 = played.iter().map(|p| p.reads).sum();
    let bytes: u64 = played.iter().map(|p| p.bytes).sum();
    println!(
        "{opens} opens, {reads} reads ({} MiB) verified in {:.2} s by {} threads",
        bytes >> 20,
        elapsed.as_secs_f64(),
        args.threads
    );
    println!(
        "most in flight at once: {} read(s), {} handle(s); after the last release: {after}",
        most.reads, most.handles
    );
    println!(
        "log lines dropped: {} (queue of {} lines)",
        log.dropped_lines(),
        args.log_capacity
    );
    if after != InFlight::default() {
        return Err(format!("calls left in flight: {after}"));
    }
    Ok(())
}

/// One callback thread: open, reads, release, `args.opens` times, every
/// read checked against the object.
fn play<T: store::Transport>(
    store: &TempFileStore<T, StdRuntime, store::SystemClock, store::TempDirFiles>,
    object: &[u8],
    thread: u64,
    args: &Args,
) -> Result<Played, String> {
    let mut played = Played::default();
    let mut state = 0x9E37_79B9_7F4A_7C15 ^ thread.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let mut buf = vec![0; 128 * 1024];
    for fh in 0..args.opens {
        let handle = store
            .open_handle()
            .map_err(|error| format!("open failed: {error}"))?;
        tracing::debug!(thread, fh, "open");
        played.opens += 1;
        for _ in 0..args.reads {
            let offset = next(&mut state) % object.len() as u64;
            let len = (next(&mut state) % buf.len() as u64) as usize + 1;
            let read = handle
                .read_at(&mut buf[..len], offset)
                .map_err(|error| format!("read failed: {error}"))?;
            let start = offset as usize;
            if buf[..read] != object[start..start + read] {
                return Err(format!("bytes differ at {offset}"));
            }
            tracing::debug!(thread, fh, offset, read, "read");
            played.reads += 1;
            played.bytes += read as u64;
        }
        handle
            .release()
            .map_err(|error| format!("release failed: {error}"))?;
        tracing::debug!(thread, fh, "release");
    }
    Ok(played)
}

/// Reads the store's counts until the callbacks are done, as a status
/// file would; the most of each seen.
fn watch<T: store::Transport>(
    store: &TempFileStore<T, StdRuntime, store::SystemClock, store::TempDirFiles>,
    playing: &AtomicBool,
) -> InFlight {
    let mut most = InFlight::default();
    while playing.load(Ordering::Relaxed) {
        let now = store.in_flight();
        most.reads = most.reads.max(now.reads);
        most.closes = most.closes.max(now.closes);
        most.handles = most.handles.max(now.handles);
        std::thread::yield_now();
    }
    most
}

/// The object's byte at `index`: a pattern no offset mix-up reproduces.
fn pattern(index: usize) -> u8 {
    (index as u64).wrapping_mul(2_654_435_761).rotate_right(13) as u8
}

/// xorshift64*: the callbacks' offsets and lengths, the same every run.
fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_F491_4F6C_DD1D)
}
