//! What the harness costs on top of bare shuttle: the same scenario body,
//! parameters and number of schedules, run (a) through the whole harness
//! (`SimRuntime`, virtual clock, scripted transport, checking files, the
//! trace, the oracles, coverage) and (b) on bare `ShuttleRuntime` with
//! `MemoryFiles` and `SeekableTransport`, side by side in one run. The goal
//! (docs/performance.md): the harness at 0.5x bare shuttle's schedules per
//! second or better. It prints, once, the scheduling steps a schedule
//! takes each way, for the microseconds per step.
//!
//! ```text
//! cargo bench -p sim --bench harness_cost
//! ```

use std::io::Cursor;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use harness::schedule::CountingSteps;
use scenarios::{
    Call, CounterSource, FileFaults, LogWorld, Outcome, Params, RetryParams, Scenario, StoreWorld,
    TransportFaults, World,
};
use shuttle::scheduler::RandomScheduler;
use sim::engine::{Campaign, Driver, store_options};
use sim::platform::SimWorld;
use store::runtime::shuttle::ShuttleRuntime;
use store::{MemoryFiles, Platform, RetryPolicy, SeekableTransport, StoreOptions, SystemClock};

/// Schedules per measurement.
const SCHEDULES: usize = 500;

/// The scenario both ways run: readers racing an early close.
const SCENARIO: Scenario = Scenario::EarlyClose;

/// A 256-byte object in 64-byte chunks, two readers, no faults (bare
/// shuttle's transport has none).
fn params() -> Params {
    SCENARIO.spec().adapt(Params {
        object_len_bytes: 256,
        chunk_size_bytes: 64,
        readers: 2,
        read_len_bytes: 80,
        transport_faults: TransportFaults::default(),
        file_faults: FileFaults::default(),
        retry: RetryParams::default(),
        ..Params::shuttle_default()
    })
}

/// The platform with nothing of the harness: shuttle's runtime, the system
/// clock, memory files, the object as a seekable cursor. It records
/// nothing and judges nothing.
#[derive(Clone, Default)]
struct BareWorld {
    runtime: ShuttleRuntime,
    clock: SystemClock,
}

impl World for BareWorld {
    type Runtime = ShuttleRuntime;
    type Clock = SystemClock;

    fn runtime(&self) -> &ShuttleRuntime {
        &self.runtime
    }

    fn clock(&self) -> &SystemClock {
        &self.clock
    }

    fn never_waits_begins(&self, _: &'static str) {}

    fn never_waits_returns(&self) {}
}

impl StoreWorld for BareWorld {
    type Files = MemoryFiles;
    type Transport = SeekableTransport<Cursor<Arc<[u8]>>>;

    fn platform(
        &self,
        _: &'static str,
        _: &FileFaults,
    ) -> Platform<ShuttleRuntime, SystemClock, MemoryFiles> {
        Platform {
            runtime: self.runtime,
            clock: self.clock,
            files: MemoryFiles,
        }
    }

    fn transport(
        &self,
        _: &'static str,
        object: Arc<[u8]>,
        _: &TransportFaults,
        _: &RetryPolicy,
    ) -> Self::Transport {
        SeekableTransport::new(Cursor::new(object))
    }

    fn store_opened(&self, _: &'static str, _: u64) {}

    fn call_begins(&self, _: Call) {}

    fn call_returns(&self, _: Outcome) {}

    fn counters_of(&self, _: &'static str, _: CounterSource) {}

    fn await_transport_failure(&self, _: &'static str) {}

    fn assert_no_leaks(&self) {}
}

impl LogWorld for BareWorld {
    fn log_call_begins(&self, _: scenarios::LogCall) {}

    fn log_call_returns(&self) {}
}

/// `SCHEDULES` schedules of the scenario on bare shuttle.
fn bare(seed: u64, params: &Params, options: &StoreOptions) {
    let mut config = shuttle::Config::new();
    config.stack_size = 256 * 1024;
    config.silence_warnings = true;
    let (params, options) = (params.clone(), options.clone());
    let scheduler = RandomScheduler::new_from_seed(seed, SCHEDULES);
    shuttle::Runner::new(scheduler, config).run(move || {
        SCENARIO.run(&BareWorld::default(), &params, &options);
    });
}

/// The mean scheduling steps of `SCHEDULES` random schedules of `body`.
fn steps_per_schedule(body: impl Fn() + Send + Sync + 'static) -> f64 {
    let (scheduler, steps) = CountingSteps::new(RandomScheduler::new_from_seed(1, SCHEDULES));
    let mut config = shuttle::Config::new();
    config.stack_size = 256 * 1024;
    config.silence_warnings = true;
    shuttle::Runner::new(scheduler, config).run(body);
    steps.total() as f64 / SCHEDULES as f64
}

/// Prints the steps a schedule takes each way: the harness adds its own
/// (a scheduling point per file operation, spurious wake-ups).
fn print_steps(params: &Params, options: &StoreOptions) {
    let (bare_params, bare_options) = (params.clone(), options.clone());
    let bare = steps_per_schedule(move || {
        SCENARIO.run(&BareWorld::default(), &bare_params, &bare_options);
    });
    let (params, options) = (params.clone(), store_options(None));
    let harness = steps_per_schedule(move || {
        let world = SimWorld::<ShuttleRuntime>::new();
        SCENARIO.run(&world, &params, &options);
        world.main_finishes();
    });
    println!("scheduling steps per schedule: bare shuttle {bare:.1}, whole harness {harness:.1}");
}

/// `SCHEDULES` schedules of the scenario through the whole harness.
fn harness(seed: u64, params: &Params) {
    let mut campaign = Campaign::new(SCENARIO, Driver::Random, SCHEDULES, seed);
    campaign.params = Some(params.clone());
    let report = campaign.run();
    assert!(report.failure.is_none(), "the correct store fails");
    assert_eq!(report.schedules_run, SCHEDULES);
}

fn harness_cost(c: &mut Criterion) {
    let params = params();
    // The scenario sets the chunk size and retry policy from the parameters.
    let options = StoreOptions::default();
    print_steps(&params, &options);
    let mut group = c.benchmark_group(format!("{} schedules of {}", SCHEDULES, SCENARIO.name()));
    group.sample_size(20);
    group.throughput(Throughput::Elements(SCHEDULES as u64));
    let mut seed = 0;
    group.bench_function("bare shuttle", |b| {
        b.iter(|| {
            seed += 1;
            bare(seed, &params, &options);
        });
    });
    group.bench_function("whole harness", |b| {
        b.iter(|| {
            seed += 1;
            harness(seed, &params);
        });
    });
    group.finish();
}

criterion_group!(benches, harness_cost);
criterion_main!(benches);
