//! The `sim` command as a user runs it, command by command: the exit-code
//! contract (0 nothing failed, 1 a failure found or reproduced, 2 bad usage
//! or a run that does not exist), one-line errors, help that matches the
//! program, nothing on stderr but what the harness means to say, and a
//! replay line that gives the same trace, byte for byte, every time.

mod support;

use support::{assert_one_line_usage_error, sim, sim_quietly};

#[path = "support/found.rs"]
mod found;

use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use found::{LOOM, PCT3, budget, found_by, run_and_plant, saved};
use scenarios::PlantedBug;
use sim::engine::Failure;

/// close-skips-drain, found by PCT in its home scenario: shuttle runs it,
/// so its replay prints shuttle's own lines. Searched for once per
/// test binary, never read from the corpus.
fn close_skips_drain() -> &'static Failure {
    static FOUND: OnceLock<Failure> = OnceLock::new();
    FOUND.get_or_init(|| found_by(PlantedBug::CloseSkipsDrain, PCT3))
}

/// `args`, then close-skips-drain's run id and plant.
fn with_failing_run(args: &[&str]) -> Vec<String> {
    let mut all: Vec<String> = args.iter().map(|&arg| arg.to_owned()).collect();
    all.extend(run_and_plant(close_skips_drain()));
    all
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

#[test]
fn list_names_every_scenario_bug_driver_and_oracle_and_exits_zero() {
    let scenarios = sim_quietly(&["list"], 0);
    for scenario in scenarios::Scenario::ALL {
        assert!(scenarios.contains(scenario.name()), "{scenarios}");
    }
    let bugs = sim_quietly(&["list", "--bugs"], 0);
    for bug in scenarios::PlantedBug::every() {
        assert!(bugs.contains(bug.name()), "{bugs}");
    }
    let drivers = sim_quietly(&["list", "--drivers"], 0);
    for (_, syntax, _) in sim::engine::Driver::CATALOGUE {
        assert!(drivers.contains(syntax), "{drivers}");
    }
    let oracles = sim_quietly(&["list", "--oracles"], 0);
    for oracle in scenarios::Oracle::ALL {
        assert!(oracles.contains(oracle.name()), "{oracles}");
    }
}

#[test]
fn list_oracles_groups_them_by_owner_the_platforms_first() {
    let listed = sim_quietly(&["list", "--oracles"], 0);
    let owners: Vec<&str> = listed
        .lines()
        .filter_map(|line| line.split_whitespace().nth(1))
        .collect();
    assert_eq!(owners.first(), Some(&"platform"), "{listed}");
    let mut groups: Vec<&str> = Vec::new();
    for owner in owners {
        if groups.last() != Some(&owner) {
            assert!(
                !groups.contains(&owner),
                "{owner}'s oracles listed apart:\n{listed}"
            );
            groups.push(owner);
        }
    }
}

#[test]
fn run_help_lists_every_driver() {
    let help = sim_quietly(&["run", "--help"], 0);
    let listed = sim_quietly(&["list", "--drivers"], 0);
    let drivers: Vec<&str> = listed
        .lines()
        .filter(|line| !line.starts_with(' '))
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert!(drivers.len() >= 7, "{listed}");
    for driver in drivers {
        assert!(help.contains(driver), "{driver} missing from:\n{help}");
    }
}

#[test]
fn each_commands_save_help_speaks_of_that_command() {
    let save_help = |command: &[&str]| -> String {
        let mut args = command.to_vec();
        args.push("--help");
        let help = sim_quietly(&args, 0);
        help.lines()
            .find(|line| line.trim_start().starts_with("--save"))
            .unwrap_or_else(|| panic!("no --save in:\n{help}"))
            .trim()
            .to_owned()
    };
    let helps: std::collections::BTreeSet<String> = [
        &["run"][..],
        &["explore"],
        &["fuzz"],
        &["shrink"],
        &["self-test"],
    ]
    .iter()
    .map(|command| save_help(command))
    .collect();
    assert_eq!(helps.len(), 5, "{helps:#?}");
}

#[test]
fn bad_input_of_every_kind_gets_a_one_line_error_and_exit_code_two() {
    for (args, mentions) in [
        (&["run", "no-such-scenario"][..], "unknown scenario"),
        (&["run"], "<SCENARIO>"),
        (&["run", "stress", "--seed", "12ab"], "decimal or 0x-hex"),
        (&["run", "stress", "--seed", "-1"], "decimal or 0x-hex"),
        (&["run", "stress", "--schedules", "0"], "from 1 up"),
        (&["run", "stress", "--schedules", "-5"], "from 1 up"),
        (&["run", "stress", "--driver", "warp"], "unknown driver"),
        (&["run", "stress", "--driver", "pct0"], "bad driver setting"),
        (&["run", "stress", "--plant", "nope"], "unknown planted bug"),
        (&["run", "stress", "--sneaky"], "unexpected argument"),
        (
            &["run", "stress", "--driver", "dfs", "--schedules", "200000"],
            "at most 100,000",
        ),
        (&["replay", "stress:random"], "malformed run id"),
        (&["replay", "stress:dfs:0"], "start at 1"),
        (&["replay", "corpus/missing.toml"], "cannot read"),
        (&["shrink", "nope:random:1"], "unknown scenario"),
        (&["explore", "--scenario", "nope"], "unknown scenario"),
        (&["explore", "--plant", "nope"], "unknown planted bug"),
        (&["explore", "--scale", "0"], "--scale"),
        (
            &["corpus", "check", "--corpus", "no-such-dir"],
            "give --corpus DIR",
        ),
        (&["corpus", "refresh", "--schedules", "0"], "from 1 up"),
        (&["no-such-command"], "unrecognized subcommand"),
        (&[], "give a command"),
    ] {
        assert_one_line_usage_error(args, mentions);
    }
}

#[test]
fn a_run_id_past_the_end_of_its_search_is_bad_usage_that_says_what_exists() {
    assert_one_line_usage_error(
        &["replay", "early-close:loom2:999999999"],
        "executions of early-close; 999,999,999 is past the end",
    );
    assert_one_line_usage_error(
        &["shrink", "early-close:loom2:999999999"],
        "is past the end",
    );
    assert_one_line_usage_error(
        &["replay", "early-close:dfs:99999999"],
        "names executions 1 to 100,000",
    );
}

#[test]
fn an_execution_past_where_a_search_fails_and_stops_is_bad_usage() {
    let bug = PlantedBug::CloseSkipsDrain;
    let failing = found_by(bug, LOOM).run.expect("a run id");
    let past = format!("{}:{LOOM}:{}", failing.scenario.name(), failing.number + 1);
    assert_one_line_usage_error(
        &["replay", &past, "--plant", bug.name()],
        &format!(
            "which fails; {} is past it",
            sim::engine::thousands(failing.number + 1)
        ),
    );
}

/// Runs `sim` with `args`, its stdout a pipe whose reader is gone before
/// `sim` starts (as with `| head`, at its worst); its output once it exits.
fn sim_to_a_closed_pipe(args: &[&str]) -> Output {
    let (reader, writer) = rustix::pipe::pipe().expect("a pipe");
    drop(reader);
    Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .stdout(Stdio::from(writer))
        .output()
        .expect("sim runs")
}

/// `sim list | head` and the like: a reader that goes away ends `sim`
/// quietly with 141 (as `SIGPIPE` would), whether `sim` writes its report
/// itself (`list`) or relays a guarded child's (`run`).
#[test]
fn a_reader_gone_ends_sim_quietly_with_exit_code_141() {
    for args in [
        &["list"][..],
        &["run", "concurrent-readers", "--schedules", "20"][..],
    ] {
        let output = sim_to_a_closed_pipe(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(141), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?} wrote on stderr:\n{stderr}");
    }
}

#[test]
fn a_clean_run_exits_zero_and_prints_nothing_on_stderr() {
    sim_quietly(&["run", "concurrent-readers", "--schedules", "20"], 0);
}

#[test]
fn a_found_failure_exits_one_prints_its_replay_line_and_nothing_on_stderr() {
    let schedules = budget(PlantedBug::CloseSkipsDrain, PCT3).to_string();
    let stdout = sim_quietly(
        &[
            "run",
            "early-close",
            "--driver",
            "pct",
            "--plant",
            "close-skips-drain",
            "--schedules",
            &schedules,
        ],
        1,
    );
    assert!(
        stdout.contains("FAILURE: ") && stdout.contains("oracle:  no-access-after-close"),
        "{stdout}"
    );
    assert!(
        stdout.contains("replay:  sim replay early-close:pct3:0x"),
        "{stdout}"
    );
}

#[test]
fn a_replay_that_passes_exits_zero_and_prints_only_its_report() {
    let stdout = sim_quietly(&["replay", "early-close:random:0x01", "--trace"], 0);
    assert!(stdout.contains("no oracle broke"), "{stdout}");
}

#[test]
fn a_replay_that_fails_exits_one_and_prints_only_its_report() {
    let stdout = sim_quietly(&strs(&with_failing_run(&["replay", "--trace"])), 1);
    assert!(stdout.contains("FAILURE reproduced"), "{stdout}");
}

#[test]
fn the_replay_line_gives_the_same_trace_byte_for_byte_every_time() {
    let schedules = budget(PlantedBug::CloseSkipsDrain, PCT3).to_string();
    let found = sim(&[
        "run",
        "early-close",
        "--driver",
        "pct",
        "--plant",
        "close-skips-drain",
        "--schedules",
        &schedules,
    ]);
    let stdout = String::from_utf8_lossy(&found.stdout);
    let replay_line = stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix("replay:  sim "))
        .unwrap_or_else(|| panic!("no replay line in:\n{stdout}"));
    let mut replay: Vec<&str> = replay_line.split(' ').collect();
    replay.push("--trace");
    let first = sim_quietly(&replay, 1);
    let second = sim_quietly(&replay, 1);
    assert!(first.contains("oracle:  no-access-after-close"), "{first}");
    assert_eq!(first, second);
}

