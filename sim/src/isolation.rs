//! Campaigns in child processes, each under a wall-clock watchdog, so that
//! no store bug can take the harness down: an abort, a stack overflow or a
//! hang ends one child, which is reported as a crash with its run id, how it
//! died and the last trace events it wrote, while the other campaigns go on.
//!
//! A child is `sim run ... --child`: the campaign in-process, its usual
//! report on stdout, then one [`RESULT_MARK`] line. A child that dies
//! without that line is run once more with the flight recorder on
//! ([`crate::flight`]): the harness is deterministic, so the crash recurs,
//! and this time stderr says which schedule was running and what it did.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use wait_timeout::ChildExt;

use crate::coverage::Coverage;
use crate::drivers::{Campaign, Report, RunId};
use crate::flight::{EVENT_MARK, SCHEDULE_MARK};

/// What the last stdout line of a child starts with.
pub const RESULT_MARK: &str = "child-result:";

/// How many of a crashed child's last trace events a report shows.
const LAST_EVENTS: usize = 12;

/// A campaign to run in a child process.
#[derive(Clone, Debug)]
pub struct ChildCampaign<'a> {
    /// The `sim` executable.
    pub exe: &'a Path,
    /// What the child runs.
    pub campaign: &'a Campaign,
    /// Wall time after which a child counts as hung and is killed.
    pub watchdog: Duration,
    /// Where the child stores a failure it finds, if anywhere.
    pub save_to: Option<&'a Path>,
}

/// How a child campaign ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChildOutcome {
    /// The child ran its campaign to the end and reported.
    Finished {
        /// Schedules run.
        schedules: usize,
        /// Whether an oracle broke; the report is in `stdout`.
        failed: bool,
        /// The campaign's wall time, as the child measured it.
        elapsed: Duration,
        /// How many schedules reached each situation worth reaching.
        coverage: Coverage,
        /// The child's report, without its result line.
        stdout: String,
    },
    /// The child died or hung.
    Crashed(Crash),
}

/// A child that died without reporting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Crash {
    /// How it died: a signal, an exit code, or the watchdog.
    pub how: String,
    /// The schedule that was running, when the flight recorder saw it.
    pub run: Option<RunId>,
    /// The last trace events of that schedule, oldest first.
    pub last_events: Vec<String>,
}

impl std::fmt::Display for Crash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "CRASH: the campaign's process {}", self.how)?;
        match self.run {
            Some(run) => writeln!(f, "  run:     {run}")?,
            None => writeln!(
                f,
                "  run:     unknown (it crashed before its first schedule)"
            )?,
        }
        writeln!(f, "  last events ({}):", self.last_events.len())?;
        for event in &self.last_events {
            writeln!(f, "    {event}")?;
        }
        write!(
            f,
            "  This is a failure of the store under test; the other campaigns went on."
        )
    }
}

/// What one child printed and how it ended.
struct ChildRun {
    ended: Ending,
    stdout: String,
    stderr: String,
}

enum Ending {
    Exited(ExitStatus),
    KilledByWatchdog,
}

impl ChildCampaign<'_> {
    /// Runs the campaign in a child; a crash is retried once with the
    /// flight recorder on, to learn where it happened.
    pub fn run(&self) -> std::io::Result<ChildOutcome> {
        let first = self.spawn_and_watch(false)?;
        if let Some(outcome) = finished(&first) {
            return Ok(outcome);
        }
        let recorded = self.spawn_and_watch(true)?;
        let (run, last_events) = self.flight_log(&recorded.stderr);
        Ok(ChildOutcome::Crashed(Crash {
            how: self.describe(&first.ended),
            run,
            last_events,
        }))
    }

    fn command(&self, flight_recorder: bool) -> Command {
        let campaign = self.campaign;
        let mut command = Command::new(self.exe);
        command
            .arg("run")
            .arg(campaign.scenario.name())
            .args(["--driver", &campaign.driver.to_string()])
            .args(["--schedules", &campaign.schedules.to_string()])
            .args(["--seed", &format!("{:#x}", campaign.seed)])
            .arg("--child");
        if let Some(bug) = campaign.planted_bug {
            command.args(["--plant", bug.name()]);
        }
        if let Some(dir) = self.save_to {
            command.arg("--save").arg("--corpus").arg(dir);
        }
        if flight_recorder {
            command.arg("--flight-recorder");
        }
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    fn spawn_and_watch(&self, flight_recorder: bool) -> std::io::Result<ChildRun> {
        let mut child = self.command(flight_recorder).spawn()?;
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let ended = match child.wait_timeout(self.watchdog)? {
            Some(status) => Ending::Exited(status),
            None => {
                kill(&mut child)?;
                Ending::KilledByWatchdog
            }
        };
        let joined = |reader: std::thread::JoinHandle<String>| reader.join().unwrap_or_default();
        Ok(ChildRun {
            ended,
            stdout: joined(stdout),
            stderr: joined(stderr),
        })
    }

    fn describe(&self, ended: &Ending) -> String {
        match ended {
            Ending::KilledByWatchdog => {
                format!("hung: the watchdog killed it after {:?}", self.watchdog)
            }
            Ending::Exited(status) => describe_status(*status),
        }
    }

    /// The schedule the flight recorder saw running last, and its last events.
    fn flight_log(&self, stderr: &str) -> (Option<RunId>, Vec<String>) {
        let (number, events) = flight_log(stderr);
        let run = number.map(|number| RunId {
            scenario: self.campaign.scenario,
            driver: self.campaign.driver,
            number,
        });
        (run, events)
    }
}

