//! The historical bugs of this design, planted back on demand so the test
//! harness can prove it finds each one, plus oracle probes and canaries:
//! bugs no historical one covers, kept so that every oracle is proven to fire. Compiled only with the non-default
//! `planted-bugs` feature; without it, [`planted!`] is the literal `false`
//! and no code path reads anything.

use std::sync::atomic::AtomicBool;

/// One historical bug. A store plants at most one, chosen per store in
/// `StoreOptions::planted_bug`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// A harness canary: close panics, and a destructor panics again while
    /// that unwinds, which aborts the process. No oracle can see it; the
    /// harness must survive it.
    AbortsProcess,
    /// A harness canary: close spins forever without a scheduling point,
    /// which hangs a cooperative scheduler. The harness must survive it.
    SpinsForever,
}

impl PlantedBug {
    /// Every planted bug an oracle finds: the historical ones in the order
    /// of the design brief, then the oracle probes and canaries.
    pub const ALL: [PlantedBug; 15] = [
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
    ];

    /// Bugs that take down the process running them: the harness proves it
    /// survives them (isolation in child processes); never run in-process.
    pub const HARNESS_CRASHERS: [PlantedBug; 2] =
        [PlantedBug::AbortsProcess, PlantedBug::SpinsForever];

    /// A short kebab-case name, for reports and the corpus.
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
            PlantedBug::AbortsProcess => "aborts-process",
            PlantedBug::SpinsForever => "spins-forever",
        }
    }

    /// The bug called `name`, if any.
    pub fn from_name(name: &str) -> Option<PlantedBug> {
        PlantedBug::ALL
            .into_iter()
            .chain(PlantedBug::HARNESS_CRASHERS)
            .find(|bug| bug.name() == name)
    }
}

/// The closing flag every store shares under
/// [`PlantedBug::StateSharedBetweenStores`]: the bug is precisely a global.
pub(crate) static SHARED_CLOSING: AtomicBool = AtomicBool::new(false);

/// Whether `$shared` (anything with a `planted_bug` field) plants `$bug`.
macro_rules! planted {
    ($shared:expr, $bug:ident) => {
        $shared.planted_bug == Some($crate::planted::PlantedBug::$bug)
    };
}

pub(crate) use planted;
