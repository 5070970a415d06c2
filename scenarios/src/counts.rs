//! `in-flight-counts-true` from a platform's [`Facts`], whichever platform
//! gathered them: each store's own counts (its public `in_flight()`, read
//! by `counts_of` without a scheduling point) held against the calls the
//! platform sees in flight.
//!
//! - At a quiescent moment every call in flight is blocked where the store
//!   counts it, so the counts equal what is in flight.
//! - Whenever a thread begins to wait while others run, each count lies
//!   between what must be counted (each thread waiting inside a read or a
//!   close is; each duplicate open is a handle) and what may be.
//! - Counts a call reads (`in_flight()`, a `CloseDeadlineExceeded`) lie
//!   within what was in flight while the call ran (its [`Span`]).

use std::ops::RangeInclusive;

use store::InFlight;

use crate::call::{Call, Outcome};
use crate::facts::{Facts, Key, Span};
use crate::{Oracle, Violation};

/// The verdict at a quiescent moment: the first store whose counts differ
/// from what is in flight. `thread` is the last thread blocked; `everyone`
/// tells what every thread waits on. None while a thread unwinds a failed
/// run, whose calls never returned.
pub fn counts_at_quiescence<K: Key>(
    facts: &Facts<K>,
    counts_of: impl Fn(&'static str) -> Option<InFlight>,
    thread: impl Fn() -> String,
    everyone: impl Fn() -> String,
) -> Option<Violation> {
    if std::thread::panicking() {
        return None;
    }
    facts.counted_stores().into_iter().find_map(|store| {
        let counts = counts_of(store)?;
        let seen = facts.in_flight_now(store);
        // Nobody is between a duplicate's close and its uncounting now.
        let expected = InFlight {
            reads: seen.reads,
            closes: seen.closes,
            handles: seen.duplicates_floor,
        };
        counts_differ(store, counts, expected, thread(), &everyone)
    })
}

/// The verdict as a thread begins to wait, `waiting` being every thread
/// inside a wait (the caller included): the first store whose counts lie
/// outside what must and what may be counted. `thread` names the caller.
/// None while a thread unwinds a failed run.
pub fn counts_while_waiting<K: Key>(
    facts: &Facts<K>,
    waiting: &[K],
    counts_of: impl Fn(&'static str) -> Option<InFlight>,
    thread: impl Fn() -> String,
) -> Option<Violation> {
    if std::thread::panicking() {
        return None;
    }
    facts.counted_stores().into_iter().find_map(|store| {
        let counts = counts_of(store)?;
        let most = facts.in_flight_now(store);
        let waiting_in = |wanted: fn(&Call) -> bool| {
            waiting
                .iter()
                .filter_map(|&key| facts.call_of(key))
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
        counts_outside(store, counts, least..=most, &thread)
    })
}

/// The verdict on the counts a call returned (`in_flight()`'s, or those a
/// `CloseDeadlineExceeded` reports) while `span` was in flight: none above
/// the most in flight meanwhile, handles not below the fewest duplicates
/// open, reads not below the fewest registered readers. None for an
/// outcome that reports no counts.
/// Only where loads cannot be stale: a platform whose memory is weak
/// (loom's) judges nothing here.
pub fn returned_counts_outside_span(
    outcome: &Outcome,
    span: &Span,
    thread: impl FnOnce() -> String,
) -> Option<Violation> {
    let (counts, what) = match *outcome {
        Outcome::Counts(counts) => (counts, "in_flight"),
        // The error counts no closes: what was in flight stands in, so
        // only the error's two counts are judged.
        Outcome::DeadlineExceeded {
            readers_in_flight,
            handles_open,
            ..
        } => {
            let reported = InFlight {
                reads: readers_in_flight as u64,
                closes: span.closes,
                handles: handles_open as u64,
            };
            (reported, "CloseDeadlineExceeded")
        }
        _ => return None,
    };
    counts_outside_span(counts, span, what, thread)
}

/// The verdict on `counts` a call read (`what`: `in_flight`, or the error
/// that reported them) while `span` was in flight: none above the most in
/// flight meanwhile, handles not below the fewest duplicates open, reads
/// not below the fewest registered readers.
fn counts_outside_span(
    counts: InFlight,
    span: &Span,
    what: &str,
    thread: impl FnOnce() -> String,
) -> Option<Violation> {
    let wrong = counts.reads > span.reads
        || counts.closes > span.closes
        || counts.handles > span.handles
        || counts.handles < span.duplicates_floor
        || counts.reads < span.reads_floor;
    wrong.then(|| {
        let what = format!(
            "{what} of store {}: {counts}, while the platform saw between {} and {} read(s), \
             at most {} close(s) and between {} and {} handle(s) in flight",
            span.store,
            span.reads_floor,
            span.reads,
            span.closes,
            span.duplicates_floor,
            span.handles
        );
        Violation::new(
            Oracle::InFlightCountsTrue,
            thread(),
            "count outside what was in flight",
            what,
        )
    })
}

/// The verdict on store `store`'s own `counts` at a quiescent moment,
/// where the platform sees `seen` in flight (reads and closes its threads
/// are inside, handles its duplicates open): a violation of
/// `in-flight-counts-true` unless they are equal. `thread` is the last
/// thread blocked; `everyone` tells what every thread waits on.
fn counts_differ(
    store: &str,
    counts: InFlight,
    seen: InFlight,
    thread: String,
    everyone: impl FnOnce() -> String,
) -> Option<Violation> {
    (counts != seen).then(|| {
        let what = format!(
            "store {store} reports {counts}, but the platform sees {seen}; every thread is blocked: {}",
            everyone()
        );
        Violation::new(
            Oracle::InFlightCountsTrue,
            thread,
            "count differs from the calls in flight",
            what,
        )
    })
}

/// The verdict on `store`'s `counts` while calls run: a violation of
/// `in-flight-counts-true` unless each lies between what must be counted
/// and what may be (`bounds`), as the platform sees them. `thread` names
/// the thread about to wait, for the report.
fn counts_outside(
    store: &str,
    counts: InFlight,
    bounds: RangeInclusive<InFlight>,
    thread: impl FnOnce() -> String,
) -> Option<Violation> {
    let (least, most) = bounds.into_inner();
    let within = (least.reads..=most.reads).contains(&counts.reads)
        && (least.closes..=most.closes).contains(&counts.closes)
        && (least.handles..=most.handles).contains(&counts.handles);
    (!within).then(|| {
        let what = format!(
            "store {store} reports {counts}, outside what the platform sees: between \
             {} and {} read(s), {} and {} close(s), {} and {} handle(s)",
            least.reads, most.reads, least.closes, most.closes, least.handles, most.handles
        );
        Violation::new(
            Oracle::InFlightCountsTrue,
            thread(),
            "count outside what is in flight",
            what,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span() -> Span {
        Span {
            store: "A",
            reads: 2,
            closes: 1,
            handles: 3,
            duplicates_floor: 1,
            reads_floor: 1,
        }
    }

    #[test]
    fn counts_a_call_read_lie_within_what_was_in_flight_while_it_ran() {
        let within = InFlight {
            reads: 1,
            closes: 1,
            handles: 2,
        };
        for edge in [
            within,
            InFlight { reads: 2, ..within },
            InFlight {
                handles: 1,
                ..within
            },
            InFlight {
                handles: 3,
                ..within
            },
        ] {
            assert!(counts_outside_span(edge, &span(), "in_flight", String::new).is_none());
        }
        for outside in [
            InFlight { reads: 0, ..within },
            InFlight { reads: 3, ..within },
            InFlight {
                closes: 2,
                ..within
            },
            InFlight {
                handles: 0,
                ..within
            },
            InFlight {
                handles: 4,
                ..within
            },
        ] {
            let violation = counts_outside_span(outside, &span(), "in_flight", || "t".into())
                .expect("counts outside the span");
            assert_eq!(
                (violation.oracle, violation.kind),
                (
                    Oracle::InFlightCountsTrue,
                    "count outside what was in flight"
                )
            );
        }
    }

    #[test]
    fn counts_at_quiescence_equal_the_calls_in_flight() {
        let facts = Facts::<u8>::default();
        facts.call_begins(
            1,
            Call::Read {
                store: "A",
                offset: 0,
                end: 8,
            },
        );
        facts.counters_of("A", std::sync::Arc::new(|| None));
        let one_read = InFlight {
            reads: 1,
            closes: 0,
            handles: 0,
        };
        let judged = |counts: InFlight| {
            counts_at_quiescence(&facts, |_| Some(counts), String::new, String::new)
        };
        assert!(judged(one_read).is_none());
        assert!(
            judged(InFlight {
                reads: 0,
                ..one_read
            })
            .is_some()
        );
    }

    #[test]
    fn counts_while_waiting_count_at_least_the_waiting_readers() {
        let facts = Facts::<u8>::default();
        for reader in [1, 2] {
            facts.call_begins(
                reader,
                Call::Read {
                    store: "A",
                    offset: 0,
                    end: 8,
                },
            );
        }
        facts.counters_of("A", std::sync::Arc::new(|| None));
        let reads = |reads| InFlight {
            reads,
            closes: 0,
            handles: 0,
        };
        let judged = |counts: InFlight, waiting: &[u8]| {
            counts_while_waiting(&facts, waiting, |_| Some(counts), String::new)
        };
        assert!(judged(reads(1), &[1]).is_none());
        assert!(
            judged(reads(1), &[1, 2]).is_some(),
            "a waiting reader missed"
        );
        assert!(
            judged(reads(3), &[1]).is_some(),
            "more reads than in flight"
        );
    }

    #[test]
    fn counts_must_equal_what_is_in_flight_at_a_quiescent_moment() {
        let seen = InFlight {
            reads: 2,
            closes: 1,
            handles: 0,
        };
        assert!(counts_differ("A", seen, seen, String::new(), String::new).is_none());
        let missed = InFlight { reads: 1, ..seen };
        let violation = counts_differ("A", missed, seen, "closer-A".to_owned(), || "all".into())
            .expect("a read missed");
        assert_eq!(
            (violation.oracle, violation.kind),
            (
                Oracle::InFlightCountsTrue,
                "count differs from the calls in flight"
            )
        );
        assert!(violation.what.contains("store A reports"), "{violation}");
    }

    #[test]
    fn counts_must_lie_between_what_must_and_what_may_be_counted_while_calls_run() {
        let least = InFlight {
            reads: 1,
            closes: 0,
            handles: 1,
        };
        let most = InFlight {
            reads: 3,
            closes: 1,
            handles: 2,
        };
        for inside in [least, most, InFlight { reads: 2, ..least }] {
            assert!(counts_outside("A", inside, least..=most, String::new).is_none());
        }
        for outside in [
            InFlight { reads: 0, ..least },
            InFlight { closes: 2, ..most },
            InFlight {
                handles: 0,
                ..least
            },
        ] {
            let violation = counts_outside("A", outside, least..=most, || "closer-A".into())
                .expect("a count out of bounds");
            assert_eq!(
                (violation.oracle, violation.kind),
                (
                    Oracle::InFlightCountsTrue,
                    "count outside what is in flight"
                )
            );
            assert!(
                violation.what.contains("between 1 and 3 read(s)"),
                "{violation}"
            );
        }
    }
}
