//! The bugs planted back into the subjects to prove each oracle fires:
//! their names (the plant sites), what each does, the scenario and oracle
//! that catch it, and the hit rates the self-test's budgets follow from.

use crate::{Oracle, Scenario};

/// A bug the harness plants back into the store to prove its oracles: a
/// historical bug of the design, or a probe or canary for an oracle no
/// historical bug covers, or a harness canary no oracle can see. Each is
/// named after the store's plant site that misbehaves (`store::Plant`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(test, derive(strum::EnumIter))]
pub enum PlantedBug {
    /// The wait loop ignores the closing flag: readers of a stalled download
    /// never leave, so close hangs.
    WaitLoopIgnoresClosing,
    /// No re-check of closing after reader registration: a read can start
    /// after close drained the readers.
    NoRecheckAfterRegistration,
    /// Close releases the file without draining readers.
    CloseSkipsDrain,
    /// Close waits for the downloader and readers while holding the state lock.
    CloseWaitsHoldingLock,
    /// A read interrupted by close fails with a non-standard error, not `Closed`.
    NonStandardClosedError,
    /// A partial read at the end of the object reports 0 instead of its count.
    PartialReadReturnsZero,
    /// The closing flag is shared by every store: closing one disturbs the others.
    StateSharedBetweenStores,
    /// Close releases the file without waiting for the downloader, which
    /// keeps writing into it.
    EarlyCloseLeavesDownloader,
    /// Not historical, an oracle probe: the downloader publishes progress
    /// before writing the chunk, so readers can read bytes not yet written.
    PublishBeforeWrite,
    /// Not historical, an oracle probe: the release closes the file but
    /// never removes it.
    ReleaseSkipsRemove,
    /// Not historical, an oracle probe: `close_with_deadline` gives up at
    /// once instead of waiting until its deadline.
    DeadlineGivesUpEarly,
    /// Not historical, an oracle probe: the release of the file wakes
    /// nobody, so a close waiting for another party's release waits forever.
    ReleaseWithoutNotify,
    /// A liveness canary: the downloader publishes progress without waking
    /// readers, who then wait until the download ends or a close frees them.
    SilentProgress,
    /// A liveness canary: the retry backoff ignores closing, so close waits
    /// for the backoff timer to expire.
    BackoffIgnoresClosing,
    /// A retry canary: the failure count never resets after progress, so the
    /// download gives up before the policy's budget is spent.
    RetryCountIgnoresProgress,
    /// A wake-up canary: a woken reader trusts its wake-up and reads without
    /// re-checking that its range has arrived (`if` for `while`); only a
    /// spurious wake-up tells.
    WaiterTrustsItsWakeup,
    /// A wake-up canary: progress wakes the readers whose range ends before
    /// it, not at it, so a reader whose range it completes sleeps on.
    ProgressWakesWrongWaiters,
    /// A wake-up canary: close, the download's end and its failure wake
    /// close and the backoff but leave the waiting readers asleep.
    EndWakesNoWaiters,
    /// A fast-path canary: a read of bytes that have arrived skips the
    /// registration that keeps the file from being released under it.
    FastPathSkipsRegistration,
    /// An ordering canary: progress is published with `Relaxed` instead of
    /// `Release`, so a reader that sees it may not see the bytes. Only loom
    /// models orderings.
    ProgressPublishedRelaxed,
    /// A cancel canary: close never cancels the transport, so it waits for
    /// a stalled transfer to end by itself.
    CloseSkipsCancel,
    /// A handle canary: `release` closes the handle's duplicate but leaves
    /// the handle holding it, so a read through the released handle, or a
    /// second release, still reaches it.
    HandleReleasedTwice,
    /// A handle canary: the release of the temp file ignores open handles,
    /// closing the file under a duplicate still in use.
    ReleaseIgnoresHandles,
    /// A counter canary: `in_flight` sums one stripe of the readers' count
    /// and misses readers counted in the others.
    InFlightMissesAStripe,
    /// A handle canary: a refused duplicate's handle is counted again
    /// instead of uncounted, so a close waits for a handle nobody holds.
    RefusedDuplicateCountsTwice,
    /// A handle canary: a release closes its duplicate though a read
    /// through the same handle still uses it.
    ReleaseClosesUnderARead,
    /// A bound canary: `close_with_deadline` waits twice the time left,
    /// past its deadline.
    DeadlineKeptLate,
    /// A bound canary: the downloader's backoff lasts twice the policy's.
    BackoffKeptLate,
    /// A counter canary: `CloseDeadlineExceeded` reports no readers in
    /// flight, whoever is.
    DeadlineErrorCountsNoReaders,
    /// A logger canary: a producer that finds the queue full waits for
    /// room, as a blocking channel would.
    LoggerBlocksWhenFull,
    /// A logger canary: the dropped-line count is a load and a store, not
    /// one atomic add, so concurrent drops lose counts.
    LoggerMiscountsDrops,
    /// A logger canary: a line is dropped when one place is still free.
    LoggerDropsWithRoom,
    /// A logger canary: a producer never wakes the writer, which sleeps
    /// with lines queued until something else wakes it.
    LoggerForgetsToWake,
    /// A logger canary: the writer stops as soon as it sees shutdown,
    /// leaving queued lines unwritten.
    ShutdownSkipsDrain,
    /// A logger canary: a producer checks the queue's length, then pushes,
    /// and answers `Queued` even when another producer took the last place
    /// in between, losing the line uncounted. Reachable only because each
    /// call on the queue is a scheduling point.
    LoggerTrustsItsRoomCheck,
    /// A mount canary: every object's reads go to the first object's lane,
    /// so a read of a complete object waits behind one of a stalled object.
    OneLaneForEveryObject,
    /// A mount canary: unmount begins by dropping the reads still queued
    /// on the lanes, their replies never sent.
    UnmountDiscardsQueuedReads,
    /// A harness canary: close panics, and a destructor panics again while
    /// that unwinds, which aborts the process. No oracle can see it; the
    /// harness must survive it.
    AbortsProcess,
    /// A harness canary: close spins forever without a scheduling point,
    /// which hangs a cooperative scheduler. The harness must survive it.
    SpinsForever,
}

