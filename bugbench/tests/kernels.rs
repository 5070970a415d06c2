//! The benchmark at a small budget: every buggy variant is found by the
//! harness, every fixed variant runs clean under every tool, and every
//! failure replays from its run id.

use bugbench::tools::{LOOM_PREEMPTIONS, Tool};
use bugbench::{Class, KERNELS, Kernel, Variant};
use harness::check::{Check, Engine, Error};

/// Schedules per seeded search. The rarest bug here takes a random search
/// about 80 schedules in the median (docs/benchmark.md), so 3,000 leave a
/// miss at about e^-37.
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
/// invisible to an engine whose memory is sequentially consistent.
fn can_see(tool: Tool, kernel: &Kernel) -> bool {
    let weak_memory = matches!(tool, Tool::Loom | Tool::Harness(Engine::Loom { .. }));
    kernel.class != Class::WeakMemory || weak_memory
}

fn harness_tools() -> impl Iterator<Item = Tool> {
    Tool::ALL
        .into_iter()
        .filter(|tool| matches!(tool, Tool::Harness(_)))
}

#[test]
fn every_buggy_variant_is_found_by_each_harness_engine_that_can_see_it() {
    for kernel in KERNELS {
        for tool in harness_tools().filter(|tool| can_see(*tool, kernel)) {
            let search = tool
                .search(kernel, Variant::Buggy, budget(tool), 0)
                .expect("no variable steers the check");
            let found = search.found.unwrap_or_else(|| {
                panic!(
                    "{tool} missed {} in {} schedules",
                    kernel.name, search.schedules
                )
            });
            assert!(
                found.contains(kernel.breaks_with),
                "{tool} broke {} otherwise than its oracle: {found}",
                kernel.name
            );
        }
    }
}

#[test]
fn a_weak_memory_bug_is_invisible_to_sequentially_consistent_engines() {
    for kernel in KERNELS
        .iter()
        .filter(|kernel| kernel.class == Class::WeakMemory)
    {
        for tool in Tool::ALL.into_iter().filter(|tool| !can_see(*tool, kernel)) {
            let search = tool
                .search(kernel, Variant::Buggy, budget(tool), 0)
                .expect("no variable steers the check");
            assert_eq!(search.found, None, "{tool} on {}", kernel.name);
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
