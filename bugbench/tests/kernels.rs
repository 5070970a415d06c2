//! The benchmark at a small budget: every buggy variant is found by the
//! harness, every fixed variant runs clean under every tool, and every
//! failure replays from its run id.

use bugbench::tools::{LOOM_PREEMPTIONS, Tool};
use bugbench::{Class, KERNELS, Kernel, Variant};
use harness::check::{Check, Engine, Error};

/// Schedules per seeded search. Each engine this test asks of a kernel
/// finds it in at most 25 schedules in the median (docs/benchmark.md): at
/// a hit rate of 1 in 25, 3,000 leave a miss at about e^-120.
const SEEDED_BUDGET: usize = 3_000;

/// Executions per systematic search: DFS and loom find these bugs within
/// ten, and exhaust each fixed variant well within it.
const SYSTEMATIC_BUDGET: usize = 2_000;

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
        Class::AtomicityViolation | Class::MemorySafety => true,
        Class::WeakMemory => matches!(tool, Tool::Loom | Tool::Harness(Engine::Loom { .. })),
        Class::TimeoutFires => matches!(tool, Tool::Harness(_)),
    }
}

/// The harness's engines that find `kernel`'s bug within the test's budget:
/// each one that can see an atomicity violation; PCT and loom otherwise.
/// (DFS reaches neither the timeout's interleaving nor the list channel's
/// within the budget, and random and URW need hundreds to tens of
/// thousands of schedules: docs/benchmark.md.)
fn finders(kernel: &Kernel) -> Vec<Tool> {
    Tool::ALL
        .into_iter()
        .filter(|tool| match (kernel.class, tool) {
            (Class::AtomicityViolation, Tool::Harness(_)) => true,
            (_, Tool::Harness(Engine::Pct { .. } | Engine::Loom { .. })) => can_see(*tool, kernel),
            _ => false,
        })
        .collect()
}

fn search(tool: Tool, kernel: &Kernel, variant: Variant) -> Option<String> {
    tool.search(kernel, variant, budget(tool), 0)
        .expect("no variable steers the check")
        .found
}

#[test]
fn every_buggy_variant_is_found_by_the_harness() {
    for kernel in KERNELS {
        let finders = finders(kernel);
        assert!(!finders.is_empty(), "nothing is to find {}", kernel.name);
        for tool in finders {
            let found = search(tool, kernel, Variant::Buggy)
                .unwrap_or_else(|| panic!("{tool} missed {}", kernel.name));
            assert!(
                found.contains(kernel.breaks_with),
                "{tool} broke {} otherwise than its oracle: {found}",
                kernel.name
            );
        }
    }
}

#[test]
fn a_bug_a_tool_cannot_see_stays_unfound() {
    for kernel in KERNELS {
        for tool in Tool::ALL.into_iter().filter(|tool| !can_see(*tool, kernel)) {
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
        for tool in Tool::ALL {
            let search = tool
                .search(kernel, Variant::Fixed, budget(tool), 0)
                .expect("no variable steers the check");
            assert_eq!(
                search.found, None,
                "a false alarm of {tool} on {}",
                kernel.name
            );
        }
    }
}

#[test]
fn every_failure_the_harness_finds_replays_from_its_run_id() {
    let engine = Engine::Loom {
        preemptions: LOOM_PREEMPTIONS,
    };
    for kernel in KERNELS {
        let body = kernel.on_harness;
        let check = Check::new().engines([engine]).schedules(SYSTEMATIC_BUDGET);
        let Err(Error::Found(failure)) = check.run(move || body(Variant::Buggy)) else {
            panic!("loom missed {}", kernel.name);
        };
        let replayed = Check::replay(failure.run, move || body(Variant::Buggy))
            .expect_err("the run fails again");
        assert_eq!(replayed.signature(), failure.signature(), "{}", kernel.name);
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
