//! What a run did, as typed values: each operation of the facade, by which
//! thread, from which line of the code under test. A failure shows the
//! last [`FACTS_KEPT`] of them.

use std::any::Any;
use std::collections::VecDeque;
use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::causality::CellAccess;
use super::turns::Turns;

/// How many facts a run keeps, the most recent: enough to see the
/// interleaving that broke, bounded so a long run costs no more memory.
pub const FACTS_KEPT: usize = 256;

/// A thread of one run: 0 is the body's own thread, the others are
/// numbered as they first act, which is the same in every replay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ThreadKey(pub usize);

impl ThreadKey {
    /// The body's own thread.
    pub const BODY: ThreadKey = ThreadKey(0);
}

/// One operation of one thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fact {
    /// Who.
    pub thread: ThreadKey,
    /// What.
    pub op: Op,
    /// The line of the code under test that called the facade.
    pub at: &'static Location<'static>,
}

/// An operation of the facade.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op {
    /// `Mutex::lock` or `try_lock` is called.
    Lock,
    /// `RwLock::read` or `try_read` is called.
    ReadLock,
    /// `RwLock::write` or `try_write` is called.
    WriteLock,
    /// `RwLockWriteGuard::downgrade`: the write hold becomes a read hold.
    Downgrade,
    /// An untimed `Condvar::wait` begins.
    Wait,
    /// An untimed wait or park returned without a notification or an
    /// unpark, as real ones may.
    WakesSpuriously,
    /// A timed wait (`wait_timeout`, `park_timeout`, `recv_timeout`) begins.
    TimedWait(Duration),
    /// A timed wait ended: notified, fired (virtual time moved to its end)
    /// or woke early.
    TimedWaitEnds(TimedEnd),
    /// `notify_one`.
    NotifyOne,
    /// `notify_all`.
    NotifyAll,
    /// An atomic access.
    Atomic(AtomicAccess, Ordering),
    /// `fence`.
    Fence(Ordering),
    /// An `UnsafeCell`'s `with` (a read) or `with_mut` (a write): no
    /// scheduling point, but the access loom checks.
    Cell(CellAccess),
    /// `thread::spawn` (or a `Builder`'s, or a scope's): `child` is the
    /// new thread.
    Spawn {
        /// The thread it spawned.
        child: ThreadKey,
    },
    /// `JoinHandle::join`.
    Join,
    /// `thread::park`.
    Park,
    /// `Thread::unpark`.
    Unpark,
    /// `thread::sleep`: virtual time moves by this much.
    Sleep(Duration),
    /// `thread::yield_now`, or `hint::spin_loop`.
    YieldNow,
    /// `JoinHandle::is_finished` (or a scoped one's): a poll, which lets
    /// others run as a yield does.
    IsFinished,
    /// A channel send.
    Send,
    /// A channel receive (`recv`, `try_recv`, `recv_timeout`) is called.
    Recv,
    /// A channel's sender is dropped. A drop has no caller's line: its
    /// facts are at the line that made the sender (`channel`,
    /// `sync_channel`, `clone`).
    SenderDrops,
    /// A channel's receiver is dropped; its facts are at the line of the
    /// `channel` or `sync_channel` that made it.
    ReceiverDrops,
    /// A call on a structure of another crate (`Shared::call`),
    /// by name: `"DashMap::insert"`.
    Call(&'static str),
    /// A call on the facade's `ArrayQueue`, with the values it held just
    /// after the call and its places in all: what a subject's coverage
    /// classifies a call of its own by (the queue empty, partly full, full).
    Queue {
        /// Which call, and what it answered.
        call: QueueCall,
        /// Values queued just after it.
        len: usize,
        /// Places in all.
        capacity: usize,
    },
    /// A spawned thread's closure returned: the thread ends.
    ThreadEnds,
    /// A step the body noted itself (`check::note`): a call of the
    /// component beginning, a phase reached.
    Note(&'static str),
    /// A value of the code under test's own, recorded by the body
    /// (`check::record`): a typed step that a subject's classifier reads
    /// back by its type.
    Recorded(Recorded),
}

impl Op {
    /// Whether the thread doing it may block there, or lets others run
    /// for good: taking a lock, an untimed wait, joining, parking,
    /// yielding, a channel's send or receive, its end. A timer lingering
    /// for the thread ends there (`timers`). A timed wait or a sleep does
    /// not count: the timer it arms replaces the lingering one, with no
    /// gap between them.
    pub(crate) fn may_block(&self) -> bool {
        match self {
            Op::Lock
            | Op::ReadLock
            | Op::WriteLock
            | Op::Wait
            | Op::Join
            | Op::Park
            | Op::YieldNow
            | Op::IsFinished
            | Op::Send
            | Op::Recv
            | Op::ThreadEnds => true,
            Op::TimedWait(_)
            | Op::Sleep(_)
            | Op::WakesSpuriously
            | Op::Downgrade
            | Op::TimedWaitEnds(_)
            | Op::NotifyOne
            | Op::NotifyAll
            | Op::Atomic(..)
            | Op::Fence(_)
            | Op::Cell(_)
            | Op::Spawn { .. }
            | Op::Unpark
            | Op::SenderDrops
            | Op::ReceiverDrops
            | Op::Call(_)
            | Op::Queue { .. }
            | Op::Note(_)
            | Op::Recorded(_) => false,
        }
    }
}

/// A value the code under test recorded among the run's facts
/// (`check::record`), kept whole and read back by
/// its type: facts are values, and a classifier never parses text.
#[derive(Clone)]
pub struct Recorded(Arc<dyn RecordedValue>);

impl Recorded {
    /// `value`, as a fact.
    pub(crate) fn new<T: Any + fmt::Debug + PartialEq + Send + Sync>(value: T) -> Recorded {
        Recorded(Arc::new(value))
    }

    /// The value, if it is a `T`.
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref()
    }
}

