//! What the platform knows about each store and each thread's current call,
//! for the liveness oracles: which file and which downloader thread belong to
//! a store (learnt from the file layer and the transport, never from the
//! store), and which store a thread is reading or closing.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::ThreadKey;

/// The platform's facts of one execution. Clones share them.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    inner: Arc<Mutex<FactsInner>>,
}

#[derive(Debug, Default)]
struct FactsInner {
    stores: BTreeMap<&'static str, StoreFacts>,
    calls: BTreeMap<ThreadKey, Call>,
}

/// What the platform saw of one store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoreFacts {
    /// Its object's length, told when the store was opened.
    pub len: u64,
    /// Its temp file's index in the world's file registry.
    pub file: Option<usize>,
    /// The key of the thread that opens its transport's streams.
    pub downloader: Option<ThreadKey>,
}

/// A store call a thread is inside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    /// `read_at` of the bytes `[offset, end)`, as asked (not clipped).
    Read {
        /// The store's label.
        store: &'static str,
        /// First byte asked for.
        offset: u64,
        /// One past the last byte asked for.
        end: u64,
    },
    /// `close` or `close_with_deadline`.
    Close {
        /// The store's label.
        store: &'static str,
    },
    /// The drop of the store's last handle.
    Drop {
        /// The store's label.
        store: &'static str,
    },
}

impl Call {
    /// The store the call is on.
    pub fn store(&self) -> &'static str {
        match self {
            Call::Read { store, .. } | Call::Close { store } | Call::Drop { store } => store,
        }
    }
}

impl Facts {
    fn lock(&self) -> std::sync::MutexGuard<'_, FactsInner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Store `store`, of an object of `len` bytes, is being opened.
    pub fn store_opened(&self, store: &'static str, len: u64) {
        self.lock().stores.entry(store).or_default().len = len;
    }

    /// Store `store`'s temp file is file `index`.
    pub fn file_created(&self, store: &'static str, index: usize) {
        self.lock().stores.entry(store).or_default().file = Some(index);
    }

    /// Thread `thread` opened a stream of store `store`'s transport: it is
    /// that store's downloader.
    pub fn stream_opened_by(&self, store: &'static str, thread: ThreadKey) {
        self.lock().stores.entry(store).or_default().downloader = Some(thread);
    }

    /// Thread `thread` enters `call`.
    pub fn call_begins(&self, thread: ThreadKey, call: Call) {
        self.lock().calls.insert(thread, call);
    }

    /// Thread `thread`'s call returned; the call it was.
    pub fn call_returns(&self, thread: ThreadKey) -> Option<Call> {
        self.lock().calls.remove(&thread)
    }

    /// The call thread `thread` is inside, if any.
    pub fn call_of(&self, thread: ThreadKey) -> Option<Call> {
        self.lock().calls.get(&thread).copied()
    }

    /// What the platform saw of store `store`.
    pub fn store(&self, store: &str) -> StoreFacts {
        self.lock().stores.get(store).cloned().unwrap_or_default()
    }

    /// Whether thread `thread` works for store `store`: its downloader, or a
    /// thread inside one of its calls.
    pub fn works_for(&self, thread: ThreadKey, store: &str) -> bool {
        let inner = self.lock();
        let downloads = inner
            .stores
            .get(store)
            .is_some_and(|facts| facts.downloader == Some(thread));
        downloads
            || inner
                .calls
                .get(&thread)
                .is_some_and(|call| call.store() == store)
    }
}
