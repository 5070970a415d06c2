//! Several stores at once: closing one must never disturb another.

use std::sync::Arc;

use store::StoreOptions;

use super::Reaches;
use super::subject::Subject;
use super::{About, Component, RunSummary, ScenarioSpec};
use crate::StoreSituation::Cell;
use crate::threads::spawn;
use crate::{CatalogueWorld, Params, StoreWorld};
use crate::{Operation, Phase};

const LABELS: [&str; 4] = ["A", "B", "C", "D"];

/// `params.stores` stores, each with its share of the readers, all at once;
/// each store's last reader closes it, so closes overlap other stores' reads.
fn parallelism<W: StoreWorld>(world: &W, params: &Params, options: &StoreOptions) -> RunSummary {
    let stores = params.stores.clamp(2, LABELS.len());
    let readers_per_store = (params.readers / stores).max(1);
    let subjects: Vec<_> = LABELS[..stores]
        .iter()
        .map(|label| Subject::open(world, label, params, options))
        .collect();
    let mut readers = Vec::new();
    for subject in &subjects {
        readers.extend((1..readers_per_store).map(|index| subject.spawn_reader(world, index)));
        let (closing_reader, name) = (Arc::clone(subject), format!("reader-{}0", subject.label));
        readers.push(spawn(world.runtime(), &name.clone(), move || {
            closing_reader.read_and_judge(&name, 0);
            closing_reader.close(&name);
        }));
    }
    readers.into_iter().for_each(|reader| reader.join());
    world.assert_no_leaks();
    RunSummary::default()
}

/// Store A has a reader; main closes A while a stager thread opens store B
/// and reads it. B is never closed before its reads, so they must succeed.
fn staging<W: StoreWorld>(world: &W, params: &Params, options: &StoreOptions) -> RunSummary {
    let store_a = Subject::open(world, "A", params, options);
    let reader_a = store_a.spawn_reader(world, 0);
    let stager = {
        let (world_b, params_b, options_b) = (world.clone(), params.clone(), options.clone());
        spawn(world.runtime(), "stager-B", move || {
            let store_b = Subject::open(&world_b, "B", &params_b, &options_b);
            for index in 0..params_b.readers {
                store_b.read_and_judge("stager-B", index);
            }
            store_b.close("stager-B");
        })
    };
    store_a.close("main");
    reader_a.join();
    stager.join();
    world.assert_no_leaks();
    RunSummary::default()
}

/// `multi-file-parallelism`: several stores read in parallel; none disturbs another.
pub(super) struct MultiFileParallelism;

impl ScenarioSpec for MultiFileParallelism {
    fn about(&self) -> About {
        About {
            name: "multi-file-parallelism",
            description: "several stores read in parallel; none disturbs another",
            component: Component::Store,
            pct_step_bound: 246,
            reaches: Reaches::Store(&[Cell(Operation::Close, Phase::Complete)]),
        }
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        parallelism(world, params, options)
    }
}

/// `multi-file-staging`: close store A while creating and reading store B.
pub(super) struct MultiFileStaging;

impl ScenarioSpec for MultiFileStaging {
    fn about(&self) -> About {
        About {
            name: "multi-file-staging",
            description: "close store A while creating and reading store B",
            component: Component::Store,
            pct_step_bound: 112,
            reaches: Reaches::Store(&[
                Cell(Operation::ReadAt, Phase::BeforeFirstStream),
                Cell(Operation::Close, Phase::BeforeFirstStream),
            ]),
        }
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        staging(world, params, options)
    }
}
