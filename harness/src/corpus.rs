//! A component's corpus: failures found, one TOML file each, checked again
//! by `NAME corpus check DIR` and by a test.
//!
//! An entry names a scenario and a run, and says what that run must do:
//! still fail with the same [signature](crate::check::Failure::signature)
//! (`expect = "fails"`, what `run --save` writes: a planted bug the
//! harness must keep finding), or pass (`expect = "passes"`: a real bug,
//! since fixed, that must stay fixed). The run id is the entry's identity:
//! a seeded run replays from its seed, a systematic one from its execution
//! number. A run on real threads does not replay exactly, so it is never
//! saved.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::Scenario;
use crate::check::{Check, Failure, NoSuchRun, ReplayError, RunId};

/// The extension of an entry's file.
pub const ENTRY_EXTENSION: &str = "toml";

/// One saved run and what it must do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The scenario's name in its registry.
    pub scenario: String,
    /// The run, as a failure prints it.
    #[serde(with = "run_id_text")]
    pub run: RunId,
    /// What the run must do now.
    pub expect: Expect,
    /// The failure's signature when it was saved.
    pub signature: String,
}

/// What an entry's run must do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Expect {
    /// Fail with the same signature: a bug the harness must keep finding.
    Fails,
    /// Pass: a bug since fixed, which must stay fixed.
    Passes,
}

/// What an entry's run did when checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// What the entry expects.
    AsExpected,
    /// It was to fail, and passes now.
    PassesNow,
    /// It was to fail as saved, and fails otherwise: `now` is the message.
    FailsDifferently {
        /// The failure's message now.
        now: String,
    },
    /// It was to pass, and fails: a regression.
    FailsNow {
        /// The failure's message.
        now: String,
    },
}

/// An entry checked: its file, itself and its verdict.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The entry's file.
    pub path: PathBuf,
    /// The entry.
    pub entry: Entry,
    /// What its run did.
    pub verdict: Verdict,
}

/// Why a corpus cannot be read, saved to or checked.
#[derive(Debug)]
pub enum CorpusError {
    /// A file or the directory could not be read or written.
    Io {
        /// The path.
        path: PathBuf,
        /// What went wrong.
        error: io::Error,
    },
    /// A file is no entry.
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// An entry names a scenario the registry does not have.
    NoSuchScenario {
        /// The file.
        path: PathBuf,
        /// The name it gives.
        scenario: String,
    },
    /// The run cannot be saved: it does not replay exactly.
    NotReplayable(RunId),
    /// An entry's run is no run of its scenario.
    NoSuchRun {
        /// The file.
        path: PathBuf,
        /// Why its run is none.
        no_such_run: NoSuchRun,
    },
}

impl fmt::Display for CorpusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorpusError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            CorpusError::Malformed { path, reason } => {
                write!(f, "{} is no corpus entry: {reason}", path.display())
            }
            CorpusError::NoSuchScenario { path, scenario } => write!(
                f,
                "{} names the scenario {scenario:?}, which the registry does not have",
                path.display()
            ),
            CorpusError::NotReplayable(run) => write!(
                f,
                "{run} ran on real threads, which do not replay exactly: not saved"
            ),
            CorpusError::NoSuchRun { path, no_such_run } => {
                write!(f, "{}: {no_such_run}", path.display())
            }
        }
    }
}

impl std::error::Error for CorpusError {}

