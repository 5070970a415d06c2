//! Measures how fast each driver finds each planted historical bug in the
//! bug's home scenario: schedules to the first failure, median over seeds,
//! and wall time. Prints a Markdown table.
//!
//! ```text
//! cargo build --release -p sim
//! cargo run --release -p sim --example self_test_table -- [SEEDS] [SHUTTLE_BUDGET] [LOOM_BUDGET] [THREADS_BUDGET]
//! ```
//!
//! `SELF_TEST_DRIVERS=random,pct3,urw` keeps only those drivers' columns;
//! `SELF_TEST_BUGS=logger-forgets-to-wake,...` only those bugs' rows.
//!
//! Each campaign runs in a child `sim` process (the one built beside this
//! example), so no campaign can disturb another: a crash is a cell, not the
//! end of the table.

use std::path::PathBuf;
use std::time::Duration;

use sim::engine::{Campaign, Driver};
use sim::isolation::{ChildCampaign, ChildOutcome};
use sim::self_test::found_by_oracles;

/// The `sim` executable beside this example's directory.
fn sim_exe() -> PathBuf {
    let exe = std::env::current_exe().expect("the example knows its own path");
    let sim = exe
        .parent()
        .and_then(|examples| examples.parent())
        .map(|dir| dir.join("sim"))
        .filter(|sim| sim.exists());
    sim.unwrap_or_else(|| {
        panic!(
            "no sim executable beside {}: cargo build --release -p sim",
            exe.display()
        )
    })
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|arg| arg.parse().unwrap_or_else(|_| panic!("not a count: {arg}")))
        .collect();
    let seeds = args.first().copied().unwrap_or(10);
    let only: Option<Vec<Driver>> = std::env::var("SELF_TEST_DRIVERS").ok().map(|list| {
        list.split(',')
            .map(|name| name.parse().unwrap_or_else(|error| panic!("{error}")))
            .collect()
    });
    let only_bugs: Option<Vec<String>> = std::env::var("SELF_TEST_BUGS")
        .ok()
        .map(|list| list.split(',').map(str::to_owned).collect());
    let exe = sim_exe();
    let budget = |index: usize, default: usize| args.get(index).copied().unwrap_or(default);
    let drivers = [
        (Driver::Random, budget(1, 10_000)),
        (Driver::Pct { depth: 3 }, budget(1, 10_000)),
        (Driver::Urw, budget(1, 10_000)),
        (Driver::Dfs, budget(1, 10_000)),
        (
            Driver::Loom {
                preemption_bound: 2,
            },
            budget(2, 100_000),
        ),
        (Driver::Threads, budget(3, 300)),
    ];
    let drivers: Vec<(Driver, usize)> = drivers
        .into_iter()
        .filter(|(driver, _)| only.as_ref().is_none_or(|only| only.contains(driver)))
        .collect();
    let names: Vec<String> = drivers
        .iter()
        .map(|(driver, _)| driver.to_string())
        .collect();
    println!("| bug | scenario | {} |", names.join(" | "));
    println!("|---|---|{}", "---|".repeat(drivers.len()));
    for (bug, scenario, _) in found_by_oracles().filter(|(bug, _, _)| {
        only_bugs
            .as_ref()
            .is_none_or(|only| only.iter().any(|name| name == bug.name()))
    }) {
        let cells: Vec<String> = drivers
            .iter()
            .map(|&(driver, schedules)| {
                // Loom and DFS are systematic: one run says it all.
                let runs = if matches!(driver, Driver::Loom { .. } | Driver::Dfs) {
                    1
                } else {
                    seeds
                };
                let reports: Vec<_> = (0..runs as u64)
                    .map(|seed| {
                        let campaign =
                            Campaign::new(scenario, driver, schedules, seed).planting(bug);
                        let child = ChildCampaign {
                            exe: &exe,
                            campaign: &campaign,
                            watchdog: Duration::from_secs(600),
                            save_to: None,
                        };
                        child.run().expect("the sim executable runs")
                    })
                    .collect();
                cell(&reports, schedules)
            })
            .collect();
        println!(
            "| {} | {} | {} |",
            bug.name(),
            scenario.name(),
            cells.join(" | ")
        );
    }
}

/// "median schedules to the failure (found/runs), median wall time"; a
/// crashed child counts as not found, and is named.
fn cell(outcomes: &[ChildOutcome], budget: usize) -> String {
    let mut schedules: Vec<usize> = Vec::new();
    let mut times: Vec<Duration> = Vec::new();
    let mut crashes = 0;
    for outcome in outcomes {
        match outcome {
            ChildOutcome::Finished {
                schedules: run,
                failed,
                elapsed,
                ..
            } => {
                schedules.push(if *failed { *run } else { usize::MAX });
                times.push(*elapsed);
            }
            ChildOutcome::Crashed(_) | ChildOutcome::Interrupted => crashes += 1,
        }
    }
    if schedules.is_empty() {
        return format!("crashed ({crashes}/{})", outcomes.len());
    }
    schedules.sort_unstable();
    times.sort_unstable();
    let found = schedules
        .iter()
        .filter(|&&count| count != usize::MAX)
        .count();
    let median = schedules[schedules.len() / 2];
    let median_text = if median == usize::MAX {
        format!("> {budget}")
    } else {
        median.to_string()
    };
    let crashed = if crashes > 0 {
        format!(", {crashes} crashed")
    } else {
        String::new()
    };
    format!(
        "{median_text} ({found}/{}{crashed}), {:.2} s",
        outcomes.len(),
        times[times.len() / 2].as_secs_f64()
    )
}
