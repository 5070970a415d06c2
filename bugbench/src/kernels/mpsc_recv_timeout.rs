//! `std::sync::mpsc` before Rust 1.67: `recv_timeout` times out, a send
//! completes before it returns, and the next `recv` panics.
//!
//! Source: rust-lang/rust #94518 (case 1 gives the interleaving); the old
//! channel was replaced by crossbeam's in PR #93563, released in 1.67.
//! Affected: the stream flavour of every release from 1.12 (when
//! `recv_timeout` came, PR #33748) to 1.66. Class: a timeout that fires.
//!
//! The stream channel counts messages in `cnt`, less the receiver's
//! `steals` (messages it popped without blocking), so `cnt - steals` is
//! the queue's length. A receiver about to block subtracts one more, its
//! claim on the next message, and a blocked receiver leaves `cnt` at -1; a
//! sender that moves `cnt` from -1 wakes it. When the wait times out,
//! `abort_selection` gives the claim back: it adds two to `cnt` and makes
//! `steals` one, which balances. `recv` then tries once more, and if a
//! message came meanwhile takes it, undoing one steal "already factored
//! into the count": but the abort has already given that claim back, so the
//! count is now one too high. The next blocking `recv` takes the excess for
//! a message, does not wait, finds the queue empty, and reaches std's
//! `unreachable!()`. Upstream's fix was to replace the channel; the fixed
//! variant here is the smallest fix of the count, no undo after an abort.
//!
//! Only a wait that times out takes this path, and shuttle's and loom's
//! timed waits never time out; the harness's fire on virtual time.
//!
//! Upstream's queue is lock-free and single-producer; the bug is in the
//! counts, so the queue here is a locked `VecDeque`. A blocking token
//! (upstream: a pointer in `to_wake`) is a slot of a two-token arena, one
//! per receive of the body, and `to_wake` holds its slot plus one.
//!
//! Oracle: the receiver gets the one message, then `Disconnected`; a
//! blocking `recv` never wakes with nothing to receive.

