use std::collections::VecDeque;
use std::io::{self, Read};
use std::sync::Arc;

use store::{Instant, RetryPolicy, Runtime, Transport, TransportError};

use super::{Host, Step, TransportFault};
use crate::{FailuresInARow, Oracle, StreamFault, TransportFaults, Violation};

/// The remote object, served per a fault plan: short reads, resets,
/// zero-byte and interrupted reads, overlong reads, stalls (no byte until
/// cancelled) and a permanent failure, in the plan's order. Blocking goes
/// through the runtime `R`, so schedulers see the stall.
///
/// It sees every attempt of the store's downloader, so it checks the retry
/// policy's documented semantics (oracle `retry-policy-honoured`): no stream
/// after a permanent error or after one transient failure more than the
/// budget allows in a row without progress, and none before the policy's
/// backoff has passed on the clock.
pub struct ScriptedTransport<R: Runtime> {
    object: Arc<[u8]>,
    script: Arc<Script<R>>,
}

struct Script<R: Runtime> {
    runtime: R,
    /// The store served, for the host and for violations.
    store: &'static str,
    /// The policy the store retries with.
    retry: RetryPolicy,
    host: Arc<dyn Host>,
    state: R::Mutex<ScriptState>,
    /// Notified when the transport is cancelled or serves a transient failure.
    changed: R::Condvar,
    permanent_error_at_stream: Option<usize>,
}

struct ScriptState {
    stream_reads: VecDeque<StreamFault>,
    streams_opened: usize,
    cancelled: bool,
    /// Transient failures served so far.
    failures_served: usize,
    attempts: Attempts,
}

/// The downloader's attempts so far, as the retry policy counts them.
#[derive(Debug, Default)]
struct Attempts {
    /// Transient failures in a row without a byte delivered in between.
    failures_in_a_row: FailuresInARow,
    /// Bytes delivered by the current stream.
    delivered_by_stream: u64,
    /// Bytes delivered by every stream so far: where the next one must start.
    delivered: u64,
    /// When the last transient failure happened.
    last_failure_at: Option<Instant>,
    /// Why no stream may be opened any more, once that is so.
    given_up: Option<String>,
}

impl Attempts {
    fn stream_delivered(&mut self, bytes: usize) {
        self.delivered_by_stream += bytes as u64;
        self.delivered += bytes as u64;
    }

    fn transient_failure(&mut self, now: Instant, policy: &RetryPolicy) {
        let budget = policy.max_consecutive_failures;
        let progressed = self.delivered_by_stream > 0;
        self.last_failure_at = Some(now);
        if !self.failures_in_a_row.count(progressed, budget) {
            self.given_up = Some(format!(
                "{} transient failures in a row, past the budget of {budget}",
                self.failures_in_a_row.get()
            ));
        }
    }

    /// Why a new stream from `offset` of an object of `len` bytes may not
    /// be opened at `now`, if so: the kind of breach, and what happened.
    fn refuse_stream(
        &self,
        offset: u64,
        len: u64,
        now: Instant,
        policy: &RetryPolicy,
    ) -> Option<(&'static str, String)> {
        if let Some(given_up) = &self.given_up {
            let what = format!("opens a stream after {given_up}");
            return Some(("stream after giving up", what));
        }
        if offset != self.delivered || offset >= len {
            let what = format!(
                "opens a stream from byte {offset}, but {} of {len} bytes were delivered: \
                 a stream must resume at the first missing byte",
                self.delivered
            );
            return Some(("stream not at the first missing byte", what));
        }
        let failures = self.failures_in_a_row.get();
        let last_failure = self.last_failure_at.filter(|_| failures > 0)?;
        let backoff = policy.backoff(failures);
        let earliest = last_failure + backoff;
        (now < earliest).then(|| {
            let what = format!(
                "retries at {:?}, but after {} failure(s) in a row the policy's backoff of {backoff:?} \
                 runs until {:?}",
                now.since_origin(),
                failures,
                earliest.since_origin()
            );
            ("retry before the backoff", what)
        })
    }
}

