//! The oracle "in-flight counts true" at the runtime's moments: a store's
//! own counts (read through its public `in_flight()`, without a
//! scheduling point) against the calls the platform sees in flight. The
//! checks of counts read by a scenario, and of `CloseDeadlineExceeded`'s
//! fields, are `SimWorld`'s, where those calls return.

use scenarios::{Violation, counts_differ, counts_outside};
use store::InFlight;

use super::{Call, Facts, Quiescence, ThreadKey, peeking};

/// The oracle "in-flight counts true" at a quiescent moment, when every
/// call in flight is blocked where the store counts it: each store's
/// counts must equal what the platform sees in flight, exactly.
pub(super) fn counts_violation(
    facts: &Facts,
    moment: &Quiescence,
    everyone: &dyn Fn() -> String,
) -> Option<Violation> {
    // A thread unwinding a failed execution left its calls without
    // returning: the facts and the counts no longer meet.
    if std::thread::panicking() {
        return None;
    }
    facts.counted_stores().into_iter().find_map(|store| {
        let counts = peeking(|| facts.counters(store))?;
        let seen = facts.in_flight_now(store);
        // Nobody is between a duplicate's close and its uncounting now.
        let expected = InFlight {
            reads: seen.reads,
            closes: seen.closes,
            handles: seen.duplicates_floor,
        };
        let thread = moment
            .blocked
            .last()
            .map_or_else(String::new, |blocked| blocked.thread.thread.clone());
        counts_differ(store, counts, expected, thread, everyone)
    })
}

/// The oracle "in-flight counts true" whenever a thread begins to wait,
/// while other calls run: each store's counts (their latest values) must
/// lie between what must be counted (each thread waiting inside a read or
/// a close is; each duplicate open is a handle) and what may be.
pub(super) fn counts_bound_violation(
    facts: &Facts,
    inside_waits: &[ThreadKey],
    thread_name: fn() -> String,
) -> Option<Violation> {
    facts.counted_stores().into_iter().find_map(|store| {
        let counts = peeking(|| facts.counters(store))?;
        let most = facts.in_flight_now(store);
        let waiting_in = |wanted: fn(&Call) -> bool| {
            inside_waits
                .iter()
                .filter_map(|key| facts.call_of(*key))
                .filter(|call| call.store() == store && wanted(call))
                .count() as u64
        };
        let least = InFlight {
            reads: waiting_in(|call| matches!(call, Call::Read { .. })),
            closes: waiting_in(|call| matches!(call, Call::Close { .. })),
            handles: most.duplicates_floor,
        };
        let most = InFlight {
            reads: most.reads,
            closes: most.closes,
            handles: most.handles,
        };
        counts_outside(store, counts, least..=most, thread_name)
    })
}
