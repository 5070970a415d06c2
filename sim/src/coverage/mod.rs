//! Coverage: the situations worth reaching ("sometimes" assertions). A
//! search that never reaches a corner proves nothing about it, so every run
//! is classified by which named situations its trace shows, and `sim fuzz`
//! and `sim explore` print how many runs reached each.
//!
//! The classifier reads only the trace's typed events: what the platform
//! saw (streams, faults, file operations, waits) and what scenarios told
//! it (calls beginning and returning). It never asks the store.

use std::fmt;

use scenarios::{LogCall, StoreSituation};

mod logger;
mod store;

pub use scenarios::{InFlight, LogState, Operation, PAIRED_OPERATIONS, Phase, StoreCorner};

use crate::platform::Event;

/// A situation worth reaching: one of the store's named corners, a cell
/// of the matrix of operations and download phases, or one of the matrix
/// of operations against the calls in flight on the same store, or of the
/// logger's calls against its states. The store's are classified by the
/// store's own classifier (`scenarios::StoreClassifier`), the logger's by
/// the logger's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Situation {
    /// A named corner of the store.
    Corner(StoreCorner),
    /// An operation began while the download stood in a phase.
    Cell(Operation, Phase),
    /// An operation began while another thread's call was in flight on the
    /// same store.
    Pair(Operation, InFlight),
    /// A call on the logger began while its queue or its writer stood in a
    /// state.
    Log(LogCall, LogState),
}

impl From<StoreSituation> for Situation {
    fn from(situation: StoreSituation) -> Situation {
        match situation {
            StoreSituation::Corner(corner) => Situation::Corner(corner),
            StoreSituation::Cell(operation, phase) => Situation::Cell(operation, phase),
            StoreSituation::Pair(operation, in_flight) => Situation::Pair(operation, in_flight),
        }
    }
}

impl Situation {
    /// The named situations, in table order: the store's corners.
    pub const NAMED: [Situation; StoreCorner::ALL.len()] = {
        let mut named = [Situation::Corner(StoreCorner::ALL[0]); StoreCorner::ALL.len()];
        let mut index = 0;
        while index < named.len() {
            named[index] = Situation::Corner(StoreCorner::ALL[index]);
            index += 1;
        }
        named
    };

    /// How many situations there are: the store's, then the logger's
    /// matrix's cells.
    pub const COUNT: usize = StoreSituation::COUNT + LogCall::ALL.len() * LogState::ALL.len();

    /// Every situation: the store's (its corners, then each matrix row by
    /// row), then the logger's matrix row by row.
    pub fn all() -> impl Iterator<Item = Situation> {
        let log = LogCall::ALL.into_iter().flat_map(|call| {
            LogState::ALL
                .into_iter()
                .map(move |state| Situation::Log(call, state))
        });
        StoreSituation::all().map(Situation::from).chain(log)
    }

    /// Its place in [`Situation::all`].
    fn index(self) -> usize {
        match self {
            Situation::Corner(corner) => StoreSituation::Corner(corner).index(),
            Situation::Cell(operation, phase) => StoreSituation::Cell(operation, phase).index(),
            Situation::Pair(operation, in_flight) => {
                StoreSituation::Pair(operation, in_flight).index()
            }
            Situation::Log(call, state) => {
                StoreSituation::COUNT + call as usize * LogState::ALL.len() + state as usize
            }
        }
    }

