//! The platform's second subject: `store::log::LossyLog`, the logger that
//! never blocks. Producers log while the sink stalls, drains slowly or
//! keeps up; the oracles are the logger's promise. "Never waits" is the
//! platform's own (it sees every lock and wait); the counts are judged here
//! from the calls and the sink's record, both facts of this file's doubles.
//!
//! Everything the logger needed beyond what the store's scenarios use is in
//! this file, plus the platform's generic "never waits" section
//! (`World::never_waits_begins` / `never_waits_returns`).

use std::io;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use store::log::{Logged, LossyLog};
use store::{Runtime, StoreOptions};

use super::Reaches;
use super::{About, Component, RunSummary, ScenarioSpec};
use crate::threads::spawn;
use crate::{CatalogueWorld, LogCall, LogWorld, Oracle, Params, SplitMix64, Violation, World};
use crate::{LogCell, LogState};

/// How the sink behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sink {
    /// Takes one line, then takes no more until the producers are done.
    Stalls,
    /// Waits a moment (a timed wait) for each line.
    Slow,
    /// Keeps up.
    Fast,
}

/// When main shuts the logger down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shutdown {
    /// Once the sink has written every queued line.
    Drained,
    /// While the producers still log (the sink keeps up).
    WhileProducing,
    /// Once the producers are done, with lines still queued: a stalling
    /// sink's gate opens and shutdown follows at once, whatever pass the
    /// writer is in.
    LinesQueued,
}

impl Shutdown {
    /// The shutdown a `log-shutdown-races` seed draws: bit 20.
    fn racing(params: &Params) -> Shutdown {
        if (params.content_seed >> 20) & 1 == 1 {
            Shutdown::WhileProducing
        } else {
            Shutdown::LinesQueued
        }
    }

    /// The sink that shutdown meets.
    fn sink(self) -> Sink {
        match self {
            Shutdown::WhileProducing => Sink::Fast,
            Shutdown::Drained | Shutdown::LinesQueued => Sink::Stalls,
        }
    }
}

/// At most this many producers: loom allows five threads, main and the
/// logger's writer among them.
const MAX_PRODUCERS: usize = 3;

/// The parameters a logger scenario reads, drawn from `seed`: its
/// producers (`readers`) and the seed of its lines, its queue's places and
/// its shutdown (`content_seed`); the rest as `Params::shuttle_default`.
/// A plain draw: `Params::from_seed` builds a proptest tree, which needs
/// more stack than loom gives the first thread of a model.
pub(crate) fn drawn_params(seed: u64) -> Params {
    let mut draws = SplitMix64::new(seed);
    Params {
        readers: 1 + draws.below(MAX_PRODUCERS as u64) as usize,
        content_seed: draws.next_u64(),
        ..Params::shuttle_default()
    }
}

/// A scenario of the logger: what its producers meet. It runs on any
/// world that serves the logger ([`run_on`]): the catalogue's
/// (`ScenarioSpec::run` is that), or one on the harness library's facade
/// (`crate::library`).
pub(crate) trait LogSpec: ScenarioSpec {
    /// The sink the producers meet and how main shuts the logger down,
    /// for the parameters drawn.
    fn meets(&self, params: &Params) -> (Sink, Shutdown);
}

/// Runs `spec` once in `world`, as [`ScenarioSpec::run`] does.
pub(crate) fn run_on<W: LogWorld>(
    spec: &impl LogSpec,
    world: &W,
    params: &Params,
    options: &StoreOptions,
) -> RunSummary {
    let (sink, shutdown) = spec.meets(params);
    producers(world, params, options, sink, shutdown)
}

