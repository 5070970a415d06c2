//! The scenario catalogue: the seed's seven scenarios plus fault, liveness,
//! concurrent-close, drop, handle, mount and logger scenarios.
//!
//! Each scenario is a value (a unit type implementing [`ScenarioSpec`]) that
//! carries everything about itself, next to its body in the module of its
//! shape: its name and description, the component it tests, its fault plan
//! ([`ScenarioSpec::adapt`]), the step bound PCT schedules it with, and the
//! body, generic over the world it runs on ([`CatalogueWorld`]). The registry below is one
//! row per scenario; [`Scenario`] is the key a row defines, which tests,
//! the command line and the corpus name scenarios by.

mod close;
mod handles;
pub(crate) mod logger;
mod mount;
mod multi;
mod no_close;
mod readers;
mod stress;
mod subject;

use store::StoreOptions;

use crate::{CatalogueWorld, LogCell, Params, StoreSituation, StreamFault};

/// The component a scenario puts under test: the platform serves three.
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

/// What a scenario is, as plain data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct About {
    /// Kebab-case name: the scenario's identity on the command line, in run
    /// reports and in the corpus.
    pub name: &'static str,
    /// One line on what the scenario does.
    pub description: &'static str,
    /// The component it tests.
    pub component: Component,
    /// The most steps with a choice (more than one thread runnable: the
    /// only steps PCT counts) that PCT spreads its change points over: the
    /// 90th percentile of one execution's steps with a choice over 40
    /// seeded random schedules, so that change points land inside most
    /// runs rather than after their end. Measured by `cargo test --release
    /// -p sim --lib -- --ignored pct_step_bounds`. Part of what a `pct` run
    /// id means: changing it changes every PCT schedule of the scenario.
    pub pct_step_bound: usize,
    /// The situations of its subject's coverage the scenario is there to
    /// reach. Together the scenarios declare every situation (a situation
    /// may be more than one's), and each scenario reaches each of its own
    /// on the library at a rate its test's budget follows from.
    pub reaches: Reaches,
}

