//! Deadlocks, found by the model itself. The moment a thread begins a
//! wait that only another thread could end, or ends, leaving every live
//! thread in such a wait, the run can never go on: that thread raises a
//! [`Deadlock`] naming where each thread waits and, for a lock, who holds
//! it since where. A thread that takes a lock it holds (a mutex, a read
//! or a write of a lock it reads or writes) raises one at once, naming
//! itself alone, whatever the others do. A read of a lock it reads counts,
//! as shuttle counts it: std's `read` may panic there, or deadlock behind
//! a writer queued between the two reads. So does a thread that asks a
//! once-cell for the value its own initialiser is making (`once_turn`).
//! An engine's own report
//! (shuttle's, loom's) is words naming its tasks, and real threads have
//! none but a watchdog.
//!
//! A reader that asks for a lock while another thread waits to write it
//! waits behind that writer, as far as deadlocks go: std's `RwLock` (on
//! Linux) lets no new reader in past a waiting writer, though shuttle's and
//! loom's do, so a cycle through such a read is a deadlock on std that
//! those engines would run past (and real threads would hang in until the
//! watchdog).
//!
//! The book of waits errs towards running (`quiescence`): a waiter that a
//! notification may have woken, a lock of the model's own both count as
//! running. A deadlock through one of those is the engine's to
//! find. Where shuttle or loom then fails the run with every live thread
//! booked as waiting, the notification woke nobody (it came after the book
//! had its waiter waiting, before the engine did: a wake-up lost between a
//! check and a wait), and the run raises the same [`Deadlock`], the
//! engine's words unprinted (`Execution::cause`). A deadlock through a
//! lock of the model's own stays in the engine's words.

use std::collections::BTreeMap;
use std::fmt;

use super::facts::ThreadKey;
use super::liveness::Site;

/// Every live thread of a run waits for another, and none can go on. The
/// value a check's failure raises (`Failure::raised`) for a deadlock the
/// model sees; its `Display` names each thread's wait on its first line,
/// and where, with the lock's holder, on one line per thread after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deadlock {
    threads: Vec<Stuck>,
    /// The names the run's threads were spawned with, shown beside their
    /// numbers where each waits.
    names: BTreeMap<ThreadKey, String>,
}

impl Deadlock {
    /// A deadlock of `threads`, in key order; at least one.
    pub(crate) fn new(threads: Vec<Stuck>) -> Deadlock {
        assert!(!threads.is_empty(), "a deadlock has a thread that waits");
        Deadlock {
            threads,
            names: BTreeMap::new(),
        }
    }

    /// The deadlock, its threads named by `names` (their builders' names)
    /// where each waits. The first line stays as it was: a failure's
    /// signature is its first line, the same for one bug however its
    /// threads are named.
    pub(crate) fn named(self, names: BTreeMap<ThreadKey, String>) -> Deadlock {
        Deadlock { names, ..self }
    }

    /// The threads that wait, in key order (threads that ended are not
    /// named); for a thread that takes a lock it holds, that thread alone.
    pub fn threads(&self) -> &[Stuck] {
        &self.threads
    }

    /// Whether the body had returned: its thread is not among the waiting
    /// (a thread that ended is not named, and a body that panicked fails
    /// its run by its panic instead). The threads it left running then
    /// wait for good. A thread waiting for itself is named alone, whatever
    /// the body does: that says nothing of the body.
    pub fn after_the_body_returned(&self) -> bool {
        !self.is_of_one_thread_waiting_for_itself()
            && self
                .threads
                .iter()
                .all(|stuck| stuck.thread != ThreadKey::BODY)
    }

    /// Whether it is one thread taking a lock it holds itself.
    fn is_of_one_thread_waiting_for_itself(&self) -> bool {
        match self.threads.as_slice() {
            [Stuck { thread, on, .. }] => match on {
                StuckOn::Lock { holder, .. } => holder == thread,
                StuckOn::ReadAgain { .. } | StuckOn::OwnInitialisation { .. } => true,
                _ => false,
            },
            _ => false,
        }
    }
}

/// One thread of a deadlock: where it waits, and on what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stuck {
    /// The thread.
    pub thread: ThreadKey,
    /// What it waits for.
    pub on: StuckOn,
    /// The line of the code under test that waits.
    pub at: Site,
}

/// What a thread of a deadlock waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StuckOn {
    /// A lock a thread holds (another, or itself).
    Lock {
        /// The thread holding it.
        holder: ThreadKey,
        /// Where the holder took it.
        taken_at: Site,
    },
    /// A notification of a condition variable of the code's.
    Condvar,
    /// A value on a channel it receives from.
    Receive,
    /// Room on a bounded channel it sends on (a rendezvous's receiver).
    Send,
    /// The other parties of a barrier.
    Barrier,
    /// Another thread's initialisation of a once-cell (`Once::wait`,
    /// `OnceLock::wait`).
    Initialisation,
    /// The end of this thread.
    Join(ThreadKey),
    /// A read of a lock that this thread waits to write: std's `RwLock`
    /// (on Linux) queues a reader behind a waiting writer.
    BehindWriter(ThreadKey),
    /// A second read of a lock this thread already reads: std's `read`
    /// may panic there, and blocks for good behind a writer that queues
    /// between the two reads, so it is a deadlock however the others run.
    ReadAgain {
        /// Where the thread took its first read.
        taken_at: Site,
    },
    /// An unpark.
    Park,
    /// Nothing: a sleep past the clock's horizon (`Duration::MAX`, say),
    /// which no time reaches and no unpark ends.
    SleepForGood,
    /// The end of a once-cell's initialisation (`Once`, `OnceLock`,
    /// `LazyLock`) that this thread is running: std's cells deadlock or
    /// panic there.
    OwnInitialisation {
        /// Where the thread began the initialisation.
        began_at: Site,
    },
}

