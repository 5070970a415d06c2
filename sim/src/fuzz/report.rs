//! What `sim fuzz` shows while it runs and when it ends: a progress bar on
//! a terminal (a plain line every few seconds otherwise), one line per new
//! failure, JSON lines for CI tools, and the summary.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use scenarios::PlantedBug;
use serde_json::json;

use super::fleet::{Budget, Findings, Kind, Observer, Plan, UniqueFailure};
use crate::coverage::Situation;

/// How often the plain progress line is printed without a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// How often the bar is redrawn.
const BAR_EVERY: Duration = Duration::from_millis(250);

enum Progress {
    Bar(ProgressBar),
    Plain,
}

/// Shows progress and writes the JSON lines.
pub(crate) struct Reporter {
    progress: Progress,
    last_shown: Instant,
    budget: Budget,
    planted_bug: Option<PlantedBug>,
    shard: String,
    json: Option<BufWriter<File>>,
    json_error: Option<std::io::Error>,
}

impl Reporter {
    /// A reporter for `plan`, writing JSON lines to `json` if given (the
    /// file is created now, so a bad path fails before anything runs).
    pub(crate) fn new(plan: &Plan, json: Option<&Path>) -> std::io::Result<Reporter> {
        let json = json
            .map(|path| File::create(path).map(BufWriter::new))
            .transpose()?;
        let progress = if std::io::stderr().is_terminal() {
            let length = match plan.budget {
                Budget::Runs(runs) => runs,
                Budget::Duration(duration) => duration.as_millis() as u64,
            };
            let bar = ProgressBar::new(length);
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] [{wide_bar}] {percent:>3}%\n  {wide_msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            Progress::Bar(bar)
        } else {
            Progress::Plain
        };
        Ok(Reporter {
            progress,
            last_shown: Instant::now(),
            budget: plan.budget,
            planted_bug: plan.planted_bug,
            shard: plan.shard.to_string(),
            json,
            json_error: None,
        })
    }

    fn status(&self, findings: &Findings, elapsed: Duration) -> String {
        let reached = Situation::COUNT - findings.coverage.unreached().len();
        let left = match self.budget {
            Budget::Runs(runs) => format!("{} runs left", runs.saturating_sub(findings.runs)),
            Budget::Duration(duration) => {
                format!(
                    "{:.0} s left",
                    duration.saturating_sub(elapsed).as_secs_f64()
                )
            }
        };
        format!(
            "{} runs, {:.0} runs/s, {} unique failure(s), coverage {reached}/{}, {left}",
            findings.runs,
            rate(findings.runs, elapsed),
            findings.failures.len(),
            Situation::COUNT
        )
    }

    fn write_json(&mut self, value: &serde_json::Value) {
        if let Some(json) = &mut self.json {
            let written = writeln!(json, "{value}").and_then(|()| json.flush());
            if let Err(error) = written {
                self.json_error.get_or_insert(error);
            }
        }
    }