impl<R: Runtime> ScriptedTransport<R> {
    /// Serves `object` to store `store` per `faults`, checking that the
    /// store retries per `retry`; tells `host` what it does.
    pub fn new(
        runtime: &R,
        store: &'static str,
        object: Arc<[u8]>,
        faults: &TransportFaults,
        retry: &RetryPolicy,
        host: Arc<dyn Host>,
    ) -> ScriptedTransport<R> {
        let state = ScriptState {
            stream_reads: faults.stream_reads.iter().copied().collect(),
            streams_opened: 0,
            cancelled: false,
            failures_served: 0,
            attempts: Attempts::default(),
        };
        ScriptedTransport {
            object,
            script: Arc::new(Script {
                runtime: runtime.clone(),
                store,
                retry: retry.clone(),
                host,
                state: runtime.mutex(state),
                changed: runtime.condvar(),
                permanent_error_at_stream: faults.permanent_error_at_stream,
            }),
        }
    }
}

impl<R: Runtime> Script<R> {
    #[track_caller]
    fn saw(&self, step: Step) {
        self.host.saw(Some(self.store), step);
    }

    fn violation(&self, oracle: Oracle, kind: &'static str, what: &str) -> Violation {
        let what = format!("store {}: {what}", self.store);
        Violation::new(oracle, self.host.thread_name(), kind, what)
    }
}

impl<R: Runtime> ScriptedTransport<R> {
    /// A handle that waits for this transport's first transient failure.
    pub fn failure_watch(&self) -> FailureWatch<R> {
        FailureWatch {
            script: Arc::clone(&self.script),
        }
    }
}

/// Waits, through the runtime (so schedulers see the wait), until a
/// transport has served a transient failure: a scenario's barrier on what
/// the platform saw.
pub struct FailureWatch<R: Runtime> {
    script: Arc<Script<R>>,
}

impl<R: Runtime> Clone for FailureWatch<R> {
    fn clone(&self) -> Self {
        FailureWatch {
            script: Arc::clone(&self.script),
        }
    }
}

impl<R: Runtime> FailureWatch<R> {
    /// Blocks until the transport has served a transient failure.
    pub fn wait_for_failure(&self) {
        let script = &*self.script;
        let mut state = script.runtime.lock(&script.state);
        while state.failures_served == 0 {
            state = script.runtime.wait(&script.changed, state);
        }
    }
}

impl<R: Runtime> Transport for ScriptedTransport<R> {
    type Stream = ScriptedStream<R>;

    fn object_len(&self) -> Result<u64, TransportError> {
        Ok(self.object.len() as u64)
    }

    fn stream_from(&self, offset: u64) -> Result<ScriptedStream<R>, TransportError> {
        let script = &*self.script;
        script.saw(Step::StreamAsked);
        let mut state = script.runtime.lock(&script.state);
        let now = script.host.now();
        let len = self.object.len() as u64;
        if let Some(refusal) = state
            .attempts
            .refuse_stream(offset, len, now, &script.retry)
        {
            drop(state);
            let (kind, what) = refusal;
            script
                .violation(Oracle::RetryPolicyHonoured, kind, &what)
                .raise();
        }
        let stream = state.streams_opened;
        state.streams_opened += 1;
        state.attempts.delivered_by_stream = 0;
        if script.permanent_error_at_stream == Some(stream) {
            state.attempts.given_up = Some(format!("the permanent error of stream #{stream}"));
            drop(state);
            script.saw(Step::StreamRefused { stream });
            let message = format!("stream #{stream} refused for good (planned)");
            return Err(TransportError::permanent(io::ErrorKind::NotFound, message));
        }
        drop(state);
        script.saw(Step::StreamOpened {
            stream,
            from: offset,
        });
        Ok(ScriptedStream {
            object: Arc::clone(&self.object),
            script: Arc::clone(&self.script),
            position: offset as usize,
        })
    }

