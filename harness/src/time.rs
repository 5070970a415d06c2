//! `std::time`, as code under test uses it. `Duration`,
//! `SystemTimeError` and `TryFromFloatSecsError` are std's in both builds; `Instant` and `SystemTime`
//! are std's without the `model` feature and, under it, read the virtual
//! clock of the run they are called in (a run's wall clock starts at
//! 2025-01-01T00:00:00Z).

pub use std::time::{Duration, SystemTimeError, TryFromFloatSecsError};

#[cfg(not(feature = "model"))]
pub use std::time::{Instant, SystemTime, UNIX_EPOCH};

#[cfg(feature = "model")]
pub use crate::model::{
    system_time::{SystemTime, UNIX_EPOCH},
    time::Instant,
};
