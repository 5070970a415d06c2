//! A behaviour-preserving change to the store's synchronisation (an extra
//! scheduling point at every lock and every notify, as a refactor towards
//! targeted wakeups would add) moves every interleaving. The corpus and the
//! self-test must survive it: a regression suite that a harmless refactor
//! turns red protects nothing.

use std::process::{Command, Output};

use sim::platform::EXTRA_SCHEDULING_POINTS;

fn perturbed_sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(args)
        .env(EXTRA_SCHEDULING_POINTS, "1")
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("sim runs")
}

#[test]
fn the_whole_corpus_holds_with_an_extra_scheduling_point_at_every_lock_and_notify() {
    let output = perturbed_sim(&["corpus", "check"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("entries checked"), "{stdout}");
}

#[test]
fn every_planted_bug_is_still_found_with_an_extra_scheduling_point_at_every_lock_and_notify() {
    let output = perturbed_sim(&["self-test"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(!stdout.contains("MISSED"), "{stdout}");
}

#[test]
fn the_perturbation_moves_interleavings() {
    // Without this, the two tests above could pass by perturbing nothing.
    let replay = [
        "replay",
        "early-close:random:0x910a2dec89025cc1",
        "--plant",
        "close-skips-drain",
        "--trace",
    ];
    let plain = Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(replay)
        .env_remove(EXTRA_SCHEDULING_POINTS)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("sim runs");
    assert_ne!(plain.stdout, perturbed_sim(&replay).stdout);
}
