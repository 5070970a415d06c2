//! The store's coverage on the simulator: each event of a run, as the
//! store's classifier (`scenarios::StoreClassifier`) sees it.

use std::sync::Arc;

use scenarios::{ReadEnd, StoreClassifier, StoreStep};

use super::Reached;
use crate::platform::{Event, Outcome, TransportFault, What};

/// The store's classifier over the simulator's threads, named as its
/// trace names them (an `Arc<str>` shared by a thread's events, compared
/// by pointer first).
#[derive(Debug, Default)]
pub(super) struct Classifier(StoreClassifier<Arc<str>>);

impl Classifier {
    /// Sees one event of the run; the store situations it reaches go into
    /// `reached`.
    pub(super) fn see(&mut self, event: &Event, reached: &mut Reached) {
        self.0
            .see(&event.thread, step_of(&event.what), |situation| {
                reached.insert(situation.into());
            });
    }
}

/// What the store's classifier sees of `what`.
fn step_of(what: &What) -> StoreStep<Arc<str>> {
    match what {
        What::StoreOpened { store, len } => StoreStep::StoreOpened { store, len: *len },
        What::FileCreated { file } => StoreStep::FileCreated { file: *file },
        What::Spawns { thread } => StoreStep::Spawns {
            child: Arc::from(thread.as_str()),
        },
        What::ReadBegins { store, .. } => StoreStep::ReadBegins { store },
        What::ReadReturns { outcome, .. } => StoreStep::ReadReturns {
            end: match outcome {
                Outcome::Read(_) => ReadEnd::Bytes,
                Outcome::ClosedError => ReadEnd::Closed,
                Outcome::DownloadFailed { .. } => ReadEnd::DownloadFailed,
                _ => ReadEnd::Other,
            },
        },
        What::CloseBegins { store, deadline } => StoreStep::CloseBegins {
            store,
            deadline: deadline.is_some(),
        },
        What::CloseReturns { outcome, .. } => StoreStep::CloseReturns {
            deadline_fired_with_readers: match outcome {
                Outcome::DeadlineExceeded {
                    readers_in_flight, ..
                } => Some(*readers_in_flight),
                _ => None,
            },
        },
        What::DropBegins { store } => StoreStep::DropBegins { store },
        What::DropReturns { .. } => StoreStep::DropReturns,
        What::HandleOpens { store } => StoreStep::HandleOpenBegins { store },
        What::ReleaseBegins { store } => StoreStep::ReleaseBegins { store },
        What::HandleOpenReturns { .. } | What::ReleaseReturns { .. } => {
            StoreStep::HandleCallReturns
        }
        What::StreamOpened { from, .. } => StoreStep::StreamOpened { from: *from },
        What::Fault(TransportFault::Reset) => StoreStep::Reset,
        What::Fault(TransportFault::Stalls) => StoreStep::Stalls,
        What::StreamRefused { .. } => StoreStep::StreamRefused,
        What::TimedWaitBegins { .. } => StoreStep::TimedWaitBegins,
        What::TimedWaitEnds { .. } => StoreStep::TimedWaitEnds,
        What::Waits { .. } => StoreStep::Waits,
        What::Finishes => StoreStep::Finishes,
        What::File { file, op, result } => StoreStep::File {
            file: *file,
            op: *op,
            result: *result,
        },
        _ => StoreStep::Other,
    }
}
