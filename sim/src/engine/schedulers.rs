//! PCT's step bound per scenario; the seeded schedulers themselves are the
//! harness library's (`harness::schedule`).

use scenarios::Scenario;

pub(super) use harness::schedule::{Recording, SeedStream, SeededScheduler, Strategy, serialize};

/// PCT's step bound for `scenario`: the 90th percentile of its executions'
/// scheduling steps, measured over 40 seeded random schedules each (long
/// where 1-byte chunks are drawn), so that
/// PCT's change points land inside most runs rather than after their end.
/// Part of what a `pct` run id means: changing it changes every PCT schedule.
pub(super) fn pct_step_bound(scenario: Scenario) -> usize {
    match scenario {
        Scenario::DropDuringDownload => 57,
        Scenario::EarlyClose => 64,
        Scenario::LogSinkStalls => 72,
        Scenario::LogSinkSlow => 93,
        Scenario::CloseDuringBackoff => 95,
        Scenario::LogManyProducers => 100,
        Scenario::LogShutdownRaces => 100,
        Scenario::HandlesRaceClose => 128,
        Scenario::Stress => 147,
        Scenario::PermanentTransportError => 152,
        Scenario::HandleAcrossClose => 152,
        Scenario::SharedHandle => 152,
        Scenario::MountReplies => 200,
        Scenario::DiskFull => 155,
        Scenario::ConcurrentCloses => 163,
        Scenario::ReadsDuringStall => 167,
        Scenario::ReadCloseBarrier => 174,
        Scenario::ReadCloseInFlight => 195,
        Scenario::FailedDownloadReads => 198,
        Scenario::CloseDeadlineInFlight => 207,
        Scenario::DeadlineWithReaderInside => 207,
        Scenario::MultiFileStaging => 2336,
        Scenario::ConcurrentReaders => 3072,
        Scenario::DropWhileReading => 3064,
        Scenario::TransportResetResume => 4095,
        Scenario::MultiFileParallelism => 4520,
    }
}
