//! Readers on one store, then close: the shape of the concurrent-readers,
//! transport-reset-resume and failed-download-reads scenarios, which differ
//! only in their fault plans (see `Scenario::adapt`). No close races the
//! reads, so a reader left waiting is a liveness failure, not rescued.

use store::StoreOptions;

use super::RunSummary;
use super::subject::Subject;
use crate::{Params, World};

pub fn readers_then_close<W: World>(
    world: &W,
    params: &Params,
    options: &StoreOptions,
) -> RunSummary {
    let subject = Subject::open(world, "A", params, options);
    let readers = subject.spawn_readers(world);
    readers.into_iter().for_each(|reader| reader.join());
    subject.close("main");
    world.assert_no_leaks();
    RunSummary::default()
}
