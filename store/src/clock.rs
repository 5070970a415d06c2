//! Time, as the store sees it: a monotonic [`Instant`] read from a [`Clock`].
//!
//! The store reads the clock to compute deadlines and backoff, then waits
//! through its [`Runtime`](crate::Runtime). A simulated clock can therefore run on virtual
//! time that never touches the wall clock.

use std::ops::Add;
use std::time::Duration;

/// A point on a [`Clock`]'s timeline: the time elapsed since the clock's origin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(Duration);

impl Instant {
    /// The clock's origin.
    pub const ORIGIN: Instant = Instant(Duration::ZERO);

    /// The point `since_origin` after the clock's origin.
    pub const fn from_origin(since_origin: Duration) -> Instant {
        Instant(since_origin)
    }

    /// Time elapsed from the clock's origin to this point.
    pub const fn since_origin(self) -> Duration {
        self.0
    }

    /// Time from `self` until `later`, zero if `later` is not after `self`.
    pub fn until(self, later: Instant) -> Duration {
        later.0.saturating_sub(self.0)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    /// Saturates instead of overflowing: a deadline "forever from now" is fine.
    fn add(self, delta: Duration) -> Instant {
        Instant(self.0.saturating_add(delta))
    }
}

/// A monotonic source of [`Instant`]s.
pub trait Clock: Send + Sync + 'static {
    /// The current time. Never goes backwards.
    fn now(&self) -> Instant;
}

/// The real monotonic clock; its origin is the moment it was created.
#[derive(Clone, Copy, Debug)]
pub struct SystemClock {
    origin: std::time::Instant,
}

impl SystemClock {
    /// A clock whose origin is now.
    pub fn new() -> SystemClock {
        SystemClock {
            origin: std::time::Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> SystemClock {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant(self.origin.elapsed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instant_addition_saturates_instead_of_overflowing() {
        let far = Instant::from_origin(Duration::MAX) + Duration::from_secs(1);
        assert_eq!(far.since_origin(), Duration::MAX);
    }

    #[test]
    fn until_is_zero_for_an_instant_in_the_past() {
        let early = Instant::from_origin(Duration::from_secs(1));
        let late = Instant::from_origin(Duration::from_secs(3));
        assert_eq!(late.until(early), Duration::ZERO);
        assert_eq!(early.until(late), Duration::from_secs(2));
    }

    #[test]
    fn system_clock_never_goes_backwards() {
        let clock = SystemClock::new();
        let first = clock.now();
        assert!(clock.now() >= first);
    }
}
