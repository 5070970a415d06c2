//! The store's liveness on the library, judged with the verdicts the
//! simulator gives, from the same kind of [`Facts`] it keeps (keyed by the
//! run's thread keys): the store call each thread is inside, each store's
//! object length, temp file, downloader, duplicates open and owed backoff,
//! which threads are inside a slow file operation, and what was in flight
//! while a call that reads counts ran; with the files' own record of the
//! bytes written. A store's own counts are read with
//! `harness::check::peek`, which neither schedules nor records.
//!
//! - At each quiescent moment (`harness::check::at_quiescence`):
//!   `no-needless-wait`, `close-does-not-wait-on-timers`, and
//!   `in-flight-counts-true` (the counts equal what is in flight).
//! - As each wait begins (`harness::check::at_each_wait`): the counts lie
//!   between what must and what may be counted, and the wait outlasts
//!   neither a close's deadline (`close-completes`) nor an owed backoff
//!   (`retry-policy-honoured`).
//! - As a call that read counts returns (`in_flight()`, a
//!   `CloseDeadlineExceeded`): they lie within what was in flight while it
//!   ran, where memory is not weak.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use harness::check::{Quiescence, ThreadKey, WaitBegins};
use store::{InFlight, Instant};

use crate::doubles::{CheckedFiles, Step};
use crate::{
    Call, CounterSource, Facts, Outcome, StoreMoment, Violation, WaitSpan, bound_kept_late,
    counts_while_waiting, returned_counts_outside_span, stores_at_quiescence,
};

/// What the world saw, for the judges; clones share it. Kept under std
/// locks, which a judge may take (it takes none of the facade's).
#[derive(Clone, Debug, Default)]
pub(super) struct Ledger {
    facts: Facts<ThreadKey>,
    /// Each thread's name, for reports, kept as it first acts.
    names: Arc<Mutex<BTreeMap<ThreadKey, String>>>,
}

impl Ledger {
    fn names(&self) -> MutexGuard<'_, BTreeMap<ThreadKey, String>> {
        self.names.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The calling thread's key, its name kept for reports; `None`
    /// outside a run.
    fn caller(&self) -> Option<ThreadKey> {
        let key = harness::check::thread_key()?;
        self.names().entry(key).or_insert_with(|| {
            let thread = harness::thread::current();
            let name = thread.name().map(str::to_owned);
            name.unwrap_or_else(|| format!("thread {}", key.0))
        });
        Some(key)
    }

    fn name(&self, key: ThreadKey) -> String {
        self.names()
            .get(&key)
            .cloned()
            .unwrap_or_else(|| format!("thread {}", key.0))
    }

    /// The calling thread's `call` begins.
    pub(super) fn call_begins(&self, call: Call) {
        if let Some(key) = self.caller() {
            self.facts.call_begins(key, call);
        }
    }

    /// The calling thread's call returned `outcome`: the counts it
    /// reports lie within what was in flight while it ran, where loads
    /// cannot be stale.
    pub(super) fn call_returns(&self, outcome: &Outcome) {
        let Some(key) = self.caller() else {
            return;
        };
        let Some((_, Some(span))) = self.facts.call_returns(key) else {
            return;
        };
        if std::thread::panicking() || harness::check::memory_is_weak() {
            return;
        }
        let thread = || self.name(key);
        if let Some(violation) = returned_counts_outside_span(outcome, &span, thread) {
            violation.raise();
        }
    }

    /// Store `store` of an object of `object_len` bytes is being opened.
    pub(super) fn store_opened(&self, store: &'static str, object_len: u64) {
        self.facts.store_opened(store, object_len);
    }

    /// A double of `store` did `step`, on the calling thread.
    pub(super) fn saw(&self, store: &'static str, step: Step) {
        if let Some(key) = self.caller() {
            self.facts.saw(store, step, || key);
        }
    }

    /// Store `store`'s own counts are read by `source`.
    pub(super) fn counters_of(&self, store: &'static str, source: CounterSource) {
        self.facts.counters_of(store, source);
    }

