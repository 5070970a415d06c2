//! The harness proves itself: each historical bug of the design, planted
//! back into the store, is found in its home scenario by the drivers listed,
//! and reported as a violation of the oracle that guards against it.
//!
//! Seeds are fixed, so each test is deterministic under shuttle and loom;
//! the budgets leave a wide margin over the schedule counts measured in
//! `docs/self-test.md`. A test fails if the harness stops finding its bug.

use scenarios::{Oracle, Scenario};
use sim::drivers::{Campaign, Driver};
use sim::self_test::{found_by_oracles, home_of};
use store::PlantedBug;

const RANDOM: Driver = Driver::Random;
const PCT: Driver = Driver::Pct { depth: 3 };
const LOOM: Driver = Driver::Loom {
    preemption_bound: 2,
};

fn budget(driver: Driver) -> usize {
    match driver {
        Driver::Random | Driver::Pct { .. } | Driver::Dfs => 3_000,
        Driver::Loom { .. } => 10_000,
        Driver::Threads => 20,
    }
}

fn harness_finds(bug: PlantedBug, drivers: &[Driver]) {
    let (scenario, oracle) = home_of(bug).expect("an oracle finds this bug");
    for &driver in drivers {
        let report = Campaign::new(scenario, driver, budget(driver), 0)
            .planting(bug)
            .run();
        let failure = report.failure.unwrap_or_else(|| {
            panic!(
                "{} went unnoticed by {} under {driver} in {} schedules",
                bug.name(),
                scenario.name(),
                report.schedules_run
            )
        });
        assert_eq!(
            failure.oracle(),
            oracle,
            "{} under {driver}: {failure}",
            bug.name()
        );
    }
}

const EVERY_DRIVER: [Driver; 5] = Driver::ALL;

#[test]
fn harness_finds_a_wait_loop_that_ignores_closing() {
    harness_finds(PlantedBug::WaitLoopIgnoresClosing, &EVERY_DRIVER);
}

#[test]
fn harness_finds_a_missing_recheck_after_registration() {
    harness_finds(PlantedBug::NoRecheckAfterRegistration, &[RANDOM, PCT, LOOM]);
}

#[test]
fn harness_finds_a_close_that_skips_draining_readers() {
    harness_finds(PlantedBug::CloseSkipsDrain, &[RANDOM, PCT, LOOM]);
}

#[test]
fn harness_finds_a_close_that_waits_holding_the_lock() {
    harness_finds(PlantedBug::CloseWaitsHoldingLock, &EVERY_DRIVER);
}

#[test]
fn harness_finds_a_non_standard_closed_error() {
    harness_finds(PlantedBug::NonStandardClosedError, &EVERY_DRIVER);
}

#[test]
fn harness_finds_a_partial_read_that_reports_zero() {
    harness_finds(PlantedBug::PartialReadReturnsZero, &EVERY_DRIVER);
}

#[test]
fn harness_finds_state_shared_between_stores() {
    harness_finds(PlantedBug::StateSharedBetweenStores, &EVERY_DRIVER);
}

#[test]
fn harness_finds_an_early_close_that_leaves_the_downloader_running() {
    harness_finds(PlantedBug::EarlyCloseLeavesDownloader, &[RANDOM, LOOM]);
}

#[test]
fn harness_finds_progress_published_before_the_write() {
    harness_finds(PlantedBug::PublishBeforeWrite, &[RANDOM, PCT, LOOM]);
}

#[test]
fn harness_finds_a_release_that_never_removes_the_file() {
    harness_finds(PlantedBug::ReleaseSkipsRemove, &EVERY_DRIVER);
}

#[test]
fn harness_finds_a_deadline_close_that_gives_up_early() {
    harness_finds(PlantedBug::DeadlineGivesUpEarly, &EVERY_DRIVER);
}

#[test]
fn harness_finds_a_release_that_wakes_nobody() {
    harness_finds(PlantedBug::ReleaseWithoutNotify, &[RANDOM, PCT, LOOM]);
}

#[test]
fn harness_finds_progress_that_never_wakes_readers() {
    harness_finds(PlantedBug::SilentProgress, &[RANDOM, PCT, LOOM]);
}

#[test]
fn harness_finds_a_backoff_that_makes_close_wait_for_its_timer() {
    harness_finds(PlantedBug::BackoffIgnoresClosing, &[RANDOM, PCT, LOOM]);
}

#[test]
fn harness_finds_a_retry_count_that_ignores_progress() {
    harness_finds(PlantedBug::RetryCountIgnoresProgress, &[RANDOM, PCT]);
}

#[test]
fn every_oracle_is_seen_to_fire_on_some_planted_bug() {
    let fired: std::collections::BTreeSet<Oracle> =
        found_by_oracles().map(|(_, _, oracle)| oracle).collect();
    for oracle in Oracle::ALL {
        assert!(fired.contains(&oracle), "no planted bug exercises {oracle}");
    }
}

#[test]
fn every_scenario_fails_on_a_planted_bug() {
    // Every scenario releases every store it opens (by close, or by the
    // last handle dropped), so each must notice a release that never
    // removes the file.
    for scenario in Scenario::ALL {
        let report = Campaign::new(scenario, LOOM, budget(LOOM), 0)
            .planting(PlantedBug::ReleaseSkipsRemove)
            .run();
        let failure = report.failure.unwrap_or_else(|| {
            panic!(
                "{} never failed in {} schedules",
                scenario.name(),
                report.schedules_run
            )
        });
        assert_eq!(
            failure.oracle(),
            Oracle::NoLeak,
            "{}: {failure}",
            scenario.name()
        );
    }
}
