//! Coverage for any subject: the situations one run reached, and how many
//! runs reached each, over a set of situations the subject declares.
//!
//! A subject names its situations (an enum, or a product of enums for a
//! matrix of operations and states) and implements [`Situation`]: how many
//! there are, each one's dense index, its name and back. It classifies a
//! run from its own facts into a [`Reached`], and a campaign adds each run
//! to a [`Tally`]. Neither has a fixed width: a subject may declare as many
//! situations as it needs.
//!
//! A [`Classifier`] is a subject's coverage: it sees every fact of a run
//! as it is recorded (`check::Fact`: the facade's operations, the queue's
//! calls with the lengths they left, the body's own notes) and says which
//! situations the run reached. `Check::coverage` tallies them over a
//! search, and `cli::main_with_coverage` gives a subject's binary the
//! `coverage` command.
//!
//! With the `serde` feature, a `Reached` is sent as its 64-bit words (low
//! first), and a `Tally` as a map from each situation's name to its runs.

use std::fmt;
use std::marker::PhantomData;

use crate::model::facts::Fact;

/// A situation a subject's runs can reach, one of a finite set.
pub trait Situation: Copy + Eq + fmt::Debug + 'static {
    /// How many situations the subject declares.
    const COUNT: usize;

    /// Its place among them, below [`COUNT`](Situation::COUNT), distinct
    /// for each.
    fn index(self) -> usize;

    /// Every situation, in table order.
    fn all() -> impl Iterator<Item = Self>;

    /// Its name in tables and reports.
    fn name(self) -> String;

    /// The situation `name` names, if any: the one whose
    /// [`name`](Situation::name) it is. Override it for a faster lookup.
    fn from_name(name: &str) -> Option<Self> {
        Self::all().find(|situation| situation.name() == name)
    }
}

/// A subject's coverage: classifies one run, fact by fact, as the run
/// records them. A fresh one (`Default`) sees each run.
pub trait Classifier: Default + Send + 'static {
    /// The situations it tells apart.
    type Situation: Situation;

    /// Sees the run's next fact; each situation it reaches goes into
    /// `reached`.
    fn see(&mut self, fact: &Fact, reached: &mut Reached<Self::Situation>);
}

/// The words a set of `S` takes.
fn words_of<S: Situation>() -> usize {
    S::COUNT.div_ceil(u64::BITS as usize)
}

/// The situations one run reached: one bit per situation.
pub struct Reached<S> {
    words: Box<[u64]>,
    situations: PhantomData<fn() -> S>,
}

impl<S: Situation> Reached<S> {
    /// Nothing reached.
    pub fn none() -> Reached<S> {
        Reached {
            words: vec![0; words_of::<S>()].into_boxed_slice(),
            situations: PhantomData,
        }
    }

    /// Whether `situation` was reached.
    pub fn contains(&self, situation: S) -> bool {
        let (word, bit) = place(situation);
        self.words[word] & bit != 0
    }

    /// Marks `situation` reached.
    pub fn insert(&mut self, situation: S) {
        let (word, bit) = place(situation);
        self.words[word] |= bit;
    }

    /// Whether nothing was reached.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|&word| word == 0)
    }

    /// The situations reached, in table order.
    pub fn iter(&self) -> impl Iterator<Item = S> + '_ {
        S::all().filter(|&situation| self.contains(situation))
    }

    /// The set as 64-bit words, low first: its form between processes.
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    /// The set `words` names. Bits of no situation (from a build that
    /// declared more) are dropped, and missing words read as zero.
    pub fn from_words(words: &[u64]) -> Reached<S> {
        let mut reached = Reached::none();
        for situation in S::all() {
            let (word, bit) = place(situation);
            if words.get(word).is_some_and(|&given| given & bit != 0) {
                reached.insert(situation);
            }
        }
        reached
    }
}

