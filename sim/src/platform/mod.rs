//! The simulated platform: everything nondeterministic the store sees,
//! either drawn from the run's seed or chosen by the scheduler.
//!
//! - [`SimRuntime`] wraps a scheduler's runtime: tracks held locks per thread
//!   (a blocking wait while holding another lock is a violation), fires timed
//!   waits as a scheduler choice on virtual time, names threads uniquely.
//! - [`VirtualClock`]: time that moves only when a timed wait fires.
//! - [`ScriptedTransport`]: the object's bytes, delivered per a fault plan,
//!   and [`CheckedFiles`]: in-memory temp files that report misuse and
//!   leaks. Both are the store's own doubles (`scenarios::doubles`); the
//!   simulator hosts them (`host.rs`): their steps go into the trace and
//!   the facts, and under loom reads not ordered after the writes they
//!   read are caught (`happens_before.rs`).
//! - [`Facts`]: which file and downloader belong to which store, and which
//!   call each thread is in, for the liveness oracles judged at every
//!   [`Quiescence`] (see `world.rs`).

mod clock;
mod event;
mod happens_before;
mod host;
mod model;
mod panics;
mod perturb;
mod runtime;
mod trace;
mod wait_for;
mod world;

pub use clock::VirtualClock;
pub use event::{QueueCall, Site, TimedEnd, What};
pub use scenarios::Outcome;
pub use scenarios::{Call, Span};

/// The platform's facts of one execution, its threads named by their keys.
pub type Facts = scenarios::Facts<ThreadKey>;
/// What the platform saw of one store.
pub type StoreFacts = scenarios::StoreFacts<ThreadKey>;
pub use happens_before::{DataRace, take_data_race};
pub use model::{ModelRuntime, ThreadKey};
pub use panics::{SourceSite, mark_simulating, simulating, take_first_panic};
pub use perturb::{PERTURB_ENV, Perturbation, Perturbations};
pub use runtime::{
    Blocked, BlockedThread, Blocking, EndJudge, Quiescence, QuiescenceJudge, SimRuntime, SimThread,
    Sleeper, ThreadPanic, WaitBegins, WaitFor, WaitJudge, peeking,
};
pub use scenarios::doubles::{
    CheckedFiles, FailureWatch, FileOp, FileResult, ScriptedTransport, TransportFault, WrittenBytes,
};
pub use trace::{Event, Recorder, Trace, first_divergence, format_trace, no_recorder, trace_hash};
pub use world::SimWorld;
