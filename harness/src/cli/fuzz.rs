//! `fuzz`: campaign after campaign of every scenario under the seeded
//! engines, each campaign's scenario, engine and seed drawn from one seed,
//! until the time is up. Each distinct failure (scenario and signature) is
//! printed the moment it is found, with the line that replays it, so an
//! interrupt loses nothing found.

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::Scenario;
use crate::check::{Error, Swarm};

pub(super) fn fuzz(scenarios: &'static [Scenario], budget: Duration, seed: u64) -> ExitCode {
    if scenarios.is_empty() {
        eprintln!("error: there is no scenario to fuzz");
        return ExitCode::from(2);
    }
    // Wall time bounds the job only; every choice comes from `seed`.
    let started = Instant::now();
    let mut seen = BTreeSet::new();
    let swarm = Swarm::new(seed);
    let mut campaigns = 0_u64;
    while started.elapsed() < budget {
        let campaign = swarm.campaign(campaigns, scenarios.len());
        let scenario = &scenarios[campaign.body];
        campaigns += 1;
        match campaign.check.run(scenario.body) {
            Ok(_) => {}
            Err(Error::Found(failure)) => {
                if seen.insert((scenario.name, failure.signature())) {
                    println!("{}: {failure}", scenario.name);
                    println!(
                        "replay it: {} replay {} {}",
                        super::program(),
                        scenario.name,
                        failure.run
                    );
                }
            }
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(2);
            }
        }
    }
    println!(
        "fuzz: {campaigns} campaigns of {} schedules in {:.1} s, {} distinct failures",
        Swarm::SCHEDULES_PER_CAMPAIGN,
        started.elapsed().as_secs_f64(),
        seen.len()
    );
    if seen.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
