//! Measures, for each planted bug in its home scenario and each seeded
//! driver of a self-test search, the share of schedules that break the
//! bug's oracle, with no perturbation and under each one (`SIM_PERTURB`).
//! `sim::budget::hit_rate` takes the lowest of them; the budgets of the
//! planted-bug tests follow from it.
//!
//! ```text
//! cargo run --release -p sim --example hit_rates -- [HITS] [MOST_SCHEDULES] [BUG]
//! ```
//!
//! Each cell runs schedules of campaign seed 1 (the tests use seed 0) until
//! it has seen `HITS` failing ones (default 40) or run `MOST_SCHEDULES`
//! (default 200,000); with `BUG`, only that bug's rows. The perturbation is read once per process, so the
//! example runs itself once per mode.

use std::process::Command;

use scenarios::{PlantedBug, SplitMix64};
use sim::budget::SEARCH_DRIVERS;
use sim::engine::{Breach, RunId, replay_once};
use sim::platform::{PERTURB_ENV, Perturbation};
use sim::self_test::found_by_oracles;

/// Set in a child run: measure under the current `SIM_PERTURB` and print.
const CHILD: &str = "HIT_RATES_CHILD";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count = |index: usize, default: u64| {
        args.get(index).map_or(default, |arg| {
            arg.parse().unwrap_or_else(|_| panic!("not a count: {arg}"))
        })
    };
    let (hits, most) = (count(0, 40), count(1, 200_000));
    let only = args
        .get(2)
        .map(|name| PlantedBug::from_name(name).unwrap_or_else(|| panic!("no planted bug {name}")));
    if std::env::var_os(CHILD).is_some() {
        measure(hits, most, only);
        return;
    }
    let modes: Vec<&str> = std::iter::once("")
        .chain(Perturbation::ALL.iter().map(|p| p.name()))
        .collect();
    let mut columns: Vec<Vec<String>> = Vec::new();
    for mode in &modes {
        let exe = std::env::current_exe().expect("the example knows its path");
        let output = Command::new(exe)
            .args(&args)
            .env(CHILD, "1")
            .env(PERTURB_ENV, mode)
            .output()
            .expect("the example runs itself");
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        columns.push(text.lines().map(str::to_owned).collect());
    }
    let names: Vec<&str> = modes
        .iter()
        .map(|mode| if mode.is_empty() { "plain" } else { mode })
        .collect();
    println!("| bug | driver | {} | lowest |", names.join(" | "));
    println!("|---|---|{}---:|", "---:|".repeat(names.len()));
    for row in 0..columns[0].len() {
        let cells: Vec<(String, f64)> = columns
            .iter()
            .map(|column| {
                let mut fields = column[row].split('\t');
                let label = fields.next().unwrap_or_default().to_owned();
                let rate = fields.next().and_then(|r| r.parse().ok()).unwrap_or(0.0);
                (label, rate)
            })
            .collect();
        let lowest = cells
            .iter()
            .map(|(_, rate)| *rate)
            .fold(f64::INFINITY, f64::min);
        let rates: Vec<String> = cells.iter().map(|(_, rate)| format!("{rate:.5}")).collect();
        println!("| {} | {} | {lowest:.5} |", cells[0].0, rates.join(" | "));
    }
}

/// One line per bug and driver: `bug | driver`, a tab, the rate.
fn measure(hits: u64, most: u64, only: Option<PlantedBug>) {
    // A bug only a memory model sees has no seeded rate to measure.
    let seeded = found_by_oracles()
        .filter(|(bug, _, _)| !bug.needs_memory_model() && only.is_none_or(|only| only == *bug));
    for (bug, scenario, oracle) in seeded {
        for driver in SEARCH_DRIVERS {
            let (mut runs, mut found) = (0u64, 0u64);
            while found < hits && runs < most {
                let run = RunId {
                    scenario,
                    driver,
                    number: SplitMix64::stream_seed(1, runs),
                };
                let execution = replay_once(run, Some(bug)).expect("a seed names a run");
                runs += 1;
                let broke = execution
                    .violation
                    .is_some_and(|v| v.breach == Breach::Oracle(oracle));
                found += u64::from(broke);
            }
            println!("{} | {driver}\t{}", bug.name(), found as f64 / runs as f64);
        }
    }
}