/// From a flight-recorded child's stderr: the number of the schedule that
/// was running last, and its last [`LAST_EVENTS`] trace events.
pub fn flight_log(stderr: &str) -> (Option<u64>, Vec<String>) {
    let mut number = None;
    let mut events: Vec<String> = Vec::new();
    for line in stderr.lines() {
        if let Some(text) = line.strip_prefix(SCHEDULE_MARK) {
            number = text.trim().parse().ok();
            events.clear();
        } else if let Some(event) = line.strip_prefix(EVENT_MARK) {
            events.push(event.to_owned());
        }
    }
    let skip = events.len().saturating_sub(LAST_EVENTS);
    (number, events.split_off(skip))
}

/// The child's own report, if it finished one.
fn finished(child: &ChildRun) -> Option<ChildOutcome> {
    let Ending::Exited(status) = child.ended else {
        return None;
    };
    if !matches!(status.code(), Some(0 | 1)) {
        return None;
    }
    let (report, result) = child
        .stdout
        .trim_end()
        .rsplit_once('\n')
        .unwrap_or(("", &child.stdout));
    let fields = result.trim().strip_prefix(RESULT_MARK)?;
    let text = |name: &str| -> Option<&str> {
        fields
            .split_whitespace()
            .find_map(|field| field.strip_prefix(name)?.strip_prefix('='))
    };
    let field = |name: &str| -> Option<u64> { text(name)?.parse().ok() };
    Some(ChildOutcome::Finished {
        schedules: usize::try_from(field("schedules")?).ok()?,
        failed: field("failed")? != 0,
        elapsed: Duration::from_millis(field("elapsed_ms")?),
        coverage: Coverage::from_field(text("coverage")?).ok()?,
        stdout: report.to_owned(),
    })
}

/// The line a child ends its report with.
pub fn result_line(report: &Report) -> String {
    format!(
        "{RESULT_MARK} schedules={} failed={} elapsed_ms={} coverage={}",
        report.schedules_run,
        u8::from(report.failure.is_some()),
        report.elapsed.as_millis(),
        report.coverage.to_field()
    )
}

/// Reads a child's pipe to its end on a thread of its own, so a chatty
/// child never blocks on a full pipe while the parent waits for it.
pub fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Kills `child` and reaps it.
pub fn kill(child: &mut Child) -> std::io::Result<()> {
    child.kill()?;
    child.wait().map(drop)
}

/// How a child that exited without reporting ended, in words.
#[cfg(unix)]
pub fn describe_status(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.signal(), status.code()) {
        (Some(signal), _) => format!("died of signal {signal} ({})", signal_name(signal)),
        (None, Some(code)) => format!("exited with code {code} without reporting"),
        (None, None) => "ended without an exit status".to_owned(),
    }
}

/// How a child that exited without reporting ended, in words.
#[cfg(not(unix))]
pub fn describe_status(status: ExitStatus) -> String {
    format!("exited with {status} without reporting")
}

#[cfg(unix)]
fn signal_name(signal: i32) -> &'static str {
    match signal {
        6 => "SIGABRT: an abort, e.g. a panic while panicking",
        9 => "SIGKILL",
        11 => "SIGSEGV: e.g. a stack overflow",
        _ => "see signal(7)",
    }
}
