//! spmc's `try_recv` reports `Disconnected` with a message still queued.
//!
//! Source: seanmonstar/spmc, fixed by commit f9686a0 ("fix race of
//! inconsistent queue and is_disconnected"), released in 0.3.0.
//! Affected: up to 0.2.3. Class: atomicity violation.
//!
//! `try_recv` pops, finds the queue empty, then loads the disconnected
//! flag. If between the two the sender pushes its last message and is
//! dropped, the receiver sees the flag set and answers `Disconnected`: the
//! message is never received. The fix pops once more after seeing the
//! flag. Upstream's queue is lock-free; what matters to the bug is only
//! that the pop and the flag are two steps, so the queue here is a locked
//! `VecDeque`.
//!
//! Oracle: every message the sender sent is received before
//! `Disconnected`.

crate::on_every_tool! {
    use std::collections::VecDeque;
    use std::sync::Arc;
    use std::sync::atomic::Ordering::SeqCst;

    use sync::Mutex;
    use sync::atomic::AtomicBool;

    use crate::Variant;

    /// What `try_recv` answers.
    #[derive(Debug, PartialEq, Eq)]
    enum Received {
        Message(u32),
        Empty,
        Disconnected,
    }

    struct Channel {
        queue: Mutex<VecDeque<u32>>,
        disconnected: AtomicBool,
    }

    impl Channel {
        fn pop(&self) -> Option<u32> {
            self.queue.lock().expect("no thread panics holding the queue").pop_front()
        }

        fn send(&self, message: u32) {
            self.queue.lock().expect("no thread panics holding the queue").push_back(message);
        }

        /// The sender is dropped.
        fn disconnect(&self) {
            self.disconnected.store(true, SeqCst);
        }

        fn try_recv(&self, variant: Variant) -> Received {
            if let Some(message) = self.pop() {
                return Received::Message(message);
            }
            if !self.disconnected.load(SeqCst) {
                return Received::Empty;
            }
            match variant {
                Variant::Buggy => Received::Disconnected,
                // A message pushed between the pop and the load is there now.
                Variant::Fixed => self.pop().map_or(Received::Disconnected, Received::Message),
            }
        }
    }

    /// Polls before the receiver stops spinning and joins the sender, so
    /// that every tool's search of it ends: an unbounded spin can run a
    /// scheduler that ignores yields (bare shuttle's DFS) into its step
    /// bound, which it reports as a failure.
    const POLLS_BEFORE_JOINING: u32 = 3;

    /// A sender sends two messages and leaves; the receiver polls until
    /// `Disconnected`.
    pub(crate) fn run(variant: Variant) {
        let channel = Arc::new(Channel {
            queue: Mutex::new(VecDeque::new()),
            disconnected: AtomicBool::new(false),
        });
        let mut sender = Some({
            let channel = Arc::clone(&channel);
            thread::spawn(move || {
                channel.send(1);
                channel.send(2);
                channel.disconnect();
            })
        });
        let (mut received, mut polls) = (Vec::new(), 0);
        loop {
            match channel.try_recv(variant) {
                Received::Message(message) => received.push(message),
                Received::Empty if polls < POLLS_BEFORE_JOINING => {
                    polls += 1;
                    thread::yield_now();
                }
                // Once the sender is joined, the channel is disconnected.
                Received::Empty => join(sender.take()),
                Received::Disconnected => break,
            }
        }
        join(sender);
        assert_eq!(received, [1, 2], "try_recv said Disconnected with a message still queued");
    }

    fn join(sender: Option<thread::JoinHandle<()>>) {
        if let Some(sender) = sender {
            sender.join().expect("the sender does not panic");
        }
    }
}
