//! `std::hint`, as code under test uses it: std's own functions in a build
//! without the `model` feature; under it, [`spin_loop`] also lets the other
//! threads of the run in, as shuttle's and loom's own `hint::spin_loop` do.
//!
//! A spin-wait that only reads an atomic is fair under random schedules,
//! but PCT runs the thread of highest priority until it blocks or yields,
//! and loom explores a spin that never yields until its bound: the spinner
//! would starve the thread it waits for, and the run would end as
//! `endless` with nothing wrong in the code.

pub use std::hint::*;

#[cfg(feature = "model")]
pub use crate::model::thread::spin_loop;
