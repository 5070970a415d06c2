//! `--save`: a failure into the corpus, shrunk first where asked.

use std::fmt;
use std::path::{Path, PathBuf};

use super::UsageError;
use crate::corpus::{self, Entry};
use crate::engine::Failure;
use crate::shrink::{RunSize, shrink};

/// Seeds `--save` (of run and explore) searches for a smaller failure
/// before saving one.
pub(super) const SAVE_SHRINK_TRIES: usize = 500;

/// What `--save` did with a failure.
pub(super) struct Saved {
    /// Its size before and after shrinking, if shrinking made it smaller.
    pub shrunk: Option<(RunSize, RunSize)>,
    /// Where it was stored, or why it was not.
    pub outcome: Result<PathBuf, String>,
}

impl fmt::Display for Saved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((before, after)) = &self.shrunk {
            writeln!(f, "  shrunk:  {before} -> {after}")?;
        }
        match &self.outcome {
            Ok(path) => writeln!(f, "  saved:   {}", path.display()),
            Err(why) => writeln!(f, "  not saved: {why}"),
        }
    }
}

impl Saved {
    /// What a child that saved it tells its parent.
    pub(super) fn message(&self) -> crate::child::Message {
        crate::child::Message::Saved {
            outcome: self
                .outcome
                .as_ref()
                .map(|path| path.display().to_string())
                .map_err(Clone::clone),
        }
    }
}

/// Shrinks `failure` and stores the smallest failure found in `dir`.
pub(super) fn shrink_and_save(failure: &Failure, dir: &Path) -> Result<Saved, UsageError> {
    let shrunk = shrink(failure, SAVE_SHRINK_TRIES);
    let mut saved = save(&shrunk.failure, dir)?;
    saved.shrunk = (shrunk.after < shrunk.before).then_some((shrunk.before, shrunk.after));
    Ok(saved)
}

/// Stores `failure` in the corpus at `dir` (created if missing).
pub(super) fn save(failure: &Failure, dir: &Path) -> Result<Saved, UsageError> {
    let Some(entry) = Entry::from_failure(failure, &corpus::today()) else {
        return Ok(Saved {
            shrunk: None,
            outcome: Err("this failure has no replayable run id".to_owned()),
        });
    };
    std::fs::create_dir_all(dir).map_err(|error| UsageError::io("cannot create", dir, error))?;
    let path = corpus::save(dir, entry)?;
    Ok(Saved {
        shrunk: None,
        outcome: Ok(path),
    })
}
