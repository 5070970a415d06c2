use std::sync::Arc;

use store::Runtime;
use store::StdRuntime;

use scenarios::doubles::WrittenBytes;

/// A thread's identity within one execution: cheap to copy and compare,
/// unlike its name, which the platform looks up once per thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ThreadKey(pub(crate) u64);

impl ThreadKey {
    /// The key of a thread id that only hashes: the same id, the same key
    /// (std's `DefaultHasher::new()` has fixed keys).
    pub(crate) fn hashed(id: impl std::hash::Hash) -> ThreadKey {
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
