//! `std::sync`, as code under test uses it: std's own types in a build
//! without the `model` feature, the model's under it.
//!
//! `Arc`, `Weak`, `LockResult`, `OnceState`, `PoisonError`,
//! `TryLockError` and `TryLockResult` are std's in both builds: an `Arc`
//! is not a scheduling point, and the others are plain values.

pub use std::sync::{Arc, LockResult, OnceState, PoisonError, TryLockError, TryLockResult, Weak};

#[cfg(not(feature = "model"))]
pub use std::sync::{
    Barrier, BarrierWaitResult, Condvar, LazyLock, Mutex, MutexGuard, Once, OnceLock, RwLock,
    RwLockReadGuard, RwLockWriteGuard, WaitTimeoutResult, atomic, mpsc,
};

#[cfg(feature = "model")]
pub use crate::model::sync::{
    Barrier, BarrierWaitResult, Condvar, LazyLock, Mutex, MutexGuard, Once, OnceLock, RwLock,
    RwLockReadGuard, RwLockWriteGuard, WaitTimeoutResult, atomic, mpsc,
};