impl PlantedBug {
    /// Every bug an oracle finds: the historical ones in the order of the
    /// design brief, then the oracle probes and canaries.
    pub const ALL: [PlantedBug; 37] = [
        PlantedBug::WaitLoopIgnoresClosing,
        PlantedBug::NoRecheckAfterRegistration,
        PlantedBug::CloseSkipsDrain,
        PlantedBug::CloseWaitsHoldingLock,
        PlantedBug::NonStandardClosedError,
        PlantedBug::PartialReadReturnsZero,
        PlantedBug::StateSharedBetweenStores,
        PlantedBug::EarlyCloseLeavesDownloader,
        PlantedBug::PublishBeforeWrite,
        PlantedBug::ReleaseSkipsRemove,
        PlantedBug::DeadlineGivesUpEarly,
        PlantedBug::ReleaseWithoutNotify,
        PlantedBug::SilentProgress,
        PlantedBug::BackoffIgnoresClosing,
        PlantedBug::RetryCountIgnoresProgress,
        PlantedBug::WaiterTrustsItsWakeup,
        PlantedBug::ProgressWakesWrongWaiters,
        PlantedBug::EndWakesNoWaiters,
        PlantedBug::FastPathSkipsRegistration,
        PlantedBug::ProgressPublishedRelaxed,
        PlantedBug::CloseSkipsCancel,
        PlantedBug::HandleReleasedTwice,
        PlantedBug::ReleaseIgnoresHandles,
        PlantedBug::InFlightMissesAStripe,
        PlantedBug::RefusedDuplicateCountsTwice,
        PlantedBug::ReleaseClosesUnderARead,
        PlantedBug::DeadlineKeptLate,
        PlantedBug::BackoffKeptLate,
        PlantedBug::DeadlineErrorCountsNoReaders,
        PlantedBug::LoggerBlocksWhenFull,
        PlantedBug::LoggerMiscountsDrops,
        PlantedBug::LoggerDropsWithRoom,
        PlantedBug::LoggerForgetsToWake,
        PlantedBug::ShutdownSkipsDrain,
        PlantedBug::LoggerTrustsItsRoomCheck,
        PlantedBug::OneLaneForEveryObject,
        PlantedBug::UnmountDiscardsQueuedReads,
    ];

    /// Bugs that take down the process running them: the harness proves it
    /// survives them (isolation in child processes); never run in-process.
    pub const HARNESS_CRASHERS: [PlantedBug; 2] =
        [PlantedBug::AbortsProcess, PlantedBug::SpinsForever];

    /// Every bug `--plant` takes.
    pub fn every() -> impl Iterator<Item = PlantedBug> {
        PlantedBug::ALL
            .into_iter()
            .chain(PlantedBug::HARNESS_CRASHERS)
    }

