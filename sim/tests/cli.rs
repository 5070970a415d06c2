//! The `sim` command as a user runs it: exit codes, one-line errors, and a
//! replay line that gives the same trace, byte for byte, every time.

mod support;

use support::{assert_one_line_usage_error, sim};

#[test]
fn list_names_every_scenario_and_exits_zero() {
    let output = sim(&["list"]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for scenario in scenarios::Scenario::ALL {
        assert!(stdout.contains(scenario.name()), "{stdout}");
    }
}

#[test]
fn bad_input_gets_a_one_line_error_and_exit_code_two() {
    assert_one_line_usage_error(&["run", "no-such-scenario"], "unknown scenario");
    assert_one_line_usage_error(&["run", "stress", "--seed", "12ab"], "malformed seed");
    assert_one_line_usage_error(&["run", "stress", "--driver", "warp"], "unknown driver");
    assert_one_line_usage_error(&["run", "stress", "--plant", "nope"], "unknown planted bug");
    assert_one_line_usage_error(&["replay", "stress:random"], "malformed run id");
    assert_one_line_usage_error(&["replay", "corpus/missing.toml"], "cannot read");
    assert_one_line_usage_error(&["explore", "--scenario", "nope"], "unknown scenario");
    assert_one_line_usage_error(&["explore", "--plant", "nope"], "unknown planted bug");
}

#[test]
fn a_clean_run_exits_zero() {
    let output = sim(&["run", "concurrent-readers", "--schedules", "20"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn a_found_failure_exits_one_and_prints_its_replay_line() {
    let output = sim(&[
        "run",
        "early-close",
        "--plant",
        "close-skips-drain",
        "--schedules",
        "3000",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAILURE: ") && stdout.contains("oracle:  no-access-after-close"),
        "{stdout}"
    );
    assert!(
        stdout.contains("replay:  sim replay early-close:random:0x"),
        "{stdout}"
    );
}

#[test]
fn the_replay_line_gives_the_same_trace_byte_for_byte_every_time() {
    let found = sim(&[
        "run",
        "early-close",
        "--driver",
        "pct",
        "--plant",
        "close-skips-drain",
    ]);
    let stdout = String::from_utf8_lossy(&found.stdout);
    let replay_line = stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix("replay:  sim "))
        .unwrap_or_else(|| panic!("no replay line in:\n{stdout}"));
    let mut replay: Vec<&str> = replay_line.split(' ').collect();
    replay.push("--trace");
    let first = sim(&replay);
    let second = sim(&replay);
    let first_stdout = String::from_utf8_lossy(&first.stdout);
    assert_eq!(first.status.code(), Some(1), "{first_stdout}");
    assert!(
        first_stdout.contains("oracle:  no-access-after-close"),
        "{first_stdout}"
    );
    assert_eq!(first.stdout, second.stdout);
}

#[test]
fn a_corpus_entry_replays_from_its_file() {
    // A bug every interleaving shows, so the entry keeps its power whatever
    // the store's synchronisation looks like.
    let output = sim(&[
        "replay",
        "corpus/concurrent-readers--loom2--1--partial-read-returns-zero.toml",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("oracle:  partial-read-count"), "{stdout}");
}

#[test]
fn explore_survives_a_store_bug_that_aborts_and_names_each_crashed_run() {
    let output = sim(&[
        "explore",
        "--scenario",
        "concurrent-readers",
        "--plant",
        "aborts-process",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert_eq!(stdout.matches("| crashed |").count(), 5, "{stdout}");
    assert_eq!(stdout.matches("died of signal 6").count(), 5, "{stdout}");
    assert!(
        stdout.contains("run:     concurrent-readers:loom2:1")
            && stdout.contains("main-thread                close of store A begins"),
        "{stdout}"
    );
}

#[test]
fn explore_reports_a_hung_campaign_after_its_watchdog() {
    let output = sim(&[
        "explore",
        "--scenario",
        "concurrent-readers",
        "--driver",
        "random",
        "--plant",
        "spins-forever",
        "--watchdog",
        "1",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("hung: the watchdog killed it after 1s")
            && stdout.contains("run:     concurrent-readers:random:0x"),
        "{stdout}"
    );
}

#[test]
fn explore_relays_a_failure_found_in_a_child_with_its_replay_line() {
    let output = sim(&[
        "explore",
        "--scenario",
        "early-close",
        "--driver",
        "pct",
        "--plant",
        "close-skips-drain",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("oracle:  no-access-after-close")
            && stdout.contains("replay:  sim replay early-close:pct3:0x"),
        "{stdout}"
    );
}

#[test]
fn shrink_prints_a_failure_no_bigger_than_the_original_with_its_replay_line() {
    let found = sim(&[
        "run",
        "early-close",
        "--plant",
        "release-without-notify",
        "--schedules",
        "100",
    ]);
    let found = String::from_utf8_lossy(&found.stdout);
    let run = found
        .lines()
        .find_map(|line| line.trim().strip_prefix("replay:  sim replay "))
        .and_then(|replay| replay.split_whitespace().next())
        .unwrap_or_else(|| panic!("no failure found:\n{found}"));
    let output = sim(&[
        "shrink",
        run,
        "--plant",
        "release-without-notify",
        "--tries",
        "200",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let threads = |label: &str| -> usize {
        let line = stdout
            .lines()
            .find(|line| line.starts_with(label))
            .unwrap_or_else(|| panic!("no {label} line in:\n{stdout}"));
        let inside = line.split('(').nth(1).expect("a size");
        inside
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("a thread count")
    };
    assert!(threads("after:") <= threads("before:"), "{stdout}");
    assert!(
        stdout.contains("replay:  sim replay early-close:"),
        "{stdout}"
    );
}
