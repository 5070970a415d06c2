//! parking_lot_core's creation of its global hash table: the thread that
//! loses the race reads the winner's table without synchronising.
//!
//! Source: Amanieu/parking_lot PR #210 ("Synchronize on compare_exchange
//! failure in create_hashtable", commit a02c309), released in
//! parking_lot_core 0.7.1. Affected: parking_lot_core up to 0.7.0.
//! Class: weak memory.
//!
//! The first thread to need the table allocates one, fills it in, and
//! publishes it with a compare-exchange from null (`Release` on success).
//! A thread that loses frees its own table and uses the winner's, which the
//! failed compare-exchange returned; with `Relaxed` as the failure ordering
//! nothing orders the winner's writes before the loser's reads, and the
//! loser may read a table not yet filled in. The fix made the failure
//! ordering `Acquire`. Tables are slots of an arena here, each field an
//! atomic written `Relaxed` (upstream's plain writes), and "the table is
//! not filled in" is the oracle's panic rather than undefined behaviour.
//!
//! Oracle: every thread reads the table it uses filled in.

crate::on_every_tool! {
    use std::sync::Arc;
    use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};

    use sync::atomic::AtomicUsize;

    use crate::Variant;

    /// The buckets a filled-in table has; an unfilled slot reads 0.
    const BUCKETS: usize = 16;

    /// No table yet: the global pointer is null.
    const NULL: usize = 0;

    struct Global {
        /// The published table: its arena slot plus one, or `NULL`.
        table: AtomicUsize,
        /// One slot per thread that may create a table: its bucket count.
        arena: [AtomicUsize; 2],
    }

    impl Global {
        /// The table, created by `creator` (its arena slot) if there is none yet.
        fn table(&self, creator: usize, variant: Variant) -> usize {
            let published = self.table.load(Acquire);
            if published != NULL {
                return published - 1;
            }
            self.arena[creator].store(BUCKETS, Relaxed);
            let (success, failure) = match variant {
                Variant::Buggy => (Release, Relaxed),
                Variant::Fixed => (AcqRel, Acquire),
            };
            match self.table.compare_exchange(NULL, creator + 1, success, failure) {
                Ok(_) => creator,
                // Upstream frees its own table here and uses the winner's.
                Err(winner) => winner - 1,
            }
        }
    }

    /// Two threads need the table at once.
    pub(crate) fn run(variant: Variant) {
        let global = Arc::new(Global {
            table: AtomicUsize::new(NULL),
            arena: [AtomicUsize::new(0), AtomicUsize::new(0)],
        });
        let use_table = move |global: &Global, creator: usize| {
            let table = global.table(creator, variant);
            let buckets = global.arena[table].load(Relaxed);
            assert_eq!(buckets, BUCKETS, "read a hash table that is not filled in");
        };
        let other = {
            let global = Arc::clone(&global);
            thread::spawn(move || use_table(&global, 1))
        };
        use_table(&global, 0);
        other.join().expect("the other thread does not panic");
    }
}
