//! `std::thread`, as code under test uses it: std's own functions and types
//! in a build without the `model` feature, the model's under it. Not
//! modelled: a `Builder`'s settings other than the name. `scope` runs under
//! every engine but loom, which has no scoped threads.

#[cfg(not(feature = "model"))]
pub use std::thread::{
    Builder, JoinHandle, Scope, ScopedJoinHandle, Thread, ThreadId, current, park, park_timeout,
    scope, sleep, spawn, yield_now,
};

#[cfg(feature = "model")]
pub use crate::model::scope::{Scope, ScopedJoinHandle, scope};
#[cfg(feature = "model")]
pub use crate::model::thread::{
    Builder, JoinHandle, Thread, ThreadId, current, park, park_timeout, sleep, spawn, yield_now,
};
