//! What a blocked thread waits for, in words, from the platform's facts:
//! the wait-for lines of deadlock and liveness reports.

use std::collections::BTreeMap;

use super::{Blocked, BlockedThread, Call, CheckedFiles, Facts, ThreadKey, peeking};

/// One line per blocked thread: where it is blocked and what it waits for.
pub(super) fn wait_for_lines(
    facts: &Facts,
    files: &CheckedFiles,
    blocked: &[Blocked],
) -> Vec<String> {
    let by_key: BTreeMap<ThreadKey, BlockedThread> = blocked
        .iter()
        .map(|blocked| (blocked.key, blocked.thread.clone()))
        .collect();
    blocked
        .iter()
        .map(
            |blocked| match wait_for(facts, files, blocked.key, &by_key) {
                Some(wait_for) => format!("{}: {wait_for}", blocked.thread),
                None => blocked.thread.to_string(),
            },
        )
        .collect()
}

/// What thread `key` waits for, from the platform's facts: its call and
/// range, the bytes written against the end it needs, the downloader's
/// state, the duplicates still open, and its store's own counts. `None`
/// for a thread in no store call.
pub(super) fn wait_for(
    facts: &Facts,
    files: &CheckedFiles,
    key: ThreadKey,
    blocked: &BTreeMap<ThreadKey, BlockedThread>,
) -> Option<String> {
    let call = facts.call_of(key)?;
    let store = call.store();
    let store_facts = facts.store(store);
    let written = store_facts
        .file
        .map_or(0, |file| files.written_prefix(file));
    let downloader = match store_facts.downloader {
        None => "has opened no stream".to_owned(),
        Some(downloader) => match blocked.get(&downloader) {
            Some(thread) => format!("is blocked ({thread})"),
            None => "has finished".to_owned(),
        },
    };
    let operation = match call {
        Call::Read { end, .. } => {
            let needs = end.min(store_facts.len);
            format!("in {}, needs bytes up to {needs}", call.inside())
        }
        _ => format!("in {}", call.inside()),
    };
    let counts = peeking(|| facts.counters(store))
        .map_or_else(|| "gone".to_owned(), |counts| counts.to_string());
    Some(format!(
        "{operation}; {written} of {} bytes written; downloader {downloader}; \
         {} duplicate(s) open; store counts {counts}",
        store_facts.len, store_facts.duplicates_open
    ))
}
