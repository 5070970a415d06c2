//! A fence between two sequentially consistent accesses of one thread,
//! under loom.
//!
//! loom models a `SeqCst` load or store as an `AcqRel` one (its README's
//! "Unsupported features", tokio-rs/loom#180). Two threads that each store
//! a flag of their own and then load the other's may then both read the
//! old value, which no single order of the four accesses allows. So a
//! correct Dekker or Peterson lock, or any "announce, then look" handshake
//! on `SeqCst`, fails under loom alone: a false alarm in code that is
//! right. loom does model `fence(SeqCst)`: its fences join one total order.
//!
//! So, under loom, a thread's `SeqCst` access that follows another of its
//! `SeqCst` accesses, with no `SeqCst` fence of the thread between the
//! two, has one put before it. Every two `SeqCst` accesses of a thread are
//! then ordered by loom's order of fences, which rules out what sequential
//! consistency rules out (store buffering, IRIW, R: `tests/seq_cst.rs`).
//!
//! The fence is stronger than what it stands for: it also orders the
//! thread's weaker accesses between the two (as an acquire and a release
//! fence would). A bug that needs a relaxed access between two `SeqCst`
//! accesses of a thread to be reordered is missed under loom. An access
//! beside weaker ones gets no fence: a `SeqCst` store, then an `Acquire`
//! load of another atomic, may still both read old values, as C++'s model
//! allows, and loom finds what that breaks.

use super::by_thread::ByThread;
use super::facts::ThreadKey;

/// The threads whose last `SeqCst` access has no `SeqCst` fence after it.
#[derive(Default)]
pub(crate) struct SeqCstAccesses {
    unfenced: ByThread<()>,
}

impl SeqCstAccesses {
    /// Books a `SeqCst` access of `thread`: whether a fence must come
    /// before it, to order it after the thread's last one.
    pub(crate) fn access(&mut self, thread: ThreadKey) -> bool {
        let follows_an_unfenced_one = self.unfenced.get(thread).is_some();
        self.unfenced.insert(thread, ());
        follows_an_unfenced_one
    }

    /// Books a `SeqCst` fence of `thread`: it orders the thread's last
    /// access before its next.
    pub(crate) fn fenced(&mut self, thread: ThreadKey) {
        self.unfenced.remove(thread);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_threads_first_seq_cst_access_needs_no_fence_and_its_second_does() {
        let mut accesses = SeqCstAccesses::default();
        assert!(!accesses.access(ThreadKey(0)));
        assert!(accesses.access(ThreadKey(0)));
        assert!(accesses.access(ThreadKey(0)));
    }

    #[test]
    fn a_fence_of_the_thread_orders_its_next_access_without_another() {
        let mut accesses = SeqCstAccesses::default();
        assert!(!accesses.access(ThreadKey(1)));
        accesses.fenced(ThreadKey(1));
        assert!(!accesses.access(ThreadKey(1)));
    }

    #[test]
    fn each_thread_is_booked_apart() {
        let mut accesses = SeqCstAccesses::default();
        assert!(!accesses.access(ThreadKey(0)));
        assert!(!accesses.access(ThreadKey(1)));
        accesses.fenced(ThreadKey(0));
        assert!(accesses.access(ThreadKey(1)));
    }
}
