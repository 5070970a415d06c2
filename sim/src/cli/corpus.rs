//! `sim corpus check` and `sim corpus refresh`. Each entry is handled in a
//! child process of its own: replaying a loom failure can abort the
//! process (loom aborts on some failures), and one entry must not take the
//! others, or `sim`, down with it.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::args;
use super::{Report, UsageError, Verdict};
use crate::child::{self, Message, Outcome, Spec};
use crate::corpus::{self, Refreshed};

/// What to do with the corpus.
#[derive(Debug, clap::Subcommand)]
pub enum CorpusAction {
    /// Check every entry against the current store: exit 1 on a regression
    /// or a broken entry; print one line per stale accelerator or entry
    /// that lost its power.
    Check {
        /// The corpus directory.
        #[arg(long, value_name = "DIR", default_value = "corpus")]
        corpus: PathBuf,
    },
    /// Re-record stale schedules and checkpoints, and re-find entries that
    /// lost their power by running their campaign again.
    Refresh {
        /// The corpus directory.
        #[arg(long, value_name = "DIR", default_value = "corpus")]
        corpus: PathBuf,
        /// Most schedules a campaign may take to re-find a failure.
        #[arg(long, default_value = "10000", value_parser = args::at_least_one, allow_hyphen_values = true)]
        schedules: u64,
    },
    /// Check one entry (a child of `sim corpus check`).
    #[command(hide = true)]
    CheckEntry {
        /// The entry's file.
        entry: PathBuf,
        /// Only whether the current store passes the entry's run.
        #[arg(long)]
        regression_only: bool,
    },
    /// Refresh one entry (a child of `sim corpus refresh`).
    #[command(hide = true)]
    RefreshEntry {
        /// The entry's file.
        entry: PathBuf,
        /// Most schedules a campaign may take to re-find a failure.
        #[arg(long)]
        schedules: u64,
    },
}

/// How long one entry's child may take.
const ENTRY_WATCHDOG: Duration = Duration::from_secs(600);

/// One line per entry worth a line, and whether any failed.
pub(super) struct CorpusReport {
    lines: Vec<String>,
    failed: bool,
    /// What a child handling one entry tells its parent.
    entry: Option<Message>,
}

impl fmt::Display for CorpusReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.lines.iter().try_for_each(|line| writeln!(f, "{line}"))
    }
}

impl Report for CorpusReport {
    fn verdict(&self) -> Verdict {
        Verdict::failed_if(self.failed)
    }

    fn messages(&self) -> Vec<Message> {
        self.entry.iter().cloned().collect()
    }
}

pub(super) fn corpus(action: &CorpusAction) -> Result<CorpusReport, UsageError> {
    match action {
        CorpusAction::Check { corpus } => each_entry(corpus, "entries checked", |path| {
            Ok(Spec::new(&exe()?, entry_args("check-entry", path, [])))
        }),
        CorpusAction::Refresh { corpus, schedules } => {
            each_entry(corpus, "entries refreshed", |path| {
                let budget = ["--schedules".into(), schedules.to_string().into()];
                Ok(Spec::new(
                    &exe()?,
                    entry_args("refresh-entry", path, budget),
                ))
            })
        }
        CorpusAction::CheckEntry {
            entry,
            regression_only,
        } => Ok(one_entry(check_entry(entry, *regression_only))),
        CorpusAction::RefreshEntry { entry, schedules } => Ok(one_entry(refresh_entry(
            entry,
            usize::try_from(*schedules).unwrap_or(usize::MAX),
        ))),
    }
}

fn exe() -> Result<PathBuf, UsageError> {
    std::env::current_exe()
        .map_err(|error| UsageError(format!("cannot find the sim executable: {error}")))
}

fn entry_args<const N: usize>(action: &str, path: &Path, extra: [OsString; N]) -> Vec<OsString> {
    let mut args: Vec<OsString> = ["--child", "corpus", action].map(OsString::from).to_vec();
    args.push(path.as_os_str().to_owned());
    args.extend(extra);
    args
}

