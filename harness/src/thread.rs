//! `std::thread`, as code under test uses it: std's own functions and types
//! in a build without the `model` feature, the model's under it.
//! `scope` runs under every engine but loom, which has no scoped threads.
//! `available_parallelism` is the same on every machine in a run
//! (`check::PARALLELISM_IN_A_RUN`), so that a replay spawns what the run
//! spawned.

#[cfg(not(feature = "model"))]
pub use std::thread::{
    Builder, JoinHandle, Scope, ScopedJoinHandle, Thread, ThreadId, available_parallelism, current,
    park, park_timeout, scope, sleep, spawn, yield_now,
};

#[cfg(feature = "model")]
pub use crate::model::scope::{Scope, ScopedJoinHandle, scope};
#[cfg(feature = "model")]
pub use crate::model::thread::{
    Builder, JoinHandle, Thread, ThreadId, available_parallelism, current, park, park_timeout,
    sleep, spawn, yield_now,
};
