//! What a run shows: an execution's trace and what broke in it, and a
//! campaign's failing schedule.

use std::any::Any;
use std::fmt;

use scenarios::Oracle;
use scenarios::PlantedBug;

use super::RunId;
use crate::coverage::Reached;
use crate::platform::{BlockedThread, DataRace, Event, SourceSite, format_trace};

/// One execution of a scenario: its trace, and what went wrong, if anything.
#[derive(Clone, Debug, Default)]
pub struct Execution {
    /// Every event, in order.
    pub trace: Vec<Event>,
    /// The broken oracle, if any.
    pub violation: Option<Violation>,
    /// The situations worth reaching that it reached.
    pub reached: Reached,
    /// Shuttle's serialised schedule of the execution (shuttle drivers only).
    pub shuttle_schedule: Option<String>,
}

/// What kind of thing broke a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Breach {
    /// An oracle broke.
    Oracle(Oracle),
    /// The store panicked: an `assert!`, an `unwrap`, an index out of bounds.
    StorePanicked,
    /// Something else panicked and stopped the run: the scheduler (a
    /// deadlock it saw first, its step bound) or the harness itself.
    RunStopped,
}

/// A breach travels by its name (`sim`'s messages).
impl serde::Serialize for Breach {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Breach {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Breach, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Breach::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown oracle {name:?}")))
    }
}

impl Breach {
    /// Every breach.
    pub fn all() -> impl Iterator<Item = Breach> {
        Oracle::ALL
            .into_iter()
            .map(Breach::Oracle)
            .chain([Breach::StorePanicked, Breach::RunStopped])
    }

    /// The breach's name: an oracle's, `store-panicked` or `run-stopped`.
    pub fn name(self) -> &'static str {
        match self {
            Breach::Oracle(oracle) => oracle.name(),
            Breach::StorePanicked => "store-panicked",
            Breach::RunStopped => "run-stopped",
        }
    }

    /// The breach called `name`.
    pub fn from_name(name: &str) -> Option<Breach> {
        Breach::all().find(|breach| breach.name() == name)
    }

    /// What it means, in words.
    pub fn description(self) -> &'static str {
        match self {
            Breach::Oracle(oracle) => oracle.description(),
            Breach::StorePanicked => "the store must not panic",
            Breach::RunStopped => "the run was stopped by a panic outside the store",
        }
    }
}

impl fmt::Display for Breach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What broke in an execution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// What kind of thing broke.
    pub breach: Breach,
    /// The thread that broke it.
    pub thread: String,
    /// The kind of breach in a few fixed words (for a panic: `panic`).
    pub kind: &'static str,
    /// What happened, in words.
    pub what: String,
    /// Where in the source it happened, where that is part of the breach:
    /// a panic, or a wait under a lock.
    pub site: Option<SourceSite>,
    /// Threads blocked at the moment of failure, with where they wait.
    pub blocked: Vec<BlockedThread>,
}

impl Violation {
    /// The violation an oracle raised.
    pub fn of_oracle(violation: &scenarios::Violation, blocked: Vec<BlockedThread>) -> Violation {
        Violation {
            breach: Breach::Oracle(violation.oracle),
            thread: violation.thread.clone(),
            kind: violation.kind,
            what: violation.what.clone(),
            site: violation.at.map(SourceSite::of),
            blocked,
        }
    }

    /// The violation loom's causality check found in a read: the oracle
    /// data-integrity, broken by a read that the write of its bytes does
    /// not happen before.
    pub fn data_race(
        race: &DataRace,
        thread: &str,
        site: Option<SourceSite>,
        blocked: Vec<BlockedThread>,
    ) -> Violation {
        Violation {
            breach: Breach::Oracle(Oracle::DataIntegrity),
            thread: thread.to_owned(),
            kind: "read not ordered after its write",
            what: race.to_string(),
            site,
            blocked,
        }
    }

