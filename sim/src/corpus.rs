//! The corpus: failures the harness found, one small TOML file each, replayed
//! by `cargo test` forever after. The format is described in `corpus/README.md`.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use scenarios::{Oracle, Params};
use serde::{Deserialize, Serialize};
use store::{PlantedBug, StoreOptions};

use crate::drivers::{
    Driver, Execution, Failure, RunId, replay_checkpoint, replay_once, replay_schedule,
};

/// The corpus format this harness reads and writes.
pub const FORMAT: u32 = 1;

/// One corpus entry. Field order is file order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Format version; see [`FORMAT`].
    pub format: u32,
    /// The failing schedule: `scenario:driver:number`.
    pub run: String,
    /// The bug planted when it was found; absent if found in the real store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planted_bug: Option<String>,
    /// The oracle that broke.
    pub oracle: String,
    /// The violation message.
    pub found: String,
    /// When it was found, `YYYY-MM-DD`.
    pub date: String,
    /// Shuttle's serialised schedule: the exact form, for shuttle drivers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shuttle_schedule: Option<String>,
    /// Loom's serialised path (checkpoint file, beside this entry), for loom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loom_checkpoint: Option<String>,
    /// The parameters the run id names, kept for readers and to notice when
    /// the seed-to-parameters mapping changes.
    pub params: Params,
}

/// Why an entry cannot be used or no longer holds.
#[derive(Debug)]
pub struct CorpusError {
    /// The entry's file.
    pub path: PathBuf,
    /// What is wrong.
    pub problem: String,
}

impl fmt::Display for CorpusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.problem)
    }
}

impl std::error::Error for CorpusError {}

impl Entry {
    /// The entry for `failure`, found on `date`; `None` if it has no run id.
    pub fn from_failure(failure: &Failure, date: &str) -> Option<Entry> {
        let run = failure.run?;
        let violation = failure.violation();
        Some(Entry {
            format: FORMAT,
            run: run.to_string(),
            planted_bug: failure.planted_bug.map(|bug| bug.name().to_owned()),
            oracle: violation.oracle.name().to_owned(),
            found: violation.message.clone(),
            date: date.to_owned(),
            shuttle_schedule: failure.execution.shuttle_schedule.clone(),
            loom_checkpoint: None,
            params: run.driver.params_for(run.scenario, run.number),
        })
    }

    /// The entry's file name: its run id and planted bug, made file-safe.
    pub fn file_name(&self) -> String {
        let bug = self
            .planted_bug
            .as_deref()
            .map(|bug| format!("--{bug}"))
            .unwrap_or_default();
        format!("{}{bug}.toml", self.run.replace(':', "--"))
    }

    /// The run id, checked.
    pub fn run_id(&self) -> Result<RunId, String> {
        self.run.parse()
    }

    /// The planted bug, checked.
    pub fn planted(&self) -> Result<Option<PlantedBug>, String> {
        self.planted_bug
            .as_deref()
            .map(|name| {
                PlantedBug::from_name(name).ok_or_else(|| format!("unknown planted bug {name:?}"))
            })
            .transpose()
    }
}

/// Today's date, `YYYY-MM-DD`, for new entries (read only by the CLI,
/// never inside a simulated run).
pub fn today() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()[..10].to_owned()
}

/// Reads one entry.
pub fn load(path: &Path) -> Result<Entry, CorpusError> {
    let fail = |problem: String| CorpusError {
        path: path.to_path_buf(),
        problem,
    };
    let text = fs::read_to_string(path).map_err(|error| fail(format!("cannot read: {error}")))?;
    let entry: Entry = toml::from_str(&text)
        .map_err(|error| fail(format!("not a corpus entry: {}", error.message())))?;
    if entry.format != FORMAT {
        return Err(fail(format!(
            "corpus format {} (this harness reads format {FORMAT})",
            entry.format
        )));
    }
    Ok(entry)
}

