//! `sim fuzz` (the parent) and `sim fuzz-job` (one of its children).

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use scenarios::PlantedBug;

use super::args::{self, SaveArgs};
use super::save::SAVE_SHRINK_TRIES;
use super::{Report, UsageError, Verdict};
use crate::child::{self, Message, Outcome, Spec};
use crate::fuzz::fleet::{self, Budget, Findings, Kind, Plan};
use crate::fuzz::job::{Job, JobEnd};
use crate::fuzz::report::{Reporter, summary};
use crate::fuzz::seeds::{SeedStream, Shard};

/// What `sim fuzz` runs.
#[derive(Debug, clap::Args)]
#[command(mut_arg("save", |arg| {
    arg.help("Store one shrunk corpus entry per failure signature found")
}))]
pub struct FuzzArgs {
    /// Wall time to fuzz, e.g. 30s, 10m, 1h (default 1m unless --runs).
    #[arg(long, value_parser = args::duration, conflicts_with = "runs", allow_hyphen_values = true)]
    pub duration: Option<Duration>,
    /// Runs to do in this shard, instead of a duration.
    #[arg(long, value_parser = args::at_least_one, allow_hyphen_values = true)]
    pub runs: Option<u64>,
    /// Child processes, 1 to 256 (default: the number of cores).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=256), allow_hyphen_values = true)]
    pub jobs: Option<u64>,
    /// Run shard I of N (1-based) of the seed space, so that N machines never repeat each other.
    #[arg(long, value_name = "I/N", default_value = "1/1", value_parser = shard, allow_hyphen_values = true)]
    pub shard: Shard,
    /// The campaign's seed (decimal or 0x hex).
    #[arg(long, value_parser = args::seed, default_value = "0", allow_hyphen_values = true)]
    pub seed: u64,
    /// Plant a bug into every store (see `sim list --bugs`).
    #[arg(long, value_name = "BUG", value_parser = args::planted_bug)]
    pub plant: Option<PlantedBug>,
    /// `--save` and `--corpus`.
    #[command(flatten)]
    pub save: SaveArgs,
    /// Write JSON lines here: one per new failure signature, then a summary.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Exit 1 if any situation of the coverage table was never reached.
    #[arg(long)]
    pub require_coverage: bool,
    /// End at the first failure instead of at the end of the budget.
    #[arg(long)]
    pub stop_on_failure: bool,
    /// Seconds one run may take before its job counts as hung.
    #[arg(long, value_name = "SECS", default_value = "120", value_parser = args::watchdog_seconds)]
    pub watchdog: Duration,
}

fn shard(text: &str) -> Result<Shard, String> {
    text.parse()
}

/// `sim fuzz`'s budget when neither `--duration` nor `--runs` is given.
const DEFAULT_DURATION: Duration = Duration::from_secs(60);

/// What the fuzzing found.
pub(super) struct FuzzReport {
    plan: Plan,
    findings: Findings,
    elapsed: Duration,
    /// One line per failure `--save` dealt with.
    saved: Vec<String>,
    /// Coverage was required and these situations were never reached.
    unreached_but_required: Vec<String>,
}

impl fmt::Display for FuzzReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", summary(&self.plan, &self.findings, self.elapsed))?;
        for line in &self.saved {
            writeln!(f, "{line}")?;
        }
        if !self.unreached_but_required.is_empty() {
            writeln!(
                f,
                "\ncoverage required, never reached: {}",
                self.unreached_but_required.join(", ")
            )?;
        }
        Ok(())
    }
}

impl Report for FuzzReport {
    fn verdict(&self) -> Verdict {
        Verdict::failed_if(
            !self.findings.failures.is_empty() || !self.unreached_but_required.is_empty(),
        )
    }
}

fn plan(args: &FuzzArgs) -> Result<Plan, UsageError> {
    let budget = match (args.duration, args.runs) {
        (_, Some(runs)) => Budget::Runs(runs),
        (duration, None) => Budget::Duration(duration.unwrap_or(DEFAULT_DURATION)),
    };
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, |cores| cores.get() as u64)
    });
    Ok(Plan {
        exe: std::env::current_exe()
            .map_err(|error| UsageError(format!("cannot find the sim executable: {error}")))?,
        base_seed: args.seed,
        shard: args.shard,
        jobs,
        budget,
        planted_bug: args.plant,
        watchdog: args.watchdog,
        stop_on_failure: args.stop_on_failure,
    })
}

