//! Argument types shared by `sim`'s commands, each with the parser clap
//! runs on it: a bad value is a one-line error before anything runs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use scenarios::PlantedBug;
use scenarios::Scenario;

use crate::engine::{Driver, RunId, parse_number};

/// A seed: a decimal or `0x` hex `u64`.
pub fn seed(text: &str) -> Result<u64, String> {
    parse_number(text).ok_or_else(|| "expected a decimal or 0x-hex u64".to_owned())
}

/// A scenario of `sim list`.
pub fn scenario(name: &str) -> Result<Scenario, String> {
    Scenario::from_name(name).ok_or_else(|| "unknown scenario (see `sim list`)".to_owned())
}

/// A driver (see [`Driver::SYNTAX`]).
pub fn driver(name: &str) -> Result<Driver, String> {
    name.parse()
}

/// A planted bug of `sim list --bugs`.
pub fn planted_bug(name: &str) -> Result<PlantedBug, String> {
    PlantedBug::from_name(name)
        .ok_or_else(|| "unknown planted bug (see `sim list --bugs`)".to_owned())
}

/// A whole number of at least 1.
pub fn at_least_one(text: &str) -> Result<u64, String> {
    text.parse::<u64>()
        .ok()
        .filter(|&count| count >= 1)
        .ok_or_else(|| "expected a whole number from 1 up".to_owned())
}

/// A wall-clock length such as `30s`, `10m` or `1h`, more than zero and at
/// most a week (anything longer is a typo).
pub fn duration(text: &str) -> Result<Duration, String> {
    const MOST: Duration = Duration::from_secs(7 * 24 * 3600);
    let duration = humantime::parse_duration(text)
        .map_err(|_| "expected a length such as 30s, 10m or 1h".to_owned())?;
    if duration.is_zero() || duration > MOST {
        return Err("expected more than 0 and at most 7 days".to_owned());
    }
    Ok(duration)
}

/// Seconds for a watchdog: 1 to a day.
pub fn watchdog_seconds(text: &str) -> Result<Duration, String> {
    text.parse::<u64>()
        .ok()
        .filter(|seconds| (1..=86_400).contains(seconds))
        .map(Duration::from_secs)
        .ok_or_else(|| "expected whole seconds from 1 to 86400".to_owned())
}

/// What `replay` and `shrink` take: a swarm seed, a run id or a corpus entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A bare swarm seed (`0x…`), as `sim fuzz` prints them.
    SwarmSeed(u64),
    /// `SCENARIO:DRIVER:NUMBER`.
    Run(RunId),
    /// A corpus entry's file.
    Entry(PathBuf),
}

/// Parses a [`Target`]; a corpus entry is read later, by the command.
pub fn target(text: &str) -> Result<Target, String> {
    if let Some(seed) = parse_number(text) {
        return Ok(Target::SwarmSeed(seed));
    }
    if Path::new(text).extension().is_some_and(|ext| ext == "toml") {
        return Ok(Target::Entry(PathBuf::from(text)));
    }
    text.parse().map(Target::Run)
}

/// `--save` and `--corpus`. Every command that finds failures flattens it
/// and words `--save`'s help for itself (`mut_arg`).
#[derive(Clone, Debug, clap::Args)]
pub struct SaveArgs {
    /// Store the failure found in the corpus.
    #[arg(long)]
    pub save: bool,
    /// The corpus directory for --save.
    #[arg(long, value_name = "DIR", default_value = "corpus")]
    pub corpus: PathBuf,
}

impl SaveArgs {
    /// Where to save failures, if anywhere.
    pub fn dir(&self) -> Option<&Path> {
        self.save.then_some(self.corpus.as_path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_decimal_or_hex_and_never_negative() {
        assert_eq!(seed("17"), Ok(17));
        assert_eq!(seed("0x11"), Ok(17));
        assert!(seed("-1").is_err() && seed("0xzz").is_err() && seed("").is_err());
    }

    #[test]
    fn counts_start_at_one() {
        assert_eq!(at_least_one("1"), Ok(1));
        assert!(at_least_one("0").is_err() && at_least_one("-5").is_err());
    }

    #[test]
    fn targets_tell_seeds_run_ids_and_files_apart() {
        assert_eq!(target("0x2a"), Ok(Target::SwarmSeed(42)));
        assert_eq!(
            target("corpus/x.toml"),
            Ok(Target::Entry(PathBuf::from("corpus/x.toml")))
        );
        assert!(matches!(target("early-close:loom2:3"), Ok(Target::Run(_))));
        assert!(target("early-close:loom2").is_err());
    }
}
