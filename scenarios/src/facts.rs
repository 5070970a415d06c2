//! What a platform knows about each store and each thread's current call,
//! for the store's liveness oracles, whichever platform it is (`sim`'s,
//! keyed by its own thread keys, or the library's, by the run's): which
//! file and which downloader thread belong to a store (learnt from the
//! file layer and the transport, never from the store), which store a
//! thread is reading or closing, and what was in flight while a call that
//! reads counts ran.

use litemap::LiteMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use store::{InFlight, Instant};

use crate::CounterSource;
use crate::call::Call;
use crate::doubles::Step;

/// A thread's key within one run, as a platform names its threads.
pub trait Key: Copy + Ord + Debug + Send + 'static {}

impl<K: Copy + Ord + Debug + Send + 'static> Key for K {}

/// A platform's facts of one run, its threads named by `K`. Clones share
/// them.
#[derive(Clone, Debug)]
pub struct Facts<K: Key> {
    inner: Arc<Mutex<FactsInner<K>>>,
}

impl<K: Key> Default for Facts<K> {
    fn default() -> Facts<K> {
        Facts {
            inner: Arc::new(Mutex::new(FactsInner::default())),
        }
    }
}

///
/// Its maps are sorted vectors (`LiteMap`), not B-trees: a run has a
/// handful of threads and stores, and a B-tree allocates a node each time a
/// map goes from empty to one entry, which `calls` does on every call.
struct FactsInner<K: Key> {
    stores: LiteMap<&'static str, StoreFacts<K>>,
    calls: LiteMap<K, Call>,
    /// For each call that reads counts (`in_flight`, a close), the bounds
    /// of what was in flight on its store while it ran.
    spans: LiteMap<K, Span>,
    /// How to read each store's own counts, while it lives.
    counters: LiteMap<&'static str, CounterSource>,
    /// Threads inside a file operation that takes time.
    in_file_layer: std::collections::BTreeSet<K>,
}

impl<K: Key> Default for FactsInner<K> {
    fn default() -> FactsInner<K> {
        FactsInner {
            stores: LiteMap::new(),
            calls: LiteMap::new(),
            spans: LiteMap::new(),
            counters: LiteMap::new(),
            in_file_layer: std::collections::BTreeSet::new(),
        }
    }
}

impl<K: Key> std::fmt::Debug for FactsInner<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FactsInner")
            .field("stores", &self.stores)
            .field("calls", &self.calls)
            .field("spans", &self.spans)
            .finish_non_exhaustive()
    }
}

/// What was in flight on a store while one call ran, as the platform
/// counts it: the most of each at any moment, and the fewest duplicates
/// open (each is a handle the store must count).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// The store.
    pub store: &'static str,
    /// The most threads inside `read_at` (of the store or a handle).
    pub reads: u64,
    /// The most threads inside a close.
    pub closes: u64,
    /// The most handles: duplicates open, plus calls inside which one may
    /// be counted without its duplicate open.
    pub handles: u64,
    /// The fewest duplicates open.
    pub duplicates_floor: u64,
    /// The fewest threads inside a read and, there, inside the file layer:
    /// registered readers every moment of the span, which the store must
    /// count.
    pub reads_floor: u64,
}

/// What the platform saw of one store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreFacts<K: Key> {
    /// Its object's length, told when the store was opened.
    pub len: u64,
    /// Its temp file's index in the world's file registry.
    pub file: Option<usize>,
    /// The key of the thread that opens its transport's streams.
    pub downloader: Option<K>,
    /// Duplicates of its temp file open now.
    pub duplicates_open: u64,
    /// The backoff its retry policy owes since the last transient failure,
    /// until the next stream opens.
    pub backoff: Option<Backoff>,
}

impl<K: Key> Default for StoreFacts<K> {
    fn default() -> StoreFacts<K> {
        StoreFacts {
            len: 0,
            file: None,
            downloader: None,
            duplicates_open: 0,
            backoff: None,
        }
    }
}

