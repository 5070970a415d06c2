//! The logger's scenarios registered with the harness library, exactly as
//! a crate outside this workspace registers its own: `harness::Scenario`
//! rows whose bodies run the catalogue's own logger scenarios on the
//! library's facade (`HarnessRuntime`, `HarnessClock`). Every engine of the
//! library, and its `run`, `replay`, `shrink`, `fuzz` and `corpus`, then
//! serve the logger (`src/bin/logger-sim.rs` is the command line).
//!
//! Each run draws its shape (producers, lines, the queue's places, how
//! main shuts down) from the run's data seed (`harness::check::data_seed`),
//! as the simulator draws one per seed: a seeded engine varies the shape
//! with the schedule, and DFS and loom search the schedules of one. The world tells the library each
//! never-waits section, and records each call of the logger among the run's
//! facts (`harness::check::record`, a typed `LogCall`), where a failure shows them and where
//! [`LoggerCoverage`] classifies them into the logger's matrix
//! ([`LogCell`]), with the queue's calls and the writer's parks.

use harness::Scenario;
use harness::check::{Fact, Op, QueueCall, ThreadKey};
use harness::coverage::{Classifier, Reached};
use store::{Plant, StoreOptions};

use super::FacadeWorld;
use crate::catalogue::logger::{
    LogManyProducers, LogShutdownRaces, LogSinkSlow, LogSinkStalls, LogSpec, drawn_params, run_on,
};
use crate::{LogCall, LogCell, LogClassifier, LogStep, LogWorld, PlantedBug};

/// Every logger scenario of the catalogue, and each logger canary in its
/// home scenario (`HOME--CANARY`), each described as the catalogue
/// describes it.
pub const LOGGER_SCENARIOS: &[Scenario] = &[
    Scenario::new(
        "log-sink-stalls",
        "logger: the sink stalls; producers drop lines, never wait, drops counted",
        || on_the_library(&LogSinkStalls, None),
    ),
    Scenario::new(
        "log-sink-slow",
        "logger: the sink drains slowly; nothing lost while there is room",
        || on_the_library(&LogSinkSlow, None),
    ),
    Scenario::new(
        "log-many-producers",
        "logger: many producers, a small queue; every queued line arrives",
        || on_the_library(&LogManyProducers, None),
    ),
    Scenario::new(
        "log-shutdown-races",
        "logger: shutdown while producers log, or with lines queued; none of them lost",
        || on_the_library(&LogShutdownRaces, None),
    ),
    Scenario::new(
        "log-sink-stalls--logger-blocks-when-full",
        "logger canary: a producer waits for room when the queue is full",
        || on_the_library(&LogSinkStalls, Some(PlantedBug::LoggerBlocksWhenFull)),
    ),
    Scenario::new(
        "log-sink-stalls--logger-drops-with-room",
        "logger canary: a line is dropped while one place is free",
        || on_the_library(&LogSinkStalls, Some(PlantedBug::LoggerDropsWithRoom)),
    ),
    Scenario::new(
        "log-many-producers--logger-miscounts-drops",
        "logger canary: drops are counted by a load and a store, losing concurrent ones",
        || on_the_library(&LogManyProducers, Some(PlantedBug::LoggerMiscountsDrops)),
    ),
    Scenario::new(
        "log-many-producers--logger-forgets-to-wake",
        "logger canary: producers never wake the writer, which sleeps with lines queued",
        || on_the_library(&LogManyProducers, Some(PlantedBug::LoggerForgetsToWake)),
    ),
    Scenario::new(
        "log-shutdown-races--shutdown-skips-drain",
        "logger canary: the writer stops as soon as it sees shutdown, lines still queued",
        || on_the_library(&LogShutdownRaces, Some(PlantedBug::ShutdownSkipsDrain)),
    ),
    Scenario::new(
        "log-shutdown-races--logger-trusts-its-room-check",
        "logger canary: a push that lost the last place after a length check answers Queued",
        || {
            on_the_library(
                &LogShutdownRaces,
                Some(PlantedBug::LoggerTrustsItsRoomCheck),
            )
        },
    ),
];

/// Runs `spec` once on the facade, in the shape the run's data seed
/// draws, `planted` planted.
fn on_the_library(spec: &impl LogSpec, planted: Option<PlantedBug>) {
    let params = spec.adapt(drawn_params(harness::check::data_seed()));
    let options = StoreOptions::default().with_plant(planted.map(|bug| Plant::at(bug.name())));
    run_on(spec, &FacadeWorld::default(), &params, &options);
}

impl LogWorld for FacadeWorld {
    #[track_caller]
    fn log_call_begins(&self, call: LogCall) {
        harness::check::record(call);
    }

    #[track_caller]
    fn log_call_returns(&self) {
        harness::check::note("returns");
    }
}

/// The logger's coverage on the library: its classifier
/// ([`LogClassifier`]) over the run's facts. A call begins where the world
/// recorded it (a `LogCall`, read back by its type); the
/// writer waits in a park, as the logger's runtime parks it.
#[derive(Debug, Default)]
pub struct LoggerCoverage(LogClassifier<ThreadKey>);

impl Classifier for LoggerCoverage {
    type Situation = LogCell;

    fn see(&mut self, fact: &Fact, reached: &mut Reached<LogCell>) {
        let step = match fact.op {
            Op::Queue {
                call,
                len,
                capacity,
            } => LogStep::Queue {
                popped: matches!(call, QueueCall::Pop { .. }),
                len,
                capacity,
            },
            Op::Recorded(ref value) => match value.get::<LogCall>() {
                Some(&call) => LogStep::CallBegins(call),
                None => LogStep::Other,
            },
            Op::Park | Op::Wait | Op::TimedWait(_) => LogStep::Waits,
            Op::ThreadEnds => LogStep::Finishes,
            _ => LogStep::Other,
        };
        self.0.see(&fact.thread, step, |call, state| {
            reached.insert(LogCell(call, state));
        });
    }
}
