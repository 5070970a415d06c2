use std::io::{self, Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex, PoisonError};

use super::Transport;
use crate::TransportError;

/// Any local `Read + Seek` source (a file, a `Cursor` over bytes) as a transport.
#[derive(Debug)]
pub struct SeekableTransport<S> {
    source: Arc<Mutex<Positioned<S>>>,
}

/// The source, and where its cursor is, if known: a stream whose reads
/// follow each other seeks only when another stream moved the cursor.
#[derive(Debug)]
struct Positioned<S> {
    source: S,
    cursor: Option<u64>,
}

impl<S: Read + Seek + Send + 'static> SeekableTransport<S> {
    /// Serves the bytes of `source`.
    pub fn new(source: S) -> SeekableTransport<S> {
        SeekableTransport {
            source: Arc::new(Mutex::new(Positioned {
                source,
                cursor: None,
            })),
        }
    }
}

impl<S: Read + Seek + Send + 'static> Transport for SeekableTransport<S> {
    type Stream = SeekableStream<S>;

    fn object_len(&self) -> Result<u64, TransportError> {
        let mut source = self.source.lock().unwrap_or_else(PoisonError::into_inner);
        let len = source.source.seek(SeekFrom::End(0)).map_err(permanent);
        source.cursor = len.as_ref().ok().copied();
        len
    }

    fn stream_from(&self, offset: u64) -> Result<SeekableStream<S>, TransportError> {
        Ok(SeekableStream {
            source: Arc::clone(&self.source),
            position: offset,
        })
    }
}

/// A failure of a local source is not a flaky network: retrying cannot help.
fn permanent(error: io::Error) -> TransportError {
    TransportError::permanent(error.kind(), format!("local source: {error}"))
}

/// A read cursor of its own over the shared source.
#[derive(Debug)]
pub struct SeekableStream<S> {
    source: Arc<Mutex<Positioned<S>>>,
    position: u64,
}

impl<S: Read + Seek> Read for SeekableStream<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut source = self.source.lock().unwrap_or_else(PoisonError::into_inner);
        if source.cursor != Some(self.position) {
            source.cursor = None;
            source.source.seek(SeekFrom::Start(self.position))?;
        }
        let read = source.source.read(buf);
        source.cursor = read.as_ref().ok().map(|&read| self.position + read as u64);
        let read = read?;
        self.position += read as u64;
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    #[test]
    fn object_len_is_the_source_length() {
        let transport = SeekableTransport::new(Cursor::new(vec![7; 10]));
        assert_eq!(transport.object_len().expect("len"), 10);
    }

    #[test]
    fn stream_starts_at_the_requested_offset() {
        let transport = SeekableTransport::new(Cursor::new(b"0123456789".to_vec()));
        let mut rest = String::new();
        transport
            .stream_from(6)
            .expect("stream")
            .read_to_string(&mut rest)
            .expect("read");
        assert_eq!(rest, "6789");
    }

    #[test]
    fn two_streams_keep_separate_positions() {
        let transport = SeekableTransport::new(Cursor::new(b"abcdef".to_vec()));
        let mut first = transport.stream_from(0).expect("stream");
        let mut second = transport.stream_from(3).expect("stream");
        let mut byte = [0; 1];
        first.read_exact(&mut byte).expect("read");
        assert_eq!(&byte, b"a");
        second.read_exact(&mut byte).expect("read");
        assert_eq!(&byte, b"d");
        first.read_exact(&mut byte).expect("read");
        assert_eq!(&byte, b"b");
    }
}
