//! One read/close race, written once against `Runtime`, run on every
//! runtime of the same compiled store: shuttle (random schedules), loom
//! (every schedule up to two preemptions), real threads, and the harness
//! library's std-shaped facade under each of its engines.
//!
//! Two readers read the whole object while the main thread closes. Every
//! read must return the exact bytes or `Closed`; close must succeed; no
//! schedule may deadlock (shuttle and loom report a deadlock as a failure).

mod support;

use std::io::Cursor;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::Ordering::SeqCst;

use harness::check::Check;
use store::runtime::harness::{HarnessClock, HarnessRuntime};
use store::runtime::loom::LoomRuntime;
use store::runtime::shuttle::ShuttleRuntime;
use store::{
    Clock, MemoryFiles, Platform, Runtime, SeekableTransport, StdRuntime, StoreError, StoreOptions,
    SystemClock, TempFileStore,
};

const OBJECT: &[u8] = b"0123456789abcdefghij";
const READERS: usize = 2;

/// Readers report here; the main thread waits for all of them through the
/// runtime under test, so the race itself never touches std primitives.
struct Outcomes<R: Runtime> {
    results: R::Mutex<Vec<Result<Vec<u8>, StoreError>>>,
    all_in: R::Condvar,
}

fn read_close_race<R: Runtime>(runtime: R) {
    // Several chunks, so readers can wait mid-download.
    let options = StoreOptions::default().with_chunk_size(NonZeroUsize::new(8).expect("non-zero"));
    let platform = Platform {
        runtime: runtime.clone(),
        clock: SystemClock::new(),
        files: MemoryFiles,
    };
    let transport = SeekableTransport::new(Cursor::new(OBJECT.to_vec()));
    let store = Arc::new(TempFileStore::open(transport, platform, options).expect("open"));
    let outcomes = Arc::new(Outcomes::<R> {
        results: runtime.mutex(Vec::new()),
        all_in: runtime.condvar(),
    });
    for reader in 0..READERS {
        let (store, outcomes, runtime_in_reader) =
            (Arc::clone(&store), Arc::clone(&outcomes), runtime.clone());
        let body = move || {
            let mut buf = vec![0; OBJECT.len()];
            let result = store.read_at(&mut buf, 0).map(|read| buf[..read].to_vec());
            runtime_in_reader.lock(&outcomes.results).push(result);
            runtime_in_reader.notify_all(&outcomes.all_in);
        };
        runtime
            .spawn(format!("reader-{reader}"), Box::new(body))
            .expect("spawn reader");
    }
    store.close().expect("close");
    let mut results = runtime.lock(&outcomes.results);
    while results.len() < READERS {
        results = runtime.wait(&outcomes.all_in, results);
    }
    for result in results.iter() {
        match result {
            Ok(bytes) => assert_eq!(bytes, OBJECT, "a reader saw wrong bytes"),
            Err(StoreError::Closed) => {}
            Err(other) => panic!("a reader failed with {other:?}, expected bytes or Closed"),
        }
    }
}

#[test]
fn read_close_race_holds_under_shuttle_random_schedules() {
    shuttle::check_random(|| read_close_race(ShuttleRuntime), 2_000);
}

#[test]
fn read_close_race_holds_under_every_loom_schedule_with_two_preemptions() {
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(2);
    model.check(|| read_close_race(LoomRuntime));
}

#[test]
fn read_close_race_holds_on_real_threads() {
    support::within("200 read/close races on real threads", || {
        for _ in 0..200 {
            read_close_race(StdRuntime);
        }
    });
}

#[test]
fn read_close_race_holds_under_every_engine_of_the_harness_facade() {
    Check::new()
        .schedules(300)
        .assert(|| read_close_race(HarnessRuntime));
}

#[test]
fn the_harness_clock_reads_the_runs_virtual_time_under_every_engine() {
    let hour = std::time::Duration::from_secs(3_600);
    let real = std::time::Instant::now();
    Check::new().schedules(20).assert(move || {
        let clock = HarnessClock::new();
        harness::thread::sleep(hour);
        assert!(clock.now().since_origin() >= hour, "{:?}", clock.now());
    });
    assert!(
        real.elapsed() < hour / 60,
        "took real time: {:?}",
        real.elapsed()
    );
}

/// The lock's holder unparks the main thread once main is about to block
/// on that lock, then lets others run, still holding it: main must stay
/// blocked until the lock is free, as with std.
fn unparked_while_blocked_on_a_lock() {
    let runtime = LoomRuntime;
    let lock = Arc::new(runtime.mutex(0_u32));
    let locking = Arc::new(runtime.atomic_bool(false));
    let main = runtime.current_thread();
    let holder = {
        let (lock, locking) = (Arc::clone(&lock), Arc::clone(&locking));
        Box::new(move || {
            let mut held = runtime.lock(&lock);
            while !runtime.load(&locking, SeqCst) {
                loom::thread::yield_now();
            }
            // Main is about to block on the lock, or blocked.
            loom::thread::yield_now();
            runtime.unpark(&main);
            loom::thread::yield_now();
            *held += 1;
        })
    };
    runtime
        .spawn("holder".to_owned(), holder)
        .expect("the runtime starts a thread");
    runtime.store(&locking, true, SeqCst);
    let seen = *runtime.lock(&lock);
    assert!(seen <= 1, "main takes the lock before or after the holder");
}

#[test]
fn an_unpark_leaves_a_thread_blocked_on_a_lock_blocked_under_loom() {
    // loom's own unpark wakes a thread whatever it is blocked on, which
    // then fails inside loom's lock (tokio-rs/loom#249).
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(2);
    model.check(unparked_while_blocked_on_a_lock);
}
