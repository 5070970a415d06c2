//! `thread_local!` gives each thread its own value under every engine, as
//! real threads have: shuttle and loom run a run's threads on one OS
//! thread, where std's macro would give them one value between them and
//! keep it from one run to the next.

use std::cell::{Cell, RefCell};

use harness::check::{Check, Engine, LOCALS_DROPPED_UNDER_LOOM};
use harness::sync::Arc;
use harness::sync::atomic::{AtomicU64, Ordering};
use harness::thread;

const LOOM: Engine = Engine::Loom { preemptions: 2 };

harness::thread_local! {
    static BUMPS: Cell<u32> = const { Cell::new(0) };
    static WORDS: RefCell<Vec<&'static str>> = RefCell::new(Vec::new());
}

/// One more bump of the calling thread's count: the count after it.
fn bump() -> u32 {
    BUMPS.with(|bumps| {
        bumps.set(bumps.get() + 1);
        bumps.get()
    })
}

#[test]
fn each_thread_of_a_run_has_its_own_value_under_every_engine() {
    Check::new().schedules(50).assert(|| {
        let (a, b) = (thread::spawn(bump), thread::spawn(bump));
        let mine = bump();
        let theirs = (a.join(), b.join());
        assert_eq!((mine, theirs.0.ok(), theirs.1.ok()), (1, Some(1), Some(1)));
    });
}

#[test]
fn a_value_starts_afresh_in_each_run_under_every_engine() {
    // Each engine runs many schedules on one OS thread: the body's thread
    // of the second must not find the first's bumps.
    Check::new().schedules(20).assert(|| assert_eq!(bump(), 1));
}

/// A value that counts its drops.
struct CountsItsDrop(Arc<AtomicU64>);

impl Drop for CountsItsDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

harness::thread_local! {
    static DROPPED_AT_THE_END: RefCell<Option<CountsItsDrop>> = const { RefCell::new(None) };
}

/// A thread keeps a value that counts its drop, and ends: the drops
/// counted.
fn drops_of_a_value_kept_by_a_thread() -> u64 {
    let drops = Arc::new(AtomicU64::new(0));
    let value = CountsItsDrop(Arc::clone(&drops));
    thread::spawn(move || DROPPED_AT_THE_END.set(Some(value)))
        .join()
        .expect("the thread ends without a panic");
    drops.load(Ordering::SeqCst)
}

#[test]
fn a_threads_value_is_dropped_as_the_thread_ends_under_every_engine_but_loom() {
    let summary = Check::new()
        .schedules(20)
        .run(|| assert_eq!(drops_of_a_value_kept_by_a_thread(), 1))
        .expect("every engine but loom runs it clean");
    assert_eq!(summary.not_modelled, [(LOOM, LOCALS_DROPPED_UNDER_LOOM)]);
    assert_eq!(drops_of_a_value_kept_by_a_thread(), 1);
}

/// A value whose drop sends on a channel of std's, which no engine sees.
struct SendsAsItDrops(std::sync::mpsc::Sender<()>);

impl Drop for SendsAsItDrops {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

harness::thread_local! {
    static SENDS_AT_THE_END: RefCell<Option<SendsAsItDrops>> = const { RefCell::new(None) };
}

#[test]
fn a_threads_value_that_calls_no_facade_as_it_drops_is_dropped_under_loom_too() {
    Check::new().engines([LOOM]).assert(|| {
        let (dropped, drops) = std::sync::mpsc::channel();
        thread::spawn(move || SENDS_AT_THE_END.set(Some(SendsAsItDrops(dropped))))
            .join()
            .expect("the thread ends without a panic");
        assert_eq!(drops.try_iter().count(), 1);
    });
}

#[test]
fn the_cell_shortcuts_act_on_the_calling_threads_value() {
    Check::new().schedules(5).assert(|| {
        BUMPS.set(4);
        assert_eq!(BUMPS.replace(5), 4);
        let other = thread::spawn(|| BUMPS.get()).join().ok();
        assert_eq!((BUMPS.get(), other), (5, Some(0)));
        assert_eq!((BUMPS.take(), BUMPS.get()), (5, 0));
    });
}

#[test]
fn the_refcell_shortcuts_act_on_the_calling_threads_value() {
    Check::new().schedules(5).assert(|| {
        WORDS.set(vec!["a"]);
        WORDS.with_borrow_mut(|words| words.push("b"));
        let other = thread::spawn(|| WORDS.with_borrow(Vec::len)).join().ok();
        assert_eq!((WORDS.with_borrow(Vec::len), other), (2, Some(0)));
        assert_eq!(WORDS.replace(vec!["c"]), ["a", "b"]);
        assert_eq!((WORDS.take(), WORDS.take()), (vec!["c"], vec![]));
    });
}

#[test]
fn a_key_outside_any_run_is_the_calling_real_threads() {
    let other = std::thread::spawn(bump).join().ok();
    let mine = (bump(), bump());
    assert_eq!((mine, other), ((1, 2), Some(1)));
}

#[test]
fn a_key_says_what_it_is_and_nothing_of_any_threads_value() {
    assert_eq!(format!("{BUMPS:?}"), "LocalKey { .. }");
}