/// Producers log lines while the sink behaves as `sink`, and main shuts
/// the logger down as `shutdown` says; the oracles judge the drops and what
/// reached the sink: every line queued before shutdown began, and no line
/// out of its producer's order.
fn producers<W: LogWorld>(
    world: &W,
    params: &Params,
    options: &StoreOptions,
    sink: Sink,
    shutdown: Shutdown,
) -> RunSummary {
    let shape = Shape::of(params, sink);
    let record = Arc::new(SinkRecord::new(world.runtime()));
    let log = LossyLog::start_planted(
        world.runtime().clone(),
        Box::new(RecordingSink {
            record: Arc::clone(&record),
            runtime: world.runtime().clone(),
            sink,
        }),
        shape.capacity,
        options.plant.clone(),
    )
    .unwrap_or_else(|error| panic!("the logger's writer did not start: {error}"));
    let calls = Arc::new(Mutex::new(Calls::default()));
    let producers: Vec<_> = (0..shape.producers)
        .map(|producer| {
            let name = format!("producer-{producer}");
            let (producer_world, log, record, calls) = (
                world.clone(),
                log.clone(),
                Arc::clone(&record),
                Arc::clone(&calls),
            );
            let second_shutdown =
                shutdown == Shutdown::WhileProducing && producer + 1 == shape.producers;
            spawn(world.runtime(), &name.clone(), move || {
                let world = producer_world;
                for line in 0..shape.lines_per_producer {
                    let line = format!("{name} line {line}\n").into_bytes();
                    let taken_at_begin = record.taken();
                    lock(&calls).begin();
                    let logged = calling(&world, LogCall::TryLog, || {
                        let _section = NeverWaits::begin(&world, "try_log");
                        log.try_log(line.clone())
                    });
                    lock(&calls).end(line, logged, taken_at_begin, shape.capacity, &name);
                }
                // A producer reads the count as a FUSE callback reporting
                // it would, racing the other producers, the writer and
                // shutdown.
                calling(&world, LogCall::DroppedLines, || log.dropped_lines());
                if second_shutdown {
                    // Another owner of a clone shuts the logger down too,
                    // racing main's shutdown.
                    lock(&calls).shutdown_begins();
                    calling(&world, LogCall::Shutdown, || log.shutdown());
                }
            })
        })
        .collect();
    let shut_down = || {
        lock(&calls).shutdown_begins();
        calling(world, LogCall::Shutdown, || log.shutdown());
    };
    if shutdown == Shutdown::WhileProducing {
        shut_down();
    }
    producers.into_iter().for_each(|producer| producer.join());
    let (refused, queued_lines) = {
        let calls = lock(&calls);
        (calls.dropped, calls.queued.clone())
    };
    let counted = calling(world, LogCall::DroppedLines, || log.dropped_lines());
    if counted != refused {
        let what = format!("the logger counts {counted} dropped line(s), but refused {refused}");
        Violation::new(
            Oracle::DropsCountedExactly,
            "main",
            "drops miscounted",
            what,
        )
        .raise();
    }
    record.open_gate(world.runtime());
    if shutdown == Shutdown::Drained {
        // The writer must drain what was queued before anyone stops it: a
        // writer asleep with lines waiting leaves main waiting here, which
        // the platform reports as a deadlock.
        record.await_written(world.runtime(), queued_lines.len() as u64);
    }
    if shutdown != Shutdown::WhileProducing {
        shut_down();
    }
    // What was queued when the first shutdown began: every line of it must arrive.
    let queued_before_shutdown = lock(&calls).queued_at_first_shutdown();
    let delivered = record.lines();
    for producer in 0..shape.producers {
        let from = |lines: &[Vec<u8>]| -> Vec<String> {
            let prefix = format!("producer-{producer} ");
            lossy(lines)
                .into_iter()
                .filter(|line| line.starts_with(&prefix))
                .collect()
        };
        let (got, queued) = (from(&delivered), from(&queued_lines));
        let owed = from(&queued_before_shutdown).len();
        if !queued.starts_with(&got) || got.len() < owed {
            let what = format!(
                "the sink got {got:?} from producer-{producer}, whose logger queued {queued:?}, \
                 the first {owed} before shutdown began"
            );
            Violation::new(Oracle::NoLossWithRoom, "main", "queued line lost", what).raise();
        }
    }
    RunSummary::default()
}

