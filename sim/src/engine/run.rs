//! Run ids, `SCENARIO:DRIVER:NUMBER`, and whether one names an execution.

use std::fmt;
use std::str::FromStr;

use scenarios::{PlantedBug, Scenario};
use store::Plant;

use super::Driver;

/// The largest execution number a run id of a systematic driver (`dfs`,
/// `loom<b>`) may name, and so the largest budget of a systematic
/// campaign. Replaying execution `n` re-explores the `n - 1` before it, so
/// the bound is what keeps every replay finite: about 10 to 30 s at most.
pub const MAX_SYSTEMATIC_EXECUTIONS: u64 = 100_000;

/// Why a run id names no execution of this build. One line, for users.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NoSuchRun(pub(super) String);

/// `n` with a comma every three digits, as reports print counts.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The name of one schedule: `scenario:driver:number`, for example
/// `early-close:pct3:0x9e3779b97f4a7c15` or `early-close:loom2:324`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunId {
    /// The scenario.
    pub scenario: Scenario,
    /// The driver and its settings.
    pub driver: Driver,
    /// The schedule's seed (seeded drivers) or execution number (dfs, loom).
    pub number: u64,
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.driver.is_seeded() {
            write!(
                f,
                "{}:{}:{:#018x}",
                self.scenario.name(),
                self.driver,
                self.number
            )
        } else {
            write!(
                f,
                "{}:{}:{}",
                self.scenario.name(),
                self.driver,
                self.number
            )
        }
    }
}

impl FromStr for RunId {
    type Err = String;

    fn from_str(text: &str) -> Result<RunId, String> {
        let parts: Vec<&str> = text.split(':').collect();
        let [scenario, driver, number] = parts[..] else {
            return Err(format!(
                "malformed run id {text:?}: expected SCENARIO:DRIVER:NUMBER"
            ));
        };
        let scenario = Scenario::from_name(scenario)
            .ok_or_else(|| format!("unknown scenario {scenario:?} (see `sim list`)"))?;
        let driver: Driver = driver.parse()?;
        let number = parse_number(number)
            .ok_or_else(|| format!("malformed number {number:?} in run id {text:?}"))?;
        let run = RunId {
            scenario,
            driver,
            number,
        };
        run.check_number().map_err(|error| error.to_string())?;
        Ok(run)
    }
}

/// Parses a seed or an execution number: decimal digits, or `0x` and hex
/// digits; `None` for anything else (a sign, a run id, a file name). The
/// one number syntax of every `sim` argument and run id.
pub fn parse_number(text: &str) -> Option<u64> {
    let (digits, radix) = match text.strip_prefix("0x") {
        Some(hex) => (hex, 16),
        None => (text, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// A run id travels in its text form (`sim`'s messages, JSON reports).
impl serde::Serialize for RunId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for RunId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<RunId, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl RunId {
    /// Whether the number can name an execution at all (see [`super::Engine::check`]).
    pub fn check_number(&self) -> Result<(), NoSuchRun> {
        self.driver.engine().check(self)
    }

    /// The error for an execution number of a systematic search below 1.
    pub(super) fn check_starts_at_one(&self) -> Result<(), NoSuchRun> {
        if self.number == 0 {
            return Err(NoSuchRun(format!("{self}: execution numbers start at 1")));
        }
        Ok(())
    }

    /// Why execution `self.number` of a systematic search does not exist,
    /// given that the search ran `executions` and its last one `failed`.
    pub(super) fn past_the_search(
        &self,
        executions: usize,
        failed: bool,
        plant: Option<&Plant>,
    ) -> NoSuchRun {
        let planted = plant
            .map(|plant| format!(" with {} planted", plant.site()))
            .unwrap_or_default();
        let (scenario, driver) = (self.scenario.name(), self.driver);
        let asked = thousands(self.number);
        if executions as u64 == MAX_SYSTEMATIC_EXECUTIONS && !failed {
            return NoSuchRun(format!(
                "{driver} names executions 1 to {} of a search (so that every replay ends in \
                 bounded time); the search of {scenario}{planted} goes on past that, but {asked} \
                 is past it",
                thousands(MAX_SYSTEMATIC_EXECUTIONS)
            ));
        }
        NoSuchRun(if failed {
            let last = RunId {
                number: executions as u64,
                ..*self
            };
            let bug = plant.and_then(|plant| PlantedBug::from_name(plant.site()));
            format!(
                "{driver}'s search of {scenario}{planted} stops at execution {}, which fails; \
                 {asked} is past it ({})",
                thousands(executions as u64),
                super::replay_command(last, bug)
            )
        } else {
            format!(
                "{driver} explores {} executions of {scenario}{planted}; {asked} is past the end",
                thousands(executions as u64)
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::parse_number;

    #[test]
    fn numbers_are_decimal_or_0x_hex_and_nothing_else() {
        assert_eq!(parse_number("17"), Some(17));
        assert_eq!(parse_number("0x10"), Some(16));
        assert_eq!(parse_number("0xffffffffffffffff"), Some(u64::MAX));
        for not_a_number in [
            "",
            "0x",
            "+5",
            "-1",
            "0xnope",
            "1e3",
            "stress:random:0x1",
            "corpus/x.toml",
            "18446744073709551616",
        ] {
            assert_eq!(parse_number(not_a_number), None, "{not_a_number:?}");
        }
    }
}
