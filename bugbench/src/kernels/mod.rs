//! The kernels, one module each, and the registry: one row per kernel.

mod parking_lot_hashtable;
mod spmc_sleepers;
mod spmc_try_recv;

use crate::{Class, Kernel, kernel};

/// Every kernel of the benchmark.
pub const KERNELS: &[Kernel] = &[
    kernel!(
        spmc_try_recv,
        "spmc-try-recv",
        Class::AtomicityViolation,
        "every message sent before the sender left is received before Disconnected",
        "try_recv said Disconnected with a message still queued",
        "seanmonstar/spmc: fixed by commit f9686a0 (\"fix race of inconsistent queue and \
         is_disconnected\", v0.3.0); versions up to 0.2.3 affected"
    ),
    kernel!(
        spmc_sleepers,
        "spmc-sleepers",
        Class::WeakMemory,
        "a receiver waiting for a sent message is woken (a deadlock otherwise)",
        "deadlock",
        "seanmonstar/spmc #10, fixed by PR #11 (commit e15d95f, \"Fix invalid atomic \
         orderings found via loom\", v0.2.3); versions up to 0.2.2 affected"
    ),
    kernel!(
        parking_lot_hashtable,
        "parking-lot-hashtable",
        Class::WeakMemory,
        "a thread that loses the race to create the table reads it initialised",
        "read a hash table that is not filled in",
        "Amanieu/parking_lot PR #210 (\"Synchronize on compare_exchange failure in \
         create_hashtable\", commit a02c309); parking_lot_core up to 0.7.0 affected, fixed in 0.7.1"
    ),
];
