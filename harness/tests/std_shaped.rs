//! Code written for std's `sync` and `thread` compiles against the facade
//! unchanged: each function below is compiled twice, once on std's paths
//! and once on the facade's, and the tests run the facade's copy under the
//! engines (where a run allows it) and both copies outside any run.

use harness::check::{Check, PARALLELISM_IN_A_RUN};

/// Functions that name `sync` and `thread` as std code does.
macro_rules! written_for_std {
    () => {
        use self::sync::atomic::{AtomicBool, Ordering, compiler_fence};
        use self::sync::{Arc, Mutex, RwLock, Weak};

        /// A mutex and a reader-writer lock poisoned by a panicking
        /// holder, then cleared: whether each is still poisoned.
        pub(crate) fn poisoned_then_cleared() -> (bool, bool) {
            let mutex = Arc::new(Mutex::new(0_u8));
            let rwlock = Arc::new(RwLock::new(0_u8));
            let (m, r) = (Arc::clone(&mutex), Arc::clone(&rwlock));
            let panicked = thread::spawn(move || {
                let _guards = (m.lock(), r.write());
                panic!("poisons both");
            })
            .join();
            assert!(panicked.is_err() && mutex.is_poisoned() && rwlock.is_poisoned());
            mutex.clear_poison();
            rwlock.clear_poison();
            (mutex.is_poisoned(), rwlock.is_poisoned())
        }

        /// A reader-writer lock made from its value, its guards printed,
        /// and a cell cloned and compared, as std's traits allow: the
        /// guards' words, and whether the clone equals the cell and an
        /// empty one.
        pub(crate) fn locks_and_cells_by_stds_traits() -> (String, String, bool, bool) {
            let rwlock = RwLock::from(3_u8);
            let read = format!("{:?}", rwlock.read().expect("not poisoned"));
            let write = format!("{:?}", rwlock.write().expect("not poisoned"));
            let cell = sync::OnceLock::from(4_u8);
            let clone = cell.clone();
            (read, write, clone == cell, clone == sync::OnceLock::new())
        }

        /// Two threads each call a closure behind an
        /// `Arc<Mutex<dyn FnMut>>` and one writes a slice behind an
        /// `Arc<RwLock<[u8]>>`, as std's locks of a value of unknown size
        /// allow: the closure's answers summed, the slice's sum, and the
        /// guards shown by `Display`.
        pub(crate) fn locks_of_unsized_values() -> (u32, u32, String) {
            let counter = {
                let mut calls = 0;
                move || {
                    calls += 1;
                    calls
                }
            };
            let next: Arc<Mutex<dyn FnMut() -> u32 + Send>> = Arc::new(Mutex::new(counter));
            let bytes: Arc<RwLock<[u8]>> = Arc::new(RwLock::new([1_u8, 2, 3]));
            let (their_next, their_bytes) = (Arc::clone(&next), Arc::clone(&bytes));
            let other = thread::spawn(move || {
                let called = (their_next.lock().expect("not poisoned"))();
                their_bytes.write().expect("not poisoned")[0] = 4;
                called
            });
            let called = (next.lock().expect("not poisoned"))();
            let called = called + other.join().expect("the other ends without a panic");
            let sum = bytes.read().expect("not poisoned").iter().map(|&byte| u32::from(byte)).sum();
            let (mutex, rwlock) = (Mutex::new('m'), RwLock::new('r'));
            let mut shown = format!("{}", mutex.lock().expect("not poisoned"));
            shown += &format!("{}", rwlock.read().expect("not poisoned"));
            shown += &format!("{}", rwlock.write().expect("not poisoned"));
            (called, sum, shown)
        }

        /// A lazy value looked at before it is made, made, then changed
        /// through `&mut` three ways: what each look said, and the end; and
        /// a fresh one made through `&mut`.
        #[rustversion::since(1.94)]
        #[allow(clippy::incompatible_msrv, reason = "compiled only where std has them")]
        pub(crate) fn lazy_looked_at_and_changed() -> (Option<u8>, Option<u8>, u8, u8) {
            let mut lazy = sync::LazyLock::new(|| 6_u8);
            let before = sync::LazyLock::get(&lazy).copied();
            sync::LazyLock::force(&lazy);
            let made = sync::LazyLock::get(&lazy).copied();
            *sync::LazyLock::force_mut(&mut lazy) += 1;
            *lazy += 1;
            if let Some(value) = sync::LazyLock::get_mut(&mut lazy) {
                *value += 1;
            }
            let mut fresh = sync::LazyLock::new(|| 1_u8);
            let fresh_made = *sync::LazyLock::force_mut(&mut fresh);
            (before, made, *lazy, fresh_made)
        }

        /// A join's result named as `thread::Result`, a pointer shown
        /// through its atomic, and a float's refusal named by its type:
        /// what joined, whether the atomic shows its pointer, and whether
        /// the refusal came.
        pub(crate) fn std_names_and_formats() -> (u8, bool, bool) {
            let joined: thread::Result<u8> = thread::spawn(|| 2).join();
            let mut target = 0_u8;
            let pointer: *mut u8 = &mut target;
            let atomic = sync::atomic::AtomicPtr::new(pointer);
            let shown = format!("{atomic:p}") == format!("{pointer:p}");
            let refused: Result<time::Duration, time::TryFromFloatSecsError> =
                time::Duration::try_from_secs_f64(-1.0);
            (joined.unwrap_or(0), shown, refused.is_err())
        }

        /// A closure that borrows each primitive, run by `catch_unwind`,
        /// which std's unwind-safe types let it take: whether it returned.
        pub(crate) fn borrowed_inside_catch_unwind() -> bool {
            let condvar = sync::Condvar::new();
            let once = sync::Once::new();
            let cell = sync::OnceLock::from(1_u8);
            let lazy = sync::LazyLock::new(|| 2_u8);
            let barrier = sync::Barrier::new(1);
            let (mutex, rwlock) = (Mutex::new(3_u8), RwLock::new(4_u8));
            std::panic::catch_unwind(|| {
                condvar.notify_all();
                once.call_once(|| ());
                barrier.wait();
                let values = (cell.get().copied(), *lazy);
                let locked = (*mutex.lock().expect("not poisoned"), *rwlock.read().expect("not poisoned"));
                (values, locked) == ((Some(1), 2), (3, 4))
            })
            .unwrap_or(false)
        }

        /// Whether a destructor that runs as its thread panics sees it
        /// unwinding, and whether the joiner is.
        pub(crate) fn unwinding_seen_by_a_destructor() -> (bool, bool) {
            struct Records(Arc<AtomicBool>);
            impl Drop for Records {
                fn drop(&mut self) {
                    self.0.store(thread::panicking(), Ordering::SeqCst);
                }
            }
            let seen = Arc::new(AtomicBool::new(false));
            let records = Records(Arc::clone(&seen));
            let panicked = thread::spawn(move || {
                let _records = records;
                panic!("unwinds through the destructor");
            })
            .join();
            assert!(panicked.is_err());
            (seen.load(Ordering::SeqCst), thread::panicking())
        }

        /// A `Once` whose first call panicked, called again by force:
        /// whether the forced call saw the poison, whether the `Once` is
        /// then complete, and whether a later call ran.
        pub(crate) fn forced_after_a_panicked_call() -> (bool, bool, bool) {
            let once = self::sync::Once::new();
            let first = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                once.call_once(|| panic!("the first call fails"));
            }));
            assert!(first.is_err() && !once.is_completed());
            let mut saw_poison = false;
            once.call_once_force(|state| saw_poison = state.is_poisoned());
            let mut later_ran = false;
            once.call_once(|| later_ran = true);
            (saw_poison, once.is_completed(), later_ran)
        }

        /// A thread made by a builder with a name and a stack size: the
        /// name it sees.
        pub(crate) fn named_by_its_builder() -> Option<String> {
            thread::Builder::new()
                .name("worker".to_owned())
                .stack_size(256 * 1024)
                .spawn(|| thread::current().name().map(str::to_owned))
                .expect("a thread")
                .join()
                .expect("the worker ends without a panic")
        }

        /// A scoped thread made by a builder with a name: the name it
        /// sees, and the name its handle gives.
        pub(crate) fn scoped_named_by_its_builder() -> (Option<String>, Option<String>) {
            let name = |thread: &thread::Thread| thread.name().map(str::to_owned);
            thread::scope(|scope| {
                let handle = thread::Builder::new()
                    .name("scoped".to_owned())
                    .spawn_scoped(scope, || name(&thread::current()))
                    .expect("a thread");
                let given = name(handle.thread());
                (handle.join().expect("the thread ends without a panic"), given)
            })
        }

        /// A flag set by a thread the caller polls with `is_finished`,
        /// and nothing else, until it ends: the flag.
        pub(crate) fn polled_until_finished() -> bool {
            let flag = Arc::new(AtomicBool::new(false));
            let setter = {
                let flag = Arc::clone(&flag);
                thread::spawn(move || flag.store(true, Ordering::Release))
            };
            while !setter.is_finished() {}
            setter.join().expect("the setter ends without a panic");
            flag.load(Ordering::Acquire)
        }

        /// A thread that waits for a message: whether it was finished
        /// before the message was sent.
        pub(crate) fn finished_before_its_message() -> bool {
            let (go, gate) = self::sync::mpsc::channel::<()>();
            let waiter = thread::spawn(move || gate.recv());
            let before = waiter.is_finished();
            go.send(()).expect("the waiter waits for it");
            while !waiter.is_finished() {}
            let received = waiter.join().expect("the waiter ends without a panic");
            assert!(received.is_ok());
            before
        }

        /// A flag flipped twice by `fetch_not`: what each flip saw, and
        /// the flag.
        pub(crate) fn flipped_twice() -> (bool, bool, bool) {
            let flag = AtomicBool::new(false);
            let first = flag.fetch_not(Ordering::SeqCst);
            compiler_fence(Ordering::SeqCst);
            let second = flag.fetch_not(Ordering::SeqCst);
            (first, second, flag.load(Ordering::SeqCst))
        }

        /// Whether a weak reference upgrades while its `Arc` lives, and
        /// after.
        pub(crate) fn upgraded_while_alive() -> (bool, bool) {
            let strong = Arc::new(Mutex::new(()));
            let weak: Weak<Mutex<()>> = Arc::downgrade(&strong);
            let alive = weak.upgrade().is_some();
            drop(strong);
            (alive, weak.upgrade().is_some())
        }

        /// Two threads each count their own calls in a thread-local, the
        /// spawned one twice: the counts each saw last.
        pub(crate) fn counted_per_thread() -> (u32, u32) {
            thread_local!(static CALLS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) });
            let call = || {
                CALLS.set(CALLS.get() + 1);
                CALLS.get()
            };
            let other = thread::spawn(move || {
                call();
                call()
            });
            (call(), other.join().expect("the other thread ends without a panic"))
        }

        /// Values sent by a thread, summed by `for` loops over a borrowed
        /// receiver, its queued values and an owned one, each iterator
        /// named by its type.
        pub(crate) fn summed_by_for_loops() -> u32 {
            use self::sync::mpsc::{self, IntoIter, Iter, TryIter};
            let (sender, receiver) = mpsc::channel::<u32>();
            let sends = thread::spawn(move || {
                for value in 1..=3 {
                    sender.send(value).expect("the receiver lives");
                }
            });
            let first: Iter<'_, u32> = receiver.iter();
            let mut sum: u32 = first.take(1).sum();
            sends.join().expect("the sender ends without a panic");
            let queued: TryIter<'_, u32> = receiver.try_iter();
            sum += queued.take(1).sum::<u32>();
            for value in &receiver {
                sum += value;
            }
            let (sender, receiver) = mpsc::sync_channel::<u32>(1);
            sender.send(10).expect("the receiver lives");
            drop(sender);
            let owned: IntoIter<u32> = receiver.into_iter();
            for value in owned {
                sum += value;
            }
            sum
        }

        /// A timestamp as a cache keeps one: whether its whole seconds since
        /// the epoch, read back, are no later than it, whether it comes back
        /// unchanged from std's type, and whether its age is known.
        #[allow(
            clippy::useless_conversion,
            reason = "on std's paths the two types are one"
        )]
        pub(crate) fn stamped_and_aged() -> (bool, bool, bool) {
            use self::time::{Duration, SystemTime, UNIX_EPOCH};
            let stamped = SystemTime::now();
            let seconds = stamped
                .duration_since(UNIX_EPOCH)
                .expect("after the epoch")
                .as_secs();
            let read_back = SystemTime::UNIX_EPOCH + Duration::from_secs(seconds);
            let through_std = SystemTime::from(std::time::SystemTime::from(stamped));
            (
                read_back <= stamped,
                through_std == stamped,
                stamped.elapsed().is_ok(),
            )
        }

        /// A cell and a `Once` another thread sets and completes: the
        /// value the waiter sees, and whether the `Once` was complete.
        #[rustversion::since(1.86)]
        #[allow(
            clippy::incompatible_msrv,
            reason = "compiled only where std has the waits"
        )]
        pub(crate) fn waited_for() -> (u8, bool) {
            let cell = Arc::new(self::sync::OnceLock::new());
            let once = Arc::new(self::sync::Once::new());
            let (their_cell, their_once) = (Arc::clone(&cell), Arc::clone(&once));
            let setter = thread::spawn(move || {
                their_once.call_once(|| ());
                their_cell.set(5).expect("the only setter");
            });
            once.wait();
            let value = *cell.wait();
            setter.join().expect("the setter ends without a panic");
            (value, once.is_completed())
        }

        /// Two threads each double a counter with `update`, then one
        /// refuses with `try_update`: what each returned, and the end.
        #[rustversion::since(1.95)]
        #[allow(
            clippy::incompatible_msrv,
            reason = "compiled only where std has the updates"
        )]
        pub(crate) fn doubled_by_updates() -> (u64, Result<u64, u64>, u64) {
            use self::sync::atomic::AtomicU64;
            let counter = Arc::new(AtomicU64::new(1));
            let theirs = Arc::clone(&counter);
            let doubler = thread::spawn(move || theirs.update(Ordering::AcqRel, Ordering::Acquire, |n| n * 2));
            let mine = counter.update(Ordering::AcqRel, Ordering::Acquire, |n| n * 2);
            let their_previous = doubler.join().expect("the doubler ends without a panic");
            let refused = counter.try_update(Ordering::AcqRel, Ordering::Acquire, |_| None);
            (mine.min(their_previous), refused, counter.load(Ordering::SeqCst))
        }

        /// Ids from a static counter, one taken by each of two threads,
        /// in order.
        pub(crate) fn ids_from_a_static_counter() -> [u64; 2] {
            use self::sync::atomic::AtomicU64;
            static NEXT_ID: AtomicU64 = AtomicU64::new(0);
            let taker = thread::spawn(|| NEXT_ID.fetch_add(1, Ordering::Relaxed));
            let mine = NEXT_ID.fetch_add(1, Ordering::Relaxed);
            let theirs = taker.join().expect("the taker ends without a panic");
            [mine.min(theirs), mine.max(theirs)]
        }

        /// Two readers take turns reading a lock until a writer has
        /// written it once: what the writer wrote. std's lock on Linux
        /// queues a read behind a waiting writer, so the writer gets in
        /// once the reads it waits for end.
        pub(crate) fn written_between_readers_taking_turns() -> u32 {
            let lock = Arc::new(RwLock::new(0_u32));
            let written = Arc::new(AtomicBool::new(false));
            let readers: Vec<_> = (0..2)
                .map(|_| {
                    let (lock, written) = (Arc::clone(&lock), Arc::clone(&written));
                    thread::spawn(move || {
                        while !written.load(Ordering::Acquire) {
                            let _read = lock.read().expect("not poisoned");
                            thread::yield_now();
                        }
                    })
                })
                .collect();
            *lock.write().expect("not poisoned") += 1;
            written.store(true, Ordering::Release);
            for reader in readers {
                reader.join().expect("the reader ends without a panic");
            }
            *lock.read().expect("not poisoned")
        }

        /// Code written before the calls it makes were deprecated: the
        /// old constants, a compare-and-swap on each kind of atomic, and a
        /// timed wait in milliseconds until it says it timed out. What
        /// each compare-and-swap saw.
        #[allow(deprecated, reason = "the calls under test")]
        pub(crate) fn deprecated_calls() -> (usize, usize, bool, isize, bool) {
            use self::sync::Condvar;
            use self::sync::atomic::{
                ATOMIC_BOOL_INIT, ATOMIC_ISIZE_INIT, ATOMIC_USIZE_INIT, AtomicPtr,
            };
            let count = ATOMIC_USIZE_INIT;
            let swapped = count.compare_and_swap(0, 5, Ordering::AcqRel);
            let refused = count.compare_and_swap(0, 6, Ordering::Release);
            let flag = ATOMIC_BOOL_INIT;
            let was_set = flag.compare_and_swap(false, true, Ordering::SeqCst);
            let signed = ATOMIC_ISIZE_INIT;
            let was = signed.compare_and_swap(0, -1, Ordering::Acquire);
            let mut place = 0_u8;
            let pointer = AtomicPtr::new(std::ptr::null_mut());
            let was_null = pointer
                .compare_and_swap(std::ptr::null_mut(), &raw mut place, Ordering::Relaxed)
                .is_null();
            let kept = pointer.compare_and_swap(std::ptr::null_mut(), std::ptr::null_mut(), Ordering::Relaxed);
            assert_eq!(kept, &raw mut place, "a refused swap gives the pointer kept");
            let (lock, condvar) = (Mutex::new(()), Condvar::new());
            let mut guard = lock.lock().expect("not poisoned");
            loop {
                let (back, in_time) = condvar.wait_timeout_ms(guard, 1).expect("not poisoned");
                guard = back;
                if !in_time {
                    break;
                }
            }
            assert!(!was_set && was_null);
            (swapped, refused, flag.load(Ordering::SeqCst), was, signed.load(Ordering::SeqCst) == -1)
        }

        /// How many threads a pool sized by the machine would spawn.
        pub(crate) fn pool_size() -> usize {
            thread::available_parallelism().map_or(1, usize::from)
        }
    };
}

