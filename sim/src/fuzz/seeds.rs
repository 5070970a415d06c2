//! Which seeds a fuzz job runs. The seed space of one campaign seed is a
//! sequence of indices `n = 0, 1, 2, …`; run `n` is the swarm seed
//! `SplitMix64::stream_seed(base, n)`: distinct indices never share a
//! seed, and campaigns of nearby seeds (1, 2, 3) share none. Shard `i` of `N` takes the indices `n ≡ i - 1 (mod N)`; within a
//! shard, job `j` of `J` takes every `J`-th of them. Shards never repeat
//! each other, jobs never repeat each other, and a job can resume after
//! its `k`-th run without the others.

use std::fmt;
use std::str::FromStr;

use scenarios::SplitMix64;

/// The most shards a fuzz campaign may be split into.
pub(crate) const MAX_SHARDS: u64 = 1 << 16;

/// Shard `index` of `count` (1-based, like a CI matrix).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 1 to `count`.
    pub index: u64,
    /// 1 to [`MAX_SHARDS`].
    pub count: u64,
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    /// `I/N` with `1 <= I <= N <= MAX_SHARDS`.
    fn from_str(text: &str) -> Result<Shard, String> {
        let malformed = || format!("malformed shard {text:?}: expected I/N, e.g. 3/8");
        let (index, count) = text.split_once('/').ok_or_else(malformed)?;
        let index: u64 = index.trim().parse().map_err(|_| malformed())?;
        let count: u64 = count.trim().parse().map_err(|_| malformed())?;
        if count == 0 || count > MAX_SHARDS {
            return Err(format!(
                "bad shard {text:?}: the shard count must be 1 to {MAX_SHARDS}"
            ));
        }
        if index == 0 || index > count {
            return Err(format!(
                "bad shard {text:?}: the shard index must be 1 to {count}"
            ));
        }
        Ok(Shard { index, count })
    }
}

/// The runs of one job: the `k`-th is [`SeedStream::seed`]`(k)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SeedStream {
    /// The campaign's seed.
    pub base: u64,
    /// The shard this machine runs.
    pub shard: Shard,
    /// Jobs in the shard.
    pub jobs: u64,
    /// This job, 0 to `jobs - 1`.
    pub job: u64,
}

impl SeedStream {
    /// The position of the job's `k`-th run (0-based) within its shard.
    pub(crate) fn position(&self, k: u64) -> u64 {
        self.job + self.jobs * k
    }

    /// The swarm seed of the job's `k`-th run (0-based).
    pub(crate) fn seed(&self, k: u64) -> u64 {
        let index = (self.shard.index - 1) + self.shard.count * self.position(k);
        SplitMix64::stream_seed(self.base, index)
    }

    /// How many runs the job has when the shard runs `runs` in all.
    pub(crate) fn runs_of(&self, runs: u64) -> u64 {
        (runs + self.jobs - 1 - self.job) / self.jobs
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    const WHOLE: Shard = Shard { index: 1, count: 1 };

    fn stream(shard: Shard, jobs: u64, job: u64) -> SeedStream {
        SeedStream {
            base: 7,
            shard,
            jobs,
            job,
        }
    }

    #[test]
    fn shards_and_jobs_never_share_a_seed() {
        let mut seen = BTreeSet::new();
        for index in 1..=3 {
            let shard = Shard { index, count: 3 };
            for job in 0..4 {
                for k in 0..50 {
                    assert!(seen.insert(stream(shard, 4, job).seed(k)));
                }
            }
        }
    }

    #[test]
    fn nearby_campaign_seeds_do_not_share_runs() {
        let runs = |base| -> BTreeSet<u64> {
            let stream = SeedStream {
                base,
                ..stream(WHOLE, 1, 0)
            };
            (0..1_000).map(|k| stream.seed(k)).collect()
        };
        assert!(runs(1).is_disjoint(&runs(2)));
    }

    #[test]
    fn jobs_of_a_shard_split_its_runs_exactly() {
        for runs in [0, 1, 5, 9, 100] {
            for jobs in 1..=4 {
                let total: u64 = (0..jobs)
                    .map(|job| stream(WHOLE, jobs, job).runs_of(runs))
                    .sum();
                assert_eq!(total, runs, "runs {runs}, jobs {jobs}");
            }
        }
        let positions: BTreeSet<u64> = (0..3)
            .flat_map(|job| {
                let stream = stream(WHOLE, 3, job);
                (0..stream.runs_of(10)).map(move |k| stream.position(k))
            })
            .collect();
        assert_eq!(positions, (0..10).collect());
    }

    #[test]
    fn the_same_shard_names_the_same_seeds_whatever_the_jobs() {
        let shard = Shard { index: 2, count: 8 };
        let by_one: BTreeSet<u64> = (0..12).map(|k| stream(shard, 1, 0).seed(k)).collect();
        let by_three: BTreeSet<u64> = (0..3)
            .flat_map(|job| (0..4).map(move |k| stream(shard, 3, job).seed(k)))
            .collect();
        assert_eq!(by_one, by_three);
    }

    #[test]
    fn shards_parse_one_based_and_reject_nonsense() {
        assert_eq!("3/8".parse(), Ok(Shard { index: 3, count: 8 }));
        for bad in ["3/2", "0/0", "0/4", "1", "a/b", "1/0", "-1/2", "2/70000"] {
            let error = bad.parse::<Shard>().expect_err(bad);
            assert!(!error.contains('\n'), "{error}");
        }
    }
}
