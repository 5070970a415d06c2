//! Judging one read's outcome against the oracles.

use std::sync::atomic::{AtomicBool, Ordering};

use store::StoreError;

use crate::{Oracle, Params};

/// What a read's outcome is judged against.
pub struct ReadJudge<'a> {
    /// The thread that read, for the report.
    pub reader: &'a str,
    /// The store's label, for the report.
    pub store: &'a str,
    /// The remote object.
    pub object: &'a [u8],
    /// The run's parameters (which faults may legitimately fail a read).
    pub params: &'a Params,
    /// Set just before anyone calls close on this store.
    pub close_begun: &'a AtomicBool,
    /// Whether the read began after a close of this store had returned.
    pub began_after_close: bool,
}

impl ReadJudge<'_> {
    /// Checks `outcome` of reading `requested` bytes at `offset` into `buf`;
    /// panics with the violated oracle's message.
    pub fn judge(
        &self,
        offset: u64,
        requested: usize,
        buf: &[u8],
        outcome: &Result<usize, StoreError>,
    ) {
        let at = format!(
            "read of {requested} bytes at {offset} from store {}",
            self.store
        );
        let fail = |oracle: Oracle, what: String| -> ! {
            panic!(
                "{}",
                oracle.violation(self.reader, &format!("{at}: {what}"))
            )
        };
        if self.began_after_close && !matches!(outcome, Err(StoreError::Closed)) {
            fail(
                Oracle::ReadsAfterCloseGetClosed,
                format!("began after close returned, got {outcome:?}"),
            );
        }
        match outcome {
            Ok(read) => {
                let start = offset.min(self.object.len() as u64) as usize;
                let expected = requested.min(self.object.len() - start);
                if *read != expected {
                    fail(
                        Oracle::PartialReadCount,
                        format!(
                            "returned {read}, expected {expected} (object is {} bytes)",
                            self.object.len()
                        ),
                    );
                }
                if buf[..expected] != self.object[start..start + expected] {
                    let first = (0..expected)
                        .find(|&i| buf[i] != self.object[start + i])
                        .unwrap_or(0);
                    fail(
                        Oracle::DataIntegrity,
                        format!(
                            "byte {} is {:#04x}, source has {:#04x}",
                            offset + first as u64,
                            buf[first],
                            self.object[start + first]
                        ),
                    );
                }
            }
            Err(StoreError::Closed) => {
                if !self.close_begun.load(Ordering::SeqCst) {
                    fail(
                        Oracle::StoresIndependent,
                        "got Closed, but nobody closed this store".to_owned(),
                    );
                }
            }
            Err(error) if self.fault_explains(error) => {}
            Err(error) if self.close_begun.load(Ordering::SeqCst) => fail(
                Oracle::ReadsAfterCloseGetClosed,
                format!("interrupted by close, failed with {error:?} instead of Closed"),
            ),
            Err(error) => fail(
                Oracle::DataIntegrity,
                format!("failed with {error:?} although no fault explains it"),
            ),
        }
    }

    fn fault_explains(&self, error: &StoreError) -> bool {
        let faults = (&self.params.transport_faults, &self.params.file_faults);
        match error {
            StoreError::Transport(_) => faults.0.permanent_error_at_stream.is_some(),
            StoreError::FileIo {
                operation: "write",
                source,
            } => {
                faults.1.disk_full_after_bytes.is_some()
                    && source.kind() == std::io::ErrorKind::StorageFull
            }
            StoreError::FileIo {
                operation: "read",
                source,
            } => faults.1.eio_at_read.is_some() && source.to_string().contains("EIO"),
            _ => false,
        }
    }
}
