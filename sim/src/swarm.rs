//! Swarm runs: one `u64` names a whole run. From it the run draws its
//! scenario, its driver with the driver's settings (random; PCT of depth 1
//! to 5; a short bounded loom exploration), and the seed that names the
//! parameters, store options, faults and every scheduling choice. Varying
//! everything per run is swarm testing: each run leaves out different
//! features, which finds bugs that one fixed configuration hides.
//!
//! A swarm seed decodes to a plain [`RunId`], so everything that takes a run
//! id (replay, shrink, the corpus) takes what a swarm run found.

use std::fmt;

use scenarios::{Scenario, SplitMix64};

use crate::engine::{Driver, RunId};

/// Out of [`DRIVER_SHARES_TOTAL`] runs: how many use each family of drivers.
/// Random gets the most: PCT finds some close races twice as fast, but the
/// slowest planted bugs to find (early-close-leaves-downloader,
/// publish-before-write) it finds rarely or a hundred times slower
/// (docs/self-test.md). Loom gets the fewest: one of its runs costs about
/// ten shuttle schedules.
const RANDOM_SHARE: u64 = 6;
const PCT_SHARE: u64 = 3;
const SHORT_LOOM_SHARE: u64 = 1;
const DRIVER_SHARES_TOTAL: u64 = RANDOM_SHARE + PCT_SHARE + SHORT_LOOM_SHARE;

/// PCT depths a swarm run draws from: 1 to this.
const MAX_PCT_DEPTH: u64 = 5;
/// Loom preemption bounds a swarm run draws from: 1 to this.
const MAX_SHORT_LOOM_BOUND: u64 = 2;

/// A run named by one swarm seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwarmRun {
    /// The seed that names it.
    pub seed: u64,
    /// What it decodes to.
    pub run: RunId,
}

impl SwarmRun {
    /// Decodes `seed`. A pure function: the same seed names the same run in
    /// every build whose scenario list, driver shares and parameter
    /// generator are unchanged.
    pub fn from_seed(seed: u64) -> SwarmRun {
        let mut draws = SplitMix64::new(seed);
        let scenario = Scenario::ALL[(draws.next_u64() % Scenario::ALL.len() as u64) as usize];
        let family = draws.next_u64() % DRIVER_SHARES_TOTAL;
        let setting = draws.next_u64();
        let driver = if family < RANDOM_SHARE {
            Driver::Random
        } else if family < RANDOM_SHARE + PCT_SHARE {
            Driver::Pct {
                depth: (1 + setting % MAX_PCT_DEPTH) as usize,
            }
        } else {
            Driver::ShortLoom {
                preemption_bound: (1 + setting % MAX_SHORT_LOOM_BOUND) as usize,
            }
        };
        SwarmRun {
            seed,
            run: RunId {
                scenario,
                driver,
                number: draws.next_u64(),
            },
        }
    }
}

impl fmt::Display for SwarmRun {
    /// `0x…` (the form `sim replay` takes).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#018x}", self.seed)
    }
}

/// Parses a bare swarm seed, decimal or `0x` hex; `None` for anything else
/// (a run id, a file name).
pub fn parse_swarm_seed(text: &str) -> Option<u64> {
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None if text.chars().all(|c| c.is_ascii_digit()) => text.parse().ok(),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn a_seed_always_names_the_same_run() {
        for seed in [0, 1, u64::MAX, 0x9e37_79b9_7f4a_7c15] {
            assert_eq!(SwarmRun::from_seed(seed), SwarmRun::from_seed(seed));
        }
    }

    #[test]
    fn seeds_spread_over_every_scenario_and_driver_setting() {
        let runs: Vec<RunId> = (0..4_000)
            .map(|seed| SwarmRun::from_seed(seed).run)
            .collect();
        let scenarios: BTreeSet<&str> = runs.iter().map(|run| run.scenario.name()).collect();
        assert_eq!(scenarios.len(), Scenario::ALL.len());
        let drivers: BTreeSet<String> = runs.iter().map(|run| run.driver.to_string()).collect();
        let expected: BTreeSet<String> = [
            "random",
            "pct1",
            "pct2",
            "pct3",
            "pct4",
            "pct5",
            "shortloom1",
            "shortloom2",
        ]
        .map(str::to_owned)
        .into();
        assert_eq!(drivers, expected);
    }

    #[test]
    fn every_swarm_driver_is_seeded_so_the_run_id_replays_alone() {
        for seed in 0..1_000 {
            assert!(SwarmRun::from_seed(seed).run.driver.is_seeded());
        }
    }

    #[test]
    fn bare_seeds_parse_and_run_ids_do_not() {
        assert_eq!(parse_swarm_seed("0x10"), Some(16));
        assert_eq!(parse_swarm_seed("17"), Some(17));
        assert_eq!(parse_swarm_seed("stress:random:0x1"), None);
        assert_eq!(parse_swarm_seed("corpus/x.toml"), None);
        assert_eq!(parse_swarm_seed("0xnope"), None);
        assert_eq!(parse_swarm_seed(""), None);
    }
}
