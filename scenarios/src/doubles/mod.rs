//! The store's test doubles, on any platform: [`CheckedFiles`], temp files
//! in memory that check how the store uses them, and
//! [`ScriptedTransport`], the remote object served per a fault plan. They
//! are the store's subject's own: each judges the oracles of the store it
//! can see (use after close, reads of unwritten bytes, leaks, the retry
//! policy), and tells the platform it runs on everything else through a
//! [`Host`]: what it did ([`Step`]), and the few things only a platform
//! can do (name the calling thread, tell the time, make a file access a
//! scheduling point, take virtual time, check a read's ordering).
//!
//! The simulator hosts them with its trace, facts and judges; the harness
//! library's facade hosts them with its own facts and virtual time.

mod files;
mod transport;

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use store::Instant;

pub use files::{CheckedFile, CheckedFiles};
pub use transport::{FailureWatch, ScriptedStream, ScriptedTransport};

/// What the doubles ask of the platform they run on. Every method may be
/// called from any thread of the run, inside the double's own locks: none
/// may come back to a double.
pub trait Host: Send + Sync + 'static {
    /// The calling thread's name, for a violation's report.
    fn thread_name(&self) -> String;

    /// Now, on the clock the store's deadlines and backoffs use.
    fn now(&self) -> Instant;

    /// A double of store `store` (`None`: the world's registry of files,
    /// no store's) did `step`; the double's line is the step's place.
    #[track_caller]
    fn saw(&self, store: Option<&'static str>, step: Step);

    /// The calling thread is about to read (`writes == false`) or write
    /// the files' contents: where a scheduler may preempt it before its
    /// I/O.
    fn file_access(&self, writes: bool);

    /// A slow file operation takes `takes` of virtual time, the calling
    /// thread inside the file layer meanwhile.
    fn slow_file_operation(&self, takes: Duration);

    /// The bytes a write is putting in a file, as a model that checks
    /// orderings tracks them; `None` where nothing does.
    fn written_bytes(&self) -> Option<Arc<dyn WrittenBytes>>;

    /// Checks that a read of `[from, to)` of file `file` happens after the
    /// writes of the bytes it reads, `writes`.
    fn check_read(&self, file: usize, from: u64, to: u64, writes: &[Arc<dyn WrittenBytes>]);
}

/// A read of bytes whose write does not happen before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataRace {
    /// The temp file's number.
    pub file: usize,
    /// The read's first byte.
    pub from: u64,
    /// The read's end.
    pub to: u64,
}

impl fmt::Display for DataRace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "read_exact_at [{}, {}) on temp file #{}: the write of those bytes does not happen \
             before the read (loom's causality check): what told the reader they had arrived \
             did not order the write before it",
            self.from, self.to, self.file
        )
    }
}

/// The bytes one write put in a file, as a model that checks orderings
/// tracks them.
pub trait WrittenBytes: Send + Sync {
    /// Asserts that the calling thread's read of the bytes happens after
    /// their write; the model panics if not.
    fn read(&self);
}

/// Something a double did, as it tells its host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// Temp file `file` was created.
    FileCreated {
        /// The file's index in the world's registry.
        file: usize,
    },
    /// An operation on temp file `file`.
    File {
        /// The file's index in the world's registry.
        file: usize,
        /// What was done.
        op: FileOp,
        /// How it went.
        result: FileResult,
    },
    /// A duplicate of the store's file opened (`+1`) or closed (`-1`).
    DuplicatesChange(i64),
    /// The calling thread asks the transport for a stream: it is the
    /// store's downloader.
    StreamAsked,
    /// The transport opens stream number `stream` from byte `from`.
    StreamOpened {
        /// The stream's number, from 0.
        stream: usize,
        /// Its first byte.
        from: u64,
    },
    /// The transport refuses stream number `stream` for good (planned).
    StreamRefused {
        /// The stream's number, from 0.
        stream: usize,
    },
    /// A stream delivers `[from, to)`, reporting `reported` bytes if that
    /// is not the count delivered (an overlong read, planned).
    Delivers {
        /// First byte delivered.
        from: u64,
        /// One past the last.
        to: u64,
        /// The count the read reported, if not `to - from`.
        reported: Option<usize>,
    },
    /// A transient failure was served: the store's retry policy now owes a
    /// backoff this long before its next stream.
    BackoffOwed(Duration),
    /// A planned transport fault.
    Fault(TransportFault),
    /// The transport was cancelled (by close).
    Cancelled,
}

