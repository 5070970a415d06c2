//! Judging one read's outcome against the oracles.

use store::StoreError;

use crate::{Fate, InjectedEio, Oracle, Params, Violation};

/// What a read's outcome is judged against.
pub(crate) struct ReadJudge<'a> {
    /// The thread that read, for the report.
    pub reader: &'a str,
    /// The store's label, for the report.
    pub store: &'a str,
    /// The remote object.
    pub object: &'a [u8],
    /// The run's parameters (which faults may legitimately fail a read).
    pub params: &'a Params,
    /// How the download ends if nobody closes the store.
    pub fate: Fate,
    /// Whether anyone had begun closing this store when the read returned.
    pub close_begun: bool,
    /// Whether the read began after a close of this store had returned.
    pub began_after_close: bool,
    /// Whether a release of the handle it read through had begun when it
    /// returned (never, for a read through the store itself).
    pub handle_released: bool,
}

impl ReadJudge<'_> {
    /// Checks `outcome` of reading `requested` bytes at `offset` into `buf`;
    /// raises the violation of the oracle it breaks.
    pub(crate) fn judge(
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
        let fail = |oracle: Oracle, kind: &'static str, what: String| -> ! {
            Violation::new(oracle, self.reader, kind, format!("{at}: {what}")).raise()
        };
        let released = self.handle_released && matches!(outcome, Err(StoreError::HandleReleased));
        if self.began_after_close && !released && !matches!(outcome, Err(StoreError::Closed)) {
            fail(
                Oracle::ReadsAfterCloseGetClosed,
                "read after close not refused",
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
                        "wrong byte count",
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
                        "wrong byte",
                        format!(
                            "byte {} is {:#04x}, source has {:#04x}",
                            offset + first as u64,
                            buf[first],
                            self.object[start + first]
                        ),
                    );
                }
            }
            Err(StoreError::HandleReleased) if self.handle_released => {}
            Err(StoreError::Closed) => {
                if !self.close_begun {
                    fail(
                        Oracle::StoresIndependent,
                        "closed by another store",
                        "got Closed, but nobody closed this store".to_owned(),
                    );
                }
            }
            Err(error) if self.fault_explains(offset, requested, error) => {}
            Err(error) if self.close_begun => fail(
                Oracle::ReadsAfterCloseGetClosed,
                "wrong error for a closed read",
                format!("interrupted by close, failed with {error:?} instead of Closed"),
            ),
            Err(error @ StoreError::Transport(_)) => fail(
                Oracle::RetryPolicyHonoured,
                "download given up too soon",
                format!(
                    "failed with {error:?}, but per the retry policy the download {}",
                    self.fate.describe()
                ),
            ),
            Err(error) => fail(
                Oracle::DataIntegrity,
                "unexplained error",
                format!("failed with {error:?} although no fault explains it"),
            ),
        }
    }

    /// Whether the fault plan explains `error`: the download's fate leaves
    /// bytes of the range missing and fails with this very error, or an EIO
    /// was planned for some read.
    fn fault_explains(&self, offset: u64, requested: usize, error: &StoreError) -> bool {
        let end = offset
            .saturating_add(requested as u64)
            .min(self.object.len() as u64);
        let missing = end > self.fate.prefix();
        match (error, self.fate) {
            (StoreError::Transport(error), Fate::TransportFails { kind, .. }) => {
                missing && error.kind() == kind
            }
            (
                StoreError::FileIo {
                    operation: "write",
                    source,
                },
                Fate::DiskFull { .. },
            ) => missing && source.kind() == std::io::ErrorKind::StorageFull,
            (
                StoreError::FileIo {
                    operation: "read",
                    source,
                },
                _,
            ) => self.params.file_faults.eio_at_read.is_some() && InjectedEio::is(source),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::panic::{self, AssertUnwindSafe};

    use store::TransportError;

    use super::*;
    use crate::{StreamFault, TransportFaults};
    use harness::panics::panic_message;

    const OBJECT: &[u8] = b"0123456789";

    fn judge(params: &Params, close_begun: bool, began_after_close: bool) -> ReadJudge<'_> {
        ReadJudge {
            reader: "reader-A0",
            store: "A",
            object: OBJECT,
            params,
            fate: Fate::of(params),
            close_begun,
            began_after_close,
            handle_released: false,
        }
    }

    /// The oracle a judgement broke, `None` if it passed.
    fn broken(
        judge: &ReadJudge<'_>,
        offset: u64,
        buf: &[u8],
        outcome: Result<usize, StoreError>,
    ) -> Option<Oracle> {
        let verdict =
            panic::catch_unwind(AssertUnwindSafe(|| judge.judge(offset, 4, buf, &outcome)));
        verdict.err().map(|payload| {
            Violation::of_panic(payload.as_ref())
                .map(|violation| violation.oracle)
                .unwrap_or_else(|| panic!("not a violation: {}", panic_message(payload.as_ref())))
        })
    }

    #[test]
    fn exact_bytes_pass() {
        let params = Params::loom_default();
        assert_eq!(
            broken(&judge(&params, false, false), 2, b"2345", Ok(4)),
            None
        );
    }

    #[test]
    fn a_wrong_byte_breaks_data_integrity() {
        let params = Params::loom_default();
        let verdict = broken(&judge(&params, false, false), 2, b"23x5", Ok(4));
        assert_eq!(verdict, Some(Oracle::DataIntegrity));
    }

    #[test]
    fn a_wrong_count_at_the_end_breaks_partial_read_count() {
        let params = Params::loom_default();
        let verdict = broken(&judge(&params, false, false), 8, b"89\0\0", Ok(0));
        assert_eq!(verdict, Some(Oracle::PartialReadCount));
    }

    #[test]
    fn closed_from_a_store_nobody_closed_breaks_store_independence() {
        let params = Params::loom_default();
        let verdict = broken(
            &judge(&params, false, false),
            0,
            b"",
            Err(StoreError::Closed),
        );
        assert_eq!(verdict, Some(Oracle::StoresIndependent));
    }

    #[test]
    fn data_for_a_read_begun_after_close_breaks_reads_after_close() {
        let params = Params::loom_default();
        let verdict = broken(&judge(&params, true, true), 0, b"0123", Ok(4));
        assert_eq!(verdict, Some(Oracle::ReadsAfterCloseGetClosed));
    }

    #[test]
    fn another_error_for_a_read_close_interrupted_breaks_reads_after_close() {
        let params = Params::loom_default();
        let custom = StoreError::file_io("read", io::Error::other("temp file closed"));
        let verdict = broken(&judge(&params, true, false), 0, b"", Err(custom));
        assert_eq!(verdict, Some(Oracle::ReadsAfterCloseGetClosed));
    }

    #[test]
    fn a_transport_error_is_fine_when_the_plan_has_a_permanent_failure() {
        let params = Params {
            transport_faults: TransportFaults {
                stream_reads: vec![],
                permanent_error_at_stream: Some(0),
            },
            ..Params::loom_default()
        };
        let error =
            StoreError::Transport(TransportError::permanent(io::ErrorKind::NotFound, "gone"));
        assert_eq!(
            broken(&judge(&params, false, false), 0, b"", Err(error)),
            None
        );
    }

    #[test]
    fn a_transport_error_the_retry_policy_does_not_explain_breaks_retry_policy_honoured() {
        let params = Params::loom_default();
        let error =
            StoreError::Transport(TransportError::permanent(io::ErrorKind::NotFound, "gone"));
        let verdict = broken(&judge(&params, false, false), 0, b"", Err(error));
        assert_eq!(verdict, Some(Oracle::RetryPolicyHonoured));
    }

    #[test]
    fn a_transport_error_for_bytes_that_arrived_before_the_failure_breaks_retry_policy_honoured() {
        let params = Params {
            transport_faults: TransportFaults {
                stream_reads: vec![StreamFault::Short(6)],
                permanent_error_at_stream: Some(1),
            },
            ..Params::loom_default()
        };
        let error =
            StoreError::Transport(TransportError::permanent(io::ErrorKind::NotFound, "gone"));
        let verdict = broken(&judge(&params, false, false), 0, b"", Err(error));
        assert_eq!(verdict, Some(Oracle::RetryPolicyHonoured));
    }

    fn with_eio_at_first_read() -> Params {
        Params {
            file_faults: crate::FileFaults {
                eio_at_read: Some(0),
                ..crate::FileFaults::default()
            },
            ..Params::loom_default()
        }
    }

    #[test]
    fn the_injected_eio_is_explained_by_the_plan() {
        let params = with_eio_at_first_read();
        let error = StoreError::file_io("read", io::Error::other(InjectedEio));
        assert_eq!(
            broken(&judge(&params, false, false), 0, b"", Err(error)),
            None
        );
    }

    #[test]
    fn a_read_error_that_only_says_eio_breaks_data_integrity() {
        let params = with_eio_at_first_read();
        let error = StoreError::file_io("read", io::Error::other("EIO"));
        let verdict = broken(&judge(&params, false, false), 0, b"", Err(error));
        assert_eq!(verdict, Some(Oracle::DataIntegrity));
    }

    #[test]
    fn an_error_no_fault_explains_breaks_data_integrity() {
        let params = Params::loom_default();
        let error = StoreError::file_io("write", io::Error::from(io::ErrorKind::StorageFull));
        let verdict = broken(&judge(&params, false, false), 0, b"", Err(error));
        assert_eq!(verdict, Some(Oracle::DataIntegrity));
    }

    #[test]
    fn handle_released_is_an_answer_only_once_a_release_began() {
        let params = Params::loom_default();
        let unreleased = judge(&params, false, false);
        let verdict = broken(&unreleased, 0, b"", Err(StoreError::HandleReleased));
        assert_eq!(verdict, Some(Oracle::DataIntegrity));
        let released = ReadJudge {
            handle_released: true,
            ..judge(&params, true, true)
        };
        assert_eq!(
            broken(&released, 0, b"", Err(StoreError::HandleReleased)),
            None
        );
    }
}
