//! Pins the format of the failure trace (`sim replay RUN --trace`) for a few
//! corpus entries. Source line numbers are redacted, so an unrelated edit to
//! the store does not break the snapshots; a change in what a trace says does.

use std::path::Path;

use sim::corpus::load;
use sim::drivers::replay_once;
use sim::platform::format_trace;

fn replayed_trace(entry_file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus")
        .join(entry_file);
    let entry = load(&path).unwrap_or_else(|error| panic!("{error}"));
    let run = entry.run_id().expect("valid run id");
    let execution = replay_once(run, entry.planted().expect("known bug"));
    let violation = execution.violation.expect("the entry still fails");
    format!(
        "{}\n{}: {}\n",
        format_trace(&execution.trace),
        violation.oracle,
        violation.message
    )
}

macro_rules! assert_trace_snapshot {
    ($name:literal, $entry:literal) => {
        insta::with_settings!({ filters => vec![(r"\.rs:\d+:\d+", ".rs:LINE")] }, {
            insta::assert_snapshot!($name, replayed_trace($entry));
        });
    };
}

#[test]
fn trace_of_a_close_that_skips_draining_readers() {
    assert_trace_snapshot!(
        "close_skips_drain",
        "early-close--random--0x910a2dec89025cc1--close-skips-drain.toml"
    );
}

#[test]
fn trace_of_a_wait_loop_that_ignores_closing_under_loom() {
    assert_trace_snapshot!(
        "wait_loop_ignores_closing_loom",
        "read-close-in-flight--loom2--1--wait-loop-ignores-closing.toml"
    );
}

#[test]
fn trace_of_state_shared_between_stores_under_pct() {
    assert_trace_snapshot!(
        "state_shared_between_stores_pct",
        "multi-file-parallelism--pct3--0xe220a8397b1dcdaf--state-shared-between-stores.toml"
    );
}
