//! The flight recorder. Switched on in a child process, a run streams to
//! stderr (the real one: see [`crate::console`]), unbuffered, the number of each schedule as it begins and every
//! trace event as it happens, so that the parent still knows what the child
//! was doing when it aborted, overflowed its stack or hung: the one moment
//! the child can no longer report anything itself. Off, it costs one relaxed
//! load per event.

use std::sync::atomic::{AtomicBool, Ordering};

static ON: AtomicBool = AtomicBool::new(false);

/// What a schedule marker line starts with; the schedule's number follows.
pub(crate) const SCHEDULE_MARK: &str = "flight: schedule ";
/// What an event line starts with; the formatted event follows.
pub(crate) const EVENT_MARK: &str = "flight: event ";

/// Switches the recorder on for the rest of the process.
pub(crate) fn switch_on() {
    ON.store(true, Ordering::Relaxed);
}

fn on() -> bool {
    ON.load(Ordering::Relaxed)
}

/// Schedule `number` (a seed, or an execution number) begins.
pub(crate) fn schedule_begins(number: u64) {
    if on() {
        crate::eprintln_real!("{SCHEDULE_MARK}{number}");
    }
}

/// `event` (an already formatted trace event) happened.
pub(crate) fn event(event: &dyn std::fmt::Display) {
    if on() {
        crate::eprintln_real!("{EVENT_MARK}{event}");
    }
}