/// Situations of one subject's coverage, as a scenario declares them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reaches {
    /// The store's (the store's and the mount's scenarios reach them).
    Store(&'static [StoreSituation]),
    /// Cells of the logger's matrix.
    Logger(&'static [LogCell]),
}

/// One scenario: everything about it in one value.
pub trait ScenarioSpec: Sync {
    /// Its name, description, component, PCT step bound and the
    /// situations it is there to reach.
    fn about(&self) -> About;

    /// `params`, with the faults this scenario is about forced in and the
    /// ones it cannot tolerate taken out: by default every harmful fault
    /// out, and an object of at least two bytes.
    fn adapt(&self, params: Params) -> Params {
        tolerable(params)
    }

    /// Runs the scenario once in `world`; panics with a violation message
    /// when an oracle breaks. `options` carries the harness's store
    /// settings (a planted bug, for instance); the chunk size comes from
    /// `params`.
    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary
    where
        Self: Sized;
}

/// The plan most scenarios run on: no fault that could make a read wrong,
/// and an object of at least two bytes (a first chunk and a rest).
fn tolerable(params: Params) -> Params {
    at_least_two_bytes(params.without_harmful_faults())
}

fn at_least_two_bytes(mut params: Params) -> Params {
    params.object_len_bytes = params.object_len_bytes.max(2);
    params
}

/// The first chunk a fault plan delivers before its fault: at most half of
/// the object, so that something is left to fail or stall.
fn first_chunk(params: &Params) -> usize {
    params
        .chunk_size_bytes
        .min(params.object_len_bytes as usize / 2)
        .max(1)
}

/// The transport delivers the first chunk, then stalls until closed.
fn stalled_after_first_chunk(params: Params) -> Params {
    let mut params = params;
    params.transport_faults.stream_reads =
        vec![StreamFault::Short(first_chunk(&params)), StreamFault::Stall];
    params
}

/// The transport delivers the first chunk, then fails for good.
fn failing_for_good_after_first_chunk(params: Params) -> Params {
    let mut params = params;
    params.transport_faults.stream_reads =
        vec![StreamFault::Short(first_chunk(&params)), StreamFault::Reset];
    params.transport_faults.permanent_error_at_stream = Some(1);
    params
}

/// The first chunk arrives, then a reset, before whatever the plan had;
/// the store retries at least once.
fn reset_after_first_chunk(params: Params) -> Params {
    let mut params = params;
    let reset = [StreamFault::Short(first_chunk(&params)), StreamFault::Reset];
    params.transport_faults.stream_reads.splice(0..0, reset);
    params.retry.max_consecutive_failures = params.retry.max_consecutive_failures.max(1);
    params
}

/// The registry: one row per scenario, `Key => spec` with the key's doc.
/// It defines [`Scenario`], its `ALL`, and the two ways to its spec (as a
/// trait object, and statically for the generic body).
macro_rules! catalogue {
    ($($(#[$doc:meta])* $key:ident => $spec:path,)*) => {
        /// One scenario of the catalogue, as a key; [`Scenario::spec`] is
        /// everything about it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Scenario {
            $($(#[$doc])* $key,)*
        }

        impl Scenario {
            /// Every scenario, in registry order.
            pub const ALL: [Scenario; [$(stringify!($key)),*].len()] = [$(Scenario::$key),*];

            /// Everything about the scenario.
            pub fn spec(self) -> &'static dyn ScenarioSpec {
                match self {
                    $(Scenario::$key => &$spec,)*
                }
            }

            /// Runs the scenario once in `world` (see [`ScenarioSpec::run`]).
            pub fn run<W: CatalogueWorld>(
                self,
                world: &W,
                params: &Params,
                options: &StoreOptions,
            ) -> RunSummary {
                match self {
                    $(Scenario::$key => $spec.run(world, params, options),)*
                }
            }
        }
    };
}

catalogue! {
    /// Many readers on one store; every byte must match the source.
    ConcurrentReaders => readers::ConcurrentReaders,
    /// Readers gather at a barrier, close runs, then the readers go: all get `Closed`.
    ReadCloseBarrier => close::ReadCloseBarrier,
    /// Readers stall in the wait loop on a stalled transport; close must free them.
    ReadCloseInFlight => close::ReadCloseInFlight,
    /// Several stores read in parallel; none disturbs another.
    MultiFileParallelism => multi::MultiFileParallelism,
    /// Close store A while creating and reading store B.
    MultiFileStaging => multi::MultiFileStaging,
    /// Close before the download completes: nothing may be left running or behind.
    EarlyClose => close::EarlyClose,
    /// Random readers, offsets, faults and a close at a random point.
    Stress => stress::Stress,
    /// The connection resets mid-stream; the download resumes, bytes stay exact.
    TransportResetResume => readers::TransportResetResume,
    /// The transport fails for good while a close races the readers:
    /// pending and later reads fail, none hang.
    PermanentTransportError => stress::PermanentTransportError,
    /// The disk fills up while a close races the readers: reads past the
    /// written part fail with ENOSPC.
    DiskFull => stress::DiskFull,
    /// Close with a deadline while readers are in flight; the timeout may fire.
    CloseDeadlineInFlight => close::CloseDeadlineInFlight,
    /// Close with a deadline while a reader is inside a slow file read.
    DeadlineWithReaderInside => close::DeadlineWithReaderInside,
    /// Close once the transport has reset: the downloader is in its backoff,
    /// which close must not wait out.
    CloseDuringBackoff => close::CloseDuringBackoff,
    /// The transport stalls after a prefix; readers inside it get their
    /// bytes before anyone closes.
    ReadsDuringStall => no_close::ReadsDuringStall,
    /// The download fails for good; every reader returns before anyone closes.
    FailedDownloadReads => readers::FailedDownloadReads,
    /// The owner drops its handle while reads are in flight; the last reader
    /// out drops the store without closing it.
    DropWhileReading => no_close::DropWhileReading,
    /// Two closers race each other and the readers; both must return once
    /// the file is released, and later reads get `Closed`.
    ConcurrentCloses => stress::ConcurrentCloses,
    /// The owner drops the store while its download runs, having read
    /// nothing; the downloader stops and nothing leaks.
    DropDuringDownload => no_close::DropDuringDownload,
    /// Handles are opened, read through and released in any order while a
    /// close races them; the counts are read meanwhile.
    HandlesRaceClose => handles::HandlesRaceClose,
    /// A handle is held across a close, which waits for its release.
    HandleAcrossClose => handles::HandleAcrossClose,
    /// One handle shared by threads: released while others read through
    /// it; the file layer may refuse a duplicate.
    SharedHandle => handles::SharedHandle,
    /// The mount's requests on two objects, one stalled, then an unmount:
    /// each request gets one reply, none waits on the other object.
    MountReplies => mount::MountReplies,
    /// The logger's sink stalls: producers must drop, not wait.
    LogSinkStalls => logger::LogSinkStalls,
    /// The logger's sink drains slowly.
    LogSinkSlow => logger::LogSinkSlow,
    /// Many producers log into a small queue that keeps up.
    LogManyProducers => logger::LogManyProducers,
    /// The logger shuts down while producers log, or with lines queued.
    LogShutdownRaces => logger::LogShutdownRaces,
}

impl Scenario {
    /// Kebab-case name.
    pub fn name(self) -> &'static str {
        self.spec().about().name
    }

    /// The scenario called `name`.
    pub fn from_name(name: &str) -> Option<Scenario> {
        Scenario::ALL
            .into_iter()
            .find(|scenario| scenario.name() == name)
    }
}
