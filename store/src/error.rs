//! The store's errors, and how they map to [`std::io::Error`].

use std::io;
use std::sync::Arc;

/// Whether retrying a failed transport operation can help.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// A broken connection, a truncated body, a server error: resume from
    /// the current offset after a backoff.
    Transient,
    /// The object is missing, forbidden, or the server cannot serve ranges:
    /// retrying cannot help.
    Permanent,
}

/// A failure fetching the remote object.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    retry: Retry,
    kind: io::ErrorKind,
    message: String,
}

impl TransportError {
    /// A failure that a retry may cure.
    pub fn transient(kind: io::ErrorKind, message: impl Into<String>) -> TransportError {
        TransportError {
            retry: Retry::Transient,
            kind,
            message: message.into(),
        }
    }

    /// A failure no retry can cure.
    pub fn permanent(kind: io::ErrorKind, message: impl Into<String>) -> TransportError {
        TransportError {
            retry: Retry::Permanent,
            kind,
            message: message.into(),
        }
    }

    /// Whether a retry may help.
    pub fn retry(&self) -> Retry {
        self.retry
    }

    /// The [`io::ErrorKind`] this failure reports as.
    pub fn kind(&self) -> io::ErrorKind {
        self.kind
    }
}

impl From<io::Error> for TransportError {
    /// An I/O error while streaming is a broken connection, so transient.
    fn from(error: io::Error) -> TransportError {
        TransportError::transient(error.kind(), error.to_string())
    }
}

/// Everything a [`TempFileStore`](crate::TempFileStore) operation can fail with.
///
/// Converting to [`io::Error`] keeps the kind recognisable:
///
/// | variant | `io::ErrorKind` |
/// |---|---|
/// | `Closed` | `NotConnected` (the store is no longer attached to its file) |
/// | `CloseDeadlineExceeded` | `TimedOut` |
/// | `HandleReleased` | `InvalidInput` (like a read of a closed descriptor, `EBADF`) |
/// | `Transport` | the transport's own kind (`NotFound` for an HTTP 404, ...) |
/// | `FileIo` | the temp file's own kind (`StorageFull` for ENOSPC, ...) |
/// | `SpawnDownloader` | the OS error's own kind |
///
/// The original `StoreError` stays inside the `io::Error`; get it back with
/// [`StoreError::from_io`].
#[derive(Clone, Debug, thiserror::Error)]
pub enum StoreError {
    /// The store is closing or closed: the Rust counterpart of Go's `fs.ErrClosed`.
    #[error("temp file store is closed")]
    Closed,
    /// `close_with_deadline` gave up waiting. Whoever is still active finishes
    /// the cleanup when it leaves, so the temp file is not leaked.
    #[error(
        "close did not finish before its deadline: {readers_in_flight} reader(s) still in flight, \
         {handles_open} handle(s) open, downloader {}; the last one out releases the temp file",
        if *.downloader_running { "still running" } else { "stopped" }
    )]
    CloseDeadlineExceeded {
        /// Readers that had not left when the deadline passed.
        readers_in_flight: usize,
        /// Handles not yet released when the deadline passed.
        handles_open: usize,
        /// Whether the downloader had not stopped when the deadline passed.
        downloader_running: bool,
    },
    /// Fetching the remote object failed for good (retries exhausted, or a
    /// permanent error).
    #[error("download failed: {0}")]
    Transport(#[source] TransportError),
    /// The temp file failed (disk full, I/O error).
    #[error("temp file {operation} failed: {source}")]
    FileIo {
        /// What the store was doing: "create", "write", "read", "close", "remove".
        operation: &'static str,
        /// The underlying error, shared because errors are handed to every waiting reader.
        #[source]
        source: Arc<io::Error>,
    },
    /// A read through a handle already released, or a second release.
    #[error("handle already released")]
    HandleReleased,
    /// The OS refused to start the downloader thread.
    #[error("could not start the downloader thread: {0}")]
    SpawnDownloader(#[source] Arc<io::Error>),
}

impl StoreError {
    /// Wraps a temp-file failure during `operation`.
    pub fn file_io(operation: &'static str, source: io::Error) -> StoreError {
        StoreError::FileIo {
            operation,
            source: Arc::new(source),
        }
    }

    /// The [`io::ErrorKind`] this error converts to.
    pub fn kind(&self) -> io::ErrorKind {
        match self {
            StoreError::Closed => io::ErrorKind::NotConnected,
            StoreError::HandleReleased => io::ErrorKind::InvalidInput,
            StoreError::CloseDeadlineExceeded { .. } => io::ErrorKind::TimedOut,
            StoreError::Transport(error) => error.kind(),
            StoreError::FileIo { source, .. } => source.kind(),
            StoreError::SpawnDownloader(source) => source.kind(),
        }
    }

    /// The `StoreError` inside an [`io::Error`] made from one, if any.
    pub fn from_io(error: &io::Error) -> Option<&StoreError> {
        error.get_ref()?.downcast_ref::<StoreError>()
    }
}

impl From<StoreError> for io::Error {
    fn from(error: StoreError) -> io::Error {
        io::Error::new(error.kind(), error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_converts_to_not_connected_and_back() {
        let error = io::Error::from(StoreError::Closed);
        assert_eq!(error.kind(), io::ErrorKind::NotConnected);
        assert!(matches!(
            StoreError::from_io(&error),
            Some(StoreError::Closed)
        ));
    }

    #[test]
    fn close_deadline_converts_to_timed_out() {
        let error = io::Error::from(StoreError::CloseDeadlineExceeded {
            readers_in_flight: 2,
            handles_open: 0,
            downloader_running: false,
        });
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert!(error.to_string().contains("2 reader(s) still in flight"));
    }

    #[test]
    fn transport_error_keeps_its_kind() {
        let missing = TransportError::permanent(io::ErrorKind::NotFound, "HTTP 404");
        let error = io::Error::from(StoreError::Transport(missing));
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn disk_full_keeps_storage_full_kind() {
        let full = io::Error::from(io::ErrorKind::StorageFull);
        let error = io::Error::from(StoreError::file_io("write", full));
        assert_eq!(error.kind(), io::ErrorKind::StorageFull);
    }

    #[test]
    fn io_errors_while_streaming_are_transient() {
        let reset = TransportError::from(io::Error::from(io::ErrorKind::ConnectionReset));
        assert_eq!(reset.retry(), Retry::Transient);
        assert_eq!(reset.kind(), io::ErrorKind::ConnectionReset);
    }

    #[test]
    fn foreign_io_errors_hold_no_store_error() {
        let error = io::Error::other("unrelated");
        assert!(StoreError::from_io(&error).is_none());
    }
}
