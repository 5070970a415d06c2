//! `fuzz` survives what the code under test does to its process: a
//! component that aborts, one that spins without a scheduling point, and
//! one that exits before its campaign reports each cost one campaign, are
//! reported with the line that reruns them, and the job goes on to its
//! end, with the table of the situations its campaigns reached; and
//! `coverage` counts a scenario's executions into its table, exits 1
//! when a scenario fails, and ends quietly when its reader goes away; and
//! `replay` and `shrink` of a DFS execution past the end of its search
//! say that it names no run, and exit 2.
//!
//! This test is its own component's binary (`harness = false`): run with
//! `HARNESS_CLI_UNDER_TEST` set, its `main` is the command line a
//! component gets (`harness::cli::main_with_coverage`), whose fuzz
//! campaigns run this same binary in child processes; run plainly, it is
//! the test, which runs that command line and reads what it printed.

use std::process::{Command, ExitCode, Stdio};

use harness::Scenario;
use harness::check::{Fact, Op, Swarm};
use harness::coverage::{Classifier, Reached, Situation};

/// Set in the command line's environment (and so in its children's).
const UNDER_TEST: &str = "HARNESS_CLI_UNDER_TEST";

const SCENARIOS: &[Scenario] = &[
    Scenario::new("clean", "nothing goes wrong", || {
        harness::check::note("clean");
    }),
    Scenario::new("exits", "the process exits as if all went well", || {
        std::process::exit(0)
    }),
    Scenario::new("fails", "an oracle of the component fails", || {
        harness::panics::raise(OracleBreaks)
    }),
    Scenario::new("aborts", "the process aborts", || std::process::abort()),
    Scenario::new("spins", "spins without a scheduling point", || {
        loop {
            std::hint::spin_loop();
        }
    }),
];

/// A typed failure of the component, raised rather than panicked with.
struct OracleBreaks;

impl std::fmt::Display for OracleBreaks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the component's oracle breaks")
    }
}

/// What the clean scenario reaches, and what nothing does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reaches {
    CleanRan,
    Never,
}

impl Situation for Reaches {
    const COUNT: usize = 2;

    fn index(self) -> usize {
        self as usize
    }

    fn all() -> impl Iterator<Item = Reaches> {
        [Reaches::CleanRan, Reaches::Never].into_iter()
    }

    fn name(self) -> String {
        match self {
            Reaches::CleanRan => "clean-ran".to_owned(),
            Reaches::Never => "never".to_owned(),
        }
    }
}

#[derive(Default)]
struct Notes;

impl Classifier for Notes {
    type Situation = Reaches;

    fn see(&mut self, fact: &Fact, reached: &mut Reached<Reaches>) {
        if fact.op == Op::Note("clean") {
            reached.insert(Reaches::CleanRan);
        }
    }
}

/// Seconds a campaign may run: the spinning one runs past it each time.
const WATCHDOG_SECONDS: u64 = 1;

/// A fuzz seed whose first campaigns draw every scenario, so that a short
/// job meets every crash whatever the machine's speed.
fn seed_meeting_every_scenario() -> u64 {
    let scenarios = SCENARIOS.len();
    (0..)
        .find(|&seed| {
            let swarm = Swarm::new(seed);
            let bodies: Vec<usize> = (0..scenarios as u64)
                .map(|index| swarm.campaign(index, scenarios).body)
                .collect();
            (0..scenarios).all(|body| bodies.contains(&body))
        })
        .expect("some seed draws every scenario in as many campaigns")
}

