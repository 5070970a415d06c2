//! The store's liveness on the library: `no-needless-wait`,
//! `close-does-not-wait-on-timers` and `in-flight-counts-true`, judged at
//! each quiescent moment of a run (`harness::check::at_quiescence`), and
//! the counts' bounds and the upper side of the time bounds
//! (`close-completes`, `retry-policy-honoured`) as each wait begins
//! (`harness::check::at_each_wait`),
//! with the verdicts the simulator gives (`crate::liveness`), from what the
//! world saw: the store call each thread is inside, each store's object
//! length, temp file, downloader and duplicates open, which threads are
//! inside a slow file operation, and the files' own record of the bytes
//! written. A store's own counts are read with `harness::check::peek`,
//! which neither schedules nor records.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use std::time::Duration;

use harness::check::{Quiescence, ThreadKey, WaitBegins};
use store::{InFlight, Instant};

use crate::doubles::{CheckedFiles, Step};
use crate::{
    CounterSource, Violation, WaitSpan, WaitingReader, backoff_kept_late, close_waits_on_a_timer,
    counts_differ, counts_outside, deadline_kept_late, needless_read_wait,
};

/// A store call a thread is inside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Call {
    /// `read_at [offset, end)` of `store`.
    Read {
        store: &'static str,
        offset: u64,
        end: u64,
    },
    /// A close of `store`, with a deadline or without.
    Close {
        store: &'static str,
        deadline: Option<Instant>,
    },
    /// Any other call on `store`.
    Other { store: &'static str },
}

impl Call {
    fn store(self) -> &'static str {
        match self {
            Call::Read { store, .. } | Call::Close { store, .. } | Call::Other { store } => store,
        }
    }

    fn is_read(&self) -> bool {
        matches!(self, Call::Read { .. })
    }

    fn is_close(&self) -> bool {
        matches!(self, Call::Close { .. })
    }

    /// Whether a handle may be counted without its duplicate open inside
    /// the call: a handle is counted from before its duplicate opens
    /// (inside `open_handle`) until after it closes (inside a release, or
    /// the read through it that held it last).
    fn may_count_a_handle(&self) -> bool {
        matches!(self, Call::Read { .. } | Call::Other { .. })
    }
}

/// How many of `calls` are on `store` and `wanted`.
fn count<'a>(calls: impl Iterator<Item = &'a Call>, store: &str, wanted: fn(&Call) -> bool) -> u64 {
    calls
        .filter(|call| call.store() == store && wanted(call))
        .count() as u64
}

/// What the world saw of one store.
#[derive(Clone, Copy, Debug, Default)]
struct StoreSeen {
    object_len: u64,
    file: Option<usize>,
    downloader: Option<ThreadKey>,
    /// Duplicates of its temp file open now: each is a handle it counts.
    duplicates_open: u64,
    /// The backoff its retry policy owes since its transport's last
    /// transient failure, until the downloader asks for a stream again.
    backoff: Option<Backoff>,
}

/// A backoff the retry policy owes: how long, and when the downloader's
/// first wait of it began.
#[derive(Clone, Copy, Debug)]
struct Backoff {
    length: Duration,
    began_at: Option<Instant>,
}

#[derive(Default)]
struct Book {
    calls: BTreeMap<ThreadKey, Call>,
    stores: BTreeMap<&'static str, StoreSeen>,
    in_file_layer: BTreeSet<ThreadKey>,
    names: BTreeMap<ThreadKey, String>,
    /// How to read each store's own counts, while it lives.
    counters: BTreeMap<&'static str, CounterSource>,
}

impl std::fmt::Debug for Book {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Book")
            .field("calls", &self.calls)
            .field("stores", &self.stores)
            .finish_non_exhaustive()
    }
}

/// What the world saw, for the judges; clones share it. Kept under a std
/// lock, which a judge may take (it takes none of the facade's).
#[derive(Clone, Debug, Default)]
pub(super) struct Ledger(Arc<Mutex<Book>>);

impl Ledger {
    fn book(&self) -> MutexGuard<'_, Book> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The calling thread's key, its name kept for reports; `None`
    /// outside a run.
    fn caller(&self, book: &mut Book) -> Option<ThreadKey> {
        let key = harness::check::thread_key()?;
        book.names.entry(key).or_insert_with(|| {
            let thread = harness::thread::current();
            let name = thread.name().map(str::to_owned);
            name.unwrap_or_else(|| format!("thread {}", key.0))
        });
        Some(key)
    }

    /// The calling thread's `call` begins.
    pub(super) fn call_begins(&self, call: Call) {
        let mut book = self.book();
        if let Some(key) = self.caller(&mut book) {
            book.calls.insert(key, call);
        }
    }

