//! What the facade's model costs on top of bare shuttle: one body, written
//! once and compiled twice (against `harness::sync`/`thread`, and against
//! `shuttle::sync`/`thread`), 500 random schedules each way, side by side
//! in one run. The handoff: a producer hands 8 items through a two-slot
//! queue (a mutex, two condition variables) to a consumer, which counts
//! them in an atomic. The counter, which the atomics' path alone serves:
//! two threads each add to a shared atomic 16 times, reading it between;
//! and the same counter as a `static`, which every run after the first
//! finds in the atomic's table of later runs.
//!
//! ```text
//! cargo bench -p harness --bench facade_cost
//! ```

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use harness::check::{Check, Engine};

/// Schedules per measurement.
const SCHEDULES: usize = 500;

/// The body over whichever `sync` and `thread` are in scope.
macro_rules! handoff_body {
    () => {
        pub(super) fn handoff() {
            use std::collections::VecDeque;
            use std::sync::Arc;

            use self::sync::atomic::{AtomicU64, Ordering};
            use self::sync::{Condvar, Mutex};
            use self::thread;

            const ITEMS: u64 = 8;
            const SLOTS: usize = 2;
            struct Queue {
                items: Mutex<VecDeque<u64>>,
                not_empty: Condvar,
                not_full: Condvar,
                received: AtomicU64,
            }
            let queue = Arc::new(Queue {
                items: Mutex::new(VecDeque::new()),
                not_empty: Condvar::new(),
                not_full: Condvar::new(),
                received: AtomicU64::new(0),
            });
            let producer = {
                let queue = Arc::clone(&queue);
                thread::spawn(move || {
                    for item in 0..ITEMS {
                        let mut items = queue.items.lock().expect("not poisoned");
                        while items.len() == SLOTS {
                            items = queue.not_full.wait(items).expect("not poisoned");
                        }
                        items.push_back(item);
                        queue.not_empty.notify_one();
                    }
                })
            };
            for _ in 0..ITEMS {
                let mut items = queue.items.lock().expect("not poisoned");
                while items.is_empty() {
                    items = queue.not_empty.wait(items).expect("not poisoned");
                }
                items.pop_front();
                queue.not_full.notify_one();
                queue.received.fetch_add(1, Ordering::Relaxed);
            }
            producer.join().expect("the producer ends");
            assert_eq!(queue.received.load(Ordering::Relaxed), ITEMS);
        }
    };
}

/// The counter over whichever `sync` and `thread` are in scope.
macro_rules! counter_body {
    () => {
        const ADDS: u64 = 16;

        /// Adds to `count`, reading it after each add.
        fn add_and_read(count: &self::sync::atomic::AtomicU64) {
            use self::sync::atomic::Ordering;
            for _ in 0..ADDS {
                count.fetch_add(1, Ordering::Relaxed);
                let _ = count.load(Ordering::Relaxed);
            }
        }

        pub(super) fn counter() {
            use std::sync::Arc;

            use self::sync::atomic::{AtomicU64, Ordering};

            let count = Arc::new(AtomicU64::new(0));
            let adder = {
                let count = Arc::clone(&count);
                self::thread::spawn(move || add_and_read(&count))
            };
            add_and_read(&count);
            adder.join().expect("the adder ends");
            assert_eq!(count.load(Ordering::Relaxed), 2 * ADDS);
        }
    };
}

/// The counter as a static of the facade (shuttle's statics keep their
/// value from one execution to the next, so there is no bare twin).
mod on_harness_static {
    use harness::sync::atomic::{AtomicU64, Ordering};

    static COUNT: AtomicU64 = AtomicU64::new(0);
    const ADDS: u64 = 16;

    fn add_and_read() {
        for _ in 0..ADDS {
            COUNT.fetch_add(1, Ordering::Relaxed);
            let _ = COUNT.load(Ordering::Relaxed);
        }
    }

    pub(super) fn counter() {
        let adder = harness::thread::spawn(add_and_read);
        add_and_read();
        adder.join().expect("the adder ends");
        assert_eq!(COUNT.load(Ordering::Relaxed), 2 * ADDS);
    }
}

mod on_harness {
    use harness::{sync, thread};
    handoff_body!();
    counter_body!();
}

mod on_shuttle {
    use shuttle::{sync, thread};
    handoff_body!();
    counter_body!();
}

fn facade_cost(c: &mut Criterion) {
    let mut group = c.benchmark_group("facade_cost");
    group.throughput(Throughput::Elements(SCHEDULES as u64));
    group.sample_size(10);
    group.bench_function("bare shuttle, 500 random schedules", |b| {
        b.iter(|| shuttle::check_random(on_shuttle::handoff, SCHEDULES));
    });
    group.bench_function("harness facade, 500 random schedules", |b| {
        let check = Check::new().engines([Engine::Random]).schedules(SCHEDULES);
        b.iter(|| check.run(on_harness::handoff).expect("clean"));
    });
    group.bench_function("counter, bare shuttle, 500 random schedules", |b| {
        b.iter(|| shuttle::check_random(on_shuttle::counter, SCHEDULES));
    });
    group.bench_function("counter, harness facade, 500 random schedules", |b| {
        let check = Check::new().engines([Engine::Random]).schedules(SCHEDULES);
        b.iter(|| check.run(on_harness::counter).expect("clean"));
    });
    group.bench_function(
        "static counter, harness facade, 500 random schedules",
        |b| {
            let check = Check::new().engines([Engine::Random]).schedules(SCHEDULES);
            b.iter(|| check.run(on_harness_static::counter).expect("clean"));
        },
    );
    group.finish();
}

criterion_group!(benches, facade_cost);
criterion_main!(benches);
