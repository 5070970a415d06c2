//! Behaviour-preserving changes to the store's synchronisation (a
//! scheduling point at every lock and notify, every notification sent
//! twice, spurious wake-ups: see `sim::platform::Perturbation`) move every
//! interleaving. The corpus and the planted-bug searches must survive each
//! of them: a regression suite that a harmless refactor turns red protects
//! nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
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

/// Every file of the corpus directory, with its bytes.
fn corpus_files() -> BTreeMap<PathBuf, Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus");
    std::fs::read_dir(dir)
        .expect("the corpus directory")
        .map(|item| {
            let path = item.expect("a directory entry").path();
            let bytes = std::fs::read(&path).expect("a readable corpus file");
            (path, bytes)
        })
        .collect()
}

#[test]
fn the_whole_corpus_holds_under_every_perturbation_and_stays_as_it_was() {
    let before = corpus_files();
    // One `sim corpus check` per perturbation, all at once: a pinned entry
    // whose run moved is searched for again, which takes a while.
    let checks: Vec<_> = Perturbation::ALL
        .map(|perturbation| {
            std::thread::spawn(move || {
                (
                    perturbation,
                    sim_perturbed(perturbation.name(), &["corpus", "check"]),
                )
            })
        })
        .into_iter()
        .collect();
    for check in checks {
        let (perturbation, output) = check.join().expect("the check's thread ends");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}: {stdout}",
            perturbation.name()
        );
        assert!(stdout.contains("entries checked"), "{stdout}");
    }
    // A replay that moved under a perturbation must not be written back.
    assert!(
        corpus_files() == before,
        "checking the corpus changed a file of it"
    );
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
        // The command's own verdict, and why a driver's miss is no failure.
        // (The plain searches are `tests/planted_bugs.rs`: not run twice.)
        assert!(
            stdout.contains("Every planted bug was found breaking its oracle")
                && stdout.contains("is no failure"),
            "{perturbation}: {stdout}"
        );
    }
}

#[test]
fn every_perturbation_moves_interleavings() {
    // Without this, the tests above could pass by perturbing nothing. A
    // run whose readers wait, so that a spurious wake-up has a wait to end.
    let replay = ["replay", "read-close-in-flight:random:0x03", "--trace"];
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
