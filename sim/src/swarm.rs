//! Swarm runs: one `u64` names a whole run. From it the run draws its
//! scenario, its driver with the driver's settings (random; a uniform
//! random walk; PCT of depth 1 to 5; a short bounded loom exploration),
//! and the seed that names the parameters, store options, faults and every
//! scheduling choice. Varying everything per run is swarm testing: each run
//! leaves out different features, which finds bugs that one fixed
//! configuration hides.
//!
//! A swarm seed decodes to a plain [`RunId`], so everything that takes a run
//! id (replay, shrink, the corpus) takes what a swarm run found.

use std::fmt;

use scenarios::{Scenario, SplitMix64};

use crate::engine::{Driver, RunId};

/// Out of [`DRIVER_SHARES_TOTAL`] runs: how many use each family of drivers.
/// Random and the uniform random walk share most runs: PCT finds some close
/// races twice as fast, but the slowest planted bug to find
/// (early-close-leaves-downloader) it finds rarely; a uniform walk finds it
/// in fewer schedules than random, and with half of random's share it cut
/// that bug's mean time to find by a third over 90 fuzz seeds
/// (docs/self-test.md). Loom gets the fewest: one of its runs costs about
/// ten shuttle schedules.
const RANDOM_SHARE: u64 = 3;
const URW_SHARE: u64 = 3;
const PCT_SHARE: u64 = 3;
const SHORT_LOOM_SHARE: u64 = 1;
const DRIVER_SHARES_TOTAL: u64 = RANDOM_SHARE + URW_SHARE + PCT_SHARE + SHORT_LOOM_SHARE;

/// PCT depths a swarm run draws from: 1 to this.
const MAX_PCT_DEPTH: u64 = 5;
/// Loom preemption bounds a swarm run draws from: 1 to this.
const MAX_SHORT_LOOM_BOUND: u64 = 2;

/// A run named by one swarm seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SwarmRun {
    /// The seed that names it.
    pub seed: u64,
    /// What it decodes to.
    pub run: RunId,
}

impl SwarmRun {
    /// Decodes `seed`. A pure function: the same seed names the same run in
    /// every build whose scenario list, driver shares and parameter
    /// generator are unchanged.
    pub(crate) fn from_seed(seed: u64) -> SwarmRun {
        let mut draws = SplitMix64::new(seed);
        let scenario = Scenario::ALL[(draws.next_u64() % Scenario::ALL.len() as u64) as usize];
        let family = draws.next_u64() % DRIVER_SHARES_TOTAL;
        let setting = draws.next_u64();
        let driver = if family < RANDOM_SHARE {
            Driver::Random
        } else if family < RANDOM_SHARE + URW_SHARE {
            Driver::Urw
        } else if family < RANDOM_SHARE + URW_SHARE + PCT_SHARE {
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Pinned: a change here means every swarm seed printed so far names
    /// another run. Only a change of the scenario list, the driver shares
    /// or the decoding itself may do that, knowingly.
    #[test]
    fn seeds_name_the_runs_they_always_named() {
        let pinned = [
            (0, "disk-full:random:0xf88bb8a8724c81ec"),
            (1, "handle-across-close:shortloom1:0x71c18690ee42c90b"),
            (2, "permanent-transport-error:pct2:0xc3f2827affe7f664"),
            (4, "shared-handle:urw:0x7de4eb0c26f3f89e"),
            (u64::MAX, "multi-file-staging:shortloom2:0x6d1db36ccba982d2"),
            (
                0x9e37_79b9_7f4a_7c15,
                "concurrent-readers:shortloom1:0x1b39896a51a8749b",
            ),
        ];
        for (seed, run) in pinned {
            assert_eq!(SwarmRun::from_seed(seed).run.to_string(), run, "{seed:#x}");
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
            "urw",
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
        // Seeded drivers only: a swarm run id replays alone.
        assert_eq!(drivers, expected);
    }
}
