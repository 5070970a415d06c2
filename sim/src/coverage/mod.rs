//! Coverage: the situations worth reaching ("sometimes" assertions). A
//! search that never reaches a corner proves nothing about it, so every run
//! is classified by which named situations its trace shows, and `sim fuzz`
//! and `sim explore` print how many runs reached each.
//!
//! The classifier reads only the trace's typed events: what the platform
//! saw (streams, faults, file operations, waits) and what scenarios told
//! it (calls beginning and returning). It never asks the store.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::sync::Arc;

use scenarios::LogCall;

mod logger;

pub use scenarios::LogState;

use crate::platform::{Event, FileOp, FileResult, Outcome, TransportFault, What};

/// A public operation of the store, as the coverage matrix's rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(test, derive(Default))]
pub enum Operation {
    /// `read_at`.
    #[cfg_attr(test, default)]
    ReadAt,
    /// `close`.
    Close,
    /// `close_with_deadline`.
    CloseWithDeadline,
    /// Dropping the last handle.
    DropLastHandle,
    /// `open_handle`.
    OpenHandle,
    /// A handle's release (or drop).
    Release,
}

impl Operation {
    /// Every operation, in table order.
    pub const ALL: [Operation; 6] = [
        Operation::ReadAt,
        Operation::Close,
        Operation::CloseWithDeadline,
        Operation::DropLastHandle,
        Operation::OpenHandle,
        Operation::Release,
    ];

    /// Whether it ends the store: a download that stops after it began
    /// was cancelled, not failed.
    fn ends_the_store(self) -> bool {
        matches!(
            self,
            Operation::Close | Operation::CloseWithDeadline | Operation::DropLastHandle
        )
    }

    /// Its name in tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Operation::ReadAt => "read_at",
            Operation::Close => "close",
            Operation::CloseWithDeadline => "close_with_deadline",
            Operation::DropLastHandle => "drop",
            Operation::OpenHandle => "open_handle",
            Operation::Release => "release",
        }
    }
}

/// Where a store's download stands when an operation begins: the coverage
/// matrix's columns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// The downloader has not opened a stream yet.
    #[default]
    BeforeFirstStream,
    /// A stream is open, or about to be opened again after a backoff.
    Streaming,
    /// The downloader waits out a backoff after a transient failure.
    InBackoff,
    /// The transport stalls: no byte comes until it is cancelled.
    Stalled,
    /// Every byte is in the file.
    Complete,
    /// The download failed for good (a permanent error, the retry budget
    /// spent, the disk full).
    Failed,
}

impl Phase {
    /// Every phase, in table order.
    pub const ALL: [Phase; 6] = [
        Phase::BeforeFirstStream,
        Phase::Streaming,
        Phase::InBackoff,
        Phase::Stalled,
        Phase::Complete,
        Phase::Failed,
    ];

    /// Its name in tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Phase::BeforeFirstStream => "before-first-stream",
            Phase::Streaming => "streaming",
            Phase::InBackoff => "in-backoff",
            Phase::Stalled => "stalled",
            Phase::Complete => "complete",
            Phase::Failed => "failed",
        }
    }
}

/// A call in flight on a store when another thread's operation begins:
/// the columns of the matrix of operations against operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(test, derive(Default))]
pub enum InFlight {
    /// A `read_at`, of the store or through a handle.
    #[cfg_attr(test, default)]
    ReadAt,
    /// A `close` or `close_with_deadline`.
    Close,
    /// An `open_handle`.
    OpenHandle,
    /// A handle's release (or drop).
    Release,
}

impl InFlight {
    /// Every call in flight, in table order.
    pub const ALL: [InFlight; 4] = [
        InFlight::ReadAt,
        InFlight::Close,
        InFlight::OpenHandle,
        InFlight::Release,
    ];

    /// Its name in tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            InFlight::ReadAt => "read_at",
            InFlight::Close => "close",
            InFlight::OpenHandle => "open_handle",
            InFlight::Release => "release",
        }
    }
}

/// The operations of the matrix of operations against operations in
/// flight: every operation but the last handle's drop, which no other
/// thread can meet with a call of its own begun after it.
pub const PAIRED_OPERATIONS: [Operation; 5] = [
    Operation::ReadAt,
    Operation::Close,
    Operation::CloseWithDeadline,
    Operation::OpenHandle,
    Operation::Release,
];

