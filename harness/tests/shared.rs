//! Structures of other crates under the model: each call on a `Shared` one
//! (crossbeam's queue mirrored as `shared::ArrayQueue`) is a scheduling
//! point and a fact, so a race between two calls is found; the same
//! structure used bare is never interleaved.

mod support;

use harness::check::{Check, Engine, Op};
use harness::shared::{ArrayQueue, Shared};
use harness::sync::Arc;
use harness::sync::atomic::Ordering;
use harness::thread;
use support::found;

const SHUTTLE_ENGINES: [Engine; 4] = [Engine::Random, Engine::pct(3), Engine::Urw, Engine::Dfs];
const LOOM: Engine = Engine::Loom { preemptions: 2 };
/// The races below fail in about one schedule in four under random search
/// (both producers check before either pushes); 1,000 schedules miss such
/// a race with a chance far below one in a million.
const SCHEDULES: usize = 1_000;

/// The queue each producer pushes into, as the body needs it.
trait Queue: Send + Sync + 'static {
    fn with_capacity(capacity: usize) -> Self;
    fn is_full(&self) -> bool;
    fn push(&self, value: u8) -> Result<(), u8>;
}

impl Queue for ArrayQueue<u8> {
    fn with_capacity(capacity: usize) -> Self {
        ArrayQueue::new(capacity)
    }
    fn is_full(&self) -> bool {
        ArrayQueue::is_full(self)
    }
    fn push(&self, value: u8) -> Result<(), u8> {
        ArrayQueue::push(self, value)
    }
}

impl Queue for crossbeam_queue::ArrayQueue<u8> {
    fn with_capacity(capacity: usize) -> Self {
        crossbeam_queue::ArrayQueue::new(capacity)
    }
    fn is_full(&self) -> bool {
        crossbeam_queue::ArrayQueue::is_full(self)
    }
    fn push(&self, value: u8) -> Result<(), u8> {
        crossbeam_queue::ArrayQueue::push(self, value)
    }
}

/// Two producers push into a queue of one place. With `trusts_its_check`,
/// each checks for room, then pushes and takes a refusal for a bug: the
/// race of a check and a push. Without, each takes the push's answer.
fn two_producers<Q: Queue>(trusts_its_check: bool) {
    let queue = Arc::new(Q::with_capacity(1));
    let producer = |value: u8| {
        let queue = Arc::clone(&queue);
        thread::spawn(move || {
            if !trusts_its_check {
                return queue.push(value).is_ok();
            }
            let room = !queue.is_full();
            if room {
                queue.push(value).expect("the queue had room a moment ago");
            }
            room
        })
    };
    let (first, second) = (producer(1), producer(2));
    let first = first.join().expect("the producer ends without a panic");
    let second = second.join().expect("the producer ends without a panic");
    assert!(first != second, "exactly one value fits");
}

#[test]
fn a_check_then_push_race_on_a_shared_queue_is_found_by_every_engine() {
    for engine in SHUTTLE_ENGINES.into_iter().chain([LOOM]) {
        let check = Check::new().engines([engine]).schedules(SCHEDULES);
        let failure = found(&check, || two_producers::<ArrayQueue<u8>>(true));
        assert!(
            failure.message.contains("had room a moment ago"),
            "{engine}: {failure}"
        );
    }
}

#[test]
fn producers_that_take_the_pushs_answer_run_clean_under_every_engine() {
    Check::new()
        .engines(SHUTTLE_ENGINES.into_iter().chain([LOOM]))
        .schedules(SCHEDULES)
        .assert(|| two_producers::<ArrayQueue<u8>>(false));
}

/// Why the mirror exists: crossbeam's own queue keeps its atomics to
/// itself, so no engine ever switches threads between a check and a push,
/// and the race is never run.
#[test]
fn the_same_race_on_crossbeams_own_queue_is_never_interleaved() {
    Check::new()
        .engines(SHUTTLE_ENGINES.into_iter().chain([LOOM]))
        .schedules(SCHEDULES)
        .assert(|| two_producers::<crossbeam_queue::ArrayQueue<u8>>(true));
}

#[test]
fn a_failure_shows_each_call_on_the_shared_queue_as_a_fact() {
    let check = Check::new().engines([Engine::Random]).schedules(SCHEDULES);
    let failure = found(&check, || two_producers::<ArrayQueue<u8>>(true));
    for call in ["ArrayQueue::is_full", "ArrayQueue::push"] {
        let shown = failure.facts.iter().any(|fact| fact.op == Op::Call(call));
        assert!(shown, "{call} is among the facts: {failure}");
    }
}

/// Any structure can be shared: here a counter whose load and store are
/// two calls, which lose an update when two threads interleave them.
#[test]
fn calls_on_any_shared_structure_interleave_and_lose_an_update() {
    let check = Check::new().engines([Engine::Random]).schedules(SCHEDULES);
    let failure = found(&check, || {
        let counter = Arc::new(Shared::new(std::sync::atomic::AtomicU8::new(0)));
        let increments: Vec<_> = (0..2)
            .map(|_| {
                let counter = Arc::clone(&counter);
                thread::spawn(move || {
                    let seen = counter.call("load", |counter| counter.load(Ordering::SeqCst));
                    counter.call("store", |counter| counter.store(seen + 1, Ordering::SeqCst));
                })
            })
            .collect();
        for increment in increments {
            increment.join().expect("the thread ends without a panic");
        }
        let total = counter.call("load", |counter| counter.load(Ordering::SeqCst));
        assert_eq!(total, 2, "an increment was lost");
    });
    assert!(
        failure.message.contains("an increment was lost"),
        "{failure}"
    );
}

#[test]
fn the_mirror_answers_each_call_as_crossbeams_queue_does() {
    Check::new()
        .engines([Engine::Random, LOOM])
        .schedules(10)
        .assert(|| {
            let queue = ArrayQueue::new(2);
            assert_eq!((queue.capacity(), queue.len()), (2, 0));
            assert!(queue.is_empty() && !queue.is_full());
            assert_eq!(
                (queue.push(1), queue.push(2), queue.push(3)),
                (Ok(()), Ok(()), Err(3))
            );
            assert!(queue.is_full() && !queue.is_empty());
            assert_eq!(queue.force_push(4), Some(1));
            assert_eq!(
                (queue.pop(), queue.pop(), queue.pop()),
                (Some(2), Some(4), None)
            );
            assert_eq!(queue.len(), 0);
        });
}
