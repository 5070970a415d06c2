//! Readers and closer threads the scheduler runs whenever it likes, each
//! closer ending the store as the seed chooses (with or without a
//! deadline). With the seed's random faults and one closer this is the
//! stress scenario; with one forced fault, the permanent-error and
//! disk-full scenarios; with two closers, concurrent closes.

use store::StoreOptions;

use super::RunSummary;
use super::subject::Subject;
use crate::threads::spawn;
use crate::{Params, World};

pub(super) fn readers_and_a_closer<W: World>(
    world: &W,
    params: &Params,
    options: &StoreOptions,
) -> RunSummary {
    readers_and_closers(world, params, options, &["closer"])
}

/// Readers and two closer threads racing each other: the store promises
/// that every close waits for the same release and reports its outcome.
pub(super) fn readers_and_two_closers<W: World>(
    world: &W,
    params: &Params,
    options: &StoreOptions,
) -> RunSummary {
    readers_and_closers(world, params, options, &["closer-1", "closer-2"])
}

fn readers_and_closers<W: World>(
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
