//! A store under test, with what its oracles need to judge it.

use std::sync::Arc;
use std::sync::atomic::Ordering::{Acquire, Release};

use store::{Handle, RetryPolicy, Runtime, StoreError, StoreOptions, TempFileStore};

use crate::check::ReadJudge;
use crate::peek::{Owned, Peek};
use crate::threads::{Joiner, spawn};
use crate::{Call, Fate, InjectedEmfile, Oracle, Outcome, Params, StoreWorld, Violation, World};

type Store<W> = TempFileStore<
    <W as StoreWorld>::Transport,
    <W as World>::Runtime,
    <W as World>::Clock,
    <W as StoreWorld>::Files,
>;

/// A handle on a subject's store.
pub(super) type StoreHandle<W> = Handle<
    <W as StoreWorld>::Transport,
    <W as World>::Runtime,
    <W as World>::Clock,
    <W as StoreWorld>::Files,
>;

/// A handle several threads use, and whether its release has begun (the
/// world's own atomic, release on set, acquire on read, as the subject's
/// flags are).
pub(super) struct SharedHandle<W: StoreWorld> {
    handle: StoreHandle<W>,
    release_begun: <W::Runtime as Runtime>::AtomicBool,
}

impl<W: StoreWorld> SharedHandle<W> {
    /// Shares `handle`, not yet released.
    pub(super) fn new(runtime: &W::Runtime, handle: StoreHandle<W>) -> SharedHandle<W> {
        SharedHandle {
            handle,
            release_begun: runtime.atomic_bool(false),
        }
    }
}

/// One store, its object, and whether close has begun / returned. Dropping
/// the subject drops the store's last handle.
///
/// The two flags are the world's own atomics (release on set, acquire on
/// read): a reader that sees "close returned" then has the happens-before a
/// real caller would have, so under loom it must see the store closed too.
pub(super) struct Subject<W: StoreWorld> {
    pub label: &'static str,
    /// `None` only once dropped. Owned through a gate: the world's judges
    /// read the store's counts through a [`Peek`], never owning the store,
    /// so its destructor always runs on the thread that drops the subject.
    store: Option<Owned<Store<W>>>,
    pub object: Arc<[u8]>,
    pub params: Params,
    fate: Fate,
    runtime: W::Runtime,
    world: W,
    close_begun: <W::Runtime as Runtime>::AtomicBool,
    close_returned: <W::Runtime as Runtime>::AtomicBool,
}

impl<W: StoreWorld> Subject<W> {
    /// Opens a store named `label` over `params`' object and faults.
    pub(super) fn open(
        world: &W,
        label: &'static str,
        params: &Params,
        options: &StoreOptions,
    ) -> Arc<Subject<W>> {
        let object: Arc<[u8]> = params.object().into();
        let retry: RetryPolicy = params.retry.policy();
        let chunk = std::num::NonZeroUsize::new(params.chunk_size_bytes.max(1));
        let options = options
            .clone()
            .with_chunk_size(chunk.expect("at least 1"))
            .with_retry(retry.clone());
        world.store_opened(label, object.len() as u64);
        let transport =
            world.transport(label, Arc::clone(&object), &params.transport_faults, &retry);
        let platform = world.platform(label, &params.file_faults);
        let store = TempFileStore::open(transport, platform, options)
            .unwrap_or_else(|error| panic!("opening store {label} failed: {error}"));
        if store.len() != object.len() as u64 || store.is_empty() != object.is_empty() {
            let what = format!(
                "store {label} reports len {} (empty: {}) for an object of {} bytes",
                store.len(),
                store.is_empty(),
                object.len()
            );
            Violation::new(Oracle::DataIntegrity, "main", "wrong object length", what).raise();
        }
        let runtime = world.runtime().clone();
        let store = Owned::new(store);
        let counts: Peek<Store<W>> = store.peek();
        world.counters_of(
            label,
            Arc::new(move || counts.with(TempFileStore::in_flight)),
        );
        Arc::new(Subject {
            world: world.clone(),
            label,
            store: Some(store),
            object,
            fate: Fate::of(params),
            params: params.clone(),
            close_begun: runtime.atomic_bool(false),
            close_returned: runtime.atomic_bool(false),
            runtime,
        })
    }

    /// Reads the range of reader `index` and judges the outcome.
    pub(super) fn read_and_judge(&self, reader: &str, index: usize) {
        let (offset, len) = self.params.reader_range(index);
        self.read_at_and_judge(reader, offset, len);
    }

