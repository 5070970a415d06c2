//! `Instant` under the model: in a run, time on the run's virtual clock,
//! which only timeouts that fire and sleeps move; outside any run, real
//! time since the process first asked.
//!
//! Either clock starts `BEFORE_THE_START` after the earliest instant,
//! as std's (which counts from the machine's boot) does on a machine that
//! has been up a while: code that makes a point in the past to act at
//! once, `Instant::now() - interval`, works at a run's start.

use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::panic::Location;
use std::sync::OnceLock;
use std::time::Duration;

use super::execution;

/// A point in time, as `std::time::Instant`: the time since the earliest
/// instant, a year before its clock's start.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(Duration);

/// How long before its clock's start the earliest instant is: a year.
const BEFORE_THE_START: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// As the time from its clock's start: `Instant(start + 1.5s)`.
impl std::fmt::Debug for Instant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.checked_sub(BEFORE_THE_START) {
            Some(after) => write!(f, "Instant(start + {after:?})"),
            None => write!(f, "Instant(start - {:?})", BEFORE_THE_START - self.0),
        }
    }
}

/// Where real time starts for `Instant`s made outside any run.
fn real_origin() -> std::time::Instant {
    static ORIGIN: OnceLock<std::time::Instant> = OnceLock::new();
    *ORIGIN.get_or_init(std::time::Instant::now)
}

impl Instant {
    /// The point `since_start` after its clock's start.
    pub(crate) fn after_start(since_start: Duration) -> Instant {
        Instant(BEFORE_THE_START + since_start)
    }

    /// Now: the run's virtual time, or real time outside any run.
    #[track_caller]
    pub fn now() -> Instant {
        Instant::after_start(match execution::current() {
            Some(run) => run.read_clock(Location::caller()),
            None => real_origin().elapsed(),
        })
    }

    /// Time from `earlier` to this; zero if `earlier` is later.
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }

    /// Time from `earlier` to this, if `earlier` is not later.
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        self.0.checked_sub(earlier.0)
    }

    /// Time from `earlier` to this; zero if `earlier` is later.
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.0.saturating_sub(earlier.0)
    }

    /// Time since this instant.
    #[track_caller]
    pub fn elapsed(&self) -> Duration {
        Instant::now().duration_since(*self)
    }

    /// This instant plus `duration`, if representable.
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        self.0.checked_add(duration).map(Instant)
    }

    /// This instant minus `duration`, if representable.
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        self.0.checked_sub(duration).map(Instant)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    fn add(self, duration: Duration) -> Instant {
        self.checked_add(duration)
            .expect("overflow when adding a duration to an instant")
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, duration: Duration) {
        *self = *self + duration;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;

    fn sub(self, duration: Duration) -> Instant {
        self.checked_sub(duration)
            .expect("overflow when subtracting a duration from an instant")
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, duration: Duration) {
        *self = *self - duration;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;

    fn sub(self, earlier: Instant) -> Duration {
        self.duration_since(earlier)
    }
}
