//! Every scenario of the catalogue under every driver, against the correct
//! store: no oracle may break and no schedule may deadlock.
//!
//! Seeded drivers draw each schedule's parameters from its seed, so these
//! runs also cover the parameter space; the proptest below does the same for
//! loom-sized parameters, which loom's defaults do not vary.
//!
//! Budgets are sized so the whole workspace suite stays within minutes on 2
//! cores; `SIM_BUDGET_SCALE=N` multiplies every budget by N for a deeper run
//! (`sim fuzz`-style long runs belong in nightly CI, not here).

use std::path::Path;
use std::time::Duration;

use proptest::prelude::*;
use scenarios::{Params, Scenario, Size};
use sim::coverage::{Situation, StoreCorner};
use sim::engine::{Campaign, Driver};
use sim::isolation::{ChildCampaign, ChildOutcome};

/// `sim explore`'s budget of each engine is this many times what a test
/// campaign runs before scaling: shuttle runs cost ~0.1-0.3 ms each, a loom
/// schedule ~0.15 ms, a real-thread repetition ~0.5 ms.
const SHARE_OF_EXPLORE: usize = 5;

fn budget(driver: Driver) -> usize {
    driver.engine().default_budget() / SHARE_OF_EXPLORE * scale()
}

fn scale() -> usize {
    std::env::var("SIM_BUDGET_SCALE")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(1)
}

/// Runs each campaign in a child process, as `sim explore` does, so that a
/// store bug that aborts or hangs is reported with its run id and last
/// events instead of taking the test binary down.
fn holds_under_every_driver(scenario: Scenario) {
    for driver in Driver::ALL {
        let campaign = Campaign::new(scenario, driver, budget(driver), 0x5EED);
        let child = ChildCampaign {
            exe: Path::new(env!("CARGO_BIN_EXE_sim")),
            campaign: &campaign,
            watchdog: Duration::from_secs(600),
            save_to: None,
        };
        let outcome = child.run().expect("the sim executable runs");
        match outcome {
            ChildOutcome::Finished {
                schedules,
                failed: false,
                ..
            } => assert!(schedules > 0, "{campaign:?} ran nothing"),
            ChildOutcome::Finished { stdout, .. } => panic!("{campaign:?} failed:\n{stdout}"),
            ChildOutcome::Crashed(crash) => panic!("{campaign:?}:\n{crash}"),
            ChildOutcome::Interrupted => panic!("{campaign:?} was interrupted"),
        }
    }
}

macro_rules! every_driver {
    ($($test:ident: $scenario:ident,)*) => {
        $(
            #[test]
            fn $test() {
                holds_under_every_driver(Scenario::$scenario);
            }
        )*

        #[test]
        fn the_whole_catalogue_is_explored() {
            let explored = [$(Scenario::$scenario),*];
            assert_eq!(explored, Scenario::ALL);
        }
    };
}

every_driver! {
    concurrent_readers_hold_under_every_driver: ConcurrentReaders,
    read_close_barrier_holds_under_every_driver: ReadCloseBarrier,
    read_close_in_flight_holds_under_every_driver: ReadCloseInFlight,
    multi_file_parallelism_holds_under_every_driver: MultiFileParallelism,
    multi_file_staging_holds_under_every_driver: MultiFileStaging,
    early_close_holds_under_every_driver: EarlyClose,
    stress_holds_under_every_driver: Stress,
    transport_reset_resume_holds_under_every_driver: TransportResetResume,
    permanent_transport_error_holds_under_every_driver: PermanentTransportError,
    disk_full_holds_under_every_driver: DiskFull,
    close_deadline_in_flight_holds_under_every_driver: CloseDeadlineInFlight,
    deadline_with_reader_inside_holds_under_every_driver: DeadlineWithReaderInside,
    close_during_backoff_holds_under_every_driver: CloseDuringBackoff,
    reads_during_stall_hold_under_every_driver: ReadsDuringStall,
    failed_download_reads_hold_under_every_driver: FailedDownloadReads,
    drop_while_reading_holds_under_every_driver: DropWhileReading,
    concurrent_closes_hold_under_every_driver: ConcurrentCloses,
    drop_during_download_holds_under_every_driver: DropDuringDownload,
    handles_race_close_holds_under_every_driver: HandlesRaceClose,
    handle_across_close_holds_under_every_driver: HandleAcrossClose,
    shared_handle_holds_under_every_driver: SharedHandle,
    mount_replies_holds_under_every_driver: MountReplies,
    log_sink_stalls_holds_under_every_driver: LogSinkStalls,
    log_sink_slow_holds_under_every_driver: LogSinkSlow,
    log_many_producers_hold_under_every_driver: LogManyProducers,
    log_shutdown_races_hold_under_every_driver: LogShutdownRaces,
}

#[test]
fn close_deadline_fires_in_some_shuttle_schedules_and_not_in_others() {
    let schedules = 200;
    let report = Campaign::new(
        Scenario::CloseDeadlineInFlight,
        Driver::Random,
        schedules,
        1,
    )
    .run();
    assert!(report.failure.is_none(), "{:?}", report.failure);
    let fired = report
        .coverage
        .runs(Situation::Corner(StoreCorner::CloseDeadlineFires));
    assert!(
        fired > 0 && fired < schedules as u64,
        "the deadline fired in {fired} of {schedules} schedules"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24 * scale() as u32, ..ProptestConfig::default() })]

    #[test]
    fn every_scenario_holds_for_any_loom_sized_parameters(
        params in Params::strategy(Size::Loom),
        scenario in proptest::sample::select(Scenario::ALL.to_vec()),
    ) {
        let campaign = Campaign {
            params: Some(scenario.spec().adapt(params)),
            ..Campaign::new(scenario, Driver::Loom { preemption_bound: 1 }, 300, 0)
        };
        let report = campaign.run();
        if let Some(failure) = report.failure {
            prop_assert!(false, "{}: {:?}\n{failure}", scenario.name(), campaign.params);
        }
    }
}
