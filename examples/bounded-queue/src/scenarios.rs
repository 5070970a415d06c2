// The queue's scenarios, shared by its tests and its `queue-sim` binary
// (each includes this file): every body makes the queue, runs its threads
// with the harness's `thread`, and asserts what must hold.

use bounded_queue::{BoundedQueue, Planted};
use harness::Scenario;
use harness::check::{Fact, Op, TimedEnd};
use harness::coverage::{Classifier, Reached, Situation};
use harness::sync::Arc;
use harness::thread;
use harness::time::Duration;

/// Every scenario, correct and with each planted bug.
pub const SCENARIOS: &[Scenario] = &[
    Scenario::new(
        "exchange",
        "two producers, one consumer: every item arrives once",
        || exchange(None),
    ),
    Scenario::new(
        "close-wakes-consumers",
        "close wakes every waiting consumer",
        || close_wakes_consumers(None),
    ),
    Scenario::new(
        "close-wakes-consumers-lost-wakeup",
        "the same, close waking one",
        || close_wakes_consumers(Some(Planted::LostWakeup)),
    ),
    Scenario::new(
        "timed-pop",
        "a pop that may time out leaves the queue exact",
        || timed_pop(None),
    ),
    Scenario::new(
        "timed-pop-leaks-count",
        "the same, a timed-out pop leaking its count",
        || timed_pop(Some(Planted::TimeoutLeaksCount)),
    ),
];

/// Two producers push three items through a queue of one; the consumer
/// gets each exactly once, then `None` after close.
pub fn exchange(planted: Option<Planted>) {
    let queue = Arc::new(BoundedQueue::planted(1, planted));
    let producer = |items: &'static [u32]| {
        let queue = Arc::clone(&queue);
        thread::spawn(move || {
            items
                .iter()
                .for_each(|&item| queue.push(item).expect("open"))
        })
    };
    let (a, b) = (producer(&[1, 2]), producer(&[3]));
    let mut received: Vec<u32> = (0..3).filter_map(|_| queue.pop()).collect();
    a.join().expect("producer a");
    b.join().expect("producer b");
    queue.close();
    assert_eq!(queue.pop(), None);
    received.sort_unstable();
    assert_eq!(received, [1, 2, 3]);
}

/// Two consumers wait on an empty queue; a close must end both waits.
pub fn close_wakes_consumers(planted: Option<Planted>) {
    let queue = Arc::new(BoundedQueue::<u32>::planted(1, planted));
    let consumer = || {
        let queue = Arc::clone(&queue);
        thread::spawn(move || queue.pop())
    };
    let (a, b) = (consumer(), consumer());
    queue.close();
    assert_eq!(a.join().expect("consumer a"), None);
    assert_eq!(b.join().expect("consumer b"), None);
}

/// A consumer pops with a timeout while a producer pushes one item: it
/// gets the item or times out and then gets it; the queue's own check on
/// drop finds no consumer still counted as waiting.
pub fn timed_pop(planted: Option<Planted>) {
    let queue = Arc::new(BoundedQueue::planted(1, planted));
    let producer = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || queue.push(7).expect("open"))
    };
    let item = match queue.pop_timeout(Duration::from_millis(10)) {
        Ok(item) => item,
        Err(_timed_out) => queue.pop(),
    };
    assert_eq!(item, Some(7));
    producer.join().expect("producer");
}

/// How the queue's waits ended in a run: the situations its scenarios
/// must reach for its timeouts and wake-ups to be tested at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// An untimed wait began (a full push, an empty pop).
    Untimed,
    /// A timed pop was notified before its timeout.
    NotifiedInTime,
    /// A timed pop's timeout fired.
    TimedOut,
    /// A wait returned with no notification, as real ones may.
    WokeSpuriously,
}

impl Situation for Wait {
    const COUNT: usize = 4;

    fn index(self) -> usize {
        self as usize
    }

    fn all() -> impl Iterator<Item = Wait> {
        [
            Wait::Untimed,
            Wait::NotifiedInTime,
            Wait::TimedOut,
            Wait::WokeSpuriously,
        ]
        .into_iter()
    }

    fn name(self) -> String {
        format!("{self:?}")
    }
}

/// The queue's coverage: each wait's fact, as it is recorded.
#[derive(Default)]
pub struct Waits;

impl Classifier for Waits {
    type Situation = Wait;

    fn see(&mut self, fact: &Fact, reached: &mut Reached<Wait>) {
        let wait = match fact.op {
            Op::Wait => Wait::Untimed,
            Op::TimedWaitEnds(TimedEnd::Notified) => Wait::NotifiedInTime,
            Op::TimedWaitEnds(TimedEnd::Fired) => Wait::TimedOut,
            Op::WakesSpuriously | Op::TimedWaitEnds(TimedEnd::WokeEarly) => Wait::WokeSpuriously,
            _ => return,
        };
        reached.insert(wait);
    }
}
