//! The store's coverage on the simulator: each event of a run, as the
//! store's classifier (`scenarios::StoreClassifier`) sees it.

use std::sync::Arc;

use scenarios::{StoreClassifier, StoreStep};

use super::Reached;
use crate::platform::{Event, TransportFault, What};

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
        What::CallBegins(call) => StoreStep::CallBegins(*call),
        What::CallReturns { outcome, .. } => StoreStep::CallReturns(outcome.clone()),
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
