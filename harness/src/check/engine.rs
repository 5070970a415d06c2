//! The engines a body runs under, and the id that names one run of one.

use std::fmt;
use std::str::FromStr;

/// The step bound a run id without one names (`pct3:0x…`): change points
/// land inside a body of up to about this many scheduling steps. Part of
/// what a PCT run id means, so any other bound is printed in the id
/// (`pct3/34:0x…`).
pub const DEFAULT_PCT_STEP_BOUND: usize = 100;

/// The step bound of [`Engine::pct`]: measured from the body before the
/// search, as shuttle's own PCT learns it, and written into each run id
/// the search prints. PCT draws its change points over the steps of a run
/// at which more than one thread can run; with a fixed bound far above a
/// short body's count, most of them would fall after its end.
pub const MEASURED_PCT_STEP_BOUND: usize = 0;

/// How the schedules of a run are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// shuttle's uniformly random scheduler; a run is named by its seed.
    Random,
    /// shuttle's PCT scheduler with bug depth `depth`; named by its seed.
    Pct {
        /// The bug depth: priority change points, plus one.
        depth: usize,
        /// Steps over which the change points are drawn: about the length
        /// of the body's runs (see [`DEFAULT_PCT_STEP_BOUND`]).
        step_bound: usize,
    },
    /// shuttle's uniform random walk over interleavings; named by its seed.
    Urw,
    /// shuttle's depth-first search; named by its execution number.
    Dfs,
    /// loom: every schedule up to `preemptions` preemptions, and the
    /// orderings of weak memory; named by its execution number.
    Loom {
        /// Most preemptions per execution.
        preemptions: usize,
    },
    /// Real threads under the OS scheduler; named by a seed that names
    /// nothing the OS replays, so its failures may not reproduce.
    Threads,
}

impl Engine {
    /// The engines a [`Check`](super::Check) runs unless told otherwise.
    pub const DEFAULT: [Engine; 6] = [
        Engine::Random,
        Engine::pct(3),
        Engine::Urw,
        Engine::Dfs,
        Engine::Loom { preemptions: 2 },
        Engine::Threads,
    ];

    /// PCT of bug depth `depth`, over as many steps as the body takes
    /// (see [`MEASURED_PCT_STEP_BOUND`]).
    pub const fn pct(depth: usize) -> Engine {
        Engine::Pct {
            depth,
            step_bound: MEASURED_PCT_STEP_BOUND,
        }
    }

    /// Whether a run is named by a seed (else by an execution number of a
    /// deterministic search).
    pub fn is_seeded(self) -> bool {
        !matches!(self, Engine::Dfs | Engine::Loom { .. })
    }

    /// Whether running a run again gives the same execution.
    pub fn replays_exactly(self) -> bool {
        self != Engine::Threads
    }

    /// Whether time is virtual under it and a timeout can fire. It is under
    /// every engine of this harness; the method exists so a table can say
    /// so beside bare shuttle and bare loom, where it is not.
    pub fn timeouts_fire(self) -> bool {
        true
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Engine::Random => f.write_str("random"),
            Engine::Pct { depth, step_bound }
                if [DEFAULT_PCT_STEP_BOUND, MEASURED_PCT_STEP_BOUND].contains(step_bound) =>
            {
                write!(f, "pct{depth}")
            }
            Engine::Pct { depth, step_bound } => write!(f, "pct{depth}/{step_bound}"),
            Engine::Urw => f.write_str("urw"),
            Engine::Dfs => f.write_str("dfs"),
            Engine::Loom { preemptions } => write!(f, "loom{preemptions}"),
            Engine::Threads => f.write_str("threads"),
        }
    }
}

/// A name that names no engine or no run, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// What was given.
    pub given: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} {}", self.given, self.reason)
    }
}

impl std::error::Error for ParseError {}

/// The parameter after a name's prefix: a small number.
fn parameter(given: &str, prefix: &str) -> Option<usize> {
    let digits = given.strip_prefix(prefix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|&n| (1..=16).contains(&n))
}

/// `pct<depth>` (the bound measured) or `pct<depth>/<step bound>`.
fn pct(given: &str) -> Option<Engine> {
    let (depth, step_bound) = match given.split_once('/') {
        Some((depth, bound)) => (depth, bound.parse().ok().filter(|&b: &usize| b >= 2)?),
        None => (given, MEASURED_PCT_STEP_BOUND),
    };
    let depth = parameter(depth, "pct")?;
    Some(Engine::Pct { depth, step_bound })
}

