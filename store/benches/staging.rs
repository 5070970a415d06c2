//! How fast a store stages an object while readers read it all, by reader
//! count and chunk size. Memory: the store holds one chunk buffer (the
//! downloader's) beyond the temp file, whatever the object's size.
//!
//! ```text
//! cargo bench -p store --bench staging
//! ```

use std::hint::black_box;
use std::io::Cursor;
use std::num::NonZeroUsize;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use store::{
    MemoryFiles, Platform, SeekableTransport, StdRuntime, StoreOptions, SystemClock, TempDirFiles,
    TempFileStore,
};

const OBJECT_BYTES: usize = 8 << 20;
const PIECE_BYTES: usize = 64 << 10;

/// Opens a store over `object`, has `readers` threads read all of it in
/// 64 KiB pieces, each from a different starting stripe, then closes it.
fn stage<F: store::FileIo>(object: &Arc<Vec<u8>>, files: F, readers: usize, chunk_bytes: usize) {
    let platform = Platform {
        runtime: StdRuntime,
        clock: SystemClock::new(),
        files,
    };
    let options =
        StoreOptions::default().with_chunk_size(NonZeroUsize::new(chunk_bytes).expect("non-zero"));
    let transport = SeekableTransport::new(Cursor::new(object.as_ref().clone()));
    let store = TempFileStore::open(transport, platform, options).expect("open");
    std::thread::scope(|scope| {
        for reader in 0..readers {
            let store = &store;
            scope.spawn(move || {
                let mut buf = vec![0; PIECE_BYTES];
                let start = OBJECT_BYTES / readers * reader;
                for piece in 0..OBJECT_BYTES / PIECE_BYTES {
                    let offset = ((start + piece * PIECE_BYTES) % OBJECT_BYTES) as u64;
                    black_box(store.read_at(&mut buf, offset).expect("read"));
                }
            });
        }
    });
    store.close().expect("close");
}

fn by_readers(c: &mut Criterion) {
    let object = Arc::new((0..OBJECT_BYTES).map(|i| i as u8).collect::<Vec<u8>>());
    let mut group = c.benchmark_group("stage 8 MiB, 64 KiB chunks, memory file");
    group.sample_size(20);
    for readers in [1, 2, 4, 8] {
        group.throughput(Throughput::Bytes((OBJECT_BYTES * readers) as u64));
        group.bench_with_input(
            BenchmarkId::new("readers", readers),
            &readers,
            |b, &readers| {
                b.iter(|| stage(&object, MemoryFiles, readers, 64 << 10));
            },
        );
    }
    group.finish();
}

fn by_chunk_size(c: &mut Criterion) {
    let object = Arc::new((0..OBJECT_BYTES).map(|i| i as u8).collect::<Vec<u8>>());
    let dir = tempfile::tempdir().expect("temp dir");
    let mut group = c.benchmark_group("stage 8 MiB, 4 readers, real temp file");
    group.sample_size(20);
    group.throughput(Throughput::Bytes((OBJECT_BYTES * 4) as u64));
    for chunk_kib in [16, 64, 256] {
        group.bench_with_input(
            BenchmarkId::new("chunk KiB", chunk_kib),
            &chunk_kib,
            |b, &chunk_kib| {
                b.iter(|| {
                    stage(
                        &object,
                        TempDirFiles::in_dir(dir.path()),
                        4,
                        chunk_kib << 10,
                    )
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, by_readers, by_chunk_size);
criterion_main!(benches);