    /// Classifies the panic that ended a run: a violation an oracle raised,
    /// or a panic of the store or of something else, told apart by where it
    /// happened (`site`, from the panic hook).
    pub fn from_panic(
        payload: &(dyn Any + Send),
        thread: &str,
        site: Option<SourceSite>,
        blocked: Vec<BlockedThread>,
    ) -> Violation {
        if let Some(violation) = scenarios::Violation::of_panic(payload) {
            return Violation::of_oracle(violation, blocked);
        }
        let in_store = site
            .as_ref()
            .is_some_and(|site| site.file.starts_with("store/"));
        // A message that names no oracle is cut to its first line: shuttle
        // and loom can panic with kilobytes of their internal state.
        let message = one_line(&harness::panics::panic_message(payload));
        Violation {
            breach: if in_store {
                Breach::StorePanicked
            } else {
                Breach::RunStopped
            },
            thread: thread.to_owned(),
            kind: "panic",
            what: match &site {
                Some(site) => format!("panicked at {site}: {message}"),
                None => format!("panicked: {message}"),
            },
            site,
            blocked,
        }
    }
}

impl fmt::Display for Violation {
    /// `VIOLATION [breach] thread: what`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "VIOLATION [{}] {}: {}",
            self.breach, self.thread, self.what
        )
    }
}

/// A failing schedule of a campaign.
#[derive(Clone, Debug)]
pub struct Failure {
    /// 1-based number of the failing schedule within its campaign.
    pub schedule: usize,
    /// The failing schedule's name; `None` when the campaign overrode the
    /// parameters, so the id would not rebuild them.
    pub run: Option<RunId>,
    /// The bug planted in the run, if any.
    pub planted_bug: Option<PlantedBug>,
    /// The failing execution.
    pub execution: Execution,
}

impl Failure {
    /// What broke.
    pub fn violation(&self) -> &Violation {
        self.execution
            .violation
            .as_ref()
            .expect("a failure has a violation")
    }

    /// What broke.
    pub fn breach(&self) -> Breach {
        self.violation().breach
    }

    /// The command line that replays this failure, if it has one.
    pub fn replay_command(&self) -> Option<String> {
        Some(replay_command(self.run?, self.planted_bug))
    }
}

impl fmt::Display for Failure {
    /// The full report: the oracle in words, the message, blocked threads,
    /// the trace, the replay line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let violation = self.violation();
        writeln!(f, "FAILURE: {}", violation.breach.description())?;
        writeln!(f, "  oracle:  {}", violation.breach)?;
        writeln!(f, "  what:    {violation}")?;
        if let Some(bug) = self.planted_bug {
            writeln!(f, "  planted: {}", bug.name())?;
        }
        for blocked in &violation.blocked {
            writeln!(f, "  blocked: {blocked}")?;
        }
        writeln!(f, "  trace ({} events):", self.execution.trace.len())?;
        for line in format_trace(&self.execution.trace).lines() {
            writeln!(f, "  {line}")?;
        }
        match self.replay_command() {
            Some(command) => write!(f, "  replay:  {command}"),
            None => write!(
                f,
                "  replay:  (parameters were overridden; no run id rebuilds them)"
            ),
        }
    }
}

/// The first line of `message`, at most 160 characters: schedulers panic
/// with kilobytes of internal state, which help nobody reading a report.
pub fn one_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or_default();
    match line.char_indices().nth(160) {
        Some((cut, _)) => format!("{}...", &line[..cut]),
        None => line.to_owned(),
    }
}

/// The command that replays `target` (a run id, a swarm seed) with `bug`
/// planted: the one form every report prints.
pub fn replay_command(target: impl fmt::Display, bug: Option<PlantedBug>) -> String {
    let plant = bug
        .map(|bug| format!(" --plant {}", bug.name()))
        .unwrap_or_default();
    format!("sim replay {target}{plant}")
}
