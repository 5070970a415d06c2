//! The scenario catalogue: every scenario of the behavioural spec, generic
//! over the platform it runs on ([`World`]), with the oracles it checks.
//!
//! A scenario panics with a message naming the broken [`Oracle`]
//! (`VIOLATION [oracle] thread: what`) as soon as one breaks; schedulers
//! report deadlocks themselves. Parameters come from [`Params`], drawn from a
//! seed through a proptest strategy.

mod catalogue;
mod check;
mod fate;
mod oracle;
mod params;
mod threads;
mod world;

pub use catalogue::{RunSummary, Scenario};
pub use fate::Fate;
pub use oracle::Oracle;
pub use params::{FileFaults, Params, RetryParams, Size, SplitMix64, StreamFault, TransportFaults};
pub use threads::{Joiner, Latch, panic_message, spawn};
pub use world::World;
