//! The remote object: its length, and a byte stream from any offset so a
//! broken download resumes where it stopped.

use std::io::Read;

use crate::TransportError;

mod http;
mod seekable;

pub use http::HttpTransport;
pub use seekable::SeekableTransport;

/// Where the store's bytes come from.
pub trait Transport: Send + Sync + 'static {
    /// A stream of the object's bytes. An `Err` while reading counts as a
    /// broken connection ([transient](crate::Retry::Transient)); `Ok(0)`
    /// before the object's end counts as a truncated body, also transient.
    type Stream: Read + Send + 'static;

    /// The object's length in bytes.
    fn object_len(&self) -> Result<u64, TransportError>;

    /// A stream of the object's bytes starting at `offset` (< `object_len`).
    fn stream_from(&self, offset: u64) -> Result<Self::Stream, TransportError>;

    /// Asks any blocked or future stream read to give up promptly. Called by
    /// `close`, possibly more than once and from several threads. The default
    /// does nothing: the store then stops downloading at the next chunk.
    fn cancel(&self) {}
}
