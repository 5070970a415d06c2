//! Readers on one store, then a last read and the store's end: the shape of
//! the concurrent-readers, transport-reset-resume and failed-download-reads
//! scenarios, which differ only in their fault plans (their
//! `adapt`). No close races the reads, so a reader left waiting is
//! a liveness failure, not rescued. The last read comes once the download
//! has ended (reader 0 reads to the object's end), so it reads a complete
//! or failed download.

use store::StoreOptions;

use super::Reaches;
use super::subject::Subject;
use super::{
    About, Component, RunSummary, ScenarioSpec, failing_for_good_after_first_chunk, first_chunk,
    tolerable,
};
use crate::StoreSituation::{Cell, Corner};
use crate::{CatalogueWorld, Params, StoreWorld, StreamFault};
use crate::{Operation, Phase, StoreCorner};

fn readers_then_close<W: StoreWorld>(
    world: &W,
    params: &Params,
    options: &StoreOptions,
) -> RunSummary {
    let subject = Subject::open(world, "A", params, options);
    let readers = subject.spawn_readers(world);
    readers.into_iter().for_each(|reader| reader.join());
    subject.read_and_judge("main", 0);
    let close_deadline_fired = subject.end(world, "main");
    world.assert_no_leaks();
    RunSummary {
        close_deadline_fired,
    }
}

/// `concurrent-readers`: many readers on one store; every byte must match the source.
pub(super) struct ConcurrentReaders;

impl ScenarioSpec for ConcurrentReaders {
    fn about(&self) -> About {
        About {
            name: "concurrent-readers",
            description: "many readers on one store; every byte must match the source",
            component: Component::Store,
            pct_step_bound: 116,
            reaches: Reaches::Store(&[Cell(Operation::ReadAt, Phase::Complete)]),
        }
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        readers_then_close(world, params, options)
    }
}

/// `transport-reset-resume`: connection resets mid-stream; the download resumes byte-exact.
pub(super) struct TransportResetResume;

impl ScenarioSpec for TransportResetResume {
    fn about(&self) -> About {
        About {
            name: "transport-reset-resume",
            description: "connection resets mid-stream; the download resumes byte-exact",
            component: Component::Store,
            pct_step_bound: 116,
            reaches: Reaches::Store(&[
                Corner(StoreCorner::ResumeAfterReset),
                Cell(Operation::ReadAt, Phase::InBackoff),
            ]),
        }
    }

    fn adapt(&self, params: Params) -> Params {
        // One reset more than the budget, each after progress: a store
        // that counts them all, not in a row, gives up.
        let mut params = tolerable(params);
        let budget = params.retry.max_consecutive_failures.max(1);
        let rounds = (budget as usize + 1).min(params.object_len_bytes as usize - 1);
        let progress_then_reset = [StreamFault::Short(1), StreamFault::Reset];
        let resets = progress_then_reset.into_iter().cycle().take(2 * rounds);
        params.transport_faults.stream_reads.splice(0..0, resets);
        params.retry.max_consecutive_failures = budget;
        params.without_harmful_faults()
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        readers_then_close(world, params, options)
    }
}

/// `failed-download-reads`: the download fails for good; every reader returns before any close.
pub(super) struct FailedDownloadReads;

impl ScenarioSpec for FailedDownloadReads {
    fn about(&self) -> About {
        About {
            name: "failed-download-reads",
            description: "the download fails for good; every reader returns before any close",
            component: Component::Store,
            pct_step_bound: 116,
            reaches: Reaches::Store(&[
                Corner(StoreCorner::PermanentErrorWithReadersWaiting),
                Corner(StoreCorner::RetriesExhausted),
                Cell(Operation::ReadAt, Phase::Failed),
                Cell(Operation::Close, Phase::Failed),
                Cell(Operation::CloseWithDeadline, Phase::Failed),
                Cell(Operation::DropLastHandle, Phase::Failed),
            ]),
        }
    }

    fn adapt(&self, params: Params) -> Params {
        let mut params = tolerable(params);
        if params.fails_by_permanent_error() {
            return failing_for_good_after_first_chunk(params);
        }
        // More resets in a row than the store may retry.
        let failures = params.retry.max_consecutive_failures as usize + 1;
        let first = StreamFault::Short(first_chunk(&params));
        let stream_reads = &mut params.transport_faults.stream_reads;
        *stream_reads = vec![first];
        stream_reads.extend(std::iter::repeat_n(StreamFault::Reset, failures));
        params
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        readers_then_close(world, params, options)
    }
}
