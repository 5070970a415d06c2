//! The run as a whole: the runtime's making, the trace every thread
//! records to, the judges it installs, the oracle "never waits", the
//! deadlock check, the main thread's end, and a sleeper that takes virtual
//! time without holding the runtime.

use std::collections::BTreeMap;
use std::panic::Location;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossbeam::channel::Sender;
use scenarios::{Oracle, Violation};
use store::{Clock, Runtime};

use super::SimRuntime;
use super::book::{
    BlockedThread, Book, BookGuard, EndJudge, QuiescenceJudge, ThreadBook, ThreadPanic, WaitFor,
    WaitJudge,
};
use super::thread::Parker;
use crate::platform::{ModelRuntime, Recorder, Site, ThreadKey, Trace, VirtualClock, What};

/// Waits on the virtual clock for a runtime it does not keep alive (see
/// [`SimRuntime::sleeper`]).
pub struct Sleeper<I: ModelRuntime> {
    clock: VirtualClock,
    threads: std::sync::Weak<Book>,
    trace: Trace,
    parkers: std::sync::Weak<Mutex<BTreeMap<ThreadKey, Arc<Parker<I>>>>>,
}

impl<I: ModelRuntime> Sleeper<I> {
    /// Takes `duration` of virtual time: timed waits that nobody notifies,
    /// each firing or waking early as the scheduler chooses, until the clock
    /// has moved on by `duration`. Nothing, once the runtime is gone or the
    /// thread unwinds a failed execution.
    pub fn sleep(&self, duration: Duration) {
        let (Some(threads), Some(parkers)) = (self.threads.upgrade(), self.parkers.upgrade())
        else {
            return;
        };
        let runtime = SimRuntime {
            inner: I::default(),
            clock: self.clock.clone(),
            threads,
            trace: self.trace.clone(),
            parkers,
        };
        let (mutex, condvar) = (runtime.mutex(()), runtime.condvar());
        let until = self.clock.now() + duration;
        let mut guard = runtime.lock(&mutex);
        while !std::thread::panicking() {
            let now = self.clock.now();
            if now >= until {
                break;
            }
            guard = runtime.wait_timeout(&condvar, guard, now.until(until));
        }
    }
}

impl<I: ModelRuntime> SimRuntime<I> {
    /// A [`Sleeper`] for this runtime: waits on the virtual clock that hold
    /// no handle on the runtime's book, so that the files, which the book's
    /// judges hold, can take time without closing a cycle (which would leak
    /// every execution's world).
    pub fn sleeper(&self) -> Sleeper<I> {
        Sleeper {
            clock: self.clock.clone(),
            threads: Arc::downgrade(&self.threads),
            trace: self.trace.clone(),
            parkers: Arc::downgrade(&self.parkers),
        }
    }

    /// A runtime whose timed waits run on `clock` and whose events go to
    /// `trace`. The calling thread counts as the scenario's main thread.
    pub fn new(clock: VirtualClock, trace: Trace) -> SimRuntime<I> {
        SimRuntime {
            inner: I::default(),
            clock,
            threads: Arc::default(),
            trace,
            parkers: Arc::default(),
        }
    }

    /// Records `what` in the trace, attributed to the calling thread.
    pub fn record(&self, what: What) {
        record_event::<I>(&self.trace, what);
    }

    /// A [`Recorder`] that records as [`SimRuntime::record`] does. It holds
    /// the trace alone, never the book: the book's judges hold the files,
    /// whose recorder this is, and a recorder holding the book would close a
    /// cycle that leaked every execution's world (about 40 KB a run, until a
    /// long fuzz job ran out of memory).
    pub fn recorder(&self) -> Recorder {
        let trace = self.trace.clone();
        Arc::new(move |what| record_event::<I>(&trace, what))
    }

    /// Every thread blocked right now, with where it waits.
    pub fn blocked_threads(&self) -> Vec<BlockedThread> {
        self.book().blocked()
    }

    /// Whether thread `key` has finished.
    pub fn has_finished(&self, key: ThreadKey) -> bool {
        self.book().finished.contains(&key)
    }

    /// The first spawned thread whose body panicked, if any.
    pub fn first_panicked(&self) -> Option<String> {
        self.book().first_panicked.clone()
    }

    /// Has `judge` look at every quiescent moment of the run.
    pub fn judge_quiescence_with(&self, judge: QuiescenceJudge) {
        self.book().judges.quiescence = Some(judge);
    }

    /// Has `judge` look at the end of the run, when its last thread finishes.
    pub fn judge_end_with(&self, judge: EndJudge) {
        self.book().judges.end = Some(judge);
    }

    /// Has `judge` look at every moment a thread begins to wait.
    pub fn judge_waits_with(&self, judge: WaitJudge) {
        self.book().judges.at_wait = Some(judge);
    }

    /// Has deadlock reports say what each blocked thread waits for, as
    /// `wait_for` tells it.
    pub fn describe_waits_with(&self, wait_for: WaitFor) {
        self.book().judges.wait_for = Some(wait_for);
    }

    /// The calling thread enters `what`, a call that promises never to
    /// wait: taking a lock or waiting in it breaks the oracle "never waits".
    pub fn never_waits_begins(&self, what: &'static str) {
        if !hands_off::<I>() {
            self.book().never_waits.insert(I::thread_key(), what);
        }
    }