impl fmt::Debug for Recorded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl PartialEq for Recorded {
    /// Values of one type that are equal; never values of two types.
    fn eq(&self, other: &Recorded) -> bool {
        self.0.equals(other.0.as_any())
    }
}

impl Eq for Recorded {}

/// A recorded value: printable, comparable, and downcast back to its type.
trait RecordedValue: fmt::Debug + Send + Sync {
    fn as_any(&self) -> &dyn Any;

    /// Whether `other` is a value of this type, equal to this one.
    fn equals(&self, other: &dyn Any) -> bool;
}

impl<T: Any + fmt::Debug + PartialEq + Send + Sync> RecordedValue for T {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn equals(&self, other: &dyn Any) -> bool {
        other.downcast_ref::<T>() == Some(self)
    }
}

/// A call on the facade's `ArrayQueue`, and what it answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueCall {
    /// `push`: whether the value went in.
    Push {
        /// It found a place.
        accepted: bool,
    },
    /// `force_push`: whether it pushed out the oldest value.
    ForcePush {
        /// The queue was full.
        displaced: bool,
    },
    /// `pop`: whether it took a value.
    Pop {
        /// The queue held one.
        took: bool,
    },
    /// `len`.
    Len,
    /// `is_empty`.
    IsEmpty,
    /// `is_full`.
    IsFull,
}

/// How a timed wait ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimedEnd {
    /// A notification (for a park, an unpark) reached it first.
    Notified,
    /// The timeout fired; the virtual clock is at its end.
    Fired,
    /// It returned early with nothing to show, as real ones may.
    WokeEarly,
}

/// The kind of an atomic access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)] // each is the std method of the same name
pub enum AtomicAccess {
    Load,
    Store,
    Swap,
    CompareExchange,
    CompareExchangeWeak,
    FetchAdd,
    FetchSub,
    FetchAnd,
    FetchNand,
    FetchOr,
    FetchXor,
    FetchMax,
    FetchMin,
}

impl Fact {
    /// The fact for people, its thread's `name` beside its number.
    pub fn named<'a>(&'a self, name: Option<&'a str>) -> impl fmt::Display + 'a {
        NamedFact { fact: self, name }
    }
}

/// A fact with its thread's name, if it has one, as people read it.
struct NamedFact<'a> {
    fact: &'a Fact,
    name: Option<&'a str>,
}

impl fmt::Display for NamedFact<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Fact { thread, op, at } = self.fact;
        write!(f, "thread {}", thread.0)?;
        if let Some(name) = self.name {
            write!(f, " ({name})")?;
        }
        write!(f, " {op:?} at {}:{}", at.file(), at.line())
    }
}

impl fmt::Display for Fact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.named(None).fmt(f)
    }
}

