//! The scenario catalogue: every scenario of the behavioural spec, generic
//! over the platform it runs on ([`World`]), with the oracles it checks.
//!
//! A scenario raises a [`Violation`] (a panic whose payload names the broken
//! [`Oracle`]) as soon as one breaks. Parameters come from [`Params`], drawn from a
//! seed through a proptest strategy.

mod bounds;
mod catalogue;
mod check;
pub mod doubles;
mod fate;
pub mod library;
mod liveness;
mod log_coverage;
mod oracle;
mod params;
mod peek;
mod planted;
mod store_coverage;
mod threads;
mod world;

pub use bounds::{WaitSpan, backoff_kept_late, deadline_kept_late};
pub use catalogue::{About, Component, RunSummary, Scenario, ScenarioSpec};
pub use fate::{FailuresInARow, Fate};
pub use liveness::{
    WaitingReader, close_waits_on_a_timer, counts_differ, counts_outside, needless_read_wait,
};
pub use log_coverage::{LogClassifier, LogState, LogStep};
pub use oracle::{Oracle, Owner, Violation};
pub use params::{
    FileFaults, InjectedEio, InjectedEmfile, Params, RetryParams, Size, SplitMix64, StreamFault,
    TransportFaults,
};
pub use planted::{HitRates, PlantedBug};
pub use store_coverage::{
    InFlight, Operation, PAIRED_OPERATIONS, Phase, ReadEnd, StoreClassifier, StoreCorner,
    StoreSituation, StoreStep,
};
pub use threads::{Joiner, Latch, spawn};
pub use world::{CatalogueWorld, CounterSource, LogCall, LogWorld, StoreWorld, World};
