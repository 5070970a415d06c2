//! The store's liveness verdicts at a quiescent moment (every live thread
//! waits, and nothing but time can move the run), whichever platform found
//! the moment and gathered what it knows: the simulator's judges, or the
//! library's `at_quiescence` (`library/liveness.rs`).
//!
//! - `no-needless-wait`: a reader inside `read_at` may wait only while a
//!   byte of its range is missing and the download runs.
//! - `close-does-not-wait-on-timers`: a close waits for calls in flight to
//!   return, never for a store timer (a backoff) to expire.
//!
//! `in-flight-counts-true`'s verdicts are `crate::counts`'.
//!
//! [`stores_at_quiescence`] gives all three from a platform's [`Facts`], its
//! files and its [`StoreMoment`].

use store::InFlight;

use crate::call::Call;
use crate::doubles::CheckedFiles;
use crate::facts::{Facts, Key};
use crate::{Oracle, Violation, counts_at_quiescence};

/// A quiescent moment of a run that drives stores, as its platform found
/// it: the threads that wait, by key, and how a verdict names them.
pub trait StoreMoment<K: Key> {
    /// Every thread that waits, those on time among them, in the order a
    /// verdict looks for the first violation in.
    fn waiting(&self) -> Vec<K>;
    /// Whether `key` waits on time: a timer may end its wait.
    fn on_time(&self, key: K) -> bool;
    /// Whether `key` has not ended.
    fn is_live(&self, key: K) -> bool;
    /// `key`'s name in a verdict.
    fn name(&self, key: K) -> String;
    /// `key` as a verdict names a thread whose timer a close waits on.
    fn timer(&self, key: K) -> String {
        self.name(key)
    }
    /// The name of the thread that blocked last.
    fn last_blocked(&self) -> String;
    /// What every thread waits on, for a verdict's report.
    fn everyone(&self) -> String;
}

/// The first liveness oracle of the store that `moment` breaks, judged
/// from `facts` and what `files` saw written: a reader's needless wait, a
/// close waiting on a store timer, then the counts each store reports
/// (read with `counts_of`) against the calls in flight. Waits inside the
/// file layer are the file layer's, not the store's.
pub fn stores_at_quiescence<K: Key>(
    facts: &Facts<K>,
    files: &CheckedFiles,
    moment: &impl StoreMoment<K>,
    counts_of: impl Fn(&'static str) -> Option<InFlight>,
) -> Option<Violation> {
    let waiting = moment.waiting();
    let everyone = || moment.everyone();
    let in_store = |key: K| !facts.is_in_file_layer(key);
    for &key in waiting.iter().filter(|&&key| in_store(key)) {
        let Some(Call::Read { store, offset, end }) = facts.call_of(key) else {
            continue;
        };
        let seen = facts.store(store);
        let (offset, end) = (offset.min(seen.len), end.min(seen.len));
        let reader = WaitingReader {
            thread: moment.name(key),
            store,
            offset,
            end,
            missing: seen
                .file
                .is_none_or(|file| files.has_unwritten(file, offset, end)),
            running: seen
                .downloader
                .is_none_or(|downloader| moment.is_live(downloader)),
        };
        if let Some(violation) = needless_read_wait(reader, everyone) {
            return Some(violation);
        }
    }
    let closes = |key: K| matches!(facts.call_of(key), Some(Call::Close { .. }));
    for &closer in &waiting {
        let Some(Call::Close { store, .. }) = facts.call_of(closer) else {
            continue;
        };
        let timer = waiting
            .iter()
            .copied()
            .filter(|&key| moment.on_time(key) && in_store(key) && !closes(key))
            .find(|&key| facts.works_for(key, store));
        if let Some(timer) = timer {
            let timer = moment.timer(timer);
            return Some(close_waits_on_a_timer(
                moment.name(closer),
                store,
                &timer,
                everyone,
            ));
        }
    }
    counts_at_quiescence(facts, counts_of, || moment.last_blocked(), everyone)
}

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
