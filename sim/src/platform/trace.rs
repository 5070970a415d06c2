use std::collections::BTreeMap;
use std::collections::hash_map::DefaultHasher;
use std::fmt::{self, Write};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use super::{ThreadKey, What};

/// The events of one execution, in the order they happened: what each
/// thread did, as the platform and the scenario saw it. Clones share one log.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    log: Arc<Mutex<Log>>,
}

#[derive(Debug)]
struct Log {
    events: Vec<Event>,
    /// Each thread's name, asked of the scheduler once per execution: every
    /// event of the thread shares it.
    names: BTreeMap<ThreadKey, Arc<str>>,
}

impl Default for Log {
    fn default() -> Log {
        Log {
            events: Vec::with_capacity(EVENTS_EXPECTED),
            names: BTreeMap::new(),
        }
    }
}

/// Events a trace has room for before it grows: a scenario's run records
/// dozens or more, and growing the log from empty reallocated and moved it
/// several times on every run (a tenth of the harness's time in the
/// `harness_cost` bench).
const EVENTS_EXPECTED: usize = 256;

/// Records an event, attributed to the calling thread, in the run's trace.
pub type Recorder = Arc<dyn Fn(What) + Send + Sync>;

/// A [`Recorder`] that records nothing, for platform pieces used on their own.
pub fn no_recorder() -> Recorder {
    Arc::new(|_| {})
}

/// One thing one thread did.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Event {
    /// The thread's name.
    pub thread: Arc<str>,
    /// What it did.
    pub what: What,
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<26} {}", self.thread, self.what)
    }
}

impl Trace {
    /// An empty trace, with room for a typical run's events.
    pub fn new() -> Trace {
        Trace::default()
    }

    /// Appends an event of the thread `key`, named by `name` if this is
    /// its first.
    pub fn record(&self, key: ThreadKey, name: impl FnOnce() -> String, what: What) {
        let mut log = self.lock();
        let thread = Arc::clone(log.names.entry(key).or_insert_with(|| name().into()));
        let event = Event { thread, what };
        crate::flight::event(&event);
        log.events.push(event);
    }

    /// The name of the thread `key`, asked of `name` if not known yet.
    pub fn thread_name(&self, key: ThreadKey, name: impl FnOnce() -> String) -> Arc<str> {
        Arc::clone(
            self.lock()
                .names
                .entry(key)
                .or_insert_with(|| name().into()),
        )
    }

    /// The events so far.
    pub fn events(&self) -> Vec<Event> {
        self.lock().events.clone()
    }

    /// `read` applied to the events so far, without copying them. `read`
    /// must not record: the log is locked while it runs.
    pub fn with_events<T>(&self, read: impl FnOnce(&[Event]) -> T) -> T {
        read(&self.lock().events)
    }

    /// How many handles share this log, this one included.
    #[cfg(test)]
    pub(crate) fn holders(&self) -> usize {
        Arc::strong_count(&self.log)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A hash of a whole trace, to compare two runs of one schedule. Stable
/// within one build of the harness, which is all a replay check needs.
pub fn trace_hash(events: &[Event]) -> u64 {
    let mut hasher = DefaultHasher::new();
    events.hash(&mut hasher);
    hasher.finish()
}

/// The trace as numbered lines, one event a line.
pub fn format_trace(events: &[Event]) -> String {
    let mut text = String::new();
    for (index, event) in events.iter().enumerate() {
        let _ = writeln!(text, "{:>4}  {event}", index + 1);
    }
    text
}

/// Where two traces of one schedule first differ: the event number (1-based)
/// and each side's event there, `None` where a trace has ended.
pub fn first_divergence(
    first: &[Event],
    second: &[Event],
) -> Option<(usize, Option<Event>, Option<Event>)> {
    let length = first.len().max(second.len());
    (0..length)
        .find(|&index| first.get(index) != second.get(index))
        .map(|index| {
            (
                index + 1,
                first.get(index).cloned(),
                second.get(index).cloned(),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(thread: &str, what: What) -> Event {
        Event {
            thread: thread.into(),
            what,
        }
    }

    fn opened(len: u64) -> What {
        What::StoreOpened { store: "A", len }
    }

    #[test]
    fn traces_built_alike_have_no_divergence_and_equal_hashes() {
        let build = || vec![event("main", opened(4)), event("reader-A0", What::Finishes)];
        let (first, second) = (build(), build());
        assert_eq!(first_divergence(&first, &second), None);
        assert_eq!(trace_hash(&first), trace_hash(&second));
    }

    #[test]
    fn the_first_differing_event_is_reported() {
        let first = vec![event("main", opened(4)), event("main", opened(8))];
        let second = vec![event("main", opened(4)), event("main", opened(9))];
        let (at, left, right) = first_divergence(&first, &second).expect("they differ");
        assert_eq!(at, 2);
        assert_eq!(left.expect("event").what, opened(8));
        assert_eq!(right.expect("event").what, opened(9));
        assert_ne!(trace_hash(&first), trace_hash(&second));
    }

    #[test]
    fn a_trace_that_ends_early_diverges_where_it_ends() {
        let first = vec![event("main", opened(4))];
        let second = vec![event("main", opened(4)), event("main", What::Finishes)];
        assert_eq!(first_divergence(&first, &second).map(|d| d.0), Some(2));
    }
}
