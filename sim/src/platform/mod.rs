//! The simulated platform: everything nondeterministic the store sees,
//! either drawn from the run's seed or chosen by the scheduler.
//!
//! - [`SimRuntime`] wraps a scheduler's runtime: tracks held locks per thread
//!   (a blocking wait while holding another lock is a violation), fires timed
//!   waits as a scheduler choice on virtual time, names threads uniquely.
//! - [`VirtualClock`]: time that moves only when a timed wait fires.
//! - [`ScriptedTransport`]: the object's bytes, delivered per a fault plan.
//! - [`CheckedFiles`]: in-memory temp files that report misuse and leaks.

mod clock;
mod files;
mod model;
mod runtime;
mod trace;
mod transport;
mod world;

pub use clock::VirtualClock;
pub use files::CheckedFiles;
pub use model::ModelRuntime;
pub use runtime::SimRuntime;
pub use trace::{Event, Note, Trace, first_divergence, format_trace, no_note, trace_hash};
pub use transport::ScriptedTransport;
pub use world::SimWorld;
