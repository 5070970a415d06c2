//! Loom's primitives, for exhaustive exploration with bounded preemptions.
//!
//! Valid only inside `loom::model`: loom's primitives panic outside one. Loom
//! does not model time, so `wait_timeout` here returns on a notification only.
//! Loom models at most 5 threads, main included.

use crossbeam_queue::ArrayQueue;

super::std_shaped::std_shaped_runtime!(
    /// Runs the store on loom's modelled primitives.
    LoomRuntime,
    loom,
    queue: ArrayQueue,
    parking: parking
);

/// Park and unpark by a token each thread keeps under a loom lock and
/// condition variable. loom's own unpark wakes its target whatever the
/// target is blocked on (tokio-rs/loom#249): the logger's writer, unparked
/// by a producer while it waited for a lock, resumed with the lock still
/// held and failed inside loom. Unlike std's, this unpark takes the
/// token's lock, for one store.
mod parking {
    use std::sync::{Arc, PoisonError};

    /// A thread's token: whether an unpark is pending.
    #[derive(Debug, Default)]
    struct Token {
        pending: loom::sync::Mutex<bool>,
        unparked: loom::sync::Condvar,
    }

    loom::thread_local! {
        static TOKEN: Arc<Token> = Arc::new(Token::default());
    }

    /// A thread's handle: its token.
    #[derive(Clone, Debug)]
    pub struct Thread(Arc<Token>);

    impl Thread {
        /// Makes the thread's token available, waking it if it is parked.
        pub fn unpark(&self) {
            let Thread(token) = self;
            *token.pending.lock().unwrap_or_else(PoisonError::into_inner) = true;
            token.unparked.notify_one();
        }
    }

    /// The calling thread's handle.
    pub(super) fn current() -> Thread {
        TOKEN.with(|token| Thread(Arc::clone(token)))
    }

    /// Blocks until the calling thread's token is there, and takes it.
    pub(super) fn park() {
        TOKEN.with(|token| {
            let mut pending = token.pending.lock().unwrap_or_else(PoisonError::into_inner);
            while !*pending {
                pending = token
                    .unparked
                    .wait(pending)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            *pending = false;
        });
    }
}
