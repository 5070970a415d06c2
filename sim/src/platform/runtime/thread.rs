//! Threads: spawn (a unique name, counted in the book until its body
//! ends, its panic forwarded to a real-thread driver), park and unpark on
//! a parker of the scheduler's own, the stripe a thread counts in, and
//! what a thread's leaving reveals.

use std::io;
use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe, Location};
use std::sync::{Arc, PoisonError};

use store::Runtime;
use store::runtime::ThreadBody;

use super::SimRuntime;
use super::book::{Book, ThreadPanic, Waiter};
use super::condvar::spurious_wakeups_one_in;
use super::execution::{Leaving, hands_off, record_event};
use crate::platform::panics::mark_simulating;
use crate::platform::{ModelRuntime, Site, ThreadKey, Trace, What};

/// Where a parked thread blocks: the scheduler's own mutex and condition
/// variable, not its park, which shuttle lets wake spuriously at the
/// scheduler's choice (a search that always chooses it never ends). The
/// platform draws spurious wake-ups itself, as for every wait.
pub(super) struct Parker<I: Runtime> {
    pub(super) woken: I::Mutex<bool>,
    pub(super) unparked: I::Condvar,
}

impl<I: Runtime> std::fmt::Debug for Parker<I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Parker")
    }
}

/// A thread's handle: its key in the book, and where it parks.
pub struct SimThread<I: Runtime> {
    pub(super) key: ThreadKey,
    pub(super) parker: Arc<Parker<I>>,
}

impl<I: Runtime> Clone for SimThread<I> {
    fn clone(&self) -> Self {
        SimThread {
            key: self.key,
            parker: Arc::clone(&self.parker),
        }
    }
}

impl<I: ModelRuntime> SimRuntime<I> {
    /// The parked thread's half of `park`: books the caller as waiting for
    /// its token and parks it, unless the token is there already or a
    /// spurious return is drawn. Returns whether to park.
    pub(super) fn book_park(&self, key: ThreadKey, at: Site) -> bool {
        let mut book = self.book();
        if book.park_tokens.remove(&key) {
            drop(book);
            self.take_woken(key);
            return false;
        }
        let one_in = spurious_wakeups_one_in();
        if I::wake_spuriously(one_in) {
            drop(book);
            self.record(What::WakesSpuriously { at });
            return false;
        }
        let waiter = Waiter {
            thread: self.thread_name(),
            at,
            condvar: None,
            notified: false,
        };
        if let Some(violation) = Self::untimed_wait_violation(&book, key, &waiter) {
            drop(book);
            violation.raise();
        }
        book.waiting.insert(key, waiter);
        true
    }

    /// Thread `key`'s parker, made on first use.
    pub(super) fn parker(&self, key: ThreadKey) -> Arc<Parker<I>> {
        let existing = self
            .parkers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .cloned();
        existing.unwrap_or_else(|| {
            let parker = Arc::new(Parker {
                woken: self.inner.mutex(false),
                unparked: self.inner.condvar(),
            });
            self.parkers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(key, Arc::clone(&parker));
            parker
        })
    }

    /// Blocks until thread `key` (the caller) is woken, and consumes that.
    pub(super) fn take_woken(&self, key: ThreadKey) {
        let parker = self.parker(key);
        let mut woken = self.inner.lock(&parker.woken);
        while !*woken {
            woken = self.inner.wait(&parker.unparked, woken);
        }
        *woken = false;
    }
}

impl<I: ModelRuntime> SimRuntime<I> {
    /// A stripe drawn from the thread's name, which a run always gives the
    /// same thread: the same stripe in every replay. (Not from the thread's
    /// key: under loom, the stripes the keys of loom's thread ids make
    /// lead early-close's search into an assertion inside loom 0.7.3's
    /// atomics, `assert_ne!(mo_i, mo_j)`, marked "this sometimes fails".)
    pub(super) fn thread_stripe(&self) -> usize {
        if hands_off::<I>() {
            return 0;
        }
        store::runtime::drawn_from_name(&self.thread_name()) % <Self as Runtime>::STRIPES
    }

    pub(super) fn current_sim_thread(&self) -> SimThread<I> {
        let key = I::thread_key();
        SimThread {
            key,
            parker: self.parker(key),
        }
    }

    /// Parks the caller until its token is there, as the book sees it: a
    /// parked thread is blocked for the liveness and deadlock oracles, and
    /// it may wake spuriously, as the scheduler draws it.
    #[track_caller]
    pub(super) fn park_caller(&self) {
        if hands_off::<I>() {
            return;
        }
        let at = Location::caller();
        let violation = self
            .never_waits_violation("parks", at)
            .or_else(|| self.lock_held_violation("parks", at, 0));
        if let Some(violation) = violation {
            violation.raise();
        }
        let key = I::thread_key();
        if !self.book_park(key, at) {
            return;
        }
        self.record(What::Waits { at });
        self.take_woken(key);
        let mut book = self.book();
        book.waiting.remove(&key);
        book.park_tokens.remove(&key);
    }