    /// The calling thread's call returned.
    pub(super) fn call_returns(&self) {
        let mut book = self.book();
        if let Some(key) = self.caller(&mut book) {
            book.calls.remove(&key);
        }
    }

    /// Store `store` of an object of `object_len` bytes is being opened.
    pub(super) fn store_opened(&self, store: &'static str, object_len: u64) {
        self.book().stores.entry(store).or_default().object_len = object_len;
    }

    /// A double of `store` did `step`: its file is made, or the calling
    /// thread asks for a stream (it is the store's downloader).
    pub(super) fn saw(&self, store: &'static str, step: Step) {
        let mut book = self.book();
        match step {
            Step::FileCreated { file } => book.stores.entry(store).or_default().file = Some(file),
            Step::StreamAsked => {
                let downloader = self.caller(&mut book);
                let seen = book.stores.entry(store).or_default();
                seen.downloader = downloader;
                seen.backoff = None;
            }
            Step::BackoffOwed(length) => {
                let backoff = Backoff {
                    length,
                    began_at: None,
                };
                book.stores.entry(store).or_default().backoff = Some(backoff);
            }
            Step::DuplicatesChange(change) => {
                let seen = book.stores.entry(store).or_default();
                seen.duplicates_open = seen
                    .duplicates_open
                    .checked_add_signed(change)
                    .expect("the files close only the duplicates they opened");
            }
            _ => {}
        }
    }

    /// Store `store`'s own counts are read by `source`.
    pub(super) fn counters_of(&self, store: &'static str, source: CounterSource) {
        self.book().counters.insert(store, source);
    }

    /// The calling thread enters (`inside`) or leaves a slow file
    /// operation: a wait there is the file layer's, not the store's.
    pub(super) fn in_file_layer(&self, inside: bool) {
        let mut book = self.book();
        if let Some(key) = self.caller(&mut book) {
            if inside {
                book.in_file_layer.insert(key);
            } else {
                book.in_file_layer.remove(&key);
            }
        }
    }

    /// Judges `moment`, raising the first liveness oracle it breaks.
    pub(super) fn judge(&self, files: &CheckedFiles, moment: &Quiescence) {
        let verdict = self.verdict(files, moment);
        if let Some(violation) = verdict {
            violation.raise();
        }
    }

    /// Judges `wait` as it begins, `now`: raises `in-flight-counts-true`
    /// if a store's counts lie outside what its threads are inside, and
    /// `close-completes` or `retry-policy-honoured` if the wait may outlast
    /// a close's deadline or the policy's backoff.
    pub(super) fn judge_wait(&self, wait: &WaitBegins, now: Instant) {
        let mut book = self.book();
        let verdict = book
            .counts_bound_verdict(wait)
            .or_else(|| book.bound_kept_late(wait, now));
        drop(book);
        if let Some(violation) = verdict {
            violation.raise();
        }
    }

    fn verdict(&self, files: &CheckedFiles, moment: &Quiescence) -> Option<Violation> {
        let book = self.book();
        let waiting = || moment.blocked().iter().chain(moment.timed()).copied();
        let in_store = |key: &ThreadKey| !book.in_file_layer.contains(key);
        let everyone = || book.everyone(moment);
        for key in waiting().filter(in_store) {
            let Some(&Call::Read { store, offset, end }) = book.calls.get(&key) else {
                continue;
            };
            let seen = book.stores.get(store).copied().unwrap_or_default();
            let (offset, end) = (offset.min(seen.object_len), end.min(seen.object_len));
            let reader = WaitingReader {
                thread: book.name(key),
                store,
                offset,
                end,
                missing: seen
                    .file
                    .is_none_or(|file| files.has_unwritten(file, offset, end)),
                running: seen
                    .downloader
                    .is_none_or(|downloader| moment.waits(downloader)),
            };
            if let Some(violation) = needless_read_wait(reader, everyone) {
                return Some(violation);
            }
        }
        for closer in waiting() {
            let Some(&Call::Close { store, .. }) = book.calls.get(&closer) else {
                continue;
            };
            let closes = |key: &ThreadKey| matches!(book.calls.get(key), Some(Call::Close { .. }));
            let timer = moment
                .timed()
                .iter()
                .filter(|key| in_store(key) && !closes(key))
                .find(|&&key| book.works_for(key, store));
            if let Some(&timer) = timer {
                let closer = book.name(closer);
                return Some(close_waits_on_a_timer(
                    closer,
                    store,
                    &book.name(timer),
                    everyone,
                ));
            }
        }
        book.counts_verdict(moment)
    }
}

impl Book {
    fn name(&self, key: ThreadKey) -> String {
        self.names
            .get(&key)
            .cloned()
            .unwrap_or_else(|| format!("thread {}", key.0))
    }

