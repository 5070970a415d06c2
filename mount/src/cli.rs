//! The command line: `tempfilestore mount [OPTIONS] SOURCE... MOUNTPOINT`.
//!
//! The mount's life: open a store per source (in parallel), start the
//! lanes, mount, then serve until an unmount or a signal; then cut off
//! every waiting read, close every store within `--close-deadline`, and
//! unmount. Exit codes: 0 after a clean unmount, 1 if a store failed to
//! close in time, 2 if the mount could not start (nothing is left behind).
//!
//! Without `--foreground` the command starts itself again in the
//! background, waits until that child has mounted (it says so on its
//! standard output, the only thing it ever writes there) or failed, and
//! exits with the child's verdict.

use std::ffi::OsString;
use std::fs::OpenOptions;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use crossbeam_channel::{Receiver, select};
use store::log::LossyLog;
use store::{
    Clock, Platform, RetryPolicy, StdRuntime, StoreOptions, SystemClock, TempDirFiles,
    TempFileStore,
};

use crate::fuse::FuseFs;
use crate::objects::Objects;
use crate::source::{AnyTransport, Source, name_sources};

/// Set in the environment of the background child: it reports that it has
/// mounted with [`MOUNTED`] on its standard output, and prints nothing else.
const BACKGROUND_CHILD: &str = "TEMPFILESTORE_BACKGROUND_CHILD";
/// What the background child writes once the mount is up.
const MOUNTED: &str = "mounted";
/// Lines the logger's queue holds before it drops one.
const LOG_CAPACITY_LINES: usize = 4096;
/// The mount's default chunk: larger than the store's 64 KiB, because a
/// mount streams whole objects to sequential readers. Measured on loopback
/// (docs/fuse.md): a cold sequential read of 1 GiB ran at 461 MB/s with
/// 64 KiB chunks, 758 MB/s with 256 KiB and 1.1 GB/s with 1 MiB.
const CHUNK_SIZE_BYTES: NonZeroUsize = NonZeroUsize::new(1 << 20).expect("1 MiB is not zero");
/// How often the foreground mount prints a progress line.
const PROGRESS_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Parser)]
#[command(
    name = "tempfilestore",
    version,
    about = "Remote objects as files, readable while they arrive"
)]
struct Cli {
    #[command(subcommand)]
    command: Subcommands,
}

#[derive(Subcommand)]
enum Subcommands {
    /// Mounts each SOURCE (a path or an http(s):// URL) as a read-only file
    /// of MOUNTPOINT, readable at any offset while it downloads.
    Mount(MountArgs),
}

/// The options of `tempfilestore mount`.
#[derive(Args, Debug)]
pub struct MountArgs {
    /// The sources, local paths or http(s):// URLs, then the directory to mount on.
    #[arg(required = true, num_args = 2.., value_name = "SOURCE... MOUNTPOINT")]
    paths: Vec<OsString>,
    /// The file name of a source, given in the order of the sources; a
    /// source without one is named after its last path segment.
    #[arg(long = "name", value_name = "NAME")]
    names: Vec<String>,
    /// How long an unmount waits for each store to close (`5s`, `500ms`).
    #[arg(long, default_value = "5s", value_parser = humantime::parse_duration)]
    close_deadline: Duration,
    /// The largest piece fetched and written at once [default: 1 MiB].
    #[arg(long)]
    chunk_size_bytes: Option<NonZeroUsize>,
    /// Transient failures tolerated in a row without progress [default: 5].
    #[arg(long)]
    max_consecutive_failures: Option<u32>,
    /// The wait before the first retry, doubled for each further one [default: 50ms].
    #[arg(long, value_parser = humantime::parse_duration)]
    initial_backoff: Option<Duration>,
    /// The cap on the doubling [default: 2s].
    #[arg(long, value_parser = humantime::parse_duration)]
    max_backoff: Option<Duration>,
    /// Where the temp files live [default: the system temp directory].
    #[arg(long)]
    temp_dir: Option<PathBuf>,
    /// Writes the log to FILE, through a logger that drops lines rather
    /// than ever hold up a read.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// Stays in the foreground, printing a progress line per object.
    #[arg(long)]
    foreground: bool,
    /// Worker threads answering each object's reads.
    #[arg(long, default_value = "8")]
    readers_per_object: NonZeroUsize,
}

