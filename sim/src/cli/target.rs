//! The run a `replay` or `shrink` argument names.

use std::fmt;

use scenarios::PlantedBug;

use super::UsageError;
use super::args::Target;
use crate::corpus;
use crate::engine::RunId;
use crate::swarm::SwarmRun;

/// A run to replay or shrink, with its planted bug.
pub(super) struct Resolved {
    /// The run.
    pub run: RunId,
    /// The bug planted in it.
    pub bug: Option<PlantedBug>,
    /// The swarm seed it was named by, if any.
    pub swarm: Option<SwarmRun>,
}

impl fmt::Display for Resolved {
    /// The note a swarm seed gets: the run it names in this build.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.swarm {
            Some(swarm) => writeln!(f, "swarm seed {swarm} names the run {}", swarm.run),
            None => Ok(()),
        }
    }
}

/// The run `target` names, with `plant` (which a corpus entry brings itself).
pub(super) fn resolve(target: &Target, plant: Option<PlantedBug>) -> Result<Resolved, UsageError> {
    match target {
        Target::SwarmSeed(seed) => {
            let swarm = SwarmRun::from_seed(*seed);
            Ok(Resolved {
                run: swarm.run,
                bug: plant,
                swarm: Some(swarm),
            })
        }
        Target::Run(run) => Ok(Resolved {
            run: *run,
            bug: plant,
            swarm: None,
        }),
        Target::Entry(path) => {
            if plant.is_some() {
                return Err(UsageError(
                    "--plant comes from the corpus entry; drop it".to_owned(),
                ));
            }
            let entry = corpus::load(path)?;
            let (run, bug) = entry.identity(path)?;
            Ok(Resolved {
                run,
                bug,
                swarm: None,
            })
        }
    }
}