    fn cancel(&self) {
        self.script.saw(Step::Cancelled);
        let mut state = self.script.runtime.lock(&self.script.state);
        state.cancelled = true;
        self.script.runtime.notify_all(&self.script.changed);
    }
}

/// A stream of a [`ScriptedTransport`].
pub struct ScriptedStream<R: Runtime> {
    object: Arc<[u8]>,
    script: Arc<Script<R>>,
    position: usize,
}

impl<R: Runtime> Read for ScriptedStream<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let script = &*self.script;
        let runtime = &script.runtime;
        let mut state = runtime.lock(&script.state);
        let cancelled = || io::Error::new(io::ErrorKind::ConnectionAborted, "cancelled");
        if state.cancelled {
            return Err(cancelled());
        }
        let remaining = self.object.len().saturating_sub(self.position);
        let misuse = if buf.len() > remaining {
            Some((Oracle::DataIntegrity, "read past the object's end"))
        } else if buf.is_empty() {
            // `Ok(0)` is all a stream can answer, which reads as a dropped
            // connection: a failure the transport never had.
            Some((Oracle::RetryPolicyHonoured, "read into an empty buffer"))
        } else {
            None
        };
        if let Some((oracle, kind)) = misuse {
            drop(state);
            let what = format!(
                "asks for {} bytes at byte {} of {}",
                buf.len(),
                self.position,
                self.object.len()
            );
            script.violation(oracle, kind, &what).raise();
        }
        let now = script.host.now();
        let transient = |state: &mut ScriptState, fault: TransportFault| {
            state.attempts.transient_failure(now, &script.retry);
            let failures = state.attempts.failures_in_a_row.get();
            script.saw(Step::BackoffOwed(script.retry.backoff(failures)));
            state.failures_served += 1;
            runtime.notify_all(&script.changed);
            script.saw(Step::Fault(fault));
        };
        let (limit, overlong) = match state.stream_reads.pop_front() {
            None => (buf.len(), false),
            Some(StreamFault::Short(bytes)) => (bytes.clamp(1, buf.len().max(1)), false),
            Some(StreamFault::Overlong) => (buf.len(), true),
            Some(StreamFault::Reset) => {
                transient(&mut state, TransportFault::Reset);
                let reset = io::ErrorKind::ConnectionReset;
                return Err(io::Error::new(reset, "reset (planned)"));
            }
            Some(StreamFault::ZeroBytes) => {
                transient(&mut state, TransportFault::ZeroBytes);
                return Ok(0);
            }
            Some(StreamFault::Interrupted) => {
                script.saw(Step::Fault(TransportFault::Interrupted));
                return Err(io::Error::from(io::ErrorKind::Interrupted));
            }
            Some(StreamFault::Stall) => {
                script.saw(Step::Fault(TransportFault::Stalls));
                while !state.cancelled {
                    state = runtime.wait(&script.changed, state);
                }
                return Err(cancelled());
            }
        };
        let available = &self.object[self.position.min(self.object.len())..];
        let count = limit.min(available.len()).min(buf.len());
        buf[..count].copy_from_slice(&available[..count]);
        state.attempts.stream_delivered(count);
        if overlong {
            state.attempts.given_up = Some("a read that reported more bytes than asked".to_owned());
        }
        drop(state);
        let reported = count + usize::from(overlong);
        script.saw(Step::Delivers {
            from: self.position as u64,
            to: (self.position + count) as u64,
            reported: overlong.then_some(reported),
        });
        self.position += count;
        Ok(reported)
    }
}

#[cfg(test)]
mod tests {
    use std::panic::{self, AssertUnwindSafe};
    use std::time::Duration;

    use harness::check::{Check, Error};
    use store::StdRuntime;
    use store::runtime::harness::HarnessRuntime;

    use super::*;
    use crate::doubles::TestHost;

