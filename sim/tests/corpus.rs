//! Replays every corpus entry. The current store must pass every entry's
//! run; an entry found against a planted bug should still fail with it, but
//! a store change that keeps behaviour may move its interleaving: that, and
//! a stored schedule or checkpoint that no longer fits the program, is a
//! one-line notice (printed), not a failure. `sim corpus refresh` re-finds.
//! A pinned entry is the exception: its whole systematic search must still
//! break its oracle, so losing it fails.

use std::path::Path;
use std::process::Command;

#[path = "support/found.rs"]
mod found;

use std::sync::OnceLock;

use found::{LOOM, PCT3, found_by, passing_seed};
use scenarios::{Oracle, PlantedBug};
use sim::corpus::{Entry, load_dir, verify};
use sim::engine::Driver;

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
    // The command prints its report and nothing else.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.is_empty(),
        "sim corpus check wrote on stderr:\n{stderr}"
    );
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

/// The entry a fresh search for `bug` by `driver` would keep.
fn fresh_entry(bug: PlantedBug, driver: Driver) -> Entry {
    Entry::from_failure(&found_by(bug, driver), "2026-01-01").expect("a failure with a run id")
}

/// close-skips-drain found by PCT, kept as an entry: searched for once per
/// test binary.
fn close_skips_drain_entry() -> &'static Entry {
    static FOUND: OnceLock<Entry> = OnceLock::new();
    FOUND.get_or_init(|| fresh_entry(PlantedBug::CloseSkipsDrain, PCT3))
}

/// A seed of PCT whose run of close-skips-drain's home scenario passes
/// with the bug planted: an entry moved to it has lost its power.
fn passing_run() -> (String, scenarios::Params) {
    let bug = PlantedBug::CloseSkipsDrain;
    let (scenario, _) = bug.home().expect("an oracle finds it");
    let seed = passing_seed(bug, PCT3);
    let run = sim::engine::RunId {
        scenario,
        driver: PCT3,
        number: seed,
    };
    (run.to_string(), PCT3.params_for(scenario, seed))
}

/// close-skips-drain's fresh entry, altered, with a directory of its own
/// for its path.
fn altered_entry(alter: impl FnOnce(&mut Entry)) -> (tempfile::TempDir, Entry) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut entry = close_skips_drain_entry().clone();
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
    let other = fresh_entry(PlantedBug::PartialReadReturnsZero, Driver::Random);
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
    let (run, params) = passing_run();
    let (dir, entry) = altered_entry(|entry| {
        entry.run = run;
        entry.params = params;
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

/// release-without-notify found by loom's whole search, kept as a pinned
/// entry: searched for once per test binary.
fn pinned_loom_entry() -> &'static Entry {
    static FOUND: OnceLock<Entry> = OnceLock::new();
    FOUND.get_or_init(|| {
        let mut entry = fresh_entry(PlantedBug::ReleaseWithoutNotify, LOOM);
        entry.pinned = true;
        entry
    })
}

/// The pinned loom entry, altered, with a directory of its own for its path.
fn altered_pinned_entry(alter: impl FnOnce(&mut Entry)) -> (tempfile::TempDir, Entry) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut entry = pinned_loom_entry().clone();
    alter(&mut entry);
    (dir, entry)
}

#[test]
fn a_pinned_entry_whose_search_breaks_another_oracle_is_a_failure() {
    let broken = pinned_loom_entry().oracle.clone();
    let other = if broken == "no-leak" {
        "data-integrity"
    } else {
        "no-leak"
    };
    let (dir, entry) = altered_pinned_entry(|entry| entry.oracle = other.to_owned());
    let error = verify(&dir.path().join("entry.toml"), &entry).expect_err("a lost pin fails");
    assert!(
        error.problem.contains("pinned, and lost") && error.problem.contains(&broken),
        "{error}"
    );
}

#[test]
fn a_pinned_entry_whose_failure_moved_within_its_search_is_a_notice() {
    let failing = pinned_loom_entry().run_id().expect("a run id");
    let (dir, entry) = altered_pinned_entry(|entry| {
        entry.run = format!("{}:{LOOM}:{}", failing.scenario.name(), failing.number + 1);
    });
    let notices = verify(&dir.path().join("entry.toml"), &entry).expect("a move is no failure");
    let moved = format!("now breaks {} at {failing}", entry.oracle);
    assert!(
        notices.iter().any(|notice| notice.contains(&moved)),
        "{moved}: {notices:?}"
    );
}

#[test]
fn a_pinned_seeded_entry_outside_its_bugs_home_scenario_is_refused() {
    // close-skips-drain's entry, said to be of a bug whose home is elsewhere.
    let (dir, entry) = altered_entry(|entry| {
        entry.planted_bug = Some(PlantedBug::BackoffIgnoresClosing.name().to_owned());
        entry.pinned = true;
    });
    let error = verify(&dir.path().join("entry.toml"), &entry).expect_err("refused");
    assert!(error.problem.contains("home scenario"), "{error}");
}

#[test]
fn a_pinned_seeded_entry_whose_seed_no_longer_fails_is_found_again_by_its_search() {
    let (run, params) = passing_run();
    let (dir, entry) = altered_entry(|entry| {
        entry.pinned = true;
        entry.run = run;
        entry.params = params;
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