    /// Its name: the store's plant site, and what reports and the corpus say.
    pub fn name(self) -> &'static str {
        match self {
            PlantedBug::WaitLoopIgnoresClosing => "wait-loop-ignores-closing",
            PlantedBug::NoRecheckAfterRegistration => "no-recheck-after-registration",
            PlantedBug::CloseSkipsDrain => "close-skips-drain",
            PlantedBug::CloseWaitsHoldingLock => "close-waits-holding-lock",
            PlantedBug::NonStandardClosedError => "non-standard-closed-error",
            PlantedBug::PartialReadReturnsZero => "partial-read-returns-zero",
            PlantedBug::StateSharedBetweenStores => "state-shared-between-stores",
            PlantedBug::EarlyCloseLeavesDownloader => "early-close-leaves-downloader",
            PlantedBug::PublishBeforeWrite => "publish-before-write",
            PlantedBug::ReleaseSkipsRemove => "release-skips-remove",
            PlantedBug::DeadlineGivesUpEarly => "deadline-gives-up-early",
            PlantedBug::ReleaseWithoutNotify => "release-without-notify",
            PlantedBug::SilentProgress => "silent-progress",
            PlantedBug::BackoffIgnoresClosing => "backoff-ignores-closing",
            PlantedBug::RetryCountIgnoresProgress => "retry-count-ignores-progress",
            PlantedBug::WaiterTrustsItsWakeup => "waiter-trusts-its-wakeup",
            PlantedBug::ProgressWakesWrongWaiters => "progress-wakes-wrong-waiters",
            PlantedBug::EndWakesNoWaiters => "end-wakes-no-waiters",
            PlantedBug::FastPathSkipsRegistration => "fast-path-skips-registration",
            PlantedBug::ProgressPublishedRelaxed => "progress-published-relaxed",
            PlantedBug::CloseSkipsCancel => "close-skips-cancel",
            PlantedBug::HandleReleasedTwice => "handle-released-twice",
            PlantedBug::ReleaseIgnoresHandles => "release-ignores-handles",
            PlantedBug::InFlightMissesAStripe => "in-flight-misses-a-stripe",
            PlantedBug::RefusedDuplicateCountsTwice => "refused-duplicate-counts-twice",
            PlantedBug::ReleaseClosesUnderARead => "release-closes-under-a-read",
            PlantedBug::DeadlineKeptLate => "deadline-kept-late",
            PlantedBug::BackoffKeptLate => "backoff-kept-late",
            PlantedBug::DeadlineErrorCountsNoReaders => "deadline-error-counts-no-readers",
            PlantedBug::LoggerBlocksWhenFull => "logger-blocks-when-full",
            PlantedBug::LoggerMiscountsDrops => "logger-miscounts-drops",
            PlantedBug::LoggerDropsWithRoom => "logger-drops-with-room",
            PlantedBug::LoggerForgetsToWake => "logger-forgets-to-wake",
            PlantedBug::ShutdownSkipsDrain => "shutdown-skips-drain",
            PlantedBug::LoggerTrustsItsRoomCheck => "logger-trusts-its-room-check",
            PlantedBug::OneLaneForEveryObject => "one-lane-for-every-object",
            PlantedBug::UnmountDiscardsQueuedReads => "unmount-discards-queued-reads",
            PlantedBug::AbortsProcess => "aborts-process",
            PlantedBug::SpinsForever => "spins-forever",
        }
    }

    /// The bug called `name`.
    pub fn from_name(name: &str) -> Option<PlantedBug> {
        PlantedBug::every().find(|bug| bug.name() == name)
    }

    /// What it does to the store, in a line.
    pub fn description(self) -> &'static str {
        match self {
            PlantedBug::WaitLoopIgnoresClosing => {
                "the wait loop ignores closing: readers of a stalled download never leave"
            }
            PlantedBug::NoRecheckAfterRegistration => {
                "no re-check of closing after a reader registers: a read starts after close drained"
            }
            PlantedBug::CloseSkipsDrain => "close releases the file without draining readers",
            PlantedBug::CloseWaitsHoldingLock => {
                "close waits for the downloader and readers while holding the state lock"
            }
            PlantedBug::NonStandardClosedError => {
                "a read interrupted by close fails with a custom error instead of Closed"
            }
            PlantedBug::PartialReadReturnsZero => "a partial read at the end reports 0 bytes",
            PlantedBug::StateSharedBetweenStores => {
                "the closing flag is shared by every store: closing one disturbs the others"
            }
            PlantedBug::EarlyCloseLeavesDownloader => {
                "close releases the file without waiting for the downloader"
            }
            PlantedBug::PublishBeforeWrite => {
                "probe: progress is published before the chunk is written"
            }
            PlantedBug::ReleaseSkipsRemove => {
                "probe: the release closes the file but never removes it"
            }
            PlantedBug::DeadlineGivesUpEarly => "probe: close_with_deadline gives up at once",
            PlantedBug::ReleaseWithoutNotify => {
                "probe: the release wakes nobody, so a close waiting for it waits forever"
            }
            PlantedBug::SilentProgress => "canary: progress is published without waking readers",
            PlantedBug::BackoffIgnoresClosing => {
                "canary: the retry backoff ignores closing, so close waits for its timer"
            }
            PlantedBug::RetryCountIgnoresProgress => {
                "canary: the failure count never resets after progress"
            }
            PlantedBug::WaiterTrustsItsWakeup => {
                "canary: a woken reader reads without re-checking its range (if for while)"
            }
            PlantedBug::ProgressWakesWrongWaiters => {
                "canary: progress wakes the readers whose range ends before it, not at it"
            }
            PlantedBug::EndWakesNoWaiters => {
                "canary: close and the download's end leave waiting readers asleep"
            }
            PlantedBug::FastPathSkipsRegistration => {
                "canary: a read of arrived bytes skips registering, so close may release the file under it"
            }
            PlantedBug::ProgressPublishedRelaxed => {
                "canary: progress is published Relaxed, not Release (loom sees it)"
            }
            PlantedBug::CloseSkipsCancel => {
                "canary: close never cancels the transport, so a stalled transfer holds it up"
            }
            PlantedBug::HandleReleasedTwice => {
                "canary: release closes the duplicate but leaves it in the handle, which reads it still"
            }
            PlantedBug::ReleaseIgnoresHandles => {
                "canary: the file is released while a handle's duplicate is open"
            }
            PlantedBug::InFlightMissesAStripe => {
                "canary: in_flight sums one stripe of the readers' count"
            }
            PlantedBug::RefusedDuplicateCountsTwice => {
                "canary: a duplicate the file layer refuses leaves its handle counted twice"
            }
            PlantedBug::ReleaseClosesUnderARead => {
                "canary: a release closes the duplicate while a read through the handle uses it"
            }
            PlantedBug::DeadlineKeptLate => {
                "canary: close_with_deadline waits twice the time left, past its deadline"
            }
            PlantedBug::BackoffKeptLate => "canary: the retry backoff lasts twice the policy's",
            PlantedBug::DeadlineErrorCountsNoReaders => {
                "canary: CloseDeadlineExceeded reports no readers in flight, whoever is"
            }
            PlantedBug::LoggerBlocksWhenFull => {
                "logger canary: a producer waits for room when the queue is full"
            }
            PlantedBug::LoggerMiscountsDrops => {
                "logger canary: drops are counted by a load and a store, losing concurrent ones"
            }
            PlantedBug::LoggerDropsWithRoom => {
                "logger canary: a line is dropped while one place is free"
            }
            PlantedBug::LoggerForgetsToWake => {
                "logger canary: producers never wake the writer, which sleeps with lines queued"
            }
            PlantedBug::ShutdownSkipsDrain => {
                "logger canary: the writer stops as soon as it sees shutdown, lines still queued"
            }
            PlantedBug::LoggerTrustsItsRoomCheck => {
                "logger canary: a push that lost the last place after a length check answers Queued"
            }
            PlantedBug::OneLaneForEveryObject => {
                "mount canary: every object's reads queue on one lane, behind a stalled object's"
            }
            PlantedBug::UnmountDiscardsQueuedReads => {
                "mount canary: unmount first drops the queued reads, their replies never sent"
            }
            PlantedBug::AbortsProcess => {
                "harness canary: close panics while unwinding, which aborts the process"
            }
            PlantedBug::SpinsForever => "harness canary: close spins forever without yielding",
        }
    }

    /// The scenario built to expose it and the oracle it breaks there;
    /// `None` for the harness crashers, which no oracle sees.
    pub fn home(self) -> Option<(Scenario, Oracle)> {
        Some(match self {
            PlantedBug::WaitLoopIgnoresClosing => {
                (Scenario::ReadCloseInFlight, Oracle::NoNeedlessWait)
            }
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
            PlantedBug::BackoffIgnoresClosing => (
                Scenario::CloseDuringBackoff,
                Oracle::CloseDoesNotWaitOnTimers,
            ),
            PlantedBug::RetryCountIgnoresProgress => {
                (Scenario::TransportResetResume, Oracle::RetryPolicyHonoured)
            }
            PlantedBug::WaiterTrustsItsWakeup => {
                (Scenario::ConcurrentReaders, Oracle::DataIntegrity)
            }
            PlantedBug::ProgressWakesWrongWaiters => {
                (Scenario::ReadsDuringStall, Oracle::NoNeedlessWait)
            }
            PlantedBug::EndWakesNoWaiters => {
                (Scenario::FailedDownloadReads, Oracle::NoNeedlessWait)
            }
            PlantedBug::FastPathSkipsRegistration => (Scenario::Stress, Oracle::NoAccessAfterClose),
            PlantedBug::ProgressPublishedRelaxed => {
                (Scenario::ConcurrentReaders, Oracle::DataIntegrity)
            }
            PlantedBug::CloseSkipsCancel => (Scenario::ReadsDuringStall, Oracle::NoDeadlock),
            PlantedBug::HandleReleasedTwice => {
                (Scenario::HandleAcrossClose, Oracle::NoAccessAfterClose)
            }
            PlantedBug::ReleaseIgnoresHandles => {
                (Scenario::HandleAcrossClose, Oracle::ReleaseAfterLastHandle)
            }
            PlantedBug::InFlightMissesAStripe => {
                (Scenario::ReadCloseInFlight, Oracle::InFlightCountsTrue)
            }
            PlantedBug::RefusedDuplicateCountsTwice => {
                (Scenario::SharedHandle, Oracle::InFlightCountsTrue)
            }
            PlantedBug::ReleaseClosesUnderARead => {
                (Scenario::SharedHandle, Oracle::NoAccessAfterClose)
            }
            PlantedBug::DeadlineKeptLate => {
                (Scenario::CloseDeadlineInFlight, Oracle::CloseCompletes)
            }
            PlantedBug::BackoffKeptLate => {
                (Scenario::TransportResetResume, Oracle::RetryPolicyHonoured)
            }
            PlantedBug::DeadlineErrorCountsNoReaders => (
                Scenario::DeadlineWithReaderInside,
                Oracle::InFlightCountsTrue,
            ),
            PlantedBug::LoggerBlocksWhenFull => (Scenario::LogSinkStalls, Oracle::NeverWaits),
            PlantedBug::LoggerMiscountsDrops => {
                (Scenario::LogManyProducers, Oracle::DropsCountedExactly)
            }
            PlantedBug::LoggerDropsWithRoom => (Scenario::LogSinkStalls, Oracle::NoLossWithRoom),
            PlantedBug::LoggerForgetsToWake => (Scenario::LogManyProducers, Oracle::NoDeadlock),
            PlantedBug::ShutdownSkipsDrain => (Scenario::LogShutdownRaces, Oracle::NoLossWithRoom),
            PlantedBug::LoggerTrustsItsRoomCheck => {
                (Scenario::LogShutdownRaces, Oracle::NoLossWithRoom)
            }
            PlantedBug::OneLaneForEveryObject => (Scenario::MountReplies, Oracle::NoDeadlock),
            PlantedBug::UnmountDiscardsQueuedReads => {
                (Scenario::MountReplies, Oracle::OneReplyPerRequest)
            }
            PlantedBug::AbortsProcess | PlantedBug::SpinsForever => return None,
        })
    }

    /// Whether only a model of memory orderings (loom) can find it: every
    /// other driver runs atomics as if sequentially consistent.
    pub fn needs_memory_model(self) -> bool {
        self == PlantedBug::ProgressPublishedRelaxed
    }

    /// The share of schedules that break its oracle in its home scenario
    /// under random and under PCT of depth 3: the lowest over plain runs and
    /// every perturbation (`SIM_PERTURB`), as measured for
    /// `docs/self-test.md` with sim's `hit_rates` example. Zero where it was
    /// never found.
    pub fn hit_rates(self) -> HitRates {
        let (random, pct3) = match self {
            PlantedBug::WaitLoopIgnoresClosing | PlantedBug::NonStandardClosedError => (0.81, 0.81),
            PlantedBug::NoRecheckAfterRegistration => (0.0, 0.001),
            PlantedBug::CloseSkipsDrain => (0.00001, 0.0015),
            PlantedBug::CloseWaitsHoldingLock => (0.4, 0.54),
            PlantedBug::PartialReadReturnsZero | PlantedBug::ReleaseSkipsRemove => (1.0, 1.0),
            PlantedBug::StateSharedBetweenStores => (0.59, 0.95),
            PlantedBug::EarlyCloseLeavesDownloader => (0.00025, 0.009),
            PlantedBug::PublishBeforeWrite => (0.17, 0.54),
            PlantedBug::DeadlineGivesUpEarly => (0.9, 0.68),
            PlantedBug::ReleaseWithoutNotify => (0.28, 0.4),
            PlantedBug::SilentProgress => (0.52, 0.57),
            PlantedBug::BackoffIgnoresClosing => (0.028, 0.035),
            PlantedBug::RetryCountIgnoresProgress => (0.93, 0.93),
            PlantedBug::WaiterTrustsItsWakeup => (0.2, 0.21),
            PlantedBug::ProgressWakesWrongWaiters => (0.52, 0.57),
            PlantedBug::EndWakesNoWaiters => (0.9, 0.78),
            PlantedBug::FastPathSkipsRegistration => (0.00008, 0.0049),
            PlantedBug::CloseSkipsCancel => (1.0, 0.76),
            PlantedBug::HandleReleasedTwice => (1.0, 1.0),
            PlantedBug::ReleaseIgnoresHandles => (0.63, 0.61),
            PlantedBug::InFlightMissesAStripe => (0.14, 0.6),
            PlantedBug::RefusedDuplicateCountsTwice => (0.54, 0.54),
            PlantedBug::ReleaseClosesUnderARead => (0.0078, 0.02),
            PlantedBug::DeadlineKeptLate => (0.9, 0.68),
            PlantedBug::BackoffKeptLate => (1.0, 1.0),
            PlantedBug::DeadlineErrorCountsNoReaders => (0.015, 0.044),
            PlantedBug::LoggerBlocksWhenFull => (0.67, 0.61),
            PlantedBug::LoggerMiscountsDrops => (0.48, 0.12),
            PlantedBug::LoggerDropsWithRoom => (0.71, 0.75),
            PlantedBug::LoggerForgetsToWake => (0.096, 0.29),
            PlantedBug::ShutdownSkipsDrain => (0.55, 0.57),
            PlantedBug::LoggerTrustsItsRoomCheck => (0.15, 0.12),
            PlantedBug::OneLaneForEveryObject => (0.2, 0.51),
            PlantedBug::UnmountDiscardsQueuedReads => (1.0, 0.97),
            PlantedBug::ProgressPublishedRelaxed => (0.0, 0.0),
            PlantedBug::AbortsProcess | PlantedBug::SpinsForever => (0.0, 0.0),
        };
        HitRates { random, pct3 }
    }
}

