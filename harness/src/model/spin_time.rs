//! Time that passes while a thread spins with nothing else to happen.
//!
//! A spin-wait with a deadline (`while Instant::now() < deadline {
//! spin_loop() }`, a `try_lock_for` that spins until its timeout) ends on
//! a machine because the clock moves while the thread spins. The virtual
//! clock moves only when a timer fires, so such a spin, with no other
//! thread that can run, would spin for ever, or until a timer far past
//! its deadline fired (a holder's hour-long sleep): the run would fail as
//! endless where std's ends at the deadline.
//!
//! So a thread that reads the clock after a spin (`yield_now`,
//! `spin_loop`), while no other thread can run (a thread whose own
//! timeout is due waits on time, and does not count), sees the clock
//! moved by a step: the time that spin took, but never past the end of
//! the earliest timer armed, which its thread then fires. Nothing else
//! could have happened meanwhile, so no other thread sees the difference.
//! The step grows with the time the thread has spun so far, by a
//! [`STEP_SHARE`]th of it, so a spin towards a deadline an hour away
//! takes about 630 reads, and passes its deadline by at most that
//! share of its length. A spin that does not read the clock moves
//! nothing (a spin that counts its turns sees what std's would), nor does
//! a read with no spin since the thread's last read. Such a read begins a
//! new spin's count if the run has a new fact since that last read (the
//! thread did something else): else it is one of a busy loop's reads.
//!
//! A busy loop on the clock alone (`while began.elapsed() < work {}`, a
//! stand-in for work) has no spin in it, and no other operation of the
//! facade: under shuttle and loom, which run one thread at a time, it
//! would keep every other thread from running, and the clock from moving,
//! until the run stalled. So the last of [`BUSY_READS`] reads in a row
//! with no fact of the run between them spins, as a `spin_loop` in the
//! loop would (a fact `YieldNow` at the read's line).

use std::time::Duration;

use super::by_thread::ByThread;
use super::facts::ThreadKey;

/// The first step of a spin: a yield and a read of the clock, about.
pub(crate) const FIRST_STEP: Duration = Duration::from_micros(1);

/// A step is this share of the time the thread has spun so far (or
/// [`FIRST_STEP`]): a spin passes its deadline by at most a 32nd of its
/// length.
pub(crate) const STEP_SHARE: u32 = 32;

/// Reads of the clock in a row, with no fact of the run between them,
/// that make a busy loop: the last of them spins. Far more than any code
/// reads the clock between two operations of the facade but a loop.
pub(crate) const BUSY_READS: u32 = 16;

/// One thread's spin.
#[derive(Debug, Default)]
struct Spin {
    /// It has spun since it last read the clock.
    spun: bool,
    /// The virtual time its spin has taken so far.
    took: Duration,
    /// The run's facts as it last read the clock.
    facts_at_its_last_read: u64,
    /// Its reads of the clock since the run last had a new fact.
    reads_in_a_row: u32,
}

impl Spin {
    /// Begins a new spin's count.
    fn begins_again(&mut self) {
        self.took = Duration::ZERO;
    }
}

/// The spins of a run's threads.
#[derive(Debug, Default)]
pub(crate) struct SpinTime {
    spins: ByThread<Spin>,
}

impl SpinTime {
    /// `thread`'s spin, begun now if it has none.
    fn of(&mut self, thread: ThreadKey) -> &mut Spin {
        if self.spins.get(thread).is_none() {
            self.spins.insert(thread, Spin::default());
        }
        self.spins
            .get_mut(thread)
            .expect("the thread's spin was just made")
    }

    /// `thread` has spun.
    pub(crate) fn spun(&mut self, thread: ThreadKey) {
        self.of(thread).spun = true;
    }

    /// `thread` is about to read the clock, the run having `recorded`
    /// facts so far: whether the read ends a busy loop of [`BUSY_READS`]
    /// reads in a row, and so spins first. Called before each
    /// [`SpinTime::read`].
    pub(crate) fn ends_a_busy_loop(&mut self, thread: ThreadKey, recorded: u64) -> bool {
        let spin = self.of(thread);
        if spin.facts_at_its_last_read == recorded {
            spin.reads_in_a_row += 1;
        } else {
            if !spin.spun {
                // It did something else since its last read.
                spin.begins_again();
            }
            (spin.facts_at_its_last_read, spin.reads_in_a_row) = (recorded, 1);
        }
        let busy = spin.reads_in_a_row >= BUSY_READS;
        if busy {
            spin.reads_in_a_row = 0;
        }
        busy
    }

    /// `thread`'s busy loop has spun, the run then having `recorded`
    /// facts: the spin's own fact is one of the loop's, so its next read
    /// goes on with the loop.
    pub(crate) fn spun_in_a_busy_loop(&mut self, thread: ThreadKey, recorded: u64) {
        self.of(thread).facts_at_its_last_read = recorded;
    }

