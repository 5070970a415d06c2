//! A map from a run's threads to values, for what the model books at every
//! wait. Thread keys are small and dense from 0, so it is a vector indexed
//! by key: unlike a B-tree, which allocates a node as it goes from empty
//! to one entry and frees it as it empties again, it allocates only as
//! the run's threads first appear. It iterates in key order, as a B-tree
//! would.

use super::facts::ThreadKey;

/// A value for some of a run's threads.
#[derive(Debug)]
pub(crate) struct ByThread<V> {
    slots: Vec<Option<V>>,
}

impl<V> Default for ByThread<V> {
    fn default() -> ByThread<V> {
        ByThread { slots: Vec::new() }
    }
}

impl<V> ByThread<V> {
    /// Sets `thread`'s value.
    pub(crate) fn insert(&mut self, thread: ThreadKey, value: V) {
        if self.slots.len() <= thread.0 {
            self.slots.resize_with(thread.0 + 1, || None);
        }
        self.slots[thread.0] = Some(value);
    }

    /// Takes `thread`'s value out.
    pub(crate) fn remove(&mut self, thread: ThreadKey) -> Option<V> {
        self.slots.get_mut(thread.0).and_then(Option::take)
    }

    /// `thread`'s value.
    pub(crate) fn get(&self, thread: ThreadKey) -> Option<&V> {
        self.slots.get(thread.0).and_then(Option::as_ref)
    }

    /// `thread`'s value, to change.
    pub(crate) fn get_mut(&mut self, thread: ThreadKey) -> Option<&mut V> {
        self.slots.get_mut(thread.0).and_then(Option::as_mut)
    }

    /// Each thread with a value, and the value, in key order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (ThreadKey, &V)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(key, slot)| Some((ThreadKey(key), slot.as_ref()?)))
    }

    /// Keeps only the values `keep` says to.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&V) -> bool) {
        for slot in &mut self.slots {
            if slot.as_ref().is_some_and(|value| !keep(value)) {
                *slot = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_found_taken_and_iterated_in_key_order() {
        let mut map = ByThread::default();
        map.insert(ThreadKey(3), 'c');
        map.insert(ThreadKey(0), 'a');
        map.insert(ThreadKey(1), 'b');
        assert_eq!(map.get(ThreadKey(3)), Some(&'c'));
        assert_eq!(map.get(ThreadKey(2)), None);
        assert_eq!(map.get(ThreadKey(9)), None);
        assert_eq!(map.remove(ThreadKey(1)), Some('b'));
        assert_eq!(map.remove(ThreadKey(1)), None);
        assert_eq!(map.remove(ThreadKey(9)), None);
        let all: Vec<_> = map.iter().collect();
        assert_eq!(all, [(ThreadKey(0), &'a'), (ThreadKey(3), &'c')]);
    }

    #[test]
    fn retain_drops_the_values_it_is_told_to() {
        let mut map = ByThread::default();
        for key in 0..4 {
            map.insert(ThreadKey(key), key);
        }
        map.retain(|&value| value % 2 == 1);
        let kept: Vec<_> = map.iter().map(|(_, &value)| value).collect();
        assert_eq!(kept, [1, 3]);
    }
}
