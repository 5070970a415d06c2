//! What every loom engine shares: a model bounded in preemptions and
//! executions, running a scenario under it, and loom's checkpoints (its
//! serialised path of one execution), which replay it without re-exploring.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use harness::check::loom_model;
use scenarios::{Params, Scenario};
use store::StoreOptions;
use store::runtime::loom::LoomRuntime;

use super::Execution;
use super::tally::Tally;
use crate::platform::{ModelRuntime, ThreadKey, WrittenBytes};

/// Explores up to `executions` schedules; returns the tally and the last execution.
pub(super) fn explore(
    scenario: Scenario,
    preemption_bound: usize,
    executions: usize,
    params: &Params,
    options: &StoreOptions,
) -> (Arc<Tally<LoomRuntime>>, Execution) {
    check(
        loom_model(preemption_bound, executions),
        true,
        scenario,
        params,
        options,
    )
}

/// `numbered`: executions are named by their number (rather than by the
/// seed of the run that explores them).
pub(super) fn check(
    model: loom::model::Builder,
    numbered: bool,
    scenario: Scenario,
    params: &Params,
    options: &StoreOptions,
) -> (Arc<Tally<LoomRuntime>>, Execution) {
    let _quiet = crate::platform::simulating();
    let tally = Tally::<LoomRuntime>::new(numbered);
    let body = tally.execution_body(scenario, params, options);
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| model.check(body)));
    let execution = tally.last_execution(outcome);
    (tally, execution)
}

/// Writes to `checkpoint` loom's serialised path of execution `number`, so
/// that [`replay_checkpoint`] runs it without re-exploring. With a
/// checkpoint every iteration, loom stores the path of the iteration about
/// to run; stopping before execution `number` leaves exactly its path.
pub(super) fn capture_checkpoint(
    scenario: Scenario,
    preemption_bound: usize,
    number: usize,
    params: &Params,
    options: &StoreOptions,
    checkpoint: &std::path::Path,
) {
    let mut model = loom_model(preemption_bound, number - 1);
    model.checkpoint_file = Some(checkpoint.to_path_buf());
    super::on_fresh_thread(|| drop(check(model, true, scenario, params, options)));
}

/// Runs the one execution whose path `checkpoint` holds. Loom writes its
/// checkpoint file as it goes, so it is given a copy: a replay must leave
/// the corpus as it found it.
pub(super) fn replay_checkpoint(
    scenario: Scenario,
    preemption_bound: usize,
    checkpoint: &std::path::Path,
    params: &Params,
    options: &StoreOptions,
) -> std::io::Result<Execution> {
    let copy = tempfile::NamedTempFile::new()?;
    std::fs::copy(checkpoint, copy.path())?;
    let mut model = loom_model(preemption_bound, 1);
    model.checkpoint_file = Some(copy.path().to_path_buf());
    Ok(super::on_fresh_thread(|| {
        check(model, true, scenario, params, options).1
    }))
}

/// The platform's view of loom: weak memory, written bytes tracked in
/// loom's cells, and hands off the scheduler while a failed execution
/// unwinds.
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
