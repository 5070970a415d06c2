//! crossbeam-channel's unbounded (list) channel: the last receiver's drop
//! races a sender that is still installing the first block. Two bugs of
//! that race, in two versions of the channel.
//!
//! **Null head block.** Source: crossbeam-rs/crossbeam #971 (also
//! rust-lang/rust #110001, for std's port), fixed by PR #972 (commit
//! f58e7f13, "channel: unbounded: synchronize receiver disconnect with
//! initialization"). Affected: crossbeam-channel 0.5.7 (yanked), fixed in
//! 0.5.8. Class: null dereference.
//!
//! The first send allocates the first block, installs it as the tail's
//! (a compare-exchange from null), then as the head's. A second sender that
//! comes between those two steps sees a tail block, writes its message and
//! advances the tail. If the receiver is dropped then, its
//! `discard_all_messages` sees messages (head index behind tail index) and
//! walks them from the head block, which is still null. Upstream's
//! reproduction needed a two-second sleep patched between the two steps.
//! The fix waits for the head block when there are messages to drop.
//!
//! **Double free.** Source: crossbeam-rs/crossbeam PR #1187 (commit
//! 596df785, "crossbeam-channel: prevent double free on Drop"),
//! RUSTSEC-2025-0024. Affected: 0.5.12 to 0.5.14 (yanked), fixed in 0.5.15.
//! Class: double free. PR #1084 made `discard_all_messages` swap the head
//! block out (leaving null) instead of storing null at its end, but the
//! wait added by #972 still loaded it: a block found by that wait is freed
//! and left in place, and the channel's own drop frees it again. The fix
//! swaps there too. The PR shipped without a test: "difficult to trigger
//! without artificial sleeps". Upstream swaps inside its wait loop; a swap
//! is a write, so under loom each turn of the loop is a new value to
//! explore and loom gives up ("exceeded maximum number of branches") on the
//! correct code. The kernel waits with loads and swaps once the block is
//! there, which is the same fix: one sender installs the head block, once.
//!
//! Blocks are slots of an arena here, a block pointer is its slot plus one,
//! and a null dereference or a second free is the oracle's panic.
//!
//! Oracle: the receiver's drop never follows a null block, and every block
//! is freed at most once.