    /// Ends the progress display and writes the summary's JSON line; the
    /// first JSON write error, if any, comes back.
    pub(crate) fn finish(
        mut self,
        plan: &Plan,
        findings: &Findings,
        elapsed: Duration,
    ) -> std::io::Result<()> {
        if let Progress::Bar(bar) = &self.progress {
            bar.finish_and_clear();
        }
        let coverage: serde_json::Map<String, serde_json::Value> = Situation::all()
            .map(|situation| (situation.name(), findings.coverage.runs(situation).into()))
            .collect();
        let unreached: Vec<String> = findings
            .coverage
            .unreached()
            .iter()
            .map(|situation| situation.name())
            .collect();
        let failures: Vec<serde_json::Value> = findings
            .failures
            .iter()
            .map(|failure| {
                json!({
                    "signature": failure.signature.as_str(),
                    "kind": failure.kind.name(),
                    "runs": failure.runs,
                    "replay": failure.replay_command(self.planted_bug),
                })
            })
            .collect();
        let summary = json!({
            "type": "summary",
            "shard": self.shard,
            "seed": format!("{:#x}", plan.base_seed),
            "jobs": plan.jobs,
            "planted_bug": plan.planted_bug.map(|bug| bug.name()),
            "runs": findings.runs,
            "failing_runs": findings.failing_runs,
            "unique_failures": findings.failures.len(),
            "elapsed_s": elapsed.as_secs_f64(),
            "runs_per_s": rate(findings.runs, elapsed),
            "interrupted": findings.interrupted,
            "coverage": coverage,
            "unreached": unreached,
            "failures": failures,
        });
        self.write_json(&summary);
        match self.json_error.take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

impl Observer for Reporter {
    fn new_failure(&mut self, failure: &UniqueFailure) {
        let line = format!(
            "new failure: {} ({})\n  replay: {}",
            failure.signature,
            failure.kind.name(),
            failure.replay_command(self.planted_bug)
        );
        match &self.progress {
            Progress::Bar(bar) => bar.println(line),
            Progress::Plain => eprintln!("{line}"),
        }
        let record = json!({
            "type": "failure",
            "shard": self.shard,
            "signature": failure.signature.as_str(),
            "kind": failure.kind.name(),
            "seed": format!("{:#018x}", failure.seed),
            "run": failure.run,
            "replay": failure.replay_command(self.planted_bug),
            "oracle": failure.oracle,
            "message": failure.message,
            "last_events": failure.last_events,
            "found_after_s": failure.found_after.as_secs_f64(),
        });
        self.write_json(&record);
    }

    fn progress(&mut self, findings: &Findings, elapsed: Duration) {
        let every = match self.progress {
            Progress::Bar(_) => BAR_EVERY,
            Progress::Plain => PLAIN_EVERY,
        };
        if self.last_shown.elapsed() < every {
            return;
        }
        self.last_shown = Instant::now();
        let status = self.status(findings, elapsed);
        match &self.progress {
            Progress::Bar(bar) => {
                let position = match self.budget {
                    Budget::Runs(_) => findings.runs,
                    Budget::Duration(_) => elapsed.as_millis() as u64,
                };
                bar.set_position(position);
                bar.set_message(status);
            }
            Progress::Plain => eprintln!("fuzz: {:.0} s: {status}", elapsed.as_secs_f64()),
        }
    }
}

fn rate(runs: u64, elapsed: Duration) -> f64 {
    runs as f64 / elapsed.as_secs_f64().max(1e-9)
}

/// The summary `sim fuzz` prints when it ends.
pub(crate) fn summary(plan: &Plan, findings: &Findings, elapsed: Duration) -> String {
    let mut text = String::new();
    let plant = plan
        .planted_bug
        .map(|bug| format!(", planted {}", bug.name()))
        .unwrap_or_default();
    let _ = writeln!(
        text,
        "fuzz: {} runs in {:.1} s ({:.0} runs/s), {} job(s), shard {}, seed {:#x}{plant}",
        findings.runs,
        elapsed.as_secs_f64(),
        rate(findings.runs, elapsed),
        plan.jobs,
        plan.shard,
        plan.base_seed
    );
    if findings.interrupted {
        let _ = writeln!(
            text,
            "INTERRUPTED: stopped by a signal before the budget ended; what follows is what was found"
        );
    }
    let _ = writeln!(
        text,
        "{} unique failure(s) in {} failing run(s)",
        findings.failures.len(),
        findings.failing_runs
    );
    for (number, failure) in findings.failures.iter().enumerate() {
        let title = match failure.kind {
            Kind::Store => "FAILURE",
            Kind::HarnessBug => "HARNESS BUG",
            Kind::Crash => "CRASH",
        };
        let _ = writeln!(text, "\n{title} {}: {} run(s)", number + 1, failure.runs);
        let _ = writeln!(text, "  signature: {}", failure.signature);
        let _ = writeln!(
            text,
            "  run:       {} (swarm seed {:#018x})",
            failure.run, failure.seed
        );
        let _ = writeln!(
            text,
            "  found:     after {:.2} s; oracle {}",
            failure.found_after.as_secs_f64(),
            failure.oracle
        );
        let _ = writeln!(text, "  what:      {}", failure.message);
        for event in &failure.last_events {
            let _ = writeln!(text, "  event:     {event}");
        }
        let _ = writeln!(
            text,
            "  replay:    {}",
            failure.replay_command(plan.planted_bug)
        );
    }
    let _ = writeln!(text, "\nCoverage: runs that reached each situation\n");
    text.push_str(&crate::coverage::table(&findings.coverage, findings.runs));
    text
}
