//! How the harness proves itself: each historical bug, planted back into
//! the store, must be found by the scenario built to expose it.

use std::fmt;

use scenarios::{Oracle, PlantedBug, Scenario};

use crate::engine::{Breach, Campaign, Driver, Failure, MAX_SYSTEMATIC_EXECUTIONS, thousands};

/// Every bug an oracle finds, with its home scenario and that oracle.
pub fn found_by_oracles() -> impl Iterator<Item = (PlantedBug, Scenario, Oracle)> {
    PlantedBug::ALL.into_iter().filter_map(|bug| {
        let (scenario, oracle) = bug.home()?;
        Some((bug, scenario, oracle))
    })
}

/// The most a planted-bug search may miss its bug: the chance that every
/// seeded driver misses it within its budget.
pub const MISS_PROBABILITY: f64 = 1e-6;

/// How much rarer a failing schedule may become under a harmless store
/// change than the rarest rate measured under every perturbation: budgets
/// assume rates this many times lower than [`hit_rate`]'s.
pub const RATE_SAFETY_FACTOR: f64 = 4.0;

/// The seeded drivers a search tries, in this order.
pub const SEARCH_DRIVERS: [Driver; 2] = [Driver::Random, Driver::Pct { depth: 3 }];

/// The share of schedules that break `bug`'s oracle in its home scenario
/// under `driver` (see [`PlantedBug::hit_rates`]); `None` for a driver
/// whose rate was not measured (those outside [`SEARCH_DRIVERS`]).
pub fn hit_rate(bug: PlantedBug, driver: Driver) -> Option<f64> {
    let rates = bug.hit_rates();
    match driver {
        Driver::Random => Some(rates.random),
        Driver::Pct { depth: 3 } => Some(rates.pct3),
        _ => None,
    }
}

/// The budget each driver of a search for `bug` gets: the same for all,
/// enough that all of them miss with a chance below [`MISS_PROBABILITY`]
/// (see `budget_for`).
pub fn search_budget(bug: PlantedBug) -> usize {
    budget_for(
        SEARCH_DRIVERS
            .iter()
            .filter_map(|&driver| hit_rate(bug, driver)),
    )
}

/// The budget `driver` alone needs to find `bug` in its home scenario with
/// a chance of missing below [`MISS_PROBABILITY`]; `None` if its rate was
/// not measured, or was zero (no budget would do).
pub fn driver_budget(bug: PlantedBug, driver: Driver) -> Option<usize> {
    hit_rate(bug, driver)
        .filter(|&rate| rate > 0.0)
        .map(|rate| budget_for([rate]))
}

/// The schedules `n` each of some drivers, with hit rates `rates`, must
/// run for all of them to miss with a chance below [`MISS_PROBABILITY`],
/// even at rates [`RATE_SAFETY_FACTOR`] times below the measured ones:
/// `n` with `prod_d (1 - p_d / f)^n < MISS_PROBABILITY`. Zero if no rate
/// is above zero.
fn budget_for(rates: impl IntoIterator<Item = f64>) -> usize {
    let log_miss_per_schedule: f64 = rates
        .into_iter()
        .map(|rate| (1.0 - rate / RATE_SAFETY_FACTOR).ln())
        .sum();
    if log_miss_per_schedule >= 0.0 {
        return 0;
    }
    (MISS_PROBABILITY.ln() / log_miss_per_schedule).ceil() as usize
}

/// One driver's campaign in a search.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// The campaign's driver.
    pub driver: Driver,
    /// Schedules it ran.
    pub schedules_run: usize,
    /// Its budget.
    pub budget: usize,
    /// What it found, if anything.
    pub failure: Option<Failure>,
}

/// A search for one planted bug: its seeded drivers in turn, campaign seed
/// 0, until one finds the bug breaking its oracle.
#[derive(Clone, Debug)]
pub struct Search {
    /// The bug.
    pub bug: PlantedBug,
    /// Its home scenario.
    pub scenario: Scenario,
    /// The oracle it must break.
    pub oracle: Oracle,
    /// The campaigns run, in order.
    pub attempts: Vec<Attempt>,
}

impl Search {
    /// The failure that found the bug breaking its oracle.
    pub fn found(&self) -> Option<&Failure> {
        self.attempts
            .iter()
            .filter_map(|attempt| attempt.failure.as_ref())
            .find(|failure| failure.breach() == Breach::Oracle(self.oracle))
    }
}

/// The systematic search a bug's search falls back on when the seeded
/// drivers miss it: loom, which alone models memory orderings, so a bug
/// of ordering has no seeded hit rate.
pub const FALLBACK_DRIVER: Driver = Driver::Loom {
    preemption_bound: 2,
};

/// Searches for `bug` (see [`Search`]): the seeded drivers with their
/// budgets, then, if they missed it, [`FALLBACK_DRIVER`]'s whole search.
/// `None` for the bugs no oracle finds.
pub fn find(bug: PlantedBug) -> Option<Search> {
    let (scenario, oracle) = bug.home()?;
    let seeded_budget = search_budget(bug);
    let whole_search = usize::try_from(MAX_SYSTEMATIC_EXECUTIONS).unwrap_or(usize::MAX);
    let mut search = Search {
        bug,
        scenario,
        oracle,
        attempts: Vec::new(),
    };
    // A driver never seen finding the bug would spend its budget for nothing.
    let drivers = SEARCH_DRIVERS
        .into_iter()
        .filter(|&driver| driver_budget(bug, driver).is_some())
        .map(|driver| (driver, seeded_budget))
        .chain([(FALLBACK_DRIVER, whole_search)]);
    for (driver, budget) in drivers {
        if budget == 0 {
            continue;
        }
        let report = Campaign::new(scenario, driver, budget, 0)
            .planting(bug)
            .run();
        search.attempts.push(Attempt {
            driver,
            schedules_run: report.schedules_run,
            budget,
            failure: report.failure,
        });
        if search.found().is_some() {
            break;
        }
    }
    Some(search)
}