    fn retry(max_consecutive_failures: u32) -> RetryPolicy {
        RetryPolicy {
            max_consecutive_failures,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(40),
        }
    }

    /// A transport whose retries need no backoff.
    fn transport(faults: TransportFaults) -> ScriptedTransport<StdRuntime> {
        let mut retry = retry(3);
        retry.initial_backoff = Duration::ZERO;
        transport_with(faults, &retry, &Arc::default())
    }

    fn transport_with(
        faults: TransportFaults,
        retry: &RetryPolicy,
        host: &Arc<TestHost>,
    ) -> ScriptedTransport<StdRuntime> {
        let object = b"0123456789".to_vec().into();
        ScriptedTransport::new(&StdRuntime, "A", object, &faults, retry, host.clone())
    }

    fn violation_of(body: impl FnOnce()) -> Option<Oracle> {
        let outcome = panic::catch_unwind(AssertUnwindSafe(body));
        outcome
            .err()
            .and_then(|payload| Violation::of_panic(payload.as_ref()).map(|v| v.oracle))
    }

    fn resets(count: usize) -> TransportFaults {
        TransportFaults {
            stream_reads: vec![StreamFault::Reset; count],
            permanent_error_at_stream: None,
        }
    }

    #[test]
    fn a_retry_before_the_backoff_has_passed_breaks_the_retry_policy() {
        let transport = transport_with(resets(1), &retry(3), &Arc::default());
        let mut stream = transport.stream_from(0).expect("stream");
        assert!(stream.read(&mut [0; 4]).is_err());
        let early = violation_of(|| drop(transport.stream_from(0)));
        assert_eq!(early, Some(Oracle::RetryPolicyHonoured));
    }

    #[test]
    fn a_retry_after_the_backoff_is_fine() {
        let host = Arc::default();
        let transport = transport_with(resets(1), &retry(3), &host);
        let mut stream = transport.stream_from(0).expect("stream");
        assert!(stream.read(&mut [0; 4]).is_err());
        host.set_now(Duration::from_millis(10));
        assert!(transport.stream_from(0).is_ok());
    }

    #[test]
    fn a_stream_that_does_not_resume_at_the_first_missing_byte_breaks_the_retry_policy() {
        let transport = transport(TransportFaults {
            stream_reads: vec![StreamFault::Short(3), StreamFault::Reset],
            permanent_error_at_stream: None,
        });
        let mut stream = transport.stream_from(0).expect("stream");
        assert_eq!(stream.read(&mut [0; 8]).expect("short read"), 3);
        assert!(stream.read(&mut [0; 7]).is_err());
        let restarted = violation_of(|| drop(transport.stream_from(0)));
        assert_eq!(restarted, Some(Oracle::RetryPolicyHonoured));
    }

    #[test]
    fn asking_for_bytes_past_the_object_end_breaks_data_integrity() {
        let transport = transport(TransportFaults::default());
        let mut stream = transport.stream_from(0).expect("stream");
        let past_the_end = violation_of(|| drop(stream.read(&mut [0; 11])));
        assert_eq!(past_the_end, Some(Oracle::DataIntegrity));
    }

    #[test]
    fn asking_for_zero_bytes_breaks_the_retry_policy() {
        let transport = transport(TransportFaults::default());
        let mut stream = transport.stream_from(0).expect("stream");
        let empty = violation_of(|| drop(stream.read(&mut [])));
        assert_eq!(empty, Some(Oracle::RetryPolicyHonoured));
    }

    #[test]
    fn a_stream_past_the_last_byte_breaks_the_retry_policy() {
        let transport = transport(TransportFaults::default());
        let mut stream = transport.stream_from(0).expect("stream");
        assert_eq!(stream.read(&mut [0; 10]).expect("whole object"), 10);
        let extra = violation_of(|| drop(transport.stream_from(10)));
        assert_eq!(extra, Some(Oracle::RetryPolicyHonoured));
    }

