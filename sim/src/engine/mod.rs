//! Exploration engines. Each runs a scenario's schedules its own way behind
//! one trait, [`Engine`]; the registry, [`Driver`], names them, parses and
//! prints their names, and hands out each one's engine. Adding an engine
//! touches its own file and this registry.
//!
//! | driver | explores | one run is named by |
//! |---|---|---|
//! | `random` | uniformly random schedules (`random.rs`) | its seed |
//! | `pct<d>` | PCT with bug depth `d`, seeded (`pct.rs`) | its seed |
//! | `urw` | uniform random walk over interleavings (`urw.rs`) | its seed |
//! | `dfs` | shuttle's depth-first search (`dfs.rs`) | its execution number |
//! | `loom<b>` | loom, every schedule up to `b` preemptions (`loom.rs`) | its execution number |
//! | `shortloom<b>` | loom over loom-sized parameters its seed draws, the first [`SHORT_LOOM_EXECUTIONS`] schedules (`shortloom.rs`) | its seed |
//! | `threads` | real threads, the OS scheduler (`threads.rs`) | its seed (parameters only: the OS does not replay) |
//!
//! A seed names everything of its run: the scenario's parameters and faults
//! (`Params::from_seed`) and every scheduling choice. Within a campaign,
//! schedule `k` gets the seed `SplitMix64::stream_seed(campaign_seed, k)`,
//! so any one schedule replays alone. DFS and loom use the scenario's
//! default parameters and replay by re-exploring up to the execution's
//! number.
//!
//! An engine of either kind writes only what is its own: a seeded one how
//! one seed runs (`seeded::SeededRun`), a systematic one how it searches
//! (`systematic::Search`); the two adapters, `seeded.rs` and
//! `systematic.rs`, make each an [`Engine`].

mod campaign;
mod dfs;
mod loom;
mod loom_model;
mod outcome;
mod pct;
mod random;
mod run;
mod seeded;
mod shortloom;
mod shuttle;
mod signature;
mod systematic;
mod tally;
mod threads;
mod urw;

use std::fmt;
use std::str::FromStr;

use scenarios::{Params, Scenario};
use store::StoreOptions;

pub use campaign::{Campaign, Report, replay_once, run_in_place, store_options};
pub use harness::check::on_fresh_thread;
pub use outcome::{Breach, Execution, Failure, Violation, one_line, replay_command};
pub use run::{MAX_SYSTEMATIC_EXECUTIONS, NoSuchRun, RunId, parse_number, thousands};
use seeded::Seeded;
pub use shortloom::SHORT_LOOM_EXECUTIONS;
pub use shuttle::replay_schedule;
pub use signature::{Signature, role};
use systematic::Systematic;

/// How an engine names its runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Naming {
    /// By a seed, which rebuilds the run's parameters and every choice.
    Seeded,
    /// By an execution number in a deterministic search over fixed
    /// parameters.
    Systematic,
}

/// One exploration engine.
pub trait Engine {
    /// How its runs are named.
    fn naming(&self) -> Naming;

    /// Schedules one `sim explore` campaign runs, before `--scale`.
    fn default_budget(&self) -> usize;

    /// The parameters run `number` uses, before the scenario adapts them.
    fn params(&self, number: u64) -> Params;

    /// Whether `run` can name an execution of this engine at all, before
    /// running anything. A systematic search may still not reach it:
    /// [`Engine::run_one`] learns that by running.
    fn check(&self, run: &RunId) -> Result<(), NoSuchRun>;

    /// Runs the one execution `number` names, of `scenario`, with `params`
    /// and `options`; an error if it names none.
    fn run_one(
        &self,
        scenario: Scenario,
        number: u64,
        params: &Params,
        options: &StoreOptions,
    ) -> Result<Execution, NoSuchRun>;

    /// Runs `campaign` to its first failure or the end of its budget.
    fn campaign(&self, campaign: &Campaign) -> Report;

    /// Its replay accelerator, if it keeps one in a file. Shuttle's engines
    /// need no file: every shuttle execution records its schedule
    /// ([`Execution::shuttle_schedule`]), which [`replay_schedule`] replays.
    fn checkpoints(&self) -> Option<&dyn Checkpoints> {
        None
    }

    /// Whether running one of its runs again gives the same execution
    /// (real threads do not).
    fn replays_exactly(&self) -> bool {
        true
    }

    /// The most scheduling steps (loom: branches) one execution may take
    /// before the scheduler stops it, if bounded.
    fn step_bound(&self) -> Option<usize>;
}