/// Every bug an oracle finds, searched for.
#[derive(Clone, Debug)]
pub struct SelfTest {
    /// One search per bug.
    pub searches: Vec<Search>,
}

/// Searches for every bug an oracle finds.
pub fn self_test() -> SelfTest {
    SelfTest {
        searches: found_by_oracles()
            .filter_map(|(bug, _, _)| find(bug))
            .collect(),
    }
}

impl SelfTest {
    /// The bugs no driver found breaking their oracle.
    pub fn missed(&self) -> Vec<PlantedBug> {
        self.searches
            .iter()
            .filter(|search| search.found().is_none())
            .map(|search| search.bug)
            .collect()
    }

    /// Every failure found, whatever oracle it broke.
    pub fn failures(&self) -> impl Iterator<Item = &Failure> {
        self.searches
            .iter()
            .flat_map(|search| &search.attempts)
            .filter_map(|attempt| attempt.failure.as_ref())
    }
}

impl fmt::Display for SelfTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for search in &self.searches {
            for attempt in &search.attempts {
                let driver = attempt.driver.to_string();
                let what = match &attempt.failure {
                    Some(failure) => format!(
                        "found at schedule {:>6} of {}: {}  ({})",
                        thousands(failure.schedule as u64),
                        thousands(attempt.budget as u64),
                        failure.breach(),
                        failure.replay_command().unwrap_or_default()
                    ),
                    None => format!(
                        "not found in {} schedules; the next driver searches",
                        thousands(attempt.schedules_run as u64)
                    ),
                };
                writeln!(f, "{:<32} {driver:<6} {what}", search.bug.name())?;
            }
            if search.found().is_none() {
                writeln!(
                    f,
                    "{:<32} MISSED: no driver found it breaking {}",
                    search.bug.name(),
                    search.oracle
                )?;
            }
        }
        let missed = self.missed();
        if missed.is_empty() {
            writeln!(
                f,
                "\nEvery planted bug was found breaking its oracle. Each search tries random, then \
                 PCT, with budgets that leave a chance below one in a million of a miss, then \
                 loom's whole search (loom alone models memory orderings); a driver that does not \
                 find a bug in its budget is no failure (docs/self-test.md)."
            )
        } else {
            writeln!(
                f,
                "\n{} planted bug(s) MISSED: the harness no longer finds them",
                missed.len()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The chance that every search driver misses `bug` in `schedules`
    /// each, at rates [`RATE_SAFETY_FACTOR`] below the measured ones.
    fn miss_chance(bug: PlantedBug, drivers: &[Driver], schedules: usize) -> f64 {
        drivers
            .iter()
            .filter_map(|&driver| hit_rate(bug, driver))
            .map(|rate| (1.0 - rate / RATE_SAFETY_FACTOR).powf(schedules as f64))
            .product()
    }

    /// The bugs the seeded drivers search for: all but those only loom's
    /// model of memory orderings can see.
    fn seeded_searches() -> impl Iterator<Item = PlantedBug> {
        found_by_oracles()
            .map(|(bug, _, _)| bug)
            .filter(|bug| !bug.needs_memory_model())
    }

    #[test]
    fn every_search_budget_is_the_least_that_misses_below_one_in_a_million() {
        for bug in seeded_searches() {
            let budget = search_budget(bug);
            assert!(
                miss_chance(bug, &SEARCH_DRIVERS, budget) < MISS_PROBABILITY,
                "{}",
                bug.name()
            );
            assert!(
                miss_chance(bug, &SEARCH_DRIVERS, budget - 1) >= MISS_PROBABILITY,
                "{}: budget not the least",
                bug.name()
            );
        }
    }

    #[test]
    fn every_driver_budget_is_the_least_that_misses_below_one_in_a_million_alone() {
        for bug in seeded_searches() {
            for driver in SEARCH_DRIVERS {
                let Some(budget) = driver_budget(bug, driver) else {
                    assert_eq!(hit_rate(bug, driver), Some(0.0), "{}", bug.name());
                    continue;
                };
                assert!(miss_chance(bug, &[driver], budget) < MISS_PROBABILITY);
                assert!(miss_chance(bug, &[driver], budget - 1) >= MISS_PROBABILITY);
            }
        }
    }

    #[test]
    fn an_unmeasured_driver_has_no_budget() {
        assert_eq!(
            driver_budget(PlantedBug::CloseSkipsDrain, Driver::Dfs),
            None
        );
    }

    #[test]
    fn a_bug_no_driver_can_find_gets_no_budget() {
        assert_eq!(search_budget(PlantedBug::AbortsProcess), 0);
    }

    #[test]
    fn a_bug_of_memory_ordering_gets_no_seeded_budget() {
        assert_eq!(search_budget(PlantedBug::ProgressPublishedRelaxed), 0);
    }
}
