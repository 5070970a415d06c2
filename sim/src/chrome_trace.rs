//! A failing interleaving as a picture: Chrome trace-event JSON, which
//! Perfetto (ui.perfetto.dev) and chrome://tracing open. One lane per
//! thread; spans for `read_at`, `close` and every wait; short spans for
//! transport and file calls; an instant event for the violation; the run id
//! in the metadata. Time is the event's position in the trace (one event,
//! [`TICK_MICROS`]), since a simulated run has no wall time worth showing.

use std::collections::BTreeMap;

use scenarios::PlantedBug;
use serde_json::{Value, json};

use crate::engine::Execution;
use crate::platform::{Event, What};

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
        let tid = lanes[&*event.thread];
        let at = index as u64 * TICK_MICROS;
        let text = event.what.to_string();
        match (span_of(&event.what), wait_site(&event.what)) {
            (Some(Span::Begins(call)), _) => {
                open_spans.insert((tid, call), at);
            }
            (Some(Span::Ends(call)), _) => {
                let began = open_spans.remove(&(tid, call.clone())).unwrap_or(at);
                trace.push(span(&call, tid, began, at - began + CALL_MICROS, &text));
            }
            (None, Some(wait)) => {
                let next = next_event_of(events, index, &event.thread).unwrap_or(events.len());
                let ends = next as u64 * TICK_MICROS;
                trace.push(span(&wait, tid, at, ends - at, &text));
            }
            (None, None) => trace.push(span(&text, tid, at, CALL_MICROS, &text)),
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
        let violator = violation.thread.as_str();
        let tid = lanes.get(violator).copied().unwrap_or(0);
        // Where the violating thread last did something: where it broke.
        let at = events
            .iter()
            .rposition(|event| &*event.thread == violator)
            .map_or(end, |index| index as u64 * TICK_MICROS + CALL_MICROS);
        trace.push(json!({
            "name": format!("VIOLATION {}", violation.breach),
            "ph": "i", "s": "t", "pid": 1, "tid": tid, "ts": at,
            "args": {"oracle": violation.breach.name(), "message": violation.to_string()},
        }));
    }
    json!({
        "traceEvents": trace,
        "displayTimeUnit": "ms",
        "otherData": {
            "run": run,
            "planted_bug": bug.map(PlantedBug::name),
            "oracle": execution.violation.as_ref().map(|violation| violation.breach.name()),
            "events": events.len(),
        },
    })
}

/// Each thread's lane number, in order of first appearance.
fn lanes(events: &[Event]) -> BTreeMap<&str, u64> {
    let mut lanes = BTreeMap::new();
    for event in events {
        let next = lanes.len() as u64 + 1;
        lanes.entry(&*event.thread).or_insert(next);
    }
    lanes
}

/// A call's span: its name, opened or closed by an event.
enum Span {
    Begins(String),
    Ends(String),
}

/// The span a call event opens or closes, named by its call: `read_at
/// [a, b) on store A`, `close of store A`.
fn span_of(what: &What) -> Option<Span> {
    Some(match what {
        What::CallBegins(call) => Span::Begins(call.to_string()),
        What::CallReturns { call, .. } => Span::Ends(call.to_string()),
        _ => return None,
    })
}

/// A wait's span name, for an event that begins a wait: it lasts until
/// the thread does something again.
fn wait_site(what: &What) -> Option<String> {
    match what {
        What::Waits { at } => Some(format!("wait at {at}")),
        What::TimedWaitBegins { at } => Some(format!("timed wait at {at}")),
        _ => None,
    }
}

fn next_event_of(events: &[Event], index: usize, thread: &str) -> Option<usize> {
    (index + 1..events.len()).find(|&later| &*events[later].thread == thread)
}

fn span(name: &str, tid: u64, ts: u64, dur: u64, event: &str) -> Value {
    json!({"name": name, "ph": "X", "pid": 1, "tid": tid, "ts": ts, "dur": dur, "args": {"event": event}})
}
