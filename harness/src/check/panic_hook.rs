//! The process's panic hook while checks run: the library's own, and the
//! way a harness built on the library puts its own around it.

use std::panic;
use std::path::Path;
use std::sync::{Mutex, Once, PoisonError};

use shuttle::Runner;
use shuttle::scheduler::RandomScheduler;

use super::{NotModelled, shuttle_config};
use crate::model::execution;
use crate::panics::Raised;

/// A panic hook, as [`std::panic::set_hook`] takes it.
pub type PanicHook = Box<dyn Fn(&panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

/// Puts the hook `wrap` makes of the process's panic hook in its place.
/// The library's hook and those of harnesses built on it go through here:
/// one at a time, so that no two take the same hook and one of them is
/// lost, and with shuttle's own hook out of the chain first (shuttle
/// installs it on its first execution; its words say it serialises a
/// schedule, which a harness keeps itself).
pub fn wrap_panic_hook(wrap: impl FnOnce(PanicHook) -> PanicHook) {
    static WRAPPING: Mutex<()> = Mutex::new(());
    let _one_at_a_time = WRAPPING.lock().unwrap_or_else(PoisonError::into_inner);
    without_shuttle_panic_hook();
    let previous = panic::take_hook();
    panic::set_hook(wrap(previous));
}

/// Installs the library's panic hook, once in the process, before the
/// first run of a check: it tells a run on real threads which of its
/// threads began to panic first (there a thread that panics on a lock
/// another's panic poisoned may end first, and the run must not fail by
/// the echo), and prints a raised value by its `Display`, where std's
/// hook prints `Box<dyn Any>`, with where it was raised unless that is in
/// the library itself (a model's verdict: its words say where the code
/// under test waits). An engine's panic that fails a run on a deadlock the
/// model then names is not printed: the check's failure says it in the
/// model's words; nor is a panic of a run on real threads that a
/// violation of the model's has failed already, which echoes it; nor is
/// what an engine has no model of, which the check's summary says it left
/// out; nor a panic of a loom execution that
/// made an atomic late, which its search runs again (a first execution's
/// "causality violation", say, before the search learns its atomics); nor
/// a panic at a line where an earlier run of the same check panicked (a
/// panic the body catches happens in every run: it is printed once). Any
/// other panic goes on to the hook that was there.
pub(crate) fn install() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        wrap_panic_hook(|previous| {
            Box::new(move |info| {
                execution::panic_begins_on_this_thread();
                let Some(raised) = info.payload().downcast_ref::<Raised>() else {
                    if !execution::panic_is_a_deadlock_the_model_names()
                        && !execution::panic_echoes_a_violation_on_real_threads()
                        && !execution::panic_may_be_a_late_atomics()
                        && !execution::panic_printed_before(info.location())
                    {
                        previous(info);
                    }
                    return;
                };
                // No failure: the check's summary leaves the engine out.
                if raised.get::<NotModelled>().is_some() {
                    return;
                }
                let thread = std::thread::current();
                let name = thread.name().unwrap_or("<unnamed>");
                let at = info
                    .location()
                    .filter(|at| !in_the_librarys_source(at))
                    .map(|at| format!(" at {at}"))
                    .unwrap_or_default();
                eprintln!("thread '{name}' raised{at}:\n{raised}");
            })
        });
    });
}

/// Whether `at` is in the library's own source, as its locations name it
/// (from the workspace, or in full from a crate that depends on it).
fn in_the_librarys_source(at: &panic::Location<'_>) -> bool {
    let this_file = Path::new(file!());
    let source = this_file.ancestors().nth(2).unwrap_or(this_file);
    Path::new(at.file()).starts_with(source)
}

/// Takes shuttle's panic hook out of the process's chain, once: shuttle
/// installs it, around the hook before it, on its first execution in the
/// process, so a trivial execution runs here first and the hook it
/// installed is dropped. Its words say that it serialises a schedule,
/// which the harness keeps itself (`FailurePersistence::None`), and on a
/// thread outside shuttle it names a task that is not there. If shuttle
/// ran before this, its hook stays where it is.
fn without_shuttle_panic_hook() {
    static DROPPED: Once = Once::new();
    DROPPED.call_once(|| {
        let before = panic::take_hook();
        Runner::new(RandomScheduler::new(1), shuttle_config()).run(|| {});
        drop(panic::take_hook());
        panic::set_hook(before);
    });
}
