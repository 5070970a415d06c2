//! The logger's coverage on the simulator: each event of a run, as the
//! logger's classifier (`scenarios::LogClassifier`) sees it, from the typed
//! facts the simulator's runtime records (each queue call leaves the
//! length it left).

use std::sync::Arc;

use scenarios::{LogClassifier, LogStep};

use super::{Reached, Situation};
use crate::platform::{Event, QueueCall, What};

/// The logger's classifier over the simulator's threads, named as its
/// trace names them.
#[derive(Debug, Default)]
pub(super) struct Classifier(LogClassifier<Arc<str>>);

impl Classifier {
    /// Sees one event of the run; the logger situations it reaches go
    /// into `reached`.
    pub(super) fn see(&mut self, event: &Event, reached: &mut Reached) {
        self.0
            .see(&event.thread, step_of(&event.what), |call, state| {
                reached.insert(Situation::Log(call, state));
            });
    }
}

/// What the logger's classifier sees of `what`.
fn step_of(what: &What) -> LogStep {
    match what {
        What::Queue {
            call,
            len,
            capacity,
        } => LogStep::Queue {
            popped: matches!(call, QueueCall::Pop { .. }),
            len: *len,
            capacity: *capacity,
        },
        What::LogCallBegins { call } => LogStep::CallBegins(*call),
        What::Waits { .. } => LogStep::Waits,
        What::Finishes => LogStep::Finishes,
        _ => LogStep::Other,
    }
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use scenarios::{LogCall, LogState};

    use super::*;

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

    #[test]
    fn the_simulators_events_reach_the_loggers_cells() {
        let run = classified(vec![
            (
                "log-writer",
                What::Queue {
                    call: QueueCall::Pop { took: false },
                    len: 0,
                    capacity: 2,
                },
            ),
            (
                "log-writer",
                What::Waits {
                    at: Location::caller(),
                },
            ),
            (
                "producer",
                What::LogCallBegins {
                    call: LogCall::TryLog,
                },
            ),
            ("log-writer", What::Finishes),
            (
                "producer",
                What::LogCallBegins {
                    call: LogCall::DroppedLines,
                },
            ),
        ]);
        let cells: Vec<Situation> = run.iter().collect();
        assert_eq!(
            cells,
            [
                Situation::Log(LogCall::TryLog, LogState::QueueEmpty),
                Situation::Log(LogCall::TryLog, LogState::WriterParked),
                Situation::Log(LogCall::DroppedLines, LogState::QueueEmpty),
            ]
        );
    }
}
