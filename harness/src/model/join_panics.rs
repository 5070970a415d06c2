//! The panics of a run's threads that a join may still take, as std
//! hands a thread's panic to its `join`. By default a thread's panic
//! fails the run at once, as under shuttle and loom: a component's
//! oracle often fires in a worker, and a join of the worker that panics
//! in a `Drop` as the body unwinds would abort the process. A body that
//! expects a thread to panic calls [`joins_take_panics`]: from then on a
//! thread that panics keeps its payload here, and the join of its
//! handle gets it as `Err`. A panic no join can take fails
//! the run: a thread whose handle was dropped unjoined raises it as it
//! ends, and the drop of a handle whose thread already panicked raises
//! it in the dropping thread (unless that thread unwinds: a panic then
//! would abort the process, so the panic stays here, and the failure's
//! words name it); a scope's end raises the first panic of its threads
//! that no handle joined.

use std::any::Any;

use super::execution;
use super::facts::ThreadKey;
use crate::panics::Panicked;

/// From now on in the calling thread's run, a thread's panic goes to its
/// join as `Err`, as std's does, rather than fail the run: for a test
/// that expects a thread to panic (std's poisoning example: a holder
/// panics, its join is `Err`, the lock is poisoned). A panic no join can
/// take still fails the run: its handle dropped, or its scope's end
/// reached unjoined (which raises the thread's own payload, where std's
/// says "a scoped thread panicked"). A join that unwraps such an `Err`
/// in a `Drop` while its thread unwinds aborts the process, as std's
/// does. Call it in the body; outside a run it does nothing (std's join
/// takes every panic).
pub fn joins_take_panics() {
    if let Some(run) = execution::current() {
        run.join_panics().taking = true;
    }
}

/// A panic's payload, as `std::thread::Result` carries it.
pub(crate) type Payload = Box<dyn Any + Send + 'static>;

/// What a thread of the run that panicked returns to its engine: its
/// payload waits in the run's [`JoinPanics`] for a join.
#[derive(Debug)]
pub(crate) struct PanicKept;

/// The run's panics waiting for a join, the threads whose handles were
/// dropped unjoined while they ran, and the panics joins took.
#[derive(Default)]
pub(crate) struct JoinPanics {
    /// Whether joins take panics ([`joins_take_panics`]).
    taking: bool,
    /// Whether a thread's panic failed the run because joins do not take
    /// panics: the failure's words say how to have them taken.
    not_taken: bool,
    /// In the order the threads panicked.
    kept: Vec<(ThreadKey, Payload)>,
    detached: Vec<ThreadKey>,
    /// Each panic a join took, by its message, in the order taken: a
    /// failure that follows says what the joined thread's panic was
    /// (`join().unwrap()` shows only `Any { .. }`).
    joined: Vec<(ThreadKey, String)>,
}

impl JoinPanics {
    /// `thread` panicked with `payload`: kept for its join, or given
    /// back, for the thread to raise, if joins do not take panics or its
    /// handle is gone.
    pub(crate) fn panicked(&mut self, thread: ThreadKey, payload: Payload) -> Result<(), Payload> {
        if !self.taking {
            self.not_taken = true;
            return Err(payload);
        }
        if self.detached.contains(&thread) {
            return Err(payload);
        }
        assert!(
            !self.kept.iter().any(|(kept, _)| *kept == thread),
            "a thread panics once"
        );
        self.kept.push((thread, payload));
        Ok(())
    }

    /// The panic of `thread`, taken by its join.
    pub(crate) fn joined(&mut self, thread: ThreadKey) -> Option<Payload> {
        let payload = self.take(thread)?;
        let message = crate::panics::panic_message(payload.as_ref());
        self.joined.push((thread, message));
        Some(payload)
    }

    /// The handle of `thread` is dropped unjoined: a panic to come is the
    /// thread's own to raise.
    pub(crate) fn detach(&mut self, thread: ThreadKey) {
        self.detached.push(thread);
    }

    /// The panic of `thread`, if it panicked already, taken for the
    /// thread that dropped its handle to raise.
    pub(crate) fn given_up(&mut self, thread: ThreadKey) -> Option<Payload> {
        self.take(thread)
    }

    /// The first panic of any of `threads`, taken (a scope's end raises
    /// it); the others' stay, unjoinable, and fail nothing more.
    pub(crate) fn first_of(&mut self, threads: &[ThreadKey]) -> Option<Payload> {
        let at = self
            .kept
            .iter()
            .position(|(kept, _)| threads.contains(kept))?;
        Some(self.kept.remove(at).1)
    }

