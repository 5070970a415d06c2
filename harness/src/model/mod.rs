//! The model behind the facade (feature `model`): each primitive is an enum
//! over std's, shuttle's and loom's, chosen when it is made by the engine
//! running the calling thread ([`execution`]; an atomic's, at its first
//! use in each run, so that it may be a `static`), so one compiled test
//! runs under every engine. Outside any run a primitive is std's and behaves as
//! std's does, real timeouts included.

mod by_thread;
pub(crate) mod causality;
pub(crate) mod cell;
pub(crate) mod deadlock;
pub(crate) mod endless;
pub(crate) mod execution;
pub(crate) mod facts;
pub(crate) mod join_panics;
mod keys;
pub(crate) mod liveness;
pub(crate) mod local;
mod loom_park;
pub(crate) mod loom_pool;
pub(crate) mod outsider;
pub(crate) mod panic_sites;
pub(crate) mod peek;
mod per_run;
pub(crate) mod quiescence;
mod real_waits;
pub(crate) mod scope;
mod seq_cst;
pub(crate) mod shared;
mod spin_time;
pub(crate) mod sync;
pub(crate) mod system_time;
pub(crate) mod thread;
pub(crate) mod time;
mod timers;
pub(crate) mod turns;
pub(crate) mod written;