mod on_std {
    use std::{sync, thread, time};
    written_for_std!();
}

mod on_the_facade {
    use harness::{sync, thread, thread_local, time};
    written_for_std!();
}

#[test]
fn a_lock_cleared_of_its_poison_is_no_longer_poisoned() {
    // Outside any run: in one, the holder's panic fails the run.
    assert_eq!(on_the_facade::poisoned_then_cleared(), (false, false));
    assert_eq!(on_std::poisoned_then_cleared(), (false, false));
}

#[test]
fn locks_and_cells_convert_print_clone_and_compare_as_stds_under_every_engine() {
    let expected = ("3".to_owned(), "3".to_owned(), true, false);
    let expected_in_runs = expected.clone();
    Check::new().schedules(5).assert(move || {
        assert_eq!(
            on_the_facade::locks_and_cells_by_stds_traits(),
            expected_in_runs
        );
    });
    assert_eq!(on_std::locks_and_cells_by_stds_traits(), expected);
}

#[test]
fn the_primitives_may_be_borrowed_inside_catch_unwind_as_stds_under_every_engine() {
    Check::new()
        .schedules(5)
        .assert(|| assert!(on_the_facade::borrowed_inside_catch_unwind()));
    assert!(on_std::borrowed_inside_catch_unwind());
}

