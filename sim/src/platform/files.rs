use std::io;
use std::sync::{Arc, Mutex, PoisonError};

use scenarios::{FileFaults, Oracle};
use store::{FileIo, TempFile};

use super::{Facts, Note};

/// In-memory temp files that check how the store uses them: access after
/// close, reads of never-written bytes and leaks are violations; ENOSPC and
/// EIO are injected per the fault plan. All files of one world share one
/// registry, so leaks are checked across stores.
#[derive(Clone)]
pub struct CheckedFiles {
    registry: Arc<Mutex<Vec<FileRecord>>>,
    faults: FileFaults,
    /// The store whose files these are, told to `facts` at creation.
    store: Option<String>,
    facts: Facts,
    thread_name: fn() -> String,
    note: Note,
}

#[derive(Debug, Default)]
struct FileRecord {
    bytes: Vec<u8>,
    written: Vec<bool>,
    bytes_written: u64,
    reads: usize,
    closed: bool,
    removed: bool,
}

impl CheckedFiles {
    /// An empty registry; `thread_name` names the calling thread in
    /// reports, `note` records what happens to the files.
    pub fn new(thread_name: fn() -> String, note: Note, facts: Facts) -> CheckedFiles {
        CheckedFiles {
            registry: Arc::default(),
            faults: FileFaults::default(),
            store: None,
            facts,
            thread_name,
            note,
        }
    }

    /// Files of store `store` that share this registry but misbehave per `faults`.
    pub fn for_store(&self, store: &str, faults: &FileFaults) -> CheckedFiles {
        CheckedFiles {
            faults: faults.clone(),
            store: Some(store.to_owned()),
            ..self.clone()
        }
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Vec<FileRecord>> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The oracle "no leaked file or handle".
    pub fn assert_no_leaks(&self) {
        if let Some(violation) = self.leak_violation("after its store closed") {
            panic!("{violation}");
        }
    }

    /// A no-leak violation if some file is still open or present; `when`
    /// says at which moment, for the report.
    pub fn leak_violation(&self, when: &str) -> Option<String> {
        let registry = self.registry();
        let (index, file) = registry
            .iter()
            .enumerate()
            .find(|(_, file)| !(file.closed && file.removed))?;
        let state = if file.closed {
            "closed but not removed"
        } else {
            "still open"
        };
        let what = format!("temp file #{index} is {state} {when}");
        Some(Oracle::NoLeak.violation(&(self.thread_name)(), &what))
    }

    /// Whether some byte of `[offset, end)` of file `index` was never written.
    pub fn has_unwritten(&self, index: usize, offset: u64, end: u64) -> bool {
        let registry = self.registry();
        let written = registry
            .get(index)
            .map_or(&[][..], |file| &file.written[..]);
        (offset..end).any(|byte| !written.get(byte as usize).copied().unwrap_or(false))
    }
}

impl FileIo for CheckedFiles {
    type File = CheckedFile;

    fn create(&self) -> io::Result<CheckedFile> {
        let index = {
            let mut registry = self.registry();
            registry.push(FileRecord::default());
            registry.len() - 1
        };
        if let Some(store) = &self.store {
            self.facts.file_created(store, index);
        }
        (self.note)(&format!("file #{index}: created"));
        Ok(CheckedFile {
            index,
            files: self.clone(),
        })
    }
}

/// One checked temp file.
pub struct CheckedFile {
    index: usize,
    files: CheckedFiles,
}

impl CheckedFile {
    /// Runs `operation` on the file's record; any violation it reports
    /// panics with the thread and the operation named.
    fn with_record(
        &self,
        operation: &str,
        body: impl FnOnce(&mut FileRecord, &FileFaults) -> Result<io::Result<()>, (Oracle, String)>,
    ) -> io::Result<()> {
        let outcome = {
            let mut registry = self
                .files
                .registry
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            body(&mut registry[self.index], &self.files.faults)
        };
        let verdict = match &outcome {
            Ok(Ok(())) => String::new(),
            Ok(Err(error)) => format!(": fails, {error}"),
            Err(_) => ": VIOLATION".to_owned(),
        };
        (self.files.note)(&format!("file #{}: {operation}{verdict}", self.index));
        outcome.unwrap_or_else(|(oracle, what)| {
            let what = format!("{operation} on temp file #{}: {what}", self.index);
            panic!("{}", oracle.violation(&(self.files.thread_name)(), &what))
        })
    }
}

fn after_close() -> (Oracle, String) {
    (
        Oracle::NoAccessAfterClose,
        "the file was already closed".to_owned(),
    )
}

impl TempFile for CheckedFile {
    fn write_all_at(&self, bytes: &[u8], offset: u64) -> io::Result<()> {
        let end = offset + bytes.len() as u64;
        self.with_record(
            &format!("write_all_at [{offset}, {end})"),
            |file, faults| {
                if file.closed {
                    return Err(after_close());
                }
                let full = faults
                    .disk_full_after_bytes
                    .is_some_and(|limit| file.bytes_written + bytes.len() as u64 > limit);
                if full {
                    return Ok(Err(io::Error::from(io::ErrorKind::StorageFull)));
                }
                let start = offset as usize;
                let end = start + bytes.len();
                if file.bytes.len() < end {
                    file.bytes.resize(end, 0);
                    file.written.resize(end, false);
                }
                file.bytes[start..end].copy_from_slice(bytes);
                file.written[start..end].fill(true);
                file.bytes_written += bytes.len() as u64;
                Ok(Ok(()))
            },
        )
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        let end = offset + buf.len() as u64;
        self.with_record(
            &format!("read_exact_at [{offset}, {end})"),
            |file, faults| {
                if file.closed {
                    return Err(after_close());
                }
                let read_number = file.reads;
                file.reads += 1;
                if faults.eio_at_read == Some(read_number) {
                    return Ok(Err(io::Error::other("EIO (injected)")));
                }
                let start = offset as usize;
                let end = start + buf.len();
                let unwritten =
                    (start..end).find(|&i| !file.written.get(i).copied().unwrap_or(false));
                if let Some(byte) = unwritten {
                    let what = format!("reads byte {byte}, which was never written");
                    return Err((Oracle::DataIntegrity, what));
                }
                buf.copy_from_slice(&file.bytes[start..end]);
                Ok(Ok(()))
            },
        )
    }