    /// `thread` reads the clock, alone able to act (`alone`: no other
    /// thread can run) or not: how far the clock moves first, if at all
    /// (the caller stops it at the earliest timer's end).
    pub(crate) fn read(&mut self, thread: ThreadKey, alone: bool) -> Option<Duration> {
        let spin = self.of(thread);
        if !std::mem::take(&mut spin.spun) {
            return None;
        }
        if !alone {
            spin.begins_again();
            return None;
        }
        let step = (spin.took / STEP_SHARE).max(FIRST_STEP);
        spin.took = spin.took.saturating_add(step);
        Some(step)
    }

    /// Whether `thread` has spun since it last read the clock: only then
    /// may a read move it.
    pub(crate) fn has_spun(&self, thread: ThreadKey) -> bool {
        self.spins.get(thread).is_some_and(|spin| spin.spun)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const THREAD: ThreadKey = ThreadKey(1);

    /// A read of `THREAD`'s with `recorded` facts in the run, after a spin
    /// if `spun`, alone or not: the step the clock moves by first.
    fn read(time: &mut SpinTime, recorded: u64, spun: bool, alone: bool) -> Option<Duration> {
        if spun {
            time.spun(THREAD);
        }
        time.ends_a_busy_loop(THREAD, recorded);
        time.read(THREAD, alone)
    }

    /// A spin loop alone of `reads` reads, each after a spin and its fact,
    /// from `recorded` facts: the clock's steps.
    fn spin_loop(time: &mut SpinTime, recorded: u64, reads: u64) -> Vec<Duration> {
        (recorded..recorded + reads)
            .map(|recorded| read(time, recorded, true, true).expect("a spin alone takes time"))
            .collect()
    }

    #[test]
    fn a_read_with_no_spin_before_it_moves_nothing() {
        let mut time = SpinTime::default();
        assert_eq!(read(&mut time, 0, false, true), None);
    }

    #[test]
    fn a_read_after_a_spin_alone_moves_the_clock_a_step_that_grows() {
        let steps = spin_loop(&mut SpinTime::default(), 0, 200);
        assert_eq!(steps[0], FIRST_STEP);
        assert!(steps.windows(2).all(|pair| pair[0] <= pair[1]));
        assert!(steps[199] > FIRST_STEP, "{:?}", steps[199]);
    }

    #[test]
    fn a_spin_towards_an_hour_reaches_it_within_a_share_of_it_in_few_reads() {
        let (mut time, hour) = (SpinTime::default(), Duration::from_secs(3600));
        let (mut clock, mut reads) = (Duration::ZERO, 0_u64);
        while clock < hour {
            clock += read(&mut time, reads, true, true).expect("a spin alone takes time");
            reads += 1;
        }
        assert!(reads < 700, "{reads} reads");
        assert!(clock <= hour + hour / STEP_SHARE, "{clock:?}");
    }

    #[test]
    fn every_busy_reads_th_read_in_a_row_with_no_fact_between_ends_a_busy_loop() {
        let mut time = SpinTime::default();
        let busy: Vec<u32> = (1..=3 * BUSY_READS)
            .filter(|_| time.ends_a_busy_loop(THREAD, 7))
            .collect();
        assert_eq!(busy, [BUSY_READS, 2 * BUSY_READS, 3 * BUSY_READS]);
    }

    #[test]
    fn a_fact_between_two_reads_begins_the_busy_count_again() {
        let mut time = SpinTime::default();
        for _ in 1..BUSY_READS {
            assert!(!time.ends_a_busy_loop(THREAD, 7));
        }
        assert!(!time.ends_a_busy_loop(THREAD, 8), "a fact came between");
    }

    #[test]
    fn a_busy_loops_reads_between_its_spins_keep_the_spins_count() {
        let (mut time, mut recorded) = (SpinTime::default(), 0);
        let mut steps = Vec::new();
        for _ in 0..100 {
            for _ in 1..BUSY_READS {
                assert_eq!(read(&mut time, recorded, false, true), None);
            }
            assert!(time.ends_a_busy_loop(THREAD, recorded));
            time.spun(THREAD);
            recorded += 1;
            time.spun_in_a_busy_loop(THREAD, recorded);
            steps.push(time.read(THREAD, true).expect("a spin alone takes time"));
        }
        assert!(steps[99] > FIRST_STEP, "{:?}", steps[99]);
    }

    #[test]
    fn a_read_not_alone_moves_nothing_and_begins_the_count_again() {
        let mut time = SpinTime::default();
        spin_loop(&mut time, 0, 500);
        assert_eq!(read(&mut time, 500, true, false), None);
        assert_eq!(read(&mut time, 501, true, true), Some(FIRST_STEP));
    }

    #[test]
    fn a_read_with_no_spin_after_a_fact_begins_the_count_again() {
        let mut time = SpinTime::default();
        spin_loop(&mut time, 0, 500);
        assert_eq!(read(&mut time, 600, false, true), None);
        assert_eq!(read(&mut time, 601, true, true), Some(FIRST_STEP));
    }
}
