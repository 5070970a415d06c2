//! `hint::spin_loop` lets the thread a spin-wait waits for run, under
//! every engine, as shuttle's and loom's own `hint::spin_loop` do: PCT runs
//! the thread of highest priority until it blocks or yields, so a spin
//! with std's hint alone starves the holder it waits for.

mod support;

use harness::check::{Check, Endless, Engine};
use harness::sync::Arc;
use harness::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use harness::thread;
use support::found;

/// Two threads add one each to a count under a spin lock whose wait
/// calls `spin`, and the count is two.
fn two_adds_under_a_spin_lock(spin: fn()) {
    let locked = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let add_one = {
        let (locked, count) = (Arc::clone(&locked), Arc::clone(&count));
        move || {
            while locked
                .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
            {
                spin();
            }
            let before = count.load(Ordering::Relaxed);
            count.store(before + 1, Ordering::Relaxed);
            locked.store(false, Ordering::Release);
        }
    };
    let other = thread::spawn(add_one.clone());
    add_one();
    other.join().expect("the other add ends without a panic");
    assert_eq!(count.load(Ordering::Relaxed), 2);
}

#[test]
fn a_spin_wait_with_the_facades_hint_runs_clean_under_every_engine() {
    Check::new().assert(|| two_adds_under_a_spin_lock(harness::hint::spin_loop));
}

#[test]
fn a_spin_wait_with_stds_hint_alone_starves_the_holder_under_pct() {
    let failure = found(&Check::new().engines([Engine::pct(3)]), || {
        two_adds_under_a_spin_lock(std::hint::spin_loop);
    });
    assert!(
        failure
            .raised
            .as_ref()
            .is_some_and(|raised| raised.get::<Endless>().is_some()),
        "{failure}"
    );
}
