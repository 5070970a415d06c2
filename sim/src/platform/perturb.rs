//! Perturbations: behaviour-preserving changes to how the store's
//! synchronisation runs, as a refactor of the store would make them. The
//! corpus and the self-test must survive every one: a regression suite that
//! a harmless change turns red protects nothing.
//!
//! Chosen with the `SIM_PERTURB` environment variable (read once per
//! process), a comma-separated list of:
//!
//! - `scheduling-points`: a scheduling point before every lock and after
//!   every notification;
//! - `notifications`: every notification is sent twice, with a scheduling
//!   point between (a store that wakes waiters more often than it must);
//! - `spurious-wakeups`: untimed waits return without a notification one
//!   time in two instead of one in eight (real condition variables allow
//!   it, so the shuttle drivers always draw it; loom and real threads
//!   cannot);
//! - `all`: every one of them.

use std::sync::OnceLock;

/// The environment variable that chooses perturbations.
pub const PERTURB_ENV: &str = "SIM_PERTURB";

/// One perturbation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Perturbation {
    /// A scheduling point before every lock and after every notification.
    SchedulingPoints,
    /// Every notification sent twice.
    Notifications,
    /// Untimed waits that return without a notification more often.
    SpuriousWakeups,
}

impl Perturbation {
    /// Every perturbation.
    pub const ALL: [Perturbation; 3] = [
        Perturbation::SchedulingPoints,
        Perturbation::Notifications,
        Perturbation::SpuriousWakeups,
    ];

    /// Its name in `SIM_PERTURB`.
    pub fn name(self) -> &'static str {
        match self {
            Perturbation::SchedulingPoints => "scheduling-points",
            Perturbation::Notifications => "notifications",
            Perturbation::SpuriousWakeups => "spurious-wakeups",
        }
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// A set of perturbations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Perturbations(u8);

impl Perturbations {
    /// Whether `perturbation` is in the set.
    pub fn contains(self, perturbation: Perturbation) -> bool {
        self.0 & perturbation.bit() != 0
    }

    /// Parses `SIM_PERTURB`'s value.
    pub fn parse(text: &str) -> Result<Perturbations, String> {
        let mut set = Perturbations::default();
        for word in text
            .split(',')
            .map(str::trim)
            .filter(|word| !word.is_empty())
        {
            if word == "all" {
                Perturbation::ALL.iter().for_each(|p| set.0 |= p.bit());
                continue;
            }
            let perturbation = Perturbation::ALL
                .into_iter()
                .find(|p| p.name() == word)
                .ok_or_else(|| {
                    format!(
                        "{PERTURB_ENV}: unknown perturbation {word:?}; expected a comma-separated \
                         list of scheduling-points, notifications, spurious-wakeups or all"
                    )
                })?;
            set.0 |= perturbation.bit();
        }
        Ok(set)
    }

    /// The set `SIM_PERTURB` chooses, read once per process.
    pub fn from_env() -> Result<Perturbations, String> {
        static CHOSEN: OnceLock<Result<Perturbations, String>> = OnceLock::new();
        CHOSEN
            .get_or_init(|| match std::env::var(PERTURB_ENV) {
                Ok(text) => Perturbations::parse(&text),
                Err(std::env::VarError::NotPresent) => Ok(Perturbations::default()),
                Err(error) => Err(format!("{PERTURB_ENV}: {error}")),
            })
            .clone()
    }
}

/// Whether `perturbation` is on, and the calling thread is not unwinding
/// (a switch while unwinding is no refactor a store would make, and
/// schedulers take it badly). A `SIM_PERTURB` that does not parse is
/// reported by `sim` before anything runs; here it perturbs nothing.
pub(super) fn perturbing(perturbation: Perturbation) -> bool {
    Perturbations::from_env().is_ok_and(|set| set.contains(perturbation))
        && !std::thread::panicking()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_into_sets() {
        let set = Perturbations::parse("notifications, spurious-wakeups").expect("valid");
        assert!(set.contains(Perturbation::Notifications));
        assert!(set.contains(Perturbation::SpuriousWakeups));
        assert!(!set.contains(Perturbation::SchedulingPoints));
        let all = Perturbations::parse("all").expect("valid");
        assert!(Perturbation::ALL.iter().all(|&p| all.contains(p)));
        assert_eq!(Perturbations::parse(""), Ok(Perturbations::default()));
    }

    #[test]
    fn an_unknown_perturbation_is_a_one_line_error() {
        let error = Perturbations::parse("gremlins").expect_err("unknown");
        assert!(
            error.contains("gremlins") && !error.contains('\n'),
            "{error}"
        );
    }
}
