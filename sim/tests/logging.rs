//! The store's logging under simulation: whatever subscriber listens, it
//! adds no scheduling point and changes nothing a run does. (A test binary
//! of its own: it installs the process's global subscriber, which loom's
//! threads see too.)

use std::io;
use std::sync::{Arc, Mutex, PoisonError};

use sim::engine::{RunId, run_in_place};

/// A log sink the test reads back.
#[derive(Clone, Default)]
struct Kept(Arc<Mutex<Vec<u8>>>);

impl io::Write for Kept {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        kept.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn logging_every_event_leaves_every_run_as_it_was() {
    let runs: Vec<RunId> = [
        "transport-reset-resume:random:7",
        "close-during-backoff:pct3:3",
        "handles-race-close:urw:5",
        "early-close:loom2:40",
    ]
    .iter()
    .map(|run| run.parse().expect("a run id"))
    .collect();
    let quiet: Vec<_> = runs
        .iter()
        .map(|run| run_in_place(*run, None).expect("the run exists").trace)
        .collect();
    let kept = Kept::default();
    let sink = kept.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    for (run, quiet) in runs.iter().zip(quiet) {
        let logged = run_in_place(*run, None).expect("the run exists").trace;
        assert!(logged == quiet, "logging changed {run}");
    }
    let log = String::from_utf8_lossy(&kept.0.lock().unwrap_or_else(PoisonError::into_inner))
        .into_owned();
    for event in [
        "store opens",
        "stream starts",
        "stream resumes",
        "retrying after a backoff",
        "download ends",
        "close begins",
        "close ends",
        "temp file released",
        "handle opens",
        "handle released",
    ] {
        assert!(log.contains(event), "nothing logged {event:?}:\n{log}");
    }
}
