//! Stages an object through a `TempFileStore` while several threads read it
//! concurrently, then checks every byte each reader got.
//!
//! ```text
//! cargo run --release -p store --example stage                 # a generated 32 MiB file
//! cargo run --release -p store --example stage -- FILE
//! cargo run --release -p store --example stage -- http://127.0.0.1:8000/object
//! ```
//!
//! For a local file the bytes are compared with the file itself; for a URL,
//! with a second, sequential read through the store (the store is the only
//! copy we have). It ends with the process's peak resident memory, which
//! stays flat in the object's size (`--size-mib 16` against `--size-mib
//! 1024`: docs/performance.md).

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::Parser;
use store::{
    HttpTransport, Platform, SeekableTransport, StoreOptions, TempDirFiles, TempFileStore,
    Transport,
};

#[derive(Parser)]
#[command(about = "Stage a file or URL through a TempFileStore with concurrent readers")]
struct Args {
    /// A local file or an http:// URL. Default: a generated file of --size-mib.
    source: Option<String>,
    /// Concurrent readers.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    readers: u16,
    /// Size of the generated file, when no source is given.
    #[arg(long, default_value_t = 32)]
    size_mib: u64,
    /// Directory for the temp file (default: the system temp directory).
    #[arg(long)]
    temp_dir: Option<PathBuf>,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let files = match &args.temp_dir {
        Some(dir) => TempDirFiles::in_dir(dir),
        None => TempDirFiles::new(),
    };
    let platform = Platform {
        files,
        ..Platform::real()
    };
    match args.source.as_deref() {
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
            let store = open(HttpTransport::new(url), platform)?;
            let expected = read_all_sequentially(&store)?;
            stage(store, args.readers, &|offset, buf| {
                buf.copy_from_slice(&expected[offset as usize..][..buf.len()]);
                Ok(())
            })
        }
        Some(path) => stage_file(PathBuf::from(path), args.readers, platform),
        None => {
            let generated = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
            let size_bytes = args.size_mib * 1024 * 1024;
            println!("generating a {} MiB source file", args.size_mib);
            write_pattern(generated.as_file(), size_bytes)?;
            stage_file(generated.path().to_owned(), args.readers, platform)
        }
    }
}

type RealStore<T> = TempFileStore<T, store::StdRuntime, store::SystemClock, TempDirFiles>;

fn open<T: Transport>(
    transport: T,
    platform: Platform<store::StdRuntime, store::SystemClock, TempDirFiles>,
) -> Result<RealStore<T>, String> {
    TempFileStore::open(transport, platform, StoreOptions::default())
        .map_err(|error| format!("cannot open the store: {error}"))
}

fn stage_file(
    path: PathBuf,
    readers: u16,
    platform: Platform<store::StdRuntime, store::SystemClock, TempDirFiles>,
) -> Result<(), String> {
    let open_source = || File::open(&path).map_err(|e| format!("{}: {e}", path.display()));
    let store = open(SeekableTransport::new(open_source()?), platform)?;
    let source = open_source()?;
    stage(store, readers, &|offset, buf| {
        source.read_exact_at(buf, offset)
    })
}

/// Every reader reads the whole object, each starting at a different stripe
/// so they overtake each other and the downloader.
fn stage<T: Transport>(
    store: RealStore<T>,
    readers: u16,
    expected_at: &(dyn Fn(u64, &mut [u8]) -> std::io::Result<()> + Sync),
) -> Result<(), String> {
    const PIECE_BYTES: usize = 256 * 1024;
    let store = Arc::new(store);
    let len = store.len();
    let started = Instant::now();
    let verified_bytes = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..u64::from(readers))
            .map(|reader| {
                let store = Arc::clone(&store);
                scope.spawn(move || -> Result<u64, String> {
                    let (mut got, mut want) = (vec![0; PIECE_BYTES], vec![0; PIECE_BYTES]);
                    let start = len / u64::from(readers) * reader;
                    let mut verified = 0;
                    while verified < len {
                        let offset = (start + verified) % len;
                        let read = store
                            .read_at(&mut got, offset)
                            .map_err(|e| format!("reader {reader} at {offset}: {e}"))?;
                        expected_at(offset, &mut want[..read])
                            .map_err(|e| format!("source at {offset}: {e}"))?;
                        if got[..read] != want[..read] {
                            return Err(format!("reader {reader}: bytes differ at {offset}"));
                        }
                        verified += read as u64;
                    }
                    Ok(verified)
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|thread| thread.join().map_err(|_| "a reader panicked".to_owned())?)
            .sum::<Result<u64, String>>()
    })?;
    let elapsed = started.elapsed();
    store
        .close()
        .map_err(|error| format!("close failed: {error}"))?;
    println!(
        "staged {len} bytes; {readers} concurrent readers verified {verified_bytes} bytes in {:.3} s; temp file removed",
        elapsed.as_secs_f64()
    );
    if let Some(peak) = peak_memory_kib() {
        println!("peak resident memory of this process: {} MiB", peak / 1024);
    }
    Ok(())
}

/// The process's peak resident set size (`VmHWM`), where the OS tells it.
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn read_all_sequentially<T: Transport>(store: &RealStore<T>) -> Result<Vec<u8>, String> {
    let len = usize::try_from(store.len()).map_err(|_| "object too large for memory")?;
    let mut all = vec![0; len];
    let read = store
        .read_at(&mut all, 0)
        .map_err(|error| format!("sequential read: {error}"))?;
    all.truncate(read);
    Ok(all)
}

fn write_pattern(file: &File, size_bytes: u64) -> Result<(), String> {
    let block: Vec<u8> = (0..1024 * 1024u32)
        .map(|i| (i * 31 + i / 4093) as u8)
        .collect();
    let mut offset = 0;
    while offset < size_bytes {
        let len = (size_bytes - offset).min(block.len() as u64) as usize;
        let stamped: Vec<u8> = block[..len]
            .iter()
            .map(|byte| byte ^ (offset >> 20) as u8)
            .collect();
        file.write_all_at(&stamped, offset)
            .map_err(|e| format!("writing the generated source: {e}"))?;
        offset += len as u64;
    }
    Ok(())
}
