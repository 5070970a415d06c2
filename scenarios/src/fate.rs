//! How a download must end when nobody closes its store: the store's
//! documented semantics (`store::RetryPolicy`, `TempFileStore::read_at`)
//! applied to a run's fault plan. The fate depends on the plan alone, not on
//! the schedule: each stream read consumes the plan's next fault, and the
//! store asks for `min(chunk size, bytes left)` every time.

use std::io::ErrorKind;

use crate::{Params, StreamFault};

/// How the download ends if the store stays open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Every byte arrives.
    Completes,
    /// The transport fails for good with an error of `kind` once `prefix`
    /// bytes are in the file: a permanent error, or one transient failure
    /// more than the retry budget allows in a row without progress.
    TransportFails {
        /// Bytes written before the failure.
        prefix: u64,
        /// The transport error's kind, which failed reads must carry.
        kind: ErrorKind,
    },
    /// The disk fills up once `prefix` bytes are in the file.
    DiskFull {
        /// Bytes written before the failing write.
        prefix: u64,
    },
    /// The transport stalls after `prefix` bytes, until the store closes.
    Stalls {
        /// Bytes written before the stall.
        prefix: u64,
    },
}

/// Transient failures in a row without progress, as the retry policy
/// counts them (`store::RetryPolicy`): a failure after a stream delivered a
/// byte starts a new run; one failure more than the budget in a row, and
/// the download fails for good. The one statement of that rule for every
/// oracle and plan of the harness.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FailuresInARow(u32);

impl FailuresInARow {
    /// Counts a transient failure of a stream that delivered bytes before
    /// it (`progressed`) or not; whether a budget of `budget` failures in
    /// a row still allows another stream.
    pub fn count(&mut self, progressed: bool, budget: u32) -> bool {
        if progressed {
            self.0 = 0;
        }
        self.0 += 1;
        self.0 <= budget
    }

    /// The failures in the current run.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl Fate {
    /// The fate of `params`' download.
    pub fn of(params: &Params) -> Fate {
        let len = params.object_len_bytes;
        let chunk = params.chunk_size_bytes.max(1) as u64;
        let budget = params.retry.max_consecutive_failures;
        let disk_limit = params.file_faults.disk_full_after_bytes;
        let mut faults = params.transport_faults.stream_reads.iter().copied();
        let (mut offset, mut failures, mut stream) = (0u64, FailuresInARow::default(), 0usize);
        while offset < len {
            if params.transport_faults.permanent_error_at_stream == Some(stream) {
                let kind = ErrorKind::NotFound;
                return Fate::TransportFails {
                    prefix: offset,
                    kind,
                };
            }
            stream += 1;
            let resumed_at = offset;
            let failure = loop {
                if offset == len {
                    break None;
                }
                let wanted = chunk.min(len - offset);
                let received = match faults.next() {
                    None => wanted,
                    Some(StreamFault::Short(bytes)) => (bytes as u64).clamp(1, wanted),
                    Some(StreamFault::Interrupted) => continue,
                    Some(StreamFault::Reset) => break Some(ErrorKind::ConnectionReset),
                    Some(StreamFault::ZeroBytes) => break Some(ErrorKind::UnexpectedEof),
                    Some(StreamFault::Stall) => return Fate::Stalls { prefix: offset },
                    Some(StreamFault::Overlong) => {
                        let kind = ErrorKind::InvalidData;
                        return Fate::TransportFails {
                            prefix: offset,
                            kind,
                        };
                    }
                };
                if disk_limit.is_some_and(|limit| offset + received > limit) {
                    return Fate::DiskFull { prefix: offset };
                }
                offset += received;
            };
            let Some(kind) = failure else { break };
            if !failures.count(offset > resumed_at, budget) {
                return Fate::TransportFails {
                    prefix: offset,
                    kind,
                };
            }
        }
        Fate::Completes
    }

    /// How the download ends, in words, for reports.
    pub fn describe(self) -> String {
        match self {
            Fate::Completes => "completes".to_owned(),
            Fate::TransportFails { prefix, kind } => {
                format!("fails with {kind:?} after {prefix} bytes")
            }
            Fate::DiskFull { prefix } => format!("fills the disk after {prefix} bytes"),
            Fate::Stalls { prefix } => format!("stalls after {prefix} bytes until closed"),
        }
    }

    /// Bytes the file will hold, `u64::MAX` for a download that completes.
    pub fn prefix(self) -> u64 {
        match self {
            Fate::Completes => u64::MAX,
            Fate::TransportFails { prefix, .. }
            | Fate::DiskFull { prefix }
            | Fate::Stalls { prefix } => prefix,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RetryParams, TransportFaults};

    fn params(budget: u32, chunk: usize, stream_reads: Vec<StreamFault>) -> Params {
        Params {
            object_len_bytes: 16,
            chunk_size_bytes: chunk,
            retry: RetryParams {
                max_consecutive_failures: budget,
                ..RetryParams::default()
            },
            transport_faults: TransportFaults {
                stream_reads,
                permanent_error_at_stream: None,
            },
            ..Params::loom_default()
        }
    }

    use StreamFault::{Interrupted, Reset, Short, ZeroBytes};

    #[test]
    fn failures_up_to_the_budget_in_a_row_still_complete() {
        let plan = vec![Reset, ZeroBytes, Reset];
        assert_eq!(Fate::of(&params(3, 8, plan)), Fate::Completes);
    }

    #[test]
    fn one_failure_past_the_budget_fails_with_the_last_failure_kind() {
        let plan = vec![Short(5), Reset, Reset, ZeroBytes];
        let fate = Fate::of(&params(2, 8, plan));
        let kind = ErrorKind::UnexpectedEof;
        assert_eq!(fate, Fate::TransportFails { prefix: 5, kind });
    }

    #[test]
    fn progress_between_failures_resets_the_count() {
        let plan = vec![Reset, Reset, Short(1), Reset, Reset];
        assert_eq!(Fate::of(&params(2, 8, plan)), Fate::Completes);
    }

    #[test]
    fn a_budget_of_zero_makes_the_first_failure_final() {
        let kind = ErrorKind::ConnectionReset;
        let fate = Fate::of(&params(0, 4, vec![Short(3), Reset]));
        assert_eq!(fate, Fate::TransportFails { prefix: 3, kind });
    }

    #[test]
    fn interrupted_reads_are_not_failures() {
        let plan = vec![Interrupted, Interrupted, Interrupted];
        assert_eq!(Fate::of(&params(0, 8, plan)), Fate::Completes);
    }

    #[test]
    fn a_permanent_error_fails_at_once_whatever_the_budget() {
        let mut params = params(5, 4, vec![Short(2), Reset]);
        params.transport_faults.permanent_error_at_stream = Some(1);
        let kind = ErrorKind::NotFound;
        assert_eq!(Fate::of(&params), Fate::TransportFails { prefix: 2, kind });
    }

    #[test]
    fn the_disk_fills_at_the_write_that_crosses_the_limit() {
        let mut params = params(1, 4, vec![]);
        params.file_faults.disk_full_after_bytes = Some(10);
        assert_eq!(Fate::of(&params), Fate::DiskFull { prefix: 8 });
    }
}