/// A backoff the retry policy owes after a transient failure: how long it
/// lasts, and when the downloader began waiting it out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The policy's backoff for the failures in a row so far.
    pub length: Duration,
    /// When the downloader's first wait of this backoff began.
    pub began_at: Option<Instant>,
}

impl<K: Key> FactsInner<K> {
    fn in_flight_now(&self, store: &'static str) -> Span {
        let calls = |matches: fn(&Call) -> bool| {
            self.calls
                .values()
                .filter(|call| call.store() == store && matches(call))
                .count() as u64
        };
        let duplicates = self
            .stores
            .get(store)
            .map_or(0, |facts| facts.duplicates_open);
        Span {
            store,
            reads: calls(|call| matches!(call, Call::Read { .. })),
            closes: calls(|call| matches!(call, Call::Close { .. })),
            // A handle counts from before its duplicate opens until after
            // it closes, which happens inside open_handle, a release, or
            // the read through it that held the duplicate last.
            handles: duplicates
                + calls(|call| {
                    matches!(
                        call,
                        Call::OpenHandle { .. } | Call::Release { .. } | Call::Read { .. }
                    )
                }),
            duplicates_floor: duplicates,
            reads_floor: self
                .calls
                .iter()
                .filter(|(thread, call)| {
                    matches!(call, Call::Read { store: on, .. } if *on == store)
                        && self.in_file_layer.contains(thread)
                })
                .count() as u64,
        }
    }

    /// Widens the spans open on `store` to what is in flight now.
    fn widen_spans(&mut self, store: &'static str) {
        let now = self.in_flight_now(store);
        for (_, span) in self
            .spans
            .iter_mut()
            .filter(|(_, span)| span.store == store)
        {
            span.reads = span.reads.max(now.reads);
            span.closes = span.closes.max(now.closes);
            span.handles = span.handles.max(now.handles);
            span.duplicates_floor = span.duplicates_floor.min(now.duplicates_floor);
            span.reads_floor = span.reads_floor.min(now.reads_floor);
        }
    }
}

impl<K: Key> Facts<K> {
    fn lock(&self) -> std::sync::MutexGuard<'_, FactsInner<K>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A double of store `store` did `step`, on the thread `thread` names:
    /// what the judges learn from it (its file, its downloader, a backoff
    /// owed, a duplicate opened or closed).
    pub fn saw(&self, store: &'static str, step: Step, thread: impl FnOnce() -> K) {
        match step {
            Step::FileCreated { file } => self.file_created(store, file),
            Step::DuplicatesChange(change) => self.duplicates_change(store, change),
            Step::StreamAsked => self.stream_opened_by(store, thread()),
            Step::BackoffOwed(length) => self.backoff_owed(store, length),
            Step::File { .. }
            | Step::StreamOpened { .. }
            | Step::StreamRefused { .. }
            | Step::Delivers { .. }
            | Step::Fault(_)
            | Step::Cancelled => {}
        }
    }

    /// Store `store`, of an object of `len` bytes, is being opened.
    pub fn store_opened(&self, store: &'static str, len: u64) {
        self.lock().stores.entry(store).or_default().len = len;
    }

    /// Store `store`'s temp file is file `index`.
    fn file_created(&self, store: &'static str, index: usize) {
        self.lock().stores.entry(store).or_default().file = Some(index);
    }

    /// Thread `thread` opened a stream of store `store`'s transport: it is
    /// that store's downloader.
    fn stream_opened_by(&self, store: &'static str, thread: K) {
        let mut inner = self.lock();
        let facts = inner.stores.entry(store).or_default();
        facts.downloader = Some(thread);
        facts.backoff = None;
    }

    /// Store `store`'s transport served a transient failure, after which
    /// its retry policy owes a backoff of `length`.
    fn backoff_owed(&self, store: &'static str, length: Duration) {
        self.lock().stores.entry(store).or_default().backoff = Some(Backoff {
            length,
            began_at: None,
        });
    }

