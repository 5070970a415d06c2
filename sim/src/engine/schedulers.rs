//! PCT's step bound per scenario; the seeded schedulers themselves are the
//! harness library's (`harness::schedule`).

use scenarios::Scenario;

pub(super) use harness::schedule::{Recording, SeedStream, SeededScheduler, Strategy, serialize};

/// PCT's step bound for `scenario`: the 90th percentile of its executions'
/// steps with a choice (more than one thread runnable: the only steps PCT
/// counts), over 40 seeded random schedules each, so that PCT's change
/// points land inside most runs rather than after their end. Measured by
/// `cargo test --release -p sim --lib -- --ignored pct_step_bounds`.
/// Part of what a `pct` run id means: changing it changes every PCT schedule.
pub(super) fn pct_step_bound(scenario: Scenario) -> usize {
    match scenario {
        Scenario::ReadsDuringStall => 19,
        Scenario::DropDuringDownload => 42,
        Scenario::EarlyClose => 48,
        Scenario::CloseDuringBackoff => 67,
        Scenario::LogShutdownRaces => 84,
        Scenario::LogSinkStalls => 91,
        Scenario::DeadlineWithReaderInside => 93,
        Scenario::SharedHandle => 97,
        Scenario::LogManyProducers => 102,
        Scenario::HandlesRaceClose => 105,
        Scenario::LogSinkSlow => 111,
        Scenario::MultiFileStaging => 112,
        Scenario::ConcurrentReaders => 116,
        Scenario::FailedDownloadReads => 116,
        Scenario::TransportResetResume => 116,
        Scenario::HandleAcrossClose => 123,
        Scenario::DropWhileReading => 127,
        Scenario::ReadCloseBarrier => 129,
        Scenario::DiskFull => 142,
        Scenario::PermanentTransportError => 142,
        Scenario::Stress => 142,
        Scenario::ConcurrentCloses => 168,
        Scenario::ReadCloseInFlight => 172,
        Scenario::CloseDeadlineInFlight => 175,
        Scenario::MultiFileParallelism => 246,
        Scenario::MountReplies => 283,
    }
}
