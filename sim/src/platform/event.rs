//! What happened in a run, as typed facts: each recorded once, where it
//! happens, read by type (coverage, failure signatures, the Chrome trace,
//! the snapshots) and rendered in words for people by `Display`, never
//! parsed back.

use std::fmt;
use std::io;
use std::panic::Location;
use std::time::Duration;

use scenarios::doubles::{FileOp, FileResult, TransportFault};
use scenarios::{Call, LogCall, Outcome};

/// Where in the source a thread waits: its call site.
pub type Site = &'static Location<'static>;

/// One thing a thread did.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum What {
    /// A scenario opens store `store` over an object of `len` bytes.
    StoreOpened {
        /// The store's label.
        store: &'static str,
        /// The object's length.
        len: u64,
    },
    /// A call of the store's begins.
    CallBegins(Call),
    /// That call returns.
    CallReturns {
        /// The call.
        call: Call,
        /// What it returned.
        outcome: Outcome,
    },
    /// A call that promises never to wait begins.
    NeverWaitsBegins {
        /// What the call is.
        call: &'static str,
    },
    /// That call returns.
    NeverWaitsReturns {
        /// What the call is.
        call: &'static str,
    },
    /// The thread spawns `thread`.
    Spawns {
        /// The new thread's name.
        thread: String,
    },
    /// The thread's body has returned.
    Finishes,
    /// An untimed wait on a condition variable begins.
    Waits {
        /// Where.
        at: Site,
    },
    /// A timed wait begins.
    TimedWaitBegins {
        /// Where.
        at: Site,
    },
    /// A timed wait ends.
    TimedWaitEnds {
        /// Where.
        at: Site,
        /// How.
        how: TimedEnd,
    },
    /// An untimed wait returns without a notification (a perturbation).
    WakesSpuriously {
        /// Where.
        at: Site,
    },
    /// A call on the logger begins.
    LogCallBegins {
        /// Which.
        call: LogCall,
    },
    /// The thread's call on the logger returns.
    LogCallReturns,
    /// A call on the runtime's bounded queue (the logger's) returned,
    /// leaving `len` of `capacity` places taken.
    Queue {
        /// Which call, and how it went.
        call: QueueCall,
        /// Values queued after it.
        len: usize,
        /// Places in all.
        capacity: usize,
    },
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
    /// A planned transport fault.
    Fault(TransportFault),
    /// The transport was cancelled (by close).
    Cancelled,
}

/// How a timed wait ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimedEnd {
    /// A notification ended it; time stood still.
    Notified,
    /// Its timeout fired; virtual time moved to `clock`.
    Fires {
        /// The clock after the jump.
        clock: Duration,
    },
    /// It woke before its timeout, with no notification.
    WakesEarly,
}

/// A call on the runtime's bounded queue, and how it went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QueueCall {
    /// `push`: whether it took the value (else the queue was full).
    Push {
        /// Whether the value went in.
        accepted: bool,
    },
    /// `pop`: whether it took a value (else the queue was empty).
    Pop {
        /// Whether a value came out.
        took: bool,
    },
    /// `len`.
    Len,
    /// `is_empty`.
    IsEmpty,
}

impl fmt::Display for QueueCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueueCall::Push { accepted: true } => f.write_str("push"),
            QueueCall::Push { accepted: false } => f.write_str("push refused (full)"),
            QueueCall::Pop { took: true } => f.write_str("pop"),
            QueueCall::Pop { took: false } => f.write_str("pop found it empty"),
            QueueCall::Len => f.write_str("len"),
            QueueCall::IsEmpty => f.write_str("is_empty"),
        }
    }
}

impl fmt::Display for What {
    /// The event in words, as the text trace shows it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            What::StoreOpened { store, len } => write!(f, "opens store {store}: {len} bytes"),
            What::CallBegins(call) => write!(f, "{call} begins"),
            What::CallReturns { call, outcome } => write!(f, "{call} returns {outcome}"),
            What::NeverWaitsBegins { call } => write!(f, "{call} begins"),
            What::NeverWaitsReturns { call } => write!(f, "{call} returns"),
            What::Spawns { thread } => write!(f, "spawns {thread}"),
            What::Finishes => f.write_str("finishes"),
            What::Waits { at } => write!(f, "waits at {at}"),
            What::TimedWaitBegins { at } => write!(f, "timed wait at {at} begins"),
            What::TimedWaitEnds { at, how } => match how {
                TimedEnd::Notified => write!(f, "timed wait at {at} is notified"),
                TimedEnd::Fires { clock } => write!(f, "timed wait at {at} fires: clock {clock:?}"),
                TimedEnd::WakesEarly => write!(f, "timed wait at {at} wakes early"),
            },
            What::WakesSpuriously { at } => write!(f, "wait at {at} wakes spuriously"),
            What::LogCallBegins { call } => write!(f, "{} begins", call.name()),
            What::LogCallReturns => f.write_str("logger call returns"),
            What::Queue {
                call,
                len,
                capacity,
            } => {
                write!(f, "queue {call}: {len} of {capacity} places taken")
            }
            What::FileCreated { file } => write!(f, "file #{file}: created"),
            What::File { file, op, result } => {
                write!(f, "file #{file}: {op}")?;
                match result {
                    FileResult::Done => Ok(()),
                    FileResult::Failed(kind) => write!(f, ": fails, {}", io::Error::from(*kind)),
                    FileResult::Violation => f.write_str(": VIOLATION"),
                }
            }
            What::StreamOpened { stream, from } => {
                write!(f, "transport: stream #{stream} from byte {from}")
            }
            What::StreamRefused { stream } => {
                write!(f, "transport: stream #{stream} refused for good (planned)")
            }
            What::Delivers { from, to, reported } => {
                write!(f, "transport: delivers [{from}, {to})")?;
                match reported {
                    Some(reported) => write!(f, ", reports {reported} bytes (planned)"),
                    None => Ok(()),
                }
            }
            What::Fault(fault) => match fault {
                TransportFault::Reset => f.write_str("transport: reset (planned)"),
                TransportFault::ZeroBytes => f.write_str("transport: delivers 0 bytes (planned)"),
                TransportFault::Interrupted => f.write_str("transport: interrupted (planned)"),
                TransportFault::Stalls => {
                    f.write_str("transport: stalls until cancelled (planned)")
                }
            },
            What::Cancelled => f.write_str("transport: cancelled"),
        }
    }
}
