//! How many schedules a search for a planted bug needs: its measured hit
//! rates, the chance of a miss the project accepts, and the safety factor
//! for a harmless change that makes failing schedules rarer. The
//! self-test's searches and the corpus's pinned entries both size their
//! searches here.

use scenarios::PlantedBug;

use crate::engine::Driver;

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
        PlantedBug::ALL
            .into_iter()
            .filter(|bug| bug.home().is_some() && !bug.needs_memory_model())
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
