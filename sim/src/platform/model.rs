use std::sync::Arc;

use store::Runtime;
use store::StdRuntime;
use store::runtime::loom::LoomRuntime;
use store::runtime::shuttle::ShuttleRuntime;

use super::happens_before::WrittenBytes;

/// A thread's identity within one execution: cheap to copy and compare,
/// unlike its name, which the platform looks up once per thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ThreadKey(pub(crate) u64);

impl ThreadKey {
    /// The key of a thread id that only hashes: the same id, the same key
    /// (std's `DefaultHasher::new()` has fixed keys).
    fn hashed(id: impl std::hash::Hash) -> ThreadKey {
        use std::hash::Hasher;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        id.hash(&mut hasher);
        ThreadKey(hasher.finish())
    }
}

/// What the simulated platform needs from a scheduler beyond [`Runtime`]:
/// who is running, how to step aside, and how to make a choice the scheduler
/// records and replays.
pub trait ModelRuntime: Runtime + Default {
    /// A key unique to the current thread within one execution.
    fn thread_key() -> ThreadKey;
    /// The current thread's name, `<unnamed>` if it has none.
    fn thread_name() -> String;
    /// Lets other threads run.
    fn yield_now();
    /// A step that changes nothing, where a harmless store change might
    /// add one (the `scheduling-points` perturbation).
    fn scheduling_point() {
        Self::yield_now();
    }
    /// Whether a pending timed wait fires now. A choice the scheduler makes,
    /// so a schedule's seed replays it.
    fn fire_timeout_now() -> bool;
    /// Whether an untimed wait returns now without a notification (a
    /// spurious wake-up), with a chance of one in `one_in`, where the
    /// scheduler can draw that choice.
    fn wake_spuriously(one_in: u64) -> bool {
        let _ = one_in;
        false
    }

    /// The bytes a file write just wrote, tracked for ordering checks, where
    /// the model checks orderings (loom); `None` elsewhere.
    fn written_bytes() -> Option<Arc<dyn WrittenBytes>> {
        None
    }

    /// Whether touching the scheduler from an unwinding thread can abort the
    /// process (loom: its primitives panic again when dropped or used during
    /// the teardown of a failed execution).
    const FRAGILE_WHILE_UNWINDING: bool = false;

    /// Whether a load may return a value older than one the platform saw
    /// stored earlier (loom models weak memory; the platform's own facts
    /// are kept under std locks it does not see, so they order nothing for
    /// it). Where true, a count read by a scenario is not held to bounds
    /// drawn from the platform's facts in real time.
    const MODELS_WEAK_MEMORY: bool = false;

    /// Whether one thread runs at a time, so that nothing happens between
    /// two steps of a thread that are not split by a scheduling point
    /// (shuttle, loom). On real threads the virtual clock can move between
    /// a thread's reading it and its next step, so a wait's latest end is
    /// not known exactly when it begins.
    const ONE_THREAD_AT_A_TIME: bool = true;
}

impl ModelRuntime for ShuttleRuntime {
    fn thread_key() -> ThreadKey {
        ThreadKey(usize::from(shuttle::current::me()) as u64)
    }

    fn thread_name() -> String {
        shuttle::thread::current()
            .name()
            .unwrap_or("<unnamed>")
            .to_owned()
    }

    fn yield_now() {
        shuttle::thread::yield_now();
    }

    fn fire_timeout_now() -> bool {
        use shuttle::rand::RngCore;
        shuttle::rand::thread_rng().next_u64() % 2 == 0
    }

    fn wake_spuriously(one_in: u64) -> bool {
        use shuttle::rand::RngCore;
        shuttle::rand::thread_rng().next_u64() % one_in == 0
    }
}

impl ModelRuntime for LoomRuntime {
    const FRAGILE_WHILE_UNWINDING: bool = true;
    const MODELS_WEAK_MEMORY: bool = true;

    fn written_bytes() -> Option<Arc<dyn WrittenBytes>> {
        if std::thread::panicking() {
            return None;
        }
        let cell = loom::cell::UnsafeCell::new(());
        cell.with_mut(|_| ());
        Some(Arc::new(LoomWrittenBytes(std::sync::Mutex::new(cell))))
    }

    fn thread_key() -> ThreadKey {
        ThreadKey::hashed(loom::thread::current().id())
    }

    fn thread_name() -> String {
        loom::thread::current().name().unwrap_or("main").to_owned()
    }

    fn yield_now() {
        loom::thread::yield_now();
    }

    /// An atomic access of this thread's own, not a yield: loom takes a
    /// yield for a spin loop's and runs the other threads first, which
    /// hides interleavings a harmless step would not.
    fn scheduling_point() {
        loom::sync::atomic::AtomicBool::new(false).load(std::sync::atomic::Ordering::Relaxed);
    }

    /// Loom explores schedules, not data: the timeout always fires, after a
    /// yield that lets loom try every other thread first.
    fn fire_timeout_now() -> bool {
        true
    }
}

impl ModelRuntime for StdRuntime {
    const ONE_THREAD_AT_A_TIME: bool = false;

    fn thread_key() -> ThreadKey {
        ThreadKey::hashed(std::thread::current().id())
    }

    fn thread_name() -> String {
        std::thread::current()
            .name()
            .unwrap_or("<unnamed>")
            .to_owned()
    }

    fn yield_now() {
        std::thread::yield_now();
    }

    /// Real threads get their interleavings from the OS; the timeout fires
    /// at once, after a yield.
    fn fire_timeout_now() -> bool {
        true
    }
}

/// A write's bytes as loom tracks them: a cell written once, when the bytes
/// were, and read by every read of them. The std mutex only makes the cell
/// shareable (loom's cell is not `Sync`: it tracks concurrent use itself);
/// loom runs one thread at a time, so nobody waits on it.
struct LoomWrittenBytes(std::sync::Mutex<loom::cell::UnsafeCell<()>>);

impl WrittenBytes for LoomWrittenBytes {
    fn read(&self) {
        if !std::thread::panicking() {
            let cell = self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            cell.with(|_| ());
        }
    }
}
