//! The Chrome trace export, parsed back: one lane per thread, spans for
//! calls and waits, the violation as an instant event, the run id in the
//! metadata.

use std::collections::BTreeSet;
use std::process::Command;

use scenarios::PlantedBug;
use serde_json::Value;
use sim::chrome_trace::chrome_trace;
use sim::platform::What;
use sim::self_test::find;

fn events(trace: &Value) -> &Vec<Value> {
    trace["traceEvents"]
        .as_array()
        .expect("traceEvents is an array")
}

/// The run id, the picture, the lanes' threads, and whether any thread
/// waited: which the interleaving the search found decides.
fn picture_of_a_close_that_skips_draining() -> (String, Value, BTreeSet<String>, bool) {
    let search = find(PlantedBug::CloseSkipsDrain).expect("an oracle finds it");
    let failure = search.found().expect("found").clone();
    let run = failure.run.expect("a run id").to_string();
    let threads = failure
        .execution
        .trace
        .iter()
        .map(|event| event.thread.to_string())
        .collect();
    let waited = failure.execution.trace.iter().any(|event| {
        matches!(
            event.what,
            What::Waits { .. } | What::TimedWaitBegins { .. }
        )
    });
    let text = chrome_trace(&run, failure.planted_bug, &failure.execution).to_string();
    let parsed: Value = serde_json::from_str(&text).expect("valid JSON");
    (run, parsed, threads, waited)
}

#[test]
fn every_thread_gets_a_named_lane() {
    let (_, trace, threads, _) = picture_of_a_close_that_skips_draining();
    let lanes: BTreeSet<String> = events(&trace)
        .iter()
        .filter(|event| event["ph"] == "M" && event["name"] == "thread_name")
        .map(|event| event["args"]["name"].as_str().expect("a name").to_owned())
        .collect();
    assert_eq!(lanes, threads);
}

#[test]
fn the_violation_is_an_instant_event_on_the_violating_thread_and_the_run_is_named() {
    let (run, trace, _, _) = picture_of_a_close_that_skips_draining();
    let violation = events(&trace)
        .iter()
        .find(|event| event["ph"] == "i")
        .expect("an instant event");
    assert_eq!(violation["name"], "VIOLATION no-access-after-close");
    assert_eq!(
        violation["s"], "t",
        "the marker belongs to its thread's lane"
    );
    assert_ne!(violation["tid"], 0);
    let reads_on_that_lane = events(&trace).iter().any(|event| {
        event["tid"] == violation["tid"]
            && event["name"]
                .as_str()
                .is_some_and(|name| name.contains("read_exact_at"))
            && event["ts"].as_u64() < violation["ts"].as_u64()
    });
    assert!(
        reads_on_that_lane,
        "the violation should follow the reader's read"
    );
    assert_eq!(trace["otherData"]["run"], run.as_str());
    assert_eq!(trace["otherData"]["planted_bug"], "close-skips-drain");
}

#[test]
fn reads_and_waits_are_spans_with_a_duration() {
    let (_, trace, _, waited) = picture_of_a_close_that_skips_draining();
    let spans: Vec<&Value> = events(&trace)
        .iter()
        .filter(|event| event["ph"] == "X")
        .collect();
    let named = |prefix: &str| {
        spans.iter().any(|span| {
            span["name"]
                .as_str()
                .is_some_and(|name| name.starts_with(prefix))
        })
    };
    let waits = named("wait at ") || named("timed wait at ");
    assert_eq!(waits, waited, "a span for each wait");
    assert!(named("read_at [") && named("close of store A"));
    assert!(
        spans
            .iter()
            .all(|span| span["dur"].as_u64().is_some_and(|dur| dur > 0))
    );
}

#[test]
fn sim_replay_writes_the_trace_to_a_file() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("run.json");
    let output = Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(["replay", "early-close:random:0x01", "--chrome-trace"])
        .arg(&file)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("sim runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let parsed: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("written")).expect("JSON");
    assert_eq!(
        parsed["otherData"]["run"],
        "early-close:random:0x0000000000000001"
    );
}
