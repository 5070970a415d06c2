//! A failing interleaving as a picture: Chrome trace-event JSON, which
//! Perfetto (ui.perfetto.dev) and chrome://tracing open. One lane per
//! thread; spans for `read_at`, `close` and every wait; short spans for
//! transport and file calls; an instant event for the violation; the run id
//! in the metadata. Time is the event's position in the trace (one event,
//! [`TICK_MICROS`]), since a simulated run has no wall time worth showing.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use store::PlantedBug;

use crate::drivers::Execution;
use crate::platform::Event;

/// How far apart two consecutive events are drawn, in microseconds.
pub const TICK_MICROS: u64 = 10;
/// How long a transport or file call is drawn.
const CALL_MICROS: u64 = 4;

/// The trace-event JSON of `execution`, named `run` (a run id, or whatever
/// names it for the reader), run with `bug` planted.
pub fn chrome_trace(run: &str, bug: Option<PlantedBug>, execution: &Execution) -> Value {
    let events = &execution.trace;
    let lanes = lanes(events);
    let mut trace: Vec<Value> = lanes
        .iter()
        .map(|(thread, tid)| {
            json!({"name": "thread_name", "ph": "M", "pid": 1, "tid": tid, "args": {"name": thread}})
        })
        .collect();
    let mut open_spans: BTreeMap<(u64, String), u64> = BTreeMap::new();
    for (index, event) in events.iter().enumerate() {
        let tid = lanes[event.thread.as_str()];
        let at = index as u64 * TICK_MICROS;
        let what = event.what.as_str();
        if let Some(call) = span_begins(what) {
            open_spans.insert((tid, call), at);
        } else if let Some(call) = span_ends(what) {
            let began = open_spans.remove(&(tid, call.clone())).unwrap_or(at);
            trace.push(span(&call, tid, began, at - began + CALL_MICROS, what));
        } else if let Some(site) = what.strip_prefix("waits at ") {
            let next = next_event_of(events, index, &event.thread).unwrap_or(events.len());
            let ends = next as u64 * TICK_MICROS;
            trace.push(span(&format!("wait at {site}"), tid, at, ends - at, what));
        } else {
            trace.push(span(what, tid, at, CALL_MICROS, what));
        }
    }
    let end = events.len() as u64 * TICK_MICROS;
    for ((tid, call), began) in open_spans {
        trace.push(span(
            &format!("{call} (never returned)"),
            tid,
            began,
            end - began,
            "",
        ));
    }
    if let Some(violation) = &execution.violation {
        let violator = violation
            .message
            .split("] ")
            .nth(1)
            .and_then(|rest| rest.split(':').next())
            .unwrap_or_default();
        let tid = lanes.get(violator).copied().unwrap_or(0);
        // Where the violating thread last did something: where it broke.
        let at = events
            .iter()
            .rposition(|event| event.thread == violator)
            .map_or(end, |index| index as u64 * TICK_MICROS + CALL_MICROS);
        trace.push(json!({
            "name": format!("VIOLATION {}", violation.oracle),
            "ph": "i", "s": "t", "pid": 1, "tid": tid, "ts": at,
            "args": {"oracle": violation.oracle.name(), "message": violation.message},
        }));
    }
    json!({
        "traceEvents": trace,
        "displayTimeUnit": "ms",
        "otherData": {
            "run": run,
            "planted_bug": bug.map(PlantedBug::name),
            "oracle": execution.violation.as_ref().map(|violation| violation.oracle.name()),
            "events": events.len(),
        },
    })
}

/// Each thread's lane number, in order of first appearance.
fn lanes(events: &[Event]) -> BTreeMap<&str, u64> {
    let mut lanes = BTreeMap::new();
    for event in events {
        let next = lanes.len() as u64 + 1;
        lanes.entry(event.thread.as_str()).or_insert(next);
    }
    lanes
}

/// The call a `... begins` event opens: `read_at [a, b) on store A`, `close of store A`.
fn span_begins(what: &str) -> Option<String> {
    let call = what.strip_suffix(" begins")?;
    Some(
        call.split(" with deadline")
            .next()
            .unwrap_or(call)
            .to_owned(),
    )
}

/// The call a `... returns ...` event closes.
fn span_ends(what: &str) -> Option<String> {
    what.split_once(" returns").map(|(call, _)| call.to_owned())
}

fn next_event_of(events: &[Event], index: usize, thread: &str) -> Option<usize> {
    (index + 1..events.len()).find(|&later| events[later].thread == thread)
}

fn span(name: &str, tid: u64, ts: u64, dur: u64, event: &str) -> Value {
    json!({"name": name, "ph": "X", "pid": 1, "tid": tid, "ts": ts, "dur": dur, "args": {"event": event}})
}
