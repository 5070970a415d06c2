//! A spin that reads the clock, with nothing else to happen, sees time
//! pass, as on a machine: a spin towards a deadline ends at it, and one
//! with a timeout times out, under every engine. While another thread can
//! run, the spin moves no time: that thread may end it first.

use harness::check::Check;
use harness::sync::atomic::{AtomicBool, Ordering};
use harness::sync::{Arc, mpsc};
use harness::thread;
use harness::time::{Duration, Instant, SystemTime};

const SCHEDULES: usize = 100;

#[test]
fn a_spin_alone_towards_a_deadline_ends_just_past_it_under_every_engine() {
    Check::new().schedules(SCHEDULES).assert(|| {
        let began = Instant::now();
        let deadline = began + Duration::from_millis(10);
        while Instant::now() < deadline {
            harness::hint::spin_loop();
        }
        let took = began.elapsed();
        assert!(took < Duration::from_millis(11), "took {took:?}");
    });
}

#[test]
fn a_spin_on_the_wall_clock_alone_ends_an_hour_later_under_every_engine() {
    Check::new().schedules(SCHEDULES).assert(|| {
        let began = SystemTime::now();
        let hour = Duration::from_secs(3600);
        while began.elapsed().expect("the clock goes forward") < hour {
            thread::yield_now();
        }
    });
}

#[test]
fn a_spin_for_a_lock_whose_holder_waits_for_the_spinner_times_out_under_every_engine() {
    Check::new().schedules(SCHEDULES).assert(|| {
        let held = Arc::new(AtomicBool::new(true));
        let (let_go, told) = mpsc::channel::<()>();
        let holder = {
            let held = Arc::clone(&held);
            thread::spawn(move || {
                told.recv().expect("the spinner tells");
                held.store(false, Ordering::Release);
            })
        };
        let (began, timeout) = (Instant::now(), Duration::from_millis(100));
        let took_it = loop {
            let free = held.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed);
            if free.is_ok() {
                break true;
            }
            if began.elapsed() >= timeout {
                break false;
            }
            thread::yield_now();
        };
        assert!(!took_it, "took a lock nobody let go");
        let_go.send(()).expect("the holder listens");
        holder.join().expect("the holder ends without a panic");
    });
}

#[test]
fn a_spin_beside_a_thread_that_can_run_moves_no_time_under_every_engine() {
    Check::new().schedules(SCHEDULES).assert(|| {
        let done = Arc::new(AtomicBool::new(false));
        // Spins until the body is done: a thread that can run throughout.
        let other = {
            let done = Arc::clone(&done);
            thread::spawn(move || {
                while !done.load(Ordering::Acquire) {
                    thread::yield_now();
                }
            })
        };
        let began = Instant::now();
        for _ in 0..20 {
            thread::yield_now();
            assert_eq!(began.elapsed(), Duration::ZERO, "time passed");
        }
        done.store(true, Ordering::Release);
        other
            .join()
            .expect("the other spinner ends without a panic");
    });
}

#[test]
fn a_spin_beside_a_sleep_moves_the_clock_no_further_than_the_sleeps_end_under_every_engine() {
    Check::new().schedules(SCHEDULES).assert(|| {
        // A nap as short as a spin's first step: the spin reaches its end
        // long before the sleeper runs again, on many schedules.
        let (began, nap) = (Instant::now(), Duration::from_micros(1));
        let sleeper = thread::spawn(move || {
            thread::sleep(nap);
            Instant::now()
        });
        while !sleeper.is_finished() {
            thread::yield_now();
            let _ = began.elapsed();
        }
        let woke = sleeper.join().expect("the sleeper ends without a panic");
        assert_eq!(
            woke - began,
            nap,
            "the spin moved the clock past the sleep's end"
        );
    });
}

#[test]
fn a_spin_with_a_timeout_beside_an_hours_sleep_times_out_under_every_engine() {
    Check::new().schedules(SCHEDULES).assert(|| {
        let held = Arc::new(AtomicBool::new(true));
        // Holds the lock through an hour's sleep.
        let holder = {
            let held = Arc::clone(&held);
            thread::spawn(move || {
                thread::sleep(Duration::from_secs(3600));
                held.store(false, Ordering::Release);
            })
        };
        let (began, timeout) = (Instant::now(), Duration::from_millis(100));
        while held.load(Ordering::Acquire) && began.elapsed() < timeout {
            thread::yield_now();
        }
        let waited = began.elapsed();
        assert!(
            waited < timeout + timeout / 30,
            "timed out after {waited:?}"
        );
        holder.join().expect("the holder ends without a panic");
    });
}

/// Work stood in for by a busy loop on the clock, with no spin in it.
fn busy_for(work: Duration) {
    let began = Instant::now();
    while began.elapsed() < work {}
}

#[test]
fn a_busy_loop_on_the_clock_alone_for_an_hour_ends_just_past_it_under_every_engine() {
    // One thread: one schedule is all there is.
    Check::new().schedules(5).assert(|| {
        let (began, hour) = (Instant::now(), Duration::from_secs(3600));
        busy_for(hour);
        let took = began.elapsed();
        assert!(took < hour + hour / 30, "took {took:?}");
    });
}

#[test]
fn a_busy_loop_on_the_clock_lets_the_thread_it_waits_for_run_under_every_engine() {
    Check::new().schedules(SCHEDULES).assert(|| {
        let set = Arc::new(AtomicBool::new(false));
        let setter = {
            let set = Arc::clone(&set);
            thread::spawn(move || set.store(true, Ordering::Release))
        };
        // A poll that reads the flag only now and then, by the clock.
        let mut checked = Instant::now();
        loop {
            if checked.elapsed() >= Duration::from_millis(1) {
                if set.load(Ordering::Acquire) {
                    break;
                }
                checked = Instant::now();
            }
        }
        setter.join().expect("the setter ends without a panic");
    });
}
