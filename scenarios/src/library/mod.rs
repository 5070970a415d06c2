//! The catalogue registered with the harness library, exactly as a crate
//! outside this workspace registers its own component: `harness::Scenario`
//! rows whose bodies run the catalogue's own scenarios on the library's
//! facade. Every engine of the library, and its `run`, `replay`, `shrink`,
//! `fuzz`, `corpus` and `coverage`, then serve them.
//!
//! - `logger.rs`: the logger's scenarios and canaries, and its coverage
//!   matrix (`src/bin/logger-sim.rs` is their command line).
//! - `store.rs`: the store's and the mount's scenarios, on the store's own
//!   doubles (`src/bin/store-sim.rs`).
//!
//! Both run in a `FacadeWorld`: threads, locks and waits of the facade
//! (`HarnessRuntime`), the run's virtual clock (`HarnessClock`), and the
//! library's own never-waits oracle.

mod liveness;
mod logger;
mod store;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use ::store::Clock;
use ::store::runtime::harness::{HarnessClock, HarnessRuntime};

pub use logger::{LOGGER_SCENARIOS, LoggerCoverage};
pub use store::{StoreCoverage, store_scenarios};

use harness::check::{BlockingViolation, Deadlock, Failure};

use crate::doubles::{CheckedFiles, FailureWatch, Host};
use crate::{Oracle, Violation, World};
use liveness::Ledger;

/// The oracle of the catalogue a failure on the library was raised by,
/// read from the value its run raised, typed: a catalogue violation, or
/// one of the model's own oracles (a deadlock it saw among them), which
/// the catalogue names too. `None` for a failure nothing raised (a
/// deadlock only an engine saw, a panic of the code under test).
pub fn oracle_raised(failure: &Failure) -> Option<Oracle> {
    let raised = failure.raised.as_ref()?;
    if let Some(violation) = raised.get::<Violation>() {
        return Some(violation.oracle);
    }
    if raised.get::<Deadlock>().is_some() {
        return Some(Oracle::NoDeadlock);
    }
    match raised.get::<BlockingViolation>()? {
        BlockingViolation::WaitsUnderLock { .. } => Some(Oracle::NoBlockingUnderLock),
        BlockingViolation::BlocksWhereItMustNot { .. } => Some(Oracle::NeverWaits),
        _ => None,
    }
}

/// The world every subject of the catalogue runs in on the library. Made
/// inside the run it serves (the facade's primitives belong to one
/// execution); clones share everything.
#[derive(Clone)]
struct FacadeWorld {
    runtime: HarnessRuntime,
    clock: HarnessClock,
    /// The store's doubles' host.
    host: Arc<dyn Host>,
    /// Every store's temp files, in one registry (leaks are checked
    /// across stores).
    files: CheckedFiles,
    /// Each store's transport, to wait for its failures.
    transports: Arc<Mutex<BTreeMap<&'static str, FailureWatch<HarnessRuntime>>>>,
    /// What the store's liveness is judged from.
    ledger: Ledger,
}

impl Default for FacadeWorld {
    /// A world whose store's liveness is judged at each quiescent moment
    /// of the run.
    fn default() -> FacadeWorld {
        let ledger = Ledger::default();
        let host: Arc<dyn Host> = Arc::new(store::FacadeHost::new(ledger.clone()));
        let files = CheckedFiles::new(Arc::clone(&host));
        let judged = (ledger.clone(), files.clone());
        harness::check::at_quiescence(move |moment| judged.0.judge(&judged.1, moment));
        let clock = HarnessClock::default();
        let at_wait = ledger.clone();
        harness::check::at_each_wait(move |wait| at_wait.judge_wait(wait, clock.now()));
        FacadeWorld {
            runtime: HarnessRuntime,
            clock,
            files,
            host,
            transports: Arc::default(),
            ledger,
        }
    }
}

impl World for FacadeWorld {
    type Runtime = HarnessRuntime;
    type Clock = HarnessClock;

    fn runtime(&self) -> &HarnessRuntime {
        &self.runtime
    }

    fn clock(&self) -> &HarnessClock {
        &self.clock
    }

    #[track_caller]
    fn never_waits_begins(&self, _call: &'static str) {
        harness::check::never_waits_begins();
    }

    fn never_waits_returns(&self) {
        harness::check::never_waits_ends();
    }
}