    /// The world the subject's store runs in.
    pub(super) fn world(&self) -> W {
        self.world.clone()
    }

    /// The store. Present until the subject drops.
    pub(super) fn store(&self) -> &Store<W> {
        self.store
            .as_deref()
            .expect("the store lives as long as its subject")
    }

    /// Reads `len` bytes at `offset` and judges the outcome.
    pub(super) fn read_at_and_judge(&self, reader: &str, offset: u64, len: usize) {
        self.read_and_judge_with(reader, offset, len, None, |buf| {
            self.store().read_at(buf, offset)
        });
    }

    /// Reads `len` bytes at `offset` through `handle` and judges the outcome.
    pub(super) fn read_through_and_judge(
        &self,
        handle: &StoreHandle<W>,
        reader: &str,
        offset: u64,
        len: usize,
    ) {
        self.read_and_judge_with(reader, offset, len, None, |buf| handle.read_at(buf, offset));
    }

    /// Reads `len` bytes at `offset` through `shared`, a handle another
    /// thread may release meanwhile, and judges the outcome: a read that
    /// returns after that release began may get `HandleReleased`.
    pub(super) fn read_through_shared_and_judge(
        &self,
        shared: &SharedHandle<W>,
        reader: &str,
        offset: u64,
        len: usize,
    ) {
        let released = Some(&shared.release_begun);
        self.read_and_judge_with(reader, offset, len, released, |buf| {
            shared.handle.read_at(buf, offset)
        });
    }

    /// Releases `shared`, which other threads may be reading through.
    pub(super) fn release_shared(&self, shared: &SharedHandle<W>, releaser: &str) {
        self.runtime.store(&shared.release_begun, true, Release);
        self.release(&shared.handle, releaser);
    }

    /// Opens a handle; `None` if the store refused with `Closed`, which it
    /// may only once a close has begun, or because the file layer refused
    /// the duplicate as the plan said it would.
    pub(super) fn open_handle(&self, opener: &str) -> Option<StoreHandle<W>> {
        let store = self.label;
        self.world.call_begins(Call::OpenHandle { store });
        let opened = self.store().open_handle();
        let close_begun = self.runtime.load(&self.close_begun, Acquire);
        self.world.call_returns(Outcome::of_open_handle(&opened));
        match opened {
            Ok(handle) => Some(handle),
            Err(StoreError::Closed) if close_begun => None,
            Err(StoreError::FileIo {
                operation: "duplicate",
                source,
            }) if self.params.file_faults.refuse_duplicate.is_some()
                && InjectedEmfile::is(&source) =>
            {
                None
            }
            Err(error) => {
                let what = format!(
                    "open_handle on store {} failed with no close begun: {error}",
                    self.label
                );
                Violation::new(Oracle::DataIntegrity, opener, "handle refused", what).raise()
            }
        }
    }

    /// Releases `handle`; a release that fails, or a read through the
    /// released handle that does anything but fail with `HandleReleased`,
    /// is a violation.
    pub(super) fn release(&self, handle: &StoreHandle<W>, releaser: &str) {
        let store = self.label;
        self.world.call_begins(Call::Release { store });
        let outcome = handle.release();
        self.world.call_returns(Outcome::of_done(&outcome));
        if let Err(error) = outcome {
            let what = format!(
                "release of a handle of store {} failed: {error}",
                self.label
            );
            Violation::new(Oracle::DataIntegrity, releaser, "release failed", what).raise();
        }
        // A released handle's duplicate is closed: a read through it that
        // gets anything but `HandleReleased` reached for a closed file.
        let read = handle.read_at(&mut [0; 1], 0);
        if !matches!(read, Err(StoreError::HandleReleased)) {
            let what = format!("a read through a released handle returned {read:?}");
            Violation::new(
                Oracle::NoAccessAfterClose,
                releaser,
                "released handle reads",
                what,
            )
            .raise();
        }
    }

    /// Drops `handle` unreleased: the drop releases it.
    pub(super) fn drop_handle(&self, handle: StoreHandle<W>) {
        let store = self.label;
        self.world.call_begins(Call::Release { store });
        drop(handle);
        self.world.call_returns(Outcome::Done);
    }

    /// Reads the store's counts, which the world judges.
    pub(super) fn observe_in_flight(&self) {
        let store = self.label;
        self.world.call_begins(Call::InFlight { store });
        let counts = self.store().in_flight();
        self.world.call_returns(Outcome::Counts(counts));
    }