/// A replay accelerator kept in a file: it replays one failing execution
/// without the search, and may go stale when the store changes.
pub trait Checkpoints {
    /// Writes to `file` what replays failing execution `run` (with `params`
    /// and `options`, breaking `breach`); whether it kept one that
    /// reproduces the failure.
    fn capture(
        &self,
        run: &RunId,
        breach: Breach,
        params: &Params,
        options: &StoreOptions,
        file: &std::path::Path,
    ) -> std::io::Result<bool>;

    /// Replays the execution [`Checkpoints::capture`] wrote to `file`,
    /// leaving the file as it is.
    fn replay(
        &self,
        scenario: Scenario,
        file: &std::path::Path,
        params: &Params,
        options: &StoreOptions,
    ) -> std::io::Result<Execution>;
}

/// A driver: an engine with its settings, as run ids and `--driver` name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Driver {
    /// Uniformly random schedules.
    Random,
    /// Probabilistic concurrency testing with this bug depth.
    Pct {
        /// Number of priority-change points plus one.
        depth: usize,
    },
    /// Uniform random walk over interleavings.
    Urw,
    /// Shuttle's depth-first search.
    Dfs,
    /// Loom, exhaustive up to this many preemptions.
    Loom {
        /// Most preemptions in one schedule.
        preemption_bound: usize,
    },
    /// A short loom exploration of the loom-sized parameters a seed names:
    /// the first [`SHORT_LOOM_EXECUTIONS`] schedules, up to this many
    /// preemptions. One "schedule" of this driver is that whole exploration.
    ShortLoom {
        /// Most preemptions in one schedule.
        preemption_bound: usize,
    },
    /// Real threads.
    Threads,
}

impl Driver {
    /// The drivers `sim explore` and `cargo test` run every scenario under.
    pub const ALL: [Driver; 6] = [
        Driver::Random,
        Driver::Pct { depth: 3 },
        Driver::Urw,
        Driver::Dfs,
        Driver::Loom {
            preemption_bound: 2,
        },
        Driver::Threads,
    ];

    /// Every driver family: its usual setting, its syntax, and what it
    /// does; what `sim list --drivers` shows.
    pub const CATALOGUE: [(Driver, &'static str, &'static str); 7] = [
        (
            Driver::Random,
            "random",
            "uniformly random schedules; a run is named by its seed",
        ),
        (
            Driver::Pct { depth: 3 },
            "pct[DEPTH]",
            "probabilistic concurrency testing of bug depth DEPTH (default 3), seeded",
        ),
        (
            Driver::Urw,
            "urw",
            "uniform random walk: every interleaving equally likely, from a trial run's counts; seeded",
        ),
        (
            Driver::Dfs,
            "dfs",
            "shuttle's depth-first search; a run is named by its execution number",
        ),
        (
            Driver::Loom {
                preemption_bound: 2,
            },
            "loom[BOUND]",
            "loom, every schedule up to BOUND preemptions (default 2); named by execution number",
        ),
        (
            Driver::ShortLoom {
                preemption_bound: 1,
            },
            "shortloom[BOUND]",
            "the first 32 loom schedules of the loom-sized parameters a seed draws (default bound 1)",
        ),
        (
            Driver::Threads,
            "threads",
            "real threads and the OS scheduler; the seed names the parameters only",
        ),
    ];

    /// This driver's engine.
    pub fn engine(self) -> Box<dyn Engine> {
        match self {
            Driver::Random => Box::new(Seeded(random::Random)),
            Driver::Pct { depth } => Box::new(Seeded(pct::Pct { depth })),
            Driver::Urw => Box::new(Seeded(urw::Urw)),
            Driver::Dfs => Box::new(Systematic(dfs::Dfs)),
            Driver::Loom { preemption_bound } => {
                Box::new(Systematic(loom::Loom { preemption_bound }))
            }
            Driver::ShortLoom { preemption_bound } => {
                Box::new(Seeded(shortloom::ShortLoom { preemption_bound }))
            }
            Driver::Threads => Box::new(Seeded(threads::Threads)),
        }
    }

    /// Whether runs are named by seeds (rather than execution numbers).
    pub fn is_seeded(self) -> bool {
        self.engine().naming() == Naming::Seeded
    }

    /// The parameters of the run `number` names, as `scenario` adapts them.
    pub fn params_for(self, scenario: Scenario, number: u64) -> Params {
        scenario.spec().adapt(self.engine().params(number))
    }

