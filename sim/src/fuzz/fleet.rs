//! The parent side of `sim fuzz`: runs its jobs as child processes, reads
//! their lines, deduplicates failures by signature, and restarts a job
//! after the run that crashed or hung it, which it reports with the flight
//! recorder's last events.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use scenarios::PlantedBug;

use super::seeds::{SeedStream, Shard};
use crate::child::{self, Ending, Finding, Line, Message, Replayed, Spec, Worker, describe};
use crate::coverage::{Coverage, Reached};
use crate::engine::{RunId, Signature};
use crate::swarm::SwarmRun;

/// How often the parent looks at its jobs when none of them speaks.
const TICK: Duration = Duration::from_millis(100);

/// How much fuzzing to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Budget {
    /// This many runs in the shard, split over the jobs.
    Runs(u64),
    /// Until this much wall time has passed.
    Duration(Duration),
}

/// What `sim fuzz` was asked to do.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    /// The `sim` executable the jobs run.
    pub exe: PathBuf,
    /// The campaign's seed.
    pub base_seed: u64,
    /// The part of the seed space this machine runs.
    pub shard: Shard,
    /// Child processes.
    pub jobs: u64,
    /// How much to run.
    pub budget: Budget,
    /// The bug planted in every run, if any.
    pub planted_bug: Option<PlantedBug>,
    /// Wall time one run may take before its job counts as hung.
    pub watchdog: Duration,
    /// End at the first failure instead of at the end of the budget.
    pub stop_on_failure: bool,
}

/// What kind of failure a signature stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An oracle broke, and the failure replayed exactly.
    Store,
    /// A failure whose replay differed from the run: the harness is not
    /// deterministic.
    HarnessBug,
    /// The run killed or hung its process.
    Crash,
}

impl Kind {
    /// The kind's name in reports and JSON.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Store => "failure",
            Kind::HarnessBug => "harness-bug",
            Kind::Crash => "crash",
        }
    }
}

/// One signature's failures.
#[derive(Clone, Debug)]
pub(crate) struct UniqueFailure {
    /// What makes them one bug.
    pub signature: Signature,
    /// What kind of failure.
    pub kind: Kind,
    /// The swarm seed of the first run that showed it.
    pub seed: u64,
    /// The run id that seed names.
    pub run: RunId,
    /// The oracle that broke (`crash` for a crash).
    pub oracle: &'static str,
    /// The first run's message (for a crash: how the process ended).
    pub message: String,
    /// Runs that failed with this signature.
    pub runs: u64,
    /// For a crash: the last trace events the flight recorder saw.
    pub last_events: Vec<String>,
    /// When the first run showed it, since the fuzz run began.
    pub found_after: Duration,
}

impl UniqueFailure {
    /// The command that replays the first run.
    pub(crate) fn replay_command(&self, bug: Option<PlantedBug>) -> String {
        crate::engine::replay_command(format_args!("{:#018x}", self.seed), bug)
    }
}

/// What the fleet found so far.
#[derive(Clone, Debug, Default)]
pub(crate) struct Findings {
    /// Runs finished, failing ones included.
    pub runs: u64,
    /// Runs that failed.
    pub failing_runs: u64,
    /// Runs that reached each situation.
    pub coverage: Coverage,
    /// One entry per signature, in the order they were first seen.
    pub failures: Vec<UniqueFailure>,
    /// A signal stopped the fuzzing before its budget ended.
    pub interrupted: bool,
}

impl Findings {
    /// Counts a failing run; returns its entry's index if the signature is new.
    fn failed(&mut self, failure: UniqueFailure) -> Option<usize> {
        self.failing_runs += 1;
        match self
            .failures
            .iter_mut()
            .find(|known| known.signature == failure.signature)
        {
            Some(known) => {
                known.runs += 1;
                None
            }
            None => {
                self.failures.push(failure);
                Some(self.failures.len() - 1)
            }
        }
    }
}

/// Hears what the fleet does, as it does it.
pub(crate) trait Observer {
    /// A failure with a signature not seen before in this fuzz run.
    fn new_failure(&mut self, failure: &UniqueFailure);
    /// Called every tick and after every line.
    fn progress(&mut self, findings: &Findings, elapsed: Duration);
}

/// A job's stdout line, or `None` when it closed; tagged with the job and
/// the generation of its process (a restarted job's old lines are ignored).
type Heard = ((usize, u64), Option<Line>);

struct Slot {
    stream: SeedStream,
    worker: Option<Worker>,
    generation: u64,
    next_k: u64,
    heard: Instant,
}