#[test]
fn a_corpus_entry_replays_from_its_file() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let entry = saved(dir.path(), close_skips_drain());
    let stdout = sim_quietly(&["replay", entry.to_str().expect("a UTF-8 path")], 1);
    assert!(
        stdout.contains("oracle:  no-access-after-close"),
        "{stdout}"
    );
}

#[test]
fn shrink_exits_one_after_shrinking_a_failure_and_prints_only_its_report() {
    let args = with_failing_run(&["shrink", "--tries", "200"]);
    let stdout = sim_quietly(&strs(&args), 1);
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

#[test]
fn shrink_of_a_run_that_passes_exits_zero() {
    let stdout = sim_quietly(&["shrink", "early-close:random:0x01"], 0);
    assert!(stdout.contains("nothing to shrink"), "{stdout}");
}

#[test]
fn corpus_check_exits_one_on_a_broken_entry() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = saved(dir.path(), close_skips_drain());
    let entry = std::fs::read_to_string(&path).expect("the entry was saved");
    let broken = entry.replace(
        "oracle = \"no-access-after-close\"",
        "oracle = \"no-such-oracle\"",
    );
    assert_ne!(broken, entry);
    std::fs::write(&path, broken).expect("written");
    let corpus = dir.path().to_str().expect("a UTF-8 path");
    let stdout = sim_quietly(&["corpus", "check", "--corpus", corpus], 1);
    assert!(
        stdout.contains("FAILED") && stdout.contains("no-such-oracle"),
        "{stdout}"
    );
}

