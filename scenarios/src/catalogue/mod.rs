//! The scenario catalogue: the seed's seven scenarios plus fault, liveness,
//! concurrent-close and drop scenarios, each a function of a [`World`] and
//! [`Params`].

mod close;
mod handles;
mod logger;
mod mount;
mod multi;
mod no_close;
mod readers;
mod stress;
mod subject;

use std::time::Duration;

use store::StoreOptions;

use crate::{Params, StreamFault, World};
use logger::{Shutdown, Sink};

/// One scenario of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(test, derive(strum::EnumIter))]
pub enum Scenario {
    /// Many readers on one store; every byte must match the source.
    ConcurrentReaders,
    /// Readers gather at a barrier, close runs, then the readers go: all get `Closed`.
    ReadCloseBarrier,
    /// Readers stall in the wait loop on a stalled transport; close must free them.
    ReadCloseInFlight,
    /// Several stores read in parallel; none disturbs another.
    MultiFileParallelism,
    /// Close store A while creating and reading store B.
    MultiFileStaging,
    /// Close before the download completes: nothing may be left running or behind.
    EarlyClose,
    /// Random readers, offsets, faults and a close at a random point.
    Stress,
    /// The connection resets mid-stream; the download resumes, bytes stay exact.
    TransportResetResume,
    /// The transport fails for good while a close races the readers:
    /// pending and later reads fail, none hang.
    PermanentTransportError,
    /// The disk fills up while a close races the readers: reads past the
    /// written part fail with ENOSPC.
    DiskFull,
    /// Close with a deadline while readers are in flight; the timeout may fire.
    CloseDeadlineInFlight,
    /// Close with a deadline while a reader is inside a slow file read.
    DeadlineWithReaderInside,
    /// Close once the transport has reset: the downloader is in its backoff,
    /// which close must not wait out.
    CloseDuringBackoff,
    /// The transport stalls after a prefix; readers inside it get their
    /// bytes before anyone closes.
    ReadsDuringStall,
    /// The download fails for good; every reader returns before anyone closes.
    FailedDownloadReads,
    /// The owner drops its handle while reads are in flight; the last reader
    /// out drops the store without closing it.
    DropWhileReading,
    /// Two closers race each other and the readers; both must return once
    /// the file is released, and later reads get `Closed`.
    ConcurrentCloses,
    /// The owner drops the store while its download runs, having read
    /// nothing; the downloader stops and nothing leaks.
    DropDuringDownload,
    /// Handles are opened, read through and released in any order while a
    /// close races them; the counts are read meanwhile.
    HandlesRaceClose,
    /// A handle is held across a close, which waits for its release.
    HandleAcrossClose,
    /// One handle shared by threads: released while others read through
    /// it; the file layer may refuse a duplicate.
    SharedHandle,
    /// The mount's requests on two objects, one stalled, then an unmount:
    /// each request gets one reply, none waits on the other object.
    MountReplies,
    /// The logger's sink stalls: producers must drop, not wait.
    LogSinkStalls,
    /// The logger's sink drains slowly.
    LogSinkSlow,
    /// Many producers log into a small queue that keeps up.
    LogManyProducers,
    /// The logger shuts down while producers log, or with lines queued.
    LogShutdownRaces,
}

/// The component a scenario puts under test: the platform serves two.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Component {
    /// `TempFileStore`.
    Store,
    /// `store::log::LossyLog`, the logger that never blocks.
    Logger,
    /// The FUSE mount's request layer (`mount::objects`), over stores.
    Mount,
}

/// What a run observed beyond "no oracle broke".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// A `close_with_deadline` gave up at its deadline.
    pub close_deadline_fired: bool,
}