/// Why the command stops, and its exit code.
#[derive(Debug)]
enum Failure {
    /// The mount could not start: exit code 2, nothing left behind.
    Start(String),
    /// The mount ran, but did not end cleanly: exit code 1.
    Run(String),
}

/// Runs the command line; the exit code says how it went.
pub fn main() -> ExitCode {
    let Subcommands::Mount(args) = Cli::parse().command;
    let background_child = std::env::var_os(BACKGROUND_CHILD).is_some();
    let outcome = if args.foreground || background_child {
        mount(&args, background_child)
    } else {
        start_in_background()
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        // The background child's standard error is read only until it has
        // mounted; later failures go to its log.
        Err(Failure::Start(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Run(message)) => {
            if !background_child {
                eprintln!("error: {message}");
            }
            ExitCode::FAILURE
        }
    }
}

/// Starts this command again as a background child with the same
/// arguments, and waits until it has mounted or failed.
fn start_in_background() -> Result<(), Failure> {
    let program = std::env::current_exe()
        .map_err(|error| Failure::Start(format!("cannot find this program: {error}")))?;
    let mut child = {
        use std::os::unix::process::CommandExt;
        Command::new(program)
            .args(std::env::args_os().skip(1))
            .env(BACKGROUND_CHILD, "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Out of the terminal's process group: Ctrl-C at the shell that
            // started the mount does not unmount it.
            .process_group(0)
            .spawn()
            .map_err(|error| Failure::Start(format!("cannot start the mount: {error}")))?
    };
    let stdout = child.stdout.take().expect("stdout was piped");
    let mut first_line = String::new();
    // An error reading is the child's end too: its exit status says more.
    let _ = BufReader::new(stdout).read_line(&mut first_line);
    if first_line.trim_end() == MOUNTED {
        return Ok(());
    }
    let mut errors = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        let _ = stderr.read_to_string(&mut errors);
    }
    let status = child
        .wait()
        .map_err(|error| Failure::Start(format!("lost the mount: {error}")))?;
    let message = errors.lines().last().map_or_else(
        || format!("the mount exited with {status}"),
        |line| line.strip_prefix("error: ").unwrap_or(line).to_owned(),
    );
    Err(Failure::Start(message))
}

/// What ends the mount.
enum Event {
    /// SIGINT, SIGTERM or SIGHUP.
    Signal,
    /// The session ended by itself: an unmount from outside (`fusermount3 -u`).
    SessionEnded(io::Result<()>),
}

type MountedObjects = Objects<AnyTransport, StdRuntime, SystemClock, TempDirFiles>;
type Store = TempFileStore<AnyTransport, StdRuntime, SystemClock, TempDirFiles>;

/// Mounts in this process and serves until unmounted.
fn mount(args: &MountArgs, background_child: bool) -> Result<(), Failure> {
    let (sources, mountpoint) = args.paths.split_at(args.paths.len() - 1);
    let mountpoint = PathBuf::from(&mountpoint[0]);
    if !mountpoint.is_dir() {
        return Err(Failure::Start(format!(
            "{}: the mount point must be a directory",
            mountpoint.display()
        )));
    }
    let sources = sources.iter().map(|source| Source::parse(source)).collect();
    let named =
        name_sources(sources, &args.names).map_err(|error| Failure::Start(error.to_string()))?;
    let log = start_log(args.log.as_deref())?;
    let stores = open_stores(named, args)?;
    let log_lines_dropped: Box<dyn Fn() -> u64 + Send + Sync> = match log.clone() {
        Some(log) => Box::new(move || log.dropped_lines()),
        None => Box::new(|| 0),
    };
    let objects = match Objects::new(
        StdRuntime,
        stores,
        args.readers_per_object,
        log_lines_dropped,
    ) {
        Ok(objects) => Arc::new(objects),
        Err(error) => return Err(Failure::Start(format!("cannot start the readers: {error}"))),
    };
    let served = serve(&objects, &mountpoint, args, background_child);
    if let Some(log) = log {
        log.shutdown();
    }
    served
}

/// The logger, if `--log` asks for one, installed as `tracing`'s subscriber.
fn start_log(path: Option<&Path>) -> Result<Option<LossyLog<StdRuntime>>, Failure> {
    let Some(path) = path else {
        return Ok(None);
    };
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|error| {
            Failure::Start(format!("{}: cannot open the log: {error}", path.display()))
        })?;
    let capacity = NonZeroUsize::new(LOG_CAPACITY_LINES).expect("the capacity is not zero");
    let log = LossyLog::start(StdRuntime, Box::new(file), capacity)
        .map_err(|error| Failure::Start(format!("cannot start the logger: {error}")))?;
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.writer())
        .finish();
    tracing::subscriber::set_global_default(subscriber)
        .map_err(|error| Failure::Start(format!("cannot install the logger: {error}")))?;
    Ok(Some(log))
}