/// The word and bit of `situation`.
fn place<S: Situation>(situation: S) -> (usize, u64) {
    let index = situation.index();
    assert!(
        index < S::COUNT,
        "{situation:?} has index {index}, past the {} situations declared",
        S::COUNT
    );
    let bits = u64::BITS as usize;
    (index / bits, 1 << (index % bits))
}

impl<S: Situation> Default for Reached<S> {
    fn default() -> Reached<S> {
        Reached::none()
    }
}

impl<S> Clone for Reached<S> {
    fn clone(&self) -> Reached<S> {
        Reached {
            words: self.words.clone(),
            situations: PhantomData,
        }
    }
}

impl<S> PartialEq for Reached<S> {
    fn eq(&self, other: &Reached<S>) -> bool {
        self.words == other.words
    }
}

impl<S> Eq for Reached<S> {}

impl<S: Situation> fmt::Debug for Reached<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// How many runs reached each situation.
pub struct Tally<S> {
    /// Indexed by [`Situation::index`].
    runs: Box<[u64]>,
    situations: PhantomData<fn() -> S>,
}

impl<S: Situation> Tally<S> {
    /// No runs yet.
    pub fn new() -> Tally<S> {
        Tally {
            runs: vec![0; S::COUNT].into_boxed_slice(),
            situations: PhantomData,
        }
    }

    /// Counts one run that reached `reached`.
    pub fn add(&mut self, reached: &Reached<S>) {
        // A situation's bit is its index: count the set bits only, as a
        // campaign adds every run.
        for (word_index, &word) in reached.words.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let index = word_index * u64::BITS as usize + bits.trailing_zeros() as usize;
                self.runs[index] += 1;
                bits &= bits - 1;
            }
        }
    }

    /// Counts `runs` more runs that reached `situation`.
    pub fn add_runs(&mut self, situation: S, runs: u64) {
        self.runs[situation.index()] += runs;
    }

    /// Adds another tally's counts.
    pub fn merge(&mut self, other: &Tally<S>) {
        for (mine, theirs) in self.runs.iter_mut().zip(other.runs.iter()) {
            *mine += theirs;
        }
    }

    /// Runs that reached `situation`.
    pub fn runs(&self, situation: S) -> u64 {
        self.runs[situation.index()]
    }

    /// The situations at least one run reached.
    pub fn reached_by_any(&self) -> Reached<S> {
        let mut reached = Reached::none();
        for situation in S::all().filter(|&situation| self.runs(situation) > 0) {
            reached.insert(situation);
        }
        reached
    }

    /// Situations no run reached, in table order.
    pub fn unreached(&self) -> Vec<S> {
        S::all()
            .filter(|&situation| self.runs(situation) == 0)
            .collect()
    }
}

impl<S: Situation> Default for Tally<S> {
    fn default() -> Tally<S> {
        Tally::new()
    }
}

impl<S> Clone for Tally<S> {
    fn clone(&self) -> Tally<S> {
        Tally {
            runs: self.runs.clone(),
            situations: PhantomData,
        }
    }
}

impl<S> PartialEq for Tally<S> {
    fn eq(&self, other: &Tally<S>) -> bool {
        self.runs == other.runs
    }
}

impl<S> Eq for Tally<S> {}

impl<S: Situation> fmt::Debug for Tally<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(S::all().map(|situation| (situation, self.runs(situation))))
            .finish()
    }
}

#[cfg(feature = "serde")]
mod wire {
    use std::collections::BTreeMap;

    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{Reached, Situation, Tally};

    impl<S: Situation> Serialize for Reached<S> {
        fn serialize<W: Serializer>(&self, serializer: W) -> Result<W::Ok, W::Error> {
            self.words.serialize(serializer)
        }
    }

    impl<'de, S: Situation> Deserialize<'de> for Reached<S> {
        /// Bits of no situation (from another build) are dropped.
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Reached<S>, D::Error> {
            let words = Vec::<u64>::deserialize(deserializer)?;
            Ok(Reached::from_words(&words))
        }
    }