/// Saves `failure`, found in `scenario`, to `dir` (made if missing) as an
/// entry that must keep failing: its file's path.
pub fn save(dir: &Path, scenario: &str, failure: &Failure) -> Result<PathBuf, CorpusError> {
    if !failure.run.engine.replays_exactly() {
        return Err(CorpusError::NotReplayable(failure.run));
    }
    let entry = Entry {
        scenario: scenario.to_owned(),
        run: failure.run,
        expect: Expect::Fails,
        signature: failure.signature(),
    };
    let io_error = |path: &Path| {
        let path = path.to_owned();
        move |error| CorpusError::Io { path, error }
    };
    fs::create_dir_all(dir).map_err(io_error(dir))?;
    // A run id may name a PCT step bound (`pct3/16:0x…`): no `/` in a name.
    let run = failure.run.to_string().replace(':', "--").replace('/', "-");
    let path = dir.join(format!("{scenario}--{run}.{ENTRY_EXTENSION}"));
    let text = toml::to_string(&entry).map_err(|error| CorpusError::Malformed {
        path: path.clone(),
        reason: error.to_string(),
    })?;
    fs::write(&path, text).map_err(io_error(&path))?;
    Ok(path)
}

/// Every entry of `dir`, by file name.
pub fn load(dir: &Path) -> Result<Vec<(PathBuf, Entry)>, CorpusError> {
    let io_error = |path: &Path| {
        let path = path.to_owned();
        move |error| CorpusError::Io { path, error }
    };
    let mut paths = Vec::new();
    for item in fs::read_dir(dir).map_err(io_error(dir))? {
        let path = item.map_err(io_error(dir))?.path();
        if path.extension().is_some_and(|ext| ext == ENTRY_EXTENSION) {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).map_err(io_error(&path))?;
            let entry = toml::from_str(&text).map_err(|error| CorpusError::Malformed {
                path: path.clone(),
                reason: error.to_string(),
            })?;
            Ok((path, entry))
        })
        .collect()
}

/// Replays every entry of `dir` against `scenarios`: each with its
/// verdict. An entry naming no scenario of the registry is an error, not
/// a verdict: the corpus and the registry disagree.
pub fn check(dir: &Path, scenarios: &[Scenario]) -> Result<Vec<Checked>, CorpusError> {
    let entries = load(dir)?;
    let mut checked = Vec::with_capacity(entries.len());
    for (path, entry) in entries {
        let Some(scenario) = scenarios.iter().find(|s| s.name == entry.scenario) else {
            return Err(CorpusError::NoSuchScenario {
                path,
                scenario: entry.scenario,
            });
        };
        let replayed = match Check::replay(entry.run, scenario.body) {
            Ok(()) => Ok(()),
            Err(ReplayError::Found(failure)) => Err(failure),
            Err(ReplayError::NoSuchRun(no_such_run)) => {
                return Err(CorpusError::NoSuchRun { path, no_such_run });
            }
        };
        let verdict = verdict(&entry, replayed);
        checked.push(Checked {
            path,
            entry,
            verdict,
        });
    }
    Ok(checked)
}

/// What `replayed` means for `entry`.
fn verdict(entry: &Entry, replayed: Result<(), Box<Failure>>) -> Verdict {
    match (entry.expect, replayed) {
        (Expect::Fails, Err(failure)) if failure.signature() == entry.signature => {
            Verdict::AsExpected
        }
        (Expect::Fails, Err(failure)) => Verdict::FailsDifferently {
            now: failure.message,
        },
        (Expect::Fails, Ok(())) => Verdict::PassesNow,
        (Expect::Passes, Ok(())) => Verdict::AsExpected,
        (Expect::Passes, Err(failure)) => Verdict::FailsNow {
            now: failure.message,
        },
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::AsExpected => f.write_str("as expected"),
            Verdict::PassesNow => f.write_str("passes now, and was to fail"),
            Verdict::FailsDifferently { now } => {
                write!(f, "fails otherwise than it was saved: {now}")
            }
            Verdict::FailsNow { now } => write!(f, "fails, and was to pass: {now}"),
        }
    }
}

/// A run id in an entry: the text a failure prints.
mod run_id_text {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::check::RunId;

