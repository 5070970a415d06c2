//! The store's liveness verdicts at a quiescent moment (every live thread
//! waits, and nothing but time can move the run), whichever platform found
//! the moment and gathered what it knows: the simulator's judges, or the
//! library's `at_quiescence` (`library/liveness.rs`).
//!
//! - `no-needless-wait`: a reader inside `read_at` may wait only while a
//!   byte of its range is missing and the download runs.
//! - `close-does-not-wait-on-timers`: a close waits for calls in flight to
//!   return, never for a store timer (a backoff) to expire.
//! - `in-flight-counts-true`: every call in flight is blocked where the
//!   store counts it, so each store's counts equal what the platform sees;
//!   and, whenever a thread begins to wait while others run, each count
//!   lies between what must be counted and what may be.

use std::ops::RangeInclusive;

use store::InFlight;

use crate::{Oracle, Violation};

/// A reader waiting inside `read_at` at a quiescent moment, as the
/// platform saw it.
#[derive(Clone, Debug)]
pub struct WaitingReader<'a> {
    /// The reader's name.
    pub thread: String,
    /// The store it reads.
    pub store: &'a str,
    /// The first byte of its range, within the object.
    pub offset: u64,
    /// One past the last, within the object.
    pub end: u64,
    /// Whether a byte of the range is not written yet.
    pub missing: bool,
    /// Whether the store's download has not ended.
    pub running: bool,
}

/// The verdict on `reader`: a violation of `no-needless-wait` unless a
/// byte of its range is missing while the download runs. `everyone` tells
/// what every thread waits on, for the report.
pub fn needless_read_wait(
    reader: WaitingReader<'_>,
    everyone: impl FnOnce() -> String,
) -> Option<Violation> {
    if reader.missing && reader.running {
        return None;
    }
    let (kind, why) = if reader.missing {
        (
            "reader waits for a download that ended",
            "the download has ended",
        )
    } else {
        (
            "reader waits for bytes that arrived",
            "every byte of it was written",
        )
    };
    let WaitingReader {
        thread,
        store,
        offset,
        end,
        ..
    } = reader;
    let what = format!(
        "waits in read_at [{offset}, {end}) of store {store}, but {why}; every thread is blocked: {}",
        everyone()
    );
    Some(Violation::new(Oracle::NoNeedlessWait, thread, kind, what))
}

/// The violation of `close-does-not-wait-on-timers` by `closer`, whose
/// close of `store` cannot finish until `timer`, a thread of the store in
/// a timed wait, sees its timer expire.
pub fn close_waits_on_a_timer(
    closer: String,
    store: &str,
    timer: &str,
    everyone: impl FnOnce() -> String,
) -> Violation {
    let what = format!(
        "close of store {store} cannot finish until a store timer expires: {timer}; \
         every thread is blocked: {}",
        everyone()
    );
    Violation::new(
        Oracle::CloseDoesNotWaitOnTimers,
        closer,
        "close waits for a store timer",
        what,
    )
}

/// The verdict on store `store`'s own `counts` at a quiescent moment,
/// where the platform sees `seen` in flight (reads and closes its threads
/// are inside, handles its duplicates open): a violation of
/// `in-flight-counts-true` unless they are equal. `thread` is the last
/// thread blocked; `everyone` tells what every thread waits on.
pub fn counts_differ(
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
pub fn counts_outside(
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

    fn reader(missing: bool, running: bool) -> WaitingReader<'static> {
        WaitingReader {
            thread: "reader-A0".to_owned(),
            store: "A",
            offset: 3,
            end: 9,
            missing,
            running,
        }
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

    #[test]
    fn a_reader_may_wait_only_for_missing_bytes_of_a_running_download() {
        assert!(needless_read_wait(reader(true, true), String::new).is_none());
        for (missing, running, kind) in [
            (true, false, "reader waits for a download that ended"),
            (false, true, "reader waits for bytes that arrived"),
            (false, false, "reader waits for bytes that arrived"),
        ] {
            let violation = needless_read_wait(reader(missing, running), || "all".to_owned())
                .expect("a needless wait");
            assert_eq!(
                (violation.oracle, violation.kind),
                (Oracle::NoNeedlessWait, kind)
            );
            assert!(violation.what.contains("[3, 9) of store A"), "{violation}");
        }
    }
}