crate::on_every_tool! {
    use std::sync::Arc;
    use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release, SeqCst};

    use sync::atomic::{AtomicBool, AtomicUsize};

    use crate::Variant;

    /// No block: the pointer is null.
    const NULL: usize = 0;

    /// The tail index's bit that says the receivers are gone.
    const MARK: usize = 1 << 32;

    /// Senders, each sending one message; a block has a slot for each.
    const SENDERS: usize = 2;

    /// Which version of the channel runs.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Version {
        /// 0.5.7, where the drop loads the head block and nulls it at its end.
        LoadsTheHead,
        /// 0.5.12 to 0.5.14, where the drop swaps the head block out.
        SwapsTheHead,
    }

    struct Block {
        /// Per slot: the message is written.
        written: [AtomicBool; SENDERS],
        frees: AtomicUsize,
    }

    struct Channel {
        head_index: AtomicUsize,
        head_block: AtomicUsize,
        tail_index: AtomicUsize,
        tail_block: AtomicUsize,
        /// One block each sender may allocate.
        arena: [Block; SENDERS],
    }

    impl Channel {
        fn new() -> Channel {
            let block = || Block {
                written: [AtomicBool::new(false), AtomicBool::new(false)],
                frees: AtomicUsize::new(0),
            };
            Channel {
                head_index: AtomicUsize::new(0),
                head_block: AtomicUsize::new(NULL),
                tail_index: AtomicUsize::new(0),
                tail_block: AtomicUsize::new(NULL),
                arena: [block(), block()],
            }
        }

        fn block(&self, pointer: usize) -> &Block {
            assert_ne!(pointer, NULL, "dereferenced a null head block");
            &self.arena[pointer - 1]
        }

        fn free(&self, pointer: usize) {
            let frees = self.block(pointer).frees.fetch_add(1, Relaxed);
            assert_eq!(frees, 0, "freed a block twice");
        }

        /// Sender `me` sends one message; false if the receivers are gone.
        fn send(&self, me: usize) -> bool {
            loop {
                let tail = self.tail_index.load(Acquire);
                if tail & MARK != 0 {
                    return false;
                }
                let mut block = self.tail_block.load(Acquire);
                if block == NULL {
                    let new = me + 1;
                    if self.tail_block.compare_exchange(NULL, new, Release, Relaxed).is_err() {
                        backoff();
                        continue;
                    }
                    // A sender that comes now sees a tail block, but no head block.
                    self.head_block.store(new, Release);
                    block = new;
                }
                if self.tail_index.compare_exchange(tail, tail + 1, SeqCst, Acquire).is_ok() {
                    self.block(block).written[tail].store(true, Release);
                    return true;
                }
                backoff();
            }
        }

        /// The last receiver is dropped.
        fn disconnect_receivers(&self, version: Version, variant: Variant) {
            let tail = self.tail_index.fetch_or(MARK, SeqCst);
            if tail & MARK == 0 {
                self.discard_all_messages(tail, version, variant);
            }
        }

        fn discard_all_messages(&self, tail: usize, version: Version, variant: Variant) {
            let mut head = self.head_index.load(Acquire);
            let mut block = self.head_block.load(Acquire);
            if version == Version::SwapsTheHead && block != NULL {
                // Upstream swaps null in unconditionally; swapping null for
                // null changes nothing, and under loom a thread that wrote a
                // value and then spins may never be shown a newer one.
                block = self.head_block.swap(NULL, AcqRel);
            }
            let waits = version == Version::SwapsTheHead || variant == Variant::Fixed;
            if waits && head != tail && block == NULL {
                // A sender is installing the first block; wait for it.
                while self.head_block.load(Acquire) == NULL {
                    thread::yield_now();
                }
                block = match (version, variant) {
                    // The fix takes it out, as the first look did.
                    (Version::SwapsTheHead, Variant::Fixed) => self.head_block.swap(NULL, AcqRel),
                    _ => self.head_block.load(Acquire),
                };
            }
            while head != tail {
                let slot = &self.block(block).written[head];
                while !slot.load(Acquire) {
                    thread::yield_now();
                }
                head += 1;
            }
            if block != NULL {
                self.free(block);
            }
            if version == Version::LoadsTheHead {
                self.head_block.store(NULL, Release);
            }
            self.head_index.store(head, Release);
        }

        /// The channel itself is dropped, after every sender and receiver:
        /// it frees the head block if one is left.
        fn drop_channel(&self) {
            let block = self.head_block.load(Acquire);
            if block != NULL {
                self.free(block);
            }
        }
    }

    /// A sender that lost a race tries again after crossbeam's `Backoff`,
    /// whose spin hint is a yield under loom: without it, loom may feed a
    /// retrying sender stale values forever.
    fn backoff() {
        thread::yield_now();
    }

    fn race(version: Version, variant: Variant) {
        let channel = Arc::new(Channel::new());
        let senders: Vec<_> = (0..SENDERS)
            .map(|me| {
                let channel = Arc::clone(&channel);
                thread::spawn(move || {
                    channel.send(me);
                })
            })
            .collect();
        channel.disconnect_receivers(version, variant);
        for sender in senders {
            sender.join().expect("a sender does not panic");
        }
        channel.drop_channel();
    }

    /// Two senders send their first messages while the receiver is dropped
    /// (0.5.7: the null head block).
    pub(crate) fn null_head(variant: Variant) {
        race(Version::LoadsTheHead, variant);
    }

    /// The same race in 0.5.12 to 0.5.14 (the double free).
    pub(crate) fn double_free(variant: Variant) {
        race(Version::SwapsTheHead, variant);
    }
}
