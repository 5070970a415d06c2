//! `std::sync` under the model.

pub mod atomic;
mod barrier;
mod condvar;
pub mod mpsc;
mod mutex;
mod once;
mod once_lock;
mod once_turn;
mod rwlock;
mod unwound;

pub use barrier::{Barrier, BarrierWaitResult};
pub use condvar::{Condvar, SPURIOUS_WAKEUPS_ONE_IN, WaitTimeoutResult};
pub use mutex::{Mutex, MutexGuard};
pub use once::{LazyLock, Once};
pub use once_lock::OnceLock;
pub use rwlock::{
    DOWNGRADE_UNDER_SHUTTLE_AND_LOOM, NESTED_READ_OUTLIVES_ITS_HOLD_UNDER_SHUTTLE_AND_LOOM, RwLock,
    RwLockReadGuard, RwLockWriteGuard,
};
pub use unwound::LOCK_AFTER_A_PANIC_UNDER_LOOM;
