//! The harness proves itself: each historical bug of the design and each
//! oracle's canary, planted back into the store, is found in its home
//! scenario and reported as a violation of the oracle that guards against
//! it. How every driver fares is the table in `docs/self-test.md`.
//!
//! One test per bug of the catalogue (`scenarios::PlantedBug`), named
//! `harness_finds_<bug>`: a newly catalogued bug gets its test by being
//! catalogued. Each runs the self-test's search (`sim::self_test::find`):
//! random, then PCT, with campaign seed 0, each with a budget set from the
//! measured share of failing schedules, so that both miss with a chance
//! below one in a million even if a harmless store change made failing
//! schedules four times rarer than the rarest measured under every
//! perturbation.

use libtest_mimic::{Arguments, Failed, Trial};
use scenarios::{Component, Oracle, PlantedBug, Scenario};
use sim::engine::{Breach, Campaign, Driver};
use sim::self_test::{find, found_by_oracles};

fn main() {
    // libtest-mimic captures no output: keep shuttle's line per failing
    // execution off the terminal, as `sim` does.
    if let Err(error) = sim::console::silence_schedulers() {
        eprintln!("warning: shuttle's output will show: {error}");
    }
    let mut trials: Vec<Trial> = found_by_oracles()
        .map(|(bug, _, _)| {
            let name = format!("harness_finds_{}", bug.name().replace('-', "_"));
            Trial::test(name, move || harness_finds(bug))
        })
        .collect();
    trials.push(Trial::test(
        "every_scenario_fails_on_a_release_that_never_removes_the_file",
        every_scenario_fails_on_a_release_that_never_removes_the_file,
    ));
    libtest_mimic::run(&Arguments::from_args(), trials).exit();
}

fn harness_finds(bug: PlantedBug) -> Result<(), Failed> {
    let search = find(bug).ok_or("no oracle finds this bug")?;
    if search.found().is_some() {
        return Ok(());
    }
    let attempts: Vec<String> = search
        .attempts
        .iter()
        .map(|attempt| {
            let found = attempt
                .failure
                .as_ref()
                .map_or("nothing".to_owned(), |failure| failure.breach().to_string());
            format!(
                "{} ran {} schedules: {found}",
                attempt.driver, attempt.schedules_run
            )
        })
        .collect();
    Err(format!(
        "{} went unnoticed by {}: {}",
        bug.name(),
        search.scenario.name(),
        attempts.join("; ")
    )
    .into())
}

/// Every scenario of the store releases every store it opens (by close,
/// or by the last handle dropped), so each must notice a release that
/// never removes the file.
fn every_scenario_fails_on_a_release_that_never_removes_the_file() -> Result<(), Failed> {
    let loom = Driver::Loom {
        preemption_bound: 2,
    };
    let of_the_store = Scenario::ALL
        .into_iter()
        .filter(|scenario| scenario.spec().about().component == Component::Store);
    for scenario in of_the_store {
        let report = Campaign::new(scenario, loom, 10_000, 0)
            .planting(PlantedBug::ReleaseSkipsRemove)
            .run();
        let failure = report.failure.ok_or_else(|| {
            format!(
                "{} never failed in {} schedules",
                scenario.name(),
                report.schedules_run
            )
        })?;
        if failure.breach() != Breach::Oracle(Oracle::NoLeak) {
            return Err(format!("{}: {failure}", scenario.name()).into());
        }
    }
    Ok(())
}
