//! Readers on one store, then a last read and the store's end: the shape of
//! the concurrent-readers, transport-reset-resume and failed-download-reads
//! scenarios, which differ only in their fault plans (see
//! `Scenario::adapt`). No close races the reads, so a reader left waiting is
//! a liveness failure, not rescued. The last read comes once the download
//! has ended (reader 0 reads to the object's end), so it reads a complete
//! or failed download.

use store::StoreOptions;

use super::RunSummary;
use super::subject::Subject;
use crate::{Params, World};

pub(super) fn readers_then_close<W: World>(
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
