//! Replays every corpus entry. The current store must pass every entry's
//! run; an entry found against a planted bug should still fail with it, but
//! a store change that keeps behaviour may move its interleaving: that, and
//! a stored schedule or checkpoint that no longer fits the program, is a
//! one-line notice (printed), not a failure. `sim corpus refresh` re-finds.
//! A pinned entry is the exception: its whole systematic search must still
//! break its oracle, so losing it fails.

use std::path::Path;
use std::process::Command;

use scenarios::Oracle;
use sim::corpus::{Entry, load_dir, verify};

fn corpus_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

/// Every file of the corpus directory, with its bytes.
fn corpus_files() -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    std::fs::read_dir(corpus_dir())
        .expect("the corpus directory")
        .map(|item| {
            let path = item.expect("a directory entry").path();
            let bytes = std::fs::read(&path).expect("a readable corpus file");
            (path, bytes)
        })
        .collect()
}

#[test]
fn the_current_store_passes_every_corpus_entry() {
    let before = corpus_files();
    // Through `sim corpus check`, which checks each entry in a child
    // process: replaying a loom failure can abort its process.
    let output = Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(["corpus", "check"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("sim runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .filter(|line| line.starts_with("notice:"))
        .for_each(|notice| eprintln!("{notice}"));
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let entries = load_dir(&corpus_dir()).unwrap_or_else(|error| panic!("{error}"));
    assert!(!entries.is_empty(), "the corpus is empty");
    assert!(
        stdout.contains(&format!("{} entries checked", entries.len())),
        "{stdout}"
    );
    assert!(
        corpus_files() == before,
        "checking the corpus changed a file of it"
    );
}

/// The corpus entry for `bug` found by `driver`.
fn entry_for(bug: &str, driver: &str) -> Entry {
    let entries = load_dir(&corpus_dir()).unwrap_or_else(|error| panic!("{error}"));
    entries
        .into_iter()
        .map(|(_, entry)| entry)
        .find(|entry| {
            entry.planted_bug.as_deref() == Some(bug) && entry.run.split(':').nth(1) == Some(driver)
        })
        .unwrap_or_else(|| panic!("no {driver} entry for {bug} in the corpus"))
}

/// The corpus entry for close-skips-drain found by random, altered, with a
/// directory of its own for its path.
fn altered_entry(alter: impl FnOnce(&mut Entry)) -> (tempfile::TempDir, Entry) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut entry = entry_for("close-skips-drain", "random");
    alter(&mut entry);
    (dir, entry)
}

/// The notices of `entry` with the shuttle schedule `schedule` in place of its own.
fn notices_with_schedule(schedule: String) -> Vec<String> {
    let (dir, entry) = altered_entry(|entry| entry.shuttle_schedule = Some(schedule));
    verify(&dir.path().join("entry.toml"), &entry).expect("a stale accelerator is no failure")
}

#[test]
fn a_schedule_recorded_for_another_program_is_a_one_line_notice_not_a_failure() {
    let other = entry_for("partial-read-returns-zero", "random");
    let notices = notices_with_schedule(other.shuttle_schedule.expect("a shuttle entry"));
    assert!(
        notices
            .iter()
            .any(|notice| notice.contains("stale shuttle schedule")),
        "{notices:?}"
    );
    assert!(
        notices.iter().all(|notice| !notice.contains('\n')),
        "{notices:?}"
    );
}

#[test]
fn a_malformed_schedule_is_a_one_line_notice_not_a_failure() {
    let notices = notices_with_schedule("91021001".to_owned());
    assert!(
        notices
            .iter()
            .any(|notice| notice.contains("not a valid serialised schedule")),
        "{notices:?}"
    );
}

#[test]
fn an_entry_whose_run_no_longer_fails_is_reported_as_having_lost_its_power() {
    let (dir, entry) = altered_entry(|entry| {
        entry.run = "early-close:random:0x0000000000000001".to_owned();
        entry.params = sim::engine::Driver::Random.params_for(scenarios::Scenario::EarlyClose, 1);
        entry.shuttle_schedule = None;
    });
    let notices = verify(&dir.path().join("entry.toml"), &entry).expect("no failure");
    assert!(
        notices
            .iter()
            .any(|notice| notice.contains("lost its power")),
        "{notices:?}"
    );
}

#[test]
fn an_entry_naming_an_unknown_oracle_is_a_failure() {
    let (dir, entry) = altered_entry(|entry| entry.oracle = "no-such-oracle".to_owned());
    assert!(verify(&dir.path().join("entry.toml"), &entry).is_err());
}

#[test]
fn every_oracle_has_a_pinned_entry_whose_loss_fails_the_tests() {
    let entries = load_dir(&corpus_dir()).unwrap_or_else(|error| panic!("{error}"));
    let unpinned: Vec<&str> = Oracle::ALL
        .iter()
        .map(|oracle| oracle.name())
        .filter(|name| {
            !entries
                .iter()
                .any(|(_, entry)| entry.pinned && entry.oracle == *name)
        })
        .collect();
    assert!(unpinned.is_empty(), "no pinned entry for {unpinned:?}");
}

/// The pinned loom entry for release-without-notify, altered, with a
/// directory of its own for its path.
fn altered_pinned_entry(alter: impl FnOnce(&mut Entry)) -> (tempfile::TempDir, Entry) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut entry = entry_for("release-without-notify", "loom2");
    assert!(entry.pinned, "the loom entries are pinned");
    entry.loom_checkpoint = None;
    alter(&mut entry);
    (dir, entry)
}

#[test]
fn a_pinned_entry_whose_search_breaks_another_oracle_is_a_failure() {
    let (dir, entry) = altered_pinned_entry(|entry| entry.oracle = "no-leak".to_owned());
    let error = verify(&dir.path().join("entry.toml"), &entry).expect_err("a lost pin fails");
    assert!(
        error.problem.contains("pinned, and lost") && error.problem.contains("no-deadlock"),
        "{error}"
    );
}

#[test]
fn a_pinned_entry_whose_failure_moved_within_its_search_is_a_notice() {
    let (dir, entry) = altered_pinned_entry(|entry| {
        entry.run = "early-close:loom2:50".to_owned();
    });
    let notices = verify(&dir.path().join("entry.toml"), &entry).expect("a move is no failure");
    assert!(
        notices
            .iter()
            .any(|notice| notice.contains("now breaks no-deadlock at early-close:loom2:51")),
        "{notices:?}"
    );
}

#[test]
fn a_pinned_seeded_entry_outside_its_bugs_home_scenario_is_refused() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let entries = load_dir(&corpus_dir()).unwrap_or_else(|error| panic!("{error}"));
    let (_, mut entry) = entries
        .into_iter()
        .find(|(_, entry)| {
            entry.planted_bug.as_deref() == Some("backoff-ignores-closing")
                && entry.run.starts_with("early-close:random:")
        })
        .expect("an early-close entry of backoff-ignores-closing, whose home is elsewhere");
    entry.pinned = true;
    let error = verify(&dir.path().join("entry.toml"), &entry).expect_err("refused");
    assert!(error.problem.contains("home scenario"), "{error}");
}

#[test]
fn a_pinned_seeded_entry_whose_seed_no_longer_fails_is_found_again_by_its_search() {
    let (dir, entry) = altered_entry(|entry| {
        entry.pinned = true;
        entry.run = "early-close:random:0x0000000000000001".to_owned();
        entry.params = sim::engine::Driver::Random.params_for(scenarios::Scenario::EarlyClose, 1);
        entry.shuttle_schedule = None;
    });
    let notices = verify(&dir.path().join("entry.toml"), &entry).expect("found again");
    assert!(
        notices
            .iter()
            .any(|notice| notice.contains("pinned, and its search")),
        "{notices:?}"
    );
}
