//! How the harness proves itself: each historical bug, planted back into
//! the store, must be found by the scenario built to expose it.

use scenarios::{Oracle, Scenario};
use store::PlantedBug;

use crate::drivers::{Campaign, Driver};

/// Every bug an oracle finds, with its home scenario and that oracle.
pub fn found_by_oracles() -> impl Iterator<Item = (PlantedBug, Scenario, Oracle)> {
    PlantedBug::ALL.into_iter().filter_map(|bug| {
        let (scenario, oracle) = home_of(bug)?;
        Some((bug, scenario, oracle))
    })
}

/// The scenario that exposes `bug`, and the oracle that breaks; `None` for
/// the bugs that crash the process, which no oracle sees
/// ([`PlantedBug::HARNESS_CRASHERS`]).
pub fn home_of(bug: PlantedBug) -> Option<(Scenario, Oracle)> {
    Some(match bug {
        PlantedBug::WaitLoopIgnoresClosing => (Scenario::ReadCloseInFlight, Oracle::NoNeedlessWait),
        PlantedBug::NoRecheckAfterRegistration => {
            (Scenario::EarlyClose, Oracle::NoAccessAfterClose)
        }
        PlantedBug::CloseSkipsDrain => (Scenario::EarlyClose, Oracle::NoAccessAfterClose),
        PlantedBug::CloseWaitsHoldingLock => {
            (Scenario::ReadCloseInFlight, Oracle::NoBlockingUnderLock)
        }
        PlantedBug::NonStandardClosedError => (
            Scenario::ReadCloseInFlight,
            Oracle::ReadsAfterCloseGetClosed,
        ),
        PlantedBug::PartialReadReturnsZero => {
            (Scenario::ConcurrentReaders, Oracle::PartialReadCount)
        }
        PlantedBug::StateSharedBetweenStores => {
            (Scenario::MultiFileParallelism, Oracle::StoresIndependent)
        }
        PlantedBug::EarlyCloseLeavesDownloader => {
            (Scenario::EarlyClose, Oracle::NoAccessAfterClose)
        }
        PlantedBug::PublishBeforeWrite => (Scenario::ConcurrentReaders, Oracle::DataIntegrity),
        PlantedBug::ReleaseSkipsRemove => (Scenario::ConcurrentReaders, Oracle::NoLeak),
        PlantedBug::DeadlineGivesUpEarly => {
            (Scenario::CloseDeadlineInFlight, Oracle::CloseCompletes)
        }
        PlantedBug::ReleaseWithoutNotify => (Scenario::EarlyClose, Oracle::NoDeadlock),
        PlantedBug::SilentProgress => (Scenario::ReadsDuringStall, Oracle::NoNeedlessWait),
        PlantedBug::BackoffIgnoresClosing => {
            (Scenario::EarlyClose, Oracle::CloseDoesNotWaitOnTimers)
        }
        PlantedBug::RetryCountIgnoresProgress => {
            (Scenario::TransportResetResume, Oracle::RetryPolicyHonoured)
        }
        PlantedBug::AbortsProcess | PlantedBug::SpinsForever => return None,
    })
}

/// The driver that finds `bug` fastest in its home scenario, with its median
/// number of schedules to the first failure over 10 campaign seeds, as
/// measured for `docs/self-test.md`. Tests give that driver at least ten
/// times the median: a budget near the median is flaky by design, since
/// any extra scheduling point in the store moves every schedule.
pub fn fastest_driver(bug: PlantedBug) -> (Driver, usize) {
    const RANDOM: Driver = Driver::Random;
    const PCT: Driver = Driver::Pct { depth: 3 };
    match bug {
        PlantedBug::NoRecheckAfterRegistration => (PCT, 45),
        PlantedBug::CloseSkipsDrain => (PCT, 281),
        PlantedBug::EarlyCloseLeavesDownloader => (RANDOM, 1571),
        PlantedBug::PublishBeforeWrite => (RANDOM, 16),
        PlantedBug::ReleaseWithoutNotify | PlantedBug::SilentProgress => (RANDOM, 2),
        PlantedBug::BackoffIgnoresClosing => (PCT, 26),
        PlantedBug::RetryCountIgnoresProgress => (RANDOM, 4),
        PlantedBug::StateSharedBetweenStores => (PCT, 1),
        PlantedBug::WaitLoopIgnoresClosing
        | PlantedBug::CloseWaitsHoldingLock
        | PlantedBug::NonStandardClosedError
        | PlantedBug::PartialReadReturnsZero
        | PlantedBug::ReleaseSkipsRemove
        | PlantedBug::DeadlineGivesUpEarly
        | PlantedBug::AbortsProcess
        | PlantedBug::SpinsForever => (RANDOM, 1),
    }
}

/// The smallest budget [`finding_campaign`] gives any bug.
pub const MIN_FINDING_BUDGET: usize = 100;

/// The campaign tests run to find `bug`: its home scenario under its
/// fastest driver, with ten times that driver's median budget (at least
/// [`MIN_FINDING_BUDGET`]), campaign seed 0, the bug planted; `None` for
/// the bugs no oracle finds.
pub fn finding_campaign(bug: PlantedBug) -> Option<Campaign> {
    let (scenario, _) = home_of(bug)?;
    let (driver, median) = fastest_driver(bug);
    let budget = (10 * median).max(MIN_FINDING_BUDGET);
    Some(Campaign::new(scenario, driver, budget, 0).planting(bug))
}