pub(super) fn fuzz(args: &FuzzArgs) -> Result<FuzzReport, UsageError> {
    let plan = plan(args)?;
    let mut reporter = Reporter::new(&plan, args.json.as_deref()).map_err(|error| {
        let file = args.json.as_deref().unwrap_or(Path::new(""));
        UsageError::io("cannot create", file, error)
    })?;
    let started = Instant::now();
    let findings = fleet::run(&plan, &mut reporter)
        .map_err(|error| UsageError(format!("cannot run a fuzz job: {error}")))?;
    let elapsed = started.elapsed();
    let json_written = reporter.finish(&plan, &findings, elapsed);
    if let (Err(error), Some(file)) = (json_written, args.json.as_deref()) {
        return Err(UsageError::io("cannot write", file, error));
    }
    let saved = match args.save.dir() {
        Some(dir) if !crate::interrupt::requested() => save_failures(&plan, &findings, dir)?,
        _ => Vec::new(),
    };
    let unreached_but_required = if args.require_coverage {
        let unreached = findings.coverage.unreached();
        unreached.iter().map(|situation| situation.name()).collect()
    } else {
        Vec::new()
    };
    Ok(FuzzReport {
        plan,
        findings,
        elapsed,
        saved,
        unreached_but_required,
    })
}

/// Shrinks and stores one corpus entry per store failure, each in a child
/// process: a shrink replays many runs, and none may take `sim fuzz` down.
fn save_failures(plan: &Plan, findings: &Findings, dir: &Path) -> Result<Vec<String>, UsageError> {
    if findings.failures.is_empty() {
        return Ok(Vec::new());
    }
    let mut lines = vec![format!(
        "\nSaving one shrunk corpus entry per failure to {}",
        dir.display()
    )];
    for (number, failure) in findings.failures.iter().enumerate() {
        let number = number + 1;
        if failure.kind != Kind::Store {
            lines.push(format!(
                "  FAILURE {number}: not saved: a {} has no corpus form",
                failure.kind.name()
            ));
            continue;
        }
        let mut args: Vec<OsString> = ["--child", "shrink"].map(OsString::from).to_vec();
        args.push(format!("{:#x}", failure.seed).into());
        args.extend(["--tries".into(), SAVE_SHRINK_TRIES.to_string().into()]);
        args.extend([
            "--save".into(),
            "--corpus".into(),
            dir.as_os_str().to_owned(),
        ]);
        if let Some(bug) = plan.planted_bug {
            args.extend(["--plant".into(), bug.name().into()]);
        }
        let spec = Spec::new(&plan.exe, args);
        let outcome = child::run_to_end(&spec, plan.watchdog)
            .map_err(|error| UsageError(format!("cannot run sim shrink: {error}")))?;
        let saved = match outcome {
            Outcome::Finished { messages, .. } => {
                messages.into_iter().find_map(|message| match message {
                    Message::Saved { outcome } => Some(outcome),
                    _ => None,
                })
            }
            Outcome::Crashed(crash) => Some(Err(format!("the shrink {}", crash.how))),
            Outcome::Interrupted => Some(Err("interrupted".to_owned())),
        };
        lines.push(match saved {
            Some(Ok(path)) => format!("  FAILURE {number}: {path}"),
            Some(Err(why)) => format!("  FAILURE {number}: not saved: {why}"),
            None => format!("  FAILURE {number}: not saved: the shrink found no failure"),
        });
    }
    Ok(lines)
}

/// What a `sim fuzz` parent tells one job.
#[derive(Debug, clap::Args)]
pub struct FuzzJobArgs {
    /// The campaign's seed.
    #[arg(long, value_parser = args::seed)]
    pub seed: u64,
    /// The shard, I/N.
    #[arg(long, value_parser = shard)]
    pub shard: Shard,
    /// Jobs in the shard.
    #[arg(long, value_parser = args::at_least_one)]
    pub jobs: u64,
    /// This job, 0 to jobs - 1.
    #[arg(long)]
    pub job: u64,
    /// The job's first run number.
    #[arg(long)]
    pub start: u64,
    /// Stop before this run number.
    #[arg(long, conflicts_with = "for_ms", required_unless_present = "for_ms")]
    pub before: Option<u64>,
    /// Stop after this many milliseconds.
    #[arg(long)]
    pub for_ms: Option<u64>,
    /// The bug planted in every run.
    #[arg(long, value_parser = args::planted_bug)]
    pub plant: Option<PlantedBug>,
}

/// A job's report is its JSON lines, already printed as it ran.
pub(super) struct JobDone;

impl fmt::Display for JobDone {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ok(())
    }
}

impl Report for JobDone {
    fn verdict(&self) -> Verdict {
        Verdict::Clean
    }
}

pub(super) fn fuzz_job(args: &FuzzJobArgs) -> Result<JobDone, UsageError> {
    if args.job >= args.jobs {
        return Err(UsageError(format!(
            "job {} of {} does not exist",
            args.job, args.jobs
        )));
    }
    let end = match (args.before, args.for_ms) {
        (Some(before), _) => JobEnd::BeforeRun(before),
        (None, ms) => JobEnd::After(Duration::from_millis(ms.unwrap_or_default())),
    };
    let job = Job {
        stream: SeedStream {
            base: args.seed,
            shard: args.shard,
            jobs: args.jobs,
            job: args.job,
        },
        start: args.start,
        end,
        planted_bug: args.plant,
    };
    job.run(&mut std::io::stdout())
        .map_err(|error| UsageError(format!("cannot report to sim fuzz: {error}")))?;
    Ok(JobDone)
}