#[test]
fn locks_of_values_of_unknown_size_serve_two_threads_as_stds_under_every_engine() {
    let expected = (3, 9, "mrr".to_owned());
    let expected_in_runs = expected.clone();
    Check::new().schedules(20).assert(move || {
        assert_eq!(on_the_facade::locks_of_unsized_values(), expected_in_runs);
    });
    assert_eq!(on_std::locks_of_unsized_values(), expected);
}

#[rustversion::since(1.94)]
#[test]
fn a_lazy_value_is_looked_at_and_changed_through_a_mut_as_stds_under_every_engine() {
    let expected = (None, Some(6), 9, 1);
    Check::new().schedules(5).assert(move || {
        assert_eq!(on_the_facade::lazy_looked_at_and_changed(), expected);
    });
    assert_eq!(on_std::lazy_looked_at_and_changed(), expected);
}

#[test]
fn joins_pointers_and_float_durations_are_named_and_shown_as_stds_under_every_engine() {
    Check::new().schedules(5).assert(|| {
        assert_eq!(on_the_facade::std_names_and_formats(), (2, true, true));
    });
    assert_eq!(on_std::std_names_and_formats(), (2, true, true));
}

#[test]
fn a_destructor_sees_its_own_thread_unwinding_and_only_it() {
    // Outside any run: in one, the thread's panic fails the run.
    assert_eq!(
        on_the_facade::unwinding_seen_by_a_destructor(),
        (true, false)
    );
    assert_eq!(on_std::unwinding_seen_by_a_destructor(), (true, false));
}