/// Runs the command line under test with `args`: its exit code, stdout
/// and stderr.
fn command_line(args: &[&str]) -> (Option<i32>, String, String) {
    let exe = std::env::current_exe().expect("the test knows its binary");
    let output = Command::new(exe)
        .env(UNDER_TEST, "1")
        .args(args)
        .output()
        .expect("the command line runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Whether the command line, its reader gone before it writes (`| head`),
/// ends quietly with 141 rather than panicking: `coverage clean` searches
/// for a while before its first line, and the pipe is closed at once.
fn ends_quietly_when_its_reader_goes() -> bool {
    let exe = std::env::current_exe().expect("the test knows its binary");
    let mut child = Command::new(exe)
        .env(UNDER_TEST, "1")
        .args(["coverage", "clean"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command line starts");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("the command line ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    output.status.code() == Some(141) && !stderr.contains("panicked")
}

/// What `coverage clean` and `coverage fails` print, checked: the
/// executions each scenario counted are the table's.
fn coverage_checks() -> Vec<(&'static str, bool)> {
    let (code, stdout, _) = command_line(&["coverage", "clean"]);
    let counted: Option<u64> = stdout.lines().find_map(|line| {
        line.strip_prefix("clean: ")?
            .strip_suffix(" executions")?
            .parse()
            .ok()
    });
    let executions = counted.unwrap_or(0);
    let (failing_code, failing, failing_stderr) = command_line(&["coverage", "fails"]);
    vec![
        ("coverage of a clean scenario exits 0", code == Some(0)),
        ("coverage counts the scenario's executions", executions > 0),
        (
            "coverage tallies a situation every execution reached",
            stdout.contains(&format!("| clean-ran | {executions} |")),
        ),
        (
            "coverage says over how many executions",
            stdout.contains(&format!(
                "1 of 2 situations reached, over {executions} executions"
            )),
        ),
        (
            "coverage of a failing scenario exits 1",
            failing_code == Some(1),
        ),
        (
            "a command whose reader goes ends quietly",
            ends_quietly_when_its_reader_goes(),
        ),
        (
            "coverage names the failing scenario",
            failing.contains("fails: random:") && failing.contains("1 scenario(s) failed"),
        ),
        (
            "a raised failure reads as itself on stderr, not as `Box<dyn Any>`",
            failing_stderr.contains("raised at")
                && failing_stderr.contains("the component's oracle breaks")
                && !failing_stderr.contains("Box<dyn Any>"),
        ),
    ]
}

/// What `replay` and `shrink` do with a DFS run past the end of the clean
/// scenario's search (one thread: one execution), and with its last run.
fn replay_checks() -> Vec<(&'static str, bool)> {
    let (far_code, _, far_stderr) = command_line(&["replay", "clean", "dfs:1000"]);
    let (shrink_code, _, shrink_stderr) = command_line(&["shrink", "clean", "dfs:1000"]);
    let (last_code, last, _) = command_line(&["replay", "clean", "dfs:1"]);
    let names_no_run = "dfs:1000 names no run: dfs's search of this body ends after 1 execution";
    vec![
        (
            "replay of a run past the search's end exits 2",
            far_code == Some(2),
        ),
        (
            "replay says the run names no run",
            far_stderr.contains(names_no_run),
        ),
        (
            "shrink of a run past the search's end exits 2",
            shrink_code == Some(2) && shrink_stderr.contains(names_no_run),
        ),
        (
            "replay of the search's last run passes",
            last_code == Some(0) && last.contains("clean: dfs:1 passes now"),
        ),
    ]
}

fn main() -> ExitCode {
    if std::env::var_os(UNDER_TEST).is_some() {
        return harness::cli::main_with_coverage::<Notes>(SCENARIOS);
    }
    let seed = seed_meeting_every_scenario();
    let (code, stdout, stderr) = command_line(&[
        "fuzz",
        "--seconds",
        "3",
        "--seed",
        &seed.to_string(),
        "--watchdog",
        &WATCHDOG_SECONDS.to_string(),
    ]);
    let mut checks = [
        ("exits 1, having found something", code == Some(1)),
        (
            "reports the abort",
            stdout.contains("aborts: the process died of signal 6 (SIGABRT"),
        ),
        (
            "reports the spin as a hang",
            stdout.contains("spins: the process ran past the watchdog"),
        ),
        (
            "reports an exit before the campaign's report",
            stdout.contains("exits: the process exited with code 0 before its campaign reported"),
        ),
        (
            "tallies the situations the clean campaigns reached",
            stdout.contains("| clean-ran |") && !stdout.contains("| clean-ran | 0 |"),
        ),
        (
            "names the situations never reached",
            stdout.contains("never reached: never"),
        ),
        (
            "names the campaign that reruns it",
            stdout.contains(&format!("campaign --seed {seed} --index")),
        ),
        ("runs to its end", stdout.contains("distinct failures")),
    ]
    .to_vec();
    checks.extend(coverage_checks());
    checks.extend(replay_checks());
    let failed: Vec<&str> = checks
        .iter()
        .filter(|(_, held)| !held)
        .map(|(what, _)| *what)
        .collect();
    if failed.is_empty() {
        println!(
            "fuzz survives an abort, a spin and an early exit; fuzz and coverage tally; replay \
             and shrink refuse a run past its search: ok"
        );
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "the command line did not: {}\n--- fuzz's stdout ---\n{stdout}\n--- fuzz's stderr ---\n{stderr}",
            failed.join("; "),
        );
        ExitCode::FAILURE
    }
}
