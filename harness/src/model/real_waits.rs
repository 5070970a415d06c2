//! The untimed waits on condition variables of a run on real threads,
//! which the run wakes itself.
//!
//! std's `notify_one` wakes a waiter the OS picks, and a real wait may also
//! return with no notification at all, so a book kept beside std's waits
//! cannot tell which waiter a notification woke: it had to count one as
//! waking every waiter, and a wake-up lost to the wrong waiter showed only
//! when the watchdog ended the run. Here each waiter blocks on a parker of
//! its own, and a notification picks its waiter (the longest waiting, as
//! Linux's futex queue does) and unparks it: the book ends that waiter's
//! wait as it wakes it, so a waiter still booked is one nothing woke, and
//! a lost wake-up is a deadlock the moment the last thread waits.
//!
//! The parker is crossbeam's, not the thread's own: a `thread::park` of the
//! code under test must not take an unpark meant for the wait, nor the wait
//! one meant for the park.

use std::collections::BTreeMap;

use crossbeam_utils::sync::{Parker, Unparker};

use super::facts::ThreadKey;

/// One wait: its condition variable's id, then its place in the order of
/// waits begun, so the waits of one condition variable iterate oldest
/// first.
pub(crate) type Ticket = (u64, u64);

/// A waiter, and whether a notification has woken it.
struct Waiter {
    thread: ThreadKey,
    unparker: Unparker,
    woken: bool,
}

/// The untimed waits begun and not yet ended, by ticket.
#[derive(Default)]
pub(crate) struct RealWaits {
    waits: BTreeMap<Ticket, Waiter>,
    next: u64,
}

impl RealWaits {
    /// `thread` begins an untimed wait on `condvar`: its ticket, and the
    /// parker it blocks on until [`RealWaits::woken`] says a notification
    /// reached it.
    pub(crate) fn begins(&mut self, condvar: u64, thread: ThreadKey) -> (Ticket, Parker) {
        let ticket = (condvar, self.next);
        self.next += 1;
        let parker = Parker::new();
        let waiter = Waiter {
            thread,
            unparker: parker.unparker().clone(),
            woken: false,
        };
        assert!(
            self.waits.insert(ticket, waiter).is_none(),
            "each wait has a ticket of its own"
        );
        (ticket, parker)
    }

    /// Whether a waiter of `condvar` is still unwoken.
    pub(crate) fn has_unwoken(&self, condvar: u64) -> bool {
        self.of(condvar).any(|waiter| !waiter.woken)
    }

    /// Wakes the longest-waiting unwoken waiter of `condvar`, if any: its
    /// thread, whose wait the book ends.
    pub(crate) fn wake_one(&mut self, condvar: u64) -> Option<ThreadKey> {
        let waiter = self.of_mut(condvar).find(|waiter| !waiter.woken)?;
        Some(waiter.wake())
    }

    /// Wakes every unwoken waiter of `condvar`: their threads, whose waits
    /// the book ends.
    pub(crate) fn wake_all(&mut self, condvar: u64) -> Vec<ThreadKey> {
        self.of_mut(condvar)
            .filter(|waiter| !waiter.woken)
            .map(Waiter::wake)
            .collect()
    }

    /// Whether the wait `ticket` was woken: if so it has ended, and its
    /// ticket is spent.
    pub(crate) fn woken(&mut self, ticket: Ticket) -> bool {
        let woken = self.waits.get(&ticket).is_some_and(|waiter| waiter.woken);
        if woken {
            self.waits.remove(&ticket);
        }
        woken
    }

    fn of(&self, condvar: u64) -> impl Iterator<Item = &Waiter> {
        self.waits
            .range((condvar, 0)..=(condvar, u64::MAX))
            .map(|(_, waiter)| waiter)
    }

    fn of_mut(&mut self, condvar: u64) -> impl Iterator<Item = &mut Waiter> {
        self.waits
            .range_mut((condvar, 0)..=(condvar, u64::MAX))
            .map(|(_, waiter)| waiter)
    }
}

impl Waiter {
    fn wake(&mut self) -> ThreadKey {
        self.woken = true;
        self.unparker.unpark();
        self.thread
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONDVAR: u64 = 7;

    #[test]
    fn a_notify_one_wakes_the_longest_waiting_and_no_other() {
        let mut waits = RealWaits::default();
        let (first, _first_parker) = waits.begins(CONDVAR, ThreadKey(1));
        let (second, _second_parker) = waits.begins(CONDVAR, ThreadKey(2));
        assert_eq!(waits.wake_one(CONDVAR), Some(ThreadKey(1)));
        assert!(waits.woken(first));
        assert!(!waits.woken(second));
        assert!(waits.has_unwoken(CONDVAR));
    }

    #[test]
    fn a_notify_one_skips_a_waiter_already_woken() {
        let mut waits = RealWaits::default();
        let _first = waits.begins(CONDVAR, ThreadKey(1));
        let (second, _parker) = waits.begins(CONDVAR, ThreadKey(2));
        waits.wake_one(CONDVAR);
        assert_eq!(waits.wake_one(CONDVAR), Some(ThreadKey(2)));
        assert!(waits.woken(second));
        assert_eq!(waits.wake_one(CONDVAR), None, "nobody left to wake");
    }

    #[test]
    fn a_notification_wakes_only_waiters_of_its_own_condvar() {
        let mut waits = RealWaits::default();
        let (other, _parker) = waits.begins(CONDVAR + 1, ThreadKey(1));
        assert_eq!(waits.wake_one(CONDVAR), None);
        assert!(waits.wake_all(CONDVAR).is_empty());
        assert!(!waits.woken(other));
        assert!(!waits.has_unwoken(CONDVAR));
    }

    #[test]
    fn a_notify_all_wakes_every_unwoken_waiter() {
        let mut waits = RealWaits::default();
        let (first, _first_parker) = waits.begins(CONDVAR, ThreadKey(1));
        let (second, _second_parker) = waits.begins(CONDVAR, ThreadKey(2));
        waits.wake_one(CONDVAR);
        assert_eq!(waits.wake_all(CONDVAR), [ThreadKey(2)]);
        assert!(waits.woken(first));
        assert!(waits.woken(second));
    }

    #[test]
    fn a_woken_waiters_parker_returns_at_once() {
        let mut waits = RealWaits::default();
        let (_, parker) = waits.begins(CONDVAR, ThreadKey(1));
        waits.wake_one(CONDVAR);
        // It would block for ever if the wake had not unparked it.
        parker.park();
    }

    #[test]
    fn a_spent_ticket_is_woken_no_more() {
        let mut waits = RealWaits::default();
        let (ticket, _parker) = waits.begins(CONDVAR, ThreadKey(1));
        waits.wake_one(CONDVAR);
        assert!(waits.woken(ticket));
        assert!(!waits.woken(ticket));
    }
}
