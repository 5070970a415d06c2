//! Measures how fast each driver finds each planted historical bug in the
//! bug's home scenario: schedules to the first failure, median over seeds,
//! and wall time. Prints a Markdown table.
//!
//! ```text
//! cargo run --release -p sim --example self_test_table -- [SEEDS] [SHUTTLE_BUDGET] [LOOM_BUDGET] [THREADS_BUDGET]
//! ```

use std::time::Duration;

use sim::drivers::{Campaign, Driver};
use sim::self_test::found_by_oracles;

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|arg| arg.parse().unwrap_or_else(|_| panic!("not a count: {arg}")))
        .collect();
    let seeds = args.first().copied().unwrap_or(10);
    let budget = |index: usize, default: usize| args.get(index).copied().unwrap_or(default);
    let drivers = [
        (Driver::Random, budget(1, 10_000)),
        (Driver::Pct { depth: 3 }, budget(1, 10_000)),
        (Driver::Dfs, budget(1, 10_000)),
        (
            Driver::Loom {
                preemption_bound: 2,
            },
            budget(2, 100_000),
        ),
        (Driver::Threads, budget(3, 300)),
    ];
    println!(
        "| bug | scenario | {} |",
        drivers.map(|(driver, _)| driver.to_string()).join(" | ")
    );
    println!("|---|---|{}", "---|".repeat(drivers.len()));
    for (bug, scenario, _) in found_by_oracles() {
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
                        Campaign::new(scenario, driver, schedules, seed)
                            .planting(bug)
                            .run()
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

/// "median schedules (found/runs), median wall time".
fn cell(reports: &[sim::drivers::Report], budget: usize) -> String {
    let mut schedules: Vec<usize> = reports
        .iter()
        .map(|report| {
            report
                .failure
                .as_ref()
                .map_or(usize::MAX, |failure| failure.schedule)
        })
        .collect();
    let mut times: Vec<Duration> = reports.iter().map(|report| report.elapsed).collect();
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
    let time = times[times.len() / 2];
    format!(
        "{median_text} ({found}/{}), {:.2} s",
        reports.len(),
        time.as_secs_f64()
    )
}
