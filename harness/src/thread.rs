//! `std::thread`, as code under test uses it: std's own functions and types
//! in a build without the `model` feature, the model's under it. Not
//! modelled yet: `scope`, and a `Builder`'s settings other than the name.

#[cfg(not(feature = "model"))]
pub use std::thread::{
    Builder, JoinHandle, Thread, current, park, park_timeout, sleep, spawn, yield_now,
};

#[cfg(feature = "model")]
pub use crate::model::thread::{
    Builder, JoinHandle, Thread, current, park, park_timeout, sleep, spawn, yield_now,
};
