//! `sim fuzz`: swarm runs, each named by one seed, in parallel child
//! processes, sharded across machines, deduplicated by signature.
//!
//! - [`seeds`]: which seeds a shard and a job run.
//! - [`job`]: the child side, one stream of seeds, one
//!   [`crate::child::Message::Run`] per run; failures replayed twice before
//!   they are reported.
//! - [`fleet`]: the parent side, jobs as processes under a watchdog; a
//!   crash or hang is re-run alone with the flight recorder, reported, and
//!   the job restarted after it.
//! - [`signature`]: what makes two failures one bug.
//! - [`report`]: progress (a bar on a terminal, a line every few seconds
//!   otherwise), JSON lines, the summary.

pub mod fleet;
pub mod job;
pub mod report;
pub mod seeds;
pub mod signature;
