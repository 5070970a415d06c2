//! Readers and closer threads the scheduler runs whenever it likes, each
//! closer ending the store as the seed chooses (with or without a
//! deadline). With the seed's random faults and one closer this is the
//! stress scenario; with one forced fault, the permanent-error and
//! disk-full scenarios; with two closers, concurrent closes.

use store::StoreOptions;

use super::Reaches;
use super::subject::Subject;
use super::{
    About, Component, RunSummary, ScenarioSpec, failing_for_good_after_first_chunk, tolerable,
};
use crate::StoreSituation::{Cell, Corner, Pair};
use crate::threads::spawn;
use crate::{CatalogueWorld, Params, StoreWorld};
use crate::{InFlight, Operation, Phase, StoreCorner};

fn readers_and_a_closer<W: StoreWorld>(
    world: &W,
    params: &Params,
    options: &StoreOptions,
) -> RunSummary {
    readers_and_closers(world, params, options, &["closer"])
}

/// Readers and two closer threads racing each other: the store promises
/// that every close waits for the same release and reports its outcome.
fn readers_and_two_closers<W: StoreWorld>(
    world: &W,
    params: &Params,
    options: &StoreOptions,
) -> RunSummary {
    readers_and_closers(world, params, options, &["closer-1", "closer-2"])
}

fn readers_and_closers<W: StoreWorld>(
    world: &W,
    params: &Params,
    options: &StoreOptions,
    closer_names: &[&'static str],
) -> RunSummary {
    let subject = Subject::open(world, "A", params, options);
    let readers = subject.spawn_readers(world);
    let closers: Vec<_> = closer_names
        .iter()
        .map(|&name| {
            let subject = std::sync::Arc::clone(&subject);
            spawn(world.runtime(), name, move || {
                let close_deadline_fired = subject.end(&subject.world(), name);
                // A read that begins after close returned must get Closed.
                subject.read_and_judge(name, 0);
                close_deadline_fired
            })
        })
        .collect();
    readers.into_iter().for_each(|reader| reader.join());
    let fired: Vec<bool> = closers.into_iter().map(|closer| closer.join()).collect();
    world.assert_no_leaks();
    RunSummary {
        close_deadline_fired: fired.contains(&true),
    }
}

/// `stress`: random readers, offsets, faults, and a close at a random point.
pub(super) struct Stress;

impl ScenarioSpec for Stress {
    fn about(&self) -> About {
        About {
            name: "stress",
            description: "random readers, offsets, faults, and a close at a random point",
            component: Component::Store,
            pct_step_bound: 142,
            reaches: Reaches::Store(&[
                Corner(StoreCorner::EmptyObject),
                Pair(Operation::ReadAt, InFlight::ReadAt),
            ]),
        }
    }

    fn adapt(&self, params: Params) -> Params {
        // Every fault may come, and none can make a read wrong: each read
        // is judged against the plan.
        params
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        readers_and_a_closer(world, params, options)
    }
}

/// `permanent-transport-error`: the transport fails for good; reads fail, none hang.
pub(super) struct PermanentTransportError;

impl ScenarioSpec for PermanentTransportError {
    fn about(&self) -> About {
        About {
            name: "permanent-transport-error",
            description: "the transport fails for good; reads fail, none hang",
            component: Component::Store,
            pct_step_bound: 142,
            reaches: Reaches::Store(&[
                Corner(StoreCorner::ReleasedByLastReader),
                Cell(Operation::ReadAt, Phase::Streaming),
            ]),
        }
    }

    fn adapt(&self, params: Params) -> Params {
        failing_for_good_after_first_chunk(tolerable(params))
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        readers_and_a_closer(world, params, options)
    }
}

/// `disk-full`: the disk fills up; reads past the written part fail with ENOSPC.
pub(super) struct DiskFull;

impl ScenarioSpec for DiskFull {
    fn about(&self) -> About {
        About {
            name: "disk-full",
            description: "the disk fills up; reads past the written part fail with ENOSPC",
            component: Component::Store,
            pct_step_bound: 142,
            reaches: Reaches::Store(&[Corner(StoreCorner::DiskFullMidDownload)]),
        }
    }

    fn adapt(&self, params: Params) -> Params {
        let mut params = tolerable(params);
        params.file_faults.disk_full_after_bytes = Some(params.object_len_bytes / 2);
        params
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        readers_and_a_closer(world, params, options)
    }
}

/// `concurrent-closes`: two closers race each other and the readers; both return once the file is released.
pub(super) struct ConcurrentCloses;

impl ScenarioSpec for ConcurrentCloses {
    fn about(&self) -> About {
        About {
            name: "concurrent-closes",
            description: "two closers race each other and the readers; both return once the file is released",
            component: Component::Store,
            pct_step_bound: 168,
            reaches: Reaches::Store(&[
                Corner(StoreCorner::TwoClosersAtOnce),
                Pair(Operation::Close, InFlight::Close),
                Pair(Operation::CloseWithDeadline, InFlight::Close),
            ]),
        }
    }

    fn adapt(&self, params: Params) -> Params {
        let mut params = tolerable(params);
        // Loom allows five threads: main, the downloader, two closers, a reader.
        params.readers = params.readers.saturating_sub(1).max(1);
        params
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        readers_and_two_closers(world, params, options)
    }
}
