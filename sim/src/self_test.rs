//! How the harness proves itself: each historical bug, planted back into
//! the store, must be found by the scenario built to expose it.

use scenarios::{Oracle, Scenario};
use store::PlantedBug;

use std::fmt;

use crate::engine::{Breach, Campaign, Driver, Failure, thousands};

/// Every bug an oracle finds, with its home scenario and that oracle.
pub fn found_by_oracles() -> impl Iterator<Item = (PlantedBug, Scenario, Oracle)> {
    PlantedBug::ALL.into_iter().filter_map(|bug| {
        let (scenario, oracle) = home_of(bug)?;
        Some((bug, scenario, oracle))
    })
}

/// Every bug `--plant` takes: those an oracle finds, then the harness crashers.
pub fn all_bugs() -> impl Iterator<Item = PlantedBug> {
    PlantedBug::ALL
        .into_iter()
        .chain(PlantedBug::HARNESS_CRASHERS)
}

/// What `bug` does to the store, in a line.
pub fn describe(bug: PlantedBug) -> &'static str {
    match bug {
        PlantedBug::WaitLoopIgnoresClosing => {
            "the wait loop ignores closing: readers of a stalled download never leave"
        }
        PlantedBug::NoRecheckAfterRegistration => {
            "no re-check of closing after a reader registers: a read starts after close drained"
        }
        PlantedBug::CloseSkipsDrain => "close releases the file without draining readers",
        PlantedBug::CloseWaitsHoldingLock => {
            "close waits for the downloader and readers while holding the state lock"
        }
        PlantedBug::NonStandardClosedError => {
            "a read interrupted by close fails with a custom error instead of Closed"
        }
        PlantedBug::PartialReadReturnsZero => "a partial read at the end reports 0 bytes",
        PlantedBug::StateSharedBetweenStores => {
            "the closing flag is shared by every store: closing one disturbs the others"
        }
        PlantedBug::EarlyCloseLeavesDownloader => {
            "close releases the file without waiting for the downloader"
        }
        PlantedBug::PublishBeforeWrite => {
            "probe: progress is published before the chunk is written"
        }
        PlantedBug::ReleaseSkipsRemove => "probe: the release closes the file but never removes it",
        PlantedBug::DeadlineGivesUpEarly => "probe: close_with_deadline gives up at once",
        PlantedBug::ReleaseWithoutNotify => {
            "probe: the release wakes nobody, so a close waiting for it waits forever"
        }
        PlantedBug::SilentProgress => "canary: progress is published without waking readers",
        PlantedBug::BackoffIgnoresClosing => {
            "canary: the retry backoff ignores closing, so close waits for its timer"
        }
        PlantedBug::RetryCountIgnoresProgress => {
            "canary: the failure count never resets after progress"
        }
        PlantedBug::AbortsProcess => {
            "harness canary: close panics while unwinding, which aborts the process"
        }
        PlantedBug::SpinsForever => "harness canary: close spins forever without yielding",
    }
}

