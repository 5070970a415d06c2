//! Test doubles for the store's real-thread tests: a transport released
//! chunk by chunk, a file layer with hooks, a runtime that reports waits,
//! and a bound that turns a hang into a `DEADLOCK:` failure.
#![allow(dead_code)] // each test binary uses its own subset

pub(crate) mod files;
pub(crate) mod gated_transport;
pub(crate) mod http_server;
pub(crate) mod observed;

use std::time::Duration;

use std::collections::BTreeSet;
use std::sync::Arc;

use crossbeam::channel;
use files::{Hooks, ObservedFiles};
use gated_transport::GatedTransport;
use observed::WaitSignalRuntime;
use store::{InFlight, Platform, StoreOptions, SystemClock, TempFileStore};
use tempfile::TempDir;

/// How long any single step of a real-thread test may take before it counts
/// as stuck. Generous: a loaded 2-core CI machine must never trip it.
pub(crate) const STEP_BOUND: Duration = Duration::from_secs(20);

/// Runs `body` on its own thread and returns its result, or fails the test
/// with `DEADLOCK: <what> ...` if it has not finished within [`STEP_BOUND`].
pub(crate) fn within<T: Send + 'static>(
    what: &str,
    body: impl FnOnce() -> T + Send + 'static,
) -> T {
    within_counting(what, || None, body)
}

/// [`within`], whose `DEADLOCK:` message gives the store's counts of the
/// calls in flight (`counts`) when the bound passed.
pub(crate) fn within_counting<T: Send + 'static>(
    what: &str,
    counts: impl Fn() -> Option<InFlight>,
    body: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, finished) = channel::bounded(1);
    std::thread::Builder::new()
        .name(what.to_owned())
        .spawn(move || {
            let _ = done.send(body());
        })
        .expect("spawn test thread");
    recv_counting(&finished, what, counts)
}

/// Receives from `receiver`, or fails with `DEADLOCK: <what> ...`.
pub(crate) fn recv_within<T>(receiver: &channel::Receiver<T>, what: &str) -> T {
    recv_counting(receiver, what, || None)
}

/// [`recv_within`], whose `DEADLOCK:` message gives the store's counts.
fn recv_counting<T>(
    receiver: &channel::Receiver<T>,
    what: &str,
    counts: impl Fn() -> Option<InFlight>,
) -> T {
    match receiver.recv_timeout(STEP_BOUND) {
        Ok(value) => value,
        Err(channel::RecvTimeoutError::Timeout) => match counts() {
            Some(counts) => panic!(
                "DEADLOCK: {what} did not finish within {STEP_BOUND:?}; the store has {counts}"
            ),
            None => panic!("DEADLOCK: {what} did not finish within {STEP_BOUND:?}"),
        },
        Err(channel::RecvTimeoutError::Disconnected) => {
            panic!("{what} panicked or stopped before finishing")
        }
    }
}

/// `len` bytes of a pattern that no offset mix-up can reproduce by accident.
pub(crate) fn object_bytes(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u64).wrapping_mul(2_654_435_761).rotate_right(13) as u8)
        .collect()
}

/// Number of entries in `dir`.
pub(crate) fn entries_in(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).expect("list temp dir").count()
}

/// A store on real threads and temp files whose runtime reports every wait.
pub(crate) type SignallingStore =
    Arc<TempFileStore<GatedTransport, WaitSignalRuntime, SystemClock, ObservedFiles>>;

/// A store whose runtime reports every condition-variable wait by thread name.
pub(crate) fn wait_signal_store(
    transport: GatedTransport,
    options: StoreOptions,
) -> (SignallingStore, channel::Receiver<String>, TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (files, _events) = ObservedFiles::new(dir.path(), Hooks::default());
    let (runtime, waits) = WaitSignalRuntime::signalling();
    let platform = Platform {
        runtime,
        clock: SystemClock::new(),
        files,
    };
    let store = TempFileStore::open(transport, platform, options).expect("open store");
    (Arc::new(store), waits, dir)
}

/// Blocks until every thread in `names` has parked in a condition-variable wait.
pub(crate) fn await_waits_by(waits: &channel::Receiver<String>, names: &[String]) {
    let mut not_yet_waiting: BTreeSet<&String> = names.iter().collect();
    while !not_yet_waiting.is_empty() {
        let what = format!("{not_yet_waiting:?} entering the wait loop");
        let waiter = recv_within(waits, &what);
        not_yet_waiting.remove(&waiter);
    }
}

/// A thread named `name`: the name the wait signals report.
pub(crate) fn spawn_named<T: Send + 'static>(
    name: &str,
    body: impl FnOnce() -> T + Send + 'static,
) -> std::thread::JoinHandle<T> {
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(body)
        .expect("spawn")
}
