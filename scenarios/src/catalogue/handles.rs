//! Handles, as a FUSE file system hands them out: opened, read through and
//! released while reads run and a close races them, and one held across a
//! close, which must wait for its release.

use std::sync::Arc;

use store::StoreOptions;

use super::Reaches;
use super::subject::{self, Subject};
use super::{About, Component, RunSummary, ScenarioSpec, stalled_after_first_chunk, tolerable};
use crate::StoreSituation::{Cell, Corner, Pair};
use crate::threads::{Latch, spawn};
use crate::{CatalogueWorld, Params, StoreWorld};
use crate::{InFlight, Operation, Phase, StoreCorner};

/// How many threads open, read through and release a handle each. Loom
/// allows five threads: main, the downloader, these two and a closer.
const HANDLE_THREADS: usize = 2;

/// Threads each open a handle, read their range through it and release it
/// (or drop it), while a closer closes the store and main reads the
/// store's counts. The seed chooses whether a thread first reads through
/// the store, so that handles open in every phase of the download, and
/// whether it releases or drops its handle. Every fault may come: each
/// read is judged against the plan.
fn handles_race_close<W: StoreWorld>(
    world: &W,
    params: &Params,
    options: &StoreOptions,
) -> RunSummary {
    let subject = Subject::open(world, "A", params, options);
    let handles: Vec<_> = (0..HANDLE_THREADS)
        .map(|index| {
            let (subject, name) = (Arc::clone(&subject), format!("handle-A{index}"));
            let drops = params.content_seed >> index & 1 == 1;
            let reads_first = params.content_seed >> (HANDLE_THREADS + index) & 1 == 1;
            spawn(world.runtime(), &name.clone(), move || {
                if reads_first {
                    subject.read_and_judge(&name, index);
                }
                let Some(handle) = subject.open_handle(&name) else {
                    return;
                };
                let (offset, len) = subject.params.reader_range(index);
                subject.read_through_and_judge(&handle, &name, offset, len);
                if drops {
                    subject.drop_handle(handle);
                } else {
                    subject.release(&handle, &name);
                }
            })
        })
        .collect();
    let closer = {
        let (subject, closer_world) = (Arc::clone(&subject), world.clone());
        spawn(world.runtime(), "closer", move || {
            subject.end(&closer_world, "closer")
        })
    };
    subject.observe_in_flight();
    handles.into_iter().for_each(|handle| handle.join());
    let fired = closer.join();
    world.assert_no_leaks();
    RunSummary {
        close_deadline_fired: fired,
    }
}

/// Whether handle-across-close's seed has the transport stall after its
/// first chunk, which main waits for before it opens its handle: so that
/// handles are opened, and released, while a download stalls.
fn opens_during_stall(params: &Params) -> bool {
    params.content_seed >> 8 & 1 == 1
}

/// Main opens a handle (once the first byte arrived, if the transport
/// stalls after it); a reader reads through it while a closer closes the
/// store; main reads through it once the closer is about to close, and
/// releases it once the reader is done. The close must wait for that
/// release, and the file must outlive the handle's duplicate.
fn handle_across_close<W: StoreWorld>(
    world: &W,
    params: &Params,
    options: &StoreOptions,
) -> RunSummary {
    let subject = Subject::open(world, "A", params, options);
    if opens_during_stall(params) {
        subject.read_at_and_judge("main", 0, 1);
    }
    let handle = Arc::new(
        subject
            .open_handle("main")
            .expect("no close has begun, so the handle opens"),
    );
    let reader = {
        let (subject, handle) = (Arc::clone(&subject), Arc::clone(&handle));
        spawn(world.runtime(), "reader-A0", move || {
            let (offset, len) = subject.params.reader_range(0);
            subject.read_through_and_judge(&handle, "reader-A0", offset, len);
        })
    };
    let closing = Arc::new(Latch::new(world.runtime(), 1));
    let closer = {
        let (subject, closer_world) = (Arc::clone(&subject), world.clone());
        let closing = Arc::clone(&closing);
        spawn(world.runtime(), "closer", move || {
            closing.arrive();
            subject.end(&closer_world, "closer")
        })
    };
    closing.wait();
    let (offset, len) = params.reader_range(1);
    subject.read_through_and_judge(&handle, "main", offset, len);
    reader.join();
    subject.release(&handle, "main");
    let fired = closer.join();
    drop(handle);
    world.assert_no_leaks();
    RunSummary {
        close_deadline_fired: fired,
    }
}

