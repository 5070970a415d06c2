//! One seed replays one schedule exactly, and the determinism check fires
//! when something escapes the seed.

use std::sync::atomic::{AtomicUsize, Ordering};

use scenarios::PlantedBug;
use scenarios::Scenario;
use sim::engine::{Campaign, Driver, RunId, replay_once};
use sim::platform::{Event, What};
use sim::replay::{replay, replay_twice};
use sim::self_test::find;

#[test]
fn a_failing_schedule_replays_to_the_same_violation_and_trace() {
    // The self-test's search, whose budgets make a miss vanishingly rare.
    let search = find(PlantedBug::CloseSkipsDrain).expect("an oracle finds it");
    let failure = search.found().expect("the planted bug is found").clone();
    let run = failure.run.expect("a replayable id");
    let replayed = replay(run, Some(PlantedBug::CloseSkipsDrain)).expect("the run exists");
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
        let replayed = replay(run, None).expect("the run exists");
        assert_eq!(replayed.determinism, Some(Ok(())), "{run}");
        assert!(!replayed.execution.trace.is_empty(), "{run} left no trace");
    }
}

#[test]
fn a_campaigns_failing_schedule_replays_alone_from_its_id_to_the_same_trace() {
    let bug = PlantedBug::CloseSkipsDrain;
    let pct3 = Driver::Pct { depth: 3 };
    // Other schedules run first in this process, so the replay below shows
    // that nothing they left behind shaped the failing one.
    let earlier = Campaign::new(Scenario::EarlyClose, pct3, 20, 1).run();
    assert!(earlier.failure.is_none() && earlier.schedules_run == 20);
    let budget = sim::budget::driver_budget(bug, pct3).expect("a measured hit rate");
    let failure = Campaign::new(Scenario::EarlyClose, pct3, budget, 0)
        .planting(bug)
        .run()
        .failure
        .expect("pct finds close-skips-drain within its budget");
    let run = failure.run.expect("a seeded schedule has a run id");
    let alone = replay_once(run, Some(bug)).expect("a seed names a run");
    assert_eq!(alone.trace, failure.execution.trace);
    assert_eq!(
        alone.violation.map(|violation| violation.breach),
        Some(failure.breach())
    );
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
        let mut execution = replay_once(run, None)?;
        let tick = UNCONTROLLED.fetch_add(1, Ordering::SeqCst);
        // A delivery whose bytes come from the counter.
        execution.trace.push(Event {
            thread: "main".into(),
            what: What::Delivers {
                from: tick as u64,
                to: tick as u64 + 1,
                reported: None,
            },
        });
        Ok::<_, sim::engine::NoSuchRun>(execution)
    })
    .expect("a seed names a run");
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

const LOOM: Driver = Driver::Loom {
    preemption_bound: 2,
};

#[test]
fn an_execution_number_past_the_end_of_a_loom_search_names_no_run() {
    let past = RunId {
        scenario: Scenario::EarlyClose,
        driver: LOOM,
        number: 999_999_999,
    };
    let error = replay_once(past, None).expect_err("no such execution");
    let executions = Campaign::new(Scenario::EarlyClose, LOOM, 100_000, 0)
        .run()
        .schedules_run;
    assert_eq!(
        error.to_string(),
        format!(
            "loom2 explores {} executions of early-close; 999,999,999 is past the end",
            sim::engine::thousands(executions as u64)
        )
    );
    let last = RunId {
        number: executions as u64,
        ..past
    };
    assert!(replay_once(last, None).is_ok(), "the last execution exists");
}

#[test]
fn an_execution_past_the_failure_that_ends_a_search_names_no_run() {
    let bug = PlantedBug::CloseSkipsDrain;
    let failing = Campaign::new(Scenario::EarlyClose, LOOM, 100_000, 0)
        .planting(bug)
        .run()
        .failure
        .expect("loom finds the bug");
    let past = RunId {
        scenario: Scenario::EarlyClose,
        driver: LOOM,
        number: failing.schedule as u64 + 1,
    };
    let error = replay_once(past, Some(bug)).expect_err("the search stops at its failure");
    assert!(
        error.to_string().contains(&format!(
            "stops at execution {}, which fails",
            sim::engine::thousands(failing.schedule as u64)
        )),
        "{error}"
    );
    assert!(
        error.to_string().contains(&format!(
            "(sim replay early-close:loom2:{} --plant close-skips-drain)",
            failing.schedule
        )),
        "the error names the failing run with its bug: {error}"
    );
}

#[test]
fn a_dfs_execution_number_past_the_bound_names_no_run_without_running() {
    let far = "early-close:dfs:99999999".parse::<RunId>();
    assert!(
        far.is_err_and(|error| error.contains("names executions 1 to 100,000")),
        "a run id past the bound is refused when parsed"
    );
}