/// The registry of named situations: one row per situation, `Key =>
/// name` with the key's doc. It defines [`Situation`] (the named ones,
/// then one variant per matrix), `NAMED` and the named ones' names.
macro_rules! named_situations {
    ($($(#[$doc:meta])* $key:ident => $name:literal,)*) => {
        /// A situation worth reaching: one of the named corners, a cell of
        /// the matrix of operations and download phases, or one of the
        /// matrix of operations against the calls in flight on the same
        /// store, or of the logger's calls against its states.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Situation {
            $($(#[$doc])* $key,)*
            /// An operation began while the download stood in a phase.
            Cell(Operation, Phase),
            /// An operation began while another thread's call was in flight on the
            /// same store.
            Pair(Operation, InFlight),
            /// A call on the logger began while its queue or its writer stood in a
            /// state.
            Log(LogCall, LogState),
        }

        impl Situation {
            /// The named situations, in table order.
            pub const NAMED: [Situation; [$($name),*].len()] = [$(Situation::$key),*];

            /// A named situation's name; `None` for a matrix's cell.
            fn named_name(self) -> Option<&'static str> {
                match self {
                    $(Situation::$key => Some($name),)*
                    Situation::Cell(..) | Situation::Pair(..) | Situation::Log(..) => None,
                }
            }
        }
    };
}

named_situations! {
    /// A reader waited inside `read_at`, then returned `Closed`: a close
    /// interrupted its wait loop.
    ReaderWokenByClose => "reader-woken-by-close",
    /// A downloader's backoff ended while a close of its store was running.
    CloseDuringBackoff => "close-during-backoff",
    /// `close_with_deadline` gave up at its deadline.
    CloseDeadlineFires => "close-deadline-fires",
    /// After a reset, a stream resumed past byte 0.
    ResumeAfterReset => "resume-after-reset",
    /// A write failed for lack of space after an earlier write to the same
    /// file succeeded.
    DiskFullMidDownload => "disk-full-mid-download",
    /// The last reader out released the temp file.
    ReleasedByLastReader => "released-by-last-reader",
    /// The exiting downloader released the temp file.
    ReleasedByDownloader => "released-by-downloader",
    /// The closer released the temp file.
    ReleasedByCloser => "released-by-closer",
    /// Dropping the last handle released the temp file: nobody closed the
    /// store, or nobody was left to.
    ReleasedByDrop => "released-by-drop",
    /// Two closes of one store ran at once.
    TwoClosersAtOnce => "two-closers-at-once",
    /// The transport refused for good while a reader of the store waited.
    PermanentErrorWithReadersWaiting => "permanent-error-with-readers-waiting",
    /// A close began before the downloader opened its first stream.
    CloseBeforeFirstStream => "close-before-first-stream",
    /// A read returned bytes while the downloader was stalled on the transport.
    ReadServedDuringStall => "read-served-during-stall",
    /// A read failed because transient failures used up the retry budget.
    RetriesExhausted => "retries-exhausted",
    /// A store of an empty object.
    EmptyObject => "empty-object",
    /// A read through a handle closed the handle's duplicate: the handle
    /// was released while the read was in flight.
    ReadClosesReleasedDuplicate => "read-closes-released-duplicate",
    /// The file layer refused a duplicate for a handle.
    DuplicateRefused => "duplicate-refused",
    /// `close_with_deadline` gave up while it counted readers in flight.
    DeadlineFiresWithReadersInside => "deadline-fires-with-readers-inside",
}

impl Situation {
    /// How many cells the matrix of operations and phases has.
    const CELLS: usize = Operation::ALL.len() * Phase::ALL.len();

    /// How many cells the matrix of operations against calls in flight has.
    const PAIRS: usize = PAIRED_OPERATIONS.len() * InFlight::ALL.len();

    /// How many situations there are: the named ones and the three
    /// matrices' cells.
    pub const COUNT: usize = Situation::NAMED.len()
        + Situation::CELLS
        + Situation::PAIRS
        + LogCall::ALL.len() * LogState::ALL.len();

    /// Every situation: the named ones, then each matrix row by row.
    pub fn all() -> impl Iterator<Item = Situation> {
        let cells = Operation::ALL.into_iter().flat_map(|operation| {
            Phase::ALL
                .into_iter()
                .map(move |phase| Situation::Cell(operation, phase))
        });
        let pairs = PAIRED_OPERATIONS.into_iter().flat_map(|operation| {
            InFlight::ALL
                .into_iter()
                .map(move |in_flight| Situation::Pair(operation, in_flight))
        });
        let log = LogCall::ALL.into_iter().flat_map(|call| {
            LogState::ALL
                .into_iter()
                .map(move |state| Situation::Log(call, state))
        });
        Situation::NAMED
            .into_iter()
            .chain(cells)
            .chain(pairs)
            .chain(log)
    }

    /// Its place in [`Situation::all`].
    fn index(self) -> usize {
        match self {
            Situation::Cell(operation, phase) => {
                Situation::NAMED.len() + operation as usize * Phase::ALL.len() + phase as usize
            }
            Situation::Pair(operation, in_flight) => {
                let row = PAIRED_OPERATIONS
                    .iter()
                    .position(|&paired| paired == operation)
                    .expect("only paired operations make pairs");
                Situation::NAMED.len()
                    + Situation::CELLS
                    + row * InFlight::ALL.len()
                    + in_flight as usize
            }
            Situation::Log(call, state) => {
                Situation::NAMED.len()
                    + Situation::CELLS
                    + Situation::PAIRS
                    + call as usize * LogState::ALL.len()
                    + state as usize
            }
            named => Situation::NAMED
                .iter()
                .position(|&listed| listed == named)
                .expect("every named situation is listed"),
        }
    }

    /// The situation's name in tables and JSON: `read_at@streaming` for a
    /// cell of the matrix.
    pub fn name(self) -> String {
        match self {
            Situation::Cell(operation, phase) => format!("{}@{}", operation.name(), phase.name()),
            Situation::Pair(operation, in_flight) => {
                format!("{}|{}", operation.name(), in_flight.name())
            }
            Situation::Log(call, state) => format!("{}@{}", call.name(), state.name()),
            named => named
                .named_name()
                .expect("every situation but a cell is named")
                .to_owned(),
        }
    }

    /// The situation called `name`.
    pub fn from_name(name: &str) -> Option<Situation> {
        Situation::all().find(|situation| situation.name() == name)
    }
}

impl fmt::Display for Situation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl harness::coverage::Situation for Situation {
    const COUNT: usize = Situation::COUNT;

    fn index(self) -> usize {
        Situation::index(self)
    }

    fn all() -> impl Iterator<Item = Situation> {
        Situation::all()
    }

    fn name(self) -> String {
        Situation::name(self)
    }

    fn from_name(name: &str) -> Option<Situation> {
        Situation::from_name(name)
    }
}

/// The situations one run reached: the library's set, of the store's and
/// the logger's situations.
pub type Reached = harness::coverage::Reached<Situation>;

/// How many runs reached each situation: the library's tally. Serialised as
/// a map from each situation's name to its runs, the form children report
/// and JSON shows.
pub type Coverage = harness::coverage::Tally<Situation>;

/// The situations `trace` shows.
pub fn reached_in(trace: &[Event]) -> Reached {
    let mut store = Classifier::default();
    let mut logger = logger::Classifier::default();
    for event in trace {
        store.see(event);
        logger.see(event, &mut store.reached);
    }
    store.reached
}

/// The tables `sim fuzz` and `sim explore` print: each named situation,
/// the runs that reached it and the share of `total_runs`; then each
/// matrix, runs per cell.
pub fn table(coverage: &Coverage, total_runs: u64) -> String {
    let mut text = String::from("| situation | runs | share |\n|---|---:|---:|\n");
    for situation in Situation::NAMED {
        let runs = coverage.runs(situation);
        let share = if runs == 0 {
            "NEVER".to_owned()
        } else {
            format!("{:.2}%", 100.0 * runs as f64 / total_runs.max(1) as f64)
        };
        text.push_str(&format!("| {situation} | {runs} | {share} |\n"));
    }
    let phases: Vec<&str> = Phase::ALL.iter().map(|phase| phase.name()).collect();
    text.push_str(&matrix(
        coverage,
        "download",
        &phases,
        &Operation::ALL,
        |operation, column| Situation::Cell(operation, Phase::ALL[column]),
    ));
    let calls: Vec<&str> = InFlight::ALL.iter().map(|call| call.name()).collect();
    text.push_str(&matrix(
        coverage,
        "another thread's call in flight",
        &calls,
        &PAIRED_OPERATIONS,
        |operation, column| Situation::Pair(operation, InFlight::ALL[column]),
    ));
    let states: Vec<&str> = LogState::ALL.iter().map(|state| state.name()).collect();
    text.push_str(&matrix(
        coverage,
        "the logger's queue and writer",
        &states,
        &LogCall::ALL,
        |call, column| Situation::Log(call, LogState::ALL[column]),
    ));
    text
}

/// One matrix as a table: a row per operation, a column per name in
/// `columns`, runs per cell (`cell` names it by row and column index).
fn matrix<Row: Copy + RowName>(
    coverage: &Coverage,
    across: &str,
    columns: &[&str],
    rows: &[Row],
    cell: impl Fn(Row, usize) -> Situation,
) -> String {
    let mut text = format!(
        "\n| operation \\ {across} | {} |\n|---|{}\n",
        columns.join(" | "),
        "---:|".repeat(columns.len())
    );
    for &row in rows {
        let cells: Vec<String> = (0..columns.len())
            .map(|column| match coverage.runs(cell(row, column)) {
                0 => "NEVER".to_owned(),
                runs => runs.to_string(),
            })
            .collect();
        text.push_str(&format!("| {} | {} |\n", row.row_name(), cells.join(" | ")));
    }
    text
}

/// A matrix's row, named in its table.
trait RowName {
    fn row_name(self) -> &'static str;
}

impl RowName for Operation {
    fn row_name(self) -> &'static str {
        self.name()
    }
}

impl RowName for LogCall {
    fn row_name(self) -> &'static str {
        self.name()
    }
}