    /// The calling thread's call that promises never to wait has
    /// returned; what the call was.
    pub fn never_waits_returns(&self) -> Option<&'static str> {
        if hands_off::<I>() {
            return None;
        }
        self.book().never_waits.remove(&I::thread_key())
    }

    /// The oracle "never waits": a violation if the calling thread is
    /// inside a call that promises never to wait, and is about to `block`.
    /// The violation ends the call: the thread unwinds out of it.
    pub(super) fn never_waits_violation(&self, block: &str, at: Site) -> Option<Violation> {
        let call = self.book().never_waits.remove(&I::thread_key())?;
        Some(self.never_waits_broken(call, block, at))
    }

    /// The violation of the calling thread, inside `call`, which promises
    /// never to wait, about to `block` at `at`.
    pub(super) fn never_waits_broken(&self, call: &str, block: &str, at: Site) -> Violation {
        let what = format!("{block} at {at} inside {call}, which promises never to wait");
        Violation::new(
            Oracle::NeverWaits,
            I::thread_name(),
            "waits inside a call that never waits",
            what,
        )
        .at(at)
    }

    /// The calling thread's key, as the book and the facts know it.
    pub fn thread_key(&self) -> ThreadKey {
        I::thread_key()
    }

    /// The calling thread's name, as the trace knows it.
    pub(super) fn thread_name(&self) -> Arc<str> {
        self.trace.thread_name(I::thread_key(), I::thread_name)
    }

    /// The scenario's main thread is done; the run ends when every thread
    /// it started has finished too. Panics with a violation if this is a
    /// quiescent moment the judges reject, or the end of a run they reject.
    pub fn main_finishes(&self) {
        self.record(What::Finishes);
        let violation = self.book().thread_finishes(I::thread_key());
        if let Some(violation) = violation {
            violation.raise();
        }
    }

    /// Sends how every spawned thread that panics panicked to `sink`. On
    /// real threads a panic ends only its own thread, so without this a
    /// violation found off the main thread would surface as a hang.
    pub fn report_thread_panics_to(&self, sink: Sender<ThreadPanic>) {
        self.book().panic_sink = Some(sink);
    }

    pub(super) fn book(&self) -> BookGuard<'_> {
        self.threads.lock()
    }

    /// A deadlock report if no live thread other than the caller could ever
    /// run again. Detecting it here, in a running thread, beats the
    /// scheduler's own detection: loom aborts the process when it unwinds a
    /// deadlock, and neither scheduler says where threads wait.
    ///
    /// A caller about to wait with no other live thread is deadlocked too:
    /// nobody is left to notify it. A caller finishing last is not.
    pub(super) fn deadlock_violation(
        book: &ThreadBook,
        others_live: usize,
        caller: Leaving,
    ) -> Option<Violation> {
        let stuck = book.stuck_waiters().count();
        let someone_waits = matches!(caller, Leaving::ToWait(_)) || others_live > 0;
        let deadlocked = someone_waits && stuck == others_live && book.acquiring.is_empty();
        deadlocked.then(|| {
            let caller_does = match caller {
                Leaving::ToWait(at) => match book.wait_for_of(I::thread_key()) {
                    Some(wait_for) => format!("waits at {at} ({wait_for})"),
                    None => format!("waits at {at}"),
                },
                Leaving::ForGood => "finishes".to_owned(),
            };
            let blocked = book.wait_for_lines();
            let what = format!(
                "{caller_does}, and every other thread waits for a notification nobody can send: {}",
                blocked.join("; ")
            );
            Violation::new(
                Oracle::NoDeadlock,
                I::thread_name(),
                "every thread waits",
                what,
            )
        })
    }
}

/// How a thread stops running, for the deadlock check.
#[derive(Clone, Copy)]
pub(super) enum Leaving<'a> {
    /// It is about to wait, untimed, at this call site.
    ToWait(&'a Location<'a>),
    /// It is finishing.
    ForGood,
}

/// Records `what`, attributed to the calling thread, unless the thread
/// must leave the scheduler alone.
pub(super) fn record_event<I: ModelRuntime>(trace: &Trace, what: What) {
    if !hands_off::<I>() {
        trace.record(I::thread_key(), I::thread_name, what);
    }
}

/// Whether this thread must leave the scheduler alone: it is unwinding a
/// failed execution under a scheduler that cannot take it (see [`SimMutex`]).
pub(crate) fn hands_off<I: ModelRuntime>() -> bool {
    I::FRAGILE_WHILE_UNWINDING && std::thread::panicking()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use scenarios::{Oracle, Violation};

    use super::super::testing::{broken_by, on_std};

    #[test]
    fn the_main_thread_finishing_last_is_judged_by_the_end_judge() {
        let runtime = on_std();
        runtime.judge_end_with(Arc::new(|| {
            Some(Violation::new(
                Oracle::NoLeak,
                "main",
                "leak",
                "a file left",
            ))
        }));
        assert_eq!(broken_by(|| runtime.main_finishes()), Oracle::NoLeak);
    }

    #[test]
    fn a_never_waits_call_returns_what_it_was() {
        let runtime = on_std();
        runtime.never_waits_begins("a log line");
        assert_eq!(runtime.never_waits_returns(), Some("a log line"));
        assert_eq!(runtime.never_waits_returns(), None);
    }
}