/// Runs `plan` to its end; reports to `observer` as it goes.
pub(crate) fn run(plan: &Plan, observer: &mut dyn Observer) -> std::io::Result<Findings> {
    let started = Instant::now();
    let (sender, receiver) = mpsc::channel();
    let mut fleet = Fleet {
        plan,
        started,
        sender,
        findings: Findings::default(),
        slots: (0..plan.jobs)
            .map(|job| Slot {
                stream: SeedStream {
                    base: plan.base_seed,
                    shard: plan.shard,
                    jobs: plan.jobs,
                    job,
                },
                worker: None,
                generation: 0,
                next_k: 0,
                heard: started,
            })
            .collect(),
    };
    for job in 0..fleet.slots.len() {
        fleet.start(job)?;
    }
    while fleet.slots.iter().any(|slot| slot.worker.is_some()) {
        match receiver.recv_timeout(TICK) {
            Ok(((job, generation), line)) if generation == fleet.slots[job].generation => {
                match line {
                    Some(Line::Message(Message::Run {
                        k,
                        reached,
                        finding,
                    })) => fleet.heard(job, k, reached, finding, observer),
                    Some(_) => {}
                    None => fleet.closed(job, observer)?,
                }
            }
            Ok(_) | Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if crate::interrupt::requested() {
            fleet.findings.interrupted = true;
            fleet.stop_all()?;
            break;
        }
        fleet.watch(observer)?;
        observer.progress(&fleet.findings, started.elapsed());
        if plan.stop_on_failure && fleet.findings.failing_runs > 0 {
            fleet.stop_all()?;
        }
    }
    Ok(fleet.findings)
}

struct Fleet<'a> {
    plan: &'a Plan,
    started: Instant,
    sender: mpsc::Sender<Heard>,
    findings: Findings,
    slots: Vec<Slot>,
}