/// The scenario that exposes `bug`, and the oracle that breaks; `None` for
/// the bugs that crash the process, which no oracle sees
/// ([`PlantedBug::HARNESS_CRASHERS`]).
pub fn home_of(bug: PlantedBug) -> Option<(Scenario, Oracle)> {
    Some(match bug {
        PlantedBug::WaitLoopIgnoresClosing => (Scenario::ReadCloseInFlight, Oracle::NoNeedlessWait),
        PlantedBug::NoRecheckAfterRegistration => {
            (Scenario::EarlyClose, Oracle::NoAccessAfterClose)
        }
        PlantedBug::CloseSkipsDrain => (Scenario::EarlyClose, Oracle::NoAccessAfterClose),
        PlantedBug::CloseWaitsHoldingLock => {
            (Scenario::ReadCloseInFlight, Oracle::NoBlockingUnderLock)
        }
        PlantedBug::NonStandardClosedError => (
            Scenario::ReadCloseInFlight,
            Oracle::ReadsAfterCloseGetClosed,
        ),
        PlantedBug::PartialReadReturnsZero => {
            (Scenario::ConcurrentReaders, Oracle::PartialReadCount)
        }
        PlantedBug::StateSharedBetweenStores => {
            (Scenario::MultiFileParallelism, Oracle::StoresIndependent)
        }
        PlantedBug::EarlyCloseLeavesDownloader => {
            (Scenario::EarlyClose, Oracle::NoAccessAfterClose)
        }
        PlantedBug::PublishBeforeWrite => (Scenario::ConcurrentReaders, Oracle::DataIntegrity),
        PlantedBug::ReleaseSkipsRemove => (Scenario::ConcurrentReaders, Oracle::NoLeak),
        PlantedBug::DeadlineGivesUpEarly => {
            (Scenario::CloseDeadlineInFlight, Oracle::CloseCompletes)
        }
        PlantedBug::ReleaseWithoutNotify => (Scenario::EarlyClose, Oracle::NoDeadlock),
        PlantedBug::SilentProgress => (Scenario::ReadsDuringStall, Oracle::NoNeedlessWait),
        PlantedBug::BackoffIgnoresClosing => {
            (Scenario::EarlyClose, Oracle::CloseDoesNotWaitOnTimers)
        }
        PlantedBug::RetryCountIgnoresProgress => {
            (Scenario::TransportResetResume, Oracle::RetryPolicyHonoured)
        }
        PlantedBug::AbortsProcess | PlantedBug::SpinsForever => return None,
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
/// under `driver`: the lowest over plain runs and every perturbation
/// (`SIM_PERTURB`), as measured for `docs/self-test.md` with the
/// `hit_rates` example. Zero where the driver never found it.
pub fn hit_rate(bug: PlantedBug, driver: Driver) -> f64 {
    let pct = matches!(driver, Driver::Pct { .. });
    let (random, pct3) = match bug {
        PlantedBug::WaitLoopIgnoresClosing => (0.64, 0.81),
        PlantedBug::NoRecheckAfterRegistration => (0.0012, 0.0072),
        PlantedBug::CloseSkipsDrain => (0.00027, 0.0021),
        PlantedBug::CloseWaitsHoldingLock => (0.59, 0.63),
        PlantedBug::NonStandardClosedError => (0.64, 0.81),
        PlantedBug::PartialReadReturnsZero | PlantedBug::ReleaseSkipsRemove => (1.0, 1.0),
        PlantedBug::StateSharedBetweenStores => (0.20, 0.95),
        PlantedBug::EarlyCloseLeavesDownloader => (0.00032, 0.00011),
        PlantedBug::PublishBeforeWrite => (0.064, 0.00085),
        PlantedBug::DeadlineGivesUpEarly => (0.85, 0.80),
        PlantedBug::ReleaseWithoutNotify => (0.36, 0.40),
        PlantedBug::SilentProgress => (0.62, 0.48),
        PlantedBug::BackoffIgnoresClosing => (0.0016, 0.013),
        PlantedBug::RetryCountIgnoresProgress => (0.16, 0.16),
        PlantedBug::AbortsProcess | PlantedBug::SpinsForever => (0.0, 0.0),
    };
    if pct { pct3 } else { random }
}

/// The budget each driver of a search for `bug` gets: the same for all,
/// enough that all of them miss with a chance below [`MISS_PROBABILITY`]
/// even at rates [`RATE_SAFETY_FACTOR`] times below the measured ones:
/// `n` with `prod_d (1 - p_d / f)^n < MISS_PROBABILITY`.
pub fn search_budget(bug: PlantedBug) -> usize {
    let log_miss_per_schedule: f64 = SEARCH_DRIVERS
        .iter()
        .map(|&driver| (1.0 - hit_rate(bug, driver) / RATE_SAFETY_FACTOR).ln())
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

/// Searches for `bug` (see [`Search`]); `None` for the bugs no oracle finds.
pub fn find(bug: PlantedBug) -> Option<Search> {
    let (scenario, oracle) = home_of(bug)?;
    let budget = search_budget(bug);
    let mut search = Search {
        bug,
        scenario,
        oracle,
        attempts: Vec::new(),
    };
    for driver in SEARCH_DRIVERS {
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
                 PCT, with budgets that leave a chance below one in a million of a miss; a driver \
                 that does not find a bug in its budget is no failure (docs/self-test.md)."
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

    #[test]
    fn every_search_budget_leaves_a_miss_below_one_in_a_million_at_reduced_rates() {
        for (bug, _, _) in found_by_oracles() {
            let budget = search_budget(bug) as f64;
            let miss: f64 = SEARCH_DRIVERS
                .iter()
                .map(|&driver| (1.0 - hit_rate(bug, driver) / RATE_SAFETY_FACTOR).powf(budget))
                .product();
            assert!(miss < MISS_PROBABILITY, "{}: {miss}", bug.name());
            let one_less: f64 = SEARCH_DRIVERS
                .iter()
                .map(|&driver| {
                    (1.0 - hit_rate(bug, driver) / RATE_SAFETY_FACTOR).powf(budget - 1.0)
                })
                .product();
            assert!(
                one_less >= MISS_PROBABILITY,
                "{}: budget not the least",
                bug.name()
            );
        }
    }

    #[test]
    fn a_bug_no_driver_can_find_gets_no_budget() {
        assert_eq!(search_budget(PlantedBug::AbortsProcess), 0);
    }
}
