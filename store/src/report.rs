//! What a store reports about itself, for people and status files: the
//! calls in flight on it, and how far its download has got. Plain values,
//! which the state machine fills in and the API hands out.

use crate::StoreError;

/// The calls in flight on a store, as [`TempFileStore::in_flight`](crate::TempFileStore::in_flight) counts them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct InFlight {
    /// Reads between their registration and their return.
    pub reads: u64,
    /// Calls of `close` or `close_with_deadline` that have not returned.
    pub closes: u64,
    /// Handles opened and not yet released (or still read through).
    pub handles: u64,
}

impl std::fmt::Display for InFlight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} read(s), {} close(s), {} handle(s) in flight",
            self.reads, self.closes, self.handles
        )
    }
}

/// How far a store's download has got, from [`TempFileStore::progress`](crate::TempFileStore::progress):
/// what a status file or a progress line shows.
#[derive(Clone, Debug)]
pub struct Progress {
    /// Bytes `[0, arrived_bytes)` are in the temp file.
    pub arrived_bytes: u64,
    /// The object's length.
    pub object_len_bytes: u64,
    /// Streams reopened after a transient failure, since the store opened.
    pub retries: u64,
    /// Whether the download runs, and how it ended.
    pub download: DownloadStatus,
}

/// Whether a store's download runs, and how it ended.
#[derive(Clone, Debug)]
pub enum DownloadStatus {
    /// Bytes are still arriving (or the downloader is backing off).
    Running,
    /// Every byte arrived.
    Complete,
    /// Closing the store stopped the download.
    Cancelled,
    /// The download failed for good: reads of bytes that had not arrived
    /// fail with this error.
    Failed(StoreError),
}

impl DownloadStatus {
    /// One word for the state: `running`, `complete`, `cancelled` or `failed`.
    pub fn name(&self) -> &'static str {
        match self {
            DownloadStatus::Running => "running",
            DownloadStatus::Complete => "complete",
            DownloadStatus::Cancelled => "cancelled",
            DownloadStatus::Failed(_) => "failed",
        }
    }
}
