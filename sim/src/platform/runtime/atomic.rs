//! Atomics: the scheduler's, each with a shadow copy that an unwinding
//! thread uses instead, and that a judge reads without a scheduling point
//! (`peeking`); and the one atomic that stands for the files' contents.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::SimRuntime;
use super::execution::hands_off;
use crate::platform::ModelRuntime;

/// An atomic flag the scheduler models, with a shadow copy that an
/// unwinding thread reads and writes instead (see [`SimMutex`] for why).
pub struct SimAtomicBool<I: ModelRuntime> {
    pub(super) modelled: I::AtomicBool,
    pub(super) shadow: AtomicBool,
}

/// An atomic counter for simulation, shadowed like [`SimAtomicBool`].
pub struct SimAtomicU64<I: ModelRuntime> {
    pub(super) modelled: I::AtomicU64,
    pub(super) shadow: AtomicU64,
}

thread_local! {
    /// Set while a judge reads a subject's counters (see [`peeking`]).
    static PEEKING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `read`, in which loads of the runtime's atomics read their latest
/// values without a scheduling point: how a judge, running inside the
/// scheduler's bookkeeping at a quiescent moment, reads what a store
/// counts through the store's own API.
pub fn peeking<T>(read: impl FnOnce() -> T) -> T {
    PEEKING.with(|peeking| peeking.set(true));
    let value = read();
    PEEKING.with(|peeking| peeking.set(false));
    value
}

pub(super) fn is_peeking() -> bool {
    PEEKING.with(std::cell::Cell::get)
}

impl<I: ModelRuntime> SimRuntime<I> {
    pub(super) fn make_flag(&self, value: bool) -> SimAtomicBool<I> {
        SimAtomicBool {
            modelled: self.inner.atomic_bool(value),
            shadow: AtomicBool::new(value),
        }
    }

    pub(super) fn load_flag(&self, flag: &SimAtomicBool<I>, order: Ordering) -> bool {
        if hands_off::<I>() || is_peeking() {
            return flag.shadow.load(Ordering::SeqCst);
        }
        self.inner.load(&flag.modelled, order)
    }

    pub(super) fn store_flag(&self, flag: &SimAtomicBool<I>, value: bool, order: Ordering) {
        flag.shadow.store(value, Ordering::SeqCst);
        if !hands_off::<I>() {
            self.inner.store(&flag.modelled, value, order);
        }
    }

    pub(super) fn make_counter(&self, value: u64) -> SimAtomicU64<I> {
        SimAtomicU64 {
            modelled: self.inner.atomic_u64(value),
            shadow: AtomicU64::new(value),
        }
    }

    pub(super) fn load_counter(&self, atomic: &SimAtomicU64<I>, order: Ordering) -> u64 {
        if hands_off::<I>() || is_peeking() {
            return atomic.shadow.load(Ordering::SeqCst);
        }
        self.inner.load_u64(&atomic.modelled, order)
    }

    pub(super) fn store_counter(&self, atomic: &SimAtomicU64<I>, value: u64, order: Ordering) {
        atomic.shadow.store(value, Ordering::SeqCst);
        if !hands_off::<I>() {
            self.inner.store_u64(&atomic.modelled, value, order);
        }
    }

    pub(super) fn add_to_counter(
        &self,
        atomic: &SimAtomicU64<I>,
        value: u64,
        order: Ordering,
    ) -> u64 {
        let shadowed = atomic.shadow.fetch_add(value, Ordering::SeqCst);
        if hands_off::<I>() {
            return shadowed;
        }
        self.inner.fetch_add_u64(&atomic.modelled, value, order)
    }

    pub(super) fn subtract_from_counter(
        &self,
        atomic: &SimAtomicU64<I>,
        value: u64,
        order: Ordering,
    ) -> u64 {
        let shadowed = atomic.shadow.fetch_sub(value, Ordering::SeqCst);
        if hands_off::<I>() {
            return shadowed;
        }
        self.inner.fetch_sub_u64(&atomic.modelled, value, order)
    }

    pub(super) fn fence_at(&self, order: Ordering) {
        if hands_off::<I>() {
            return std::sync::atomic::fence(order);
        }
        self.inner.fence(order);
    }

    /// What a file operation does to shared memory, as the scheduler sees
    /// it: a relaxed write (`true`) or read of one atomic that stands for
    /// the files' contents. Without it, a scheduler that reorders only
    /// conflicting accesses (loom's partial-order reduction) would never
    /// run another thread between the store's last synchronisation and its
    /// file I/O, and a shuttle scheduler would never preempt there. Relaxed:
    /// it creates no happens-before the store did not create itself.
    ///
    /// It holds no handle on this runtime, whose judges hold the files
    /// that call it: a cycle would leak every execution's world.
    pub fn file_access(&self) -> impl Fn(bool) + Send + Sync + 'static {
        let contents = self.inner.atomic_u64(0);
        move |writes| {
            if hands_off::<I>() {
                return;
            }
            let runtime = I::default();
            if writes {
                runtime.fetch_add_u64(&contents, 1, Ordering::Relaxed);
            } else {
                runtime.load_u64(&contents, Ordering::Relaxed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use store::Runtime;

    use super::super::testing::on_std;
    use super::peeking;

    #[test]
    fn a_counter_and_its_shadow_move_together() {
        let runtime = on_std();
        let counter = runtime.atomic_u64(5);
        assert_eq!(runtime.fetch_add_u64(&counter, 3, Ordering::SeqCst), 5);
        assert_eq!(runtime.fetch_sub_u64(&counter, 1, Ordering::SeqCst), 8);
        assert_eq!(counter.shadow.load(Ordering::SeqCst), 7);
        assert_eq!(peeking(|| runtime.load_u64(&counter, Ordering::Relaxed)), 7);
    }

    #[test]
    fn a_flag_and_its_shadow_move_together() {
        let runtime = on_std();
        let flag = runtime.atomic_bool(false);
        runtime.store(&flag, true, Ordering::Release);
        assert!(flag.shadow.load(Ordering::SeqCst));
        assert!(runtime.load(&flag, Ordering::Acquire));
    }
}