    /// The words of `cause`, the run's failure, with a line for each panic
    /// a join took and each still waiting for one: a failure after a
    /// thread's panic (`join().unwrap()`, which shows only `Any { .. }`, or
    /// a wait for what the thread never did) says what that panic was.
    /// Where a thread's panic was not taken, they say how to have joins
    /// take panics, unless the cause is a raised value (a judge's, the
    /// model's): no join could take that one, and the panic not taken
    /// followed from it (another thread found the lock the judged one held
    /// poisoned).
    pub(crate) fn with_the_threads_panics(&self, cause: &Panicked) -> String {
        let mut words = cause.message.clone();
        for (thread, joined) in &self.joined {
            words.push_str(&format!(
                "\n(a join took the panic of thread {}: {joined})",
                thread.0
            ));
        }
        for (thread, payload) in &self.kept {
            words.push_str(&format!(
                "\n(thread {} had panicked, and no join took it: {})",
                thread.0,
                crate::panics::panic_message(payload.as_ref())
            ));
        }
        if self.not_taken && cause.raised.is_none() {
            words.push_str(
                "\n(a thread's panic fails the run; a test that expects a thread to panic \
                 calls harness::check::joins_take_panics() in the body, and the join gets the \
                 panic as std's does)",
            );
        }
        words
    }

    /// The panic of `thread`, taken.
    fn take(&mut self, thread: ThreadKey) -> Option<Payload> {
        let at = self.kept.iter().position(|(kept, _)| *kept == thread)?;
        Some(self.kept.remove(at).1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(text: &'static str) -> Payload {
        Box::new(text)
    }

    fn text(payload: Payload) -> &'static str {
        *payload.downcast::<&'static str>().expect("text")
    }

    fn taking() -> JoinPanics {
        JoinPanics {
            taking: true,
            ..JoinPanics::default()
        }
    }

    fn kept(panics: &mut JoinPanics, thread: usize, text: &'static str) {
        panics
            .panicked(ThreadKey(thread), payload(text))
            .expect("kept");
    }

    #[test]
    fn a_join_takes_the_panic_of_its_own_thread() {
        let mut panics = taking();
        kept(&mut panics, 1, "one");
        kept(&mut panics, 2, "two");
        assert_eq!(panics.joined(ThreadKey(2)).map(text), Some("two"));
        assert!(panics.joined(ThreadKey(2)).is_none());
        assert_eq!(panics.joined(ThreadKey(1)).map(text), Some("one"));
    }

    fn failed(message: &str) -> Panicked {
        Panicked {
            message: message.to_owned(),
            raised: None,
        }
    }

    #[test]
    fn unless_joins_take_panics_a_threads_panic_is_its_own_to_raise() {
        let mut panics = JoinPanics::default();
        let given_back = panics.panicked(ThreadKey(1), payload("raised"));
        assert_eq!(given_back.map_err(text), Err("raised"));
        assert!(
            panics
                .with_the_threads_panics(&failed("raised"))
                .ends_with("calls harness::check::joins_take_panics() in the body, and the join gets the panic as std's does)")
        );
    }

    #[test]
    fn a_run_failed_by_a_raised_value_says_nothing_of_joins_taking_panics() {
        let mut panics = JoinPanics::default();
        // The judged thread's panic poisoned its lock, and another panicked
        // on it: the judge's finding is the failure, and no join takes it.
        let _ = panics.panicked(ThreadKey(2), payload("poisoned"));
        let judged = Panicked::raised(crate::panics::Raised::new("a wait under a lock"));
        assert_eq!(
            panics.with_the_threads_panics(&judged),
            "a wait under a lock"
        );
    }

    #[test]
    fn a_thread_whose_handle_is_gone_raises_its_own_panic() {
        let mut panics = taking();
        panics.detach(ThreadKey(1));
        let given_back = panics.panicked(ThreadKey(1), payload("lost"));
        assert_eq!(given_back.map_err(text), Err("lost"));
    }

    #[test]
    fn dropping_the_handle_of_a_thread_that_panicked_gives_its_panic_up() {
        let mut panics = taking();
        kept(&mut panics, 1, "dropped");
        panics.detach(ThreadKey(1));
        assert_eq!(panics.given_up(ThreadKey(1)).map(text), Some("dropped"));
        assert!(panics.given_up(ThreadKey(1)).is_none());
    }

    #[test]
    fn a_failure_says_what_each_thread_that_panicked_panicked_with() {
        let mut panics = taking();
        assert_eq!(panics.with_the_threads_panics(&failed("failed")), "failed");
        kept(&mut panics, 1, "first");
        panics.joined(ThreadKey(1)).expect("taken");
        kept(&mut panics, 2, "second");
        assert_eq!(
            panics.with_the_threads_panics(&failed("failed")),
            "failed\n(a join took the panic of thread 1: first)\n\
             (thread 2 had panicked, and no join took it: second)"
        );
    }

    #[test]
    fn a_scope_raises_the_first_panic_of_its_threads() {
        let mut panics = taking();
        kept(&mut panics, 3, "other");
        kept(&mut panics, 2, "first");
        kept(&mut panics, 1, "second");
        let scope = [ThreadKey(1), ThreadKey(2)];
        assert_eq!(panics.first_of(&scope).map(text), Some("first"));
        assert_eq!(panics.joined(ThreadKey(3)).map(text), Some("other"));
    }
}