    /// The situation's name in tables and JSON: `read_at@streaming` for a
    /// cell of the matrix.
    pub fn name(self) -> String {
        match self {
            Situation::Corner(corner) => StoreSituation::Corner(corner).name(),
            Situation::Cell(operation, phase) => StoreSituation::Cell(operation, phase).name(),
            Situation::Pair(operation, in_flight) => {
                StoreSituation::Pair(operation, in_flight).name()
            }
            Situation::Log(call, state) => format!("{}@{}", call.name(), state.name()),
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
    let mut reached = Reached::none();
    let mut store = store::Classifier::default();
    let mut logger = logger::Classifier::default();
    for event in trace {
        store.see(event, &mut reached);
        logger.see(event, &mut reached);
    }
    reached
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

#[cfg(test)]
mod tests {
    use std::io;
    use std::panic::Location;

    use super::*;
    use crate::platform::{FileOp, FileResult, Outcome, TimedEnd, TransportFault, What};
    use scenarios::Call;

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
        What::CallBegins(Call::read("A", 0, 8))
    }

    fn read_returns(outcome: Outcome) -> What {
        let call = Call::read("A", 0, 8);
        What::CallReturns { call, outcome }
    }

    const CLOSE: Call = Call::Close {
        store: "A",
        deadline: None,
    };

    fn close_begins() -> What {
        What::CallBegins(CLOSE)
    }

    fn close_returns() -> What {
        let outcome = Outcome::Done;
        What::CallReturns {
            call: CLOSE,
            outcome,
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
        assert!(woken.contains(Situation::Corner(StoreCorner::ReaderWokenByClose)));
        let turned_away = reached(vec![
            (READER, read_begins()),
            (READER, read_returns(Outcome::ClosedError)),
        ]);
        assert!(!turned_away.contains(Situation::Corner(StoreCorner::ReaderWokenByClose)));
    }

    #[test]
    fn a_backoff_ending_during_close_is_close_during_backoff() {
        let during = reached(vec![
            (DOWNLOADER, stream(0, 0)),
            (DOWNLOADER, reset()),
            (MAIN, close_begins()),
            (DOWNLOADER, timed_wait_ends(TimedEnd::Notified)),
        ]);
        assert!(during.contains(Situation::Corner(StoreCorner::CloseDuringBackoff)));
        assert!(!during.contains(Situation::Corner(StoreCorner::CloseBeforeFirstStream)));
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
        assert!(!without_close.contains(Situation::Corner(StoreCorner::CloseDuringBackoff)));
    }

    #[test]
    fn only_a_store_of_zero_bytes_is_an_empty_object() {
        assert!(!reached(vec![]).contains(Situation::Corner(StoreCorner::EmptyObject)));
        let empty = reached_in(&trace(vec![(
            MAIN,
            What::StoreOpened { store: "A", len: 0 },
        )]));
        assert!(empty.contains(Situation::Corner(StoreCorner::EmptyObject)));
    }

    #[test]
    fn a_stream_past_byte_zero_after_a_reset_is_a_resume() {
        let resumed = reached(vec![
            (DOWNLOADER, stream(0, 0)),
            (DOWNLOADER, reset()),
            (DOWNLOADER, stream(1, 16)),
        ]);
        assert!(resumed.contains(Situation::Corner(StoreCorner::ResumeAfterReset)));
        let restarted = reached(vec![
            (DOWNLOADER, stream(0, 0)),
            (DOWNLOADER, reset()),
            (DOWNLOADER, stream(1, 0)),
        ]);
        assert!(!restarted.contains(Situation::Corner(StoreCorner::ResumeAfterReset)));
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
        assert!(mid.contains(Situation::Corner(StoreCorner::DiskFullMidDownload)));
        let at_start = reached(vec![(DOWNLOADER, full())]);
        assert!(!at_start.contains(Situation::Corner(StoreCorner::DiskFullMidDownload)));
    }

    #[test]
    fn the_releaser_is_named_by_the_call_it_is_in() {
        let remove = || file(FileOp::Remove, FileResult::Done);
        let by_reader = reached(vec![(READER, read_begins()), (READER, remove())]);
        assert!(by_reader.contains(Situation::Corner(StoreCorner::ReleasedByLastReader)));
        let by_closer = reached(vec![(MAIN, close_begins()), (MAIN, remove())]);
        assert!(by_closer.contains(Situation::Corner(StoreCorner::ReleasedByCloser)));
        let by_downloader = reached(vec![(DOWNLOADER, remove())]);
        assert!(by_downloader.contains(Situation::Corner(StoreCorner::ReleasedByDownloader)));
        let by_drop = reached(vec![
            (READER, read_begins()),
            (READER, read_returns(Outcome::Read(8))),
            (READER, What::CallBegins(Call::Drop { store: "A" })),
            (READER, remove()),
        ]);
        assert!(by_drop.contains(Situation::Corner(StoreCorner::ReleasedByDrop)));
        assert!(!by_drop.contains(Situation::Corner(StoreCorner::ReleasedByLastReader)));
    }

    #[test]
    fn overlapping_closes_are_two_closers() {
        let two = reached(vec![(MAIN, close_begins()), ("closer", close_begins())]);
        assert!(two.contains(Situation::Corner(StoreCorner::TwoClosersAtOnce)));
        let one_after_another = reached(vec![
            (MAIN, close_begins()),
            (MAIN, close_returns()),
            ("closer", close_begins()),
        ]);
        assert!(!one_after_another.contains(Situation::Corner(StoreCorner::TwoClosersAtOnce)));
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
        assert!(waiting.contains(Situation::Corner(
            StoreCorner::PermanentErrorWithReadersWaiting
        )));
        assert!(!waiting.contains(Situation::Corner(StoreCorner::RetriesExhausted)));
        let nobody_waiting = reached(vec![
            (MAIN, waits()),
            (READER, read_begins()),
            (DOWNLOADER, stream(0, 0)),
            (DOWNLOADER, refused()),
        ]);
        assert!(!nobody_waiting.contains(Situation::Corner(
            StoreCorner::PermanentErrorWithReadersWaiting
        )));
    }

    #[test]
    fn a_download_failure_without_a_refusal_is_retries_exhausted() {
        let exhausted = reached(vec![
            (READER, read_begins()),
            (DOWNLOADER, stream(0, 0)),
            (DOWNLOADER, reset()),
            (READER, read_returns(download_failed())),
        ]);
        assert!(exhausted.contains(Situation::Corner(StoreCorner::RetriesExhausted)));
    }

    #[test]
    fn a_read_returning_bytes_while_the_downloader_waits_is_served_during_a_stall() {
        let served = reached(vec![
            (DOWNLOADER, stream(0, 0)),
            (DOWNLOADER, waits()),
            (READER, read_begins()),
            (READER, read_returns(Outcome::Read(8))),
        ]);
        assert!(served.contains(Situation::Corner(StoreCorner::ReadServedDuringStall)));
        let no_stall = reached(vec![
            (DOWNLOADER, stream(0, 0)),
            (READER, read_begins()),
            (READER, read_returns(Outcome::Read(8))),
        ]);
        assert!(!no_stall.contains(Situation::Corner(StoreCorner::ReadServedDuringStall)));
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
        assert!(!after_cancel.contains(Situation::Corner(StoreCorner::ReadServedDuringStall)));
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
            (RELEASER, What::CallBegins(Call::Release { store: "A" })),
            (
                READER,
                file(FileOp::CloseDuplicate { duplicate: 0 }, FileResult::Done),
            ),
        ];
        assert!(
            reached(events).contains(Situation::Corner(StoreCorner::ReadClosesReleasedDuplicate))
        );
        let released_alone = vec![(
            RELEASER,
            file(FileOp::CloseDuplicate { duplicate: 0 }, FileResult::Done),
        )];
        assert!(
            !reached(released_alone)
                .contains(Situation::Corner(StoreCorner::ReadClosesReleasedDuplicate))
        );
    }

    #[test]
    fn a_duplicate_the_file_layer_failed_is_a_refused_duplicate() {
        let refused = file(
            FileOp::Duplicate { duplicate: 0 },
            FileResult::Failed(io::ErrorKind::Other),
        );
        assert!(
            reached(vec![(MAIN, refused)])
                .contains(Situation::Corner(StoreCorner::DuplicateRefused))
        );
        let opened = file(FileOp::Duplicate { duplicate: 0 }, FileResult::Done);
        assert!(
            !reached(vec![(MAIN, opened)])
                .contains(Situation::Corner(StoreCorner::DuplicateRefused))
        );
    }

    #[test]
    fn a_deadline_error_that_counts_readers_fired_with_readers_inside() {
        let gave_up = |readers_in_flight| {
            vec![
                (MAIN, close_begins()),
                (
                    MAIN,
                    What::CallReturns {
                        call: CLOSE,
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
        assert!(counted.contains(Situation::Corner(
            StoreCorner::DeadlineFiresWithReadersInside
        )));
        assert!(counted.contains(Situation::Corner(StoreCorner::CloseDeadlineFires)));
        assert!(!reached(gave_up(0)).contains(Situation::Corner(
            StoreCorner::DeadlineFiresWithReadersInside
        )));
    }

    #[test]
    fn an_operation_meets_only_other_threads_calls_in_flight_on_its_store() {
        let other_store_read = What::CallBegins(Call::read("B", 0, 8));
        let events = vec![
            (READER, read_begins()),
            ("reader-B0", other_store_read),
            (MAIN, close_begins()),
            (RELEASER, What::CallBegins(Call::Release { store: "A" })),
        ];
        let reached = reached(events);
        assert!(reached.contains(Situation::Pair(Operation::Close, InFlight::ReadAt)));
        assert!(reached.contains(Situation::Pair(Operation::Release, InFlight::Close)));
        assert!(reached.contains(Situation::Pair(Operation::Release, InFlight::ReadAt)));
        assert!(!reached.contains(Situation::Pair(Operation::ReadAt, InFlight::ReadAt)));
    }

    #[test]
    fn each_call_in_flight_is_met_in_its_own_column() {
        let closes_with_a_deadline = Call::Close {
            store: "A",
            deadline: Some(::store::Instant::from_origin(
                std::time::Duration::from_millis(5),
            )),
        };
        let in_flight = [
            (READER, read_begins()),
            (MAIN, What::CallBegins(closes_with_a_deadline)),
            ("opener", What::CallBegins(Call::OpenHandle { store: "A" })),
            (RELEASER, What::CallBegins(Call::Release { store: "A" })),
        ];
        let met_by_a_read = ("reader-A1", read_begins());
        let reached = reached(in_flight.into_iter().chain([met_by_a_read]).collect());
        for column in InFlight::ALL {
            let pair = Situation::Pair(Operation::ReadAt, column);
            assert!(reached.contains(pair), "{pair:?} not met");
        }
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
        sent.insert(Situation::Corner(StoreCorner::EmptyObject));
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
                What::CallBegins(Call::Close {
                    store: "A",
                    deadline: Some(::store::Instant::from_origin(
                        std::time::Duration::from_millis(5),
                    )),
                }),
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
            (MAIN, What::CallBegins(Call::Drop { store: "A" })),
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
        first.add(&reaching(&[Situation::Corner(StoreCorner::EmptyObject)]));
        first.add(&reaching(&[
            Situation::Corner(StoreCorner::EmptyObject),
            Situation::Corner(StoreCorner::RetriesExhausted),
        ]));
        let mut second = Coverage::default();
        second.add(&reaching(&[Situation::Corner(StoreCorner::EmptyObject)]));
        first.merge(&second);
        assert_eq!(first.runs(Situation::Corner(StoreCorner::EmptyObject)), 3);
        assert_eq!(
            first.runs(Situation::Corner(StoreCorner::RetriesExhausted)),
            1
        );
        assert_eq!(
            first.reached_by_any(),
            reaching(&[
                Situation::Corner(StoreCorner::EmptyObject),
                Situation::Corner(StoreCorner::RetriesExhausted)
            ])
        );
        assert_eq!(Coverage::default().reached_by_any(), Reached::none());
    }

    #[test]
    fn the_table_gives_every_situation_its_runs_and_share_and_flags_the_unreached() {
        let mut coverage = Coverage::default();
        coverage.add(&reaching(&[Situation::Corner(
            StoreCorner::TwoClosersAtOnce,
        )]));
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
        let reached = reaching(&[
            Situation::Corner(StoreCorner::EmptyObject),
            Situation::Corner(StoreCorner::TwoClosersAtOnce),
        ]);
        coverage.add(&reached);
        coverage.add(&Reached::from_words(reached.words()));
        let json = serde_json::to_string(&coverage).expect("serialises");
        let parsed: Coverage = serde_json::from_str(&json).expect("parses");
        assert_eq!(parsed, coverage);
        assert_eq!(parsed.runs(Situation::Corner(StoreCorner::EmptyObject)), 2);
        assert_eq!(parsed.unreached().len(), Situation::COUNT - 2);
        let unknown = serde_json::from_str::<Coverage>("{\"no-such-situation\": 1}");
        assert!(unknown.is_err());
    }
}
