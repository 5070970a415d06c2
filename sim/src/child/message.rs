//! What a child tells its parent: one JSON line per message on stdout, each
//! flushed as it is written, so the parent knows how far a child got even
//! when it dies on the next step. Every other stdout line is text for
//! people (a failure's report), which the parent relays as it is.

use serde::{Deserialize, Serialize};

use crate::coverage::{Coverage, Reached};
use crate::engine::{Breach, RunId, Signature};

/// One message from a child.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "sim", rename_all = "snake_case")]
pub enum Message {
    /// A campaign (`sim run --child`) ended.
    Campaign {
        /// Schedules run.
        schedules: usize,
        /// Whether an oracle broke; the report is the child's text.
        failed: bool,
        /// The campaign's wall time, as the child measured it.
        elapsed_ms: u64,
        /// Schedules that reached each situation.
        coverage: Coverage,
    },
    /// Run `k` of a fuzz job ended.
    Run {
        /// The run's number within the job, 0-based.
        k: u64,
        /// The situations it reached.
        reached: Reached,
        /// What failed, if it failed.
        finding: Option<Finding>,
    },
    /// A corpus entry was checked against the current store.
    Entry {
        /// Why it fails, if it does (a regression, a broken entry).
        failure: Option<String>,
        /// One line each for what is worth knowing and no failure.
        notices: Vec<String>,
    },
    /// A failure was stored in the corpus, or could not be.
    Saved {
        /// The entry's path, or why it was not saved.
        outcome: Result<String, String>,
    },
}

/// A failing fuzz run, as the job that found it reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The swarm seed.
    pub seed: u64,
    /// The run id it decodes to.
    pub run: RunId,
    /// The oracle that broke.
    pub oracle: Breach,
    /// The violation message.
    pub message: String,
    /// What makes it one bug among many.
    pub signature: Signature,
    /// What replaying it twice showed.
    pub replayed: Replayed,
}

/// The determinism check of a fuzz failure.
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

impl Message {
    /// The message as the child prints it: one line.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self)
            .unwrap_or_else(|error| panic!("a message always serialises: {error}"))
    }

    /// Prints the message on stdout, flushed.
    pub fn send(&self) -> std::io::Result<()> {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{}", self.to_line())?;
        stdout.flush()
    }

    /// The message on a line of a child's stdout; `None` for text.
    pub fn parse(line: &str) -> Option<Message> {
        line.starts_with("{\"sim\":")
            .then(|| serde_json::from_str(line).ok())
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_parse_back_and_text_is_no_message() {
        let messages = [
            Message::Run {
                k: 3,
                reached: Reached::from_words(&[5]),
                finding: None,
            },
            Message::Run {
                k: 4,
                reached: Reached::none(),
                finding: Some(Finding {
                    seed: 1,
                    run: "stress:random:0x02".parse().expect("a run id"),
                    oracle: Breach::Oracle(scenarios::Oracle::NoLeak),
                    message: "VIOLATION [no-leak] main: \"quoted\"\nsecond line".to_owned(),
                    signature: Signature::of_harness("no-leak", "main"),
                    replayed: Replayed::Diverged {
                        how: "at event 3".to_owned(),
                    },
                }),
            },
            Message::Entry {
                failure: None,
                notices: vec!["stale".to_owned()],
            },
            Message::Saved {
                outcome: Err("no run id".to_owned()),
            },
        ];
        for message in messages {
            let line = message.to_line();
            assert!(!line.contains('\n'));
            assert_eq!(Message::parse(&line), Some(message));
        }
        assert_eq!(Message::parse("test panicked in task 'reader-A0'"), None);
        assert_eq!(Message::parse("{\"sim\": broken"), None);
    }
}