crate::on_every_tool! {
    use std::collections::VecDeque;
    use std::sync::Arc;
    use std::sync::atomic::Ordering::SeqCst;
    use std::time::Duration;

    use sync::atomic::{AtomicIsize, AtomicUsize};
    use sync::{Condvar, Mutex};

    use crate::Variant;

    /// The count once the sender has left.
    const DISCONNECTED: isize = isize::MIN;

    /// No receiver blocked: `to_wake` holds no token.
    const NO_TOKEN: usize = 0;

    /// What the receiver's first receive waits at most.
    const TIMEOUT: Duration = Duration::from_millis(100);

    /// Why a receive returned no message.
    #[derive(Debug, PartialEq, Eq)]
    enum Failure {
        Empty,
        Disconnected,
        Timeout,
    }

    /// A blocked receiver's wake-up: upstream's signal and wait tokens.
    struct Token {
        signalled: Mutex<bool>,
        wake: Condvar,
    }

    impl Token {
        fn new() -> Token {
            Token {
                signalled: Mutex::new(false),
                wake: Condvar::new(),
            }
        }

        fn signal(&self) {
            *self.signalled.lock().expect("nobody panics holding it") = true;
            self.wake.notify_one();
        }

        fn wait(&self) {
            let mut signalled = self.signalled.lock().expect("nobody panics holding it");
            while !*signalled {
                signalled = self.wake.wait(signalled).expect("nobody panics holding it");
            }
        }

        /// Whether it was signalled before `timeout` passed.
        fn wait_timeout(&self, timeout: Duration) -> bool {
            let mut signalled = self.signalled.lock().expect("nobody panics holding it");
            while !*signalled {
                let (guard, waited) = self
                    .wake
                    .wait_timeout(signalled, timeout)
                    .expect("nobody panics holding it");
                signalled = guard;
                if waited.timed_out() {
                    break;
                }
            }
            *signalled
        }
    }

    struct Packet {
        queue: Mutex<VecDeque<u32>>,
        cnt: AtomicIsize,
        /// The blocked receiver's token: its slot in `tokens` plus one.
        to_wake: AtomicUsize,
        /// Touched by the receiver alone (upstream: a plain cell).
        steals: AtomicIsize,
        tokens: [Token; 2],
    }

    impl Packet {
        fn send(&self, message: u32) {
            self.queue.lock().expect("nobody panics holding it").push_back(message);
            match self.cnt.fetch_add(1, SeqCst) {
                -1 => self.take_to_wake().signal(),
                // The receiver popped this message before the count had it,
                // then blocked: it is woken by the next send or the drop.
                -2 => {}
                n => assert!(n >= 0, "a send found the count at {n}"),
            }
        }

        /// The sender is dropped.
        fn drop_chan(&self) {
            match self.cnt.swap(DISCONNECTED, SeqCst) {
                -1 => self.take_to_wake().signal(),
                n => assert!(n >= 0, "the sender left with the count at {n}"),
            }
        }

        fn take_to_wake(&self) -> &Token {
            let slot = self.to_wake.swap(NO_TOKEN, SeqCst);
            assert_ne!(slot, NO_TOKEN, "woke a receiver that is not blocked");
            &self.tokens[slot - 1]
        }

        /// Registers token `slot` and claims the next message; whether the
        /// receiver must sleep (there is none).
        fn decrement(&self, slot: usize) -> bool {
            assert_eq!(self.to_wake.load(SeqCst), NO_TOKEN);
            self.to_wake.store(slot + 1, SeqCst);
            let steals = self.steals.swap(0, SeqCst);
            match self.cnt.fetch_sub(1 + steals, SeqCst) {
                DISCONNECTED => self.cnt.store(DISCONNECTED, SeqCst),
                n => {
                    assert!(n >= 0, "a receiver found the count at {n}");
                    if n - steals <= 0 {
                        return true;
                    }
                }
            }
            self.to_wake.store(NO_TOKEN, SeqCst);
            false
        }

        /// The wait timed out: the claim on the next message is given back.
        fn abort_selection(&self) {
            let steals = 1;
            let prev = match self.cnt.fetch_add(steals + 1, SeqCst) {
                DISCONNECTED => {
                    self.cnt.store(DISCONNECTED, SeqCst);
                    DISCONNECTED
                }
                n => n,
            };
            if prev == DISCONNECTED {
                return;
            }
            if prev < 0 {
                self.take_to_wake();
            } else {
                // A sender moved the count through -1 and is taking the token.
                while self.to_wake.load(SeqCst) != NO_TOKEN {
                    thread::yield_now();
                }
            }
            assert_eq!(self.steals.swap(steals, SeqCst), 0);
        }

        fn try_recv(&self) -> Result<u32, Failure> {
            if let Some(message) = self.pop() {
                self.steals.fetch_add(1, SeqCst);
                return Ok(message);
            }
            if self.cnt.load(SeqCst) != DISCONNECTED {
                return Err(Failure::Empty);
            }
            self.pop().ok_or(Failure::Disconnected)
        }

        fn pop(&self) -> Option<u32> {
            self.queue.lock().expect("nobody panics holding it").pop_front()
        }

        /// Receives with token `slot`, waiting at most `timeout` if given.
        fn recv(&self, slot: usize, timeout: Option<Duration>, variant: Variant) -> Result<u32, Failure> {
            match self.try_recv() {
                Err(Failure::Empty) => {}
                received => return received,
            }
            let mut aborted = false;
            if self.decrement(slot) {
                let token = &self.tokens[slot];
                match timeout {
                    Some(timeout) if !token.wait_timeout(timeout) => {
                        self.abort_selection();
                        aborted = true;
                    }
                    Some(_) => {}
                    None => token.wait(),
                }
            }
            let received = self.try_recv();
            // Upstream undoes the steal of a popped message, whose claim the
            // decrement made; after an abort that claim is already given back.
            let claimed = !(aborted && variant == Variant::Fixed);
            if received.is_ok() && claimed {
                self.steals.fetch_sub(1, SeqCst);
            }
            match received {
                Err(Failure::Empty) if timeout.is_some() => Err(Failure::Timeout),
                Err(Failure::Empty) => panic!("recv woke with nothing to receive (std's unreachable!())"),
                received => received,
            }
        }
    }

    /// The sender sends one message and leaves; the receiver receives with
    /// a timeout, then without.
    pub(crate) fn run(variant: Variant) {
        let packet = Arc::new(Packet {
            queue: Mutex::new(VecDeque::new()),
            cnt: AtomicIsize::new(0),
            to_wake: AtomicUsize::new(NO_TOKEN),
            steals: AtomicIsize::new(0),
            tokens: [Token::new(), Token::new()],
        });
        let sender = {
            let packet = Arc::clone(&packet);
            thread::spawn(move || {
                packet.send(1);
                packet.drop_chan();
            })
        };
        let first = packet.recv(0, Some(TIMEOUT), variant);
        let second = packet.recv(1, None, variant);
        sender.join().expect("the sender does not panic");
        let one_message = matches!(
            (&first, &second),
            (Ok(1), Err(Failure::Disconnected)) | (Err(Failure::Timeout), Ok(1))
        );
        assert!(one_message, "received {first:?} then {second:?}");
    }
}
