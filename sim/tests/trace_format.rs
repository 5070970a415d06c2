//! Pins what a failure report means, not one interleaving: for a planted
//! bug found by its search, the oracle, the role of the thread that broke
//! it, the kind of breach, the calls that thread made and the operation
//! that broke, and what other threads did before it broke that the
//! oracle's story needs (a close begun, the touched file's release), read
//! from the typed events, without numbers. A store change that keeps behaviour may
//! move every interleaving and leave these snapshots alone; a change in the
//! causal story of a bug shows here. (Bugs with
//! two manifestations, such as a wait loop that ignores closing, which a
//! run shows either as a needless wait or as the wrong error, make no
//! stable snapshot and are not pinned here.)

use std::collections::BTreeSet;

use scenarios::{Call, PlantedBug};
use sim::engine::Execution;
use sim::engine::role;
use sim::platform::{FileOp, FileResult, Outcome, What};
use sim::self_test::find;

/// A store named relative to the violator's: which of two stores a seed
/// sets on which side of a bug is not its meaning.
fn whose(store: &str, own: Option<&str>) -> &'static str {
    if Some(store) == own {
        "its store"
    } else {
        "another store"
    }
}

/// An outcome by kind, without its numbers.
fn outcome_kind(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Read(_) => "bytes",
        Outcome::Done => "Ok",
        Outcome::Dropped => "()",
        Outcome::Counts(_) => "counts",
        Outcome::ClosedError => "Closed",
        Outcome::DeadlineExceeded { .. } => "CloseDeadlineExceeded",
        Outcome::DownloadFailed { .. } => "download failed",
        Outcome::FileFailed { .. } => "file failed",
        Outcome::SpawnFailed => "spawn failed",
        Outcome::HandleReleased => "HandleReleased",
        Outcome::HandleOpened => "a handle",
    }
}

/// A call of the violator, or what broke, in words without numbers; `None`
/// for what the interleaving decides (waits, incidental file operations).
fn violator_step(what: &What, own: Option<&str>) -> Option<String> {
    Some(match what {
        What::CallBegins(Call::Read { store, .. }) => {
            format!("read_at on {} begins", whose(store, own))
        }
        What::CallReturns {
            call: Call::Read { store, .. },
            outcome,
        } => format!(
            "read_at on {} returns {}",
            whose(store, own),
            outcome_kind(outcome)
        ),
        What::CallBegins(Call::Close { store, .. }) => {
            format!("close of {} begins", whose(store, own))
        }
        What::CallReturns {
            call: Call::Close { store, .. },
            outcome,
        } => format!(
            "close of {} returns {}",
            whose(store, own),
            outcome_kind(outcome)
        ),
        What::File {
            op,
            result: FileResult::Violation,
            ..
        } => format!("{}: VIOLATION", file_op(op)),
        _ => return None,
    })
}

/// What another thread did before the violation that the oracle's story
/// needs: a close that began (of the violator's store or another), and the
/// release of the file the violation touched. Whether a close had returned,
/// which thread released, whether the file was removed yet and when the
/// transport was cancelled are accidents of the interleaving the search
/// happened to find, and so are the other events (how the bytes arrived,
/// which faults the seed drew).
fn causal_step(what: &What, own: Option<&str>, touched: Option<usize>) -> Option<String> {
    Some(match what {
        What::CallBegins(Call::Close { store, .. }) => {
            format!("close of {} begins", whose(store, own))
        }
        What::File {
            file,
            op: op @ FileOp::Close,
            ..
        } if Some(*file) == touched => format!("the file it touched: {}", file_op(op)),
        _ => return None,
    })
}

fn file_op(op: &FileOp) -> &'static str {
    match op {
        FileOp::Write { .. } => "write_all_at",
        FileOp::Read { .. } => "read_exact_at",
        FileOp::Close => "close",
        FileOp::Remove => "remove",
        FileOp::Duplicate { .. } => "duplicate",
        FileOp::ReadThrough { .. } => "read_exact_at through a duplicate",
        FileOp::CloseDuplicate { .. } => "close of a duplicate",
    }
}

/// The store the violator worked on: the first it called.
fn store_of(violator: &str, execution: &Execution) -> Option<&'static str> {
    execution
        .trace
        .iter()
        .filter(|event| &*event.thread == violator)
        .find_map(|event| match event.what {
            What::CallBegins(Call::Read { store, .. } | Call::Close { store, .. }) => Some(store),
            _ => None,
        })
}

/// The file the violator's breaking file operation touched, if one did.
fn file_touched(violator: &str, execution: &Execution) -> Option<usize> {
    execution.trace.iter().find_map(|event| match event.what {
        What::File {
            file,
            result: FileResult::Violation,
            ..
        } if &*event.thread == violator => Some(file),
        _ => None,
    })
}

/// The meaning of a failing execution, as the snapshot pins it: the
/// violator's own calls, and what other threads did before it broke.
fn meaning(execution: &Execution) -> String {
    let violation = execution.violation.as_ref().expect("a failure");
    let violator = violation.thread.as_str();
    let own = store_of(violator, execution);
    let touched = file_touched(violator, execution);
    // The violator stops at the violation: its last event is where it broke.
    let broke_at = execution
        .trace
        .iter()
        .rposition(|event| &*event.thread == violator)
        .expect("the violator did something");
    let mut story: Vec<String> = Vec::new();
    let mut before: BTreeSet<String> = BTreeSet::new();
    for (at, event) in execution.trace.iter().enumerate() {
        if &*event.thread == violator {
            story.extend(violator_step(&event.what, own));
        } else if at < broke_at {
            before.extend(causal_step(&event.what, own, touched));
        }
    }
    let before: Vec<String> = before.into_iter().collect();
    format!(
        "oracle: {}\nbroken by: {} ({})\n  {}\nbefore it broke, other threads:\n  {}\n",
        violation.breach,
        role(violator),
        violation.kind,
        story.join("\n  "),
        before.join("\n  ")
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
fn stores_are_named_relative_to_the_violators() {
    assert_eq!(whose("A", Some("A")), "its store");
    assert_eq!(whose("B", Some("A")), "another store");
}