    impl<S: Situation> Serialize for Tally<S> {
        fn serialize<W: Serializer>(&self, serializer: W) -> Result<W::Ok, W::Error> {
            serializer
                .collect_map(S::all().map(|situation| (situation.name(), self.runs(situation))))
        }
    }

    impl<'de, S: Situation> Deserialize<'de> for Tally<S> {
        /// A name no situation has is an error: a tally of another build.
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Tally<S>, D::Error> {
            let named = BTreeMap::<String, u64>::deserialize(deserializer)?;
            let mut tally = Tally::new();
            for (name, runs) in named {
                let situation = S::from_name(&name)
                    .ok_or_else(|| D::Error::custom(format!("unknown situation {name:?}")))?;
                tally.add_runs(situation, runs);
            }
            Ok(tally)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A subject with more situations than a 128-bit set holds.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    struct Numbered(usize);

    impl Situation for Numbered {
        const COUNT: usize = 200;

        fn index(self) -> usize {
            self.0
        }

        fn all() -> impl Iterator<Item = Numbered> {
            (0..Self::COUNT).map(Numbered)
        }

        fn name(self) -> String {
            format!("situation-{}", self.0)
        }

        fn from_name(name: &str) -> Option<Numbered> {
            let number = name.strip_prefix("situation-")?.parse().ok()?;
            (number < Self::COUNT).then_some(Numbered(number))
        }
    }

    fn reaching(situations: &[usize]) -> Reached<Numbered> {
        let mut reached = Reached::none();
        for &number in situations {
            reached.insert(Numbered(number));
        }
        reached
    }

    #[test]
    fn a_set_holds_situations_past_any_fixed_width() {
        let reached = reaching(&[0, 63, 64, 127, 128, 199]);
        let listed: Vec<usize> = reached.iter().map(|situation| situation.0).collect();
        assert_eq!(listed, [0, 63, 64, 127, 128, 199]);
        assert!(!reached.contains(Numbered(130)));
        assert_eq!(reached.words().len(), 4);
    }

    #[test]
    fn a_set_read_from_words_drops_bits_of_no_situation() {
        let words = [1, 0, 0, u64::MAX, 7];
        let reached = Reached::<Numbered>::from_words(&words);
        let listed: Vec<usize> = reached.iter().map(|situation| situation.0).collect();
        // Word 3 holds situations 192..256, of which 192..200 exist; word 4
        // is past them all.
        assert_eq!(listed, [0, 192, 193, 194, 195, 196, 197, 198, 199]);
        assert_eq!(Reached::<Numbered>::from_words(reached.words()), reached);
    }

    #[test]
    fn missing_words_read_as_nothing_reached() {
        assert!(Reached::<Numbered>::from_words(&[]).is_empty());
    }

    #[test]
    fn a_tally_counts_each_situation_once_per_run_that_reached_it() {
        let mut tally = Tally::new();
        tally.add(&reaching(&[1, 150]));
        tally.add(&reaching(&[150]));
        assert_eq!(tally.runs(Numbered(1)), 1);
        assert_eq!(tally.runs(Numbered(150)), 2);
        assert_eq!(tally.runs(Numbered(2)), 0);
        assert_eq!(tally.reached_by_any(), reaching(&[1, 150]));
        assert_eq!(tally.unreached().len(), Numbered::COUNT - 2);
    }

    #[test]
    fn merged_tallies_add_their_runs() {
        let (mut mine, mut theirs) = (Tally::new(), Tally::new());
        mine.add(&reaching(&[3]));
        theirs.add(&reaching(&[3, 199]));
        mine.merge(&theirs);
        assert_eq!(mine.runs(Numbered(3)), 2);
        assert_eq!(mine.runs(Numbered(199)), 1);
    }

    #[test]
    #[should_panic(expected = "past the 200 situations declared")]
    fn a_situation_indexed_past_the_count_is_a_loud_error() {
        reaching(&[200]);
    }
}
