//! `read_at` of bytes that have arrived, and reads through a handle,
//! against `pread` of the same temp file (`FileExt::read_exact_at`), side
//! by side in one run: 4 KiB and 64 KiB reads, from 1, 2 and 8 threads;
//! and the cost of `in_flight()`. The goal (docs/performance.md):
//! `read_at` at 0.9x `pread` or better, so no read of arrived bytes takes
//! the state lock or waits on a condition variable. It prints, first, the
//! ratio from rounds that time both back to back.
//!
//! ```text
//! cargo bench -p store --bench reads
//! ```

use std::fs::File;
use std::hint::black_box;
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use store::{
    Platform, SeekableTransport, StdRuntime, StoreOptions, SystemClock, TempDirFiles, TempFileStore,
};

const OBJECT_BYTES: usize = 64 << 20;

type FileStore = TempFileStore<SeekableTransport<File>, StdRuntime, SystemClock, TempDirFiles>;

/// A store over a 64 MiB file, fully downloaded, and its temp file opened
/// for `pread`.
struct Staged {
    store: Arc<FileStore>,
    temp_file: Arc<File>,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

fn staged() -> Staged {
    let source_dir = tempfile::tempdir().expect("temp dir");
    let source = source_dir.path().join("object");
    let bytes: Vec<u8> = (0..OBJECT_BYTES).map(|i| (i % 251) as u8).collect();
    std::fs::write(&source, bytes).expect("write the source");
    let temp_dir = tempfile::tempdir().expect("temp dir");
    let platform = Platform {
        runtime: StdRuntime,
        clock: SystemClock::new(),
        files: TempDirFiles::in_dir(temp_dir.path()),
    };
    let transport = SeekableTransport::new(File::open(&source).expect("open the source"));
    let store = TempFileStore::open(transport, platform, StoreOptions::default()).expect("open");
    let mut last = [0; 1];
    store
        .read_at(&mut last, OBJECT_BYTES as u64 - 1)
        .expect("the whole object arrives");
    let temp_path = std::fs::read_dir(temp_dir.path())
        .expect("list")
        .next()
        .expect("the temp file")
        .expect("an entry")
        .path();
    let temp_file = File::open(temp_path).expect("open the temp file");
    Staged {
        store: Arc::new(store),
        temp_file: Arc::new(temp_file),
        _dirs: (source_dir, temp_dir),
    }
}

/// Wall time of `threads` threads each reading `reads` pieces of `size`
/// bytes with `read`, at offsets spread over the object.
fn timed(
    threads: usize,
    reads: u64,
    size: usize,
    read: impl Fn(&mut [u8], u64) + Send + Sync,
) -> Duration {
    let pieces = (OBJECT_BYTES / size) as u64;
    let started = Instant::now();
    std::thread::scope(|scope| {
        for thread in 0..threads as u64 {
            let read = &read;
            scope.spawn(move || {
                let mut buf = vec![0; size];
                for k in 0..reads {
                    let piece = (thread * 7919 + k * 104_729) % pieces;
                    read(&mut buf, piece * size as u64);
                    black_box(&buf);
                }
            });
        }
    });
    started.elapsed()
}

/// Rounds of the paired comparison.
const ROUNDS: usize = 21;

/// The median over [`ROUNDS`] of `pread`'s time over `read`'s, each
/// round timing both back to back: on a noisy 2-core machine the two
/// criterion groups, minutes apart, can see different machines, while
/// a round's pair sees the same one.
fn paired_ratio(
    staged: &Staged,
    threads: usize,
    size: usize,
    read: impl Fn(&mut [u8], u64) + Send + Sync,
) -> f64 {
    let reads = 20_000 / threads as u64;
    let mut ratios: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let pread = timed(threads, reads, size, |buf, offset| {
                staged.temp_file.read_exact_at(buf, offset).expect("pread");
            });
            let read = timed(threads, reads, size, &read);
            pread.as_secs_f64() / read.as_secs_f64()
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ROUNDS / 2]
}

fn reads(c: &mut Criterion) {
    let staged = staged();
    let handle = staged.store.open_handle().expect("a handle");
    for size in [4 << 10, 64 << 10] {
        for threads in [1, 2, 8] {
            let read_at = paired_ratio(&staged, threads, size, |buf, offset| {
                staged.store.read_at(buf, offset).expect("read_at");
            });
            let through_handle = paired_ratio(&staged, threads, size, |buf, offset| {
                handle.read_at(buf, offset).expect("read through a handle");
            });
            println!(
                "{} KiB at {threads} thread(s), x pread (median of {ROUNDS} paired rounds): \
                 read_at {read_at:.2}, through one shared handle {through_handle:.2}",
                size >> 10,
            );
        }
    }
    let in_flight = {
        let started = Instant::now();
        for _ in 0..1_000_000 {
            black_box(staged.store.in_flight());
        }
        started.elapsed()
    };
    println!(
        "in_flight(): {:.1} ns a call",
        in_flight.as_secs_f64() * 1e9 / 1e6
    );
    for size in [4 << 10, 64 << 10] {
        let mut group = c.benchmark_group(format!("read {} KiB of arrived bytes", size >> 10));
        group.throughput(Throughput::Bytes(size as u64));
        for threads in [1, 2, 8] {
            group.bench_with_input(
                BenchmarkId::new("pread", threads),
                &threads,
                |b, &threads| {
                    let file = &staged.temp_file;
                    b.iter_custom(|iters| {
                        timed(threads, iters, size, |buf, offset| {
                            file.read_exact_at(buf, offset).expect("pread");
                        }) / threads as u32
                    });
                },
            );
            group.bench_with_input(
                BenchmarkId::new("read_at", threads),
                &threads,
                |b, &threads| {
                    let store = &staged.store;
                    b.iter_custom(|iters| {
                        timed(threads, iters, size, |buf, offset| {
                            store.read_at(buf, offset).expect("read_at");
                        }) / threads as u32
                    });
                },
            );
        }
        group.finish();
    }
}

criterion_group!(benches, reads);
criterion_main!(benches);
