//! The model's channels under every engine: a bound holds, a rendezvous
//! hands each value over before its send returns, a sender whose receiver
//! leaves gets its value back, and a receiver's iterators take what std's
//! take, and their facts list values in the order they went in and out.

#[allow(dead_code, reason = "the helpers other test files use")]
mod support;

use harness::check::{Check, Engine, Op};
use harness::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use harness::sync::{Arc, Condvar, mpsc};
use harness::thread;
use support::facts_list_the_missed_access_first;

#[test]
fn a_bounded_channel_never_holds_more_than_its_bound_under_every_engine() {
    Check::new().schedules(300).assert(|| {
        let (sender, receiver) = mpsc::sync_channel::<u64>(1);
        let sent = Arc::new(AtomicU64::new(0));
        let sending = {
            let sent = Arc::clone(&sent);
            thread::spawn(move || {
                for value in 1..=3 {
                    sender.send(value).expect("the receiver lives");
                    sent.fetch_add(1, Ordering::SeqCst);
                }
            })
        };
        for received in 0..3 {
            let ahead = sent.load(Ordering::SeqCst).saturating_sub(received);
            assert!(ahead <= 1, "{ahead} values sent ahead of a bound of 1");
            assert_eq!(receiver.recv(), Ok(received + 1));
        }
        sending.join().expect("the thread ends without a panic");
    });
}

#[test]
fn a_rendezvous_send_returns_only_once_its_value_is_received_under_every_engine() {
    Check::new().schedules(300).assert(|| {
        let (sender, receiver) = mpsc::sync_channel::<u8>(0);
        let returned = Arc::new(AtomicBool::new(false));
        let sending = {
            let returned = Arc::clone(&returned);
            thread::spawn(move || {
                sender.send(5).expect("the receiver lives");
                returned.store(true, Ordering::SeqCst);
            })
        };
        assert!(
            !returned.load(Ordering::SeqCst),
            "the send returned before its value was received"
        );
        assert_eq!(receiver.recv(), Ok(5));
        sending.join().expect("the thread ends without a panic");
    });
}

#[test]
fn a_rendezvous_sender_whose_receiver_leaves_gets_its_value_back_under_every_engine() {
    Check::new().schedules(300).assert(|| {
        let (sender, receiver) = mpsc::sync_channel::<u8>(0);
        let sending = thread::spawn(move || sender.send(9));
        drop(receiver);
        let sent = sending.join().expect("the thread ends without a panic");
        assert_eq!(sent, Err(mpsc::SendError(9)));
    });
}

/// A sender thread that sends `1..=3`, then leaves.
fn sends_one_to_three(sender: mpsc::Sender<u64>) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        for value in 1..=3 {
            sender.send(value).expect("the receiver lives");
        }
    })
}

/// Asserts, under every engine, that `take_all` takes `1..=3` from a
/// receiver while a thread sends them and leaves.
fn takes_every_value_until_every_sender_is_gone(take_all: fn(mpsc::Receiver<u64>) -> Vec<u64>) {
    Check::new().schedules(100).assert(move || {
        let (sender, receiver) = mpsc::channel();
        let sending = sends_one_to_three(sender);
        assert_eq!(take_all(receiver), [1, 2, 3]);
        sending.join().expect("the sender ends");
    });
}

#[test]
fn a_receivers_iterator_takes_every_value_until_every_sender_is_gone_under_every_engine() {
    takes_every_value_until_every_sender_is_gone(|receiver| receiver.iter().collect());
}

#[test]
fn an_owning_iterator_takes_every_value_until_every_sender_is_gone_under_every_engine() {
    takes_every_value_until_every_sender_is_gone(|receiver| receiver.into_iter().collect());
}