#[test]
fn a_forced_call_of_a_poisoned_once_sees_the_poison_and_completes_it_under_every_engine() {
    Check::new().schedules(5).assert(|| {
        assert_eq!(
            on_the_facade::forced_after_a_panicked_call(),
            (true, true, false)
        )
    });
    assert_eq!(on_std::forced_after_a_panicked_call(), (true, true, false));
}

#[test]
fn a_builders_name_reaches_its_thread_under_every_engine() {
    Check::new().schedules(20).assert(|| {
        assert_eq!(
            on_the_facade::named_by_its_builder().as_deref(),
            Some("worker")
        );
    });
    assert_eq!(on_std::named_by_its_builder().as_deref(), Some("worker"));
}

#[test]
fn the_bodys_thread_is_named_main_and_an_unnamed_thread_has_no_name_under_every_engine() {
    // As std names a program's first thread, whichever engine runs it.
    Check::new().schedules(5).assert(|| {
        let unnamed =
            harness::thread::spawn(|| harness::thread::current().name().map(str::to_owned));
        assert_eq!(
            unnamed.join().expect("the thread ends without a panic"),
            None
        );
        assert_eq!(harness::thread::current().name(), Some("main"));
    });
}

#[test]
fn a_builders_name_reaches_its_scoped_thread_under_every_engine_with_scopes() {
    let named = (Some("scoped".to_owned()), Some("scoped".to_owned()));
    let expected = named.clone();
    Check::new()
        .schedules(20)
        .assert(move || assert_eq!(on_the_facade::scoped_named_by_its_builder(), expected));
    assert_eq!(on_std::scoped_named_by_its_builder(), named);
}