    /// The calling thread enters (`inside`) or leaves a slow file
    /// operation: a wait there is the file layer's, not the store's.
    pub(super) fn in_file_layer(&self, inside: bool) {
        if let Some(key) = self.caller() {
            self.facts.in_file_layer(key, inside);
        }
    }

    /// A store's own counts now, read unseen by the scheduler.
    fn counts_of(&self, store: &'static str) -> Option<InFlight> {
        harness::check::peek(|| self.facts.counters(store))
    }

    /// Judges `moment`, raising the first liveness oracle it breaks.
    pub(super) fn judge(&self, files: &CheckedFiles, moment: &Quiescence) {
        let verdict = self.verdict(files, moment);
        if let Some(violation) = verdict {
            violation.raise();
        }
    }

    /// Judges `wait` as it begins, `now` on the store's clock: raises
    /// `in-flight-counts-true` if a store's counts lie outside what its
    /// threads are inside, and `close-completes` or `retry-policy-honoured`
    /// if the wait may outlast a close's deadline or an owed backoff.
    pub(super) fn judge_wait(&self, wait: &WaitBegins, now: Instant) {
        let caller = || self.name(wait.caller());
        let verdict = counts_while_waiting(
            &self.facts,
            wait.waiting(),
            |store| self.counts_of(store),
            caller,
        )
        .or_else(|| self.bound_kept_late(wait, now));
        if let Some(violation) = verdict {
            violation.raise();
        }
    }

    /// The upper side of the time bounds as `wait` begins. The bounds are
    /// the store's own waits': not a slow file operation's, whose time is
    /// the file layer's. Not while a thread unwinds a failed run.
    fn bound_kept_late(&self, wait: &WaitBegins, now: Instant) -> Option<Violation> {
        let caller = wait.caller();
        if std::thread::panicking() || self.facts.is_in_file_layer(caller) {
            return None;
        }
        // The wait runs from when it was asked for, which other threads'
        // timers may have left behind by now.
        let asked =
            Instant::from_origin(now.since_origin().saturating_sub(wait.asked_at().elapsed()));
        let span = WaitSpan::of(asked, wait.timeout());
        bound_kept_late(&self.facts, caller, span, || self.name(caller))
    }

    fn verdict(&self, files: &CheckedFiles, moment: &Quiescence) -> Option<Violation> {
        let moment = Moment {
            ledger: self,
            moment,
        };
        stores_at_quiescence(&self.facts, files, &moment, |store| self.counts_of(store))
    }

    /// Each waiting thread, with its call and whether it waits on time.
    fn everyone(&self, moment: &Quiescence) -> String {
        let blocked = moment.blocked().iter().map(|&key| (key, ""));
        let timed = moment.timed().iter().map(|&key| (key, ", on a timer"));
        let lines: Vec<String> = blocked
            .chain(timed)
            .map(|(key, on_a_timer)| match self.facts.call_of(key) {
                Some(call) => format!("{} (in {call:?}{on_a_timer})", self.name(key)),
                None => format!("{} (in no store call{on_a_timer})", self.name(key)),
            })
            .collect();
        lines.join("; ")
    }
}

/// A quiescent moment as the store's verdicts read it, its threads named
/// by the ledger.
struct Moment<'a> {
    ledger: &'a Ledger,
    moment: &'a Quiescence,
}

impl StoreMoment<ThreadKey> for Moment<'_> {
    fn waiting(&self) -> Vec<ThreadKey> {
        let Moment { moment, .. } = self;
        moment
            .blocked()
            .iter()
            .chain(moment.timed())
            .copied()
            .collect()
    }

    fn on_time(&self, key: ThreadKey) -> bool {
        self.moment.timed().contains(&key)
    }

    fn is_live(&self, key: ThreadKey) -> bool {
        self.moment.waits(key)
    }

    fn name(&self, key: ThreadKey) -> String {
        self.ledger.name(key)
    }

    fn last_blocked(&self) -> String {
        let blocked = self.moment.blocked().last();
        blocked.map_or_else(String::new, |&key| self.ledger.name(key))
    }

    fn everyone(&self) -> String {
        self.ledger.everyone(self.moment)
    }
}
