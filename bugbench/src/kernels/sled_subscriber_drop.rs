//! sled's subscriptions: a writer waits for room in a subscriber's bounded
//! channel while it holds the subscribers' read lock, and a subscriber
//! dropped without reading unregisters under the write lock before its
//! receiver goes. Neither moves again.
//!
//! Source: spacejam/sled #1152 (the diagnosis is in its comments: "the
//! destructor of a subscription can not proceed if the sender is blocked
//! on sending, because the write lock cannot be acquired while a read lock
//! is being held") and #1380; fixed on main by PR #1381 (commit a78fb964,
//! "use try_send insted of send"). PR #1161 first dropped the receiver
//! before taking the write lock, and was reverted. Affected: every release
//! with subscriptions, 0.34.7 (the latest) included. Class: a wait under a
//! lock.
//!
//! In sled, `Subscribers::reserve` holds a prefix's `RwLock` of senders for
//! reading while it makes a blocking `SyncSender::send` to each subscriber
//! of the prefix; `Drop for Subscriber` takes the same lock for writing to
//! remove its sender, and its `Receiver` field is dropped only after that.
//! With the subscriber's channel full, the writer waits for a receive that
//! never comes (nor the receiver's drop, which would end the send), and the
//! subscriber waits for the writer's read lock. The fix sends with
//! `try_send`, so the writer never waits under the lock (a full
//! subscriber misses the event). Upstream's channel is std's
//! `sync_channel`; here it is a small bounded channel on a mutex and a
//! condition variable, so that loom, which has no `sync_channel`, runs it
//! too. Upstream's lock is a reader-writer lock, read by writers and
//! written by a dropped subscriber; with one writer a mutex keeps the
//! protocol, and bare loom aborts the process on a deadlock that leaves a
//! reader-writer lock held (tokio-rs/loom #291), where its mutex reports
//! the deadlock.
//!
//! Oracle: the writer's events and the subscriber's drop both complete (a
//! deadlock otherwise). The harness also reports the writer's wait under
//! the lock itself, on the same schedules, naming both lines.

crate::on_every_tool! {
    use std::collections::VecDeque;
    use std::sync::Arc;

    use sync::{Condvar, Mutex};

    use crate::Variant;

    /// Events a subscriber's channel holds before a send must wait.
    const BOUND: usize = 1;

    /// Events the writer publishes: one more than the channel holds.
    const EVENTS: u32 = BOUND as u32 + 1;

    /// A subscriber's channel, as `sync_channel(BOUND)`.
    struct Channel {
        state: Mutex<Queue>,
        room: Condvar,
    }

    struct Queue {
        events: VecDeque<u32>,
        receiver_gone: bool,
    }

    impl Channel {
        /// Sends `event`: the buggy variant waits for room, as
        /// `SyncSender::send`; the fixed one gives up on a full channel,
        /// as `try_send`.
        fn send(&self, event: u32, variant: Variant) {
            let mut queue = self.state.lock().expect("nobody panics holding it");
            while queue.events.len() == BOUND && !queue.receiver_gone {
                match variant {
                    Variant::Buggy => {
                        queue = self.room.wait(queue).expect("nobody panics holding it");
                    }
                    Variant::Fixed => return,
                }
            }
            if !queue.receiver_gone {
                queue.events.push_back(event);
            }
        }
    }

    /// The subscriber's end of its channel: dropping it ends any send.
    struct Receiver(Arc<Channel>);

    impl Drop for Receiver {
        fn drop(&mut self) {
            // A failed run (a deadlock) unwinds through the subscriber that
            // owns it, and bare loom has torn its execution down by then: a
            // lock taken now aborts the process. Nobody is left to wake.
            if std::thread::panicking() {
                return;
            }
            self.0.state.lock().expect("nobody panics holding it").receiver_gone = true;
            self.0.room.notify_all();
        }
    }

    /// The senders of the subscribers of one prefix (upstream: a
    /// reader-writer lock; see the header).
    type Senders = Mutex<Vec<Arc<Channel>>>;

    /// A subscription: unregisters itself when dropped, and only then (a
    /// field is dropped after its owner's `drop`) lets its receiver go.
    struct Subscriber {
        home: Arc<Senders>,
        _receiver: Receiver,
    }

    impl Drop for Subscriber {
        fn drop(&mut self) {
            self.home.lock().expect("nobody panics holding it").clear();
        }
    }

    /// Publishes each event to every subscriber, under the senders' lock.
    fn publish(home: &Senders, variant: Variant) {
        for event in 0..EVENTS {
            let senders = home.lock().expect("nobody panics holding it");
            for channel in senders.iter() {
                channel.send(event, variant);
            }
        }
    }

    /// A writer publishes while a subscriber that never reads is dropped.
    pub(crate) fn run(variant: Variant) {
        let channel = Arc::new(Channel {
            state: Mutex::new(Queue {
                events: VecDeque::new(),
                receiver_gone: false,
            }),
            room: Condvar::new(),
        });
        let home = Arc::new(Mutex::new(vec![Arc::clone(&channel)]));
        let subscriber = Subscriber {
            home: Arc::clone(&home),
            _receiver: Receiver(channel),
        };
        let writer = thread::spawn(move || publish(&home, variant));
        drop(subscriber);
        writer.join().expect("the writer does not panic");
    }
}
