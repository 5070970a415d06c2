//! Ctrl-C and SIGTERM. Nothing a user does may lose what the harness found:
//! the first signal asks `sim fuzz` and `sim explore` to stop their children
//! and report what they have (summary, coverage, the JSON summary line,
//! marked as interrupted). A second signal ends the process at once, and
//! its children with it.
//!
//! Children run in process groups of their own ([`own_process_group`]), so
//! a Ctrl-C at the terminal, which signals the whole foreground group,
//! reaches the parent alone: a job killed by the user's signal is no crash
//! of the store.

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// Signals received so far.
static SIGNALS: AtomicUsize = AtomicUsize::new(0);

/// Child processes to kill if a second signal ends the process.
static CHILDREN: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());

/// The exit code of a process ended by a second signal: 128 + SIGINT.
const SECOND_SIGNAL_EXIT_CODE: i32 = 130;

/// Installs the handler, once per process.
pub(crate) fn install() {
    let installed = ctrlc::set_handler(|| {
        if SIGNALS.fetch_add(1, Ordering::SeqCst) == 0 {
            crate::eprintln_real!(
                "\ninterrupted: stopping and reporting what was found so far (again to quit at once)"
            );
            return;
        }
        kill_children();
        std::process::exit(SECOND_SIGNAL_EXIT_CODE);
    });
    if let Err(error) = installed {
        crate::eprintln_real!("warning: Ctrl-C will not be handled: {error}");
    }
}

/// Whether a signal asked the process to stop.
pub(crate) fn requested() -> bool {
    SIGNALS.load(Ordering::SeqCst) > 0
}

/// Puts the child `command` starts in a process group of its own.
pub(crate) fn own_process_group(command: &mut Command) -> &mut Command {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    command
}

/// A child the second signal kills; forgotten when dropped.
pub(crate) struct Registered(u32);

/// Registers child `pid` until the guard drops.
pub(crate) fn register(pid: u32) -> Registered {
    lock().insert(pid);
    Registered(pid)
}

impl Drop for Registered {
    fn drop(&mut self) {
        lock().remove(&self.0);
    }
}

fn lock() -> std::sync::MutexGuard<'static, BTreeSet<u32>> {
    CHILDREN.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Kills every registered child at once.
#[cfg(unix)]
pub(crate) fn kill_children() {
    for &pid in lock().iter() {
        let pid = i32::try_from(pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw);
        if let Some(pid) = pid {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
        }
    }
}

#[cfg(not(unix))]
pub(crate) fn kill_children() {}
