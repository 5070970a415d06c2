//! Close racing readers: at a barrier, in the wait loop, early, during a
//! backoff, with a deadline.

use std::sync::Arc;
use std::time::Duration;

use store::StoreOptions;

use super::Reaches;
use super::subject::Subject;
use super::{
    About, Component, RunSummary, ScenarioSpec, reset_after_first_chunk, stalled_after_first_chunk,
    tolerable,
};
use crate::StoreSituation::{Cell, Corner, Pair};
use crate::threads::{Latch, spawn};
use crate::{CatalogueWorld, Params, StoreWorld};
use crate::{InFlight, Operation, Phase, StoreCorner};

/// Readers signal ready and wait at a start latch; close runs to completion;
/// then the readers go, and every one of them must get `Closed`.
fn read_close_barrier<W: StoreWorld>(
    world: &W,
    params: &Params,
    options: &StoreOptions,
) -> RunSummary {
    let subject = Subject::open(world, "A", params, options);
    let ready = Arc::new(Latch::new(world.runtime(), 1));
    let start = Arc::new(Latch::new(world.runtime(), 1));
    let readers: Vec<_> = (0..params.readers)
        .map(|index| {
            let (subject, ready, start) =
                (Arc::clone(&subject), Arc::clone(&ready), Arc::clone(&start));
            let name = format!("reader-A{index}");
            spawn(world.runtime(), &name.clone(), move || {
                ready.arrive();
                start.wait();
                subject.read_and_judge(&name, index);
            })
        })
        .collect();
    ready.wait();
    subject.close("main");
    start.arrive();
    readers.into_iter().for_each(|reader| reader.join());
    world.assert_no_leaks();
    RunSummary::default()
}

/// Spawns readers of the object's last byte, which a stalled transport never
/// delivers, and waits until every one is about to read.
fn stalled_readers<W: StoreWorld>(
    world: &W,
    subject: &Arc<Subject<W>>,
) -> Vec<crate::threads::Joiner<W::Runtime, ()>> {
    let readers = subject.params.readers;
    let ready = Arc::new(Latch::new(world.runtime(), readers));
    let joiners = (0..readers)
        .map(|index| {
            let (subject, ready) = (Arc::clone(subject), Arc::clone(&ready));
            let name = format!("reader-A{index}");
            spawn(world.runtime(), &name.clone(), move || {
                ready.arrive();
                let last_byte = subject.params.object_len_bytes - 1;
                subject.read_at_and_judge(&name, last_byte, subject.params.read_len_bytes);
            })
        })
        .collect();
    ready.wait();
    joiners
}

/// Readers wait for bytes a stalled transport never sends; close must free them.
fn read_close_in_flight<W: StoreWorld>(
    world: &W,
    params: &Params,
    options: &StoreOptions,
) -> RunSummary {
    let subject = Subject::open(world, "A", params, options);
    let readers = stalled_readers(world, &subject);
    subject.close("main");
    readers.into_iter().for_each(|reader| reader.join());
    world.assert_no_leaks();
    RunSummary::default()
}

/// Close right after open, with the download under way (with or without
/// a deadline, as the seed chooses).
fn early_close<W: StoreWorld>(world: &W, params: &Params, options: &StoreOptions) -> RunSummary {
    let subject = Subject::open(world, "A", params, options);
    let reader = subject.spawn_reader(world, 0);
    let close_deadline_fired = subject.end(world, "main");
    reader.join();
    world.assert_no_leaks();
    RunSummary {
        close_deadline_fired,
    }
}

/// The transport resets right after its first chunk; main waits until the
/// platform has seen it serve that reset, then ends the store: the
/// downloader is in its backoff, or about to enter it, and close must not
/// wait it out. A barrier on what the platform saw makes the race
/// deterministic: every schedule puts the close against the backoff.
fn close_during_backoff<W: StoreWorld>(
    world: &W,
    params: &Params,
    options: &StoreOptions,
) -> RunSummary {
    let subject = Subject::open(world, "A", params, options);
    let reader = subject.spawn_reader(world, 0);
    world.await_transport_failure(subject.label);
    let close_deadline_fired = subject.end(world, "main");
    reader.join();
    world.assert_no_leaks();
    RunSummary {
        close_deadline_fired,
    }
}

/// Main reads the object's first byte, so it has arrived; a reader reads
/// it again, and the file layer takes four times the close's deadline to
/// serve each read; main closes with a deadline once the reader is about
/// to read. Where the deadline fires while the reader is inside the file
/// layer, registered, the error must count it; a later close waits for it.
fn deadline_with_reader_inside<W: StoreWorld>(
    world: &W,
    params: &Params,
    options: &StoreOptions,
) -> RunSummary {
    let subject = Subject::open(world, "A", params, options);
    subject.read_at_and_judge("main", 0, 1);
    let about_to_read = Arc::new(Latch::new(world.runtime(), 1));
    let reader = {
        let (subject, about_to_read) = (Arc::clone(&subject), Arc::clone(&about_to_read));
        spawn(world.runtime(), "reader-A0", move || {
            about_to_read.arrive();
            subject.read_at_and_judge("reader-A0", 0, 1);
        })
    };
    about_to_read.wait();
    let close_deadline_fired = subject.close_with_deadline(world, "main");
    reader.join();
    subject.close("main");
    world.assert_no_leaks();
    RunSummary {
        close_deadline_fired,
    }
}

