//! Panics inside simulated runs are the harness's business: it reports them
//! itself, with the oracle, trace and replay line. Printing each one too
//! (shuttle's hook, then the default hook's message and backtrace) would
//! bury that report, so panics on threads marked as running a simulation
//! are silent. Every other panic prints as usual.
//!
//! A panic's payload does not say where it happened; the hook does. So the
//! hook keeps where the first panic on each OS thread happened
//! ([`take_first_panic`]): a store that panics (`assert!`, `unwrap`, an
//! index out of bounds) is reported with its location.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::sync::Once;

thread_local! {
    static SIMULATING: Cell<bool> = const { Cell::new(false) };
    static FIRST_PANIC: RefCell<Option<SourceSite>> = const { RefCell::new(None) };
}

/// A place in the source: where a panic happened, where a thread waits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceSite {
    /// The source file.
    pub file: String,
    /// The line.
    pub line: u32,
    /// The column.
    pub column: u32,
}

impl SourceSite {
    /// The site of `location`. A dependency's file is named from its
    /// crate's directory (`shuttle-0.8.1/src/...`), not from the machine's
    /// registry, so reports and failure signatures read the same everywhere.
    pub fn of(location: &std::panic::Location<'_>) -> SourceSite {
        SourceSite {
            file: without_registry(location.file()).to_owned(),
            line: location.line(),
            column: location.column(),
        }
    }
}

/// `file` without the registry prefix of a dependency's source, if it has
/// one: `.../registry/src/INDEX/CRATE-VERSION/src/lib.rs` becomes
/// `CRATE-VERSION/src/lib.rs`.
fn without_registry(file: &str) -> &str {
    const REGISTRY: &str = "/registry/src/";
    let Some(start) = file.find(REGISTRY) else {
        return file;
    };
    let in_index = &file[start + REGISTRY.len()..];
    in_index
        .split_once('/')
        .map_or(file, |(_, in_crate)| in_crate)
}

impl fmt::Display for SourceSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Where the first panic on this OS thread happened since the last call.
/// Shuttle and loom run every simulated thread of a run on one OS thread,
/// so a driver calls it before a run (to forget) and after (to learn).
pub fn take_first_panic() -> Option<SourceSite> {
    FIRST_PANIC.with(|first| first.borrow_mut().take())
}

/// Marks the current thread as running simulations until the guard drops.
/// Shuttle and loom run every simulated thread on the caller's OS thread;
/// real-thread runs mark their own threads.
pub fn simulating() -> SimulatingGuard {
    install_hook();
    let was = SIMULATING.with(|flag| flag.replace(true));
    SimulatingGuard { was }
}

/// Marks the current thread, a thread spawned inside a simulated run, for
/// good. No guard: under shuttle and loom such threads are coroutines on the
/// driver's OS thread, whose stacks may be dropped after the driver's own
/// guard, and restoring then would leave that OS thread silenced. A real
/// thread's mark ends with it.
pub fn mark_simulating() {
    SIMULATING.with(|flag| flag.set(true));
}

/// Restores the thread's previous mark.
pub struct SimulatingGuard {
    was: bool,
}

impl Drop for SimulatingGuard {
    fn drop(&mut self) {
        SIMULATING.with(|flag| flag.set(self.was));
    }
}

/// Installs the filtering hook once, through the library, which takes
/// shuttle's own hook out of the chain first.
fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        harness::check::wrap_panic_hook(|previous| {
            Box::new(move |info| {
                if SIMULATING.with(Cell::get) {
                    super::happens_before::note_panic();
                    if let Some(location) = info.location() {
                        FIRST_PANIC.with(|first| {
                            first
                                .borrow_mut()
                                .get_or_insert_with(|| SourceSite::of(location));
                        });
                    }
                    return;
                }
                // A panic of the harness itself must be seen even while fd 2 is
                // silenced (see `crate::console`).
                if crate::console::is_silenced() {
                    let thread = std::thread::current();
                    let name = thread.name().unwrap_or("<unnamed>");
                    crate::eprintln_real!("thread '{name}' {info}");
                } else {
                    previous(info);
                }
            })
        });
    });
}

#[cfg(test)]
mod tests {
    use super::without_registry;

    #[test]
    fn a_dependency_file_is_named_from_its_crate_directory() {
        assert_eq!(
            without_registry(
                "/home/ci/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/shuttle-0.8.1/src/runtime/execution.rs"
            ),
            "shuttle-0.8.1/src/runtime/execution.rs"
        );
    }

    #[test]
    fn a_workspace_file_keeps_its_name() {
        assert_eq!(without_registry("store/src/store.rs"), "store/src/store.rs");
    }
}