/// Shares of schedules that find a bug, per seeded driver.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HitRates {
    /// Under uniformly random schedules.
    pub random: f64,
    /// Under PCT of depth 3.
    pub pct3: f64,
}

#[cfg(test)]
mod catalogue_tests {
    use strum::IntoEnumIterator;

    use super::*;

    /// The hand-kept lists hold every variant once, in declaration order: a
    /// variant added without its row fails here, not silently. (The
    /// scenarios' and the oracles' `ALL` are written by their registries'
    /// macros from their rows.)
    #[test]
    fn the_catalogues_list_every_variant_once_in_order() {
        let listed: Vec<PlantedBug> = PlantedBug::every().collect();
        assert_eq!(listed, PlantedBug::iter().collect::<Vec<_>>());
    }

    #[test]
    fn every_bug_is_found_by_its_name() {
        for bug in PlantedBug::every() {
            assert_eq!(PlantedBug::from_name(bug.name()), Some(bug));
        }
        assert_eq!(PlantedBug::from_name("nope"), None);
    }

    #[test]
    fn every_oracle_has_a_bug_that_proves_it() {
        for oracle in Oracle::ALL {
            let proven = PlantedBug::ALL
                .iter()
                .any(|bug| bug.home().is_some_and(|(_, breaks)| breaks == oracle));
            assert!(proven, "no planted bug exercises {oracle}");
        }
    }

    #[test]
    fn only_the_harness_crashers_have_no_home() {
        for bug in PlantedBug::every() {
            assert_eq!(
                bug.home().is_none(),
                PlantedBug::HARNESS_CRASHERS.contains(&bug),
                "{}",
                bug.name()
            );
        }
    }
}