impl fmt::Display for Deadlock {
    /// A first line that names each wait, and that stays the same
    /// wherever the code is compiled from (a failure's signature is its
    /// first line); then a line per thread saying where.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A thread waiting for its own lock is stuck whatever the others
        // do: the run may go on around it.
        if self.is_of_one_thread_waiting_for_itself() {
            write!(f, "deadlock:")?;
        } else {
            write!(f, "deadlock: no thread can go on:")?;
        }
        for (index, stuck) in self.threads.iter().enumerate() {
            let separator = if index == 0 { " " } else { "; " };
            write!(f, "{separator}thread {} {}", stuck.thread.0, stuck.on)?;
        }
        for stuck in &self.threads {
            write!(f, "\n  thread {}", stuck.thread.0)?;
            if let Some(name) = self.names.get(&stuck.thread) {
                write!(f, " ({name})")?;
            }
            write!(f, " waits at {}", stuck.at)?;
            match stuck.on {
                StuckOn::Lock { holder, taken_at } => {
                    write!(f, ", for the lock thread {} took at {taken_at}", holder.0)?;
                }
                StuckOn::ReadAgain { taken_at } => write!(
                    f,
                    ", having read it at {taken_at}: std's `read` may panic there, \
                     and a writer that queues between the two reads blocks both for good"
                )?,
                StuckOn::OwnInitialisation { began_at } => write!(
                    f,
                    ", having begun it at {began_at}: std's `Once`, `OnceLock` and `LazyLock` \
                     deadlock or panic there"
                )?,
                StuckOn::Condvar
                | StuckOn::Receive
                | StuckOn::Send
                | StuckOn::Barrier
                | StuckOn::Initialisation
                | StuckOn::Join(_)
                | StuckOn::BehindWriter(_)
                | StuckOn::Park
                | StuckOn::SleepForGood => {}
            }
        }
        if self.after_the_body_returned() {
            write!(
                f,
                "\n  the body has returned, leaving these threads waiting for good: a run ends \
                 when its last thread does (a program's exit would end them, a run does not), \
                 so a thread that waits for work (a worker, a janitor) is told to stop before \
                 the body returns (a close, or a drop that wakes it) and joined"
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for StuckOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StuckOn::Lock { holder, .. } => write!(f, "takes a lock thread {} holds", holder.0),
            StuckOn::Condvar => write!(f, "waits for a notification"),
            StuckOn::Receive => write!(f, "receives from a channel"),
            StuckOn::Send => write!(f, "sends on a full channel"),
            StuckOn::Barrier => write!(f, "waits at a barrier"),
            StuckOn::Initialisation => write!(f, "waits for a once-cell's initialisation"),
            StuckOn::Join(joined) => write!(f, "joins thread {}", joined.0),
            StuckOn::BehindWriter(writer) => {
                write!(f, "reads a lock thread {} waits to write", writer.0)
            }
            StuckOn::ReadAgain { .. } => write!(f, "reads again a lock it reads"),
            StuckOn::Park => write!(f, "parks"),
            StuckOn::SleepForGood => write!(f, "sleeps past the clock's horizon"),
            StuckOn::OwnInitialisation { .. } => {
                write!(f, "waits for the initialisation of a once-cell it runs")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use super::*;

    #[test]
    fn a_deadlock_names_each_wait_on_its_first_line_and_where_on_the_next() {
        let (waits, took, parks) = (Location::caller(), Location::caller(), Location::caller());
        let deadlock = Deadlock::new(vec![
            Stuck {
                thread: ThreadKey(0),
                on: StuckOn::Lock {
                    holder: ThreadKey(1),
                    taken_at: took,
                },
                at: waits,
            },
            Stuck {
                thread: ThreadKey(1),
                on: StuckOn::Park,
                at: parks,
            },
        ]);
        assert_eq!(
            deadlock.to_string(),
            format!(
                "deadlock: no thread can go on: thread 0 takes a lock thread 1 holds; thread 1 parks\n  \
                 thread 0 waits at {waits}, for the lock thread 1 took at {took}\n  \
                 thread 1 waits at {parks}"
            )
        );
        assert!(!deadlock.after_the_body_returned());
    }

    #[test]
    fn a_deadlock_of_threads_the_body_left_says_the_body_has_returned_after_its_first_line() {
        let parks = Location::caller();
        let deadlock = Deadlock::new(vec![Stuck {
            thread: ThreadKey(1),
            on: StuckOn::Park,
            at: parks,
        }]);
        assert!(deadlock.after_the_body_returned());
        let message = deadlock.to_string();
        let mut lines = message.lines();
        assert_eq!(
            lines.next(),
            Some("deadlock: no thread can go on: thread 1 parks")
        );
        assert_eq!(
            lines.next(),
            Some(format!("  thread 1 waits at {parks}").as_str())
        );
        assert!(
            lines
                .next()
                .is_some_and(|line| line.starts_with("  the body has returned")),
            "{message}"
        );
    }

    #[test]
    fn a_thread_waiting_for_itself_says_nothing_of_the_bodys_return() {
        // Named alone whatever the others do, the body alive or not.
        let takes = Location::caller();
        let waits_for_itself = Deadlock::new(vec![Stuck {
            thread: ThreadKey(1),
            on: StuckOn::Lock {
                holder: ThreadKey(1),
                taken_at: takes,
            },
            at: takes,
        }]);
        assert!(!waits_for_itself.after_the_body_returned());
        assert!(
            !waits_for_itself
                .to_string()
                .contains("the body has returned")
        );
    }
}