/// Main opens one handle and shares it: two readers read through it while
/// a releaser releases it and main ends the store, so a release meets
/// reads in flight through the very handle it releases, and the last of
/// them closes the duplicate. Where the plan refuses the first duplicate
/// (`Params::refuses_a_duplicate`), main's first open fails and it opens
/// again: the store must have uncounted the refused handle, or the close
/// that follows waits for it forever.
fn shared_handle<W: StoreWorld>(world: &W, params: &Params, options: &StoreOptions) -> RunSummary {
    let subject = Subject::open(world, "A", params, options);
    let handle = subject
        .open_handle("main")
        .or_else(|| subject.open_handle("main"))
        .expect("no close has begun, and the plan refuses one duplicate at most");
    let shared = Arc::new(subject::SharedHandle::new(world.runtime(), handle));
    let readers: Vec<_> = (0..SHARED_HANDLE_READERS)
        .map(|index| {
            let (subject, shared) = (Arc::clone(&subject), Arc::clone(&shared));
            let name = format!("reader-A{index}");
            spawn(world.runtime(), &name.clone(), move || {
                let (offset, len) = subject.params.reader_range(index);
                subject.read_through_shared_and_judge(&shared, &name, offset, len);
            })
        })
        .collect();
    let releaser = {
        let (subject, shared) = (Arc::clone(&subject), Arc::clone(&shared));
        spawn(world.runtime(), "releaser", move || {
            subject.release_shared(&shared, "releaser");
        })
    };
    let fired = subject.end(world, "main");
    readers.into_iter().for_each(|reader| reader.join());
    releaser.join();
    world.assert_no_leaks();
    RunSummary {
        close_deadline_fired: fired,
    }
}

/// Readers of the shared handle. Loom allows five threads: main, the
/// downloader, these two and the releaser.
const SHARED_HANDLE_READERS: usize = 2;

/// `handles-race-close`: handles opened, read through and released while a close races them.
pub(super) struct HandlesRaceClose;

impl ScenarioSpec for HandlesRaceClose {
    fn about(&self) -> About {
        About {
            name: "handles-race-close",
            description: "handles opened, read through and released while a close races them",
            component: Component::Store,
            pct_step_bound: 105,
            reaches: Reaches::Store(&[
                Cell(Operation::OpenHandle, Phase::Streaming),
                Cell(Operation::OpenHandle, Phase::InBackoff),
                Cell(Operation::OpenHandle, Phase::Complete),
                Cell(Operation::OpenHandle, Phase::Failed),
                Cell(Operation::Release, Phase::Failed),
                Pair(Operation::ReadAt, InFlight::OpenHandle),
                Pair(Operation::Close, InFlight::OpenHandle),
                Pair(Operation::CloseWithDeadline, InFlight::OpenHandle),
                Pair(Operation::OpenHandle, InFlight::ReadAt),
                Pair(Operation::OpenHandle, InFlight::Close),
                Pair(Operation::OpenHandle, InFlight::OpenHandle),
                Pair(Operation::OpenHandle, InFlight::Release),
                Pair(Operation::Release, InFlight::OpenHandle),
                Pair(Operation::Release, InFlight::Release),
            ]),
        }
    }

    fn adapt(&self, params: Params) -> Params {
        // Every fault may come, and none can make a read wrong: each read
        // is judged against the plan.
        params.refusing_a_duplicate_if_drawn()
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        handles_race_close(world, params, options)
    }
}

/// `handle-across-close`: a handle held across close; close waits for its release, the file outlives it.
pub(super) struct HandleAcrossClose;

impl ScenarioSpec for HandleAcrossClose {
    fn about(&self) -> About {
        About {
            name: "handle-across-close",
            description: "a handle held across close; close waits for its release, the file outlives it",
            component: Component::Store,
            pct_step_bound: 123,
            reaches: Reaches::Store(&[
                Cell(Operation::ReadAt, Phase::Stalled),
                Cell(Operation::OpenHandle, Phase::Stalled),
                Cell(Operation::Release, Phase::Stalled),
                Pair(Operation::ReadAt, InFlight::Close),
                Pair(Operation::Release, InFlight::Close),
            ]),
        }
    }

    fn adapt(&self, params: Params) -> Params {
        let params = tolerable(params);
        if opens_during_stall(&params) {
            return stalled_after_first_chunk(params);
        }
        params
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        handle_across_close(world, params, options)
    }
}

/// `shared-handle`: one handle shared by threads, released while others read through it.
pub(super) struct SharedHandle;

impl ScenarioSpec for SharedHandle {
    fn about(&self) -> About {
        About {
            name: "shared-handle",
            description: "one handle shared by threads, released while others read through it",
            component: Component::Store,
            pct_step_bound: 97,
            reaches: Reaches::Store(&[
                Corner(StoreCorner::ReadClosesReleasedDuplicate),
                Corner(StoreCorner::DuplicateRefused),
                Cell(Operation::OpenHandle, Phase::BeforeFirstStream),
                Cell(Operation::Release, Phase::BeforeFirstStream),
                Cell(Operation::Release, Phase::Streaming),
                Cell(Operation::Release, Phase::InBackoff),
                Cell(Operation::Release, Phase::Complete),
                Pair(Operation::ReadAt, InFlight::Release),
                Pair(Operation::Close, InFlight::Release),
                Pair(Operation::CloseWithDeadline, InFlight::Release),
                Pair(Operation::Release, InFlight::ReadAt),
            ]),
        }
    }

    fn adapt(&self, params: Params) -> Params {
        let mut params = tolerable(params);
        params.file_faults.refuse_duplicate = params.refuses_a_duplicate().then_some(0);
        params
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        shared_handle(world, params, options)
    }
}
