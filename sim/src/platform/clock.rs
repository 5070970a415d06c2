use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use store::{Clock, Instant};

/// Virtual time, shared by everything in one simulated run. It starts at the
/// origin and moves forward only when a timed wait fires
/// ([`SimRuntime`](super::SimRuntime)); the wall clock is never read.
#[derive(Clone, Debug, Default)]
pub struct VirtualClock {
    nanos_since_origin: Arc<AtomicU64>,
}

impl VirtualClock {
    /// A clock at its origin.
    pub fn new() -> VirtualClock {
        VirtualClock::default()
    }

    /// Moves the clock to `instant` if that is later than now.
    pub fn advance_to(&self, instant: Instant) {
        let nanos = u64::try_from(instant.since_origin().as_nanos()).unwrap_or(u64::MAX);
        self.nanos_since_origin.fetch_max(nanos, Ordering::SeqCst);
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Instant {
        let nanos = self.nanos_since_origin.load(Ordering::SeqCst);
        Instant::from_origin(Duration::from_nanos(nanos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_at_the_origin_and_only_moves_forward() {
        let clock = VirtualClock::new();
        assert_eq!(clock.now(), Instant::ORIGIN);
        clock.advance_to(Instant::from_origin(Duration::from_secs(5)));
        clock.advance_to(Instant::from_origin(Duration::from_secs(2)));
        assert_eq!(clock.now().since_origin(), Duration::from_secs(5));
    }

    #[test]
    fn clones_share_one_timeline() {
        let clock = VirtualClock::new();
        let other = clock.clone();
        other.advance_to(Instant::from_origin(Duration::from_millis(7)));
        assert_eq!(clock.now().since_origin(), Duration::from_millis(7));
    }
}