#[test]
fn try_iter_takes_what_is_queued_and_no_more_under_every_engine() {
    Check::new().schedules(100).assert(|| {
        let (sender, receiver) = mpsc::channel();
        sends_one_to_three(sender.clone())
            .join()
            .expect("the sender ends");
        assert_eq!(receiver.try_iter().collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(
            receiver.try_iter().count(),
            0,
            "the sender left is still there"
        );
        drop(sender);
    });
}

#[test]
fn try_send_says_full_then_disconnected() {
    Check::new().schedules(10).assert(|| {
        let (sender, receiver) = mpsc::sync_channel::<u8>(1);
        assert_eq!(sender.try_send(1), Ok(()));
        assert_eq!(sender.try_send(2), Err(mpsc::TrySendError::Full(2)));
        drop(receiver);
        assert_eq!(sender.try_send(3), Err(mpsc::TrySendError::Disconnected(3)));
    });
}

#[test]
fn a_rendezvous_try_send_with_nobody_receiving_is_full() {
    Check::new().schedules(10).assert(|| {
        let (sender, _receiver) = mpsc::sync_channel::<u8>(0);
        assert_eq!(sender.try_send(1), Err(mpsc::TrySendError::Full(1)));
    });
}

#[test]
fn a_sync_channels_receiver_sees_every_sender_gone() {
    Check::new().schedules(100).assert(|| {
        let (sender, receiver) = mpsc::sync_channel::<u8>(2);
        let second = sender.clone();
        let sending = thread::spawn(move || second.send(4).expect("the receiver lives"));
        drop(sender);
        assert_eq!(receiver.recv(), Ok(4));
        assert_eq!(receiver.recv(), Err(mpsc::RecvError));
        sending.join().expect("the thread ends without a panic");
    });
}

/// Notifies one waiter when dropped, as a guard of a component might.
struct NotifiesWhenDropped(Arc<Condvar>);

impl Drop for NotifiesWhenDropped {
    fn drop(&mut self) {
        self.0.notify_one();
    }
}

#[test]
fn a_failed_run_drops_a_notifier_of_a_thread_that_never_started() {
    // As below, with the condition variable's notify_one in the drop.
    for engine in Engine::DEFAULT {
        let check = Check::new().engines([engine]).schedules(1);
        let failure = support::found(&check, || {
            let notifier = NotifiesWhenDropped(Arc::new(Condvar::new()));
            let _never_joined = thread::spawn(move || drop(notifier));
            panic!("the body fails before its thread starts");
        });
        assert!(
            failure.message.contains("before its thread starts"),
            "{engine}: {failure}"
        );
    }
}

#[test]
fn a_failed_run_drops_a_channel_end_of_a_thread_that_never_started() {
    // loom queues a spawned thread until the next scheduling point; a body
    // that fails first leaves loom to drop the thread's closure, and the
    // sender in it, after the run: its drop must not ask the engine.
    for engine in Engine::DEFAULT {
        let check = Check::new().engines([engine]).schedules(1);
        let failure = support::found(&check, || {
            let (sender, receiver) = mpsc::channel::<u8>();
            let _never_joined = thread::spawn(move || drop(sender));
            drop(receiver);
            panic!("the body fails before its thread starts");
        });
        assert!(
            failure.message.contains("before its thread starts"),
            "{engine}: {failure}"
        );
    }
}

/// A receive that misses another thread's send fails the run: the yield
/// lets the other thread reach its send first.
fn a_receive_that_misses_a_send() {
    let (sender, receiver) = mpsc::channel();
    let sending = thread::spawn(move || {
        // The receiver is gone once the body has failed.
        let _ = sender.send(1_u8);
    });
    thread::yield_now();
    let received = receiver.try_recv();
    sending.join().expect("the sender ends without a panic");
    assert_eq!(received, Ok(1), "the receive missed the send");
}

#[test]
fn a_failures_facts_list_a_channels_send_after_the_receive_that_missed_it() {
    facts_list_the_missed_access_first(a_receive_that_misses_a_send, &Op::Recv, &Op::Send);
}