    pub(super) fn serialize<S: Serializer>(run: &RunId, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(run)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<RunId, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Engine;

    fn failure(run: &str, message: &str) -> Failure {
        Failure {
            run: run.parse().expect("a run id"),
            schedules: 1,
            message: message.to_owned(),
            raised: None,
            facts: Vec::new(),
            facts_dropped: 0,
            thread_names: std::collections::BTreeMap::new(),
        }
    }

    fn entry(expect: Expect) -> Entry {
        Entry {
            scenario: "queue".to_owned(),
            run: RunId {
                engine: Engine::Random,
                number: 7,
            },
            expect,
            signature: failure("random:0x7", "lost 3 items").signature(),
        }
    }

    #[test]
    fn a_saved_failure_loads_back_as_an_entry_that_must_keep_failing() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let saved =
            save(dir.path(), "queue", &failure("random:0x7", "lost 3 items")).expect("saved");
        assert_eq!(
            saved.file_name().and_then(|name| name.to_str()),
            Some("queue--random--0x0000000000000007.toml")
        );
        let loaded = load(dir.path()).expect("loads");
        assert_eq!(loaded, vec![(saved, entry(Expect::Fails))]);
    }

    #[test]
    fn a_run_id_with_a_step_bound_is_saved_in_the_corpus_itself() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let saved =
            save(dir.path(), "queue", &failure("pct3/16:0x7", "lost 3 items")).expect("saved");
        assert_eq!(saved.parent(), Some(dir.path()));
        let loaded = load(dir.path()).expect("loads");
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].1.run.to_string(), "pct3/16:0x0000000000000007");
    }

    #[test]
    fn a_run_on_real_threads_is_never_saved() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let refused = save(dir.path(), "queue", &failure("threads:0x1", "boom"));
        assert!(matches!(refused, Err(CorpusError::NotReplayable(_))));
    }

    #[test]
    fn a_file_that_is_no_entry_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("broken.toml");
        fs::write(&path, "scenario = \"queue\"\nrun = \"nowhere:1\"\n").expect("written");
        let error = load(dir.path()).expect_err("malformed");
        assert!(
            error
                .to_string()
                .starts_with(&format!("{} is no corpus entry", path.display()))
        );
    }

    #[test]
    fn a_run_that_fails_as_saved_is_as_expected_and_otherwise_says_what_changed() {
        let fails = entry(Expect::Fails);
        let same = failure("random:0x7", "lost 5 items");
        let other = failure("random:0x7", "deadlock");
        assert_eq!(verdict(&fails, Err(Box::new(same))), Verdict::AsExpected);
        assert_eq!(
            verdict(&fails, Err(Box::new(other))),
            Verdict::FailsDifferently {
                now: "deadlock".to_owned()
            }
        );
        assert_eq!(verdict(&fails, Ok(())), Verdict::PassesNow);
    }

    #[test]
    fn a_run_that_was_to_pass_and_fails_is_a_regression() {
        let passes = entry(Expect::Passes);
        assert_eq!(verdict(&passes, Ok(())), Verdict::AsExpected);
        assert_eq!(
            verdict(&passes, Err(Box::new(failure("random:0x7", "boom")))),
            Verdict::FailsNow {
                now: "boom".to_owned()
            }
        );
    }

    #[test]
    fn an_entry_naming_no_scenario_of_the_registry_is_an_error() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        save(dir.path(), "gone", &failure("random:0x7", "boom")).expect("saved");
        let error = check(dir.path(), &[]).expect_err("no such scenario");
        assert!(
            matches!(error, CorpusError::NoSuchScenario { scenario, .. } if scenario == "gone")
        );
    }

    #[test]
    fn an_entry_naming_a_dfs_execution_past_its_search_is_an_error() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        save(dir.path(), "alone", &failure("dfs:1000", "boom")).expect("saved");
        // One thread: a search of one execution.
        let scenarios = [Scenario::new("alone", "one thread", || {})];
        let error = check(dir.path(), &scenarios).expect_err("no such run");
        assert!(
            matches!(
                error,
                CorpusError::NoSuchRun { no_such_run, .. } if no_such_run.executions == 1
            ),
            "{error}"
        );
    }
}
