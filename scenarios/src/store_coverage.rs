//! The store's coverage, whichever platform ran it: the situations worth
//! reaching ("sometimes" assertions) and the classifier that says which a
//! run reached. A platform turns each of its typed facts into a
//! [`StoreStep`] (the simulator's events, the library's facts) and
//! [`StoreClassifier::see`] says which situations it reaches: the named
//! corners ([`StoreCorner`]), the cells of the matrix of operations and
//! download phases, and those of operations against another thread's call
//! in flight on the same store. It never asks the store.

use std::collections::BTreeMap;
use std::io;

use crate::doubles::{FileOp, FileResult};
use crate::{Call, Outcome};

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

    /// The row of `call`; `None` for a call outside the matrix (a query
    /// of the counts).
    fn of(call: &Call) -> Option<Operation> {
        Some(match call {
            Call::Read { .. } => Operation::ReadAt,
            Call::Close { deadline: None, .. } => Operation::Close,
            Call::Close {
                deadline: Some(_), ..
            } => Operation::CloseWithDeadline,
            Call::Drop { .. } => Operation::DropLastHandle,
            Call::OpenHandle { .. } => Operation::OpenHandle,
            Call::Release { .. } => Operation::Release,
            Call::InFlight { .. } => return None,
        })
    }

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
    /// The column `operation` is while in flight; `None` for one outside
    /// the matrix of pairs (the last handle's drop, which no other call
    /// can meet: it is the last).
    fn of(operation: Operation) -> Option<InFlight> {
        match operation {
            Operation::ReadAt => Some(InFlight::ReadAt),
            Operation::Close | Operation::CloseWithDeadline => Some(InFlight::Close),
            Operation::OpenHandle => Some(InFlight::OpenHandle),
            Operation::Release => Some(InFlight::Release),
            Operation::DropLastHandle => None,
        }
    }

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

