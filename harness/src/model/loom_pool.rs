//! The loom atomics of an execution, made as it begins.
//!
//! The facade's atomics have a `const fn new`, as std's do, so that they can
//! be statics: each makes its engine's atomic at its first use in a run
//! ([`PerRun`](super::per_run::PerRun)). loom, though, counts an atomic's
//! making as a write that every later access must happen after, and a
//! first use is often not that: a child thread's first use is not ordered
//! before its parent's, nor one thread's first use of a static before
//! another's. The program made the atomic before both (a static, before any
//! thread), so making it at first use would be a false "causality
//! violation".
//!
//! So a loom execution makes, as it begins on its first thread, the atomics
//! its search's [`Plan`] says an execution uses (by type and initial
//! value), and a first use takes one of them. An atomic made then comes
//! before every thread's first use, as the program's did. A first use
//! that finds none left (the plan is learned as the search goes) makes one
//! on the spot and says so: a search that fails in such an execution
//! starts over with the larger plan ([`Pool::fell_short`]), so a failure
//! is never the pool's.

use std::any::{Any, TypeId};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// A loom atomic of some type, made for the pool.
pub(crate) type Stocked = Box<dyn Any + Send + Sync>;

/// Makes a loom atomic of one type holding the value `bits` stand for.
pub(crate) type Make = fn(u64) -> Stocked;

/// The atomics of one type and initial value.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Kind {
    of: TypeId,
    bits: u64,
}

/// How many of one kind each execution makes, and how.
#[derive(Clone, Copy)]
struct Order {
    count: usize,
    make: Make,
}

/// The atomics each execution of one loom search makes as it begins,
/// learned from the executions before; shared by them all.
#[derive(Clone, Default)]
pub(crate) struct Plan(Arc<Mutex<BTreeMap<Kind, Order>>>);

impl Plan {
    fn orders(&self) -> std::sync::MutexGuard<'_, BTreeMap<Kind, Order>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The atomics one loom execution made as it began, not yet taken.
#[derive(Default)]
pub(crate) struct Pool {
    plan: Plan,
    stock: Mutex<BTreeMap<Kind, Vec<Stocked>>>,
    /// Taken so far, by kind: what the plan needs, if it fell short.
    taken: Mutex<BTreeMap<Kind, usize>>,
    fell_short: AtomicBool,
}

impl Pool {
    /// Makes every atomic `plan` orders, now: on the execution's first
    /// thread, before the body runs.
    pub(crate) fn stocked(plan: &Plan) -> Pool {
        let stock = plan
            .orders()
            .iter()
            .map(|(kind, order)| {
                let atomics = (0..order.count).map(|_| (order.make)(kind.bits)).collect();
                (*kind, atomics)
            })
            .collect();
        Pool {
            plan: plan.clone(),
            stock: Mutex::new(stock),
            taken: Mutex::default(),
            fell_short: AtomicBool::new(false),
        }
    }

    /// An atomic of type `A` holding what `bits` stand for, that `make`
    /// makes: one made as the execution began, or, if none is left, one
    /// made now, which the plan then orders more of.
    pub(crate) fn take<A: Any>(&self, bits: u64, make: Make) -> A {
        let kind = Kind {
            of: TypeId::of::<A>(),
            bits,
        };
        let taken = {
            let mut taken = self.taken.lock().unwrap_or_else(PoisonError::into_inner);
            let count = taken.entry(kind).or_insert(0);
            *count += 1;
            *count
        };
        let stocked = self
            .stock
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_mut(&kind)
            .and_then(Vec::pop);
        let atomic = stocked.unwrap_or_else(|| {
            self.fell_short.store(true, Ordering::Relaxed);
            let mut orders = self.plan.orders();
            let order = orders.entry(kind).or_insert(Order { count: 0, make });
            order.count = order.count.saturating_mul(2).max(taken);
            make(bits)
        });
        *atomic
            .downcast::<A>()
            .unwrap_or_else(|_| unreachable!("a kind's atomics are all of its type"))
    }

    /// Whether a first use found no atomic made for it, so made one late:
    /// a failure of this execution may be a false one.
    pub(crate) fn fell_short(&self) -> bool {
        self.fell_short.load(Ordering::Relaxed)
    }
}