    pub(super) fn unpark_thread(&self, thread: &SimThread<I>) {
        if !hands_off::<I>() {
            let mut book = self.book();
            book.park_tokens.insert(thread.key);
            if let Some(waiter) = book.waiting.get_mut(&thread.key) {
                if waiter.condvar.is_none() {
                    waiter.notified = true;
                }
            }
        }
        *self.inner.lock(&thread.parker.woken) = true;
        self.inner.notify_all(&thread.parker.unparked);
    }

    /// Spawns `name`, or `name#N` for the N-th thread of that name.
    pub(super) fn spawn_counted(&self, name: String, body: ThreadBody) -> io::Result<()> {
        if hands_off::<I>() {
            return Err(io::Error::other(
                "no new threads while a failing execution unwinds",
            ));
        }
        let count = {
            let mut book = self.book();
            let count = book.spawned_by_name.entry(name.clone()).or_default();
            *count += 1;
            *count
        };
        let unique = if count == 1 {
            name
        } else {
            format!("{name}#{count}")
        };
        self.record(What::Spawns {
            thread: unique.clone(),
        });
        self.book().live_threads += 1;
        let exit = ThreadExit::<I> {
            book: Arc::clone(&self.threads),
            trace: self.trace.clone(),
            counted_out: false,
            scheduler: PhantomData,
        };
        let panic_sink = self.book().panic_sink.clone();
        let (book, name) = (Arc::clone(&self.threads), unique.clone());
        let counted_body = Box::new(move || {
            mark_simulating();
            let finished = move || {
                body();
                exit.returns();
            };
            if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(finished)) {
                let mut book = book.lock();
                book.first_panicked.get_or_insert_with(|| name.clone());
                drop(book);
                if let Some(sink) = panic_sink {
                    let _ = sink.send(ThreadPanic::of(&name, payload.as_ref()));
                }
                panic::resume_unwind(payload);
            }
        });
        self.inner.spawn(unique, counted_body).inspect_err(|_| {
            self.book().live_threads -= 1;
        })
    }
}

/// Counts a spawned thread out of the live threads however its body ends.
/// A thread that returns reports what its leaving reveals
/// ([`ThreadBook::thread_finishes`], a deadlock it leaves behind) inside
/// the catch that forwards panics to the real-thread driver, so a real
/// thread's violation is reported at once, not after the driver's bound.
pub(super) struct ThreadExit<I: ModelRuntime> {
    book: Arc<Book>,
    trace: Trace,
    counted_out: bool,
    scheduler: PhantomData<fn() -> I>,
}

impl<I: ModelRuntime> ThreadExit<I> {
    /// The thread's body returned: counts it out, then panics with a
    /// violation if its leaving reveals one.
    pub(super) fn returns(mut self) {
        self.counted_out = true;
        record_event::<I>(&self.trace, What::Finishes);
        let mut book = self.book.lock();
        let deadlock =
            SimRuntime::<I>::deadlock_violation(&book, book.live_threads - 1, Leaving::ForGood);
        let violation = book.thread_finishes(I::thread_key()).or(deadlock);
        drop(book);
        if let Some(violation) = violation {
            violation.raise();
        }
    }
}

impl<I: ModelRuntime> Drop for ThreadExit<I> {
    /// The thread unwinds: it leaves quietly, its execution failing anyway
    /// (and a scheduler tearing a failed execution down may no longer
    /// answer who is running).
    fn drop(&mut self) {
        if !self.counted_out {
            let mut book = self.book.lock();
            book.live_threads -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use store::Runtime;

    use super::super::testing::on_std;
    use crate::platform::What;

    #[test]
    fn a_second_thread_of_one_name_is_numbered() {
        let runtime = on_std();
        let (done, finished) = mpsc::channel();
        for _ in 0..2 {
            let done = done.clone();
            let body = Box::new(move || done.send(()).expect("the test listens"));
            runtime
                .spawn("worker".to_owned(), body)
                .expect("the OS gives a thread");
        }
        for _ in 0..2 {
            finished.recv().expect("each worker ends");
        }
        let spawned: Vec<String> = runtime
            .trace
            .events()
            .into_iter()
            .filter_map(|event| match event.what {
                What::Spawns { thread } => Some(thread),
                _ => None,
            })
            .collect();
        assert_eq!(spawned, ["worker", "worker#2"]);
    }

    #[test]
    fn a_park_after_an_unpark_returns_at_once() {
        let runtime = on_std();
        runtime.unpark(&runtime.current_thread());
        runtime.park();
        let book = runtime.book();
        assert!(book.park_tokens.is_empty() && book.waiting.is_empty());
    }
}