/// Runs `call` on the logger, telling the world as it begins and returns
/// (returns also while a panic unwinds out of it).
fn calling<W: LogWorld, T>(world: &W, call: LogCall, body: impl FnOnce() -> T) -> T {
    struct Returns<'a, W: LogWorld>(&'a W);
    impl<W: LogWorld> Drop for Returns<'_, W> {
        fn drop(&mut self) {
            self.0.log_call_returns();
        }
    }
    world.log_call_begins(call);
    let _returns = Returns(world);
    body()
}

/// A call that promises never to wait, told to the world for as long as
/// it lives: also while a panic unwinds out of it, so the section never
/// outlasts its call.
struct NeverWaits<'a, W: World>(&'a W);

impl<'a, W: World> NeverWaits<'a, W> {
    fn begin(world: &'a W, call: &'static str) -> NeverWaits<'a, W> {
        world.never_waits_begins(call);
        NeverWaits(world)
    }
}

impl<W: World> Drop for NeverWaits<'_, W> {
    fn drop(&mut self) {
        self.0.never_waits_returns();
    }
}

/// The run's shape, drawn from its parameters.
#[derive(Clone, Copy, Debug)]
struct Shape {
    producers: usize,
    lines_per_producer: usize,
    capacity: NonZeroUsize,
}

impl Shape {
    fn of(params: &Params, sink: Sink) -> Shape {
        let producers = match sink {
            Sink::Fast => MAX_PRODUCERS,
            Sink::Stalls | Sink::Slow => params.readers.clamp(1, MAX_PRODUCERS),
        };
        let seed = params.content_seed;
        Shape {
            producers,
            lines_per_producer: 1 + (seed % 4) as usize,
            capacity: NonZeroUsize::new(1 + (seed >> 2) as usize % 3).expect("at least 1"),
        }
    }
}

/// The producers' calls, as they saw them.
#[derive(Default)]
struct Calls {
    begun: u64,
    dropped: u64,
    /// The lines queued, in the order their calls returned.
    queued: Vec<Vec<u8>>,
    /// The lines queued when the first shutdown was about to begin.
    queued_at_shutdown: Option<Vec<Vec<u8>>>,
}

impl Calls {
    /// A shutdown is about to begin: what is queued now must all arrive.
    /// A later shutdown owes nothing more (its own lines may have come
    /// after the first one's stop).
    fn shutdown_begins(&mut self) {
        if self.queued_at_shutdown.is_none() {
            self.queued_at_shutdown = Some(self.queued.clone());
        }
    }

    /// The lines queued when the first shutdown began.
    fn queued_at_first_shutdown(&self) -> Vec<Vec<u8>> {
        self.queued_at_shutdown
            .clone()
            .expect("main shuts the logger down before it judges")
    }

    fn begin(&mut self) {
        self.begun += 1;
    }

    /// Records how a call ended and judges a drop: the queue must have
    /// been full at some moment of the call. It held at most the lines of
    /// the other calls begun and not refused, less those the sink had
    /// taken when the call began.
    fn end(
        &mut self,
        line: Vec<u8>,
        logged: Logged,
        taken_at_begin: u64,
        capacity: NonZeroUsize,
        producer: &str,
    ) {
        match logged {
            Logged::Queued => self.queued.push(line),
            Logged::Dropped => {
                let most_queued = (self.begun - 1 - self.dropped).saturating_sub(taken_at_begin);
                if most_queued < capacity.get() as u64 {
                    let what = format!(
                        "dropped {:?} with at most {most_queued} of {capacity} places taken",
                        String::from_utf8_lossy(&line)
                    );
                    Violation::new(Oracle::NoLossWithRoom, producer, "dropped with room", what)
                        .raise();
                }
                self.dropped += 1;
            }
        }
    }
}