/// The registry of the store's named corners: one row per corner, `Key =>
/// name` with the key's doc. It defines [`StoreCorner`], its `ALL` and its
/// names.
macro_rules! store_corners {
    ($($(#[$doc:meta])* $key:ident => $name:literal,)*) => {
        /// A corner of the store worth reaching, by name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum StoreCorner {
            $($(#[$doc])* $key,)*
        }

        impl StoreCorner {
            /// Every corner, in table order.
            pub const ALL: [StoreCorner; [$($name),*].len()] = [$(StoreCorner::$key),*];

            /// Its name in tables and JSON.
            pub fn name(self) -> &'static str {
                match self {
                    $(StoreCorner::$key => $name,)*
                }
            }
        }
    };
}

store_corners! {
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

/// A situation of the store a run reached: a named corner, a cell of the
/// matrix of operations and download phases, or one of the matrix of
/// operations against another thread's call in flight on the same store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StoreSituation {
    /// A named corner.
    Corner(StoreCorner),
    /// An operation began while the download stood in a phase.
    Cell(Operation, Phase),
    /// An operation began while another thread's call was in flight on the
    /// same store.
    Pair(Operation, InFlight),
}

impl StoreSituation {
    /// How many cells the matrix of operations and phases has.
    const CELLS: usize = Operation::ALL.len() * Phase::ALL.len();

    /// How many cells the matrix of operations against calls in flight has.
    const PAIRS: usize = PAIRED_OPERATIONS.len() * InFlight::ALL.len();

    /// How many situations the store has: its corners and its two
    /// matrices' cells.
    pub const COUNT: usize = StoreCorner::ALL.len() + Self::CELLS + Self::PAIRS;

    /// Every situation: the corners, then each matrix row by row.
    pub fn all() -> impl Iterator<Item = StoreSituation> {
        let cells = Operation::ALL.into_iter().flat_map(|operation| {
            Phase::ALL
                .into_iter()
                .map(move |phase| StoreSituation::Cell(operation, phase))
        });
        let pairs = PAIRED_OPERATIONS.into_iter().flat_map(|operation| {
            InFlight::ALL
                .into_iter()
                .map(move |in_flight| StoreSituation::Pair(operation, in_flight))
        });
        StoreCorner::ALL
            .into_iter()
            .map(StoreSituation::Corner)
            .chain(cells)
            .chain(pairs)
    }

    /// Its place in [`StoreSituation::all`].
    pub fn index(self) -> usize {
        let corners = StoreCorner::ALL.len();
        match self {
            StoreSituation::Corner(corner) => corner as usize,
            StoreSituation::Cell(operation, phase) => {
                corners + operation as usize * Phase::ALL.len() + phase as usize
            }
            StoreSituation::Pair(operation, in_flight) => {
                let row = PAIRED_OPERATIONS
                    .iter()
                    .position(|&paired| paired == operation)
                    .expect("only paired operations make pairs");
                corners + Self::CELLS + row * InFlight::ALL.len() + in_flight as usize
            }
        }
    }

    /// Its name in tables and JSON: the corner's, `read_at@streaming` for a
    /// cell, `read_at|release` for a pair.
    pub fn name(self) -> String {
        match self {
            StoreSituation::Corner(corner) => corner.name().to_owned(),
            StoreSituation::Cell(operation, phase) => {
                format!("{}@{}", operation.name(), phase.name())
            }
            StoreSituation::Pair(operation, in_flight) => {
                format!("{}|{}", operation.name(), in_flight.name())
            }
        }
    }
}

impl harness::coverage::Situation for StoreSituation {
    const COUNT: usize = StoreSituation::COUNT;

    fn index(self) -> usize {
        StoreSituation::index(self)
    }

    fn all() -> impl Iterator<Item = StoreSituation> {
        StoreSituation::all()
    }

    fn name(self) -> String {
        StoreSituation::name(self)
    }
}

/// How a read returned, as the classifier tells returns apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ReadEnd {
    /// It returned bytes (or 0 at the end).
    Bytes,
    /// `StoreError::Closed`.
    Closed,
    /// `StoreError::Transport`: the download failed for good.
    DownloadFailed,
    /// Any other error.
    Other,
}

impl ReadEnd {
    fn of(outcome: &Outcome) -> ReadEnd {
        match outcome {
            Outcome::Read(_) => ReadEnd::Bytes,
            Outcome::ClosedError => ReadEnd::Closed,
            Outcome::DownloadFailed { .. } => ReadEnd::DownloadFailed,
            _ => ReadEnd::Other,
        }
    }
}

/// One step of one thread, as the store's coverage sees it. `Thread` is
/// the platform's name for a thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreStep<Thread> {
    /// Store `store`, of an object of `len` bytes, is being opened.
    StoreOpened {
        /// The store.
        store: &'static str,
        /// Its object's length.
        len: u64,
    },
    /// Temp file `file` was created (by the thread that opened a store).
    FileCreated {
        /// The file's number.
        file: usize,
    },
    /// The thread spawned `child`.
    Spawns {
        /// The new thread.
        child: Thread,
    },
    /// The thread enters `call`.
    CallBegins(Call),
    /// The thread's call returned `outcome`.
    CallReturns(Outcome),
    /// The transport opened a stream from byte `from` (for the thread).
    StreamOpened {
        /// Its first byte.
        from: u64,
    },
    /// The transport reset the thread's stream.
    Reset,
    /// The transport stalls the thread's stream.
    Stalls,
    /// The transport refused the thread's stream for good.
    StreamRefused,
    /// A timed wait of the thread begins.
    TimedWaitBegins,
    /// A timed wait of the thread ends.
    TimedWaitEnds,
    /// The thread begins an untimed wait.
    Waits,
    /// The thread ends.
    Finishes,
    /// An operation on temp file `file`.
    File {
        /// The file's number.
        file: usize,
        /// What was done.
        op: FileOp,
        /// How it went.
        result: FileResult,
    },
    /// Anything else the thread does.
    Other,
}

/// What the classifier knows of one thread so far.
#[derive(Clone, Debug, Default)]
struct ThreadSeen {
    /// The store call it is inside.
    call: Option<Call>,
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

/// What the classifier knows of a run so far, of threads the platform
/// names `Thread`.
#[derive(Debug)]
pub struct StoreClassifier<Thread> {
    /// What the step being seen reached.
    found: Vec<StoreSituation>,
    /// Per thread, in the order of their first steps: a run has a handful,
    /// so a scan beats a map (and a platform whose names are shared
    /// pointers, `Arc<str>`, compares pointers first).
    threads: Vec<(Thread, ThreadSeen)>,
    stores: BTreeMap<&'static str, StoreSeen>,
    /// Per temp file: the store it belongs to.
    file_stores: BTreeMap<usize, &'static str>,
    /// Per temp file: whether a write to it succeeded.
    files_written: BTreeMap<usize, bool>,
    /// Per thread: the call it is inside, and that call's store.
    calls_in_flight: BTreeMap<Thread, (&'static str, InFlight)>,
}

impl<Thread> Default for StoreClassifier<Thread> {
    fn default() -> Self {
        StoreClassifier {
            found: Vec::new(),
            threads: Vec::new(),
            stores: BTreeMap::new(),
            file_stores: BTreeMap::new(),
            files_written: BTreeMap::new(),
            calls_in_flight: BTreeMap::new(),
        }
    }
}

impl<Thread: Clone + Ord> StoreClassifier<Thread> {
    /// Sees one step of `thread`; each situation it reaches goes to
    /// `reached`.
    pub fn see(
        &mut self,
        thread: &Thread,
        step: StoreStep<Thread>,
        mut reached: impl FnMut(StoreSituation),
    ) {
        self.step(thread, step);
        self.found.drain(..).for_each(&mut reached);
    }

