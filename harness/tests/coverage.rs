//! A subject's coverage: a classifier of its own over the run's facts,
//! tallied over a check's runs.

use harness::check::{Check, Engine, Error, Fact, Op, QueueCall, URW_EXECUTIONS_PER_RUN};
use harness::coverage::{Classifier, Reached, Situation};
use harness::shared::ArrayQueue;
use harness::sync::Arc;
use harness::thread;

/// Where a consumer's pop found the queue, and a push that no run of the
/// body below can make fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Met {
    PopTook,
    PopFoundEmpty,
    PushRefused,
}

impl Situation for Met {
    const COUNT: usize = 3;

    fn index(self) -> usize {
        self as usize
    }

    fn all() -> impl Iterator<Item = Met> {
        [Met::PopTook, Met::PopFoundEmpty, Met::PushRefused].into_iter()
    }

    fn name(self) -> String {
        format!("{self:?}")
    }
}

#[derive(Default)]
struct Pops;

impl Classifier for Pops {
    type Situation = Met;

    fn see(&mut self, fact: &Fact, reached: &mut Reached<Met>) {
        let met = match fact.op {
            Op::Queue {
                call: QueueCall::Pop { took },
                ..
            } => Some(if took {
                Met::PopTook
            } else {
                Met::PopFoundEmpty
            }),
            Op::Queue {
                call: QueueCall::Push { accepted: false },
                ..
            } => Some(Met::PushRefused),
            _ => None,
        };
        if let Some(met) = met {
            reached.insert(met);
        }
    }
}

/// A producer pushes one value into a queue of two places while the body
/// pops once: the pop may come first. With `empty_is_a_bug`, finding the
/// queue empty fails the run.
fn pop_races_push(empty_is_a_bug: bool) {
    let queue = Arc::new(ArrayQueue::new(2));
    let producer = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || queue.push(1).expect("there is room"))
    };
    let took = queue.pop().is_some();
    assert!(took || !empty_is_a_bug, "the pop found the queue empty");
    producer.join().expect("the producer ends without a panic");
}

/// Schedules per engine: the pop comes first in about half of random
/// schedules, so 200 miss either order with a chance far below one in a
/// million.
const SCHEDULES: usize = 200;

#[test]
fn a_check_tallies_the_situations_each_run_reached() {
    let check = Check::new()
        .engines([Engine::Random, Engine::Urw])
        .schedules(SCHEDULES);
    let covered = check.coverage::<Pops>(|| pop_races_push(false));
    assert!(covered.outcome.is_ok(), "{:?}", covered.outcome);
    // URW's runs are a trial execution and a walk each.
    let executions = SCHEDULES + URW_EXECUTIONS_PER_RUN * SCHEDULES;
    assert_eq!(covered.executions, executions as u64);
    let (took, empty) = (
        covered.tally.runs(Met::PopTook),
        covered.tally.runs(Met::PopFoundEmpty),
    );
    assert!(took > 0 && empty > 0, "{:?}", covered.tally);
    assert_eq!(took + empty, covered.executions, "each execution pops once");
    assert_eq!(covered.tally.unreached(), [Met::PushRefused]);
}

#[test]
fn a_failing_run_is_not_counted_and_the_failure_is_kept() {
    let check = Check::new().engines([Engine::Random]).schedules(SCHEDULES);
    let covered = check.coverage::<Pops>(|| pop_races_push(true));
    match covered.outcome {
        Err(Error::Found(failure)) => {
            assert_eq!(covered.executions, failure.schedules - 1, "{failure}");
        }
        other => panic!("the empty pop is found: {other:?}"),
    }
    assert_eq!(covered.tally.runs(Met::PopFoundEmpty), 0);
    assert_eq!(covered.tally.runs(Met::PopTook), covered.executions);
}

/// A step of a component, as its test records it.
#[derive(Debug, PartialEq)]
enum Step {
    Began(u32),
}

/// Another type, with the same shape.
#[derive(Debug, PartialEq)]
struct Other(u32);

#[test]
fn a_recorded_value_reads_back_by_its_type_alone() {
    let check = Check::new().engines([Engine::Random]).schedules(1);
    let outcome = check.run(|| {
        harness::check::record(Step::Began(7));
        harness::check::record(Other(7));
        harness::check::record(Step::Began(7));
        harness::check::record(Step::Began(8));
        panic!("the run stops here");
    });
    let Err(Error::Found(failure)) = outcome else {
        panic!("the run fails: {outcome:?}");
    };
    let recorded: Vec<_> = failure
        .facts
        .iter()
        .filter_map(|fact| match &fact.op {
            Op::Recorded(value) => Some(value.clone()),
            _ => None,
        })
        .collect();
    let [first, other, again, later] = &recorded[..] else {
        panic!("four recorded values: {recorded:?}");
    };
    assert_eq!(first.get::<Step>(), Some(&Step::Began(7)));
    assert_eq!(first.get::<Other>(), None);
    assert_eq!(other.get::<Other>(), Some(&Other(7)));
    assert_eq!(first, again);
    assert_ne!(first, other, "equal shapes of two types are two values");
    assert_ne!(first, later);
    assert_eq!(format!("{first:?}"), "Began(7)");
}