/// What the sink took, and the gate a stalling sink waits at.
struct SinkRecord<R: Runtime> {
    lines: Mutex<Vec<Vec<u8>>>,
    gate_open: R::Mutex<bool>,
    gate: R::Condvar,
    /// Lines the sink has finished writing.
    written: R::Mutex<u64>,
    wrote: R::Condvar,
}

impl<R: Runtime> SinkRecord<R> {
    fn new(runtime: &R) -> SinkRecord<R> {
        SinkRecord {
            lines: Mutex::default(),
            gate_open: runtime.mutex(false),
            gate: runtime.condvar(),
            written: runtime.mutex(0),
            wrote: runtime.condvar(),
        }
    }

    /// Lines the sink has begun to take.
    fn taken(&self) -> u64 {
        lock(&self.lines).len() as u64
    }

    fn lines(&self) -> Vec<Vec<u8>> {
        lock(&self.lines).clone()
    }

    fn open_gate(&self, runtime: &R) {
        *runtime.lock(&self.gate_open) = true;
        runtime.notify_all(&self.gate);
    }

    /// Waits until the sink has written `lines` lines.
    fn await_written(&self, runtime: &R, lines: u64) {
        let mut written = runtime.lock(&self.written);
        while *written < lines {
            written = runtime.wait(&self.wrote, written);
        }
    }

    /// Waits until the gate opens.
    fn wait_at_gate(&self, runtime: &R) {
        let mut open = runtime.lock(&self.gate_open);
        while !*open {
            open = runtime.wait(&self.gate, open);
        }
    }
}

/// The sink double: records each line as it begins to take it, then
/// behaves as its `sink` says.
struct RecordingSink<R: Runtime> {
    record: Arc<SinkRecord<R>>,
    runtime: R,
    sink: Sink,
}

