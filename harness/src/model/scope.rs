//! `std::thread::scope` under the model: std's scope on real threads,
//! shuttle's under the shuttle engines. loom has no scoped threads, so a
//! scope in a loom run raises [`SCOPE_UNDER_LOOM`], rather than run its
//! threads one after another and pass what it never explored: a check
//! leaves loom out for that body, says so in its summary, and runs the
//! others (a check of loom alone is an error).
//!
//! A scoped thread borrows from the caller's stack; joining every scoped
//! thread before `scope` returns is what makes that sound, and std and
//! shuttle each do it. The model adds no lifetime of its own: its `Scope`
//! wraps a reference to theirs, and a `&'scope` to the wrapper can only be
//! had without unsafe code by leaking it: 24 bytes per `scope` call in a
//! test, and nothing else (the wrapper holds no run, so no run's facts
//! leak with it). A build without the model is std's `scope` itself.
//!
//! The join at a scope's end is a wait like an explicit `join`, and is
//! judged as one (`no-blocking-under-lock`, `never-waits`) when a thread
//! of the scope was not joined before it: whatever the schedule, for the
//! oracle judges what the code does, not whether that thread happened to
//! have finished already. Both joins are in the run's book of waits, so
//! a deadlock through them is the model's own (`check::Deadlock`).

use std::panic::{self, Location};
use std::sync::{Arc, Mutex, PoisonError};

use super::execution::{self, Execution, Flavour};
use super::facts::{Op, ThreadKey};
use super::liveness::{Blocking, Site};
use super::thread::{
    Builder, Ended, Joining, Thread, a_thread_of_the_run, as_std_joins, as_thread_of, finished,
    name_scoped_shuttle_thread,
};

/// Something a body does that the engine running it has no model of:
/// what a run that reaches it raises. It is no failure of the body's: a
/// check leaves that engine out for the body
/// (`check::Summary::not_modelled`), and fails only if no engine of it
/// models the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotModelled {
    /// What the body does.
    pub what: &'static str,
    /// The engines' family that has no model of it.
    pub under: &'static str,
    /// Why.
    pub because: &'static str,
}

impl std::fmt::Display for NotModelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is not modelled under {}, which {}",
            self.what, self.under, self.because
        )
    }
}

/// What a loom run that reaches a scope raises.
pub const SCOPE_UNDER_LOOM: NotModelled = NotModelled {
    what: "thread::scope",
    under: "loom",
    because: "has no scoped threads",
};

/// A scope to spawn scoped threads in, as `std::thread::Scope`.
pub struct Scope<'scope, 'env: 'scope> {
    of: ScopeOf<'scope, 'env>,
    /// Threads of the run spawned in it and not joined by their handle:
    /// what its end waits for. The harness's own book, no fact of the run
    /// (its changes sit next to a spawn and a join, which are).
    unjoined: Unjoined,
}

/// A scope's threads not joined by their handle, in spawn order.
type Unjoined = Mutex<Vec<ThreadKey>>;

impl std::fmt::Debug for Scope<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope").finish_non_exhaustive()
    }
}

enum ScopeOf<'scope, 'env: 'scope> {
    /// Real threads: outside any run, or in a run of the `threads` engine.
    Std(&'scope std::thread::Scope<'scope, 'env>),
    Shuttle(&'scope shuttle::thread::Scope<'scope, 'env>),
}

/// An owned permission to join a scoped thread, as
/// `std::thread::ScopedJoinHandle`.
#[derive(Debug)]
pub struct ScopedJoinHandle<'scope, T> {
    handle: ScopedOf<'scope, Ended<T>>,
    thread: Thread,
    /// Its thread, in a run.
    key: Option<ThreadKey>,
    /// Its scope's threads not joined by their handle.
    unjoined: &'scope Unjoined,
}

