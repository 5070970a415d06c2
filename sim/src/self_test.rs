//! How the harness proves itself: each historical bug, planted back into
//! the store, must be found by the scenario built to expose it.

use scenarios::{Oracle, Scenario};
use store::PlantedBug;

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
