//! Staging a local file into the temp file: the store (a `SeekableTransport`
//! over the file, the downloader, `TempDirFiles`) against a plain copy loop
//! of the same chunk size between the same two directories, side by side in
//! one run. The goal (docs/performance.md): the store at 0.9x the copy loop
//! or better. Memory is measured by the `stage` example, not here.
//!
//! ```text
//! cargo bench -p store --bench staging
//! ```

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use store::{
    Platform, SeekableTransport, StdRuntime, StoreOptions, SystemClock, TempDirFiles, TempFileStore,
};

const OBJECT_BYTES: usize = 64 << 20;
/// The store's default chunk size.
const CHUNK_BYTES: usize = 64 << 10;

/// Stages `source` through a store into `dir` and waits until every byte
/// is in the temp file; the close removes it.
fn stage(source: &Path, dir: &Path) {
    let platform = Platform {
        runtime: StdRuntime,
        clock: SystemClock::new(),
        files: TempDirFiles::in_dir(dir),
    };
    let transport = SeekableTransport::new(File::open(source).expect("open the source"));
    let store = TempFileStore::open(transport, platform, StoreOptions::default()).expect("open");
    let mut last = [0; 1];
    store
        .read_at(&mut last, OBJECT_BYTES as u64 - 1)
        .expect("every byte arrives");
    store.close().expect("close");
}

/// Copies `source` into a new file of `dir` a chunk at a time, then
/// removes the copy: what staging costs with nothing but the I/O.
fn copy_loop(source: &Path, dir: &Path) {
    let from = File::open(source).expect("open the source");
    let to_path = dir.join("copy");
    let to = File::create(&to_path).expect("create the copy");
    let mut chunk = vec![0; CHUNK_BYTES];
    let mut offset = 0;
    while offset < OBJECT_BYTES {
        let read = from.read_at(&mut chunk, offset as u64).expect("read");
        to.write_all_at(&chunk[..read], offset as u64)
            .expect("write");
        offset += read;
    }
    drop(to);
    std::fs::remove_file(to_path).expect("remove the copy");
}

fn staging(c: &mut Criterion) {
    let source_dir = tempfile::tempdir().expect("temp dir");
    let source = source_dir.path().join("object");
    let bytes: Vec<u8> = (0..OBJECT_BYTES).map(|i| (i % 251) as u8).collect();
    std::fs::write(&source, bytes).expect("write the source");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut group = c.benchmark_group("stage a 64 MiB file, 64 KiB chunks");
    group.sample_size(20);
    group.throughput(Throughput::Bytes(OBJECT_BYTES as u64));
    group.bench_function("copy loop", |b| b.iter(|| copy_loop(&source, dir.path())));
    group.bench_function("store", |b| b.iter(|| stage(&source, dir.path())));
    group.finish();
}

criterion_group!(benches, staging);
criterion_main!(benches);
