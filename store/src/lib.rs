//! A temp-file store: a background downloader streams a remote object into a
//! temp file while any number of threads read ranges of it, each blocking only
//! until its own range has arrived. Built to sit under a FUSE file system or a
//! lazy-fetch cache.
//!
//! Everything nondeterministic comes in through traits, so the same compiled
//! store runs on real threads and under schedule-exploring test harnesses:
//! [`Runtime`] (locks, condition variables, threads), [`Clock`] (time),
//! [`Transport`] (the remote object) and [`FileIo`] (the temp file).
//!
//! ```
//! use std::io::Cursor;
//! use store::{Platform, SeekableTransport, TempFileStore};
//!
//! let source = SeekableTransport::new(Cursor::new(b"hello, world".to_vec()));
//! let store = TempFileStore::open(source, Platform::real(), Default::default())?;
//! let mut buf = [0; 5];
//! assert_eq!(store.read_at(&mut buf, 7)?, 5);
//! assert_eq!(&buf, b"world");
//! store.close()?;
//! # Ok::<(), store::StoreError>(())
//! ```

mod clock;
mod download;
mod error;
pub mod file_io;
mod handle;
pub mod log;
mod options;
#[cfg(feature = "planted-bugs")]
mod planted;
#[cfg(not(feature = "planted-bugs"))]
mod planted {
    /// Without the `planted-bugs` feature no bug is ever planted.
    macro_rules! planted {
        ($shared:expr, $site:literal) => {{
            let _ = &$shared;
            false
        }};
    }
    pub(crate) use planted;
}
mod read;
mod report;
pub mod runtime;
mod state;
mod store;
pub mod transport;

pub use clock::{Clock, Instant, SystemClock};
pub use error::{Retry, StoreError, TransportError};
pub use file_io::{FileIo, MemoryFiles, TempDirFiles, TempFile};
pub use handle::Handle;
pub use options::{RetryPolicy, StoreOptions};
#[cfg(feature = "planted-bugs")]
pub use planted::Plant;
pub use report::{DownloadStatus, InFlight, Progress};
pub use runtime::{BoundedQueue, Runtime, StdRuntime};
pub use store::{Platform, TempFileStore};
pub use transport::{HttpTransport, SeekableTransport, Transport};
