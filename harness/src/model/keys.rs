//! The small key of each thread of a run, by the engine's own name for it.
//!
//! Every operation's fact names its thread, so the lookup runs several
//! times per operation. Shuttle names its threads by index, small and
//! dense from 0, so the keys of the first [`NAMES_IN_SLOTS`] names sit in
//! slots read without a lock; any other name (loom's and std's are hashed
//! ids) is looked up behind a mutex. Which store a name uses depends on
//! its value alone, so a name always finds the key it was given.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::facts::ThreadKey;

/// Names below this are kept in slots: more threads than a model run of a
/// test has, which the exploration's bounds keep to a handful.
pub(crate) const NAMES_IN_SLOTS: usize = 64;

/// A slot no name was given a key in.
const NO_KEY: usize = 0;

/// Each thread's key, and the key the next new thread gets.
#[derive(Debug)]
pub(crate) struct ThreadKeys {
    /// `key + 1` of the thread named by each index below
    /// [`NAMES_IN_SLOTS`], or [`NO_KEY`]. A slot is written by the thread
    /// it names, or by its spawner before it starts, so the thread reads
    /// its own slot's latest value: `Relaxed` suffices.
    slots: [AtomicUsize; NAMES_IN_SLOTS],
    /// The keys of the other names.
    others: Mutex<BTreeMap<u64, ThreadKey>>,
    /// The key the next new thread gets.
    next: AtomicUsize,
}

impl Default for ThreadKeys {
    fn default() -> ThreadKeys {
        ThreadKeys {
            slots: std::array::from_fn(|_| AtomicUsize::new(NO_KEY)),
            others: Mutex::default(),
            next: AtomicUsize::new(0),
        }
    }
}

impl ThreadKeys {
    /// The key of the thread the engine calls `name`: the key it was
    /// spawned with, or the next one if it is new (the body's own thread).
    pub(crate) fn key_of(&self, name: u64) -> ThreadKey {
        if let Some(key) = self.known(name) {
            return key;
        }
        let key = self.reserve();
        self.bind(name, key);
        key
    }

    /// The next key, for a thread about to be spawned: threads are
    /// numbered as they are spawned, which is the same in every replay.
    pub(crate) fn reserve(&self) -> ThreadKey {
        ThreadKey(self.next.fetch_add(1, Ordering::SeqCst))
    }

    /// How many threads the run has had: keys below this one are taken.
    pub(crate) fn threads(&self) -> usize {
        self.next.load(Ordering::SeqCst)
    }

    /// The thread the engine calls `name` is the one spawned as `key`.
    pub(crate) fn bind(&self, name: u64, key: ThreadKey) {
        match self.slot(name) {
            Some(slot) => slot.store(key.0 + 1, Ordering::Relaxed),
            None => {
                self.others
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(name, key);
            }
        }
    }

    fn known(&self, name: u64) -> Option<ThreadKey> {
        match self.slot(name) {
            Some(slot) => match slot.load(Ordering::Relaxed) {
                NO_KEY => None,
                key_plus_one => Some(ThreadKey(key_plus_one - 1)),
            },
            None => self
                .others
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&name)
                .copied(),
        }
    }

    fn slot(&self, name: u64) -> Option<&AtomicUsize> {
        usize::try_from(name)
            .ok()
            .and_then(|index| self.slots.get(index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_are_numbered_in_the_order_they_first_act() {
        let keys = ThreadKeys::default();
        let (small, large) = (3, u64::MAX - 1);
        assert_eq!(keys.key_of(small), ThreadKey(0));
        assert_eq!(keys.key_of(large), ThreadKey(1));
        assert_eq!(keys.key_of(small), ThreadKey(0));
        assert_eq!(keys.key_of(large), ThreadKey(1));
        assert_eq!(keys.threads(), 2);
    }

    #[test]
    fn a_small_name_is_kept_in_a_slot_and_only_a_large_one_behind_the_lock() {
        let keys = ThreadKeys::default();
        keys.key_of(NAMES_IN_SLOTS as u64 - 1);
        let behind_the_lock = || keys.others.lock().map_or(0, |others| others.len());
        assert_eq!(behind_the_lock(), 0, "a small name's key needs no lock");
        keys.key_of(NAMES_IN_SLOTS as u64);
        assert_eq!(behind_the_lock(), 1);
    }

    #[test]
    fn a_name_bound_to_a_reserved_key_finds_it_in_either_store() {
        let keys = ThreadKeys::default();
        for name in [
            0,
            NAMES_IN_SLOTS as u64 - 1,
            NAMES_IN_SLOTS as u64,
            u64::MAX,
        ] {
            let key = keys.reserve();
            keys.bind(name, key);
            assert_eq!(keys.key_of(name), key, "name {name}");
        }
        assert_eq!(keys.threads(), 4);
    }
}
