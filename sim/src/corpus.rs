//! The corpus: failures the harness found, one small TOML file each, replayed
//! by `cargo test` forever after. The format is described in `corpus/README.md`.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use scenarios::Params;
use scenarios::PlantedBug;
use serde::{Deserialize, Serialize};

use crate::budget::driver_budget;
use crate::engine::{
    Breach, Campaign, Execution, Failure, MAX_SYSTEMATIC_EXECUTIONS, RunId, one_line, replay_once,
    replay_schedule, store_options, thousands,
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
    /// Whether the harness must keep finding this failure: a pinned entry
    /// (a systematic run with a bug planted) whose search no longer breaks
    /// its oracle fails `cargo test`; an entry that is not pinned only
    /// gets a notice.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pinned: bool,
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
            oracle: violation.breach.name().to_owned(),
            pinned: false,
            found: violation.to_string(),
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

    /// The run and planted bug this entry names, checked against this
    /// build: a run id it knows, a bug it knows, and parameters its seed
    /// still names (an entry recorded by a build whose seeds named other
    /// parameters names another run here).
    pub fn identity(&self, path: &Path) -> Result<(RunId, Option<PlantedBug>), CorpusError> {
        let identity = Identity::of(path, self)?;
        identity.check_params(self)?;
        Ok((identity.run, identity.bug))
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
    let breach = Breach::from_name(&entry.oracle)
        .ok_or_else(|| fail(format!("unknown oracle {:?}", entry.oracle)))?;
    let checkpoint_name = entry.file_name().replace(".toml", ".loom.json");
    let options = store_options(entry.planted().map_err(fail)?);
    let engine = run.driver.engine();
    let captured = match engine.checkpoints() {
        Some(checkpoints) => checkpoints
            .capture(
                &run,
                breach,
                &entry.params,
                &options,
                &dir.join(&checkpoint_name),
            )
            .map_err(|error| fail(format!("cannot capture its checkpoint: {error}")))?,
        None => false,
    };
    if captured {
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

/// Checks `entry` against the current store. An entry's identity is its run
/// id; its stored shuttle schedule and loom checkpoint only accelerate its
/// replay, and may go stale when the store changes. Fails (an `Err`) only
/// when the entry is broken or the current store fails its run (a
/// regression). Returns one line for each thing worth knowing that is not a
/// failure: an accelerator that no longer fits the program, or an entry
/// whose run no longer fails with its bug planted (it lost its power;
/// `sim corpus refresh` re-finds it from its campaign).
pub fn verify(path: &Path, entry: &Entry) -> Result<Vec<String>, CorpusError> {
    verify_regression(path, entry)?;
    Identity::of(path, entry)?.notices(entry)
}

/// The first half of [`verify`]: fails if the entry is broken or the
/// current store fails its run; says nothing of the entry's bug.
pub fn verify_regression(path: &Path, entry: &Entry) -> Result<(), CorpusError> {
    let identity = Identity::of(path, entry)?;
    identity.check_params(entry)?;
    match identity.regression()? {
        Some(violation) => Err(identity.fail(format!(
            "the current store fails this run: {}",
            one_line(&violation.to_string())
        ))),
        None => Ok(()),
    }
}

/// What names an entry: its file, run, planted bug and oracle.
struct Identity<'a> {
    path: &'a Path,
    run: RunId,
    bug: Option<PlantedBug>,
    oracle: Breach,
}

impl<'a> Identity<'a> {
    fn of(path: &'a Path, entry: &Entry) -> Result<Identity<'a>, CorpusError> {
        let fail = |problem: String| CorpusError {
            path: path.to_path_buf(),
            problem,
        };
        let run = entry.run_id().map_err(fail)?;
        let bug = entry.planted().map_err(fail)?;
        let oracle = Breach::from_name(&entry.oracle)
            .ok_or_else(|| fail(format!("unknown oracle {:?}", entry.oracle)))?;
        let identity = Identity {
            path,
            run,
            bug,
            oracle,
        };
        if entry.pinned {
            identity.pinned_search().map_err(fail)?;
        }
        Ok(identity)
    }

    /// The search a pinned entry's failure must stay within: its scenario
    /// and driver with its bug planted, campaign seed 0, and a budget. A
    /// systematic driver gets its whole search. A seeded one gets the budget
    /// that misses the bug with a chance below one in a million at its
    /// measured hit rate, which exists only for the bug's home scenario and
    /// oracle under random and pct3 (`sim::budget`).
    fn pinned_search(&self) -> Result<(PlantedBug, usize), String> {
        let Some(bug) = self.bug else {
            return Err("pinned, but no bug is planted: only a planted bug can be lost".to_owned());
        };
        if !self.run.driver.is_seeded() {
            let whole = usize::try_from(MAX_SYSTEMATIC_EXECUTIONS).unwrap_or(usize::MAX);
            return Ok((bug, whole));
        }
        let at_home = bug.home().is_some_and(|(scenario, oracle)| {
            scenario == self.run.scenario && Breach::Oracle(oracle) == self.oracle
        });
        match driver_budget(bug, self.run.driver) {
            Some(budget) if at_home => Ok((bug, budget)),
            _ => Err(format!(
                "pinned, but a seeded run can be pinned only in its bug's home scenario, \
                 breaking its home oracle, under random or pct3, whose hit rates size the \
                 search (see `sim list --bugs`); {} under {} is not",
                self.run.scenario.name(),
                self.run.driver
            )),
        }
    }

    /// What the current store, with no bug planted, breaks in the entry's
    /// run. For a seeded run that is its one schedule. An execution number
    /// of a systematic search names an execution of the search with the
    /// entry's bug planted, whose tree differs without it: there, every
    /// execution of the search up to that number must pass.
    fn regression(&self) -> Result<Option<crate::engine::Violation>, CorpusError> {
        if self.run.driver.is_seeded() {
            let execution = replay_once(self.run, None)
                .map_err(|error| self.fail(format!("names no run of this build: {error}")))?;
            return Ok(execution.violation);
        }
        let executions = usize::try_from(self.run.number).unwrap_or(usize::MAX);
        let campaign = Campaign::new(self.run.scenario, self.run.driver, executions, 0);
        Ok(campaign
            .run()
            .failure
            .and_then(|failure| failure.execution.violation))
    }

    /// Whether the run id still names the parameters the entry recorded.
    fn params_hold(&self, entry: &Entry) -> bool {
        entry.params
            == self
                .run
                .driver
                .params_for(self.run.scenario, self.run.number)
    }

    fn check_params(&self, entry: &Entry) -> Result<(), CorpusError> {
        if self.params_hold(entry) {
            return Ok(());
        }
        Err(self.fail(format!(
            "recorded by another build: {} names other parameters in this one; \
             `sim corpus refresh` re-finds it",
            entry.run
        )))
    }

    fn fail(&self, problem: String) -> CorpusError {
        CorpusError {
            path: self.path.to_path_buf(),
            problem,
        }
    }

    /// Why `execution`, replayed with the bug planted, is not the entry's
    /// failure; `None` if it is.
    fn mismatch(&self, execution: &Execution) -> Option<String> {
        match &execution.violation {
            Some(violation) if violation.breach == self.oracle => None,
            Some(violation) => Some(format!(
                "it broke {} instead: {}",
                violation.breach,
                one_line(&violation.to_string())
            )),
            None => Some("it no longer fails".to_owned()),
        }
    }

    /// The entry's notices: lost power by its run id, stale accelerators.
    /// A pinned entry whose search no longer finds its failure is an error.
    fn notices(&self, entry: &Entry) -> Result<Vec<String>, CorpusError> {
        let Some(bug) = self.bug else {
            return Ok(Vec::new());
        };
        let name = self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        );
        let mut notices = Vec::new();
        let replayed = replay_once(self.run, Some(bug));
        let why = match &replayed {
            Ok(execution) => self.mismatch(execution),
            Err(error) => Some(error.to_string()),
        };
        let run_moved = why.is_some();
        match why {
            None => {}
            Some(why) if entry.pinned => notices.push(self.search_again(&name, &why)?),
            Some(why) => notices.push(format!(
                "{name}: lost its power: replayed by its run id with {} planted, {why}; \
                 `sim corpus refresh` re-finds it",
                bug.name()
            )),
        }
        let stale =
            |form: &str, why: String| format!("{name}: stale {form} ({why}); judged by its run id");
        if let Some(schedule) = &entry.shuttle_schedule {
            let replayed = replay_schedule(
                self.run.scenario,
                schedule,
                &entry.params,
                &store_options(Some(bug)),
            );
            let why = match replayed {
                Err(error) => Some(one_line(&error)),
                Ok(execution) => self.mismatch(&execution),
            };
            notices.extend(why.map(|why| stale("shuttle schedule", why)));
        }
        if let Some(checkpoint) = &entry.loom_checkpoint {
            // A checkpoint is the path to its run's execution: once that
            // moved, so did the path, and replaying a path loom no longer
            // has can abort the process.
            let why = if run_moved {
                Some("its run moved".to_owned())
            } else {
                self.checkpoint_mismatch(&self.path.with_file_name(checkpoint), entry, bug)
            };
            notices.extend(why.map(|why| stale("loom checkpoint", why)));
        }
        Ok(notices)
    }

    /// Why the loom checkpoint `checkpoint` no longer replays the entry's
    /// failure, if it does not.
    fn checkpoint_mismatch(
        &self,
        checkpoint: &Path,
        entry: &Entry,
        bug: PlantedBug,
    ) -> Option<String> {
        let engine = self.run.driver.engine();
        let replayed = checkpoint.exists().then(|| {
            engine.checkpoints().map(|checkpoints| {
                checkpoints.replay(
                    self.run.scenario,
                    checkpoint,
                    &entry.params,
                    &store_options(Some(bug)),
                )
            })
        });
        match replayed {
            None => Some(format!("{} is missing", checkpoint.display())),
            Some(None) => Some(format!("{} keeps no checkpoints", self.run.driver)),
            Some(Some(Err(error))) => Some(format!("cannot replay it: {error}")),
            Some(Some(Ok(execution))) => self.mismatch(&execution),
        }
    }

    /// A pinned entry whose run no longer fails as it did: runs its search
    /// (see [`Identity::pinned_search`]). A notice if the search still breaks
    /// the oracle, at another run; an error if it does not (the harness lost
    /// the bug).
    fn search_again(&self, name: &str, why: &str) -> Result<String, CorpusError> {
        let (bug, budget) = self.pinned_search().map_err(|problem| self.fail(problem))?;
        let failure = Campaign::new(self.run.scenario, self.run.driver, budget, 0)
            .planting(bug)
            .run()
            .failure;
        let search = format!(
            "{} under {} with {} planted, {} schedules",
            self.run.scenario.name(),
            self.run.driver,
            bug.name(),
            thousands(budget as u64)
        );
        match failure {
            Some(failure) if failure.breach() == self.oracle => Ok(format!(
                "{name}: pinned, and its search ({search}) now breaks {} at {} \
                 (its own run: {why}); `sim corpus refresh` re-records it",
                self.oracle,
                failure
                    .run
                    .map_or_else(|| "an unnamed run".to_owned(), |run| run.to_string()),
            )),
            Some(failure) => Err(self.fail(format!(
                "pinned, and lost: its search ({search}) now first breaks {} instead of {}: {}",
                failure.breach(),
                self.oracle,
                one_line(&failure.violation().to_string())
            ))),
            None => Err(self.fail(format!(
                "pinned, and lost: its search ({search}) no longer breaks {}",
                self.oracle
            ))),
        }
    }
}

/// How `sim corpus refresh` dealt with one entry.
#[derive(Debug)]
pub enum Refreshed {
    /// Nothing to do.
    Holds,
    /// Its run still fails; its accelerators were recorded anew.
    Rerecorded(PathBuf),
    /// Its run lost its power; its campaign found the failure again at a
    /// new run, saved in place of the old entry.
    Refound(PathBuf),
    /// Its campaign did not find the failure again within the budget.
    NotRefound(String),
}

/// Brings the entry at `path` up to date with the current store: re-records
/// stale accelerators, and re-finds an entry that lost its power (or whose
/// seed names other parameters now) by running its campaign (its scenario
/// and driver, seed 0, `budget` schedules) with its bug planted. Entries the
/// current store fails are left alone: that is a regression to fix, not to
/// re-record.
pub fn refresh(path: &Path, budget: usize) -> Result<Refreshed, CorpusError> {
    let entry = load(path)?;
    let identity = Identity::of(path, &entry)?;
    let Some(bug) = identity.bug else {
        verify(path, &entry)?;
        return Ok(Refreshed::Holds);
    };
    let params_hold = identity.params_hold(&entry);
    let dir = path.parent().unwrap_or(Path::new("."));
    if params_hold {
        let notices = verify(path, &entry)?;
        if notices.is_empty() {
            return Ok(Refreshed::Holds);
        }
        let replayed = replay_once(identity.run, Some(bug));
        if let Some(execution) = replayed
            .ok()
            .filter(|execution| identity.mismatch(execution).is_none())
        {
            let failure = Failure {
                schedule: 1,
                run: Some(identity.run),
                planted_bug: Some(bug),
                execution,
            };
            let saved = save_failure(dir, &failure, entry.pinned)?;
            return Ok(Refreshed::Rerecorded(saved));
        }
    }
    // A campaign stops at its first failure, which may break another
    // oracle (a bug can show in more than one way): try a few seeds. A
    // systematic search ignores seeds; a pinned one may take its whole
    // search, as its check does.
    let seeds = if identity.run.driver.is_seeded() {
        REFRESH_SEEDS
    } else {
        1
    };
    let budget = match identity.pinned_search() {
        Ok((_, pinned_budget)) if entry.pinned => budget.max(pinned_budget),
        _ => budget,
    };
    let campaign = |seed| {
        Campaign::new(identity.run.scenario, identity.run.driver, budget, seed)
            .planting(bug)
            .run()
            .failure
            .filter(|failure| failure.breach() == identity.oracle)
    };
    match (0..seeds).find_map(campaign) {
        Some(failure) => {
            remove_entry(path, &entry)?;
            Ok(Refreshed::Refound(save_failure(
                dir,
                &failure,
                entry.pinned,
            )?))
        }
        None => Ok(Refreshed::NotRefound(format!(
            "its campaign ({} under {}, {} planted) did not break {} within {budget} \
             schedules for any of {seeds} seed(s)",
            identity.run.scenario.name(),
            identity.run.driver,
            bug.name(),
            identity.oracle,
        ))),
    }
}

/// Campaign seeds `refresh` tries before it gives up on an entry.
const REFRESH_SEEDS: u64 = 8;

fn save_failure(dir: &Path, failure: &Failure, pinned: bool) -> Result<PathBuf, CorpusError> {
    let entry = Entry::from_failure(failure, &today()).ok_or_else(|| CorpusError {
        path: dir.to_path_buf(),
        problem: "the failure has no run id".to_owned(),
    })?;
    save(dir, Entry { pinned, ..entry })
}

/// Removes an entry's file and its loom checkpoint.
fn remove_entry(path: &Path, entry: &Entry) -> Result<(), CorpusError> {
    let fail = |error: std::io::Error| CorpusError {
        path: path.to_path_buf(),
        problem: format!("cannot remove: {error}"),
    };
    if let Some(checkpoint) = &entry.loom_checkpoint {
        let checkpoint = path.with_file_name(checkpoint);
        if checkpoint.exists() {
            fs::remove_file(checkpoint).map_err(fail)?;
        }
    }
    fs::remove_file(path).map_err(fail)
}
