//! What a fuzz job tells its parent: one JSON line per run, flushed as the
//! run ends, so that the parent always knows how far a job got, even when
//! it dies on the next run.

use serde::{Deserialize, Serialize};

/// One line of a job's stdout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "line", rename_all = "snake_case")]
pub enum JobLine {
    /// Run `k` of the job passed, reaching the situations `reached` names.
    Passed {
        /// The run's number within the job, 0-based.
        k: u64,
        /// [`crate::coverage::Reached::bits`].
        reached: u32,
    },
    /// Run `k` failed.
    Failed {
        /// The run's number within the job, 0-based.
        k: u64,
        /// [`crate::coverage::Reached::bits`].
        reached: u32,
        /// What failed.
        finding: Finding,
    },
}

/// A failing run, as the job that found it reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The swarm seed, `0x…`.
    pub seed: String,
    /// The run id it decodes to.
    pub run: String,
    /// The oracle that broke.
    pub oracle: String,
    /// The violation message.
    pub message: String,
    /// [`super::signature::Signature`], as text.
    pub signature: String,
    /// What replaying it twice showed.
    pub replayed: Replayed,
}

/// The determinism check of a failure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Replayed {
    /// Replayed twice: both runs failed the same way, with the original's trace.
    Identical,
    /// The job had already checked a failure with this signature.
    NotRechecked,
    /// A replay differed from the original run: a bug in the harness.
    Diverged {
        /// How, in one line.
        how: String,
    },
}

impl JobLine {
    /// The run's number within its job.
    pub fn k(&self) -> u64 {
        match self {
            JobLine::Passed { k, .. } | JobLine::Failed { k, .. } => *k,
        }
    }

    /// The situations the run reached, as bits.
    pub fn reached(&self) -> u32 {
        match self {
            JobLine::Passed { reached, .. } | JobLine::Failed { reached, .. } => *reached,
        }
    }

    /// The line as the job prints it.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|error| {
            panic!("a job line always serialises: {error}");
        })
    }

    /// Parses a line of a job's stdout; `None` for anything else it printed.
    pub fn parse(line: &str) -> Option<JobLine> {
        serde_json::from_str(line).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_back() {
        let lines = [
            JobLine::Passed { k: 3, reached: 5 },
            JobLine::Failed {
                k: 4,
                reached: 0,
                finding: Finding {
                    seed: "0x01".to_owned(),
                    run: "stress:random:0x02".to_owned(),
                    oracle: "no-leak".to_owned(),
                    message: "VIOLATION [no-leak] main: \"quoted\"\nsecond line".to_owned(),
                    signature: "no-leak @ main".to_owned(),
                    replayed: Replayed::Diverged {
                        how: "at event 3".to_owned(),
                    },
                },
            },
        ];
        for line in lines {
            let text = line.to_line();
            assert!(!text.contains('\n'));
            assert_eq!(JobLine::parse(&text), Some(line));
        }
        assert_eq!(JobLine::parse("test panicked in task 'reader-A0'"), None);
    }
}
