//! The kernels, one module each, and the registry: one row per kernel.

mod crossbeam_deque;
mod crossbeam_list;
mod mpsc_recv_timeout;
mod parking_lot_hashtable;
mod sctbench;
mod sled_subscriber_drop;
mod spmc_sleepers;
mod spmc_try_recv;
mod surw;
mod thread_local_iter;

use crate::{Class, Kernel, kernel};

/// Every kernel of the benchmark.
pub const KERNELS: &[Kernel] = &[
    kernel!(
        spmc_try_recv::run,
        "spmc-try-recv",
        Class::AtomicityViolation,
        1,
        "every message sent before the sender left is received before Disconnected",
        "try_recv said Disconnected with a message still queued",
        "seanmonstar/spmc: fixed by commit f9686a0 (\"fix race of inconsistent queue and \
         is_disconnected\", v0.3.0); versions up to 0.2.3 affected"
    ),
    kernel!(
        spmc_sleepers::run,
        "spmc-sleepers",
        Class::WeakMemory,
        1,
        "a receiver waiting for a sent message is woken (a deadlock otherwise)",
        "deadlock",
        "seanmonstar/spmc #10, fixed by PR #11 (commit e15d95f, \"Fix invalid atomic \
         orderings found via loom\", v0.2.3); versions up to 0.2.2 affected"
    ),
    kernel!(
        mpsc_recv_timeout::run,
        "mpsc-recv-timeout",
        Class::TimeoutFires,
        1,
        "the receiver gets the one message, then Disconnected; recv never wakes with nothing",
        "recv woke with nothing to receive",
        "rust-lang/rust #94518 (case 1); the channel replaced by crossbeam's in PR #93563 \
         (Rust 1.67); Rust 1.12 to 1.66 affected"
    ),
    kernel!(
        parking_lot_hashtable::run,
        "parking-lot-hashtable",
        Class::WeakMemory,
        1,
        "a thread that loses the race to create the table reads it initialised",
        "read a hash table that is not filled in",
        "Amanieu/parking_lot PR #210 (\"Synchronize on compare_exchange failure in \
         create_hashtable\", commit a02c309); parking_lot_core up to 0.7.0 affected, fixed in 0.7.1"
    ),
    kernel!(
        thread_local_iter::run,
        "thread-local-iter",
        Class::WeakMemory,
        1,
        "the iterator reads only buckets whose initialisation it sees",
        "iterated a bucket whose initialisation it cannot see",
        "Amanieu/thread_local-rs #33, fixed by PR #34 (commit 3d69afa), RUSTSEC-2022-0006; \
         up to 1.1.3 affected, fixed in 1.1.4"
    ),
    kernel!(
        crossbeam_deque::run,
        "crossbeam-deque-steal-batch",
        Class::AtomicityViolation,
        1,
        "every task pushed is taken exactly once",
        "a task was taken twice, or never",
        "crossbeam-rs/crossbeam PR #726 (commit 38c07fcf), RUSTSEC-2021-0093; \
         crossbeam-deque before 0.7.4 and 0.8.1 affected"
    ),
    kernel!(
        crossbeam_list::null_head,
        "crossbeam-list-null-head",
        Class::MemorySafety,
        2,
        "the receiver's drop never follows a null head block",
        "dereferenced a null head block",
        "crossbeam-rs/crossbeam #971 (and rust-lang/rust #110001), fixed by PR #972 (commit \
         f58e7f13); crossbeam-channel 0.5.7 affected, fixed in 0.5.8"
    ),
    kernel!(
        crossbeam_list::double_free,
        "crossbeam-list-double-free",
        Class::MemorySafety,
        2,
        "every block is freed at most once",
        "freed a block twice",
        "crossbeam-rs/crossbeam PR #1187 (commit 596df785), RUSTSEC-2025-0024; \
         crossbeam-channel 0.5.12 to 0.5.14 affected, fixed in 0.5.15"
    ),
    kernel!(
        sled_subscriber_drop::run,
        "sled-subscriber-drop",
        Class::WaitUnderLock,
        1,
        "a writer's events and a subscriber's drop both complete (a deadlock otherwise)",
        "no-blocking-under-lock",
        "spacejam/sled #1152 and #1380, fixed on main by PR #1381 (commit a78fb964, \
         \"use try_send insted of send\"); every release with subscriptions affected, 0.34.7 included"
    ),
    kernel!(
        sctbench::account,
        "account",
        Class::AtomicityViolation,
        3,
        "a balance checked after a deposit and a withdrawal is right",
        "the balance is not what it should be",
        "SCTBench CS.account_bad (mc-imperial/sctbench)"
    ),
    kernel!(
        sctbench::bluetooth_driver,
        "bluetooth-driver",
        Class::AtomicityViolation,
        1,
        "no I/O runs on a stopped device",
        "an I/O runs on a stopped device",
        "SCTBench CS.bluetooth_driver_bad (mc-imperial/sctbench)"
    ),
    kernel!(
        sctbench::circular_buffer,
        "circular-buffer",
        Class::AtomicityViolation,
        2,
        "the log hands out its elements in order",
        "the log handed out the wrong element",
        "SCTBench CS.circular_buffer_bad (mc-imperial/sctbench)"
    ),
    kernel!(
        sctbench::reorder_3,
        "reorder-3",
        Class::AtomicityViolation,
        3,
        "a checker sees both writes of a setter or neither",
        "saw a =",
        "SCTBench CS.reorder_3_bad (mc-imperial/sctbench)"
    ),
    kernel!(
        sctbench::reorder_10,
        "reorder-10",
        Class::AtomicityViolation,
        10,
        "a checker sees both writes of a setter or neither",
        "saw a =",
        "SCTBench CS.reorder_10_bad (mc-imperial/sctbench)"
    ),
    kernel!(
        sctbench::twostage,
        "twostage",
        Class::AtomicityViolation,
        3,
        "a reader that sees the first stage sees the second",
        "read the second stage before it was written",
        "SCTBench CS.twostage_bad (mc-imperial/sctbench)"
    ),
    kernel!(
        sctbench::twostage_100,
        "twostage-100",
        Class::AtomicityViolation,
        101,
        "a reader that sees the first stage sees the second",
        "read the second stage before it was written",
        "SCTBench CS.twostage_100_bad (mc-imperial/sctbench)"
    ),
    kernel!(
        sctbench::wronglock,
        "wronglock",
        Class::AtomicityViolation,
        8,
        "a counter goes up by one under its lock",
        "another thread changed the counter under the lock",
        "SCTBench CS.wronglock_bad (mc-imperial/sctbench)"
    ),
    kernel!(
        surw::uneven_lengths,
        "surw-uneven-lengths",
        Class::OrderViolation,
        2,
        "a thread's lone write does not come after the 25 of another thread",
        "the lone write came last",
        "SURW's motivating example (ASPLOS 2025), as shuttle states it in \
         awslabs/shuttle shuttle/tests/demo/surw.rs (uneven_thread_lengths)"
    ),
    kernel!(
        surw::uneven_creation,
        "surw-uneven-creation",
        Class::OrderViolation,
        26,
        "a thread's lone write does not come after those of 25 other threads",
        "the lone write came last",
        "SURW's motivating example (ASPLOS 2025), as shuttle states it in \
         awslabs/shuttle shuttle/tests/demo/surw.rs (uneven_task_creation_uniformity)"
    ),
];
