//! The fuzzer's campaigns: short searches, each with its engine and seed
//! (and, among several bodies, its body) drawn from one seed, so a whole
//! fuzzing job is a function of that seed.

use super::{Check, Engine};
use crate::schedule::SplitMix64;

/// Campaign after campaign, drawn from one seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Swarm {
    seed: u64,
}

/// One campaign of a [`Swarm`]: which body it searches, and how.
#[derive(Clone, Debug)]
pub struct Campaign {
    /// The index of its body among those the swarm draws from.
    pub body: usize,
    /// Its engine.
    pub engine: Engine,
    /// Its search: the engine, [`Swarm::SCHEDULES_PER_CAMPAIGN`] schedules
    /// and the campaign's own seed.
    pub check: Check,
}

impl Swarm {
    /// Schedules per campaign: short, so a time budget is kept closely and
    /// every body comes round often.
    pub const SCHEDULES_PER_CAMPAIGN: usize = 200;

    /// The engines a campaign draws from: the seeded, deterministic ones.
    pub const ENGINES: [Engine; 3] = [Engine::Random, Engine::pct(3), Engine::Urw];

    /// The swarm of `seed`.
    pub fn new(seed: u64) -> Swarm {
        Swarm { seed }
    }

    /// Campaign `index` (from 0), over one of `bodies` bodies (at least one).
    pub fn campaign(&self, index: u64, bodies: usize) -> Campaign {
        assert!(bodies > 0, "a swarm needs a body to search");
        let mut draws = SplitMix64::new(SplitMix64::stream_seed(self.seed, index));
        let body = draws.below(bodies as u64) as usize;
        let engine = Swarm::ENGINES[draws.below(Swarm::ENGINES.len() as u64) as usize];
        let check = Check::new()
            .engines([engine])
            .schedules(Swarm::SCHEDULES_PER_CAMPAIGN)
            .seed(draws.next_u64());
        Campaign {
            body,
            engine,
            check,
        }
    }
}
