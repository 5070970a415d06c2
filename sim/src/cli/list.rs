//! `sim list`: what there is to run, plant and drive.

use std::fmt;

use scenarios::{Oracle, Owner, PlantedBug, Scenario};

use super::{Report, Verdict};
use crate::engine::{Driver, thousands};

/// What `sim list` lists.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// List the bugs `--plant` takes instead, with the scenario and oracle that find each.
    #[arg(long, conflicts_with_all = ["drivers", "oracles"])]
    pub bugs: bool,
    /// List the drivers `--driver` takes instead.
    #[arg(long, conflicts_with = "oracles")]
    pub drivers: bool,
    /// List the oracles instead: the platform's generic ones, then each
    /// subject's.
    #[arg(long)]
    pub oracles: bool,
}

/// The lines `sim list` prints.
pub(super) struct Listing(String);

impl fmt::Display for Listing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Report for Listing {
    fn verdict(&self) -> Verdict {
        Verdict::Clean
    }
}

pub(super) fn list(args: &ListArgs) -> Listing {
    let mut text = String::new();
    if args.bugs {
        for bug in PlantedBug::every() {
            let found_by = match bug.home() {
                Some((scenario, oracle)) => format!("{} breaks {oracle}", scenario.name()),
                None => "crashes the process; no oracle sees it".to_owned(),
            };
            text.push_str(&format!(
                "{:<32} {}\n{:<32} ({found_by})\n",
                bug.name(),
                bug.description(),
                ""
            ));
        }
    } else if args.drivers {
        for (driver, syntax, what) in Driver::CATALOGUE {
            let bound = match driver.engine().step_bound() {
                Some(steps) => {
                    format!("an execution stops after {} steps", thousands(steps as u64))
                }
                None => "no step bound".to_owned(),
            };
            text.push_str(&format!("{syntax:<17} {what}\n{:<17} ({bound})\n", ""));
        }
    } else if args.oracles {
        let mut oracles = Oracle::ALL;
        oracles.sort_by_key(|oracle| oracle.owner());
        for oracle in oracles {
            let owner = match oracle.owner() {
                Owner::Platform => "platform".to_owned(),
                Owner::Subject(component) => format!("{component:?}").to_lowercase(),
            };
            text.push_str(&format!(
                "{:<30} {owner:<9} {}\n",
                oracle.name(),
                oracle.description()
            ));
        }
    } else {
        for scenario in Scenario::ALL {
            text.push_str(&format!(
                "{:<28} {}\n",
                scenario.name(),
                scenario.spec().about().description
            ));
        }
    }
    Listing(text)
}