/// Opens a store per source, all at once. If one cannot be opened, the
/// others are closed before the error returns, so no temp file is left.
fn open_stores(
    named: Vec<(String, Source)>,
    args: &MountArgs,
) -> Result<Vec<(String, Store)>, Failure> {
    let options = store_options(args);
    let files = args
        .temp_dir
        .clone()
        .map_or_else(TempDirFiles::new, TempDirFiles::in_dir);
    let opened: Vec<(String, Result<Store, String>)> = std::thread::scope(|scope| {
        let opening: Vec<_> = named
            .into_iter()
            .map(|(name, source)| {
                let options = options.clone();
                let files = files.clone();
                let opening = scope.spawn(move || {
                    let transport = source.transport().map_err(|error| error.to_string())?;
                    let platform = Platform {
                        runtime: StdRuntime,
                        clock: SystemClock::new(),
                        files,
                    };
                    TempFileStore::open(transport, platform, options)
                        .map_err(|error| format!("{}: {error}", source.display()))
                });
                (name, opening)
            })
            .collect();
        opening
            .into_iter()
            .map(|(name, opening)| {
                let opened = opening
                    .join()
                    .unwrap_or_else(|_| Err(format!("{name}: opening its store panicked")));
                (name, opened)
            })
            .collect()
    });
    let mut stores = Vec::with_capacity(opened.len());
    let mut first_error = None;
    for (name, store) in opened {
        match store {
            Ok(store) => stores.push((name, store)),
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    match first_error {
        None => Ok(stores),
        Some(error) => {
            close_all(&stores, args.close_deadline);
            Err(Failure::Start(error))
        }
    }
}

fn store_options(args: &MountArgs) -> StoreOptions {
    let defaults = StoreOptions::default();
    let retry = RetryPolicy {
        max_consecutive_failures: args
            .max_consecutive_failures
            .unwrap_or(defaults.retry.max_consecutive_failures),
        initial_backoff: args
            .initial_backoff
            .unwrap_or(defaults.retry.initial_backoff),
        max_backoff: args.max_backoff.unwrap_or(defaults.retry.max_backoff),
    };
    defaults
        .clone()
        .with_chunk_size(args.chunk_size_bytes.unwrap_or(CHUNK_SIZE_BYTES))
        .with_retry(retry)
}

/// Closes stores that never served, so that their temp files are removed.
fn close_all(stores: &[(String, Store)], close_deadline: Duration) {
    for (_, store) in stores {
        store.begin_close();
    }
    for (name, store) in stores {
        let deadline = store.clock().now() + close_deadline;
        if let Err(error) = store.close_with_deadline(deadline) {
            tracing::warn!(%error, object = name, "close fails");
        }
    }
}

/// Mounts `objects` on `mountpoint` and serves until an unmount or a signal.
fn serve(
    objects: &Arc<MountedObjects>,
    mountpoint: &Path,
    args: &MountArgs,
    background_child: bool,
) -> Result<(), Failure> {
    let (uid, gid) = (
        rustix::process::getuid().as_raw(),
        rustix::process::getgid().as_raw(),
    );
    let stores = Arc::clone(objects);
    let fs = FuseFs::new(Arc::clone(objects), uid, gid).with_passthrough(Box::new(move |index| {
        stores.store(index)?.complete_file().ok().flatten()
    }));
    let mut config = fuser::Config::default();
    config.mount_options = vec![
        fuser::MountOption::RO,
        fuser::MountOption::NoDev,
        fuser::MountOption::NoSuid,
        fuser::MountOption::FSName("tempfilestore".to_owned()),
        fuser::MountOption::Subtype("tempfilestore".to_owned()),
    ];
    let (events, ended) = crossbeam_channel::unbounded();
    let signalled = events.clone();
    if let Err(error) = ctrlc::set_handler(move || {
        let _ = signalled.send(Event::Signal);
    }) {
        objects.unmount(args.close_deadline);
        return Err(Failure::Start(format!("cannot handle signals: {error}")));
    }
    let mut session = match fuser::Session::new(fs, mountpoint, &config) {
        Ok(session) => session,
        Err(error) => {
            objects.unmount(args.close_deadline);
            return Err(Failure::Start(format!(
                "cannot mount on {}: {error}",
                mountpoint.display()
            )));
        }
    };
    let mut unmounter = session.unmount_callable();
    let session_ended = events.clone();
    std::thread::Builder::new()
        .name("fuse-session".to_owned())
        .spawn(move || {
            let _ = session_ended.send(Event::SessionEnded(session.run()));
        })
        .map_err(|error| Failure::Start(format!("cannot start the session: {error}")))?;
    tracing::info!(mountpoint = %mountpoint.display(), objects = objects.names().count(), "mounted");
    if background_child {
        let mut stdout = io::stdout();
        let _ = writeln!(stdout, "{MOUNTED}").and_then(|()| stdout.flush());
    } else {
        eprintln!(
            "mounted {} object(s) on {}; Ctrl-C or `fusermount3 -u {}` unmounts",
            objects.names().count(),
            mountpoint.display(),
            mountpoint.display()
        );
    }
    let event = wait_for_the_end(objects, &ended, !background_child);
    // Cut off every waiting read first: a reader blocked in the kernel on
    // this mount would otherwise keep it busy.
    let closed = objects.unmount(args.close_deadline);
    let session_outcome = match event {
        Event::SessionEnded(outcome) => outcome,
        Event::Signal => {
            // Detached: a process that still holds a file open keeps the
            // session alive, and waiting for it would hold the exit up.
            // Every read was answered; exiting closes the session, and the
            // kernel fails what those processes ask next.
            if let Err(error) = unmounter.unmount() {
                // Busy: a process holds a file open. Detach the mount.
                tracing::info!(%error, "unmount is busy; detaching");
                detach(mountpoint);
            }
            Ok(())
        }
    };
    tracing::info!("unmounted");
    let failed: Vec<String> = closed
        .iter()
        .filter_map(|closed| {
            let error = closed.outcome.as_ref().err()?;
            Some(format!("{}: {error}", closed.name))
        })
        .collect();
    if let Err(error) = session_outcome {
        return Err(Failure::Run(format!("the FUSE session failed: {error}")));
    }
    if !failed.is_empty() {
        return Err(Failure::Run(failed.join("; ")));
    }
    Ok(())
}

/// Detaches the mount from the file tree at once (`fusermount3 -u -z`),
/// however busy: processes that hold a file open keep it until they close
/// it or this process exits.
fn detach(mountpoint: &Path) {
    let detached = Command::new("fusermount3")
        .args(["-u", "-z", "--"])
        .arg(mountpoint)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !detached.as_ref().is_ok_and(|status| status.success()) {
        tracing::warn!(?detached, "fusermount3 -u -z fails");
    }
}

/// Waits for a signal or the session's end, printing progress lines every
/// second in the foreground, for each object whose download moved.
fn wait_for_the_end(
    objects: &MountedObjects,
    ended: &Receiver<Event>,
    print_progress: bool,
) -> Event {
    let ticks = crossbeam_channel::tick(PROGRESS_INTERVAL);
    let mut last_lines: Vec<String> = Vec::new();
    loop {
        select! {
            recv(ended) -> event => {
                return event.expect("the channel's senders live as long as the mount");
            }
            recv(ticks) -> _ => {
                if !print_progress {
                    continue;
                }
                let lines: Vec<String> =
                    objects.status().objects.iter().map(|object| object.progress_line()).collect();
                for (index, line) in lines.iter().enumerate() {
                    if last_lines.get(index) != Some(line) {
                        println!("{line}");
                    }
                }
                last_lines = lines;
            }
        }
    }
}
