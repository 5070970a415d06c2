//! The downloader thread: streams the object into the temp file chunk by
//! chunk, resumes transient failures with backoff, stops when closing.

use std::io::{self, Read};

use crate::error::Retry;
use crate::file_io::TempFile;
use crate::planted::planted;
use crate::state::{Download, Shared};
use crate::{Clock, RetryPolicy, Runtime, StoreError, StoreOptions, Transport, TransportError};

/// The downloader thread's body. Whatever happens, including a panic in the
/// transport, readers learn that the download stopped and why.
pub(crate) fn run_downloader<T: Transport, R: Runtime, C: Clock, File: TempFile>(
    shared: &Shared<T, R, C, File>,
    options: &StoreOptions,
) {
    let mut exit = DownloaderExit {
        shared,
        outcome: Download::Failed(StoreError::Transport(TransportError::permanent(
            io::ErrorKind::Other,
            "the downloader panicked",
        ))),
    };
    exit.outcome = download(shared, options);
}

/// Publishes the downloader's outcome on every way out of the thread.
struct DownloaderExit<'a, T: Transport, R: Runtime, C: Clock, File: TempFile> {
    shared: &'a Shared<T, R, C, File>,
    outcome: Download,
}

impl<T: Transport, R: Runtime, C: Clock, File: TempFile> Drop
    for DownloaderExit<'_, T, R, C, File>
{
    fn drop(&mut self) {
        let outcome = std::mem::replace(&mut self.outcome, Download::Cancelled);
        let state = self.shared.lock();
        drop(self.shared.stop_downloader(state, outcome));
    }
}

/// Why a stream stopped before the object's end.
enum StreamStop {
    Closing,
    Transport(TransportError),
    File(io::Error),
}

fn download<T: Transport, R: Runtime, C: Clock, File: TempFile>(
    shared: &Shared<T, R, C, File>,
    options: &StoreOptions,
) -> Download {
    let mut chunk = vec![0; options.chunk_size_bytes.get()];
    let mut offset = 0;
    let mut failures_in_a_row = 0;
    while offset < shared.object_len {
        let resumed_at = offset;
        if failures_in_a_row == 0 && offset == 0 {
            tracing::debug!(object_len_bytes = shared.object_len, "stream starts");
        } else {
            tracing::info!(offset_bytes = offset, failures_in_a_row, "stream resumes");
        }
        let stopped = shared
            .transport
            .stream_from(offset)
            .map_err(StreamStop::Transport)
            .and_then(|stream| copy_stream(shared, stream, &mut offset, &mut chunk));
        let error = match stopped {
            Ok(()) => break,
            Err(StreamStop::Closing) => return Download::Cancelled,
            // Close cancelled the transport, which broke the stream: that is
            // no transport failure to count or retry.
            Err(StreamStop::Transport(_)) if shared.is_closing() => return Download::Cancelled,
            Err(StreamStop::File(error)) => {
                return Download::Failed(StoreError::file_io("write", error));
            }
            Err(StreamStop::Transport(error)) => error,
        };
        if offset > resumed_at && !planted!(shared, "retry-count-ignores-progress") {
            failures_in_a_row = 0;
        }
        failures_in_a_row += 1;
        let retry = &options.retry;
        if error.retry() == Retry::Permanent || failures_in_a_row > retry.max_consecutive_failures {
            return Download::Failed(StoreError::Transport(error));
        }
        tracing::warn!(
            %error,
            offset_bytes = offset,
            failures_in_a_row,
            backoff_ms = retry.backoff(failures_in_a_row).as_millis(),
            "transient transport failure; retrying after a backoff",
        );
        shared.count_retry();
        if !back_off(shared, retry, failures_in_a_row) {
            return Download::Cancelled;
        }
    }
    debug_assert_eq!(offset, shared.object_len);
    Download::Complete
}

/// Copies `stream` into the file from `offset` until the object's end,
/// publishing progress after every chunk.
fn copy_stream<T: Transport, R: Runtime, C: Clock, File: TempFile>(
    shared: &Shared<T, R, C, File>,
    mut stream: impl Read,
    offset: &mut u64,
    chunk: &mut [u8],
) -> Result<(), StreamStop> {
    while *offset < shared.object_len {
        if shared.is_closing() {
            return Err(StreamStop::Closing);
        }
        let remaining = shared.object_len - *offset;
        let wanted = usize::try_from(remaining).map_or(chunk.len(), |left| left.min(chunk.len()));
        let received = match stream.read(&mut chunk[..wanted]) {
            Ok(0) => {
                return Err(StreamStop::Transport(TransportError::transient(
                    io::ErrorKind::UnexpectedEof,
                    format!("stream ended at byte {offset} of {}", shared.object_len),
                )));
            }
            Ok(received) if received > wanted => {
                return Err(StreamStop::Transport(TransportError::permanent(
                    io::ErrorKind::InvalidData,
                    format!(
                        "the transport reported {received} bytes read into a buffer of {wanted}"
                    ),
                )));
            }
            Ok(received) => received,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(StreamStop::Transport(error.into())),
        };
        if planted!(shared, "publish-before-write") {
            shared.publish_progress(*offset + received as u64);
        }
        shared
            .file
            .write_all_at(&chunk[..received], *offset)
            .map_err(StreamStop::File)?;
        *offset += received as u64;
        shared.publish_progress(*offset);
    }
    Ok(())
}

/// Waits out the backoff before retry number `failures`, on the store's
/// clock. Returns false as soon as the store starts closing: close's
/// notification ends the wait, so close never waits for a backoff.
fn back_off<T: Transport, R: Runtime, C: Clock, File: TempFile>(
    shared: &Shared<T, R, C, File>,
    retry: &RetryPolicy,
    failures: u32,
) -> bool {
    let backoff = if planted!(shared, "backoff-kept-late") {
        retry.backoff(failures) * 2
    } else {
        retry.backoff(failures)
    };
    let deadline = shared.clock.now() + backoff;
    let mut state = shared.lock();
    loop {
        if shared.is_closing() && !planted!(shared, "backoff-ignores-closing") {
            return false;
        }
        match shared.time_left(deadline) {
            Some(timeout) => state = shared.wait_timeout(state, timeout),
            None => return true,
        }
    }
}
