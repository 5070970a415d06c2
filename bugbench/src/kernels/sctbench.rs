//! SCTBench's classic kernels (Thomson, Donaldson and Betts, "Concurrency
//! testing using controlled schedulers: an empirical study", PPoPP 2014
//! and TOPC 2016; sources in mc-imperial/sctbench,
//! `benchmarks/concurrent-software-benchmarks/`, the "CS" set), written
//! fresh in Rust with the same threads, locks and assertions. The C
//! programs share plain `int`s between threads; here those are atomics,
//! accessed with separate loads and stores where the C code reads, then
//! writes. Each `Fixed` variant is the smallest change that makes the
//! assertion hold; the suite itself ships only the buggy programs.
//!
//! Class: atomicity violation, every one; `account`'s assertion is wrong
//! rather than its locking, and fails only once the checker runs last.

crate::on_every_tool! {
    use std::sync::Arc;
    use std::sync::atomic::Ordering::SeqCst;

    use sync::Mutex;
    use sync::atomic::{AtomicBool, AtomicI64, AtomicUsize};

    use crate::Variant;

    fn lock<T>(mutex: &Mutex<T>) -> sync::MutexGuard<'_, T> {
        mutex.lock().expect("no thread panics holding a lock")
    }

    fn join_all(threads: Vec<thread::JoinHandle<()>>) {
        for thread in threads {
            thread.join().expect("a thread does not panic");
        }
    }

    /// `account_bad`: a deposit and a withdrawal under one lock, and a
    /// checker, started first, whose assertion has the wrong formula; it
    /// fails whenever the checker runs after both.
    pub(crate) fn account(variant: Variant) {
        struct Account {
            balance: i64,
            deposited: bool,
            withdrawn: bool,
        }
        const X: i64 = 1;
        const Y: i64 = 2;
        const Z: i64 = 4;
        let account = Arc::new(Mutex::new(Account {
            balance: X,
            deposited: false,
            withdrawn: false,
        }));
        let spawn = |step: fn(&mut Account)| {
            let account = Arc::clone(&account);
            thread::spawn(move || step(&mut lock(&account)))
        };
        let checker = {
            let account = Arc::clone(&account);
            thread::spawn(move || {
                let account = lock(&account);
                if account.deposited && account.withdrawn {
                    let expected = match variant {
                        Variant::Buggy => (X - Y) - Z,
                        Variant::Fixed => X + Y - Z,
                    };
                    assert_eq!(account.balance, expected, "the balance is not what it should be");
                }
            })
        };
        let deposit = spawn(|account| {
            account.balance += Y;
            account.deposited = true;
        });
        let withdraw = spawn(|account| {
            account.balance -= Z;
            account.withdrawn = true;
        });
        join_all(vec![checker, deposit, withdraw]);
    }

    /// `bluetooth_driver_bad`: a driver's stop races an I/O that checks
    /// the stopping flag, then counts itself in; the stop sees no I/O
    /// pending and releases the device the I/O then uses. The fix checks
    /// the flag and counts the I/O in under the lock the stop sets the
    /// flag under.
    pub(crate) fn bluetooth_driver(variant: Variant) {
        struct Device {
            /// I/Os in flight, plus one for the device itself.
            pending_io: Mutex<i64>,
            stopping_flag: AtomicBool,
            stopping_event: AtomicBool,
            stopped: AtomicBool,
        }
        impl Device {
            fn io_increment(&self, variant: Variant) -> bool {
                match variant {
                    Variant::Buggy => {
                        if self.stopping_flag.load(SeqCst) {
                            return false;
                        }
                        *lock(&self.pending_io) += 1;
                    }
                    Variant::Fixed => {
                        let mut pending = lock(&self.pending_io);
                        if self.stopping_flag.load(SeqCst) {
                            return false;
                        }
                        *pending += 1;
                    }
                }
                true
            }
            fn io_decrement(&self) {
                let pending = {
                    let mut pending = lock(&self.pending_io);
                    *pending -= 1;
                    *pending
                };
                if pending == 0 {
                    self.stopping_event.store(true, SeqCst);
                }
            }
            fn stop(&self, variant: Variant) {
                match variant {
                    Variant::Buggy => self.stopping_flag.store(true, SeqCst),
                    Variant::Fixed => {
                        let _pending = lock(&self.pending_io);
                        self.stopping_flag.store(true, SeqCst);
                    }
                }
                self.io_decrement();
                if self.stopping_event.load(SeqCst) {
                    self.stopped.store(true, SeqCst);
                }
            }
            fn add(&self, variant: Variant) {
                if self.io_increment(variant) {
                    assert!(!self.stopped.load(SeqCst), "an I/O runs on a stopped device");
                    self.io_decrement();
                }
            }
        }
        let device = Arc::new(Device {
            pending_io: Mutex::new(1),
            stopping_flag: AtomicBool::new(false),
            stopping_event: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
        });
        let stopper = {
            let device = Arc::clone(&device);
            thread::spawn(move || device.stop(variant))
        };
        device.add(variant);
        join_all(vec![stopper]);
    }

    /// `circular_buffer_bad`: a sender and a receiver take turns through a
    /// log under one lock, seven rounds each; the receiver checks each
    /// element against its own round number, which runs ahead of the
    /// elements whenever it finds nothing to receive. The fix numbers the
    /// elements by what was sent and received, not by rounds.
    pub(crate) fn circular_buffer(variant: Variant) {
        const ROUNDS: usize = 7;
        const CAPACITY: usize = 10;
        struct Log {
            buffer: [usize; CAPACITY],
            first: usize,
            next: usize,
            send: bool,
            receive: bool,
            sent: usize,
            received: usize,
        }
        let log = Arc::new(Mutex::new(Log {
            buffer: [0; CAPACITY],
            first: 0,
            next: 0,
            send: true,
            receive: false,
            sent: 0,
            received: 0,
        }));
        let sender = {
            let log = Arc::clone(&log);
            thread::spawn(move || {
                for round in 0..ROUNDS {
                    let mut log = lock(&log);
                    if log.send {
                        let element = match variant {
                            Variant::Buggy => round,
                            Variant::Fixed => log.sent,
                        };
                        let next = log.next;
                        log.buffer[next] = element;
                        log.next = (next + 1) % CAPACITY;
                        log.sent += 1;
                        log.send = false;
                        log.receive = true;
                    }
                }
            })
        };
        let receiver = {
            let log = Arc::clone(&log);
            thread::spawn(move || {
                for round in 0..ROUNDS {
                    let mut log = lock(&log);
                    if log.receive {
                        let element = log.buffer[log.first];
                        log.first += 1;
                        let expected = match variant {
                            Variant::Buggy => round,
                            Variant::Fixed => log.received,
                        };
                        assert_eq!(element, expected, "the log handed out the wrong element");
                        log.received += 1;
                        log.receive = false;
                        log.send = true;
                    }
                }
            })
        };
        join_all(vec![sender, receiver]);
    }

    /// `reorder_N_bad`: setters write `a = 1` then `b = -1`; a checker
    /// reads both and expects neither or both written. The fix writes and
    /// reads the pair under one lock.
    fn reorder(setters: usize, variant: Variant) {
        struct Pair {
            a: AtomicI64,
            b: AtomicI64,
            lock: Mutex<()>,
        }
        let pair = Arc::new(Pair {
            a: AtomicI64::new(0),
            b: AtomicI64::new(0),
            lock: Mutex::new(()),
        });
        let mut threads: Vec<_> = (0..setters)
            .map(|_| {
                let pair = Arc::clone(&pair);
                thread::spawn(move || {
                    let _both = (variant == Variant::Fixed).then(|| lock(&pair.lock));
                    pair.a.store(1, SeqCst);
                    pair.b.store(-1, SeqCst);
                })
            })
            .collect();
        threads.push({
            let pair = Arc::clone(&pair);
            thread::spawn(move || {
                let _both = (variant == Variant::Fixed).then(|| lock(&pair.lock));
                let (a, b) = (pair.a.load(SeqCst), pair.b.load(SeqCst));
                assert!(matches!((a, b), (0, 0) | (1, -1)), "saw a = {a}, b = {b}");
            })
        });
        join_all(threads);
    }

    /// `reorder_3_bad`: two setters and a checker.
    pub(crate) fn reorder_3(variant: Variant) {
        reorder(2, variant);
    }

    /// `reorder_10_bad`: nine setters and a checker.
    pub(crate) fn reorder_10(variant: Variant) {
        reorder(9, variant);
    }

    /// `twostage_bad`: writers set `data1` under one lock, then `data2 =
    /// data1 + 1` under another; a reader that sees `data1` set reads
    /// `data2` and expects it one more. The fix keeps the first lock held
    /// across both stages, for writers and reader alike.
    fn two_stages(writers: usize, variant: Variant) {
        struct Data {
            data1: Mutex<i64>,
            data2: Mutex<i64>,
        }
        let data = Arc::new(Data {
            data1: Mutex::new(0),
            data2: Mutex::new(0),
        });
        let mut threads: Vec<_> = (0..writers)
            .map(|_| {
                let data = Arc::clone(&data);
                thread::spawn(move || {
                    let mut data1 = lock(&data.data1);
                    *data1 = 1;
                    let first = *data1;
                    let held = (variant == Variant::Fixed).then_some(data1);
                    *lock(&data.data2) = first + 1;
                    drop(held);
                })
            })
            .collect();
        threads.push({
            let data = Arc::clone(&data);
            thread::spawn(move || {
                let data1 = lock(&data.data1);
                let first = *data1;
                if first == 0 {
                    return;
                }
                let held = (variant == Variant::Fixed).then_some(data1);
                let second = *lock(&data.data2);
                drop(held);
                assert_eq!(second, first + 1, "read the second stage before it was written");
            })
        });
        join_all(threads);
    }

    /// `twostage_bad`: two writers and a reader.
    pub(crate) fn twostage(variant: Variant) {
        two_stages(2, variant);
    }

    /// `twostage_100_bad`: a hundred writers and a reader.
    pub(crate) fn twostage_100(variant: Variant) {
        two_stages(100, variant);
    }

    /// `wronglock_bad`: one thread increments a counter under the data
    /// lock and checks it went up by one; seven others increment it under
    /// another lock. The fix makes them take the data lock.
    pub(crate) fn wronglock(variant: Variant) {
        let value = Arc::new(AtomicUsize::new(0));
        let (data_lock, this_lock) = (Arc::new(Mutex::new(())), Arc::new(Mutex::new(())));
        let mut threads = vec![{
            let (value, data_lock) = (Arc::clone(&value), Arc::clone(&data_lock));
            thread::spawn(move || {
                let _held = lock(&data_lock);
                let before = value.load(SeqCst);
                value.store(before + 1, SeqCst);
                let after = value.load(SeqCst);
                assert_eq!(after, before + 1, "another thread changed the counter under the lock");
            })
        }];
        for _ in 0..7 {
            let value = Arc::clone(&value);
            let chosen = match variant {
                Variant::Buggy => Arc::clone(&this_lock),
                Variant::Fixed => Arc::clone(&data_lock),
            };
            threads.push(thread::spawn(move || {
                let _held = lock(&chosen);
                let before = value.load(SeqCst);
                value.store(before + 1, SeqCst);
            }));
        }
        join_all(threads);
    }
}