    #[test]
    fn a_retry_past_the_budget_breaks_the_retry_policy() {
        let host = Arc::default();
        let transport = transport_with(resets(2), &retry(1), &host);
        for seconds in 1..=2 {
            let mut stream = transport.stream_from(0).expect("stream");
            assert!(stream.read(&mut [0; 4]).is_err());
            host.set_now(Duration::from_secs(seconds));
        }
        let retried = violation_of(|| drop(transport.stream_from(0)));
        assert_eq!(retried, Some(Oracle::RetryPolicyHonoured));
    }

    #[test]
    fn zero_byte_interrupted_and_overlong_reads_are_served_as_planned() {
        let transport = transport(TransportFaults {
            stream_reads: vec![
                StreamFault::Interrupted,
                StreamFault::ZeroBytes,
                StreamFault::Overlong,
            ],
            permanent_error_at_stream: None,
        });
        let mut stream = transport.stream_from(0).expect("stream");
        let mut buf = [0; 4];
        let interrupted = stream.read(&mut buf).expect_err("interrupted");
        assert_eq!(interrupted.kind(), io::ErrorKind::Interrupted);
        assert_eq!(stream.read(&mut buf).expect("zero bytes"), 0);
        assert_eq!(stream.read(&mut buf).expect("overlong"), 5);
        assert_eq!(&buf, b"0123");
    }

    #[test]
    fn faults_apply_in_order_across_streams_then_reads_are_served_in_full() {
        let transport = transport(TransportFaults {
            stream_reads: vec![StreamFault::Short(3), StreamFault::Reset],
            permanent_error_at_stream: None,
        });
        let mut stream = transport.stream_from(0).expect("stream");
        let mut buf = [0; 10];
        assert_eq!(stream.read(&mut buf).expect("short read"), 3);
        assert_eq!(
            stream.read(&mut buf[..7]).expect_err("reset").kind(),
            io::ErrorKind::ConnectionReset
        );
        let mut resumed = transport.stream_from(3).expect("resumed stream");
        assert_eq!(resumed.read(&mut buf[..7]).expect("full read"), 7);
        assert_eq!(&buf[..7], b"3456789");
    }

    #[test]
    fn the_planned_stream_fails_for_good() {
        let transport = transport(TransportFaults {
            stream_reads: vec![],
            permanent_error_at_stream: Some(1),
        });
        assert!(transport.stream_from(0).is_ok());
        let error = transport.stream_from(0).err().expect("refused");
        assert_eq!(error.retry(), store::Retry::Permanent);
    }

    fn stalling_transport() -> Arc<ScriptedTransport<HarnessRuntime>> {
        let faults = TransportFaults {
            stream_reads: vec![StreamFault::Stall],
            permanent_error_at_stream: None,
        };
        Arc::new(ScriptedTransport::new(
            &HarnessRuntime,
            "A",
            b"0123".to_vec().into(),
            &faults,
            &retry(3),
            Arc::new(TestHost::default()),
        ))
    }

    #[test]
    fn a_stall_without_cancel_never_ends() {
        let outcome = Check::new().schedules(10).run(|| {
            let mut stream = stalling_transport().stream_from(0).expect("stream");
            let _ = stream.read(&mut [0; 4]);
        });
        let Err(Error::Found(failure)) = outcome else {
            panic!("a stall that nobody cancels must deadlock: {outcome:?}");
        };
        assert!(failure.message.contains("deadlock"), "{}", failure.message);
    }

    #[test]
    fn a_stall_ends_with_an_error_when_cancelled_in_any_schedule() {
        Check::new().schedules(200).assert(|| {
            let transport = stalling_transport();
            let mut stream = transport.stream_from(0).expect("stream");
            let reader = harness::thread::spawn(move || stream.read(&mut [0; 4]));
            transport.cancel();
            let outcome = reader.join().expect("reader thread");
            assert_eq!(
                outcome.expect_err("cancelled").kind(),
                io::ErrorKind::ConnectionAborted
            );
        });
    }
}
