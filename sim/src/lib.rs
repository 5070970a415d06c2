//! The simulation harness: the simulated platform ([`platform`]), the
//! exploration engines that run every scenario of the catalogue under
//! shuttle, loom and real threads ([`engine`]), and what is built on them:
//! replay, shrinking, the corpus, swarm fuzzing, and the `sim` command
//! line ([`cli`]). ARCHITECTURE.md at the repository's root draws the
//! layers.
//!
//! The public modules are the harness's face for tests, examples and other
//! projects; the rest is `sim`'s own machinery.

pub mod budget;
pub mod chrome_trace;
pub mod cli;
pub mod console;
pub mod corpus;
pub mod coverage;
pub mod engine;
pub mod isolation;
pub mod platform;
pub mod replay;
pub mod self_test;

mod child;
mod flight;
mod fuzz;
mod interrupt;
mod shrink;
mod swarm;
