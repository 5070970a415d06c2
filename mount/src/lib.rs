//! `tempfilestore mount`: remote objects (local files or HTTP URLs) as
//! read-only files of a FUSE mount, readable at any offset while they
//! arrive. Each object is staged by a [`store::TempFileStore`] of its own;
//! a read waits only for its own range of its own object.
//!
//! - [`objects`]: what each request does, with no FUSE types, so a test
//!   harness can drive it with a double of the reply path;
//! - [`lanes`]: the worker threads that answer one object's reads;
//! - [`fuse`]: the inode tree and fuser's requests and replies;
//! - [`status`]: the status file and the progress lines;
//! - [`source`]: paths and URLs, their names and transports;
//! - [`cli`]: the command line, the mount's life, signals and exit codes.

pub mod cli;
pub mod fuse;
pub mod lanes;
pub mod objects;
pub mod source;
pub mod status;