/// Close with a deadline while readers are stalled in flight. Whether the
/// deadline fires is the scheduler's choice; either way a later close must
/// see the file released.
fn close_deadline_in_flight<W: StoreWorld>(
    world: &W,
    params: &Params,
    options: &StoreOptions,
) -> RunSummary {
    let subject = Subject::open(world, "A", params, options);
    let readers = stalled_readers(world, &subject);
    let close_deadline_fired = subject.close_with_deadline(world, "main");
    readers.into_iter().for_each(|reader| reader.join());
    subject.close("main");
    world.assert_no_leaks();
    RunSummary {
        close_deadline_fired,
    }
}

/// `read-close-barrier`: readers wait at a barrier while close runs, then read: all get Closed.
pub(super) struct ReadCloseBarrier;

impl ScenarioSpec for ReadCloseBarrier {
    fn about(&self) -> About {
        About {
            name: "read-close-barrier",
            description: "readers wait at a barrier while close runs, then read: all get Closed",
            component: Component::Store,
            pct_step_bound: 129,
            reaches: Reaches::Store(&[
                Corner(StoreCorner::ReleasedByCloser),
                Cell(Operation::Close, Phase::Streaming),
            ]),
        }
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        read_close_barrier(world, params, options)
    }
}

/// `read-close-in-flight`: readers blocked in the wait loop on a stalled transport; close frees them.
pub(super) struct ReadCloseInFlight;

impl ScenarioSpec for ReadCloseInFlight {
    fn about(&self) -> About {
        About {
            name: "read-close-in-flight",
            description: "readers blocked in the wait loop on a stalled transport; close frees them",
            component: Component::Store,
            pct_step_bound: 172,
            reaches: Reaches::Store(&[
                Corner(StoreCorner::ReaderWokenByClose),
                Pair(Operation::Close, InFlight::ReadAt),
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
        read_close_in_flight(world, params, options)
    }
}

/// `early-close`: close before the download completes; nothing left running or behind.
pub(super) struct EarlyClose;

impl ScenarioSpec for EarlyClose {
    fn about(&self) -> About {
        About {
            name: "early-close",
            description: "close before the download completes; nothing left running or behind",
            component: Component::Store,
            pct_step_bound: 48,
            reaches: Reaches::Store(&[
                Corner(StoreCorner::ReleasedByDownloader),
                Corner(StoreCorner::CloseBeforeFirstStream),
                Cell(Operation::CloseWithDeadline, Phase::BeforeFirstStream),
                Cell(Operation::DropLastHandle, Phase::Streaming),
            ]),
        }
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        early_close(world, params, options)
    }
}

/// `close-deadline-in-flight`: close with a deadline while readers are in flight.
pub(super) struct CloseDeadlineInFlight;

impl ScenarioSpec for CloseDeadlineInFlight {
    fn about(&self) -> About {
        About {
            name: "close-deadline-in-flight",
            description: "close with a deadline while readers are in flight",
            component: Component::Store,
            pct_step_bound: 175,
            reaches: Reaches::Store(&[
                Corner(StoreCorner::CloseDeadlineFires),
                Corner(StoreCorner::DeadlineFiresWithReadersInside),
                Cell(Operation::CloseWithDeadline, Phase::Streaming),
                Cell(Operation::CloseWithDeadline, Phase::Stalled),
                Pair(Operation::CloseWithDeadline, InFlight::ReadAt),
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
        close_deadline_in_flight(world, params, options)
    }
}

/// `deadline-with-reader-inside`: close with a deadline while a reader is inside a slow file read.
pub(super) struct DeadlineWithReaderInside;

impl ScenarioSpec for DeadlineWithReaderInside {
    fn about(&self) -> About {
        About {
            name: "deadline-with-reader-inside",
            description: "close with a deadline while a reader is inside a slow file read",
            component: Component::Store,
            pct_step_bound: 93,
            reaches: Reaches::Store(&[
                Cell(Operation::CloseWithDeadline, Phase::Complete),
                Corner(StoreCorner::CloseDeadlineFires),
            ]),
        }
    }

    fn adapt(&self, params: Params) -> Params {
        let mut params = tolerable(params);
        params.file_faults.slow_reads = Some(params.close_deadline * 4);
        params
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        deadline_with_reader_inside(world, params, options)
    }
}

/// `close-during-backoff`: close once the transport has reset, against the downloader's backoff.
pub(super) struct CloseDuringBackoff;

impl ScenarioSpec for CloseDuringBackoff {
    fn about(&self) -> About {
        About {
            name: "close-during-backoff",
            description: "close once the transport has reset, against the downloader's backoff",
            component: Component::Store,
            pct_step_bound: 67,
            reaches: Reaches::Store(&[
                Corner(StoreCorner::CloseDuringBackoff),
                Cell(Operation::Close, Phase::Streaming),
                Cell(Operation::Close, Phase::InBackoff),
                Cell(Operation::CloseWithDeadline, Phase::InBackoff),
            ]),
        }
    }

    fn adapt(&self, params: Params) -> Params {
        let mut params = reset_after_first_chunk(tolerable(params));
        // A backoff to wait out, however short the seed drew it.
        let retry = &mut params.retry;
        retry.initial_backoff = retry.initial_backoff.max(Duration::from_millis(1));
        retry.max_backoff = retry.max_backoff.max(retry.initial_backoff);
        params.without_harmful_faults()
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        close_during_backoff(world, params, options)
    }
}
