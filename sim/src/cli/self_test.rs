//! `sim self-test`: plant each bug and find it.

use std::fmt;

use super::args::SaveArgs;
use super::save::save;
use super::{Report, UsageError, Verdict};
use crate::self_test::{SelfTest, self_test as run_self_test};

/// What `sim self-test` takes.
#[derive(Debug, clap::Args)]
#[command(mut_arg("save", |arg| arg.help("Store every failure found in the corpus")))]
pub struct SelfTestArgs {
    /// `--save` and `--corpus`.
    #[command(flatten)]
    pub save: SaveArgs,
}

/// Every bug, the drivers that found it, and whether any missed.
pub(super) struct SelfTestReport {
    test: SelfTest,
    saved: Vec<String>,
}

impl fmt::Display for SelfTestReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.test)?;
        self.saved.iter().try_for_each(|line| writeln!(f, "{line}"))
    }
}

impl Report for SelfTestReport {
    fn verdict(&self) -> Verdict {
        Verdict::failed_if(!self.test.missed().is_empty())
    }
}

pub(super) fn self_test(args: &SelfTestArgs) -> Result<SelfTestReport, UsageError> {
    let test = run_self_test();
    let mut saved = Vec::new();
    if let Some(dir) = args.save.dir() {
        for failure in test.failures() {
            saved.push(save(failure, dir)?.to_string().trim_end().to_owned());
        }
    }
    Ok(SelfTestReport { test, saved })
}
