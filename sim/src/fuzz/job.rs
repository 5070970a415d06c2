//! One fuzz job, the child process side: runs its stream of swarm seeds
//! in order and prints one [`Message::Run`] per run. Failures are replayed twice
//! (the determinism check) before they are reported.

use std::collections::BTreeSet;
use std::io::Write;
use std::time::{Duration, Instant};

use scenarios::PlantedBug;

use super::seeds::SeedStream;
use crate::child::{Finding, Message, Replayed};
use crate::engine::Signature;
use crate::engine::{Execution, on_fresh_thread, run_in_place};
use crate::replay::{check_same_trace, replay};
use crate::swarm::SwarmRun;

/// When a job stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JobEnd {
    /// After its run number `k` reaches this (exclusive).
    BeforeRun(u64),
    /// Once this much wall time has passed; the run in progress finishes.
    After(Duration),
}

/// What one job runs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Job {
    /// Its seeds.
    pub stream: SeedStream,
    /// Its first run's number (a restarted job skips the runs before).
    pub start: u64,
    /// When it stops.
    pub end: JobEnd,
    /// The bug planted in every run, if any.
    pub planted_bug: Option<PlantedBug>,
}

/// Where a batch of runs on one thread stopped.
struct Batch {
    /// The number of the failing run, or of the run after the last.
    next: u64,
    /// The failing run's seed and execution, if one failed.
    failure: Option<(u64, Execution)>,
}

impl Job {
    /// Runs the job, printing one line per run to `out`.
    pub(crate) fn run(&self, out: &mut (impl Write + Send)) -> std::io::Result<()> {
        let started = Instant::now();
        let mut checked: BTreeSet<Signature> = BTreeSet::new();
        let mut k = self.start;
        while self.goes_on(k, started) {
            // Runs in batches on fresh threads: a failing run can leave its
            // thread unfit for the next (see `on_fresh_thread`).
            let batch = on_fresh_thread(|| self.run_until_failure(k, started, out))?;
            k = batch.next;
            if let Some((seed, execution)) = batch.failure {
                let line = self.failed(k, seed, &execution, &mut checked);
                writeln!(out, "{}", line.to_line())?;
                out.flush()?;
                k += 1;
            }
        }
        Ok(())
    }

    fn goes_on(&self, k: u64, started: Instant) -> bool {
        match self.end {
            JobEnd::BeforeRun(end) => k < end,
            JobEnd::After(duration) => started.elapsed() < duration,
        }
    }

    /// Runs from `k` on until a run fails or the job ends.
    fn run_until_failure(
        &self,
        mut k: u64,
        started: Instant,
        out: &mut (impl Write + Send),
    ) -> std::io::Result<Batch> {
        while self.goes_on(k, started) {
            let seed = self.stream.seed(k);
            crate::flight::schedule_begins(seed);
            let execution = run_in_place(SwarmRun::from_seed(seed).run, self.planted_bug)
                .expect("a swarm run is seeded, and every seed names a run");
            if execution.violation.is_some() {
                return Ok(Batch {
                    next: k,
                    failure: Some((seed, execution)),
                });
            }
            let line = Message::Run {
                k,
                reached: execution.reached.clone(),
                finding: None,
            };
            writeln!(out, "{}", line.to_line())?;
            out.flush()?;
            k += 1;
        }
        Ok(Batch {
            next: k,
            failure: None,
        })
    }

    /// The line for run `k`, which failed; replays it twice unless this job
    /// already checked a failure with its signature.
    fn failed(
        &self,
        k: u64,
        seed: u64,
        execution: &Execution,
        checked: &mut BTreeSet<Signature>,
    ) -> Message {
        let swarm = SwarmRun::from_seed(seed);
        let violation = execution
            .violation
            .as_ref()
            .expect("a failed run has a violation");
        let signature = Signature::of(violation);
        let replayed = if checked.insert(signature.clone()) {
            self.replayed(swarm, execution)
        } else {
            Replayed::NotRechecked
        };
        Message::Run {
            k,
            reached: execution.reached.clone(),
            finding: Some(Finding {
                seed,
                run: swarm.run,
                oracle: violation.breach,
                message: violation.to_string(),
                signature,
                replayed,
            }),
        }
    }

    /// Replays `swarm` twice: both runs must match each other and `original`.
    fn replayed(&self, swarm: SwarmRun, original: &Execution) -> Replayed {
        let replay = replay(swarm.run, self.planted_bug)
            .expect("a swarm run is seeded, and every seed names a run");
        let twice = replay
            .determinism
            .unwrap_or(Ok(()))
            .map_err(|divergence| divergence.to_string());
        let with_original = check_same_trace(&original.trace, &replay.execution.trace)
            .map_err(|divergence| format!("the replay differs from the fuzz run: {divergence}"));
        match twice.and(with_original) {
            Ok(()) => Replayed::Identical,
            Err(how) => Replayed::Diverged {
                how: crate::engine::one_line(&how),
            },
        }
    }
}