    /// If `thread` is a downloader that owes a backoff, the instant its
    /// backoff must end by: `length` after the first wait of that backoff,
    /// which begins `now` if none has yet.
    pub fn backoff_ends_by(&self, thread: K, now: Instant) -> Option<Instant> {
        let mut inner = self.lock();
        let backoff = inner
            .stores
            .iter_mut()
            .filter(|(_, facts)| facts.downloader == Some(thread))
            .find_map(|(_, facts)| facts.backoff.as_mut())?;
        let began_at = *backoff.began_at.get_or_insert(now);
        Some(began_at + backoff.length)
    }

    /// Thread `thread` enters (`true`) or leaves a file operation that
    /// takes time.
    pub fn in_file_layer(&self, thread: K, inside: bool) {
        let mut inner = self.lock();
        if inside {
            inner.in_file_layer.insert(thread);
        } else {
            inner.in_file_layer.remove(&thread);
        }
        if let Some(store) = inner.calls.get(&thread).map(Call::store) {
            inner.widen_spans(store);
        }
    }

    /// Whether thread `thread` is inside a file operation that takes time:
    /// waiting on the platform's file layer, not on the store.
    pub fn is_in_file_layer(&self, thread: K) -> bool {
        self.lock().in_file_layer.contains(&thread)
    }

    /// The deadline of thread `thread`'s `close_with_deadline`, if it is
    /// inside one.
    pub fn close_deadline_of(&self, thread: K) -> Option<Instant> {
        match self.lock().calls.get(&thread) {
            Some(Call::Close { deadline, .. }) => *deadline,
            _ => None,
        }
    }

    /// Thread `thread` enters `call`. A call that reads counts opens a
    /// span that bounds them.
    pub fn call_begins(&self, thread: K, call: Call) {
        let mut inner = self.lock();
        inner.calls.insert(thread, call);
        if let Call::InFlight { store } | Call::Close { store, .. } = call {
            let now = inner.in_flight_now(store);
            inner.spans.insert(thread, now);
        }
        inner.widen_spans(call.store());
    }

    /// Thread `thread`'s call returned; the call it was, and its span.
    pub fn call_returns(&self, thread: K) -> Option<(Call, Option<Span>)> {
        let mut inner = self.lock();
        let call = inner.calls.remove(&thread)?;
        let span = inner.spans.remove(&thread);
        inner.widen_spans(call.store());
        Some((call, span))
    }

    /// A duplicate of store `store`'s file was opened (`+1`) or closed (`-1`).
    fn duplicates_change(&self, store: &'static str, change: i64) {
        let mut inner = self.lock();
        let facts = inner.stores.entry(store).or_default();
        facts.duplicates_open = facts
            .duplicates_open
            .checked_add_signed(change)
            .expect("the files close only the duplicates they opened");
        inner.widen_spans(store);
    }

    /// Store `store`'s counts are read by `source`.
    pub fn counters_of(&self, store: &'static str, source: CounterSource) {
        self.lock().counters.insert(store, source);
    }

    /// Store `store`'s own counts now, if it still lives.
    pub fn counters(&self, store: &str) -> Option<InFlight> {
        let source = self.lock().counters.get(store).cloned()?;
        source()
    }

    /// Every store whose counts can be read, in order.
    pub fn counted_stores(&self) -> Vec<&'static str> {
        self.lock().counters.keys().copied().collect()
    }

    /// What the platform sees in flight on store `store` now.
    pub fn in_flight_now(&self, store: &'static str) -> Span {
        self.lock().in_flight_now(store)
    }

    /// The call thread `thread` is inside, if any.
    pub fn call_of(&self, thread: K) -> Option<Call> {
        self.lock().calls.get(&thread).copied()
    }

    /// What the platform saw of store `store`.
    pub fn store(&self, store: &str) -> StoreFacts<K> {
        self.lock().stores.get(store).cloned().unwrap_or_default()
    }

    /// Whether thread `thread` works for store `store`: its downloader, or a
    /// thread inside one of its calls.
    pub fn works_for(&self, thread: K, store: &str) -> bool {
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