    /// Whether `key` is `store`'s downloader or inside a call on it.
    fn works_for(&self, key: ThreadKey, store: &str) -> bool {
        let downloads = self
            .stores
            .get(store)
            .is_some_and(|seen| seen.downloader == Some(key));
        downloads
            || self
                .calls
                .get(&key)
                .is_some_and(|call| call.store() == store)
    }

    /// `in-flight-counts-true` at `moment`: every call in flight is blocked
    /// where the store counts it, so each store's counts equal the reads
    /// and closes its threads are inside and the duplicates open. Not
    /// while a thread unwinds a failed run, whose calls never returned.
    fn counts_verdict(&self, moment: &Quiescence) -> Option<Violation> {
        if std::thread::panicking() {
            return None;
        }
        self.counters.iter().find_map(|(&store, source)| {
            let counts = harness::check::peek(|| source())?;
            let seen = InFlight {
                reads: count(self.calls.values(), store, Call::is_read),
                closes: count(self.calls.values(), store, Call::is_close),
                handles: self
                    .stores
                    .get(store)
                    .map_or(0, |seen| seen.duplicates_open),
            };
            let thread = moment
                .blocked()
                .last()
                .map_or_else(String::new, |&key| self.name(key));
            counts_differ(store, counts, seen, thread, || self.everyone(moment))
        })
    }

    /// `in-flight-counts-true` as `wait` begins, while other calls may run:
    /// each store's counts lie between what must be counted (the reads and
    /// closes waiting threads are inside, the duplicates open) and what may
    /// be (every read and close in flight; the duplicates open, and one
    /// more for each call inside which a handle may be counted without its
    /// duplicate). Not while a thread unwinds a failed run.
    fn counts_bound_verdict(&self, wait: &WaitBegins) -> Option<Violation> {
        if std::thread::panicking() {
            return None;
        }
        self.counters.iter().find_map(|(&store, source)| {
            let counts = harness::check::peek(|| source())?;
            let duplicates = self
                .stores
                .get(store)
                .map_or(0, |seen| seen.duplicates_open);
            let waiting = || wait.waiting().iter().filter_map(|key| self.calls.get(key));
            let least = InFlight {
                reads: count(waiting(), store, Call::is_read),
                closes: count(waiting(), store, Call::is_close),
                handles: duplicates,
            };
            let in_flight = || self.calls.values();
            let most = InFlight {
                reads: count(in_flight(), store, Call::is_read),
                closes: count(in_flight(), store, Call::is_close),
                handles: duplicates + count(in_flight(), store, Call::may_count_a_handle),
            };
            counts_outside(store, counts, least..=most, || self.name(wait.caller()))
        })
    }

    /// The upper side of the time bounds as `wait` begins, `now`: a close
    /// waits no later than its deadline, and a downloader that owes a
    /// backoff waits no later than the backoff's length after its first
    /// wait of it. The bounds are the store's own waits': not a slow file
    /// operation's, whose time is the file layer's. Not while a thread
    /// unwinds a failed run.
    fn bound_kept_late(&mut self, wait: &WaitBegins, now: Instant) -> Option<Violation> {
        let caller = wait.caller();
        if std::thread::panicking() || self.in_file_layer.contains(&caller) {
            return None;
        }
        // The wait runs from when it was asked for, which other threads'
        // timers may have left behind by now.
        let asked =
            Instant::from_origin(now.since_origin().saturating_sub(wait.asked_at().elapsed()));
        let span = WaitSpan::of(asked, wait.timeout());
        if let Some(&Call::Close {
            deadline: Some(deadline),
            ..
        }) = self.calls.get(&caller)
        {
            return deadline_kept_late(span, deadline, || self.name(caller));
        }
        wait.timeout()?;
        let backoff = self
            .stores
            .values_mut()
            .filter(|seen| seen.downloader == Some(caller))
            .find_map(|seen| seen.backoff.as_mut())?;
        let ends_by = *backoff.began_at.get_or_insert(asked) + backoff.length;
        backoff_kept_late(span, ends_by, || self.name(caller))
    }

    /// Each waiting thread, with its call and whether it waits on time.
    fn everyone(&self, moment: &Quiescence) -> String {
        let blocked = moment.blocked().iter().map(|&key| (key, ""));
        let timed = moment.timed().iter().map(|&key| (key, ", on a timer"));
        let lines: Vec<String> = blocked
            .chain(timed)
            .map(|(key, on_a_timer)| match self.calls.get(&key) {
                Some(call) => format!("{} (in {call:?}{on_a_timer})", self.name(key)),
                None => format!("{} (in no store call{on_a_timer})", self.name(key)),
            })
            .collect();
        lines.join("; ")
    }
}
