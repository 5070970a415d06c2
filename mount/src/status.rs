//! The status file's contents: per object, how far its download has got
//! and the calls in flight on its store; and the log lines dropped.

use serde::Serialize;
use store::{DownloadStatus, InFlight, Progress};

/// Everything the status file shows, as one JSON object.
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    /// One entry per object, in the order the mount was given them.
    pub objects: Vec<ObjectStatus>,
    /// Lines the logger dropped because its queue was full: the logger is
    /// shared by every object, so the count is the mount's, not an object's.
    pub log_lines_dropped: u64,
}

/// One object's line of the status.
#[derive(Clone, Debug, Serialize)]
pub struct ObjectStatus {
    /// The object's file name in the mount.
    pub name: String,
    /// Bytes `[0, arrived_bytes)` have arrived.
    pub arrived_bytes: u64,
    /// The object's length.
    pub object_len_bytes: u64,
    /// `running`, `complete`, `cancelled` or `failed`.
    pub download: &'static str,
    /// Why the download failed, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Streams reopened after a transient failure.
    pub retries: u64,
    /// Reads waiting or reading now.
    pub reads_in_flight: u64,
    /// Closes that have not returned.
    pub closes_in_flight: u64,
    /// Handles open: files the kernel holds open.
    pub handles_open: u64,
}

impl ObjectStatus {
    /// The status of the object `name` with `progress` and `in_flight`.
    pub fn new(name: &str, progress: Progress, in_flight: InFlight) -> ObjectStatus {
        let error = match &progress.download {
            DownloadStatus::Failed(error) => Some(error.to_string()),
            _ => None,
        };
        ObjectStatus {
            name: name.to_owned(),
            arrived_bytes: progress.arrived_bytes,
            object_len_bytes: progress.object_len_bytes,
            download: progress.download.name(),
            error,
            retries: progress.retries,
            reads_in_flight: in_flight.reads,
            closes_in_flight: in_flight.closes,
            handles_open: in_flight.handles,
        }
    }

    /// One line for a person: `name: 12.0 of 64.0 MiB (18%), running, 1 retry`.
    pub fn progress_line(&self) -> String {
        const MIB: f64 = 1024.0 * 1024.0;
        let percent = self
            .arrived_bytes
            .saturating_mul(100)
            .checked_div(self.object_len_bytes)
            .unwrap_or(100);
        let mut line = format!(
            "{}: {:.1} of {:.1} MiB ({percent}%), {}, {} {}",
            self.name,
            self.arrived_bytes as f64 / MIB,
            self.object_len_bytes as f64 / MIB,
            self.download,
            self.retries,
            if self.retries == 1 {
                "retry"
            } else {
                "retries"
            },
        );
        if let Some(error) = &self.error {
            line.push_str(": ");
            line.push_str(error);
        }
        line
    }
}

impl Status {
    /// The status as pretty JSON, ending with a newline.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self)
            .expect("a status holds only strings and numbers, which always serialize");
        json.push('\n');
        json
    }
}
