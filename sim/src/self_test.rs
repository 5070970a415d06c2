//! How the harness proves itself: each historical bug, planted back into
//! the store, must be found by the scenario built to expose it.

use scenarios::{Oracle, Scenario};
use store::PlantedBug;

/// The scenario that exposes `bug`, and the oracle that breaks.
pub fn home_of(bug: PlantedBug) -> (Scenario, Oracle) {
    match bug {
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
    }
}
