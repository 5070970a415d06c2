//! Readers and a closer thread the scheduler runs whenever it likes. With
//! the seed's random faults this is the stress scenario; with one forced
//! fault, the permanent-error and disk-full scenarios.

use store::StoreOptions;

use super::RunSummary;
use super::subject::Subject;
use crate::threads::spawn;
use crate::{Params, World};

pub fn readers_and_a_closer<W: World>(
    world: &W,
    params: &Params,
    options: &StoreOptions,
) -> RunSummary {
    let subject = Subject::open(world, "A", params, options);
    let readers = subject.spawn_readers(world);
    let closer = {
        let subject = std::sync::Arc::clone(&subject);
        spawn(world.runtime(), "closer", move || {
            subject.close("closer");
            // A read that begins after close returned must get Closed.
            subject.read_and_judge("closer", 0);
        })
    };
    readers.into_iter().for_each(|reader| reader.join());
    closer.join();
    world.assert_no_leaks();
    RunSummary::default()
}
