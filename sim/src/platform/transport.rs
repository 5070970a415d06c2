use std::collections::VecDeque;
use std::io::{self, Read};
use std::sync::Arc;

use scenarios::{StreamFault, TransportFaults};
use store::{Runtime, Transport, TransportError};

use super::Note;

/// The remote object, served per a fault plan: short reads, resets, stalls
/// (no byte until cancelled) and a permanent failure, in the plan's order.
/// Blocking goes through the runtime `R`, so schedulers see the stall.
pub struct ScriptedTransport<R: Runtime> {
    object: Arc<[u8]>,
    script: Arc<Script<R>>,
}

struct Script<R: Runtime> {
    runtime: R,
    note: Note,
    state: R::Mutex<ScriptState>,
    cancelled: R::Condvar,
    permanent_error_at_stream: Option<usize>,
}

struct ScriptState {
    stream_reads: VecDeque<StreamFault>,
    streams_opened: usize,
    cancelled: bool,
}

impl<R: Runtime> ScriptedTransport<R> {
    /// Serves `object` per `faults`, noting what it does.
    pub fn new(
        runtime: &R,
        object: Arc<[u8]>,
        faults: &TransportFaults,
        note: Note,
    ) -> ScriptedTransport<R> {
        let state = ScriptState {
            stream_reads: faults.stream_reads.iter().copied().collect(),
            streams_opened: 0,
            cancelled: false,
        };
        ScriptedTransport {
            object,
            script: Arc::new(Script {
                runtime: runtime.clone(),
                note,
                state: runtime.mutex(state),
                cancelled: runtime.condvar(),
                permanent_error_at_stream: faults.permanent_error_at_stream,
            }),
        }
    }
}

impl<R: Runtime> Transport for ScriptedTransport<R> {
    type Stream = ScriptedStream<R>;

    fn object_len(&self) -> Result<u64, TransportError> {
        Ok(self.object.len() as u64)
    }

    fn stream_from(&self, offset: u64) -> Result<ScriptedStream<R>, TransportError> {
        let mut state = self.script.runtime.lock(&self.script.state);
        let stream = state.streams_opened;
        state.streams_opened += 1;
        if self.script.permanent_error_at_stream == Some(stream) {
            let message = format!("stream #{stream} refused for good (planned)");
            (self.script.note)(&format!("transport: {message}"));
            return Err(TransportError::permanent(io::ErrorKind::NotFound, message));
        }
        (self.script.note)(&format!("transport: stream #{stream} from byte {offset}"));
        Ok(ScriptedStream {
            object: Arc::clone(&self.object),
            script: Arc::clone(&self.script),
            position: offset as usize,
        })
    }

    fn cancel(&self) {
        (self.script.note)("transport: cancelled");
        let mut state = self.script.runtime.lock(&self.script.state);
        state.cancelled = true;
        self.script.runtime.notify_all(&self.script.cancelled);
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
        let runtime = &self.script.runtime;
        let mut state = runtime.lock(&self.script.state);
        let cancelled = || io::Error::new(io::ErrorKind::ConnectionAborted, "cancelled");
        if state.cancelled {
            return Err(cancelled());
        }
        let limit = match state.stream_reads.pop_front() {
            None => buf.len(),
            Some(StreamFault::Short(bytes)) => bytes.clamp(1, buf.len().max(1)),
            Some(StreamFault::Reset) => {
                return Err(io::Error::new(
                    io::ErrorKind::ConnectionReset,
                    "reset (planned)",
                ));
            }
            Some(StreamFault::Stall) => {
                while !state.cancelled {
                    state = runtime.wait(&self.script.cancelled, state);
                }
                return Err(cancelled());
            }
        };
        let available = &self.object[self.position.min(self.object.len())..];
        let count = limit.min(available.len()).min(buf.len());
        buf[..count].copy_from_slice(&available[..count]);
        (self.script.note)(&format!(
            "transport: delivers [{}, {})",
            self.position,
            self.position + count
        ));
        self.position += count;
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use store::StdRuntime;
    use store::runtime::shuttle::ShuttleRuntime;

    use super::*;
    use crate::platform::no_note;

    fn transport(faults: TransportFaults) -> ScriptedTransport<StdRuntime> {
        ScriptedTransport::new(
            &StdRuntime,
            b"0123456789".to_vec().into(),
            &faults,
            no_note(),
        )
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
            stream.read(&mut buf).expect_err("reset").kind(),
            io::ErrorKind::ConnectionReset
        );
        let mut resumed = transport.stream_from(3).expect("resumed stream");
        assert_eq!(resumed.read(&mut buf).expect("full read"), 7);
        assert_eq!(&buf[..7], b"3456789");
    }

    #[test]
    fn the_planned_stream_fails_for_good() {
        let transport = transport(TransportFaults {
            stream_reads: vec![],
            permanent_error_at_stream: Some(1),
        });
        assert!(transport.stream_from(0).is_ok());
        let error = transport.stream_from(4).err().expect("refused");
        assert_eq!(error.retry(), store::Retry::Permanent);
    }

    fn stalling_transport() -> Arc<ScriptedTransport<ShuttleRuntime>> {
        let faults = TransportFaults {
            stream_reads: vec![StreamFault::Stall],
            permanent_error_at_stream: None,
        };
        Arc::new(ScriptedTransport::new(
            &ShuttleRuntime,
            b"0123".to_vec().into(),
            &faults,
            no_note(),
        ))
    }

    #[test]
    #[should_panic(expected = "deadlock")]
    fn a_stall_without_cancel_never_ends() {
        shuttle::check_random(
            || {
                let mut stream = stalling_transport().stream_from(0).expect("stream");
                let _ = stream.read(&mut [0; 4]);
            },
            10,
        );
    }

    #[test]
    fn a_stall_ends_with_an_error_when_cancelled_in_any_schedule() {
        shuttle::check_random(
            || {
                let transport = stalling_transport();
                let mut stream = transport.stream_from(0).expect("stream");
                let reader = shuttle::thread::spawn(move || stream.read(&mut [0; 4]));
                transport.cancel();
                let outcome = reader.join().expect("reader thread");
                assert_eq!(
                    outcome.expect_err("cancelled").kind(),
                    io::ErrorKind::ConnectionAborted
                );
            },
            200,
        );
    }
}