/// Every entry of `dir` (its `*.toml` files), sorted by file name.
pub fn load_dir(dir: &Path) -> Result<Vec<(PathBuf, Entry)>, CorpusError> {
    let listing = fs::read_dir(dir).map_err(|error| CorpusError {
        path: dir.to_path_buf(),
        problem: format!("cannot list: {error}"),
    })?;
    let mut paths: Vec<PathBuf> = listing
        .filter_map(|item| Some(item.ok()?.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| Ok((path.clone(), load(&path)?)))
        .collect()
}

/// Writes `entry` into `dir` (and, for loom, its checkpoint beside it);
/// returns the entry's path.
pub fn save(dir: &Path, mut entry: Entry) -> Result<PathBuf, CorpusError> {
    let path = dir.join(entry.file_name());
    let fail = |problem: String| CorpusError {
        path: path.clone(),
        problem,
    };
    let run = entry.run_id().map_err(fail)?;
    if let Driver::Loom { preemption_bound } = run.driver {
        let checkpoint_name = entry.file_name().replace(".toml", ".loom.json");
        let bug = entry.planted().map_err(fail)?;
        crate::drivers::capture_checkpoint(
            run.scenario,
            preemption_bound,
            run.number as usize,
            &entry.params,
            &options(bug),
            &dir.join(&checkpoint_name),
        );
        entry.loom_checkpoint = Some(checkpoint_name);
    }
    let text =
        toml::to_string(&entry).map_err(|error| fail(format!("cannot serialise: {error}")))?;
    let header = "# A failure the harness found; `cargo test` replays it (sim/tests/corpus.rs).\n\
                  # Format: corpus/README.md. Replay by hand: sim replay RUN [--plant BUG] --trace\n";
    fs::write(&path, format!("{header}{text}"))
        .map_err(|error| fail(format!("cannot write: {error}")))?;
    Ok(path)
}

fn options(bug: Option<PlantedBug>) -> StoreOptions {
    StoreOptions {
        planted_bug: bug,
        ..StoreOptions::default()
    }
}

/// Checks that `entry` still holds: its parameters are the ones its id
/// names; the current store passes its schedule; with its bug planted, the
/// schedule fails the same oracle in every stored form (seed, shuttle
/// schedule, loom checkpoint).
pub fn verify(path: &Path, entry: &Entry) -> Result<(), CorpusError> {
    let fail = |problem: String| CorpusError {
        path: path.to_path_buf(),
        problem,
    };
    let run = entry.run_id().map_err(fail)?;
    let bug = entry.planted().map_err(fail)?;
    let oracle = Oracle::ALL
        .into_iter()
        .find(|oracle| oracle.name() == entry.oracle)
        .ok_or_else(|| fail(format!("unknown oracle {:?}", entry.oracle)))?;
    if entry.params != run.driver.params_for(run.scenario, run.number) {
        return Err(fail(format!(
            "the parameters {} names changed since the entry was recorded; \
             the seed-to-parameters mapping must stay stable (or the entry be re-recorded)",
            entry.run
        )));
    }
    if let Some(violation) = replay_once(run, None).violation {
        return Err(fail(format!(
            "the current store fails this schedule: {}",
            violation.message
        )));
    }
    let Some(bug) = bug else {
        return Ok(());
    };
    let expect_failure = |form: &str, execution: Execution| match execution.violation {
        Some(violation) if violation.oracle == oracle => Ok(()),
        Some(violation) => Err(fail(format!(
            "replayed by {form} with {} planted, it broke {} instead of {oracle}: {}",
            bug.name(),
            violation.oracle,
            violation.message
        ))),
        None => Err(fail(format!(
            "replayed by {form} with {} planted, it no longer fails",
            bug.name()
        ))),
    };
    expect_failure("its run id", replay_once(run, Some(bug)))?;
    if let Some(schedule) = &entry.shuttle_schedule {
        let execution = replay_schedule(run.scenario, schedule, &entry.params, &options(Some(bug)))
            .map_err(fail)?;
        expect_failure("its shuttle schedule", execution)?;
    }
    if let (Some(checkpoint), Driver::Loom { preemption_bound }) =
        (&entry.loom_checkpoint, run.driver)
    {
        let checkpoint = path.with_file_name(checkpoint);
        if !checkpoint.exists() {
            return Err(fail(format!(
                "loom checkpoint {} is missing",
                checkpoint.display()
            )));
        }
        let execution = replay_checkpoint(
            run.scenario,
            preemption_bound,
            &checkpoint,
            &entry.params,
            &options(Some(bug)),
        );
        expect_failure("its loom checkpoint", execution)?;
    }
    Ok(())
}