impl<R: Runtime> io::Write for RecordingSink<R> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        lock(&self.record.lines).push(buf.to_vec());
        match self.sink {
            Sink::Stalls => self.record.wait_at_gate(&self.runtime),
            Sink::Slow => {
                let moment = self.runtime.lock(&self.record.gate_open);
                drop(self.runtime.wait_timeout(
                    &self.record.gate,
                    moment,
                    Duration::from_millis(1),
                ));
            }
            Sink::Fast => {}
        }
        *self.runtime.lock(&self.record.written) += 1;
        self.runtime.notify_all(&self.record.wrote);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn lossy(lines: &[Vec<u8>]) -> Vec<String> {
    lines
        .iter()
        .map(|line| String::from_utf8_lossy(line).trim_end().to_owned())
        .collect()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `log-sink-stalls`: logger: the sink stalls; producers drop lines, never wait, drops counted.
pub(crate) struct LogSinkStalls;

impl ScenarioSpec for LogSinkStalls {
    fn about(&self) -> About {
        About {
            name: "log-sink-stalls",
            description: "logger: the sink stalls; producers drop lines, never wait, drops counted",
            component: Component::Logger,
            pct_step_bound: 91,
            reaches: Reaches::Logger(&[
                LogCell(LogCall::TryLog, LogState::QueueEmpty),
                LogCell(LogCall::TryLog, LogState::WriterParked),
                LogCell(LogCall::Shutdown, LogState::QueueEmpty),
                LogCell(LogCall::Shutdown, LogState::WriterDraining),
                LogCell(LogCall::DroppedLines, LogState::WriterParked),
            ]),
        }
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        run_on(self, world, params, options)
    }
}

impl LogSpec for LogSinkStalls {
    fn meets(&self, _: &Params) -> (Sink, Shutdown) {
        (Sink::Stalls, Shutdown::Drained)
    }
}

/// `log-sink-slow`: logger: the sink drains slowly; nothing lost while there is room.
pub(crate) struct LogSinkSlow;

impl ScenarioSpec for LogSinkSlow {
    fn about(&self) -> About {
        About {
            name: "log-sink-slow",
            description: "logger: the sink drains slowly; nothing lost while there is room",
            component: Component::Logger,
            pct_step_bound: 111,
            reaches: Reaches::Logger(&[LogCell(LogCall::DroppedLines, LogState::QueuePartlyFull)]),
        }
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        run_on(self, world, params, options)
    }
}

impl LogSpec for LogSinkSlow {
    fn meets(&self, _: &Params) -> (Sink, Shutdown) {
        (Sink::Slow, Shutdown::Drained)
    }
}

/// `log-many-producers`: logger: many producers, a small queue; every queued line arrives.
pub(crate) struct LogManyProducers;

impl ScenarioSpec for LogManyProducers {
    fn about(&self) -> About {
        About {
            name: "log-many-producers",
            description: "logger: many producers, a small queue; every queued line arrives",
            component: Component::Logger,
            pct_step_bound: 102,
            reaches: Reaches::Logger(&[
                LogCell(LogCall::TryLog, LogState::QueuePartlyFull),
                LogCell(LogCall::TryLog, LogState::QueueFull),
                LogCell(LogCall::TryLog, LogState::WriterDraining),
                LogCell(LogCall::DroppedLines, LogState::QueueEmpty),
                LogCell(LogCall::DroppedLines, LogState::WriterDraining),
            ]),
        }
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        run_on(self, world, params, options)
    }
}

impl LogSpec for LogManyProducers {
    fn meets(&self, _: &Params) -> (Sink, Shutdown) {
        (Sink::Fast, Shutdown::Drained)
    }
}

/// `log-shutdown-races`: logger: shutdown while producers log, or with lines queued; none of them lost.
pub(crate) struct LogShutdownRaces;

impl ScenarioSpec for LogShutdownRaces {
    fn about(&self) -> About {
        About {
            name: "log-shutdown-races",
            description: "logger: shutdown while producers log, or with lines queued; none of them lost",
            component: Component::Logger,
            pct_step_bound: 84,
            reaches: Reaches::Logger(&[
                LogCell(LogCall::TryLog, LogState::WriterStopping),
                LogCell(LogCall::Shutdown, LogState::QueuePartlyFull),
                LogCell(LogCall::Shutdown, LogState::QueueFull),
                LogCell(LogCall::Shutdown, LogState::WriterParked),
                LogCell(LogCall::Shutdown, LogState::WriterStopping),
                LogCell(LogCall::DroppedLines, LogState::QueueFull),
                LogCell(LogCall::DroppedLines, LogState::WriterStopping),
            ]),
        }
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        run_on(self, world, params, options)
    }
}

impl LogSpec for LogShutdownRaces {
    fn meets(&self, params: &Params) -> (Sink, Shutdown) {
        let shutdown = Shutdown::racing(params);
        (shutdown.sink(), shutdown)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn drawn_parameters_reach_every_shape_and_shutdown_a_logger_scenario_has() {
        let drawn: Vec<Params> = (0..200).map(drawn_params).collect();
        let shapes: BTreeSet<(usize, usize, usize)> = drawn
            .iter()
            .map(|params| {
                let shape = Shape::of(params, Sink::Stalls);
                (
                    shape.producers,
                    shape.lines_per_producer,
                    shape.capacity.get(),
                )
            })
            .collect();
        // Producers 1 to 3, lines 1 to 4, places 1 to 3.
        assert_eq!(shapes.len(), MAX_PRODUCERS * 4 * 3, "{shapes:?}");
        let shutdowns: BTreeSet<bool> = drawn
            .iter()
            .map(|params| Shutdown::racing(params) == Shutdown::WhileProducing)
            .collect();
        assert_eq!(shutdowns.len(), 2);
        assert_eq!(drawn_params(7), drawn_params(7));
    }
}
