//! `check::Written`: data written outside the facade (a file's bytes), whose
//! reads loom and shuttle's engines check against the write: what told the
//! reader the data was there must order the write before the read.

#[allow(dead_code, reason = "the helpers other test files use")]
mod support;

use harness::check::{Check, Engine, Written};
use harness::sync::Arc;
use harness::sync::atomic::{AtomicBool, Ordering};
use harness::thread;
use support::found;

const LOOM: Engine = Engine::Loom { preemptions: 2 };

/// A writer writes data outside the facade and raises a flag with
/// `publish`; a reader that sees the flag (loaded with `observe`) reads
/// the data. The data's handover is a std lock, which orders nothing a
/// model sees, as a file orders nothing.
fn handover(publish: Ordering, observe: Ordering) {
    let data = Arc::new(std::sync::Mutex::new(None::<Written>));
    let ready = Arc::new(AtomicBool::new(false));
    let writer = {
        let (data, ready) = (Arc::clone(&data), Arc::clone(&ready));
        thread::spawn(move || {
            *data.lock().expect("not poisoned") = Some(Written::new());
            ready.store(true, publish);
        })
    };
    if ready.load(observe) {
        let data = data.lock().expect("not poisoned");
        data.as_ref().expect("written before the flag").read();
    }
    writer.join().expect("the writer ends");
}

#[test]
fn a_read_told_by_a_relaxed_flag_is_found_by_loom() {
    let failure = found(&Check::new().engines([LOOM]).schedules(1_000), || {
        handover(Ordering::Relaxed, Ordering::Relaxed);
    });
    assert!(
        failure.message.contains("does not happen after its write"),
        "{failure}"
    );
}

#[test]
fn a_read_told_by_a_release_acquire_pair_runs_clean_under_loom() {
    Check::new()
        .engines([LOOM])
        .schedules(1_000)
        .assert(|| handover(Ordering::Release, Ordering::Acquire));
}

#[test]
fn engines_without_weak_memory_take_a_relaxed_flag_as_ordering_and_real_threads_check_nothing() {
    Check::new()
        .engines([Engine::Random, Engine::Dfs, Engine::Threads])
        .schedules(100)
        .assert(|| handover(Ordering::Relaxed, Ordering::Relaxed));
}

#[test]
fn a_read_no_flag_tells_is_found_by_shuttle() {
    let failure = found(
        &Check::new().engines([Engine::Random]).schedules(1_000),
        || {
            let data = Arc::new(std::sync::Mutex::new(None::<Written>));
            let writer = {
                let data = Arc::clone(&data);
                thread::spawn(move || *data.lock().expect("not poisoned") = Some(Written::new()))
            };
            // A std lock orders nothing a model sees, and a yield nothing at
            // all: nothing tells the reader.
            thread::yield_now();
            if let Some(written) = &*data.lock().expect("not poisoned") {
                written.read();
            }
            writer.join().expect("the writer ends");
        },
    );
    assert!(
        failure.message.contains("does not happen after its write"),
        "{failure}"
    );
}
