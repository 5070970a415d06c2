//! The scenario catalogue: every scenario of the behavioural spec, generic
//! over the platform it runs on ([`World`]), with the oracles it checks.
//!
//! A scenario raises a [`Violation`] (a panic whose payload names the broken
//! [`Oracle`]) as soon as one breaks. Parameters come from [`Params`], drawn from a
//! seed through a proptest strategy.

mod bounds;
mod call;
mod catalogue;
mod check;
mod counts;
pub mod doubles;
mod facts;
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

pub use bounds::{WaitSpan, backoff_kept_late, bound_kept_late, deadline_kept_late};
pub use call::{Call, Outcome};
pub use catalogue::{About, Component, Reaches, RunSummary, Scenario, ScenarioSpec};
pub use counts::{counts_at_quiescence, counts_while_waiting, returned_counts_outside_span};
pub use facts::{Backoff, Facts, Key, Span, StoreFacts};
pub use fate::{FailuresInARow, Fate};
pub use liveness::{
    StoreMoment, WaitingReader, close_waits_on_a_timer, needless_read_wait, stores_at_quiescence,
};
pub use log_coverage::{LogCell, LogClassifier, LogState, LogStep};
pub use oracle::{Oracle, Owner, Violation};
pub use params::{
    FileFaults, InjectedEio, InjectedEmfile, Params, RetryParams, Size, SplitMix64, StreamFault,
    TransportFaults,
};
pub use planted::{HitRates, PlantedBug};
pub use store_coverage::{
    InFlight, Operation, PAIRED_OPERATIONS, Phase, StoreClassifier, StoreCorner, StoreSituation,
    StoreStep,
};
pub use threads::{Joiner, Latch, spawn};
pub use world::{CatalogueWorld, CounterSource, LogCall, LogWorld, StoreWorld, World};
