//! A read of the store's bytes, through the temp file or a handle's
//! duplicate of it: what `TempFileStore::read_at` and `Handle::read_at`
//! both are.

use crate::file_io::TempFile;
use crate::planted::planted;
use crate::state::Shared;
use crate::{Clock, Runtime, StoreError, Transport};

/// A read of the store through `file`, the temp file or a handle's
/// duplicate of it: see [`TempFileStore::read_at`](crate::TempFileStore::read_at).
pub(crate) fn read_through<T: Transport, R: Runtime, C: Clock, File: TempFile>(
    shared: &Shared<T, R, C, File>,
    file: &File,
    buf: &mut [u8],
    offset: u64,
) -> Result<usize, StoreError> {
    if shared.is_closing() {
        return Err(StoreError::Closed);
    }
    let end = offset
        .saturating_add(buf.len() as u64)
        .min(shared.object_len);
    let Some(len) = end.checked_sub(offset).filter(|&len| len > 0) else {
        return Ok(0);
    };
    let len = usize::try_from(len).expect("len <= buf.len(), a usize");
    let asked = buf.len();
    if planted!(shared, "fast-path-skips-registration") && shared.has_arrived(end) {
        return read_file(shared, file, &mut buf[..len], offset, asked);
    }
    let _registration = shared.register_reader()?;
    shared.wait_for(end)?;
    read_file(shared, file, &mut buf[..len], offset, asked)
}

/// Reads the arrived bytes `buf` at `offset` of a `asked`-byte read through
/// `file`: the bytes themselves, without the state lock.
fn read_file<T: Transport, R: Runtime, C: Clock, File: TempFile>(
    shared: &Shared<T, R, C, File>,
    file: &File,
    buf: &mut [u8],
    offset: u64,
    asked: usize,
) -> Result<usize, StoreError> {
    file.read_exact_at(buf, offset)
        .map_err(|error| StoreError::file_io("read", error))?;
    if planted!(shared, "partial-read-returns-zero") && buf.len() < asked {
        return Ok(0);
    }
    Ok(buf.len())
}