    fn step(&mut self, thread: &Thread, step: StoreStep<Thread>) {
        let seen = self.thread(thread);
        seen.waiting = matches!(step, StoreStep::Waits);
        if seen.waiting && seen.call.is_some() {
            seen.waited_in_call = true;
        }
        match step {
            StoreStep::StoreOpened { store, len } => {
                let seen = self.thread(thread);
                seen.opened = Some(store);
                seen.acts_for_scenario = true;
                self.store(store).len = len;
                if len == 0 {
                    self.corner(StoreCorner::EmptyObject);
                }
            }
            StoreStep::FileCreated { file } => {
                if let Some(store) = self.thread(thread).opened {
                    self.file_stores.insert(file, store);
                }
            }
            StoreStep::Spawns { child } => {
                let store = self.thread(thread).opened;
                self.thread(&child).spawned_for = store;
            }
            StoreStep::CallBegins(call) => self.call_begins(thread, call),
            StoreStep::CallReturns(outcome) => self.call_returns(thread, &outcome),
            StoreStep::StreamOpened { from } => self.stream_opened(thread, from),
            StoreStep::Reset => {
                if let Some(store) = self.thread(thread).downloads {
                    self.store(store).reset_seen = true;
                }
            }
            StoreStep::StreamRefused => self.refused(thread),
            StoreStep::TimedWaitBegins => self.download_moves(thread, Phase::InBackoff),
            StoreStep::TimedWaitEnds => self.timed_wait_ends(thread),
            StoreStep::Stalls => self.download_moves(thread, Phase::Stalled),
            StoreStep::Finishes => self.finishes(thread),
            StoreStep::File { file, op, result } => self.file_event(thread, file, op, result),
            StoreStep::Waits | StoreStep::Other => {}
        }
    }

    /// The run reached `corner`.
    fn corner(&mut self, corner: StoreCorner) {
        self.found.push(StoreSituation::Corner(corner));
    }

