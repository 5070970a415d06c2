//! What lets a primitive be made in a `const` (a `static`) and still be of
//! the engine of each run that uses it: its engine object is made at its
//! first use in each run, from the value the primitive was made with.
//!
//! A static outlives every run, and its engine object may not: a shuttle or
//! loom object belongs to one execution. So each run that uses the static
//! gets an object of its own, which starts where the program would (at the
//! value in the `static`'s initialiser). That is also what replays need: a
//! run's schedule and facts cannot depend on what earlier runs, or other
//! tests of the same process, left in a static. Outside any run there is one
//! object, which lasts, as std's static does.

use std::ops::Deref;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::model::execution::RunKey;

/// Limit on the runs that may use one primitive at the same time: every
/// search of a check runs on an OS thread of its own, so this is a bound on
/// the checks a process runs at once, far above any test runner's threads.
const MAX_RUNS_AT_ONCE: usize = 1024;

/// A run's object of a [`PerRun`]: the first run's, borrowed, or a later
/// run's, shared with the primitive's table. A value, not a closure's
/// argument, so that a `#[track_caller]` method that uses it still passes
/// its caller's line on.
pub(crate) enum ThisRuns<'a, T> {
    First(&'a T),
    Later(Arc<T>),
}

impl<T> Deref for ThisRuns<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        match self {
            ThisRuns::First(object) => object,
            ThisRuns::Later(object) => object,
        }
    }
}

/// A primitive's engine object `T`, made at the primitive's first use in
/// each run.
pub(crate) struct PerRun<T> {
    /// The object of the first run to use the primitive: for a primitive
    /// made in a run and gone with it, the only one, reached in one load.
    first: OnceLock<(RunKey, T)>,
    /// The objects of the runs that used a static after its first run.
    later: Mutex<Vec<(RunKey, Arc<T>)>>,
}

impl<T> PerRun<T> {
    /// No object yet: each is made at its run's first use.
    pub(crate) const fn new() -> PerRun<T> {
        PerRun {
            first: OnceLock::new(),
            later: Mutex::new(Vec::new()),
        }
    }

    /// The calling thread's run's object, made now by `make` if this is
    /// the run's first use.
    ///
    /// `make` must not be a scheduling point: another of the engine's
    /// threads, run on the same OS thread, could then come here too.
    pub(crate) fn get(&self, make: impl FnOnce() -> T) -> ThisRuns<'_, T> {
        let mut make = Some(make);
        let (run, first) = self.first.get_or_init(|| {
            let make = make.take().expect("`make` is taken once, and only here");
            (RunKey::of_this_thread(), make())
        });
        if run.is_this_threads() {
            return ThisRuns::First(first);
        }
        let make = make.expect("`make` is unused: the first object is another run's");
        ThisRuns::Later(self.of_a_later_run(make))
    }

    /// The object of a run that is not the first to use the primitive.
    fn of_a_later_run(&self, make: impl FnOnce() -> T) -> Arc<T> {
        let mut later = self.later.lock().unwrap_or_else(PoisonError::into_inner);
        later.retain(|(run, _)| !run.has_ended());
        if let Some((_, object)) = later.iter().find(|(run, _)| run.is_this_threads()) {
            return Arc::clone(object);
        }
        assert!(
            later.len() < MAX_RUNS_AT_ONCE,
            "more than {MAX_RUNS_AT_ONCE} runs use one static at once"
        );
        let object = Arc::new(make());
        later.push((RunKey::of_this_thread(), Arc::clone(&object)));
        object
    }

    /// Takes the calling thread's run's object out, if the run used the
    /// primitive: its next use in the run makes another. The primitive is
    /// borrowed mutably, so no [`ThisRuns`] of it is alive, and a later
    /// run's object is the table's alone.
    pub(crate) fn take_this_runs(&mut self) -> Option<T> {
        let later = self.later.get_mut().unwrap_or_else(PoisonError::into_inner);
        if let Some(at) = later.iter().position(|(run, _)| run.is_this_threads()) {
            let (_, object) = later.swap_remove(at);
            return Some(
                Arc::into_inner(object).expect("a mutable borrow leaves the table the only owner"),
            );
        }
        if self
            .first
            .get()
            .is_some_and(|(run, _)| run.is_this_threads())
        {
            return self.first.take().map(|(_, object)| object);
        }
        None
    }
}
