//! Deterministic simulation testing for concurrent Rust.
//!
//! Write the component against [`sync`], [`thread`], [`time`] and [`hint`] as
//! if they were std's modules. In a build without the `model` feature they *are*
//! std's (re-exports: the same types, no cost); [`cell`]'s `UnsafeCell` has
//! loom's shape (`with`, `with_mut`), a transparent wrapper of std's. With `model`, enabled from a
//! dev-dependency so that only tests see it, every lock, wait, notification,
//! atomic access, spawn, park, sleep and channel operation is a scheduling
//! point of the engine that runs the test and a typed fact (`check::Fact`),
//! and every timeout fires on a virtual clock: a `wait_timeout`,
//! `park_timeout`, `recv_timeout` or `sleep` takes no real time, and the
//! engine chooses whether a timeout fires before a notification comes
//! (within `check::READY_THREAD_DELAY_MAX` of a ready thread's last act:
//! an hour's timeout never fires before a thread ready to beat it has run).
//!
//! ```toml
//! [dependencies]
//! harness = { path = "../harness" }
//! [dev-dependencies]
//! harness = { path = "../harness", features = ["model"] }
//! ```
//!
//! A test then runs a body under every engine, and a failure names the run
//! that replays it (see `check::Check`, with the `model` feature):
//!
//! ```ignore
//! harness::check::Check::new().assert(|| {
//!     let queue = Arc::new(Queue::new(1));
//!     // spawn producers and consumers, join them, assert what must hold
//! });
//! ```
//!
//! The library knows nothing of the code it tests: it keeps the generic
//! oracles (a panic in any thread, a deadlock, a schedule that never ends),
//! and the body asserts the rest.

pub mod cell;
#[cfg(feature = "model")]
pub mod check;
#[cfg(feature = "model")]
pub mod cli;
#[cfg(feature = "model")]
pub mod corpus;
#[cfg(feature = "model")]
pub mod coverage;
#[cfg(feature = "model")]
mod scenario;
#[cfg(feature = "model")]
pub use scenario::Scenario;
pub mod hint;
#[cfg(feature = "model")]
mod model;
pub mod panics;
#[cfg(feature = "model")]
pub mod process;
#[cfg(feature = "model")]
pub mod schedule;
pub mod shared;
pub mod sync;
pub mod thread;
pub mod time;

/// Without `model`, the facade is std at no cost: each of these compiles
/// only because the facade's type *is* std's (a re-export, not a wrapper).
#[cfg(not(feature = "model"))]
mod std_identity {
    fn _mutex(same: crate::sync::Mutex<u8>) -> std::sync::Mutex<u8> {
        same
    }
    fn _condvar(same: crate::sync::Condvar) -> std::sync::Condvar {
        same
    }
    fn _barrier(same: crate::sync::Barrier) -> std::sync::Barrier {
        same
    }
    fn _once_lock(same: crate::sync::OnceLock<u8>) -> std::sync::OnceLock<u8> {
        same
    }
    fn _once(same: crate::sync::Once) -> std::sync::Once {
        same
    }
    fn _lazy_lock(same: crate::sync::LazyLock<u8>) -> std::sync::LazyLock<u8> {
        same
    }
    fn _atomic(same: crate::sync::atomic::AtomicU64) -> std::sync::atomic::AtomicU64 {
        same
    }
    fn _atomic_ptr(same: crate::sync::atomic::AtomicPtr<u8>) -> std::sync::atomic::AtomicPtr<u8> {
        same
    }
    fn _handle(same: crate::thread::JoinHandle<()>) -> std::thread::JoinHandle<()> {
        same
    }
    fn _scoped<'scope>(
        same: crate::thread::ScopedJoinHandle<'scope, ()>,
    ) -> std::thread::ScopedJoinHandle<'scope, ()> {
        same
    }
    fn _thread_id(same: crate::thread::ThreadId) -> std::thread::ThreadId {
        same
    }
    fn _instant(same: crate::time::Instant) -> std::time::Instant {
        same
    }
    fn _system_time(same: crate::time::SystemTime) -> std::time::SystemTime {
        same
    }
    const _UNIX_EPOCH: std::time::SystemTime = crate::time::UNIX_EPOCH;
    fn _sender(same: crate::sync::mpsc::Sender<u8>) -> std::sync::mpsc::Sender<u8> {
        same
    }
    fn _sync_sender(same: crate::sync::mpsc::SyncSender<u8>) -> std::sync::mpsc::SyncSender<u8> {
        same
    }
    fn _array_queue(same: crate::shared::ArrayQueue<u8>) -> crossbeam_queue::ArrayQueue<u8> {
        same
    }
    crate::thread_local!(static LOCAL: u8 = const { 0 });
    fn _local_key() -> &'static std::thread::LocalKey<u8> {
        &LOCAL
    }
    fn _access_error(same: crate::thread::AccessError) -> std::thread::AccessError {
        same
    }
    /// The cell has loom's methods, so it is no re-export: a transparent
    /// wrapper, of std's cell's size, whose methods are std's `get`.
    const _: () = assert!(
        size_of::<crate::cell::UnsafeCell<[u64; 3]>>()
            == size_of::<std::cell::UnsafeCell<[u64; 3]>>()
    );
}