#[test]
fn a_thread_polled_with_is_finished_alone_ends_under_every_engine() {
    // The poll lets the others run: a loop of polls alone would otherwise
    // never let the setter in under PCT, and never end.
    Check::new().assert(|| assert!(on_the_facade::polled_until_finished()));
    assert!(on_std::polled_until_finished());
}

#[test]
fn a_thread_is_not_finished_while_it_waits_under_every_engine() {
    Check::new().assert(|| assert!(!on_the_facade::finished_before_its_message()));
    assert!(!on_std::finished_before_its_message());
}

#[test]
fn fetch_not_flips_a_flag_and_returns_what_it_was_under_every_engine() {
    let flips = (false, true, false);
    Check::new()
        .schedules(1)
        .assert(move || assert_eq!(on_the_facade::flipped_twice(), flips));
    assert_eq!(on_std::flipped_twice(), flips);
}

#[test]
fn a_weak_reference_upgrades_only_while_its_arc_lives() {
    assert_eq!(on_the_facade::upgraded_while_alive(), (true, false));
    assert_eq!(on_std::upgraded_while_alive(), (true, false));
}

#[test]
fn a_thread_local_is_each_threads_own_under_every_engine() {
    Check::new().assert(|| assert_eq!(on_the_facade::counted_per_thread(), (1, 2)));
    assert_eq!(on_std::counted_per_thread(), (1, 2));
}