/// Sees every fact of a run as it is recorded: a subject's coverage.
pub(crate) type Observer = Box<dyn FnMut(&Fact) + Send>;

/// A run's facts: the last [`FACTS_KEPT`] and each thread's latest; and
/// who else sees each one.
pub(crate) struct Facts {
    kept: VecDeque<Fact>,
    dropped: u64,
    /// Each thread's latest fact, by key: a thread that waits for long
    /// has its wait here after it has left `kept`.
    latest: Vec<Option<Fact>>,
    observer: Option<Observer>,
    /// When each thread last had its turn, on the virtual clock: kept
    /// with the facts, whose lock each act takes anyway.
    pub(crate) turns: Turns,
}

impl Default for Facts {
    /// With room for every fact kept from the start: grown from empty,
    /// the queue was reallocated eight times in every run.
    fn default() -> Facts {
        Facts {
            kept: VecDeque::with_capacity(FACTS_KEPT),
            dropped: 0,
            latest: Vec::new(),
            observer: None,
            turns: Turns::default(),
        }
    }
}

impl Facts {
    pub(crate) fn push(&mut self, fact: Fact) {
        if let Some(observer) = &mut self.observer {
            observer(&fact);
        }
        if self.kept.len() == FACTS_KEPT {
            self.kept.pop_front();
            self.dropped += 1;
        }
        let thread = fact.thread.0;
        if self.latest.len() <= thread {
            self.latest.resize(thread + 1, None);
        }
        self.latest[thread] = Some(fact.clone());
        self.kept.push_back(fact);
    }

    /// `thread` has returned, though no fact says so (the body's own
    /// thread, which no line of the code under test spawned): it is no
    /// longer among the live threads.
    pub(crate) fn returned(&mut self, thread: ThreadKey) {
        if let Some(latest) = self.latest.get_mut(thread.0) {
            *latest = None;
        }
    }

    /// From now on `observer` sees each fact pushed, in order.
    pub(crate) fn observe(&mut self, observer: Observer) {
        self.observer = Some(observer);
    }

    pub(crate) fn kept(&self) -> (Vec<Fact>, u64) {
        (self.kept.iter().cloned().collect(), self.dropped)
    }

    /// Every fact recorded, kept or not.
    pub(crate) fn recorded(&self) -> u64 {
        self.dropped + self.kept.len() as u64
    }

    /// The latest fact of each thread that has not ended, in thread
    /// order.
    pub(crate) fn last_of_each_live_thread(&self) -> Vec<Fact> {
        self.latest
            .iter()
            .flatten()
            .filter(|fact| fact.op != Op::ThreadEnds)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(thread: usize) -> Fact {
        Fact {
            thread: ThreadKey(thread),
            op: Op::YieldNow,
            at: Location::caller(),
        }
    }

    #[test]
    fn a_run_keeps_its_most_recent_facts_and_counts_the_rest() {
        let mut facts = Facts::default();
        for thread in 0..FACTS_KEPT + 3 {
            facts.push(fact(thread));
        }
        let (kept, dropped) = facts.kept();
        assert_eq!(dropped, 3);
        assert_eq!(kept.len(), FACTS_KEPT);
        assert_eq!(kept[0].thread, ThreadKey(3));
    }

    #[test]
    fn an_observer_sees_every_fact_even_past_those_kept() {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(0_usize));
        let counter = std::sync::Arc::clone(&seen);
        let mut facts = Facts::default();
        facts.observe(Box::new(move |_| {
            *counter.lock().expect("unpoisoned") += 1;
        }));
        for thread in 0..FACTS_KEPT + 3 {
            facts.push(fact(thread));
        }
        assert_eq!(*seen.lock().expect("unpoisoned"), FACTS_KEPT + 3);
    }

    #[test]
    fn each_live_threads_latest_fact_outlasts_those_kept_and_an_ended_thread_has_none() {
        let mut facts = Facts::default();
        let waits = Fact {
            op: Op::Join,
            ..fact(0)
        };
        facts.push(waits.clone());
        facts.push(Fact {
            op: Op::ThreadEnds,
            ..fact(2)
        });
        for _ in 0..FACTS_KEPT {
            facts.push(fact(1));
        }
        assert_eq!(facts.last_of_each_live_thread(), [waits, fact(1)]);
    }
}