impl Scenario {
    /// Every scenario.
    pub const ALL: [Scenario; 26] = [
        Scenario::ConcurrentReaders,
        Scenario::ReadCloseBarrier,
        Scenario::ReadCloseInFlight,
        Scenario::MultiFileParallelism,
        Scenario::MultiFileStaging,
        Scenario::EarlyClose,
        Scenario::Stress,
        Scenario::TransportResetResume,
        Scenario::PermanentTransportError,
        Scenario::DiskFull,
        Scenario::CloseDeadlineInFlight,
        Scenario::DeadlineWithReaderInside,
        Scenario::CloseDuringBackoff,
        Scenario::ReadsDuringStall,
        Scenario::FailedDownloadReads,
        Scenario::DropWhileReading,
        Scenario::ConcurrentCloses,
        Scenario::DropDuringDownload,
        Scenario::HandlesRaceClose,
        Scenario::HandleAcrossClose,
        Scenario::SharedHandle,
        Scenario::MountReplies,
        Scenario::LogSinkStalls,
        Scenario::LogSinkSlow,
        Scenario::LogManyProducers,
        Scenario::LogShutdownRaces,
    ];

    /// Kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::ConcurrentReaders => "concurrent-readers",
            Scenario::ReadCloseBarrier => "read-close-barrier",
            Scenario::ReadCloseInFlight => "read-close-in-flight",
            Scenario::MultiFileParallelism => "multi-file-parallelism",
            Scenario::MultiFileStaging => "multi-file-staging",
            Scenario::EarlyClose => "early-close",
            Scenario::Stress => "stress",
            Scenario::TransportResetResume => "transport-reset-resume",
            Scenario::PermanentTransportError => "permanent-transport-error",
            Scenario::DiskFull => "disk-full",
            Scenario::CloseDeadlineInFlight => "close-deadline-in-flight",
            Scenario::DeadlineWithReaderInside => "deadline-with-reader-inside",
            Scenario::CloseDuringBackoff => "close-during-backoff",
            Scenario::ReadsDuringStall => "reads-during-stall",
            Scenario::FailedDownloadReads => "failed-download-reads",
            Scenario::DropWhileReading => "drop-while-reading",
            Scenario::ConcurrentCloses => "concurrent-closes",
            Scenario::DropDuringDownload => "drop-during-download",
            Scenario::HandlesRaceClose => "handles-race-close",
            Scenario::HandleAcrossClose => "handle-across-close",
            Scenario::SharedHandle => "shared-handle",
            Scenario::MountReplies => "mount-replies",
            Scenario::LogSinkStalls => "log-sink-stalls",
            Scenario::LogSinkSlow => "log-sink-slow",
            Scenario::LogManyProducers => "log-many-producers",
            Scenario::LogShutdownRaces => "log-shutdown-races",
        }
    }

    /// The component it tests.
    pub fn component(self) -> Component {
        match self {
            Scenario::LogSinkStalls
            | Scenario::LogSinkSlow
            | Scenario::LogManyProducers
            | Scenario::LogShutdownRaces => Component::Logger,
            Scenario::MountReplies => Component::Mount,
            _ => Component::Store,
        }
    }

    /// The scenario called `name`.
    pub fn from_name(name: &str) -> Option<Scenario> {
        Scenario::ALL
            .into_iter()
            .find(|scenario| scenario.name() == name)
    }

    /// One line on what the scenario does.
    pub fn description(self) -> &'static str {
        match self {
            Scenario::ConcurrentReaders => {
                "many readers on one store; every byte must match the source"
            }
            Scenario::ReadCloseBarrier => {
                "readers wait at a barrier while close runs, then read: all get Closed"
            }
            Scenario::ReadCloseInFlight => {
                "readers blocked in the wait loop on a stalled transport; close frees them"
            }
            Scenario::MultiFileParallelism => {
                "several stores read in parallel; none disturbs another"
            }
            Scenario::MultiFileStaging => "close store A while creating and reading store B",
            Scenario::EarlyClose => {
                "close before the download completes; nothing left running or behind"
            }
            Scenario::Stress => "random readers, offsets, faults, and a close at a random point",
            Scenario::TransportResetResume => {
                "connection resets mid-stream; the download resumes byte-exact"
            }
            Scenario::PermanentTransportError => {
                "the transport fails for good; reads fail, none hang"
            }
            Scenario::DiskFull => "the disk fills up; reads past the written part fail with ENOSPC",
            Scenario::CloseDeadlineInFlight => "close with a deadline while readers are in flight",
            Scenario::DeadlineWithReaderInside => {
                "close with a deadline while a reader is inside a slow file read"
            }
            Scenario::CloseDuringBackoff => {
                "close once the transport has reset, against the downloader's backoff"
            }
            Scenario::ReadsDuringStall => {
                "the transport stalls; readers of the delivered prefix get it before any close"
            }
            Scenario::FailedDownloadReads => {
                "the download fails for good; every reader returns before any close"
            }
            Scenario::DropWhileReading => {
                "the owner drops the store while reads are in flight; nothing leaks"
            }
            Scenario::ConcurrentCloses => {
                "two closers race each other and the readers; both return once the file is released"
            }
            Scenario::DropDuringDownload => {
                "the owner drops the store mid-download; the downloader stops, nothing leaks"
            }
            Scenario::HandlesRaceClose => {
                "handles opened, read through and released while a close races them"
            }
            Scenario::HandleAcrossClose => {
                "a handle held across close; close waits for its release, the file outlives it"
            }
            Scenario::SharedHandle => {
                "one handle shared by threads, released while others read through it"
            }
            Scenario::MountReplies => {
                "mount: reads of a stalled and a complete object, then unmount; one reply each"
            }
            Scenario::LogSinkStalls => {
                "logger: the sink stalls; producers drop lines, never wait, drops counted"
            }
            Scenario::LogSinkSlow => {
                "logger: the sink drains slowly; nothing lost while there is room"
            }
            Scenario::LogManyProducers => {
                "logger: many producers, a small queue; every queued line arrives"
            }
            Scenario::LogShutdownRaces => {
                "logger: shutdown while producers log, or with lines queued; none of them lost"
            }
        }
    }

    /// `params`, with the faults this scenario is about forced in and the
    /// ones it cannot tolerate taken out.
    pub fn adapt(self, params: Params) -> Params {
        let mut params = match self {
            // Every fault may come, and none can make a read wrong: stress
            // and handles-race-close judge each read against the plan, and
            // drop-during-download reads at most the first byte.
            Scenario::Stress => return params,
            Scenario::HandlesRaceClose => return params.refusing_a_duplicate_if_drawn(),
            Scenario::DropDuringDownload if !params.reads_before_dropping() => return params,
            Scenario::DropDuringDownload => params,
            _ => params.without_harmful_faults(),
        };
        params.object_len_bytes = params.object_len_bytes.max(2);
        let first_chunk = params
            .chunk_size_bytes
            .min(params.object_len_bytes as usize / 2)
            .max(1);
        let budget = params.retry.max_consecutive_failures;
        let failing_by_permanent_error = params.fails_by_permanent_error();
        let opens_during_stall = handles::opens_during_stall(&params);
        let faults = &mut params.transport_faults;
        match self {
            Scenario::ReadCloseInFlight
            | Scenario::CloseDeadlineInFlight
            | Scenario::ReadsDuringStall
            | Scenario::MountReplies => {
                faults.stream_reads = vec![StreamFault::Short(first_chunk), StreamFault::Stall];
            }
            Scenario::HandleAcrossClose if opens_during_stall => {
                faults.stream_reads = vec![StreamFault::Short(first_chunk), StreamFault::Stall];
            }
            Scenario::DropDuringDownload => {
                // The first byte arrives, then a reset: the drop that
                // follows the read races the downloader into its backoff.
                faults
                    .stream_reads
                    .splice(0..0, [StreamFault::Short(first_chunk), StreamFault::Reset]);
                params.retry.max_consecutive_failures = budget.max(1);
            }
            Scenario::TransportResetResume => {
                // One reset more than the budget, each after progress: a
                // store that counts them all, not in a row, gives up.
                let budget = budget.max(1);
                let rounds = (budget as usize + 1).min(params.object_len_bytes as usize - 1);
                let progress_then_reset = [StreamFault::Short(1), StreamFault::Reset];
                let resets = progress_then_reset.into_iter().cycle().take(2 * rounds);
                faults.stream_reads.splice(0..0, resets);
                params.retry.max_consecutive_failures = budget;
                return params.without_harmful_faults();
            }
            Scenario::CloseDuringBackoff => {
                faults
                    .stream_reads
                    .splice(0..0, [StreamFault::Short(first_chunk), StreamFault::Reset]);
                params.retry.max_consecutive_failures = budget.max(1);
                // A backoff to wait out, however short the seed drew it.
                params.retry.initial_backoff =
                    params.retry.initial_backoff.max(Duration::from_millis(1));
                params.retry.max_backoff =
                    params.retry.max_backoff.max(params.retry.initial_backoff);
                return params.without_harmful_faults();
            }
            Scenario::PermanentTransportError => {
                faults.stream_reads = vec![StreamFault::Short(first_chunk), StreamFault::Reset];
                faults.permanent_error_at_stream = Some(1);
            }
            Scenario::DiskFull => {
                params.file_faults.disk_full_after_bytes = Some(params.object_len_bytes / 2);
            }
            Scenario::FailedDownloadReads if failing_by_permanent_error => {
                faults.stream_reads = vec![StreamFault::Short(first_chunk), StreamFault::Reset];
                faults.permanent_error_at_stream = Some(1);
            }
            Scenario::DeadlineWithReaderInside => {
                params.file_faults.slow_reads = Some(params.close_deadline * 4);
            }
            Scenario::SharedHandle => {
                params.file_faults.refuse_duplicate = params.refuses_a_duplicate().then_some(0);
            }
            Scenario::ConcurrentCloses => {
                // Loom allows five threads: main, the downloader, two closers, a reader.
                params.readers = params.readers.saturating_sub(1).max(1);
            }
            Scenario::FailedDownloadReads => {
                faults.stream_reads = vec![StreamFault::Short(first_chunk)];
                let failures = budget as usize + 1;
                faults
                    .stream_reads
                    .extend(std::iter::repeat_n(StreamFault::Reset, failures));
            }
            _ => {}
        }
        params
    }

    /// Runs the scenario once in `world`; panics with a violation message
    /// when an oracle breaks. `options` carries the harness's store settings
    /// (a planted bug, for instance); the chunk size comes from `params`.
    pub fn run<W: World>(self, world: &W, params: &Params, options: &StoreOptions) -> RunSummary {
        match self {
            Scenario::ConcurrentReaders
            | Scenario::TransportResetResume
            | Scenario::FailedDownloadReads => readers::readers_then_close(world, params, options),
            Scenario::Stress | Scenario::PermanentTransportError | Scenario::DiskFull => {
                stress::readers_and_a_closer(world, params, options)
            }
            Scenario::ReadCloseBarrier => close::read_close_barrier(world, params, options),
            Scenario::ReadCloseInFlight => close::read_close_in_flight(world, params, options),
            Scenario::EarlyClose => close::early_close(world, params, options),
            Scenario::CloseDeadlineInFlight => {
                close::close_deadline_in_flight(world, params, options)
            }
            Scenario::CloseDuringBackoff => close::close_during_backoff(world, params, options),
            Scenario::DeadlineWithReaderInside => {
                close::deadline_with_reader_inside(world, params, options)
            }
            Scenario::MultiFileParallelism => multi::parallelism(world, params, options),
            Scenario::MultiFileStaging => multi::staging(world, params, options),
            Scenario::ReadsDuringStall => no_close::reads_during_stall(world, params, options),
            Scenario::DropWhileReading => no_close::drop_while_reading(world, params, options),
            Scenario::ConcurrentCloses => stress::readers_and_two_closers(world, params, options),
            Scenario::DropDuringDownload => no_close::drop_during_download(world, params, options),
            Scenario::HandlesRaceClose => handles::handles_race_close(world, params, options),
            Scenario::HandleAcrossClose => handles::handle_across_close(world, params, options),
            Scenario::SharedHandle => handles::shared_handle(world, params, options),
            Scenario::MountReplies => mount::replies(world, params, options),
            Scenario::LogSinkStalls => {
                logger::producers(world, params, options, Sink::Stalls, Shutdown::Drained)
            }
            Scenario::LogSinkSlow => {
                logger::producers(world, params, options, Sink::Slow, Shutdown::Drained)
            }
            Scenario::LogManyProducers => {
                logger::producers(world, params, options, Sink::Fast, Shutdown::Drained)
            }
            Scenario::LogShutdownRaces => {
                let shutdown = Shutdown::racing(params);
                logger::producers(world, params, options, shutdown.sink(), shutdown)
            }
        }
    }
}