#[test]
fn for_loops_over_a_receiver_take_every_value_under_every_engine() {
    Check::new().assert(|| assert_eq!(on_the_facade::summed_by_for_loops(), 16));
    assert_eq!(on_std::summed_by_for_loops(), 16);
}

#[test]
fn available_parallelism_is_the_same_on_every_machine_in_a_run() {
    Check::new().schedules(1).assert(|| {
        assert_eq!(on_the_facade::pool_size(), PARALLELISM_IN_A_RUN.get());
    });
    assert_eq!(on_the_facade::pool_size(), on_std::pool_size());
}

#[test]
fn a_timestamp_converts_to_std_and_back_and_ages_under_every_engine() {
    let answers = (true, true, true);
    Check::new()
        .schedules(1)
        .assert(move || assert_eq!(on_the_facade::stamped_and_aged(), answers));
    assert_eq!(on_the_facade::stamped_and_aged(), answers);
    assert_eq!(on_std::stamped_and_aged(), answers);
}

#[rustversion::since(1.86)]
#[test]
fn a_waiter_sees_what_another_thread_sets_under_every_engine() {
    Check::new().assert(|| assert_eq!(on_the_facade::waited_for(), (5, true)));
    assert_eq!(on_std::waited_for(), (5, true));
}

#[rustversion::since(1.95)]
#[test]
fn updates_from_two_threads_both_apply_under_every_engine() {
    let answers = (1, Err(4), 4);
    Check::new().assert(move || assert_eq!(on_the_facade::doubled_by_updates(), answers));
    assert_eq!(on_std::doubled_by_updates(), answers);
}

#[test]
fn deprecated_calls_of_old_code_compile_and_answer_as_stds_under_every_engine() {
    let answers = (0, 5, true, 0, true);
    Check::new().assert(move || assert_eq!(on_the_facade::deprecated_calls(), answers));
    assert_eq!(on_std::deprecated_calls(), answers);
}

#[test]
fn a_writer_gets_in_between_readers_taking_turns_under_every_engine() {
    Check::new().assert(|| assert_eq!(on_the_facade::written_between_readers_taking_turns(), 1));
    assert_eq!(on_std::written_between_readers_taking_turns(), 1);
}

#[test]
fn a_static_counter_hands_out_the_first_ids_in_each_run_under_every_engine() {
    Check::new().assert(|| assert_eq!(on_the_facade::ids_from_a_static_counter(), [0, 1]));
    assert_eq!(on_std::ids_from_a_static_counter(), [0, 1]);
}
