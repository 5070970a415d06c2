//! `sim fuzz`: swarm runs, each named by one seed, in parallel child
//! processes, sharded across machines, deduplicated by signature
//! ([`crate::engine::Signature`]).
//!
//! - [`seeds`]: which seeds a shard and a job run.
//! - [`job`]: the child side, one stream of seeds, one
//!   [`crate::child::Message::Run`] per run; failures replayed twice before
//!   they are reported.
//! - [`fleet`]: the parent side, jobs as processes under a watchdog; a
//!   crash or hang is re-run alone with the flight recorder, reported, and
//!   the job restarted after it.
//! - [`report`]: progress (a bar on a terminal, a line every few seconds
//!   otherwise), JSON lines, the summary.

pub(crate) mod fleet;
pub(crate) mod job;
pub(crate) mod report;
pub(crate) mod seeds;
