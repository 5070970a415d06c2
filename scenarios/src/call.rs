//! The store's calls as typed facts, whichever platform records them: what
//! a scenario tells its world as a call begins ([`Call`]) and as it
//! returns ([`Outcome`]), and their words for people. A platform keeps
//! them as they are (the simulator's trace, the library's facts); the
//! store's coverage, its liveness judges and the counts' oracle read them
//! back by type. A new operation of the store is a new `Call` here, never
//! a new method of a world.

use std::fmt;
use std::io;

use store::{InFlight, Instant, StoreError};

/// A call of the store's: what a scenario tells its world as it begins
/// (`StoreWorld::call_begins`), and what the facts keep while a thread is
/// inside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Call {
    /// `read_at` of the bytes `[offset, end)`, as asked (not clipped).
    Read {
        /// The store's label.
        store: &'static str,
        /// First byte asked for.
        offset: u64,
        /// One past the last byte asked for.
        end: u64,
    },
    /// `close`, or `close_with_deadline` of `deadline`.
    Close {
        /// The store's label.
        store: &'static str,
        /// The deadline, on the store's clock, if any.
        deadline: Option<Instant>,
    },
    /// The drop of the store's last handle.
    Drop {
        /// The store's label.
        store: &'static str,
    },
    /// `open_handle`.
    OpenHandle {
        /// The store's label.
        store: &'static str,
    },
    /// A handle's `release` (or drop).
    Release {
        /// The store's label.
        store: &'static str,
    },
    /// `in_flight`.
    InFlight {
        /// The store's label.
        store: &'static str,
    },
}

impl Call {
    /// `read_at` of `len` bytes at `offset` on store `store`.
    pub fn read(store: &'static str, offset: u64, len: usize) -> Call {
        Call::Read {
            store,
            offset,
            end: offset.saturating_add(len as u64),
        }
    }

    /// The store the call is on.
    pub fn store(&self) -> &'static str {
        match self {
            Call::Read { store, .. }
            | Call::Close { store, .. }
            | Call::Drop { store }
            | Call::OpenHandle { store }
            | Call::Release { store }
            | Call::InFlight { store } => store,
        }
    }

    /// The call as a thread waiting inside it is described: `read_at [0,
    /// 8) of store A`, `close of store A`.
    pub fn inside(&self) -> String {
        let store = self.store();
        match self {
            Call::Read { offset, end, .. } => format!("read_at [{offset}, {end}) of store {store}"),
            Call::Close { .. } => format!("close of store {store}"),
            Call::Drop { .. } => format!("the drop of store {store}'s last handle"),
            Call::OpenHandle { .. } => format!("open_handle of store {store}"),
            Call::Release { .. } => format!("the release of a handle of store {store}"),
            Call::InFlight { .. } => format!("in_flight of store {store}"),
        }
    }
}

/// The call by name, as a trace's line and a span show it: `read_at [0,
/// 8) on store A`, `close of store A with deadline 5s`.
impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Call::Read { store, offset, end } => {
                write!(f, "read_at [{offset}, {end}) on store {store}")
            }
            Call::Close {
                store,
                deadline: None,
            } => write!(f, "close of store {store}"),
            Call::Close {
                store,
                deadline: Some(deadline),
            } => write!(
                f,
                "close of store {store} with deadline {:?}",
                deadline.since_origin()
            ),
            Call::Drop { store } => write!(f, "drop of the last handle of store {store}"),
            Call::OpenHandle { store } => write!(f, "open_handle on store {store}"),
            Call::Release { store } => write!(f, "release of a handle of store {store}"),
            Call::InFlight { store } => write!(f, "in_flight of store {store}"),
        }
    }
}

/// What a store call returned, as a scenario tells its world
/// (`StoreWorld::call_returns`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// `read_at` returned this many bytes.
    Read(usize),
    /// The call returned `Ok(())`.
    Done,
    /// `open_handle` returned a handle.
    HandleOpened,
    /// The last handle's drop returned.
    Dropped,
    /// `in_flight` returned these counts.
    Counts(InFlight),
    /// `StoreError::Closed`.
    ClosedError,
    /// `StoreError::CloseDeadlineExceeded`.
    DeadlineExceeded {
        /// Readers that had not left.
        readers_in_flight: usize,
        /// Handles not yet released.
        handles_open: usize,
        /// Whether the downloader had not stopped.
        downloader_running: bool,
    },
    /// `StoreError::Transport`: the download failed for good.
    DownloadFailed {
        /// The transport error's kind.
        kind: io::ErrorKind,
        /// What it said.
        message: String,
    },
    /// `StoreError::FileIo`: the temp file failed.
    FileFailed {
        /// What the store was doing.
        operation: &'static str,
        /// The I/O error's kind.
        kind: io::ErrorKind,
    },
    /// `StoreError::SpawnDownloader`.
    SpawnFailed,
    /// `StoreError::HandleReleased`.
    HandleReleased,
}

impl Outcome {
    /// The outcome of a `read_at`.
    pub fn of_read(result: &Result<usize, StoreError>) -> Outcome {
        match result {
            Ok(read) => Outcome::Read(*read),
            Err(error) => Outcome::of_error(error),
        }
    }

    /// The outcome of a call that returns `Ok(())` when it succeeds: a
    /// close, a release.
    pub fn of_done(result: &Result<(), StoreError>) -> Outcome {
        match result {
            Ok(()) => Outcome::Done,
            Err(error) => Outcome::of_error(error),
        }
    }

    /// The outcome of an `open_handle`.
    pub fn of_open_handle<Handle>(result: &Result<Handle, StoreError>) -> Outcome {
        match result {
            Ok(_) => Outcome::HandleOpened,
            Err(error) => Outcome::of_error(error),
        }
    }

    fn of_error(error: &StoreError) -> Outcome {
        match error {
            StoreError::Closed => Outcome::ClosedError,
            StoreError::CloseDeadlineExceeded {
                readers_in_flight,
                handles_open,
                downloader_running,
            } => Outcome::DeadlineExceeded {
                readers_in_flight: *readers_in_flight,
                handles_open: *handles_open,
                downloader_running: *downloader_running,
            },
            StoreError::HandleReleased => Outcome::HandleReleased,
            StoreError::Transport(error) => Outcome::DownloadFailed {
                kind: error.kind(),
                message: error.to_string(),
            },
            StoreError::FileIo { operation, source } => Outcome::FileFailed {
                operation,
                kind: source.kind(),
            },
            StoreError::SpawnDownloader(_) => Outcome::SpawnFailed,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Read(read) => write!(f, "Ok({read})"),
            Outcome::Done => f.write_str("Ok(())"),
            Outcome::HandleOpened => f.write_str("Ok(handle)"),
            Outcome::Dropped => f.write_str("()"),
            Outcome::Counts(counts) => write!(f, "{counts}"),
            Outcome::ClosedError => f.write_str("Closed"),
            Outcome::DeadlineExceeded {
                readers_in_flight, ..
            } => write!(
                f,
                "CloseDeadlineExceeded ({readers_in_flight} reader(s) in flight)"
            ),
            Outcome::DownloadFailed { message, .. } => write!(f, "Err(download failed: {message})"),
            Outcome::FileFailed { operation, kind } => {
                write!(
                    f,
                    "Err(temp file {operation} failed: {})",
                    io::Error::from(*kind)
                )
            }
            Outcome::SpawnFailed => f.write_str("Err(could not start the downloader)"),
            Outcome::HandleReleased => f.write_str("HandleReleased"),
        }
    }
}
