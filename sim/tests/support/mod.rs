//! Running the `sim` command as a user does, from the workspace root.

use std::process::{Command, Output};

/// Runs `sim` with `args`; its output once it exits.
pub(crate) fn sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("sim runs")
}

/// Checks that `sim args` fails with exit code 2 and a one-line error that
/// mentions `mentions`, and writes nothing on stdout.
pub(crate) fn assert_one_line_usage_error(args: &[&str], mentions: &str) {
    let output = sim(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains(mentions),
        "{args:?}: {stderr}"
    );
    assert!(output.stdout.is_empty(), "{args:?} printed a report");
}

/// Runs `sim` with `args`; checks its exit code is `code` and that it wrote
/// nothing on stderr (the schedulers' own output is the harness's to hide);
/// returns its stdout.
pub(crate) fn sim_quietly(args: &[&str], code: i32) -> String {
    let output = sim(args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(code),
        "{args:?}: {stdout}{stderr}"
    );
    assert!(stderr.is_empty(), "{args:?} wrote on stderr:\n{stderr}");
    stdout
}
