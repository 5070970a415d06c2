//! loom's locks after a holder unwound. loom's mutex keeps a std mutex
//! inside, which a guard dropped while its thread unwinds poisons for
//! good: loom's next lock of it unwraps the poison and panics. And an
//! unwinding thread cannot release loom's reader-writer lock at all (the
//! model forgets that hold: see `rwlock.rs`). A panic that fails its run
//! needs neither lock again; one the body catches may: such a lock,
//! taken again under loom, is [`LOCK_AFTER_A_PANIC_UNDER_LOOM`], and a
//! check leaves loom out of that body.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::model::scope::NotModelled;

/// What a loom run raises when it takes a lock again after a thread that
/// held it unwound.
pub const LOCK_AFTER_A_PANIC_UNDER_LOOM: NotModelled = NotModelled {
    what: "a lock taken again after a thread that held it panicked (a `Once`, `OnceLock` or \
           `LazyLock` holds one while it initialises)",
    under: "loom",
    because: "cannot release a lock for a thread that unwinds (its mutex is poisoned for good)",
};

/// Whether a holder of one of loom's locks unwound through it.
#[derive(Debug, Default)]
pub(crate) struct Unwound(AtomicBool);

impl Unwound {
    /// Marks the lock if the calling thread is unwinding: called as a
    /// hold of it ends.
    pub(crate) fn mark_if_unwinding(&self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    /// Raises [`LOCK_AFTER_A_PANIC_UNDER_LOOM`] if a holder unwound.
    pub(crate) fn refuse_if_marked(&self) {
        if self.0.load(Ordering::SeqCst) {
            crate::model::execution::raise_kept(LOCK_AFTER_A_PANIC_UNDER_LOOM);
        }
    }
}
