//! Pins what a failure report means, not one interleaving: for a planted
//! bug found by its campaign, the oracle, the role of the thread that broke
//! it and what that thread did, and what each other role did, with numbers
//! and source lines redacted. A store change that keeps behaviour may move
//! every interleaving and leave these snapshots alone; a change in what
//! the trace says, or in the causal story of a bug, shows here. (Bugs with
//! two manifestations, such as a wait loop that ignores closing, which a
//! run shows either as a needless wait or as the wrong error, make no
//! stable snapshot and are not pinned here.)

use std::collections::BTreeSet;

use sim::drivers::Execution;
use sim::fuzz::signature::numbers_out;
use sim::self_test::find;
use store::PlantedBug;

/// A thread's role: its name without the store letter, index or `#N`.
fn role(thread: &str) -> &'static str {
    match thread {
        name if name.starts_with("reader") => "reader",
        name if name.starts_with("tempfilestore-downloader") => "downloader",
        name if name.starts_with("stager") => "stager",
        "closer" => "closer",
        _ => "main",
    }
}

/// What other threads do that can cause a violation of the store's
/// contract: closing (and close returning), releasing, cancelling. Which thread does
/// it (the release falls to whoever leaves last) and the other events (how
/// the bytes arrived, which faults the seed drew) vary with the run the
/// campaign happens to find.
const CAUSAL: [&str; 3] = ["close", "remove", "cancelled"];

/// `what` with store labels told relative to the violator's store: which
/// of two stores a seed sets on which side of a bug is not its meaning.
fn relative_stores(what: &str, own: Option<&str>) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut after_store = false;
    for word in what.split(' ') {
        if after_store && word.len() == 1 {
            words.pop();
            let whose = if Some(word) == own { "its" } else { "another" };
            words.push(format!("{whose} store"));
        } else {
            words.push(word.to_owned());
        }
        after_store = word == "store";
    }
    words.join(" ")
}

/// The store the violator worked on: the first it named.
fn store_of(violator: &str, execution: &Execution) -> Option<String> {
    execution
        .trace
        .iter()
        .filter(|event| event.thread == violator)
        .find_map(|event| {
            let (_, rest) = event.what.split_once(" store ")?;
            rest.split([' ', ':']).next().map(str::to_owned)
        })
}

/// The meaning of a failing execution, as the snapshot pins it.
fn meaning(execution: &Execution) -> String {
    let violation = execution.violation.as_ref().expect("a failure");
    let violator = violation
        .message
        .split("] ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .unwrap_or("?");
    let own = store_of(violator, execution);
    let mut story: Vec<String> = Vec::new();
    let mut meanwhile: BTreeSet<String> = BTreeSet::new();
    for event in &execution.trace {
        let what = relative_stores(&numbers_out(&event.what), own.as_deref());
        if event.thread == violator {
            if story.last() != Some(&what) {
                story.push(what);
            }
        } else if CAUSAL.iter().any(|word| what.contains(word)) {
            meanwhile.insert(what);
        }
    }
    let meanwhile: Vec<String> = meanwhile.into_iter().collect();
    format!(
        "oracle: {}\nbroken by: {}\n  {}\nmeanwhile, other threads:\n  {}\n",
        violation.oracle,
        role(violator),
        story.join("\n  "),
        meanwhile.join("\n  ")
    )
}

fn failure_of(bug: PlantedBug) -> Execution {
    let search = find(bug).expect("an oracle finds it");
    let failure = search.found().expect("the search finds the bug");
    failure.execution.clone()
}

#[test]
fn meaning_of_a_close_that_skips_draining_readers() {
    insta::assert_snapshot!(
        "close_skips_drain",
        meaning(&failure_of(PlantedBug::CloseSkipsDrain))
    );
}

#[test]
fn meaning_of_progress_that_never_wakes_readers() {
    insta::assert_snapshot!(
        "silent_progress",
        meaning(&failure_of(PlantedBug::SilentProgress))
    );
}

#[test]
fn meaning_of_state_shared_between_stores() {
    insta::assert_snapshot!(
        "state_shared_between_stores",
        meaning(&failure_of(PlantedBug::StateSharedBetweenStores))
    );
}

#[test]
fn redaction_keeps_words_and_drops_numbers() {
    assert_eq!(
        numbers_out("read_at [13, 19) on store A begins at store.rs:196:36"),
        "read_at [N, N) on store A begins at store.rs:N:N"
    );
}
