//! The harness proves itself: each historical bug of the design and each
//! oracle's canary, planted back into the store, is found in its home
//! scenario and reported as a violation of the oracle that guards against
//! it. How every driver fares is the table in `docs/self-test.md`.
//!
//! Each test runs the self-test's search (`sim::self_test::find`): random,
//! then PCT, with campaign seed 0, each with a budget set from the measured
//! share of failing schedules, so that both miss with a chance below one in
//! a million even if a harmless store change made failing schedules four
//! times rarer than the rarest measured under every perturbation.

use scenarios::{Oracle, Scenario};
use sim::engine::{Breach, Campaign, Driver};
use sim::self_test::{find, found_by_oracles};
use store::PlantedBug;

const LOOM: Driver = Driver::Loom {
    preemption_bound: 2,
};

fn harness_finds(bug: PlantedBug) {
    let search = find(bug).expect("an oracle finds this bug");
    assert!(
        search.found().is_some(),
        "{} went unnoticed by {}: {:?}",
        bug.name(),
        search.scenario.name(),
        search
            .attempts
            .iter()
            .map(|attempt| (
                attempt.driver.to_string(),
                attempt.schedules_run,
                attempt.failure.as_ref().map(|failure| failure.breach())
            ))
            .collect::<Vec<_>>()
    );
}

macro_rules! harness_finds {
    ($($test:ident: $bug:ident,)*) => {
        $(
            #[test]
            fn $test() {
                harness_finds(PlantedBug::$bug);
            }
        )*

        #[test]
        fn every_bug_an_oracle_finds_has_a_test() {
            let tested = [$(PlantedBug::$bug),*];
            let found: Vec<PlantedBug> = found_by_oracles().map(|(bug, _, _)| bug).collect();
            assert_eq!(tested.to_vec(), found);
        }
    };
}

harness_finds! {
    harness_finds_a_wait_loop_that_ignores_closing: WaitLoopIgnoresClosing,
    harness_finds_a_missing_recheck_after_registration: NoRecheckAfterRegistration,
    harness_finds_a_close_that_skips_draining_readers: CloseSkipsDrain,
    harness_finds_a_close_that_waits_holding_the_lock: CloseWaitsHoldingLock,
    harness_finds_a_non_standard_closed_error: NonStandardClosedError,
    harness_finds_a_partial_read_that_reports_zero: PartialReadReturnsZero,
    harness_finds_state_shared_between_stores: StateSharedBetweenStores,
    harness_finds_an_early_close_that_leaves_the_downloader_running: EarlyCloseLeavesDownloader,
    harness_finds_progress_published_before_the_write: PublishBeforeWrite,
    harness_finds_a_release_that_never_removes_the_file: ReleaseSkipsRemove,
    harness_finds_a_deadline_close_that_gives_up_early: DeadlineGivesUpEarly,
    harness_finds_a_release_that_wakes_nobody: ReleaseWithoutNotify,
    harness_finds_progress_that_never_wakes_readers: SilentProgress,
    harness_finds_a_backoff_that_makes_close_wait_for_its_timer: BackoffIgnoresClosing,
    harness_finds_a_retry_count_that_ignores_progress: RetryCountIgnoresProgress,
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
        let report = Campaign::new(scenario, LOOM, 10_000, 0)
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
            failure.breach(),
            Breach::Oracle(Oracle::NoLeak),
            "{}: {failure}",
            scenario.name()
        );
    }
}
