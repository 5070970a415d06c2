//! The logger's coverage: each of its calls (`try_log`, `shutdown`,
//! `dropped_lines`) classified, as it begins, by the state of its queue
//! and of its writer, from the typed facts its runtime records (each
//! queue call leaves the length it left; the writer is the queue's one
//! consumer).

use std::sync::Arc;

use scenarios::LogCall;

use super::{Reached, Situation};
use crate::platform::{Event, QueueCall, What};

/// Where the logger stands when one of its calls begins: the columns of
/// its matrix, the queue's state, then the writer's. A call marks one
/// column of each kind (the writer's once it has been seen to drain).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(test, derive(Default))]
pub enum LogState {
    /// Nothing queued.
    #[cfg_attr(test, default)]
    QueueEmpty,
    /// Some places taken, some free.
    QueuePartlyFull,
    /// Every place taken: a `try_log` now drops its line.
    QueueFull,
    /// The writer is parked, waiting for a producer's unpark.
    WriterParked,
    /// The writer is running: popping, writing to the sink, deciding to park.
    WriterDraining,
    /// Shutdown has begun and the writer has not finished.
    WriterStopping,
}

impl LogState {
    /// Every state, in table order.
    pub const ALL: [LogState; 6] = [
        LogState::QueueEmpty,
        LogState::QueuePartlyFull,
        LogState::QueueFull,
        LogState::WriterParked,
        LogState::WriterDraining,
        LogState::WriterStopping,
    ];

    /// Its name in tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            LogState::QueueEmpty => "queue-empty",
            LogState::QueuePartlyFull => "queue-partly-full",
            LogState::QueueFull => "queue-full",
            LogState::WriterParked => "writer-parked",
            LogState::WriterDraining => "writer-draining",
            LogState::WriterStopping => "writer-stopping",
        }
    }
}

/// What the classifier knows of the logger so far: the queue's length
/// after its last call, and its writer.
#[derive(Debug, Default)]
pub(super) struct Classifier {
    len: usize,
    capacity: Option<usize>,
    /// The thread that pops: the writer.
    writer: Option<Arc<str>>,
    /// The writer's last event was a wait: it is parked.
    writer_waiting: bool,
    writer_finished: bool,
    /// Shutdown has begun.
    stopping: bool,
}

impl Classifier {
    /// Sees one event of the run; the logger situations it reaches go
    /// into `reached`.
    pub(super) fn see(&mut self, event: &Event, reached: &mut Reached) {
        match &event.what {
            What::Queue {
                call,
                len,
                capacity,
            } => {
                self.len = *len;
                self.capacity = Some(*capacity);
                // The writer is the queue's one consumer.
                if matches!(call, QueueCall::Pop { .. }) && self.writer.is_none() {
                    self.writer = Some(Arc::clone(&event.thread));
                }
            }
            What::LogCallBegins { call } => self.call_begins(*call, reached),
            _ => {}
        }
        if self.writer.as_ref() == Some(&event.thread) {
            self.writer_waiting = matches!(event.what, What::Waits { .. });
            if matches!(event.what, What::Finishes) {
                self.writer_finished = true;
            }
        }
    }

