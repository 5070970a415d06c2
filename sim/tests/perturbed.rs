//! Behaviour-preserving changes to the store's synchronisation (a
//! scheduling point at every lock and notify, every notification sent
//! twice, spurious wake-ups: see `sim::platform::Perturbation`) move every
//! interleaving. The corpus and the planted-bug searches must survive each
//! of them: a regression suite that a harmless refactor turns red protects
//! nothing.

use std::process::{Command, Output};

use sim::platform::{PERTURB_ENV, Perturbation};

fn sim_perturbed(perturbation: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(args)
        .env(PERTURB_ENV, perturbation)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("sim runs")
}

#[test]
fn the_whole_corpus_holds_under_every_perturbation() {
    for perturbation in Perturbation::ALL {
        let output = sim_perturbed(perturbation.name(), &["corpus", "check"]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}: {stdout}",
            perturbation.name()
        );
        assert!(stdout.contains("entries checked"), "{stdout}");
    }
}

#[test]
fn every_planted_bug_is_still_found_under_every_perturbation() {
    for perturbation in Perturbation::ALL
        .map(Perturbation::name)
        .into_iter()
        .chain(["all"])
    {
        let output = sim_perturbed(perturbation, &["self-test"]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{perturbation}: {stdout}");
        assert!(!stdout.contains("MISSED"), "{perturbation}: {stdout}");
    }
}

#[test]
fn every_perturbation_moves_interleavings() {
    // Without this, the tests above could pass by perturbing nothing. A
    // run whose readers wait, so that a spurious wake-up has a wait to end.
    let replay = ["replay", "read-close-in-flight:random:0x01", "--trace"];
    let plain = sim_perturbed("", &replay);
    for perturbation in Perturbation::ALL {
        let perturbed = sim_perturbed(perturbation.name(), &replay);
        assert_ne!(plain.stdout, perturbed.stdout, "{}", perturbation.name());
    }
}

#[test]
fn an_unknown_perturbation_is_bad_usage() {
    let output = sim_perturbed("gremlins", &["list"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("gremlins"), "{stderr}");
}
