//! A transport whose bytes arrive only when the test releases them, and whose
//! streams fail on a script: the real-thread stand-in for a slow network.

use std::io::{self, Read};
use std::sync::{Arc, Condvar, Mutex};

use store::{Transport, TransportError};

#[derive(Default)]
struct Gate {
    released_bytes: u64,
    cancelled: bool,
    /// Offsets at which the downloader asked for a stream, in order.
    stream_offsets: Vec<u64>,
}

/// See the module docs. Clones share one gate.
#[derive(Clone)]
pub(crate) struct GatedTransport {
    object: Arc<Vec<u8>>,
    gate: Arc<(Mutex<Gate>, Condvar)>,
    /// A stream breaks (transient error) after handing out this many bytes.
    reset_every_bytes: Option<u64>,
    /// `stream_from` fails permanently once this many streams were opened.
    permanent_failure_after_streams: Option<usize>,
}

impl GatedTransport {
    /// Serves `object`; no byte is available until [`release`](Self::release).
    pub(crate) fn new(object: Vec<u8>) -> GatedTransport {
        GatedTransport {
            object: Arc::new(object),
            gate: Arc::default(),
            reset_every_bytes: None,
            permanent_failure_after_streams: None,
        }
    }

    /// Serves `object` with every byte available at once.
    pub(crate) fn open_tap(object: Vec<u8>) -> GatedTransport {
        let transport = GatedTransport::new(object);
        transport.release(u64::MAX);
        transport
    }

    /// Each stream breaks after handing out `bytes` bytes.
    pub(crate) fn reset_every(mut self, bytes: u64) -> GatedTransport {
        self.reset_every_bytes = Some(bytes);
        self
    }

    /// After `streams` streams were opened, opening another fails for good.
    pub(crate) fn permanent_failure_after(mut self, streams: usize) -> GatedTransport {
        self.permanent_failure_after_streams = Some(streams);
        self
    }

    /// Makes `bytes` more bytes available.
    pub(crate) fn release(&self, bytes: u64) {
        let (gate, changed) = &*self.gate;
        let mut gate = gate.lock().expect("gate lock");
        gate.released_bytes = gate.released_bytes.saturating_add(bytes);
        changed.notify_all();
    }

    /// Offsets the downloader opened streams at.
    pub(crate) fn stream_offsets(&self) -> Vec<u64> {
        self.gate
            .0
            .lock()
            .expect("gate lock")
            .stream_offsets
            .clone()
    }

    pub(crate) fn was_cancelled(&self) -> bool {
        self.gate.0.lock().expect("gate lock").cancelled
    }
}

impl Transport for GatedTransport {
    type Stream = GatedStream;

    fn object_len(&self) -> Result<u64, TransportError> {
        Ok(self.object.len() as u64)
    }

    fn stream_from(&self, offset: u64) -> Result<GatedStream, TransportError> {
        let mut gate = self.gate.0.lock().expect("gate lock");
        if Some(gate.stream_offsets.len()) == self.permanent_failure_after_streams {
            return Err(TransportError::permanent(
                io::ErrorKind::NotFound,
                "object vanished",
            ));
        }
        gate.stream_offsets.push(offset);
        Ok(GatedStream {
            transport: self.clone(),
            position: offset,
            handed_out_bytes: 0,
        })
    }

    fn cancel(&self) {
        let (gate, changed) = &*self.gate;
        gate.lock().expect("gate lock").cancelled = true;
        changed.notify_all();
    }
}

pub(crate) struct GatedStream {
    transport: GatedTransport,
    position: u64,
    handed_out_bytes: u64,
}

impl Read for GatedStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if Some(self.handed_out_bytes) == self.transport.reset_every_bytes {
            return Err(io::ErrorKind::ConnectionReset.into());
        }
        let (gate, changed) = &*self.transport.gate;
        let mut gate = gate.lock().expect("gate lock");
        while gate.released_bytes <= self.position && !gate.cancelled {
            gate = changed.wait(gate).expect("gate lock");
        }
        if gate.cancelled {
            return Err(io::ErrorKind::ConnectionAborted.into());
        }
        let object_len = self.transport.object.len() as u64;
        let mut end = gate.released_bytes.min(object_len);
        end = end.min(self.position + buf.len() as u64);
        if let Some(reset) = self.transport.reset_every_bytes {
            end = end.min(self.position + reset - self.handed_out_bytes);
        }
        let start = self.position as usize;
        let count = end as usize - start;
        buf[..count].copy_from_slice(&self.transport.object[start..end as usize]);
        self.position = end;
        self.handed_out_bytes += count as u64;
        Ok(count)
    }
}