    /// Reads `len` bytes at `offset` with `read` and judges the outcome;
    /// `released` is set once a release of the handle read through began.
    fn read_and_judge_with(
        &self,
        reader: &str,
        offset: u64,
        len: usize,
        released: Option<&<W::Runtime as Runtime>::AtomicBool>,
        read: impl FnOnce(&mut [u8]) -> Result<usize, StoreError>,
    ) {
        let mut buf = vec![0; len];
        let began_after_close = self.runtime.load(&self.close_returned, Acquire);
        self.world.call_begins(Call::read(self.label, offset, len));
        let outcome = read(&mut buf);
        self.world.call_returns(Outcome::of_read(&outcome));
        let judge = ReadJudge {
            reader,
            store: self.label,
            object: &self.object,
            params: &self.params,
            fate: self.fate,
            close_begun: self.runtime.load(&self.close_begun, Acquire),
            began_after_close,
            handle_released: released.is_some_and(|flag| self.runtime.load(flag, Acquire)),
        };
        judge.judge(offset, buf.len(), &buf, &outcome);
    }

    /// Spawns readers `0..params.readers`, each on its own thread.
    pub(super) fn spawn_readers(self: &Arc<Self>, world: &W) -> Vec<Joiner<W::Runtime, ()>> {
        (0..self.params.readers)
            .map(|index| self.spawn_reader(world, index))
            .collect()
    }

    /// Spawns reader `index` on its own thread.
    pub(super) fn spawn_reader(
        self: &Arc<Self>,
        world: &W,
        index: usize,
    ) -> Joiner<W::Runtime, ()> {
        let name = format!("reader-{}{index}", self.label);
        let subject = Arc::clone(self);
        spawn(world.runtime(), &name.clone(), move || {
            subject.read_and_judge(&name, index)
        })
    }

    /// Closes without a deadline; a close that fails is a violation.
    pub(super) fn close(&self, closer: &str) {
        self.runtime.store(&self.close_begun, true, Release);
        let (store, deadline) = (self.label, None);
        self.world.call_begins(Call::Close { store, deadline });
        let outcome = self.store().close();
        self.world.call_returns(Outcome::of_done(&outcome));
        self.runtime.store(&self.close_returned, true, Release);
        if let Err(error) = outcome {
            let what = format!("close of store {} failed: {error}", self.label);
            Violation::new(Oracle::CloseCompletes, closer, "close failed", what).raise();
        }
    }

    /// Closes with a deadline `params.close_deadline` away on the world's
    /// clock. Returns whether the deadline fired.
    pub(super) fn close_with_deadline(&self, world: &W, closer: &str) -> bool {
        use store::Clock;
        self.runtime.store(&self.close_begun, true, Release);
        let deadline = world.clock().now() + self.params.close_deadline;
        let (store, at) = (self.label, Some(deadline));
        self.world.call_begins(Call::Close {
            store,
            deadline: at,
        });
        let outcome = self.store().close_with_deadline(deadline);
        self.world.call_returns(Outcome::of_done(&outcome));
        self.runtime.store(&self.close_returned, true, Release);
        match outcome {
            Ok(()) => false,
            Err(StoreError::CloseDeadlineExceeded { .. }) => {
                if world.clock().now() < deadline {
                    let what = format!("close of store {} gave up before its deadline", self.label);
                    Violation::new(Oracle::CloseCompletes, closer, "close gave up early", what)
                        .raise();
                }
                true
            }
            Err(error) => {
                let what = format!("close of store {} failed: {error}", self.label);
                Violation::new(Oracle::CloseCompletes, closer, "close failed", what).raise()
            }
        }
    }
}

impl<W: StoreWorld> Subject<W> {
    /// Ends the store's life as its seed chooses: `close`, or
    /// `close_with_deadline` followed, if the deadline fired, by a `close`
    /// that waits for the release (so that nothing is left for the leak
    /// check to find). Returns whether a deadline fired.
    pub(super) fn end(&self, world: &W, closer: &str) -> bool {
        let fired = self.params.ends_with_deadline() && self.close_with_deadline(world, closer);
        if fired || !self.params.ends_with_deadline() {
            self.close(closer);
        }
        fired
    }
}

impl<W: StoreWorld> Drop for Subject<W> {
    /// Drops the store's last handle, as a call of its own: the store then
    /// starts closing, and whoever leaves last releases the file.
    fn drop(&mut self) {
        if let Some(store) = self.store.take() {
            let label = self.label;
            self.world.call_begins(Call::Drop { store: label });
            drop(store);
            self.world.call_returns(Outcome::Dropped);
        }
    }
}
