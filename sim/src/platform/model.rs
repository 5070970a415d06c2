use store::Runtime;
use store::StdRuntime;
use store::runtime::loom::LoomRuntime;
use store::runtime::shuttle::ShuttleRuntime;

/// What the simulated platform needs from a scheduler beyond [`Runtime`]:
/// who is running, how to step aside, and how to make a choice the scheduler
/// records and replays.
pub trait ModelRuntime: Runtime + Default {
    /// A key unique to the current thread within one execution.
    fn thread_key() -> String;
    /// The current thread's name, `<unnamed>` if it has none.
    fn thread_name() -> String;
    /// Lets other threads run.
    fn yield_now();
    /// Whether a pending timed wait fires now. A choice the scheduler makes,
    /// so a schedule's seed replays it.
    fn fire_timeout_now() -> bool;
    /// Whether an untimed wait returns now without a notification (a
    /// spurious wake-up), where the scheduler can draw that choice.
    fn wake_spuriously() -> bool {
        false
    }

    /// Whether touching the scheduler from an unwinding thread can abort the
    /// process (loom: its primitives panic again when dropped or used during
    /// the teardown of a failed execution).
    const FRAGILE_WHILE_UNWINDING: bool = false;
}

impl ModelRuntime for ShuttleRuntime {
    fn thread_key() -> String {
        format!("{:?}", shuttle::current::me())
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

    fn wake_spuriously() -> bool {
        use shuttle::rand::RngCore;
        shuttle::rand::thread_rng().next_u64() % 4 == 0
    }
}

impl ModelRuntime for LoomRuntime {
    const FRAGILE_WHILE_UNWINDING: bool = true;

    fn thread_key() -> String {
        format!("{:?}", loom::thread::current().id())
    }

    fn thread_name() -> String {
        loom::thread::current().name().unwrap_or("main").to_owned()
    }

    fn yield_now() {
        loom::thread::yield_now();
    }

    /// Loom explores schedules, not data: the timeout always fires, after a
    /// yield that lets loom try every other thread first.
    fn fire_timeout_now() -> bool {
        true
    }
}

impl ModelRuntime for StdRuntime {
    fn thread_key() -> String {
        format!("{:?}", std::thread::current().id())
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
