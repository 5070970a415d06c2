//! The simulation harness: the simulated platform ([`platform`]) and the
//! drivers that run every scenario of the catalogue under shuttle, loom and
//! real threads ([`drivers`]).

pub mod child;
pub mod chrome_trace;
pub mod cli;
pub mod console;
pub mod corpus;
pub mod coverage;
pub mod engine;
pub mod flight;
pub mod fuzz;
pub mod interrupt;
pub mod isolation;
pub mod platform;
pub mod replay;
pub mod self_test;
pub mod shrink;
pub mod swarm;
