//! Time that passes while a thread spins with nothing else to happen.
//!
//! A spin-wait with a deadline (`while Instant::now() < deadline {
//! spin_loop() }`, a `try_lock_for` that spins until its timeout) ends on
//! a machine because the clock moves while the thread spins. The virtual
//! clock moves only when a timer fires, so such a spin, with no other
//! thread that can run and no timer armed, would spin for ever: the run
//! would fail as endless where std's ends at the deadline.
//!
//! So a thread that reads the clock after a spin (`yield_now`,
//! `spin_loop`), while no other thread can run and no timer is armed,
//! sees the clock moved by a step: the time that spin took. Nothing else
//! could have happened meanwhile, so no other thread sees the difference.
//! The step grows with the time the thread has spun so far, by a
//! [`STEP_SHARE`]th of it, so a spin towards a deadline an hour away
//! takes about 630 reads, and passes its deadline by at most that
//! share of its length. A spin that does not read the clock moves
//! nothing (a spin that counts its turns sees what std's would), nor does
//! a read with no spin since the thread's last read, which also begins a
//! new spin's count.
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
    /// reads in a row, and so spins first.
    pub(crate) fn ends_a_busy_loop(&mut self, thread: ThreadKey, recorded: u64) -> bool {
        let spin = self.of(thread);
        if spin.facts_at_its_last_read == recorded {
            spin.reads_in_a_row += 1;
        } else {
            (spin.facts_at_its_last_read, spin.reads_in_a_row) = (recorded, 1);
        }
        let busy = spin.reads_in_a_row >= BUSY_READS;
        if busy {
            spin.reads_in_a_row = 0;
        }
        busy
    }

    /// `thread` reads the clock, alone able to act (`alone`: no other
    /// thread can run and no timer is armed) or not: how far the clock
    /// moves first, if at all.
    pub(crate) fn read(&mut self, thread: ThreadKey, alone: bool) -> Option<Duration> {
        let spin = self.spins.get_mut(thread)?;
        if !std::mem::take(&mut spin.spun) || !alone {
            spin.took = Duration::ZERO;
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

    #[test]
    fn a_read_with_no_spin_before_it_moves_nothing() {
        let mut time = SpinTime::default();
        assert_eq!(time.read(THREAD, true), None);
    }

    #[test]
    fn a_read_after_a_spin_alone_moves_the_clock_a_step_that_grows() {
        let mut time = SpinTime::default();
        let mut steps = Vec::new();
        for _ in 0..200 {
            time.spun(THREAD);
            steps.push(time.read(THREAD, true).expect("a spin alone takes time"));
        }
        assert_eq!(steps[0], FIRST_STEP);
        assert!(steps.windows(2).all(|pair| pair[0] <= pair[1]));
        assert!(steps[199] > FIRST_STEP, "{:?}", steps[199]);
    }

    #[test]
    fn a_spin_towards_an_hour_reaches_it_within_a_share_of_it_in_few_reads() {
        let (mut time, hour) = (SpinTime::default(), Duration::from_secs(3600));
        let (mut clock, mut reads) = (Duration::ZERO, 0_u32);
        while clock < hour {
            time.spun(THREAD);
            clock += time.read(THREAD, true).expect("a spin alone takes time");
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
    fn a_fact_between_two_reads_begins_the_count_again() {
        let mut time = SpinTime::default();
        for _ in 1..BUSY_READS {
            assert!(!time.ends_a_busy_loop(THREAD, 7));
        }
        assert!(!time.ends_a_busy_loop(THREAD, 8), "a fact came between");
    }

    #[test]
    fn a_read_not_alone_moves_nothing_and_begins_the_count_again() {
        let mut time = SpinTime::default();
        for _ in 0..500 {
            time.spun(THREAD);
            time.read(THREAD, true);
        }
        time.spun(THREAD);
        assert_eq!(time.read(THREAD, false), None);
        time.spun(THREAD);
        assert_eq!(time.read(THREAD, true), Some(FIRST_STEP));
    }

    #[test]
    fn a_read_with_no_spin_since_the_last_begins_the_count_again() {
        let mut time = SpinTime::default();
        for _ in 0..500 {
            time.spun(THREAD);
            time.read(THREAD, true);
        }
        assert_eq!(time.read(THREAD, true), None);
        time.spun(THREAD);
        assert_eq!(time.read(THREAD, true), Some(FIRST_STEP));
    }
}
