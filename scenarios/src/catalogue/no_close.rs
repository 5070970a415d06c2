//! Stores nobody closes while reads run, so that a reader left waiting is
//! not rescued by a close: reads of a stalled download's prefix, a store
//! dropped rather than closed while reads are in flight, and a store
//! dropped mid-download. (Reads of a download that failed for good are the
//! shape of `readers.rs` with another fault plan.)

use std::sync::Arc;

use store::StoreOptions;

use super::Reaches;
use super::subject::Subject;
use super::{
    About, Component, RunSummary, ScenarioSpec, at_least_two_bytes, reset_after_first_chunk,
    stalled_after_first_chunk, tolerable,
};
use crate::StoreSituation::{Cell, Corner};
use crate::threads::spawn;
use crate::{CatalogueWorld, Fate, Params, StoreWorld};
use crate::{Operation, Phase, StoreCorner};

/// The transport delivers a prefix, then stalls until closed. Readers of
/// ranges inside the prefix must all get their bytes while it stalls; only
/// then does main close.
fn reads_during_stall<W: StoreWorld>(
    world: &W,
    params: &Params,
    options: &StoreOptions,
) -> RunSummary {
    let subject = Subject::open(world, "A", params, options);
    let Fate::Stalls { prefix } = Fate::of(params) else {
        panic!("reads-during-stall needs a plan that stalls, got {params:?}");
    };
    let readers: Vec<_> = (0..params.readers)
        .map(|index| {
            let (offset, len) = params.reader_range(index);
            let offset = offset % prefix;
            let len = len.min((prefix - offset) as usize);
            let (subject, name) = (Arc::clone(&subject), format!("reader-A{index}"));
            spawn(world.runtime(), &name.clone(), move || {
                subject.read_at_and_judge(&name, offset, len);
            })
        })
        .collect();
    readers.into_iter().for_each(|reader| reader.join());
    subject.close("main");
    world.assert_no_leaks();
    RunSummary::default()
}

/// The owner drops the store right after opening it, or after reading its
/// first byte, as the seed chooses: its handle is the last, so the drop
/// starts closing while the download runs, wherever it stands (before its
/// first stream, streaming, in a backoff, stalled, complete or failed, as
/// the seed's faults and the schedule have it). The downloader must stop and
/// the file be released; the platform checks at the end of the run that
/// nothing leaked.
fn drop_during_download<W: StoreWorld>(
    world: &W,
    params: &Params,
    options: &StoreOptions,
) -> RunSummary {
    let subject = Subject::open(world, "A", params, options);
    if params.reads_before_dropping() {
        subject.read_at_and_judge("main", 0, 1);
    }
    drop(subject);
    RunSummary::default()
}

/// Main drops its handle while readers, holding theirs, are in flight; the
/// last one out drops the store without closing it. The platform checks at
/// the end of the run that nothing leaked.
fn drop_while_reading<W: StoreWorld>(
    world: &W,
    params: &Params,
    options: &StoreOptions,
) -> RunSummary {
    let subject = Subject::open(world, "A", params, options);
    let readers = subject.spawn_readers(world);
    drop(subject);
    readers.into_iter().for_each(|reader| reader.join());
    RunSummary::default()
}

/// `reads-during-stall`: the transport stalls; readers of the delivered prefix get it before any close.
pub(super) struct ReadsDuringStall;

impl ScenarioSpec for ReadsDuringStall {
    fn about(&self) -> About {
        About {
            name: "reads-during-stall",
            description: "the transport stalls; readers of the delivered prefix get it before any close",
            component: Component::Store,
            pct_step_bound: 19,
            reaches: Reaches::Store(&[
                Corner(StoreCorner::ReadServedDuringStall),
                Cell(Operation::Close, Phase::Stalled),
                Cell(Operation::DropLastHandle, Phase::Stalled),
            ]),
        }
    }

    fn adapt(&self, params: Params) -> Params {
        stalled_after_first_chunk(tolerable(params))
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        reads_during_stall(world, params, options)
    }
}

/// `drop-while-reading`: the owner drops the store while reads are in flight; nothing leaks.
pub(super) struct DropWhileReading;

impl ScenarioSpec for DropWhileReading {
    fn about(&self) -> About {
        About {
            name: "drop-while-reading",
            description: "the owner drops the store while reads are in flight; nothing leaks",
            component: Component::Store,
            pct_step_bound: 127,
            reaches: Reaches::Store(&[
                Corner(StoreCorner::ReleasedByDrop),
                Cell(Operation::DropLastHandle, Phase::Complete),
            ]),
        }
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        drop_while_reading(world, params, options)
    }
}

/// `drop-during-download`: the owner drops the store mid-download; the downloader stops, nothing leaks.
pub(super) struct DropDuringDownload;

impl ScenarioSpec for DropDuringDownload {
    fn about(&self) -> About {
        About {
            name: "drop-during-download",
            description: "the owner drops the store mid-download; the downloader stops, nothing leaks",
            component: Component::Store,
            pct_step_bound: 42,
            reaches: Reaches::Store(&[
                Cell(Operation::DropLastHandle, Phase::BeforeFirstStream),
                Cell(Operation::DropLastHandle, Phase::InBackoff),
            ]),
        }
    }

    fn adapt(&self, params: Params) -> Params {
        // Every fault may come where no read is made; where one is, it
        // reads at most the first byte, which arrives, then a reset: the
        // drop that follows the read races the downloader into its backoff.
        if !params.reads_before_dropping() {
            return params;
        }
        reset_after_first_chunk(at_least_two_bytes(params))
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        drop_during_download(world, params, options)
    }
}
