//! A scenario: a named body a command line can run and replay.

/// One thing to check: a body, named and described, as a registry row.
///
/// ```ignore
/// const SCENARIOS: &[Scenario] = &[
///     Scenario::new("close-wakes-consumers", "close wakes every waiting consumer", close_wakes_consumers),
/// ];
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    /// Its name on the command line: lower case, words joined by `-`.
    pub name: &'static str,
    /// One line on what it checks.
    pub description: &'static str,
    /// The body: makes the component, runs its threads, asserts what must hold.
    pub body: fn(),
}

impl Scenario {
    /// A scenario of `body`.
    pub const fn new(name: &'static str, description: &'static str, body: fn()) -> Scenario {
        Scenario {
            name,
            description,
            body,
        }
    }

    /// Checks that a registry names each scenario once, with a name a
    /// command line can take: a registry that breaks it fails a test.
    pub fn check_registry(scenarios: &[Scenario]) -> Result<(), String> {
        for (index, scenario) in scenarios.iter().enumerate() {
            let well_formed = !scenario.name.is_empty()
                && scenario
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !well_formed {
                return Err(format!(
                    "{:?} is no scenario name: use a-z, 0-9 and -",
                    scenario.name
                ));
            }
            if scenarios[..index]
                .iter()
                .any(|earlier| earlier.name == scenario.name)
            {
                return Err(format!("{:?} is registered twice", scenario.name));
            }
        }
        Ok(())
    }
}
