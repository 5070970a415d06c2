//! `std::time`, as code under test uses it. `Duration` is std's in both
//! builds; `Instant` is std's without the `model` feature and, under it,
//! reads the virtual clock of the run it is called in.

pub use std::time::Duration;

#[cfg(not(feature = "model"))]
pub use std::time::Instant;

#[cfg(feature = "model")]
pub use crate::model::time::Instant;
