//! `fuzz` survives what the code under test does to its process: a
//! component that aborts, and one that spins without a scheduling point,
//! each cost one campaign, are reported with the line that reruns them, and
//! the job goes on to its end.
//!
//! This test is its own component's binary (`harness = false`): run with
//! `HARNESS_CLI_UNDER_TEST` set, its `main` is the command line a
//! component gets (`harness::cli::main`), whose fuzz campaigns run this
//! same binary in child processes; run plainly, it is the test, which runs
//! that command line and reads what it printed.

use std::process::{Command, ExitCode};

use harness::Scenario;
use harness::check::Swarm;

/// Set in the command line's environment (and so in its children's).
const UNDER_TEST: &str = "HARNESS_CLI_UNDER_TEST";

const SCENARIOS: &[Scenario] = &[
    Scenario::new("clean", "nothing goes wrong", || {}),
    Scenario::new("aborts", "the process aborts", || std::process::abort()),
    Scenario::new("spins", "spins without a scheduling point", || {
        loop {
            std::hint::spin_loop();
        }
    }),
];

/// Seconds a campaign may run: the spinning one runs past it each time.
const WATCHDOG_SECONDS: u64 = 1;

/// A fuzz seed whose first campaigns draw every scenario, so that a short
/// job meets both crashes whatever the machine's speed.
fn seed_meeting_every_scenario() -> u64 {
    (0..)
        .find(|&seed| {
            let swarm = Swarm::new(seed);
            let bodies: Vec<usize> = (0..3)
                .map(|index| swarm.campaign(index, SCENARIOS.len()).body)
                .collect();
            (0..SCENARIOS.len()).all(|body| bodies.contains(&body))
        })
        .expect("some seed draws all three in three campaigns")
}

fn main() -> ExitCode {
    if std::env::var_os(UNDER_TEST).is_some() {
        return harness::cli::main(SCENARIOS);
    }
    let seed = seed_meeting_every_scenario();
    let exe = std::env::current_exe().expect("the test knows its binary");
    let output = Command::new(exe)
        .env(UNDER_TEST, "1")
        .args(["fuzz", "--seconds", "3", "--seed", &seed.to_string()])
        .args(["--watchdog", &WATCHDOG_SECONDS.to_string()])
        .output()
        .expect("the command line runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let checks = [
        (
            "exits 1, having found something",
            output.status.code() == Some(1),
        ),
        (
            "reports the abort",
            stdout.contains("aborts: the process died of signal 6 (SIGABRT"),
        ),
        (
            "reports the spin as a hang",
            stdout.contains("spins: the process ran past the watchdog"),
        ),
        (
            "names the campaign that reruns it",
            stdout.contains(&format!("campaign --seed {seed} --index")),
        ),
        ("runs to its end", stdout.contains("distinct failures")),
    ];
    let failed: Vec<&str> = checks
        .iter()
        .filter(|(_, held)| !held)
        .map(|(what, _)| *what)
        .collect();
    if failed.is_empty() {
        println!("fuzz survives an abort and a spin: ok");
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "fuzz did not: {}\n--- its stdout ---\n{stdout}\n--- its stderr ---\n{}",
            failed.join("; "),
            String::from_utf8_lossy(&output.stderr)
        );
        ExitCode::FAILURE
    }
}
