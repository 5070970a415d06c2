//! The benchmark at a small budget: every buggy variant is found by the
//! harness, every fixed variant runs clean under every tool, and every
//! failure replays from its run id.

use bugbench::tools::{LOOM_PREEMPTIONS, Tool};
use bugbench::{Class, KERNELS, Kernel, Variant};
use harness::check::{Check, Engine, Error, ReplayError};

/// Schedules per seeded search. The rarest bug here for the engines this
/// test tries is the deque's (crossbeam-deque-steal-batch): PCT, URW and
/// random need about 220, 570 and 640 schedules in the median
/// (docs/benchmark.md), so PCT alone misses 3,000 with odds near e^-13,
/// and all three together near e^-23. Every other bug is found by the
/// first engine tried within a few dozen.
const SEEDED_BUDGET: usize = 3_000;

/// Executions per systematic search: loom finds the bugs it can run
/// within about a thousand, and exhausts each fixed variant well within it.
const SYSTEMATIC_BUDGET: usize = 2_000;

/// Kernels whose bug is too rare for the suite's budget: twostage-100 takes
/// URW about 530 schedules in the median and PCT one in twenty thousand.
/// The published table measures it.
const TOO_RARE_FOR_THE_SUITE: &[&str] = &["twostage-100"];

/// The harness's engines, in the order this test tries them on a bug.
const HARNESS_ORDER: [Engine; 4] = [
    Engine::pct(3),
    Engine::Loom {
        preemptions: LOOM_PREEMPTIONS,
    },
    Engine::Urw,
    Engine::Random,
];

fn budget(tool: Tool) -> usize {
    if tool.is_seeded() {
        SEEDED_BUDGET
    } else {
        SYSTEMATIC_BUDGET
    }
}

/// Whether `tool` can see `kernel`'s bug at all: a weak-memory bug is
/// invisible to an engine whose memory is sequentially consistent, and a
/// bug behind a timeout to a tool whose timed waits never time out.
fn can_see(tool: Tool, kernel: &Kernel) -> bool {
    match kernel.class {
        Class::AtomicityViolation
        | Class::MemorySafety
        | Class::OrderViolation
        | Class::WaitUnderLock => true,
        Class::WeakMemory => matches!(tool, Tool::Loom | Tool::Harness(Engine::Loom { .. })),
        Class::TimeoutFires => matches!(tool, Tool::Harness(_) | Tool::HarnessFuzz),
    }
}

fn search(tool: Tool, kernel: &Kernel, variant: Variant) -> Option<String> {
    tool.search(kernel, variant, budget(tool), 0)
        .expect("no variable steers the check")
        .found
}

/// The first harness engine that can run and see `kernel`'s bug and finds
/// it, with what broke.
fn found_by_the_harness(kernel: &Kernel) -> Option<(Engine, String)> {
    HARNESS_ORDER.into_iter().find_map(|engine| {
        let tool = Tool::Harness(engine);
        if !tool.can_run(kernel) || !can_see(tool, kernel) {
            return None;
        }
        search(tool, kernel, Variant::Buggy).map(|found| (engine, found))
    })
}

fn suited(kernel: &&Kernel) -> bool {
    !TOO_RARE_FOR_THE_SUITE.contains(&kernel.name)
}

#[test]
fn every_buggy_variant_is_found_by_the_harness() {
    for kernel in KERNELS.iter().filter(suited) {
        let (engine, found) = found_by_the_harness(kernel)
            .unwrap_or_else(|| panic!("no engine of the harness found {}", kernel.name));
        assert!(
            found.contains(kernel.breaks_with),
            "{engine} broke {} otherwise than its oracle: {found}",
            kernel.name
        );
    }
}

#[test]
fn a_bug_a_tool_cannot_see_stays_unfound() {
    for kernel in KERNELS.iter().filter(suited) {
        let cannot_see = |tool: &Tool| tool.can_run(kernel) && !can_see(*tool, kernel);
        for tool in Tool::ALL.into_iter().filter(cannot_see) {
            assert_eq!(
                search(tool, kernel, Variant::Buggy),
                None,
                "{tool} on {}",
                kernel.name
            );
        }
    }
}

#[test]
fn every_fixed_variant_runs_clean_under_every_tool() {
    for kernel in KERNELS {
        for tool in Tool::ALL.into_iter().filter(|tool| tool.can_run(kernel)) {
            let alarm = search(tool, kernel, Variant::Fixed);
            assert_eq!(alarm, None, "a false alarm of {tool} on {}", kernel.name);
        }
    }
}

/// Seeds a shrink tries per failure.
const SHRINK_ATTEMPTS: usize = 20;

#[test]
fn every_failure_the_harness_finds_replays_from_its_run_id_and_shrinks() {
    for kernel in KERNELS.iter().filter(suited) {
        let (engine, _) = found_by_the_harness(kernel).expect("the harness finds it");
        let body = kernel.on_harness;
        let check = Check::new()
            .engines([engine])
            .schedules(budget(Tool::Harness(engine)));
        let Err(Error::Found(failure)) = check.run(move || body(Variant::Buggy)) else {
            panic!("{engine} missed {} the second time", kernel.name);
        };
        let Err(ReplayError::Found(replayed)) =
            Check::replay(failure.run, move || body(Variant::Buggy))
        else {
            panic!("{engine}'s run of {} did not fail again", kernel.name);
        };
        assert_eq!(replayed.signature(), failure.signature(), "{}", kernel.name);
        let shrunk = Check::shrink(failure.run, SHRINK_ATTEMPTS, move || body(Variant::Buggy))
            .expect("the run fails again");
        assert_eq!(shrunk.signature(), failure.signature(), "{}", kernel.name);
        assert!(
            shrunk.operations() <= failure.operations(),
            "{}",
            kernel.name
        );
    }
}

#[test]
fn the_registry_names_each_kernel_once_in_lower_case() {
    for (index, kernel) in KERNELS.iter().enumerate() {
        assert!(
            kernel
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{:?}",
            kernel.name
        );
        assert!(
            KERNELS[..index]
                .iter()
                .all(|earlier| earlier.name != kernel.name)
        );
    }
}

#[test]
fn bare_loom_misses_the_thread_local_race_that_the_harness_loom_engine_finds() {
    // loom 0.7.3 never runs a store before another thread's earlier load of
    // the same atomic when the storing thread loaded it first (tokio-rs/loom
    // #392); the facade marks each load so that loom does (docs/benchmark.md).
    let kernel = KERNELS
        .iter()
        .find(|kernel| kernel.name == "thread-local-iter")
        .expect("the registry has it");
    let harness_loom = Tool::Harness(Engine::Loom {
        preemptions: LOOM_PREEMPTIONS,
    });
    assert!(search(harness_loom, kernel, Variant::Buggy).is_some());
    assert_eq!(search(Tool::Loom, kernel, Variant::Buggy), None);
}