#[derive(Debug)]
enum ScopedOf<'scope, T> {
    Std(std::thread::ScopedJoinHandle<'scope, T>),
    Shuttle(shuttle::thread::ScopedJoinHandle<'scope, T>),
}

/// Runs `f` with a scope whose threads may borrow what outlives it, and
/// joins every thread it spawned before returning.
///
/// # Panics
///
/// If a thread of the scope panicked and nobody joined it, as std's does:
/// in a run whose joins take panics (`check::joins_take_panics`), with
/// that thread's own panic (the first such, if several did), where std's
/// says only "a scoped thread panicked" (in any other run the thread's
/// panic has failed the run already); in a loom run, always, with
/// [`SCOPE_UNDER_LOOM`].
#[track_caller]
pub fn scope<'env, F, T>(f: F) -> T
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
{
    let at = Location::caller();
    // The end's join stays booked until std's or shuttle's scope has
    // joined every thread, after the closure returns.
    let (value, joining, unjoined) = match execution::flavour() {
        Flavour::Std => std::thread::scope(|scope| Scope::of(ScopeOf::Std(scope)).run(f, at)),
        Flavour::Shuttle => {
            shuttle::thread::scope(|scope| Scope::of(ScopeOf::Shuttle(scope)).run(f, at))
        }
        Flavour::Loom => execution::raise_kept(SCOPE_UNDER_LOOM),
    };
    drop(joining);
    let panic = execution::current().and_then(|run| run.join_panics().first_of(&unjoined));
    if let Some(payload) = panic {
        panic::resume_unwind(payload)
    }
    value
}

/// The scope's unjoined threads, kept through a panic that poisoned them.
fn unjoined(of: &Unjoined) -> std::sync::MutexGuard<'_, Vec<ThreadKey>> {
    of.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<'scope, 'env> Scope<'scope, 'env> {
    /// The wrapper of `of`, leaked to live as long as it (see the module's
    /// comment).
    fn of(of: ScopeOf<'scope, 'env>) -> &'scope Scope<'scope, 'env> {
        Box::leak(Box::new(Scope {
            of,
            unjoined: Unjoined::default(),
        }))
    }

    /// Runs `f` in the scope, then judges the join of its end, at `at`,
    /// and books it, before std's or shuttle's scope makes it. With the
    /// threads that end joins, whose panics no handle can take now.
    fn run<F, T>(&'scope self, f: F, at: Site) -> (T, Option<Joining>, Vec<ThreadKey>)
    where
        F: FnOnce(&'scope Scope<'scope, 'env>) -> T,
    {
        let value = f(self);
        let threads = unjoined(&self.unjoined).clone();
        if threads.is_empty() {
            return (value, None, threads);
        }
        execution::record(Op::Join, at);
        execution::may(Blocking::Wait, at);
        let joining = execution::current().map(|run| Joining::begins(run, &threads, at));
        (value, joining, threads)
    }
}

impl<'scope> Scope<'scope, '_> {
    /// Starts a thread of the scope running `f`, of the calling thread's
    /// engine.
    ///
    /// # Panics
    ///
    /// If the OS refuses a real thread, as std's.
    #[track_caller]
    pub fn spawn<F, T>(&'scope self, f: F) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        self.spawn_with(Builder::new(), f, Location::caller())
            .expect("the OS refused a thread (std's scoped spawn panics too)")
    }

    /// Starts a thread of the scope with `settings`, spawned at `at`.
    fn spawn_with<F, T>(
        &'scope self,
        mut settings: Builder,
        f: F,
        at: Site,
    ) -> std::io::Result<ScopedJoinHandle<'scope, T>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        let (key, f) = a_thread_of_the_run(f, at, settings.name.as_deref());
        // The spawning thread is in the run its scoped threads join.
        let (handle, shuttle_name) = match (&self.of, execution::current()) {
            (ScopeOf::Std(scope), None) => (
                ScopedOf::Std(settings.for_std().spawn_scoped(scope, f)?),
                None,
            ),
            (ScopeOf::Std(scope), Some(run)) => {
                let f = move || in_run(&run, f);
                (
                    ScopedOf::Std(settings.for_std().spawn_scoped(scope, f)?),
                    None,
                )
            }
            (ScopeOf::Shuttle(scope), _) => {
                let name: Option<Arc<str>> = settings.name.take().map(Arc::from);
                let named = name.clone();
                let f = move || {
                    name_scoped_shuttle_thread(named);
                    f()
                };
                (ScopedOf::Shuttle(scope.spawn(f)), name)
            }
        };
        unjoined(&self.unjoined).extend(key);
        Ok(ScopedJoinHandle::of(
            handle,
            key,
            &self.unjoined,
            shuttle_name,
        ))
    }
}

impl Builder {
    /// Starts a thread of `scope` running `f`, with these settings, as
    /// std's `Builder::spawn_scoped`. shuttle's scoped threads take no
    /// settings: under shuttle the name is the harness's own (the
    /// thread's `thread::current().name()` and its handle's answer it) and
    /// the stack is shuttle's default.
    ///
    /// # Errors
    ///
    /// If the OS refuses a real thread, as std's.
    #[track_caller]
    pub fn spawn_scoped<'scope, 'env, F, T>(
        self,
        scope: &'scope Scope<'scope, 'env>,
        f: F,
    ) -> std::io::Result<ScopedJoinHandle<'scope, T>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        scope.spawn_with(self, f, Location::caller())
    }
}

/// Runs `f` on a real scoped thread of `run`, counted as it starts.
fn in_run<T>(run: &Arc<Execution>, f: impl FnOnce() -> T) -> T {
    run.thread_spawned();
    as_thread_of(run, f)
}

impl<'scope, T> ScopedJoinHandle<'scope, T> {
    fn of(
        handle: ScopedOf<'scope, Ended<T>>,
        key: Option<ThreadKey>,
        unjoined: &'scope Unjoined,
        shuttle_name: Option<Arc<str>>,
    ) -> ScopedJoinHandle<'scope, T> {
        let thread = match &handle {
            ScopedOf::Std(handle) => Thread::std(handle.thread().clone(), key),
            ScopedOf::Shuttle(handle) => {
                Thread::shuttle_scoped(handle.thread().clone(), key, shuttle_name)
            }
        };
        ScopedJoinHandle {
            handle,
            thread,
            key,
            unjoined,
        }
    }

    /// Waits for the thread to finish; `Err` with its panic if it panicked.
    #[track_caller]
    pub fn join(self) -> std::thread::Result<T> {
        let at = Location::caller();
        execution::record(Op::Join, at);
        execution::may(Blocking::Wait, at);
        let mut unjoined = unjoined(self.unjoined);
        unjoined.retain(|&thread| Some(thread) != self.key);
        drop(unjoined);
        let joining = match (execution::current(), self.key) {
            (Some(run), Some(key)) => Some(Joining::begins(run, &[key], at)),
            _ => None,
        };
        let joined = match self.handle {
            ScopedOf::Std(handle) => handle.join(),
            ScopedOf::Shuttle(handle) => handle.join(),
        };
        drop(joining);
        as_std_joins(joined, self.key)
    }

    /// Whether the thread has returned, as std's: in a run, a poll that
    /// lets others run first.
    #[track_caller]
    pub fn is_finished(&self) -> bool {
        let handles = || match &self.handle {
            ScopedOf::Std(handle) => Some(handle.is_finished()),
            ScopedOf::Shuttle(handle) => Some(handle.is_finished()),
        };
        finished(self.key, Location::caller(), handles)
    }

    /// The thread's handle.
    pub fn thread(&self) -> &Thread {
        &self.thread
    }
}