    fn close(&self) -> io::Result<()> {
        self.with_record("close", |file, _| {
            if file.closed {
                return Err(after_close());
            }
            file.closed = true;
            Ok(Ok(()))
        })
    }

    fn remove(&self) -> io::Result<()> {
        self.with_record("remove", |file, _| {
            if !file.closed || file.removed {
                let what = "remove before close, or twice".to_owned();
                return Err((Oracle::NoAccessAfterClose, what));
            }
            file.removed = true;
            Ok(Ok(()))
        })
    }
}

#[cfg(test)]
mod tests {
    use std::panic::{self, AssertUnwindSafe};

    use super::*;

    fn files() -> CheckedFiles {
        CheckedFiles::new(
            || "tester".to_owned(),
            crate::platform::no_note(),
            Facts::default(),
        )
    }

    fn violation_of(body: impl FnOnce()) -> String {
        let payload = panic::catch_unwind(AssertUnwindSafe(body)).expect_err("a violation");
        scenarios::panic_message(payload.as_ref())
    }

    #[test]
    fn reading_after_close_is_a_violation() {
        let file = files().create().expect("create");
        file.write_all_at(b"abc", 0).expect("write");
        file.close().expect("close");
        let message = violation_of(|| drop(file.read_exact_at(&mut [0; 1], 0)));
        assert_eq!(
            Oracle::named_in(&message),
            Some(Oracle::NoAccessAfterClose),
            "{message}"
        );
        assert!(
            message.contains("tester") && message.contains("read_exact_at"),
            "{message}"
        );
    }

    #[test]
    fn writing_after_close_is_a_violation() {
        let file = files().create().expect("create");
        file.close().expect("close");
        let message = violation_of(|| drop(file.write_all_at(b"x", 0)));
        assert_eq!(
            Oracle::named_in(&message),
            Some(Oracle::NoAccessAfterClose),
            "{message}"
        );
    }

    #[test]
    fn reading_bytes_never_written_is_a_violation() {
        let file = files().create().expect("create");
        file.write_all_at(b"ab", 0).expect("write");
        let message = violation_of(|| drop(file.read_exact_at(&mut [0; 3], 0)));
        assert_eq!(
            Oracle::named_in(&message),
            Some(Oracle::DataIntegrity),
            "{message}"
        );
        assert!(message.contains("byte 2"), "{message}");
    }

    #[test]
    fn a_file_never_removed_is_a_leak() {
        let files = files();
        let file = files.create().expect("create");
        file.close().expect("close");
        let message = violation_of(|| files.assert_no_leaks());
        assert_eq!(
            Oracle::named_in(&message),
            Some(Oracle::NoLeak),
            "{message}"
        );
    }

    #[test]
    fn a_closed_and_removed_file_is_no_leak() {
        let files = files();
        let file = files.create().expect("create");
        file.close().expect("close");
        file.remove().expect("remove");
        files.assert_no_leaks();
    }

    #[test]
    fn disk_full_fails_the_write_that_crosses_the_limit() {
        let faults = FileFaults {
            disk_full_after_bytes: Some(4),
            eio_at_read: None,
        };
        let file = files().for_store("A", &faults).create().expect("create");
        file.write_all_at(b"abc", 0).expect("under the limit");
        let error = file.write_all_at(b"de", 3).expect_err("over the limit");
        assert_eq!(error.kind(), io::ErrorKind::StorageFull);
    }

    #[test]
    fn eio_fails_exactly_the_planned_read() {
        let faults = FileFaults {
            disk_full_after_bytes: None,
            eio_at_read: Some(1),
        };
        let file = files().for_store("A", &faults).create().expect("create");
        file.write_all_at(b"abc", 0).expect("write");
        assert!(file.read_exact_at(&mut [0; 1], 0).is_ok());
        assert!(file.read_exact_at(&mut [0; 1], 0).is_err());
        assert!(file.read_exact_at(&mut [0; 1], 0).is_ok());
    }
}