    /// A call on the logger begins: the cell of the queue's state, and the
    /// cell of the writer's once the writer is known (it has popped).
    fn call_begins(&mut self, call: LogCall, reached: &mut Reached) {
        let queue = match (self.len, self.capacity) {
            (0, _) => LogState::QueueEmpty,
            (len, Some(capacity)) if len >= capacity => LogState::QueueFull,
            _ => LogState::QueuePartlyFull,
        };
        reached.insert(Situation::Log(call, queue));
        let writer = match &self.writer {
            Some(_) if self.writer_finished => None,
            Some(_) if self.stopping => Some(LogState::WriterStopping),
            Some(_) if self.writer_waiting => Some(LogState::WriterParked),
            Some(_) => Some(LogState::WriterDraining),
            None => None,
        };
        if let Some(writer) = writer {
            reached.insert(Situation::Log(call, writer));
        }
        if call == LogCall::Shutdown {
            self.stopping = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use super::*;

    const MAIN: &str = "main-thread";

    /// What the logger's classifier alone makes of `events`.
    fn classified(events: Vec<(&str, What)>) -> Reached {
        let mut classifier = Classifier::default();
        let mut reached = Reached::none();
        for (thread, what) in events {
            let event = Event {
                thread: thread.into(),
                what,
            };
            classifier.see(&event, &mut reached);
        }
        reached
    }

    #[track_caller]
    fn waits() -> What {
        What::Waits {
            at: Location::caller(),
        }
    }

    const WRITER: &str = "log-writer";
    const PRODUCER: &str = "producer";

    fn queue(call: QueueCall, len: usize) -> What {
        What::Queue {
            call,
            len,
            capacity: 2,
        }
    }

    fn log_call(call: LogCall) -> What {
        What::LogCallBegins { call }
    }

    #[test]
    fn a_logger_call_is_classified_by_how_full_the_queue_stood() {
        let pushed = QueueCall::Push { accepted: true };
        let run = classified(vec![
            (PRODUCER, log_call(LogCall::TryLog)),
            (PRODUCER, queue(pushed, 1)),
            (PRODUCER, log_call(LogCall::TryLog)),
            (PRODUCER, queue(pushed, 2)),
            (PRODUCER, log_call(LogCall::DroppedLines)),
        ]);
        assert!(run.contains(Situation::Log(LogCall::TryLog, LogState::QueueEmpty)));
        assert!(run.contains(Situation::Log(LogCall::TryLog, LogState::QueuePartlyFull)));
        assert!(run.contains(Situation::Log(LogCall::DroppedLines, LogState::QueueFull)));
        assert!(!run.contains(Situation::Log(LogCall::TryLog, LogState::QueueFull)));
    }

    #[test]
    fn a_logger_call_gets_a_writer_cell_only_once_the_writer_has_popped() {
        let before_any_pop = classified(vec![(PRODUCER, log_call(LogCall::TryLog))]);
        let writer_cells = [
            LogState::WriterParked,
            LogState::WriterDraining,
            LogState::WriterStopping,
        ];
        for state in writer_cells {
            assert!(!before_any_pop.contains(Situation::Log(LogCall::TryLog, state)));
        }
        let draining = classified(vec![
            (WRITER, queue(QueueCall::Pop { took: false }, 0)),
            (PRODUCER, log_call(LogCall::TryLog)),
        ]);
        assert!(draining.contains(Situation::Log(LogCall::TryLog, LogState::WriterDraining)));
    }

    #[test]
    fn a_writer_whose_last_event_is_a_wait_is_parked() {
        let parked = classified(vec![
            (WRITER, queue(QueueCall::Pop { took: false }, 0)),
            (WRITER, waits()),
            (PRODUCER, log_call(LogCall::TryLog)),
        ]);
        assert!(parked.contains(Situation::Log(LogCall::TryLog, LogState::WriterParked)));
        assert!(!parked.contains(Situation::Log(LogCall::TryLog, LogState::WriterDraining)));
    }

    #[test]
    fn calls_after_a_shutdown_begins_meet_a_stopping_writer() {
        let run = classified(vec![
            (WRITER, queue(QueueCall::Pop { took: false }, 0)),
            (MAIN, log_call(LogCall::Shutdown)),
            (PRODUCER, log_call(LogCall::Shutdown)),
        ]);
        assert!(run.contains(Situation::Log(LogCall::Shutdown, LogState::WriterDraining)));
        assert!(run.contains(Situation::Log(LogCall::Shutdown, LogState::WriterStopping)));
    }

    #[test]
    fn a_call_after_the_writer_finished_gets_no_writer_cell() {
        let run = classified(vec![
            (WRITER, queue(QueueCall::Pop { took: false }, 0)),
            (MAIN, log_call(LogCall::Shutdown)),
            (WRITER, What::Finishes),
            (PRODUCER, log_call(LogCall::DroppedLines)),
        ]);
        assert!(!run.contains(Situation::Log(
            LogCall::DroppedLines,
            LogState::WriterStopping
        )));
        assert!(run.contains(Situation::Log(LogCall::DroppedLines, LogState::QueueEmpty)));
    }
}
