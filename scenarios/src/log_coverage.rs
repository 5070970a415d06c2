//! The logger's coverage matrix, whichever platform ran it: each of its
//! calls (`try_log`, `shutdown`, `dropped_lines`) classified, as it
//! begins, by the state of its queue and of its writer. A platform turns
//! each of its typed facts into a [`LogStep`] (the simulator's events, the
//! library's facts) and [`LogClassifier::see`] says which cells it
//! reaches. The queue's state is the length its last call left; the writer
//! is the queue's one consumer, known once it has popped.

use harness::coverage::Situation;

use crate::LogCall;

/// Where the logger stands when one of its calls begins: the columns of
/// its matrix, the queue's state, then the writer's. A call marks one
/// column of each kind (the writer's once it has been seen to drain).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogState {
    /// Nothing queued.
    QueueEmpty,
    /// Some places taken, some free.
    QueuePartlyFull,
    /// Every place taken: a `try_log` now drops its line.
    QueueFull,
    /// The writer is parked, waiting for a producer's wake-up.
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

/// A cell of the logger's matrix: a call of the logger, and the state of
/// its queue or of its writer as the call began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogCell(pub LogCall, pub LogState);

impl Situation for LogCell {
    const COUNT: usize = LogCall::ALL.len() * LogState::ALL.len();

    fn index(self) -> usize {
        let LogCell(call, state) = self;
        call as usize * LogState::ALL.len() + state as usize
    }

    fn all() -> impl Iterator<Item = LogCell> {
        LogCall::ALL
            .into_iter()
            .flat_map(|call| LogState::ALL.map(|state| LogCell(call, state)))
    }

    /// `call@state`, as the simulator's tables name the cell.
    fn name(self) -> String {
        format!("{}@{}", self.0.name(), self.1.name())
    }
}

/// One step of one thread, as the logger's coverage sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogStep {
    /// A call on the logger's queue, leaving `len` of `capacity` queued.
    Queue {
        /// The call was a pop: its thread is the writer.
        popped: bool,
        /// Values queued just after it.
        len: usize,
        /// Places in all.
        capacity: usize,
    },
    /// A call of the logger begins.
    CallBegins(LogCall),
    /// The thread begins to wait (a condition variable, a park).
    Waits,
    /// The thread ends.
    Finishes,
    /// Anything else the thread does.
    Other,
}

/// What the classifier knows of the logger so far: the queue's length
/// after its last call, and its writer, a thread of the platform's naming.
#[derive(Debug)]
pub struct LogClassifier<Thread> {
    len: usize,
    capacity: Option<usize>,
    /// The thread that pops: the writer.
    writer: Option<Thread>,
    /// The writer's last step was a wait: it is parked.
    writer_waiting: bool,
    writer_finished: bool,
    /// Shutdown has begun.
    stopping: bool,
}

impl<Thread> Default for LogClassifier<Thread> {
    fn default() -> LogClassifier<Thread> {
        LogClassifier {
            len: 0,
            capacity: None,
            writer: None,
            writer_waiting: false,
            writer_finished: false,
            stopping: false,
        }
    }
}

impl<Thread: PartialEq + Clone> LogClassifier<Thread> {
    /// Sees `thread` take `step`; each cell it reaches goes to `reach`.
    pub fn see(
        &mut self,
        thread: &Thread,
        step: LogStep,
        mut reach: impl FnMut(LogCall, LogState),
    ) {
        match step {
            LogStep::Queue {
                popped,
                len,
                capacity,
            } => {
                self.len = len;
                self.capacity = Some(capacity);
                // The writer is the queue's one consumer.
                if popped && self.writer.is_none() {
                    self.writer = Some(thread.clone());
                }
            }
            LogStep::CallBegins(call) => self.call_begins(call, &mut reach),
            _ => {}
        }
        if self.writer.as_ref() == Some(thread) {
            self.writer_waiting = step == LogStep::Waits;
            if step == LogStep::Finishes {
                self.writer_finished = true;
            }
        }
    }