    fn thread(&mut self, thread: &Thread) -> &mut ThreadSeen {
        let known = self.threads.iter().position(|(name, _)| name == thread);
        let index = known.unwrap_or_else(|| {
            self.threads.push((thread.clone(), ThreadSeen::default()));
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
        self.found.push(StoreSituation::Cell(operation, phase));
    }

    /// `thread`'s call of `operation` on `store` begins: a cell of the
    /// matrix of operations against calls in flight for each other
    /// thread's call on that store; then the call is in flight itself.
    fn paired_call_begins(
        &mut self,
        thread: &Thread,
        store: &'static str,
        operation: Operation,
        call: InFlight,
    ) {
        for (other, (on, met)) in &self.calls_in_flight {
            if other != thread && *on == store {
                self.found.push(StoreSituation::Pair(operation, *met));
            }
        }
        self.calls_in_flight.insert(thread.clone(), (store, call));
    }

    /// The store whose downloader `thread` is, if it is one.
    fn downloader_of(&mut self, thread: &Thread) -> Option<&'static str> {
        let seen = self.thread(thread);
        if !seen.may_download() {
            return None;
        }
        seen.downloads.or(seen.spawned_for)
    }

    /// If `thread` is a downloader, its download moves to `phase`.
    fn download_moves(&mut self, thread: &Thread, phase: Phase) {
        if let Some(store) = self.downloader_of(thread) {
            self.store(store).moves_to(phase);
        }
    }

    /// A downloader that stops has every byte, or was cancelled by an
    /// ending store, or failed.
    fn finishes(&mut self, thread: &Thread) {
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

    /// `thread` enters `call`: the cell of its operation against its
    /// store's phase, and the cells against the calls in flight there.
    fn call_begins(&mut self, thread: &Thread, call: Call) {
        let seen = self.thread(thread);
        seen.call = Some(call);
        seen.waited_in_call = false;
        seen.acts_for_scenario = true;
        let store = call.store();
        // A query of the counts is outside the matrix.
        let Some(operation) = Operation::of(&call) else {
            return;
        };
        self.operation_begins(store, operation);
        if let Some(met) = InFlight::of(operation) {
            self.paired_call_begins(thread, store, operation, met);
        }
        if let Call::Close { .. } = call {
            self.close_begins(store);
        }
    }

    /// `thread`'s call returned `outcome`: the corners of how a read or a
    /// close ended.
    fn call_returns(&mut self, thread: &Thread, outcome: &Outcome) {
        self.calls_in_flight.remove(thread);
        match self.thread(thread).call {
            Some(Call::Read { store, .. }) => self.read_returns(thread, store, outcome),
            Some(Call::Close { store, .. }) => self.close_returns(store, outcome),
            _ => {}
        }
        let seen = self.thread(thread);
        seen.call = None;
        seen.waited_in_call = false;
    }

    fn read_returns(&mut self, thread: &Thread, store: &'static str, outcome: &Outcome) {
        let waited = self.thread(thread).waited_in_call;
        match ReadEnd::of(outcome) {
            ReadEnd::Closed if waited => self.corner(StoreCorner::ReaderWokenByClose),
            ReadEnd::Bytes if self.downloader_stalled(store) => {
                self.corner(StoreCorner::ReadServedDuringStall);
            }
            ReadEnd::DownloadFailed if !self.store(store).refused_for_good => {
                self.corner(StoreCorner::RetriesExhausted);
            }
            _ => {}
        }
    }

    fn close_returns(&mut self, store: &'static str, outcome: &Outcome) {
        let seen = self.store(store);
        seen.closes_running = seen.closes_running.saturating_sub(1);
        if let Outcome::DeadlineExceeded {
            readers_in_flight, ..
        } = *outcome
        {
            self.corner(StoreCorner::CloseDeadlineFires);
            if readers_in_flight > 0 {
                self.corner(StoreCorner::DeadlineFiresWithReadersInside);
            }
        }
    }

    fn close_begins(&mut self, store: &'static str) {
        let seen = self.store(store);
        seen.closes_running += 1;
        let (two_closers, early) = (seen.closes_running >= 2, seen.streams_opened == 0);
        if two_closers {
            self.corner(StoreCorner::TwoClosersAtOnce);
        }
        if early {
            self.corner(StoreCorner::CloseBeforeFirstStream);
        }
    }

    fn stream_opened(&mut self, thread: &Thread, from: u64) {
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
            self.corner(StoreCorner::ResumeAfterReset);
        }
    }

    fn refused(&mut self, thread: &Thread) {
        let Some(store) = self.thread(thread).downloads else {
            return;
        };
        let seen = self.store(store);
        seen.refused_for_good = true;
        seen.moves_to(Phase::Failed);
        if self.reader_waiting(store) {
            self.corner(StoreCorner::PermanentErrorWithReadersWaiting);
        }
    }

    /// A downloader's timed wait (its backoff) ends.
    fn timed_wait_ends(&mut self, thread: &Thread) {
        let Some(store) = self.thread(thread).downloads else {
            return;
        };
        let seen = self.store(store);
        if seen.phase == Phase::InBackoff {
            seen.moves_to(Phase::Streaming);
        }
        if seen.closes_running > 0 {
            self.corner(StoreCorner::CloseDuringBackoff);
        }
    }

    fn file_event(&mut self, thread: &Thread, file: usize, op: FileOp, result: FileResult) {
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
                    self.corner(StoreCorner::DiskFullMidDownload);
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
                self.corner(StoreCorner::ReadClosesReleasedDuplicate);
            }
            (FileOp::Duplicate { .. }, FileResult::Failed(_)) => {
                self.corner(StoreCorner::DuplicateRefused);
            }
            (FileOp::Remove, _) => {
                let seen = self.thread(thread);
                // A handle's last release lets the file go as the last
                // handle's drop does.
                let releaser = match seen.call {
                    Some(Call::Close { .. }) => StoreCorner::ReleasedByCloser,
                    Some(Call::Read { .. }) => StoreCorner::ReleasedByLastReader,
                    Some(_) => StoreCorner::ReleasedByDrop,
                    None if seen.may_download() => StoreCorner::ReleasedByDownloader,
                    None => StoreCorner::ReleasedByDrop,
                };
                self.corner(releaser);
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
            seen.waiting && matches!(seen.call, Some(Call::Read { store: on, .. }) if on == store)
        })
    }
}