/// Runs the child `child_of(path)` for every entry of `dir`, in order, and
/// gathers their lines; `ending` names the count on the last line.
fn each_entry(
    dir: &Path,
    ending: &str,
    child_of: impl Fn(&Path) -> Result<Spec, UsageError>,
) -> Result<CorpusReport, UsageError> {
    if !dir.is_dir() {
        return Err(UsageError(format!(
            "no corpus directory at {}: run sim from the repository's root, or give --corpus DIR",
            dir.display()
        )));
    }
    let entries = corpus::load_dir(dir)?;
    let mut report = CorpusReport {
        lines: Vec::new(),
        failed: false,
        entry: None,
    };
    for (path, _) in &entries {
        let spec = child_of(path)?;
        let outcome = child::run_to_end(&spec, ENTRY_WATCHDOG)
            .map_err(|error| UsageError(format!("cannot run a corpus child: {error}")))?;
        let (failure, notices) = match outcome {
            Outcome::Finished { messages, .. } => entry_verdict(&messages),
            Outcome::Crashed(crash) => crashed(path, &crash)?,
            Outcome::Interrupted => {
                report
                    .lines
                    .push("INTERRUPTED: the other entries were not handled".to_owned());
                break;
            }
        };
        report.lines.extend(notices);
        if let Some(failure) = failure {
            report.lines.push(format!("FAILED: {failure}"));
            report.failed = true;
        }
    }
    report.lines.push(format!("{} {ending}", entries.len()));
    Ok(report)
}

fn entry_verdict(messages: &[Message]) -> (Option<String>, Vec<String>) {
    messages
        .iter()
        .find_map(|message| match message {
            Message::Entry { failure, notices } => Some((failure.clone(), notices.clone())),
            _ => None,
        })
        .unwrap_or_else(|| (Some("its child reported nothing".to_owned()), Vec::new()))
}

/// An entry whose child crashed: a failure if the current store crashes
/// on the entry's run; otherwise the crash came with the entry's bug
/// planted, which shows the bug (not by its oracle): a notice.
fn crashed(path: &Path, crash: &child::Crash) -> Result<(Option<String>, Vec<String>), UsageError> {
    let last = crash
        .log
        .last_events
        .last()
        .map(String::as_str)
        .unwrap_or("none");
    let spec = Spec::new(
        &exe()?,
        entry_args("check-entry", path, ["--regression-only".into()]),
    );
    let regression = child::run_to_end(&spec, ENTRY_WATCHDOG)
        .map_err(|error| UsageError(format!("cannot run a corpus child: {error}")))?;
    let name = path.display();
    let pinned = corpus::load(path).is_ok_and(|entry| entry.pinned);
    Ok(match regression {
        Outcome::Finished { messages, .. } if entry_verdict(&messages).0.is_none() && pinned => (
            Some(format!(
                "{name}: pinned, and lost: replayed with its bug planted, its process {} \
                 (last event: {last}) instead of breaking its oracle",
                crash.how
            )),
            Vec::new(),
        ),
        Outcome::Finished { messages, .. } if entry_verdict(&messages).0.is_none() => (
            None,
            vec![format!(
                "notice: {name}: replayed with its bug planted, its process {} (last event: {last}); \
                 the bug still shows, though not by its oracle",
                crash.how
            )],
        ),
        _ => (
            Some(format!(
                "{name}: the current store crashes on this run: its process {} (last event: {last})",
                crash.how
            )),
            Vec::new(),
        ),
    })
}

fn one_entry((failure, notices): (Option<String>, Vec<String>)) -> CorpusReport {
    CorpusReport {
        lines: Vec::new(),
        failed: failure.is_some(),
        entry: Some(Message::Entry { failure, notices }),
    }
}

/// The verdict on one entry: why it fails, and its notices.
fn check_entry(path: &Path, regression_only: bool) -> (Option<String>, Vec<String>) {
    let checked = corpus::load(path).and_then(|entry| {
        if regression_only {
            corpus::verify_regression(path, &entry).map(|()| Vec::new())
        } else {
            corpus::verify(path, &entry)
        }
    });
    match checked {
        Ok(notices) => (
            None,
            notices
                .into_iter()
                .map(|notice| format!("notice: {notice}"))
                .collect(),
        ),
        Err(error) => (Some(error.to_string()), Vec::new()),
    }
}

/// The refresh of one entry: why it failed, and what was done.
fn refresh_entry(path: &Path, schedules: usize) -> (Option<String>, Vec<String>) {
    let name = path.display();
    match corpus::refresh(path, schedules) {
        Ok(Refreshed::Holds) => (None, Vec::new()),
        Ok(Refreshed::Rerecorded(saved)) => (
            None,
            vec![format!(
                "{name}: re-recorded its schedule/checkpoint in {}",
                saved.display()
            )],
        ),
        Ok(Refreshed::Refound(saved)) => (
            None,
            vec![format!("{name}: re-found, replaced by {}", saved.display())],
        ),
        Ok(Refreshed::NotRefound(why)) => (Some(format!("{name}: left as is: {why}")), Vec::new()),
        Err(error) => (Some(error.to_string()), Vec::new()),
    }
}
