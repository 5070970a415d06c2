//! Drivers: run one scenario campaign under one scheduler and report the
//! first failure, with the schedule number that found it.
//!
//! | driver | explores | schedule choice |
//! |---|---|---|
//! | `random` | shuttle, uniformly random schedules | seed |
//! | `pct` | shuttle, probabilistic concurrency testing (priority changes at `depth` points) | seed |
//! | `dfs` | shuttle, depth-first over schedules, bounded by the budget | none (systematic) |
//! | `loom` | loom, every schedule up to a preemption bound | none (exhaustive) |
//! | `threads` | real threads, the OS scheduler; parameters vary per repetition | seed (parameters only) |

mod loom_driver;
mod shuttle_driver;
mod tally;
mod threads_driver;

use std::any::Any;
use std::fmt;
use std::time::Duration;

use scenarios::{Oracle, Params, Scenario};
use store::{PlantedBug, StoreOptions};

/// A scheduler, with its settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Driver {
    /// Shuttle's random scheduler.
    Random,
    /// Shuttle's PCT scheduler with this bug depth.
    Pct {
        /// Number of priority-change points (the bug depth PCT targets).
        depth: usize,
    },
    /// Shuttle's depth-first scheduler.
    Dfs,
    /// Loom, exhaustive up to this many preemptions.
    Loom {
        /// Most preemptions in one schedule.
        preemption_bound: usize,
    },
    /// Real threads.
    Threads,
}

impl Driver {
    /// The drivers `cargo test` runs every scenario under.
    pub const ALL: [Driver; 5] = [
        Driver::Random,
        Driver::Pct { depth: 3 },
        Driver::Dfs,
        Driver::Loom {
            preemption_bound: 2,
        },
        Driver::Threads,
    ];

    /// Short name: random, pct, dfs, loom, threads.
    pub fn name(self) -> &'static str {
        match self {
            Driver::Random => "random",
            Driver::Pct { .. } => "pct",
            Driver::Dfs => "dfs",
            Driver::Loom { .. } => "loom",
            Driver::Threads => "threads",
        }
    }
}

impl fmt::Display for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Driver::Pct { depth } => write!(f, "pct(depth {depth})"),
            Driver::Loom { preemption_bound } => write!(f, "loom(preemptions {preemption_bound})"),
            other => f.write_str(other.name()),
        }
    }
}

/// One scenario under one driver, with a budget of schedules.
#[derive(Clone, Debug)]
pub struct Campaign {
    /// What runs.
    pub scenario: Scenario,
    /// How schedules are chosen.
    pub driver: Driver,
    /// Most schedules (executions) to run; exhaustive drivers may stop earlier.
    pub schedules: usize,
    /// Seeds the scheduler (and, for `threads`, the parameters).
    pub seed: u64,
    /// The scenario's parameters, already adapted to it.
    pub params: Params,
    /// A historical bug planted in every store of the run, if any.
    pub planted_bug: Option<PlantedBug>,
}

impl Campaign {
    /// A campaign with the scenario's default parameters for the driver.
    pub fn new(scenario: Scenario, driver: Driver, schedules: usize, seed: u64) -> Campaign {
        let params = match driver {
            Driver::Loom { .. } => Params::loom_default(),
            _ => Params::shuttle_default(),
        };
        Campaign {
            scenario,
            driver,
            schedules,
            seed,
            params: scenario.adapt(params),
            planted_bug: None,
        }
    }

    /// The same campaign with `bug` planted.
    pub fn planting(self, bug: PlantedBug) -> Campaign {
        Campaign {
            planted_bug: Some(bug),
            ..self
        }
    }

    fn store_options(&self) -> StoreOptions {
        StoreOptions {
            planted_bug: self.planted_bug,
            ..StoreOptions::default()
        }
    }

    /// Runs the campaign to its first failure or the end of its budget.
    pub fn run(&self) -> Report {
        let started = std::time::Instant::now();
        let mut report = match self.driver {
            Driver::Random | Driver::Pct { .. } | Driver::Dfs => shuttle_driver::run(self),
            Driver::Loom { preemption_bound } => loom_driver::run(self, preemption_bound),
            Driver::Threads => threads_driver::run(self),
        };
        report.elapsed = started.elapsed();
        report
    }
}

/// What a campaign found.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Schedules run, the failing one included.
    pub schedules_run: usize,
    /// Schedules in which a close deadline fired.
    pub close_deadlines_fired: usize,
    /// The first failure, if any.
    pub failure: Option<Failure>,
    /// Wall time of the campaign.
    pub elapsed: Duration,
}

/// A failing schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// 1-based number of the failing schedule within its campaign.
    pub schedule: usize,
    /// The oracle that broke.
    pub oracle: Oracle,
    /// The failure message, as the scenario or scheduler gave it.
    pub message: String,
    /// Threads blocked at the moment of failure, with where they wait.
    pub blocked: Vec<String>,
}

impl Failure {
    /// Classifies a panic from a scheduler run.
    fn from_panic(schedule: usize, payload: &(dyn Any + Send), blocked: Vec<String>) -> Failure {
        let message = scenarios::panic_message(payload);
        let oracle = Oracle::named_in(&message).unwrap_or_else(|| {
            if message.contains("deadlock") || message.starts_with("DEADLOCK") {
                Oracle::NoDeadlock
            } else if message.contains("max_steps") {
                Oracle::CloseCompletes
            } else {
                Oracle::DataIntegrity
            }
        });
        Failure {
            schedule,
            oracle,
            message,
            blocked,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}] schedule {}: {}",
            self.oracle, self.schedule, self.message
        )?;
        if !self.blocked.is_empty() {
            write!(f, "\n  blocked: {}", self.blocked.join("; "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oracle_of(message: &str) -> Oracle {
        let payload: Box<dyn Any + Send> = Box::new(message.to_owned());
        Failure::from_panic(1, payload.as_ref(), Vec::new()).oracle
    }

    #[test]
    fn violations_keep_their_oracle() {
        let message = Oracle::NoLeak.violation("main", "temp file #0 is still open");
        assert_eq!(oracle_of(&message), Oracle::NoLeak);
    }

    #[test]
    fn scheduler_deadlocks_are_no_deadlock_failures() {
        assert_eq!(
            oracle_of("deadlock! blocked tasks: [main-thread (task 0)]"),
            Oracle::NoDeadlock
        );
        assert_eq!(
            oracle_of("DEADLOCK: scenario x did not finish"),
            Oracle::NoDeadlock
        );
    }

    #[test]
    fn exceeding_the_step_bound_is_a_close_that_never_completes() {
        let message = "exceeded max_steps bound 100000. this might be caused by an unfair schedule";
        assert_eq!(oracle_of(message), Oracle::CloseCompletes);
    }
}