impl Fleet<'_> {
    /// The run number job `job` stops before, under a runs budget.
    fn end_k(&self, job: usize) -> Option<u64> {
        match self.plan.budget {
            Budget::Runs(runs) => Some(self.slots[job].stream.runs_of(runs)),
            Budget::Duration(_) => None,
        }
    }

    fn time_left(&self) -> Option<Duration> {
        match self.plan.budget {
            Budget::Runs(_) => None,
            Budget::Duration(duration) => Some(duration.saturating_sub(self.started.elapsed())),
        }
    }

    /// Whether job `job` has runs left from its next one on.
    fn has_work(&self, job: usize) -> bool {
        match (self.end_k(job), self.time_left()) {
            (Some(end), _) => self.slots[job].next_k < end,
            (None, Some(left)) => !left.is_zero(),
            (None, None) => false,
        }
    }

    /// The child that runs job `job` from its next run: to its end, or
    /// that one run alone (`runs_one`).
    fn spec(&self, job: usize, runs_one: bool) -> Spec {
        let slot = &self.slots[job];
        let stream = slot.stream;
        let mut args: Vec<String> = [
            "fuzz-job",
            "--seed",
            &format!("{:#x}", stream.base),
            "--shard",
            &stream.shard.to_string(),
            "--jobs",
            &stream.jobs.to_string(),
            "--job",
            &stream.job.to_string(),
            "--start",
            &slot.next_k.to_string(),
        ]
        .map(str::to_owned)
        .to_vec();
        match (runs_one, self.end_k(job), self.time_left()) {
            (true, _, _) => args.extend(["--before".to_owned(), (slot.next_k + 1).to_string()]),
            (false, Some(end), _) => args.extend(["--before".to_owned(), end.to_string()]),
            (false, None, left) => args.extend([
                "--for-ms".to_owned(),
                left.unwrap_or_default().as_millis().to_string(),
            ]),
        }
        if let Some(bug) = self.plan.planted_bug {
            args.extend(["--plant".to_owned(), bug.name().to_owned()]);
        }
        Spec::new(&self.plan.exe, args)
    }

    /// Starts job `job` from its next run, if it has work left.
    fn start(&mut self, job: usize) -> std::io::Result<()> {
        if !self.has_work(job) {
            self.slots[job].worker = None;
            return Ok(());
        }
        let generation = self.slots[job].generation + 1;
        let worker = Worker::spawn(
            &self.spec(job, false),
            false,
            (job, generation),
            self.sender.clone(),
        )?;
        let slot = &mut self.slots[job];
        slot.generation = generation;
        slot.heard = Instant::now();
        slot.worker = Some(worker);
        Ok(())
    }

    fn heard(
        &mut self,
        job: usize,
        k: u64,
        reached: Reached,
        finding: Option<Finding>,
        observer: &mut dyn Observer,
    ) {
        let slot = &mut self.slots[job];
        slot.heard = Instant::now();
        slot.next_k = k + 1;
        self.findings.runs += 1;
        self.findings.coverage.add(&reached);
        if let Some(finding) = finding {
            let (kind, signature) = match &finding.replayed {
                Replayed::Diverged { .. } => (
                    Kind::HarnessBug,
                    Signature::of_harness(
                        "HARNESS BUG",
                        &format!("{} replayed otherwise", finding.oracle),
                    ),
                ),
                Replayed::Identical | Replayed::NotRechecked => (Kind::Store, finding.signature),
            };
            let message = match finding.replayed {
                Replayed::Diverged { how } => format!("{how} (the run: {})", finding.message),
                _ => finding.message,
            };
            let failure = UniqueFailure {
                signature,
                kind,
                seed: finding.seed,
                run: finding.run,
                oracle: finding.oracle.name(),
                message,
                runs: 1,
                last_events: Vec::new(),
                found_after: self.started.elapsed(),
            };
            if let Some(index) = self.findings.failed(failure) {
                observer.new_failure(&self.findings.failures[index]);
            }
        }
    }

    /// Ends every job now.
    fn stop_all(&mut self) -> std::io::Result<()> {
        for slot in &mut self.slots {
            if let Some(mut worker) = slot.worker.take() {
                worker.kill()?;
            }
        }
        Ok(())
    }

    /// Job `job`'s stdout ended: it finished, or it died.
    fn closed(&mut self, job: usize, observer: &mut dyn Observer) -> std::io::Result<()> {
        let Some(mut worker) = self.slots[job].worker.take() else {
            return Ok(());
        };
        match worker.wait(self.plan.watchdog)? {
            Ending::Exited(status) if status.success() => Ok(()),
            Ending::Interrupted => Ok(()),
            ending => self.crashed(job, ending, observer),
        }
    }

    /// Kills jobs that said nothing for longer than the watchdog allows.
    fn watch(&mut self, observer: &mut dyn Observer) -> std::io::Result<()> {
        for job in 0..self.slots.len() {
            let slot = &mut self.slots[job];
            if slot.heard.elapsed() <= self.plan.watchdog {
                continue;
            }
            let Some(mut worker) = slot.worker.take() else {
                continue;
            };
            worker.kill()?;
            self.crashed(job, Ending::KilledByWatchdog, observer)?;
        }
        Ok(())
    }

    /// Job `job` died or hung during its next run: runs that run once more
    /// alone with the flight recorder, reports it, and restarts the job
    /// after it.
    fn crashed(
        &mut self,
        job: usize,
        ending: Ending,
        observer: &mut dyn Observer,
    ) -> std::io::Result<()> {
        let how = describe(ending, self.plan.watchdog);
        let k = self.slots[job].next_k;
        let seed = self.slots[job].stream.seed(k);
        let (last_events, passed_alone) = self.flight_record(job)?;
        // A crash that a run alone does not repeat came from what the job
        // ran before it: memory or threads that runs leaked, say.
        let alone = if passed_alone {
            "; run again alone, the run passed: what killed the process built up over the runs before it (a leak?)"
        } else {
            ""
        };
        let failure = UniqueFailure {
            signature: Signature::of_harness("CRASH", &child::category(ending)),
            kind: Kind::Crash,
            seed,
            run: SwarmRun::from_seed(seed).run,
            oracle: "crash",
            message: format!("the run's process {how}{alone}"),
            runs: 1,
            last_events,
            found_after: self.started.elapsed(),
        };
        self.findings.runs += 1;
        if let Some(index) = self.findings.failed(failure) {
            observer.new_failure(&self.findings.failures[index]);
        }
        self.slots[job].next_k = k + 1;
        // The flight recording blocked this loop for up to a watchdog
        // period; the other jobs' lines wait unread in the channel, so
        // their silence must not count against them.
        let now = Instant::now();
        for slot in &mut self.slots {
            slot.heard = now;
        }
        self.start(job)
    }

    /// Job `job`'s next run, run alone with the flight recorder on: its
    /// last events, and whether it passed alone.
    fn flight_record(&self, job: usize) -> std::io::Result<(Vec<String>, bool)> {
        let (ending, log) = child::flight_record(&self.spec(job, true), self.plan.watchdog)?;
        let passed = matches!(ending, Ending::Exited(status) if status.success());
        Ok((log.last_events, passed))
    }
}
