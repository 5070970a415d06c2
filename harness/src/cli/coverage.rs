//! `coverage [SCENARIO]...`: each scenario searched under the seeded
//! engines, every execution classified by the subject's classifier, and
//! the situations tallied: how many executions reached each, and which
//! none did. `fuzz` keeps the same tally over its campaigns. A subject's
//! binary gets both from `main_with_coverage`.

use std::fmt::Write as _;
use std::process::ExitCode;

use crate::Scenario;
use crate::check::{Check, Error, Summary, Swarm};
use crate::coverage::{Classifier, Situation, Tally};

/// A subject's coverage with its situation type erased, as the command
/// line and fuzz's children carry it: runs per situation, in table order.
#[derive(Clone, Copy)]
pub(super) struct Covering {
    /// Runs a body under a check, classifying every execution.
    search: fn(&Check, fn()) -> Counted,
    /// The table of runs per situation over so many executions; `Err` if
    /// the runs are not one per situation (a tally of another build).
    table: fn(&[u64], u64) -> Result<String, String>,
}

/// What a classified search counted.
pub(super) struct Counted {
    /// What the search found.
    pub(super) outcome: Result<Summary, Error>,
    /// The executions that passed.
    pub(super) executions: u64,
    /// Executions that reached each situation, in table order.
    pub(super) runs: Vec<u64>,
}

impl Covering {
    /// The coverage of classifier `C`.
    pub(super) fn of<C: Classifier>() -> Covering {
        Covering {
            search: search::<C>,
            table: table_of::<C::Situation>,
        }
    }

    /// Searches `body` under `check`, classifying every execution.
    pub(super) fn search(&self, check: &Check, body: fn()) -> Counted {
        (self.search)(check, body)
    }

    /// The table of `runs` (one per situation, in table order) over
    /// `executions`.
    pub(super) fn table(&self, runs: &[u64], executions: u64) -> Result<String, String> {
        (self.table)(runs, executions)
    }
}

fn search<C: Classifier>(check: &Check, body: fn()) -> Counted {
    let covered = check.coverage::<C>(body);
    Counted {
        outcome: covered.outcome,
        executions: covered.executions,
        runs: C::Situation::all()
            .map(|situation| covered.tally.runs(situation))
            .collect(),
    }
}

fn table_of<S: Situation>(runs: &[u64], executions: u64) -> Result<String, String> {
    if runs.len() != S::COUNT {
        return Err(format!(
            "{} counts for {} situations: a tally of another build",
            runs.len(),
            S::COUNT
        ));
    }
    let mut tally = Tally::new();
    for (situation, &count) in S::all().zip(runs) {
        tally.add_runs(situation, count);
    }
    Ok(table(&tally, executions))
}

/// Adds `more` runs per situation to `runs`, which starts empty.
pub(super) fn add_runs(runs: &mut Vec<u64>, more: &[u64]) {
    if runs.len() < more.len() {
        runs.resize(more.len(), 0);
    }
    for (mine, theirs) in runs.iter_mut().zip(more) {
        *mine += theirs;
    }
}

/// Runs `scenarios`, `schedules` per seeded engine from `seed`, and prints
/// the tally of the subject's situations: 0 if no run failed, 1 if one did
/// (the table still counts every execution that passed).
pub(super) fn coverage(
    covering: Covering,
    scenarios: &[&Scenario],
    schedules: usize,
    seed: u64,
) -> ExitCode {
    let check = Check::new()
        .engines(Swarm::ENGINES)
        .schedules(schedules)
        .seed(seed);
    let mut runs = Vec::new();
    let mut executions = 0;
    let mut failed = 0;
    for scenario in scenarios {
        let counted = covering.search(&check, scenario.body);
        add_runs(&mut runs, &counted.runs);
        executions += counted.executions;
        match counted.outcome {
            Ok(_) => outln!("{}: {} executions", scenario.name, counted.executions),
            Err(Error::Found(failure)) => {
                failed += 1;
                outln!(
                    "{}: {} failed (counted: the {} executions that passed before it)",
                    scenario.name,
                    failure.run,
                    counted.executions
                );
            }
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(2);
            }
        }
    }
    match covering.table(&runs, executions) {
        Ok(table) => out!("{table}"),
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        outln!("{failed} scenario(s) failed: `run` one to see why");
        ExitCode::from(1)
    }
}

/// Each situation with the executions that reached it, in table order,
/// then the ones none reached.
fn table<S: Situation>(tally: &Tally<S>, executions: u64) -> String {
    let mut text = String::from("| situation | executions |\n|---|---:|\n");
    for situation in S::all() {
        let _ = writeln!(text, "| {} | {} |", situation.name(), tally.runs(situation));
    }
    let never: Vec<String> = tally.unreached().into_iter().map(S::name).collect();
    let _ = writeln!(
        text,
        "{} of {} situations reached, over {executions} executions",
        S::COUNT - never.len(),
        S::COUNT
    );
    if !never.is_empty() {
        let _ = writeln!(text, "never reached: {}", never.join(", "));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::Reached;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Light {
        Red,
        Green,
    }

    impl Situation for Light {
        const COUNT: usize = 2;

        fn index(self) -> usize {
            self as usize
        }

        fn all() -> impl Iterator<Item = Light> {
            [Light::Red, Light::Green].into_iter()
        }

        fn name(self) -> String {
            format!("{self:?}").to_lowercase()
        }
    }

    #[test]
    fn a_situation_is_found_by_its_name_unless_the_subject_says_otherwise() {
        assert_eq!(Light::from_name("green"), Some(Light::Green));
        assert_eq!(Light::from_name("blue"), None);
    }

    #[test]
    fn runs_of_another_build_are_an_error_not_a_table() {
        assert!(table_of::<Light>(&[1, 2], 3).is_ok());
        let error = table_of::<Light>(&[1, 2, 3], 3).expect_err("three counts for two lights");
        assert!(error.contains("another build"), "{error}");
    }

    #[test]
    fn runs_add_up_situation_by_situation() {
        let mut runs = Vec::new();
        add_runs(&mut runs, &[1, 0]);
        add_runs(&mut runs, &[2, 5]);
        assert_eq!(runs, [3, 5]);
    }

    #[test]
    fn the_table_counts_each_situation_and_names_those_never_reached() {
        let mut tally = Tally::new();
        let mut red = Reached::none();
        red.insert(Light::Red);
        tally.add(&red);
        tally.add(&red);
        assert_eq!(
            table(&tally, 3),
            "| situation | executions |\n|---|---:|\n| red | 2 |\n| green | 0 |\n\
             1 of 2 situations reached, over 3 executions\nnever reached: green\n"
        );
    }
}