    /// A call on the logger begins: the cell of the queue's state, and the
    /// cell of the writer's once the writer is known (it has popped).
    fn call_begins(&mut self, call: LogCall, reach: &mut impl FnMut(LogCall, LogState)) {
        let queue = match (self.len, self.capacity) {
            (0, _) => LogState::QueueEmpty,
            (len, Some(capacity)) if len >= capacity => LogState::QueueFull,
            _ => LogState::QueuePartlyFull,
        };
        reach(call, queue);
        let writer = match &self.writer {
            Some(_) if self.writer_finished => None,
            Some(_) if self.stopping => Some(LogState::WriterStopping),
            Some(_) if self.writer_waiting => Some(LogState::WriterParked),
            Some(_) => Some(LogState::WriterDraining),
            None => None,
        };
        if let Some(writer) = writer {
            reach(call, writer);
        }
        if call == LogCall::Shutdown {
            self.stopping = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIN: &str = "main-thread";
    const WRITER: &str = "log-writer";
    const PRODUCER: &str = "producer";

    /// The cells `steps` reach, in the order reached.
    fn classified(steps: &[(&'static str, LogStep)]) -> Vec<(LogCall, LogState)> {
        let mut classifier = LogClassifier::default();
        let mut reached = Vec::new();
        for (thread, step) in steps {
            classifier.see(thread, *step, |call, state| reached.push((call, state)));
        }
        reached
    }

    fn queue(popped: bool, len: usize) -> LogStep {
        LogStep::Queue {
            popped,
            len,
            capacity: 2,
        }
    }

    #[test]
    fn a_logger_call_is_classified_by_how_full_the_queue_stood() {
        let run = classified(&[
            (PRODUCER, LogStep::CallBegins(LogCall::TryLog)),
            (PRODUCER, queue(false, 1)),
            (PRODUCER, LogStep::CallBegins(LogCall::TryLog)),
            (PRODUCER, queue(false, 2)),
            (PRODUCER, LogStep::CallBegins(LogCall::DroppedLines)),
        ]);
        assert_eq!(
            run,
            [
                (LogCall::TryLog, LogState::QueueEmpty),
                (LogCall::TryLog, LogState::QueuePartlyFull),
                (LogCall::DroppedLines, LogState::QueueFull),
            ]
        );
    }

    #[test]
    fn a_logger_call_gets_a_writer_cell_only_once_the_writer_has_popped() {
        let before_any_pop = classified(&[(PRODUCER, LogStep::CallBegins(LogCall::TryLog))]);
        assert_eq!(before_any_pop, [(LogCall::TryLog, LogState::QueueEmpty)]);
        let draining = classified(&[
            (WRITER, queue(true, 0)),
            (PRODUCER, LogStep::CallBegins(LogCall::TryLog)),
        ]);
        assert!(draining.contains(&(LogCall::TryLog, LogState::WriterDraining)));
    }

    #[test]
    fn a_writer_whose_last_step_is_a_wait_is_parked() {
        let parked = classified(&[
            (WRITER, queue(true, 0)),
            (WRITER, LogStep::Waits),
            (PRODUCER, LogStep::CallBegins(LogCall::TryLog)),
        ]);
        assert!(parked.contains(&(LogCall::TryLog, LogState::WriterParked)));
        assert!(!parked.contains(&(LogCall::TryLog, LogState::WriterDraining)));
        let woken = classified(&[
            (WRITER, queue(true, 0)),
            (WRITER, LogStep::Waits),
            (WRITER, LogStep::Other),
            (PRODUCER, LogStep::CallBegins(LogCall::TryLog)),
        ]);
        assert!(woken.contains(&(LogCall::TryLog, LogState::WriterDraining)));
    }

    #[test]
    fn calls_after_a_shutdown_begins_meet_a_stopping_writer() {
        let run = classified(&[
            (WRITER, queue(true, 0)),
            (MAIN, LogStep::CallBegins(LogCall::Shutdown)),
            (PRODUCER, LogStep::CallBegins(LogCall::Shutdown)),
        ]);
        assert!(run.contains(&(LogCall::Shutdown, LogState::WriterDraining)));
        assert!(run.contains(&(LogCall::Shutdown, LogState::WriterStopping)));
    }

    #[test]
    fn a_call_after_the_writer_finished_gets_no_writer_cell() {
        let run = classified(&[
            (WRITER, queue(true, 0)),
            (MAIN, LogStep::CallBegins(LogCall::Shutdown)),
            (WRITER, LogStep::Finishes),
            (PRODUCER, LogStep::CallBegins(LogCall::DroppedLines)),
        ]);
        assert_eq!(
            run[2..],
            [(LogCall::DroppedLines, LogState::QueueEmpty)],
            "{run:?}"
        );
    }
}
