//! The kernels, one module each, and the registry: one row per kernel.

mod crossbeam_list;
mod mpsc_recv_timeout;
mod parking_lot_hashtable;
mod spmc_sleepers;
mod spmc_try_recv;
mod thread_local_iter;

use crate::{Class, Kernel, kernel};

/// Every kernel of the benchmark.
pub const KERNELS: &[Kernel] = &[
    kernel!(
        spmc_try_recv::run,
        "spmc-try-recv",
        Class::AtomicityViolation,
        "every message sent before the sender left is received before Disconnected",
        "try_recv said Disconnected with a message still queued",
        "seanmonstar/spmc: fixed by commit f9686a0 (\"fix race of inconsistent queue and \
         is_disconnected\", v0.3.0); versions up to 0.2.3 affected"
    ),
    kernel!(
        spmc_sleepers::run,
        "spmc-sleepers",
        Class::WeakMemory,
        "a receiver waiting for a sent message is woken (a deadlock otherwise)",
        "deadlock",
        "seanmonstar/spmc #10, fixed by PR #11 (commit e15d95f, \"Fix invalid atomic \
         orderings found via loom\", v0.2.3); versions up to 0.2.2 affected"
    ),
    kernel!(
        mpsc_recv_timeout::run,
        "mpsc-recv-timeout",
        Class::TimeoutFires,
        "the receiver gets the one message, then Disconnected; recv never wakes with nothing",
        "recv woke with nothing to receive",
        "rust-lang/rust #94518 (case 1); the channel replaced by crossbeam's in PR #93563 \
         (Rust 1.67); Rust 1.12 to 1.66 affected"
    ),
    kernel!(
        parking_lot_hashtable::run,
        "parking-lot-hashtable",
        Class::WeakMemory,
        "a thread that loses the race to create the table reads it initialised",
        "read a hash table that is not filled in",
        "Amanieu/parking_lot PR #210 (\"Synchronize on compare_exchange failure in \
         create_hashtable\", commit a02c309); parking_lot_core up to 0.7.0 affected, fixed in 0.7.1"
    ),
    kernel!(
        thread_local_iter::run,
        "thread-local-iter",
        Class::WeakMemory,
        "the iterator reads only buckets whose initialisation it sees",
        "iterated a bucket whose initialisation it cannot see",
        "Amanieu/thread_local-rs #33, fixed by PR #34 (commit 3d69afa), RUSTSEC-2022-0006; \
         up to 1.1.3 affected, fixed in 1.1.4"
    ),
    kernel!(
        crossbeam_list::null_head,
        "crossbeam-list-null-head",
        Class::MemorySafety,
        "the receiver's drop never follows a null head block",
        "dereferenced a null head block",
        "crossbeam-rs/crossbeam #971 (and rust-lang/rust #110001), fixed by PR #972 (commit \
         f58e7f13); crossbeam-channel 0.5.7 affected, fixed in 0.5.8"
    ),
    kernel!(
        crossbeam_list::double_free,
        "crossbeam-list-double-free",
        Class::MemorySafety,
        "every block is freed at most once",
        "freed a block twice",
        "crossbeam-rs/crossbeam PR #1187 (commit 596df785), RUSTSEC-2025-0024; \
         crossbeam-channel 0.5.12 to 0.5.14 affected, fixed in 0.5.15"
    ),
];
