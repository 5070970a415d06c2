//! The bugs planted back into the subjects to prove each oracle fires:
//! their names (the plant sites), what each does, the scenario and oracle
//! that catch it, and the hit rates the self-test's budgets follow from.

use crate::{Oracle, Scenario};

/// The registry: one row per bug, `Key => name, description, (home
/// scenario, oracle), (random, pct3 hit rates)` with the key's doc, the
/// ones an oracle finds first, then the harness crashers, which no oracle
/// sees (`Key => name, description`). It defines [`PlantedBug`], `ALL`,
/// `HARNESS_CRASHERS` and the accessors.
macro_rules! planted_bugs {
    (
        found { $($(#[$doc:meta])* $key:ident => $name:literal, $description:literal,
            ($scenario:ident, $oracle:ident), ($random:literal, $pct3:literal),)* }
        crashers { $($(#[$crasher_doc:meta])* $crasher:ident => $crasher_name:literal,
            $crasher_description:literal,)* }
    ) => {
        /// A bug the harness plants back into a subject to prove its
        /// oracles: a historical bug of the design, or a probe or canary for
        /// an oracle no historical bug covers, or a harness canary no oracle
        /// can see. Each is named after the plant site that misbehaves
        /// (`store::Plant`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum PlantedBug {
            $($(#[$doc])* $key,)*
            $($(#[$crasher_doc])* $crasher,)*
        }

        impl PlantedBug {
            /// Every bug an oracle finds: the historical ones in the order of
            /// the design brief, then the oracle probes and canaries.
            pub const ALL: [PlantedBug; [$($name),*].len()] = [$(PlantedBug::$key),*];

            /// Bugs that take down the process running them: the harness
            /// proves it survives them (isolation in child processes); never
            /// run in-process.
            pub const HARNESS_CRASHERS: [PlantedBug; [$($crasher_name),*].len()] =
                [$(PlantedBug::$crasher),*];

            /// Its name: the plant site, and what reports and the corpus say.
            pub fn name(self) -> &'static str {
                match self {
                    $(PlantedBug::$key => $name,)*
                    $(PlantedBug::$crasher => $crasher_name,)*
                }
            }

            /// What it does to its subject, in a line.
            pub fn description(self) -> &'static str {
                match self {
                    $(PlantedBug::$key => $description,)*
                    $(PlantedBug::$crasher => $crasher_description,)*
                }
            }

            /// The scenario built to expose it and the oracle it breaks
            /// there; `None` for the harness crashers, which no oracle sees.
            pub fn home(self) -> Option<(Scenario, Oracle)> {
                match self {
                    $(PlantedBug::$key => Some((Scenario::$scenario, Oracle::$oracle)),)*
                    $(PlantedBug::$crasher => None,)*
                }
            }

            /// The share of schedules that break its oracle in its home
            /// scenario under random and under PCT of depth 3: the lowest
            /// over plain runs and every perturbation (`SIM_PERTURB`), as
            /// measured for `docs/self-test.md` with sim's `hit_rates`
            /// example. Zero where it was never found.
            pub fn hit_rates(self) -> HitRates {
                match self {
                    $(PlantedBug::$key => HitRates { random: $random, pct3: $pct3 },)*
                    $(PlantedBug::$crasher => HitRates { random: 0.0, pct3: 0.0 },)*
                }
            }
        }
    };
}

planted_bugs! {
    found {
        /// The wait loop ignores the closing flag: readers of a stalled download
        /// never leave, so close hangs.
        WaitLoopIgnoresClosing => "wait-loop-ignores-closing",
            "the wait loop ignores closing: readers of a stalled download never leave",
            (ReadCloseInFlight, NoNeedlessWait), (0.81, 0.81),
        /// No re-check of closing after reader registration: a read can start
        /// after close drained the readers.
        NoRecheckAfterRegistration => "no-recheck-after-registration",
            "no re-check of closing after a reader registers: a read starts after close drained",
            (EarlyClose, NoAccessAfterClose), (0.0, 0.001),
        /// Close releases the file without draining readers.
        CloseSkipsDrain => "close-skips-drain",
            "close releases the file without draining readers",
            (EarlyClose, NoAccessAfterClose), (0.00001, 0.0015),
        /// Close waits for the downloader and readers while holding the state lock.
        CloseWaitsHoldingLock => "close-waits-holding-lock",
            "close waits for the downloader and readers while holding the state lock",
            (ReadCloseInFlight, NoBlockingUnderLock), (0.4, 0.54),
        /// A read interrupted by close fails with a non-standard error, not `Closed`.
        NonStandardClosedError => "non-standard-closed-error",
            "a read interrupted by close fails with a custom error instead of Closed",
            (ReadCloseInFlight, ReadsAfterCloseGetClosed), (0.81, 0.81),
        /// A partial read at the end of the object reports 0 instead of its count.
        PartialReadReturnsZero => "partial-read-returns-zero",
            "a partial read at the end reports 0 bytes",
            (ConcurrentReaders, PartialReadCount), (1.0, 1.0),
        /// The closing flag is shared by every store: closing one disturbs the others.
        StateSharedBetweenStores => "state-shared-between-stores",
            "the closing flag is shared by every store: closing one disturbs the others",
            (MultiFileParallelism, StoresIndependent), (0.59, 0.95),
        /// Close releases the file without waiting for the downloader, which
        /// keeps writing into it.
        EarlyCloseLeavesDownloader => "early-close-leaves-downloader",
            "close releases the file without waiting for the downloader",
            (EarlyClose, NoAccessAfterClose), (0.00025, 0.009),
        /// Not historical, an oracle probe: the downloader publishes progress
        /// before writing the chunk, so readers can read bytes not yet written.
        PublishBeforeWrite => "publish-before-write",
            "probe: progress is published before the chunk is written",
            (ConcurrentReaders, DataIntegrity), (0.17, 0.54),
        /// Not historical, an oracle probe: the release closes the file but
        /// never removes it.
        ReleaseSkipsRemove => "release-skips-remove",
            "probe: the release closes the file but never removes it",
            (ConcurrentReaders, NoLeak), (1.0, 1.0),
        /// Not historical, an oracle probe: `close_with_deadline` gives up at
        /// once instead of waiting until its deadline.
        DeadlineGivesUpEarly => "deadline-gives-up-early",
            "probe: close_with_deadline gives up at once",
            (CloseDeadlineInFlight, CloseCompletes), (0.9, 0.68),
        /// Not historical, an oracle probe: the release of the file wakes
        /// nobody, so a close waiting for another party's release waits forever.
        ReleaseWithoutNotify => "release-without-notify",
            "probe: the release wakes nobody, so a close waiting for it waits forever",
            (EarlyClose, NoDeadlock), (0.28, 0.4),
        /// A liveness canary: the downloader publishes progress without waking
        /// readers, who then wait until the download ends or a close frees them.
        SilentProgress => "silent-progress",
            "canary: progress is published without waking readers",
            (ReadsDuringStall, NoNeedlessWait), (0.52, 0.57),
        /// A liveness canary: the retry backoff ignores closing, so close waits
        /// for the backoff timer to expire.
        BackoffIgnoresClosing => "backoff-ignores-closing",
            "canary: the retry backoff ignores closing, so close waits for its timer",
            (CloseDuringBackoff, CloseDoesNotWaitOnTimers), (0.028, 0.035),
        /// A retry canary: the failure count never resets after progress, so the
        /// download gives up before the policy's budget is spent.
        RetryCountIgnoresProgress => "retry-count-ignores-progress",
            "canary: the failure count never resets after progress",
            (TransportResetResume, RetryPolicyHonoured), (0.93, 0.93),
        /// A wake-up canary: a woken reader trusts its wake-up and reads without
        /// re-checking that its range has arrived (`if` for `while`); only a
        /// spurious wake-up tells.
        WaiterTrustsItsWakeup => "waiter-trusts-its-wakeup",
            "canary: a woken reader reads without re-checking its range (if for while)",
            (ConcurrentReaders, DataIntegrity), (0.2, 0.21),
        /// A wake-up canary: progress wakes the readers whose range ends before
        /// it, not at it, so a reader whose range it completes sleeps on.
        ProgressWakesWrongWaiters => "progress-wakes-wrong-waiters",
            "canary: progress wakes the readers whose range ends before it, not at it",
            (ReadsDuringStall, NoNeedlessWait), (0.52, 0.57),
        /// A wake-up canary: close, the download's end and its failure wake
        /// close and the backoff but leave the waiting readers asleep.
        EndWakesNoWaiters => "end-wakes-no-waiters",
            "canary: close and the download's end leave waiting readers asleep",
            (FailedDownloadReads, NoNeedlessWait), (0.9, 0.78),
        /// A fast-path canary: a read of bytes that have arrived skips the
        /// registration that keeps the file from being released under it.
        FastPathSkipsRegistration => "fast-path-skips-registration",
            "canary: a read of arrived bytes skips registering, so close may release the file under it",
            (Stress, NoAccessAfterClose), (0.00008, 0.0049),
        /// An ordering canary: progress is published with `Relaxed` instead of
        /// `Release`, so a reader that sees it may not see the bytes. Only loom
        /// models orderings.
        ProgressPublishedRelaxed => "progress-published-relaxed",
            "canary: progress is published Relaxed, not Release (loom sees it)",
            (ConcurrentReaders, DataIntegrity), (0.0, 0.0),
        /// A cancel canary: close never cancels the transport, so it waits for
        /// a stalled transfer to end by itself.
        CloseSkipsCancel => "close-skips-cancel",
            "canary: close never cancels the transport, so a stalled transfer holds it up",
            (ReadsDuringStall, NoDeadlock), (1.0, 0.76),
        /// A handle canary: `release` closes the handle's duplicate but leaves
        /// the handle holding it, so a read through the released handle, or a
        /// second release, still reaches it.
        HandleReleasedTwice => "handle-released-twice",
            "canary: release closes the duplicate but leaves it in the handle, which reads it still",
            (HandleAcrossClose, NoAccessAfterClose), (1.0, 1.0),
        /// A handle canary: the release of the temp file ignores open handles,
        /// closing the file under a duplicate still in use.
        ReleaseIgnoresHandles => "release-ignores-handles",
            "canary: the file is released while a handle's duplicate is open",
            (HandleAcrossClose, ReleaseAfterLastHandle), (0.63, 0.61),
        /// A counter canary: `in_flight` sums one stripe of the readers' count
        /// and misses readers counted in the others.
        InFlightMissesAStripe => "in-flight-misses-a-stripe",
            "canary: in_flight sums one stripe of the readers' count",
            (ReadCloseInFlight, InFlightCountsTrue), (0.14, 0.6),
        /// A handle canary: a refused duplicate's handle is counted again
        /// instead of uncounted, so a close waits for a handle nobody holds.
        RefusedDuplicateCountsTwice => "refused-duplicate-counts-twice",
            "canary: a duplicate the file layer refuses leaves its handle counted twice",
            (SharedHandle, InFlightCountsTrue), (0.54, 0.54),
        /// A handle canary: a release closes its duplicate though a read
        /// through the same handle still uses it.
        ReleaseClosesUnderARead => "release-closes-under-a-read",
            "canary: a release closes the duplicate while a read through the handle uses it",
            (SharedHandle, NoAccessAfterClose), (0.0078, 0.02),
        /// A bound canary: `close_with_deadline` waits twice the time left,
        /// past its deadline.
        DeadlineKeptLate => "deadline-kept-late",
            "canary: close_with_deadline waits twice the time left, past its deadline",
            (CloseDeadlineInFlight, CloseCompletes), (0.9, 0.68),
        /// A bound canary: the downloader's backoff lasts twice the policy's.
        BackoffKeptLate => "backoff-kept-late",
            "canary: the retry backoff lasts twice the policy's",
            (TransportResetResume, RetryPolicyHonoured), (1.0, 1.0),
        /// A counter canary: `CloseDeadlineExceeded` reports no readers in
        /// flight, whoever is.
        DeadlineErrorCountsNoReaders => "deadline-error-counts-no-readers",
            "canary: CloseDeadlineExceeded reports no readers in flight, whoever is",
            (DeadlineWithReaderInside, InFlightCountsTrue), (0.015, 0.044),
        /// A logger canary: a producer that finds the queue full waits for
        /// room, as a blocking channel would.
        LoggerBlocksWhenFull => "logger-blocks-when-full",
            "logger canary: a producer waits for room when the queue is full",
            (LogSinkStalls, NeverWaits), (0.67, 0.61),
        /// A logger canary: the dropped-line count is a load and a store, not
        /// one atomic add, so concurrent drops lose counts.
        LoggerMiscountsDrops => "logger-miscounts-drops",
            "logger canary: drops are counted by a load and a store, losing concurrent ones",
            (LogManyProducers, DropsCountedExactly), (0.48, 0.12),
        /// A logger canary: a line is dropped when one place is still free.
        LoggerDropsWithRoom => "logger-drops-with-room",
            "logger canary: a line is dropped while one place is free",
            (LogSinkStalls, NoLossWithRoom), (0.71, 0.75),
        /// A logger canary: a producer never wakes the writer, which sleeps
        /// with lines queued until something else wakes it.
        LoggerForgetsToWake => "logger-forgets-to-wake",
            "logger canary: producers never wake the writer, which sleeps with lines queued",
            (LogManyProducers, NoDeadlock), (0.096, 0.29),
        /// A logger canary: the writer stops as soon as it sees shutdown,
        /// leaving queued lines unwritten.
        ShutdownSkipsDrain => "shutdown-skips-drain",
            "logger canary: the writer stops as soon as it sees shutdown, lines still queued",
            (LogShutdownRaces, NoLossWithRoom), (0.55, 0.57),
        /// A logger canary: a producer checks the queue's length, then pushes,
        /// and answers `Queued` even when another producer took the last place
        /// in between, losing the line uncounted. Reachable only because each
        /// call on the queue is a scheduling point.
        LoggerTrustsItsRoomCheck => "logger-trusts-its-room-check",
            "logger canary: a push that lost the last place after a length check answers Queued",
            (LogShutdownRaces, NoLossWithRoom), (0.15, 0.12),
        /// A mount canary: every object's reads go to the first object's lane,
        /// so a read of a complete object waits behind one of a stalled object.
        OneLaneForEveryObject => "one-lane-for-every-object",
            "mount canary: every object's reads queue on one lane, behind a stalled object's",
            (MountReplies, NoDeadlock), (0.2, 0.51),
        /// A mount canary: unmount begins by dropping the reads still queued
        /// on the lanes, their replies never sent.
        UnmountDiscardsQueuedReads => "unmount-discards-queued-reads",
            "mount canary: unmount first drops the queued reads, their replies never sent",
            (MountReplies, OneReplyPerRequest), (1.0, 0.97),
    }
    crashers {
        /// A harness canary: close panics, and a destructor panics again while
        /// that unwinds, which aborts the process. No oracle can see it; the
        /// harness must survive it.
        AbortsProcess => "aborts-process",
            "harness canary: close panics while unwinding, which aborts the process",
        /// A harness canary: close spins forever without a scheduling point,
        /// which hangs a cooperative scheduler. The harness must survive it.
        SpinsForever => "spins-forever",
            "harness canary: close spins forever without yielding",
    }
}

impl PlantedBug {
    /// Every bug `--plant` takes.
    pub fn every() -> impl Iterator<Item = PlantedBug> {
        PlantedBug::ALL
            .into_iter()
            .chain(PlantedBug::HARNESS_CRASHERS)
    }

    /// The bug called `name`.
    pub fn from_name(name: &str) -> Option<PlantedBug> {
        PlantedBug::every().find(|bug| bug.name() == name)
    }

    /// Whether only a model of memory orderings (loom) can find it: every
    /// other driver runs atomics as if sequentially consistent.
    pub fn needs_memory_model(self) -> bool {
        self == PlantedBug::ProgressPublishedRelaxed
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
    use super::*;

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
}
