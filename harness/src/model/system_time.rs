//! `SystemTime` under the model: in a run, a wall clock that reads
//! [`RUN_STARTS_AFTER_THE_EPOCH`] plus the run's virtual time, so a run's
//! timestamps are the same on every replay and move only as its sleeps
//! and timeouts move them; outside any run, the system's.
//!
//! Read from the system inside a run, a timestamp would differ on each
//! replay, and a virtual sleep would not age it: a cache that expires its
//! entries by `SystemTime` would never expire them in a test.

use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::panic::Location;
use std::time::{Duration, SystemTimeError};

use super::execution;

/// A moment of the wall clock, as `std::time::SystemTime`: std's own value,
/// read from the run's virtual clock inside a run.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SystemTime(std::time::SystemTime);

/// Where every run's wall clock starts: 2025-01-01T00:00:00Z, a plausible
/// date (code that refuses timestamps before its own release accepts it)
/// and the same on every machine.
const RUN_STARTS_AFTER_THE_EPOCH: Duration = Duration::from_secs(1_735_689_600);

/// `1970-01-01 00:00:00 UTC`, as `std::time::UNIX_EPOCH`.
pub const UNIX_EPOCH: SystemTime = SystemTime::UNIX_EPOCH;

/// As std's: the same value prints the same.
impl std::fmt::Debug for SystemTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl SystemTime {
    /// `1970-01-01 00:00:00 UTC`, as `std::time::SystemTime::UNIX_EPOCH`.
    pub const UNIX_EPOCH: SystemTime = SystemTime(std::time::UNIX_EPOCH);

    /// Now: the run's start plus its virtual time, or the system's wall
    /// clock outside any run.
    #[track_caller]
    pub fn now() -> SystemTime {
        SystemTime(match execution::current() {
            Some(run) => {
                std::time::UNIX_EPOCH
                    + RUN_STARTS_AFTER_THE_EPOCH
                    + run.read_clock(Location::caller())
            }
            None => std::time::SystemTime::now(),
        })
    }

    /// Time from `earlier` to this, or std's error (which gives the time
    /// the other way) if `earlier` is later.
    pub fn duration_since(&self, earlier: SystemTime) -> Result<Duration, SystemTimeError> {
        self.0.duration_since(earlier.0)
    }

    /// Time since this moment, or std's error if it is still to come.
    #[track_caller]
    pub fn elapsed(&self) -> Result<Duration, SystemTimeError> {
        SystemTime::now().duration_since(*self)
    }

    /// This moment plus `duration`, if representable.
    pub fn checked_add(&self, duration: Duration) -> Option<SystemTime> {
        self.0.checked_add(duration).map(SystemTime)
    }

    /// This moment minus `duration`, if representable.
    pub fn checked_sub(&self, duration: Duration) -> Option<SystemTime> {
        self.0.checked_sub(duration).map(SystemTime)
    }
}

/// A moment of std's (a file's modification time, say) on this clock:
/// without the `model` feature the two types are one and this is the
/// identity, so code that converts compiles in both builds.
impl From<std::time::SystemTime> for SystemTime {
    fn from(moment: std::time::SystemTime) -> SystemTime {
        SystemTime(moment)
    }
}

/// This clock's moment as std's (to set a file's times, say).
impl From<SystemTime> for std::time::SystemTime {
    fn from(moment: SystemTime) -> std::time::SystemTime {
        moment.0
    }
}

impl Add<Duration> for SystemTime {
    type Output = SystemTime;

    fn add(self, duration: Duration) -> SystemTime {
        SystemTime(self.0 + duration)
    }
}

impl AddAssign<Duration> for SystemTime {
    fn add_assign(&mut self, duration: Duration) {
        self.0 += duration;
    }
}

impl Sub<Duration> for SystemTime {
    type Output = SystemTime;

    fn sub(self, duration: Duration) -> SystemTime {
        SystemTime(self.0 - duration)
    }
}

impl SubAssign<Duration> for SystemTime {
    fn sub_assign(&mut self, duration: Duration) {
        self.0 -= duration;
    }
}