    /// The most schedules a campaign of this driver may run, if bounded: a
    /// systematic search's executions are named by their number, which
    /// must replay in bounded time ([`MAX_SYSTEMATIC_EXECUTIONS`]).
    pub fn most_schedules(self) -> Option<u64> {
        (!self.is_seeded()).then_some(MAX_SYSTEMATIC_EXECUTIONS)
    }
}

impl Driver {
    /// Every form `--driver` takes, as help and errors show them.
    pub const SYNTAX: &'static str =
        "random, pct[DEPTH], urw, dfs, loom[BOUND], shortloom[BOUND] or threads";
}

impl fmt::Display for Driver {
    /// `random`, `pct3`, `urw`, `dfs`, `loom2`, `shortloom1`, `threads`:
    /// the form run ids use.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Driver::Random => f.write_str("random"),
            Driver::Pct { depth } => write!(f, "pct{depth}"),
            Driver::Urw => f.write_str("urw"),
            Driver::Dfs => f.write_str("dfs"),
            Driver::Loom { preemption_bound } => write!(f, "loom{preemption_bound}"),
            Driver::ShortLoom { preemption_bound } => write!(f, "shortloom{preemption_bound}"),
            Driver::Threads => f.write_str("threads"),
        }
    }
}

impl FromStr for Driver {
    type Err = String;

    /// Parses `random`, `pct` (depth 3), `pct<d>`, `urw`, `dfs`, `loom`
    /// (bound 2), `loom<b>`, `shortloom` (bound 1), `shortloom<b>`,
    /// `threads`.
    fn from_str(text: &str) -> Result<Driver, String> {
        let number = |digits: &str, default: usize| -> Result<usize, String> {
            if digits.is_empty() {
                return Ok(default);
            }
            digits
                .parse()
                .ok()
                .filter(|&value| (1..=16).contains(&value))
                .ok_or_else(|| format!("bad driver setting in {text:?}: expected 1 to 16"))
        };
        match text {
            "random" => Ok(Driver::Random),
            "urw" => Ok(Driver::Urw),
            "dfs" => Ok(Driver::Dfs),
            "threads" => Ok(Driver::Threads),
            _ if text.starts_with("pct") => Ok(Driver::Pct {
                depth: number(&text[3..], 3)?,
            }),
            _ if text.starts_with("loom") => Ok(Driver::Loom {
                preemption_bound: number(&text[4..], 2)?,
            }),
            _ if text.starts_with("shortloom") => Ok(Driver::ShortLoom {
                preemption_bound: number(&text[9..], 1)?,
            }),
            _ => Err(format!(
                "unknown driver {text:?}: expected {}",
                Driver::SYNTAX
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_catalogue_row_names_the_driver_its_syntax_parses_to() {
        for (driver, syntax, _) in Driver::CATALOGUE {
            let bare = syntax.split('[').next().unwrap_or(syntax);
            assert_eq!(bare.parse::<Driver>(), Ok(driver), "{syntax}");
        }
    }

    #[test]
    fn driver_names_parse_with_defaults() {
        assert_eq!("pct".parse::<Driver>(), Ok(Driver::Pct { depth: 3 }));
        assert_eq!(
            "loom".parse::<Driver>(),
            Ok(Driver::Loom {
                preemption_bound: 2
            })
        );
        assert_eq!(
            "loom3".parse::<Driver>(),
            Ok(Driver::Loom {
                preemption_bound: 3
            })
        );
        assert_eq!(
            "shortloom".parse::<Driver>(),
            Ok(Driver::ShortLoom {
                preemption_bound: 1
            })
        );
        assert_eq!("urw".parse::<Driver>(), Ok(Driver::Urw));
        assert!("pct0".parse::<Driver>().is_err());
    }

    #[test]
    fn every_driver_prints_as_it_parses() {
        let mut drivers = Driver::ALL.to_vec();
        drivers.push(Driver::ShortLoom {
            preemption_bound: 2,
        });
        for driver in drivers {
            assert_eq!(driver.to_string().parse::<Driver>(), Ok(driver));
        }
    }

    #[test]
    fn the_catalogue_names_every_driver_family() {
        for driver in Driver::ALL {
            let family = driver
                .to_string()
                .trim_end_matches(char::is_numeric)
                .to_owned();
            assert!(
                Driver::CATALOGUE
                    .iter()
                    .any(|(_, syntax, _)| syntax.starts_with(&family)),
                "{family}"
            );
        }
    }
}