/// An operation on a temp file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileOp {
    /// `write_all_at` of `[from, to)`.
    Write {
        /// First byte.
        from: u64,
        /// One past the last.
        to: u64,
    },
    /// `read_exact_at` of `[from, to)`.
    Read {
        /// First byte.
        from: u64,
        /// One past the last.
        to: u64,
    },
    /// `close`.
    Close,
    /// `remove`.
    Remove,
    /// `duplicate`, which made duplicate number `duplicate` of the file.
    Duplicate {
        /// The duplicate's number, from 0 per file.
        duplicate: usize,
    },
    /// `read_exact_at` of `[from, to)` through a duplicate.
    ReadThrough {
        /// The duplicate's number.
        duplicate: usize,
        /// First byte.
        from: u64,
        /// One past the last.
        to: u64,
    },
    /// `close` of a duplicate.
    CloseDuplicate {
        /// The duplicate's number.
        duplicate: usize,
    },
}

impl fmt::Display for FileOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileOp::Write { from, to } => write!(f, "write_all_at [{from}, {to})"),
            FileOp::Read { from, to } => write!(f, "read_exact_at [{from}, {to})"),
            FileOp::Close => f.write_str("close"),
            FileOp::Remove => f.write_str("remove"),
            FileOp::Duplicate { duplicate } => write!(f, "duplicate (as #{duplicate})"),
            FileOp::ReadThrough {
                duplicate,
                from,
                to,
            } => write!(
                f,
                "read_exact_at [{from}, {to}) through duplicate #{duplicate}"
            ),
            FileOp::CloseDuplicate { duplicate } => write!(f, "close of duplicate #{duplicate}"),
        }
    }
}

/// How a file operation went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileResult {
    /// It did what was asked.
    Done,
    /// It failed with an injected error of this kind (ENOSPC, EIO).
    Failed(io::ErrorKind),
    /// It broke an oracle (the violation is the run's report).
    Violation,
}

/// A fault the transport serves, as planned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransportFault {
    /// The connection resets.
    Reset,
    /// The read returns `Ok(0)` before the object's end.
    ZeroBytes,
    /// The read fails with `Interrupted`.
    Interrupted,
    /// No byte comes until the transport is cancelled.
    Stalls,
}

/// A host for the doubles' unit tests: a thread named `tester`, time
/// standing at the origin unless a test moves it, nothing recorded.
#[cfg(test)]
#[derive(Default)]
pub(crate) struct TestHost {
    pub(crate) now: std::sync::Mutex<Duration>,
}

#[cfg(test)]
impl TestHost {
    /// Moves the time to `since_origin`.
    pub(crate) fn set_now(&self, since_origin: Duration) {
        *self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = since_origin;
    }
}

#[cfg(test)]
impl Host for TestHost {
    fn thread_name(&self) -> String {
        "tester".to_owned()
    }

    fn now(&self) -> Instant {
        Instant::from_origin(
            *self
                .now
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    fn saw(&self, _: Option<&'static str>, _: Step) {}

    fn file_access(&self, _: bool) {}

    fn slow_file_operation(&self, _: Duration) {}

    fn written_bytes(&self) -> Option<Arc<dyn WrittenBytes>> {
        None
    }

    fn check_read(&self, _: usize, _: u64, _: u64, _: &[Arc<dyn WrittenBytes>]) {}
}
