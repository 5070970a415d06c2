//! One seed replays one schedule exactly, and the determinism check fires
//! when something escapes the seed.

use std::sync::atomic::{AtomicUsize, Ordering};

use scenarios::Scenario;
use sim::drivers::{Campaign, Driver, RunId, replay_once};
use sim::platform::Event;
use sim::replay::{replay, replay_twice};
use store::PlantedBug;

#[test]
fn a_failing_schedule_replays_to_the_same_violation_and_trace() {
    let campaign = Campaign::new(Scenario::EarlyClose, Driver::Random, 3_000, 0)
        .planting(PlantedBug::CloseSkipsDrain);
    let failure = campaign.run().failure.expect("the planted bug is found");
    let run = failure.run.expect("a replayable id");
    let replayed = replay(run, Some(PlantedBug::CloseSkipsDrain));
    assert_eq!(replayed.determinism, Some(Ok(())));
    assert_eq!(replayed.execution.violation, failure.execution.violation);
    assert_eq!(replayed.execution.trace, failure.execution.trace);
}

#[test]
fn every_seeded_and_systematic_driver_replays_deterministically() {
    for driver in [
        Driver::Random,
        Driver::Pct { depth: 3 },
        Driver::Dfs,
        Driver::Loom {
            preemption_bound: 2,
        },
    ] {
        let number = if driver.is_seeded() { 0xC0FFEE } else { 7 };
        let run = RunId {
            scenario: Scenario::Stress,
            driver,
            number,
        };
        let replayed = replay(run, None);
        assert_eq!(replayed.determinism, Some(Ok(())), "{run}");
        assert!(!replayed.execution.trace.is_empty(), "{run} left no trace");
    }
}

#[test]
fn one_campaign_schedule_replays_alone_from_its_id() {
    let campaign = Campaign::new(Scenario::ConcurrentReaders, Driver::Pct { depth: 3 }, 5, 42);
    let seed = campaign.schedule_seed(3);
    let run = RunId {
        scenario: Scenario::ConcurrentReaders,
        driver: Driver::Pct { depth: 3 },
        number: seed,
    };
    let alone = replay_once(run, None);
    let again = replay_once(run, None);
    assert_eq!(alone.trace, again.trace);
}

#[test]
fn the_determinism_check_fires_on_a_nondeterministic_scenario() {
    // The scenario runs as usual, then reads a process-wide counter, which
    // no seed controls: the stand-in for a wall clock or thread-local RNG.
    static UNCONTROLLED: AtomicUsize = AtomicUsize::new(0);
    let run = RunId {
        scenario: Scenario::ConcurrentReaders,
        driver: Driver::Random,
        number: 1,
    };
    let replayed = replay_twice(|| {
        let mut execution = replay_once(run, None);
        let tick = UNCONTROLLED.fetch_add(1, Ordering::SeqCst);
        execution.trace.push(Event {
            thread: "main".to_owned(),
            what: format!("reads the uncontrolled counter: {tick}"),
        });
        execution
    });
    let divergence = replayed
        .determinism
        .expect("checked")
        .expect_err("the runs differ");
    assert_eq!(divergence.at, replayed.execution.trace.len());
    assert!(
        divergence.to_string().starts_with("HARNESS BUG"),
        "{divergence}"
    );
}

#[test]
fn a_loom_campaign_runs_exactly_its_budget() {
    let report = Campaign::new(
        Scenario::Stress,
        Driver::Loom {
            preemption_bound: 2,
        },
        37,
        0,
    )
    .run();
    assert!(report.failure.is_none());
    assert_eq!(report.schedules_run, 37);
}