#[test]
fn verbose_lets_the_schedulers_own_output_through() {
    let output = sim(&strs(&with_failing_run(&["--verbose", "replay"])));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("test panicked in task"), "{stderr}");
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
    let drivers = sim::engine::Driver::ALL.len();
    assert_eq!(stdout.matches("| crashed |").count(), drivers, "{stdout}");
    assert_eq!(
        stdout.matches("died of signal 6").count(),
        drivers,
        "{stdout}"
    );
    assert!(
        stdout.contains("run:     concurrent-readers:loom2:1")
            && stdout.contains("main-thread                close of store A begins"),
        "{stdout}"
    );
}

#[test]
fn run_replay_and_shrink_survive_a_store_bug_that_aborts() {
    let commands: [(&[&str], &str); 3] = [
        (
            &["run", "early-close", "--plant", "aborts-process"],
            "run:     early-close:random:0x",
        ),
        (
            &[
                "replay",
                "early-close:random:7",
                "--plant",
                "aborts-process",
            ],
            "run:     early-close:random:0x0000000000000007",
        ),
        (
            &[
                "shrink",
                "early-close:random:7",
                "--plant",
                "aborts-process",
            ],
            "run:     not known",
        ),
    ];
    for (args, run) in commands {
        let stdout = sim_quietly(args, 1);
        assert!(
            stdout.starts_with("CRASH: the process running `sim ")
                && stdout.contains("died of signal 6")
                && stdout.contains(run)
                && stdout.contains("close of store A begins"),
            "{args:?}: {stdout}"
        );
    }
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
    // explore's budget for pct, scaled up to the self-test's.
    let default = PCT3.engine().default_budget();
    let scale = budget(PlantedBug::CloseSkipsDrain, PCT3).div_ceil(default);
    let scale = scale.to_string();
    let output = sim(&[
        "explore",
        "--scenario",
        "early-close",
        "--driver",
        "pct",
        "--plant",
        "close-skips-drain",
        "--scale",
        &scale,
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("oracle:  no-access-after-close")
            && stdout.contains("replay:  sim replay early-close:pct3:0x"),
        "{stdout}"
    );
}