/// The store call a thread is inside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum InCall {
    Read(&'static str),
    Close(&'static str),
    Drop(&'static str),
}

/// What the classifier knows of one thread so far.
#[derive(Clone, Debug, Default)]
struct ThreadSeen {
    /// The store call it is inside.
    call: Option<InCall>,
    /// Its last event was an untimed wait.
    waiting: bool,
    /// It waited inside its current call.
    waited_in_call: bool,
    /// The last store it opened.
    opened: Option<&'static str>,
    /// The store its spawner had opened last: the store it works for.
    spawned_for: Option<&'static str>,
    /// It made a store call or opened a store: a scenario thread.
    acts_for_scenario: bool,
    /// The store whose transport streams it opened: it is that store's downloader.
    downloads: Option<&'static str>,
}

impl ThreadSeen {
    /// Whether it may be a downloader: it opened streams, or it was spawned
    /// for a store and never acted for the scenario (a downloader that a
    /// close stopped before its first stream).
    fn may_download(&self) -> bool {
        self.downloads.is_some() || (self.spawned_for.is_some() && !self.acts_for_scenario)
    }
}

/// What the classifier knows of one store so far.
#[derive(Clone, Debug, Default)]
struct StoreSeen {
    closes_running: usize,
    streams_opened: usize,
    reset_seen: bool,
    refused_for_good: bool,
    /// Where its download stands.
    phase: Phase,
    /// Its object's length.
    len: u64,
    /// Bytes written to its file.
    written: u64,
    /// A close or the last handle's drop began: a download that stops now
    /// was cancelled, not failed.
    ending: bool,
}

impl StoreSeen {
    /// The download moves to `phase`, unless it has already ended.
    fn moves_to(&mut self, phase: Phase) {
        if !matches!(self.phase, Phase::Complete | Phase::Failed) {
            self.phase = phase;
        }
    }
}

#[derive(Debug, Default)]
struct Classifier {
    reached: Reached,
    /// Per thread, in the order of their first events: a run has a handful,
    /// and a trace's events share their thread's name, so a scan comparing
    /// pointers first beats a map keyed by the text.
    threads: Vec<(Arc<str>, ThreadSeen)>,
    stores: BTreeMap<&'static str, StoreSeen>,
    /// Per temp file: the store it belongs to.
    file_stores: BTreeMap<usize, &'static str>,
    /// Per temp file: whether a write to it succeeded.
    files_written: BTreeMap<usize, bool>,
    /// Per thread: the call it is inside, and that call's store.
    calls_in_flight: BTreeMap<Arc<str>, (&'static str, InFlight)>,
}

impl Classifier {
    fn see(&mut self, event: &Event) {
        let thread = &event.thread;
        let seen = self.thread(thread);
        seen.waiting = matches!(event.what, What::Waits { .. });
        if seen.waiting && seen.call.is_some() {
            seen.waited_in_call = true;
        }
        match &event.what {
            What::StoreOpened { store, len } => {
                let seen = self.thread(thread);
                seen.opened = Some(store);
                seen.acts_for_scenario = true;
                self.store(store).len = *len;
                if *len == 0 {
                    self.reached.insert(Situation::EmptyObject);
                }
            }
            What::FileCreated { file } => {
                if let Some(store) = self.thread(thread).opened {
                    self.file_stores.insert(*file, store);
                }
            }
            What::Spawns { thread: child } => {
                let store = self.thread(thread).opened;
                self.thread(child).spawned_for = store;
            }
            What::ReadBegins { store, .. } => {
                self.operation_begins(store, Operation::ReadAt);
                self.paired_call_begins(thread, store, Operation::ReadAt, InFlight::ReadAt);
                self.call_begins(thread, InCall::Read(store));
            }
            What::ReadReturns { store, outcome, .. } => {
                self.calls_in_flight.remove(thread);
                self.read_returns(thread, store, outcome);
            }
            What::CloseBegins { store, deadline } => {
                let operation = match deadline {
                    None => Operation::Close,
                    Some(_) => Operation::CloseWithDeadline,
                };
                self.operation_begins(store, operation);
                self.paired_call_begins(thread, store, operation, InFlight::Close);
                self.close_begins(thread, store);
            }
            What::CloseReturns { store, outcome } => {
                self.calls_in_flight.remove(thread);
                let seen = self.store(store);
                seen.closes_running = seen.closes_running.saturating_sub(1);
                self.thread(thread).call = None;
                if let Outcome::DeadlineExceeded {
                    readers_in_flight, ..
                } = outcome
                {
                    self.reached.insert(Situation::CloseDeadlineFires);
                    if *readers_in_flight > 0 {
                        self.reached
                            .insert(Situation::DeadlineFiresWithReadersInside);
                    }
                }
            }
            What::DropBegins { store } => {
                self.operation_begins(store, Operation::DropLastHandle);
                self.call_begins(thread, InCall::Drop(store));
            }
            What::DropReturns { .. } => self.thread(thread).call = None,
            What::HandleOpens { store } => {
                self.operation_begins(store, Operation::OpenHandle);
                self.paired_call_begins(thread, store, Operation::OpenHandle, InFlight::OpenHandle);
            }
            What::ReleaseBegins { store } => {
                self.operation_begins(store, Operation::Release);
                self.paired_call_begins(thread, store, Operation::Release, InFlight::Release);
            }
            What::HandleOpenReturns { .. } | What::ReleaseReturns { .. } => {
                self.calls_in_flight.remove(thread);
            }
            What::StreamOpened { from, .. } => self.stream_opened(thread, *from),
            What::Fault(TransportFault::Reset) => {
                if let Some(store) = self.thread(thread).downloads {
                    self.store(store).reset_seen = true;
                }
            }
            What::StreamRefused { .. } => self.refused(thread),
            What::TimedWaitBegins { .. } => self.download_moves(thread, Phase::InBackoff),
            What::TimedWaitEnds { .. } => self.timed_wait_ends(thread),
            What::Fault(TransportFault::Stalls) => self.download_moves(thread, Phase::Stalled),
            What::Finishes => self.finishes(thread),
            What::File { file, op, result } => self.file_event(thread, *file, *op, *result),
            _ => {}
        }
    }

    fn thread(&mut self, thread: &str) -> &mut ThreadSeen {
        let known = self
            .threads
            .iter()
            .position(|(name, _)| std::ptr::eq(&**name, thread) || &**name == thread);
        let index = known.unwrap_or_else(|| {
            self.threads
                .push((Arc::from(thread), ThreadSeen::default()));
            self.threads.len() - 1
        });
        &mut self.threads[index].1
    }

    fn store(&mut self, store: &'static str) -> &mut StoreSeen {
        self.stores.entry(store).or_default()
    }

    /// `operation` of `store` begins: the cell of its download's phase.
    fn operation_begins(&mut self, store: &'static str, operation: Operation) {
        let seen = self.store(store);
        let phase = seen.phase;
        if operation.ends_the_store() {
            seen.ending = true;
        }
        self.reached.insert(Situation::Cell(operation, phase));
    }

    /// `thread`'s call of `operation` on `store` begins: a cell of the
    /// matrix of operations against calls in flight for each other
    /// thread's call on that store; then the call is in flight itself.
    fn paired_call_begins(
        &mut self,
        thread: &Arc<str>,
        store: &'static str,
        operation: Operation,
        call: InFlight,
    ) {
        for (other, (on, met)) in &self.calls_in_flight {
            if other != thread && *on == store {
                self.reached.insert(Situation::Pair(operation, *met));
            }
        }
        self.calls_in_flight
            .insert(Arc::clone(thread), (store, call));
    }

    /// The store whose downloader `thread` is, if it is one.
    fn downloader_of(&mut self, thread: &Arc<str>) -> Option<&'static str> {
        let seen = self.thread(thread);
        if !seen.may_download() {
            return None;
        }
        seen.downloads.or(seen.spawned_for)
    }

    /// If `thread` is a downloader, its download moves to `phase`.
    fn download_moves(&mut self, thread: &Arc<str>, phase: Phase) {
        if let Some(store) = self.downloader_of(thread) {
            self.store(store).moves_to(phase);
        }
    }

    /// A downloader that stops has every byte, or was cancelled by an
    /// ending store, or failed.
    fn finishes(&mut self, thread: &Arc<str>) {
        self.calls_in_flight.remove(thread);
        let Some(store) = self.downloader_of(thread) else {
            return;
        };
        let seen = self.store(store);
        if seen.written >= seen.len {
            seen.moves_to(Phase::Complete);
        } else if !seen.ending {
            seen.moves_to(Phase::Failed);
        }
    }

    fn call_begins(&mut self, thread: &Arc<str>, call: InCall) {
        let seen = self.thread(thread);
        seen.call = Some(call);
        seen.waited_in_call = false;
        seen.acts_for_scenario = true;
    }

    fn read_returns(&mut self, thread: &Arc<str>, store: &'static str, outcome: &Outcome) {
        let waited = self.thread(thread).waited_in_call;
        match outcome {
            Outcome::ClosedError if waited => self.reached.insert(Situation::ReaderWokenByClose),
            Outcome::Read(_) if self.downloader_stalled(store) => {
                self.reached.insert(Situation::ReadServedDuringStall);
            }
            Outcome::DownloadFailed { .. } if !self.store(store).refused_for_good => {
                self.reached.insert(Situation::RetriesExhausted);
            }
            _ => {}
        }
        let seen = self.thread(thread);
        seen.call = None;
        seen.waited_in_call = false;
    }

    fn close_begins(&mut self, thread: &Arc<str>, store: &'static str) {
        self.call_begins(thread, InCall::Close(store));
        let seen = self.store(store);
        seen.closes_running += 1;
        let (two_closers, early) = (seen.closes_running >= 2, seen.streams_opened == 0);
        if two_closers {
            self.reached.insert(Situation::TwoClosersAtOnce);
        }
        if early {
            self.reached.insert(Situation::CloseBeforeFirstStream);
        }
    }

    fn stream_opened(&mut self, thread: &Arc<str>, from: u64) {
        let seen = self.thread(thread);
        if !seen.acts_for_scenario {
            seen.downloads = seen.spawned_for;
        }
        let Some(store) = seen.downloads else {
            return;
        };
        let seen = self.store(store);
        seen.streams_opened += 1;
        seen.moves_to(Phase::Streaming);
        if from != 0 && seen.reset_seen {
            self.reached.insert(Situation::ResumeAfterReset);
        }
    }

    fn refused(&mut self, thread: &Arc<str>) {
        let Some(store) = self.thread(thread).downloads else {
            return;
        };
        let seen = self.store(store);
        seen.refused_for_good = true;
        seen.moves_to(Phase::Failed);
        if self.reader_waiting(store) {
            self.reached
                .insert(Situation::PermanentErrorWithReadersWaiting);
        }
    }

    /// A downloader's timed wait (its backoff) ends.
    fn timed_wait_ends(&mut self, thread: &Arc<str>) {
        let Some(store) = self.thread(thread).downloads else {
            return;
        };
        let seen = self.store(store);
        if seen.phase == Phase::InBackoff {
            seen.moves_to(Phase::Streaming);
        }
        if seen.closes_running > 0 {
            self.reached.insert(Situation::CloseDuringBackoff);
        }
    }

    fn file_event(&mut self, thread: &Arc<str>, file: usize, op: FileOp, result: FileResult) {
        let store = self.file_stores.get(&file).copied();
        match (op, result) {
            (FileOp::Write { from, to }, FileResult::Done) => {
                self.files_written.insert(file, true);
                if let Some(store) = store {
                    let seen = self.store(store);
                    seen.written += to - from;
                    if seen.written >= seen.len {
                        seen.moves_to(Phase::Complete);
                    }
                }
            }
            (FileOp::Write { .. }, FileResult::Failed(kind)) => {
                if kind == io::ErrorKind::StorageFull
                    && self.files_written.get(&file).copied().unwrap_or(false)
                {
                    self.reached.insert(Situation::DiskFullMidDownload);
                }
                if let Some(store) = store {
                    self.store(store).moves_to(Phase::Failed);
                }
            }
            (FileOp::CloseDuplicate { .. }, FileResult::Done)
                if matches!(
                    self.calls_in_flight.get(thread),
                    Some((_, InFlight::ReadAt))
                ) =>
            {
                self.reached.insert(Situation::ReadClosesReleasedDuplicate);
            }
            (FileOp::Duplicate { .. }, FileResult::Failed(_)) => {
                self.reached.insert(Situation::DuplicateRefused);
            }
            (FileOp::Remove, _) => {
                let seen = self.thread(thread);
                let releaser = match seen.call {
                    Some(InCall::Close(_)) => Situation::ReleasedByCloser,
                    Some(InCall::Read(_)) => Situation::ReleasedByLastReader,
                    Some(InCall::Drop(_)) => Situation::ReleasedByDrop,
                    None if seen.may_download() => Situation::ReleasedByDownloader,
                    None => Situation::ReleasedByDrop,
                };
                self.reached.insert(releaser);
            }
            _ => {}
        }
    }

    fn downloader_stalled(&self, store: &str) -> bool {
        self.threads
            .iter()
            .any(|(_, seen)| seen.waiting && seen.downloads == Some(store))
    }

    fn reader_waiting(&self, store: &str) -> bool {
        self.threads.iter().any(|(_, seen)| {
            seen.waiting && matches!(seen.call, Some(InCall::Read(on)) if on == store)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use super::*;
    use crate::platform::TimedEnd;

    const MAIN: &str = "main-thread";
    const READER: &str = "reader-A0";
    const DOWNLOADER: &str = "tempfilestore-downloader";

    fn trace(events: Vec<(&str, What)>) -> Vec<Event> {
        events
            .into_iter()
            .map(|(thread, what)| Event {
                thread: thread.into(),
                what,
            })
            .collect()
    }

    fn opening() -> Vec<(&'static str, What)> {
        vec![
            (
                MAIN,
                What::StoreOpened {
                    store: "A",
                    len: 64,
                },
            ),
            (MAIN, What::FileCreated { file: 0 }),
            (
                MAIN,
                What::Spawns {
                    thread: DOWNLOADER.to_owned(),
                },
            ),
            (
                MAIN,
                What::Spawns {
                    thread: READER.to_owned(),
                },
            ),
        ]
    }

    fn reached(events: Vec<(&'static str, What)>) -> Reached {
        let mut all = opening();
        all.extend(events);
        reached_in(&trace(all))
    }

    fn read_begins() -> What {
        What::ReadBegins {
            store: "A",
            offset: 0,
            end: 8,
        }
    }

    fn read_returns(outcome: Outcome) -> What {
        What::ReadReturns {
            store: "A",
            offset: 0,
            end: 8,
            outcome,
        }
    }

    fn close_begins() -> What {
        What::CloseBegins {
            store: "A",
            deadline: None,
        }
    }

    fn close_returns() -> What {
        What::CloseReturns {
            store: "A",
            outcome: Outcome::Closed,
        }
    }

    fn stream(stream: usize, from: u64) -> What {
        What::StreamOpened { stream, from }
    }

    fn reset() -> What {
        What::Fault(TransportFault::Reset)
    }

    #[track_caller]
    fn waits() -> What {
        What::Waits {
            at: Location::caller(),
        }
    }

    #[track_caller]
    fn timed_wait_ends(how: TimedEnd) -> What {
        What::TimedWaitEnds {
            at: Location::caller(),
            how,
        }
    }

    fn file(op: FileOp, result: FileResult) -> What {
        What::File {
            file: 0,
            op,
            result,
        }
    }

    fn download_failed() -> Outcome {
        Outcome::DownloadFailed {
            kind: io::ErrorKind::ConnectionReset,
            message: "reset (planned)".to_owned(),
        }
    }

    #[test]
    fn a_reader_that_waited_and_got_closed_was_woken_by_close() {
        let woken = reached(vec![
            (READER, read_begins()),
            (READER, waits()),
            (MAIN, close_begins()),
            (READER, read_returns(Outcome::ClosedError)),
        ]);
        assert!(woken.contains(Situation::ReaderWokenByClose));
        let turned_away = reached(vec![
            (READER, read_begins()),
            (READER, read_returns(Outcome::ClosedError)),
        ]);
        assert!(!turned_away.contains(Situation::ReaderWokenByClose));
    }

    #[test]
    fn a_backoff_ending_during_close_is_close_during_backoff() {
        let during = reached(vec![
            (DOWNLOADER, stream(0, 0)),
            (DOWNLOADER, reset()),
            (MAIN, close_begins()),
            (DOWNLOADER, timed_wait_ends(TimedEnd::Notified)),
        ]);
        assert!(during.contains(Situation::CloseDuringBackoff));
        assert!(!during.contains(Situation::CloseBeforeFirstStream));
        let without_close = reached(vec![
            (DOWNLOADER, stream(0, 0)),
            (DOWNLOADER, reset()),
            (
                DOWNLOADER,
                timed_wait_ends(TimedEnd::Fires {
                    clock: std::time::Duration::from_millis(5),
                }),
            ),
        ]);
        assert!(!without_close.contains(Situation::CloseDuringBackoff));
    }

    #[test]
    fn only_a_store_of_zero_bytes_is_an_empty_object() {
        assert!(!reached(vec![]).contains(Situation::EmptyObject));
        let empty = reached_in(&trace(vec![(
            MAIN,
            What::StoreOpened { store: "A", len: 0 },
        )]));
        assert!(empty.contains(Situation::EmptyObject));
    }

    #[test]
    fn a_stream_past_byte_zero_after_a_reset_is_a_resume() {
        let resumed = reached(vec![
            (DOWNLOADER, stream(0, 0)),
            (DOWNLOADER, reset()),
            (DOWNLOADER, stream(1, 16)),
        ]);
        assert!(resumed.contains(Situation::ResumeAfterReset));
        let restarted = reached(vec![
            (DOWNLOADER, stream(0, 0)),
            (DOWNLOADER, reset()),
            (DOWNLOADER, stream(1, 0)),
        ]);
        assert!(!restarted.contains(Situation::ResumeAfterReset));
    }

    #[test]
    fn disk_full_counts_only_after_a_successful_write() {
        let full = || {
            file(
                FileOp::Write { from: 8, to: 16 },
                FileResult::Failed(io::ErrorKind::StorageFull),
            )
        };
        let mid = reached(vec![
            (
                DOWNLOADER,
                file(FileOp::Write { from: 0, to: 8 }, FileResult::Done),
            ),
            (DOWNLOADER, full()),
        ]);
        assert!(mid.contains(Situation::DiskFullMidDownload));
        let at_start = reached(vec![(DOWNLOADER, full())]);
        assert!(!at_start.contains(Situation::DiskFullMidDownload));
    }

    #[test]
    fn the_releaser_is_named_by_the_call_it_is_in() {
        let remove = || file(FileOp::Remove, FileResult::Done);
        let by_reader = reached(vec![(READER, read_begins()), (READER, remove())]);
        assert!(by_reader.contains(Situation::ReleasedByLastReader));
        let by_closer = reached(vec![(MAIN, close_begins()), (MAIN, remove())]);
        assert!(by_closer.contains(Situation::ReleasedByCloser));
        let by_downloader = reached(vec![(DOWNLOADER, remove())]);
        assert!(by_downloader.contains(Situation::ReleasedByDownloader));
        let by_drop = reached(vec![
            (READER, read_begins()),
            (READER, read_returns(Outcome::Read(8))),
            (READER, What::DropBegins { store: "A" }),
            (READER, remove()),
        ]);
        assert!(by_drop.contains(Situation::ReleasedByDrop));
        assert!(!by_drop.contains(Situation::ReleasedByLastReader));
    }

    #[test]
    fn overlapping_closes_are_two_closers() {
        let two = reached(vec![(MAIN, close_begins()), ("closer", close_begins())]);
        assert!(two.contains(Situation::TwoClosersAtOnce));
        let one_after_another = reached(vec![
            (MAIN, close_begins()),
            (MAIN, close_returns()),
            ("closer", close_begins()),
        ]);
        assert!(!one_after_another.contains(Situation::TwoClosersAtOnce));
    }

    #[test]
    fn a_refusal_while_a_reader_waits_is_a_permanent_error_with_readers_waiting() {
        let refused = || What::StreamRefused { stream: 0 };
        let waiting = reached(vec![
            (READER, read_begins()),
            (READER, waits()),
            (DOWNLOADER, stream(0, 0)),
            (DOWNLOADER, refused()),
            (READER, read_returns(download_failed())),
        ]);
        assert!(waiting.contains(Situation::PermanentErrorWithReadersWaiting));
        assert!(!waiting.contains(Situation::RetriesExhausted));
        let nobody_waiting = reached(vec![
            (MAIN, waits()),
            (READER, read_begins()),
            (DOWNLOADER, stream(0, 0)),
            (DOWNLOADER, refused()),
        ]);
        assert!(!nobody_waiting.contains(Situation::PermanentErrorWithReadersWaiting));
    }

    #[test]
    fn a_download_failure_without_a_refusal_is_retries_exhausted() {
        let exhausted = reached(vec![
            (READER, read_begins()),
            (DOWNLOADER, stream(0, 0)),
            (DOWNLOADER, reset()),
            (READER, read_returns(download_failed())),
        ]);
        assert!(exhausted.contains(Situation::RetriesExhausted));
    }

    #[test]
    fn a_read_returning_bytes_while_the_downloader_waits_is_served_during_a_stall() {
        let served = reached(vec![
            (DOWNLOADER, stream(0, 0)),
            (DOWNLOADER, waits()),
            (READER, read_begins()),
            (READER, read_returns(Outcome::Read(8))),
        ]);
        assert!(served.contains(Situation::ReadServedDuringStall));
        let no_stall = reached(vec![
            (DOWNLOADER, stream(0, 0)),
            (READER, read_begins()),
            (READER, read_returns(Outcome::Read(8))),
        ]);
        assert!(!no_stall.contains(Situation::ReadServedDuringStall));
    }

    #[test]
    fn a_reader_that_cancels_the_transport_is_no_downloader() {
        let after_cancel = reached(vec![
            (READER, read_begins()),
            (READER, What::Cancelled),
            (READER, read_returns(Outcome::ClosedError)),
            (READER, waits()),
            ("reader-A1", read_begins()),
            ("reader-A1", read_returns(Outcome::Read(8))),
        ]);
        assert!(!after_cancel.contains(Situation::ReadServedDuringStall));
    }

    #[test]
    fn every_situation_has_its_own_index_and_name() {
        let all: Vec<Situation> = Situation::all().collect();
        for (index, &situation) in all.iter().enumerate() {
            assert_eq!(situation.index(), index, "{situation}");
            assert_eq!(Situation::from_name(&situation.name()), Some(situation));
        }
    }

    fn cell(operation: Operation, phase: Phase) -> Situation {
        Situation::Cell(operation, phase)
    }

    const RELEASER: &str = "releaser";

    #[test]
    fn a_read_that_closes_its_handles_duplicate_met_the_handles_release() {
        let events = vec![
            (READER, read_begins()),
            (RELEASER, What::ReleaseBegins { store: "A" }),
            (
                READER,
                file(FileOp::CloseDuplicate { duplicate: 0 }, FileResult::Done),
            ),
        ];
        assert!(reached(events).contains(Situation::ReadClosesReleasedDuplicate));
        let released_alone = vec![(
            RELEASER,
            file(FileOp::CloseDuplicate { duplicate: 0 }, FileResult::Done),
        )];
        assert!(!reached(released_alone).contains(Situation::ReadClosesReleasedDuplicate));
    }

    #[test]
    fn a_duplicate_the_file_layer_failed_is_a_refused_duplicate() {
        let refused = file(
            FileOp::Duplicate { duplicate: 0 },
            FileResult::Failed(io::ErrorKind::Other),
        );
        assert!(reached(vec![(MAIN, refused)]).contains(Situation::DuplicateRefused));
        let opened = file(FileOp::Duplicate { duplicate: 0 }, FileResult::Done);
        assert!(!reached(vec![(MAIN, opened)]).contains(Situation::DuplicateRefused));
    }

    #[test]
    fn a_deadline_error_that_counts_readers_fired_with_readers_inside() {
        let gave_up = |readers_in_flight| {
            vec![
                (MAIN, close_begins()),
                (
                    MAIN,
                    What::CloseReturns {
                        store: "A",
                        outcome: Outcome::DeadlineExceeded {
                            readers_in_flight,
                            handles_open: 0,
                            downloader_running: false,
                        },
                    },
                ),
            ]
        };
        let counted = reached(gave_up(1));
        assert!(counted.contains(Situation::DeadlineFiresWithReadersInside));
        assert!(counted.contains(Situation::CloseDeadlineFires));
        assert!(!reached(gave_up(0)).contains(Situation::DeadlineFiresWithReadersInside));
    }

    #[test]
    fn an_operation_meets_only_other_threads_calls_in_flight_on_its_store() {
        let other_store_read = What::ReadBegins {
            store: "B",
            offset: 0,
            end: 8,
        };
        let events = vec![
            (READER, read_begins()),
            ("reader-B0", other_store_read),
            (MAIN, close_begins()),
            (RELEASER, What::ReleaseBegins { store: "A" }),
        ];
        let reached = reached(events);
        assert!(reached.contains(Situation::Pair(Operation::Close, InFlight::ReadAt)));
        assert!(reached.contains(Situation::Pair(Operation::Release, InFlight::Close)));
        assert!(reached.contains(Situation::Pair(Operation::Release, InFlight::ReadAt)));
        assert!(!reached.contains(Situation::Pair(Operation::ReadAt, InFlight::ReadAt)));
    }

    #[test]
    fn a_returned_call_is_in_flight_no_more() {
        let events = vec![
            (READER, read_begins()),
            (READER, read_returns(Outcome::Read(8))),
            (MAIN, close_begins()),
        ];
        assert!(!reached(events).contains(Situation::Pair(Operation::Close, InFlight::ReadAt)));
    }

    #[test]
    fn reached_sets_cross_processes_as_words_and_back() {
        let mut sent = Reached::none();
        sent.insert(Situation::EmptyObject);
        sent.insert(Situation::Log(
            LogCall::DroppedLines,
            LogState::WriterStopping,
        ));
        let json = serde_json::to_string(&sent).expect("serialises");
        let received: Reached = serde_json::from_str(&json).expect("parses");
        assert_eq!(received, sent);
    }

    #[test]
    fn an_operation_is_placed_in_the_phase_its_download_stands_in() {
        let stages = reached(vec![
            (READER, read_begins()),
            (DOWNLOADER, stream(0, 0)),
            (READER, read_begins()),
            (DOWNLOADER, reset()),
            (
                DOWNLOADER,
                What::TimedWaitBegins {
                    at: Location::caller(),
                },
            ),
            (READER, read_begins()),
            (
                DOWNLOADER,
                timed_wait_ends(TimedEnd::Fires {
                    clock: std::time::Duration::from_millis(5),
                }),
            ),
            (DOWNLOADER, stream(1, 0)),
            (DOWNLOADER, What::Fault(TransportFault::Stalls)),
            (MAIN, close_begins()),
        ]);
        for phase in [Phase::BeforeFirstStream, Phase::Streaming, Phase::InBackoff] {
            assert!(stages.contains(cell(Operation::ReadAt, phase)), "{phase:?}");
        }
        assert!(stages.contains(cell(Operation::Close, Phase::Stalled)));
        assert!(!stages.contains(cell(Operation::ReadAt, Phase::Stalled)));
    }

    #[test]
    fn a_download_with_every_byte_written_is_complete_and_one_that_stops_short_failed() {
        let complete = reached(vec![
            (DOWNLOADER, stream(0, 0)),
            (
                DOWNLOADER,
                file(FileOp::Write { from: 0, to: 64 }, FileResult::Done),
            ),
            (
                MAIN,
                What::CloseBegins {
                    store: "A",
                    deadline: Some(std::time::Duration::from_millis(5)),
                },
            ),
        ]);
        assert!(complete.contains(cell(Operation::CloseWithDeadline, Phase::Complete)));
        let failed = reached(vec![
            (DOWNLOADER, stream(0, 0)),
            (
                DOWNLOADER,
                file(FileOp::Write { from: 0, to: 8 }, FileResult::Done),
            ),
            (DOWNLOADER, What::Finishes),
            (MAIN, What::DropBegins { store: "A" }),
        ]);
        assert!(failed.contains(cell(Operation::DropLastHandle, Phase::Failed)));
        let cancelled = reached(vec![
            (DOWNLOADER, stream(0, 0)),
            (MAIN, close_begins()),
            (DOWNLOADER, What::Finishes),
            (READER, read_begins()),
        ]);
        assert!(cancelled.contains(cell(Operation::ReadAt, Phase::Streaming)));
        assert!(!cancelled.contains(cell(Operation::ReadAt, Phase::Failed)));
    }

    fn reaching(situations: &[Situation]) -> Reached {
        let mut reached = Reached::none();
        for &situation in situations {
            reached.insert(situation);
        }
        reached
    }

    #[test]
    fn merged_tallies_add_up_and_say_what_any_run_reached() {
        let mut first = Coverage::default();
        first.add(&reaching(&[Situation::EmptyObject]));
        first.add(&reaching(&[
            Situation::EmptyObject,
            Situation::RetriesExhausted,
        ]));
        let mut second = Coverage::default();
        second.add(&reaching(&[Situation::EmptyObject]));
        first.merge(&second);
        assert_eq!(first.runs(Situation::EmptyObject), 3);
        assert_eq!(first.runs(Situation::RetriesExhausted), 1);
        assert_eq!(
            first.reached_by_any(),
            reaching(&[Situation::EmptyObject, Situation::RetriesExhausted])
        );
        assert_eq!(Coverage::default().reached_by_any(), Reached::none());
    }

    #[test]
    fn the_table_gives_every_situation_its_runs_and_share_and_flags_the_unreached() {
        let mut coverage = Coverage::default();
        coverage.add(&reaching(&[Situation::TwoClosersAtOnce]));
        let table = table(&coverage, 4);
        assert!(
            table.contains("| two-closers-at-once | 1 | 25.00% |"),
            "{table}"
        );
        assert!(table.contains("| empty-object | 0 | NEVER |"), "{table}");
        assert!(
            table.contains("| drop | NEVER | NEVER | NEVER | NEVER | NEVER | NEVER |"),
            "{table}"
        );
        assert!(
            table
                .lines()
                .any(|line| line == "| release | NEVER | NEVER | NEVER | NEVER |"),
            "{table}"
        );
        let rows = 2
            + Situation::NAMED.len()
            + (1 + 2 + Operation::ALL.len())
            + (1 + 2 + PAIRED_OPERATIONS.len())
            + (1 + 2 + LogCall::ALL.len());
        assert_eq!(table.lines().count(), rows, "{table}");
    }

    #[test]
    fn counts_survive_the_child_protocol() {
        let mut coverage = Coverage::default();
        let reached = reaching(&[Situation::EmptyObject, Situation::TwoClosersAtOnce]);
        coverage.add(&reached);
        coverage.add(&Reached::from_words(reached.words()));
        let json = serde_json::to_string(&coverage).expect("serialises");
        let parsed: Coverage = serde_json::from_str(&json).expect("parses");
        assert_eq!(parsed, coverage);
        assert_eq!(parsed.runs(Situation::EmptyObject), 2);
        assert_eq!(parsed.unreached().len(), Situation::COUNT - 2);
        let unknown = serde_json::from_str::<Coverage>("{\"no-such-situation\": 1}");
        assert!(unknown.is_err());
    }
}