impl FromStr for Engine {
    type Err = ParseError;

    fn from_str(given: &str) -> Result<Engine, ParseError> {
        let engine = match given {
            "random" => Some(Engine::Random),
            "urw" => Some(Engine::Urw),
            "dfs" => Some(Engine::Dfs),
            "threads" => Some(Engine::Threads),
            _ => pct(given).or_else(|| {
                parameter(given, "loom").map(|preemptions| Engine::Loom { preemptions })
            }),
        };
        engine.ok_or_else(|| ParseError {
            given: given.to_owned(),
            reason: "is no engine: random, pct<1-16>[/<steps>], urw, dfs, loom<1-16> or threads",
        })
    }
}

/// One run of one engine: `random:0x…` (a seed), `dfs:17` (an execution
/// number). Printed by a failure, parsed back to replay it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunId {
    /// The engine.
    pub engine: Engine,
    /// The seed, or the execution number (from 1).
    pub number: u64,
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.engine.is_seeded() {
            write!(f, "{}:{:#018x}", self.engine, self.number)
        } else {
            write!(f, "{}:{}", self.engine, self.number)
        }
    }
}

impl FromStr for RunId {
    type Err = ParseError;

    fn from_str(given: &str) -> Result<RunId, ParseError> {
        let error = |reason| ParseError {
            given: given.to_owned(),
            reason,
        };
        let (engine, number) = given
            .split_once(':')
            .ok_or_else(|| error("is no run id: ENGINE:NUMBER, as a failure prints it"))?;
        let engine = match engine.parse().map_err(|e: ParseError| error(e.reason))? {
            // A run id names its bound; `pct3:` has always meant this one.
            Engine::Pct { depth, step_bound } if step_bound == MEASURED_PCT_STEP_BOUND => {
                Engine::Pct {
                    depth,
                    step_bound: DEFAULT_PCT_STEP_BOUND,
                }
            }
            engine => engine,
        };
        let number = if engine.is_seeded() {
            let hex = number
                .strip_prefix("0x")
                .ok_or_else(|| error("names a seed without its 0x"))?;
            u64::from_str_radix(hex, 16)
                .map_err(|_| error("names a seed that is no 64-bit hex number"))?
        } else {
            number
                .parse::<u64>()
                .ok()
                .filter(|&n| n >= 1)
                .ok_or_else(|| error("names an execution that is no number from 1"))?
        };
        Ok(RunId { engine, number })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_engine_parses_from_its_own_name() {
        for engine in Engine::DEFAULT {
            assert_eq!(engine.to_string().parse::<Engine>(), Ok(engine));
        }
    }

    #[test]
    fn a_run_id_parses_back_from_what_it_prints() {
        for run in [
            RunId {
                engine: Engine::Pct {
                    depth: 3,
                    step_bound: DEFAULT_PCT_STEP_BOUND,
                },
                number: 0xdead_beef,
            },
            RunId {
                engine: Engine::Pct {
                    depth: 2,
                    step_bound: 34,
                },
                number: 7,
            },
            RunId {
                engine: Engine::Loom { preemptions: 2 },
                number: 17,
            },
        ] {
            assert_eq!(run.to_string().parse::<RunId>(), Ok(run));
        }
    }

    #[test]
    fn a_pct_engine_measures_its_bound_and_a_run_id_names_one() {
        assert_eq!("pct3".parse::<Engine>(), Ok(Engine::pct(3)));
        let run: RunId = "pct3:0x1".parse().expect("a run id");
        assert_eq!(
            run.engine,
            Engine::Pct {
                depth: 3,
                step_bound: DEFAULT_PCT_STEP_BOUND
            }
        );
    }

    #[test]
    fn a_name_that_identifies_nothing_is_an_error() {
        for given in [
            "",
            "random",
            "random:12",
            "pct0:0x1",
            "pct:0x1",
            "pct3/1:0x1",
            "pct3/:0x1",
            "dfs:0",
            "dfs:x",
            "loom99:1",
            "bfs:1",
        ] {
            assert!(given.parse::<RunId>().is_err(), "{given:?} parsed");
        }
    }
}
