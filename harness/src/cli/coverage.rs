//! `coverage [SCENARIO]...`: each scenario searched under the seeded
//! engines, every execution classified by the subject's classifier, and
//! the situations tallied: how many executions reached each, and which
//! none did. A subject's binary gets it from `main_with_coverage`.

use std::fmt::Write as _;
use std::process::ExitCode;

use crate::Scenario;
use crate::check::{Check, Error, Swarm};
use crate::coverage::{Classifier, Situation, Tally};

/// The coverage command of one subject: `coverage::<C>` for classifier `C`.
pub(super) type Command = fn(&[&Scenario], usize, u64) -> ExitCode;

/// Runs `scenarios`, `schedules` per seeded engine from `seed`, and prints
/// the tally of `C`'s situations: 0 if no run failed, 1 if one did (the
/// table still counts every execution that passed).
pub(super) fn coverage<C: Classifier>(
    scenarios: &[&Scenario],
    schedules: usize,
    seed: u64,
) -> ExitCode {
    let check = Check::new()
        .engines(Swarm::ENGINES)
        .schedules(schedules)
        .seed(seed);
    let mut tally = Tally::<C::Situation>::new();
    let mut executions = 0;
    let mut failed = 0;
    for scenario in scenarios {
        let covered = check.coverage::<C>(scenario.body);
        tally.merge(&covered.tally);
        executions += covered.executions;
        match covered.outcome {
            Ok(_) => println!("{}: {} executions", scenario.name, covered.executions),
            Err(Error::Found(failure)) => {
                failed += 1;
                println!(
                    "{}: {} failed (counted: the {} executions that passed before it)",
                    scenario.name, failure.run, covered.executions
                );
            }
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(2);
            }
        }
    }
    print!("{}", table(&tally, executions));
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        println!("{failed} scenario(s) failed: `run` one to see why");
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

        fn from_name(name: &str) -> Option<Light> {
            Light::all().find(|light| light.name() == name)
        }
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
