use std::io;
use std::sync::{Arc, Mutex, PoisonError};

use store::{FileIo, TempFile};

use super::{FileOp, FileResult, Host, Step, WrittenBytes};
use crate::{FileFaults, InjectedEio, InjectedEmfile, Oracle, Violation};

/// In-memory temp files that check how the store uses them: access after
/// close, reads of never-written bytes and leaks are violations; ENOSPC and
/// EIO are injected per the fault plan. All files of one world share one
/// registry, so leaks are checked across stores.
#[derive(Clone)]
pub struct CheckedFiles {
    registry: Arc<Mutex<Vec<FileRecord>>>,
    faults: FileFaults,
    /// The store whose files these are, told to the host with each step.
    store: Option<&'static str>,
    host: Arc<dyn Host>,
}

#[derive(Debug, Default)]
struct FileRecord {
    bytes: Vec<u8>,
    written: Vec<bool>,
    bytes_written: u64,
    reads: usize,
    closed: bool,
    removed: bool,
    /// Whether each duplicate made of the file is still open.
    duplicates_open: Vec<bool>,
    /// Each write's bytes, where the host's model checks orderings.
    writes: Vec<WrittenRange>,
}

/// The range one write wrote, and its bytes as the model tracks them.
struct WrittenRange {
    from: u64,
    to: u64,
    bytes: Arc<dyn WrittenBytes>,
}

impl std::fmt::Debug for WrittenRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}, {})", self.from, self.to)
    }
}

impl CheckedFiles {
    /// An empty registry on `host`, which is told everything that happens
    /// to the files.
    pub fn new(host: Arc<dyn Host>) -> CheckedFiles {
        CheckedFiles {
            registry: Arc::default(),
            faults: FileFaults::default(),
            store: None,
            host,
        }
    }

    /// Files of store `store` that share this registry but misbehave per `faults`.
    pub fn for_store(&self, store: &'static str, faults: &FileFaults) -> CheckedFiles {
        CheckedFiles {
            faults: faults.clone(),
            store: Some(store),
            ..self.clone()
        }
    }

    /// Tells the host a duplicate of this store's file opened or closed.
    fn duplicates_change(&self, change: i64) {
        self.host.saw(self.store, Step::DuplicatesChange(change));
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Vec<FileRecord>> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The oracle "no leaked file or handle".
    pub fn assert_no_leaks(&self) {
        if let Some(violation) = self.leak_violation("after its store closed") {
            violation.raise();
        }
    }

    /// A no-leak violation if some file is still open or present; `when`
    /// says at which moment, for the report.
    pub fn leak_violation(&self, when: &str) -> Option<Violation> {
        let registry = self.registry();
        let open_duplicate = registry.iter().enumerate().find_map(|(index, file)| {
            let duplicate = file.duplicates_open.iter().position(|&open| open)?;
            Some((index, duplicate))
        });
        if let Some((index, duplicate)) = open_duplicate {
            let what = format!("duplicate #{duplicate} of temp file #{index} is still open {when}");
            return Some(Violation::new(
                Oracle::NoLeak,
                self.host.thread_name(),
                "duplicate still open",
                what,
            ));
        }
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
        Some(Violation::new(
            Oracle::NoLeak,
            self.host.thread_name(),
            state,
            what,
        ))
    }

    /// How many duplicates of file `index` are open.
    pub fn duplicates_open(&self, index: usize) -> usize {
        self.registry().get(index).map_or(0, |file| {
            file.duplicates_open.iter().filter(|&&open| open).count()
        })
    }

    /// How many bytes from the start of file `index` were written without a gap.
    pub fn written_prefix(&self, index: usize) -> u64 {
        self.registry().get(index).map_or(0, |file| {
            file.written.iter().take_while(|&&written| written).count() as u64
        })
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
        self.host.saw(self.store, Step::FileCreated { file: index });
        Ok(CheckedFile {
            index,
            duplicate: None,
            files: self.clone(),
        })
    }
}

/// One checked temp file, or a duplicate of one.
pub struct CheckedFile {
    index: usize,
    /// The duplicate's number, if this is one.
    duplicate: Option<usize>,
    files: CheckedFiles,
}

/// A breach an operation found: the oracle, its kind, what happened.
type Breach = (Oracle, &'static str, String);

impl CheckedFile {
    /// Runs `op` on the file's record; any violation it reports is raised
    /// with the thread and the operation named.
    fn with_record(
        &self,
        op: FileOp,
        body: impl FnOnce(&mut FileRecord, &FileFaults) -> Result<io::Result<()>, Breach>,
    ) -> io::Result<()> {
        let files = &self.files;
        files.host.file_access(!matches!(op, FileOp::Read { .. }));
        let outcome = {
            let mut registry = self
                .files
                .registry
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            body(&mut registry[self.index], &self.files.faults)
        };
        let result = match &outcome {
            Ok(Ok(())) => FileResult::Done,
            Ok(Err(error)) => FileResult::Failed(error.kind()),
            Err(_) => FileResult::Violation,
        };
        let step = Step::File {
            file: self.index,
            op,
            result,
        };
        files.host.saw(files.store, step);
        outcome.unwrap_or_else(|(oracle, kind, what)| {
            // A thread unwinding a failed execution (a drop releasing a
            // handle, say) must not panic again: that aborts the process.
            if std::thread::panicking() {
                return Err(io::Error::other(format!("{oracle}: {what}")));
            }
            let what = format!("{op} on temp file #{}: {what}", self.index);
            Violation::new(oracle, files.host.thread_name(), kind, what).raise()
        })
    }
}

/// The breach of touching duplicate `duplicate` of `file` if it was closed.
fn closed_duplicate(file: &FileRecord, duplicate: usize, op: &'static str) -> Option<Breach> {
    let open = file
        .duplicates_open
        .get(duplicate)
        .copied()
        .unwrap_or(false);
    (!open).then(|| {
        let what = format!("duplicate #{duplicate} was already closed");
        (Oracle::NoAccessAfterClose, op, what)
    })
}

fn after_close(op: &'static str) -> Breach {
    (
        Oracle::NoAccessAfterClose,
        op,
        "the file was already closed".to_owned(),
    )
}

impl TempFile for CheckedFile {
    fn write_all_at(&self, bytes: &[u8], offset: u64) -> io::Result<()> {
        let end = offset + bytes.len() as u64;
        self.with_record(
            FileOp::Write {
                from: offset,
                to: end,
            },
            |file, faults| {
                if file.closed {
                    return Err(after_close("write of a closed file"));
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
                if let Some(written) = self.files.host.written_bytes() {
                    file.writes.push(WrittenRange {
                        from: offset,
                        to: offset + bytes.len() as u64,
                        bytes: written,
                    });
                }
                Ok(Ok(()))
            },
        )
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        let end = offset + buf.len() as u64;
        let writes: Vec<Arc<dyn WrittenBytes>> = self.files.registry()[self.index]
            .writes
            .iter()
            .filter(|write| write.from < end && offset < write.to)
            .map(|write| Arc::clone(&write.bytes))
            .collect();
        self.files.host.check_read(self.index, offset, end, &writes);
        if let Some(takes) = self.files.faults.slow_reads {
            self.files.host.slow_file_operation(takes);
        }
        let op = match self.duplicate {
            None => FileOp::Read {
                from: offset,
                to: end,
            },
            Some(duplicate) => FileOp::ReadThrough {
                duplicate,
                from: offset,
                to: end,
            },
        };
        self.with_record(op, |file, faults| {
            match self.duplicate {
                None if file.closed => return Err(after_close("read of a closed file")),
                None => {}
                Some(duplicate) => {
                    if let Some(breach) =
                        closed_duplicate(file, duplicate, "read of a closed duplicate")
                    {
                        return Err(breach);
                    }
                }
            }
            let read_number = file.reads;
            file.reads += 1;
            if faults.eio_at_read == Some(read_number) {
                return Ok(Err(io::Error::other(InjectedEio)));
            }
            let start = offset as usize;
            let end = start + buf.len();
            let unwritten = (start..end).find(|&i| !file.written.get(i).copied().unwrap_or(false));
            if let Some(byte) = unwritten {
                let what = format!("reads byte {byte}, which was never written");
                return Err((Oracle::DataIntegrity, "read of unwritten bytes", what));
            }
            buf.copy_from_slice(&file.bytes[start..end]);
            Ok(Ok(()))
        })
    }

    fn close(&self) -> io::Result<()> {
        if let Some(duplicate) = self.duplicate {
            return self
                .with_record(FileOp::CloseDuplicate { duplicate }, |file, _| {
                    if let Some(breach) =
                        closed_duplicate(file, duplicate, "close of a closed duplicate")
                    {
                        return Err(breach);
                    }
                    file.duplicates_open[duplicate] = false;
                    Ok(Ok(()))
                })
                .inspect(|()| self.files.duplicates_change(-1));
        }
        self.with_record(FileOp::Close, |file, _| {
            if file.closed {
                return Err(after_close("close of a closed file"));
            }
            if let Some(open) = file.duplicates_open.iter().position(|&open| open) {
                let what = format!("closed while its duplicate #{open} is still open");
                return Err((
                    Oracle::ReleaseAfterLastHandle,
                    "file closed under an open handle",
                    what,
                ));
            }
            file.closed = true;
            Ok(Ok(()))
        })
    }

    fn remove(&self) -> io::Result<()> {
        self.with_record(FileOp::Remove, |file, _| {
            if self.duplicate.is_some() {
                let what = "remove through a duplicate".to_owned();
                return Err((Oracle::NoAccessAfterClose, "remove of a duplicate", what));
            }
            if !file.closed || file.removed {
                let what = "remove before close, or twice".to_owned();
                return Err((Oracle::NoAccessAfterClose, "remove out of order", what));
            }
            file.removed = true;
            Ok(Ok(()))
        })
    }

    fn duplicate(&self) -> io::Result<CheckedFile> {
        let duplicate = {
            let mut registry = self.files.registry();
            let numbers = &mut registry[self.index].duplicates_open;
            numbers.push(false);
            numbers.len() - 1
        };
        self.with_record(FileOp::Duplicate { duplicate }, |file, faults| {
            if file.closed {
                return Err(after_close("duplicate of a closed file"));
            }
            if faults.refuse_duplicate == Some(duplicate) {
                return Ok(Err(io::Error::other(InjectedEmfile)));
            }
            file.duplicates_open[duplicate] = true;
            Ok(Ok(()))
        })?;
        self.files.duplicates_change(1);
        Ok(CheckedFile {
            index: self.index,
            duplicate: Some(duplicate),
            files: self.files.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::panic::{self, AssertUnwindSafe};

    use super::*;
    use crate::doubles::TestHost;

    fn files() -> CheckedFiles {
        CheckedFiles::new(Arc::new(TestHost::default()))
    }

    fn violation_of(body: impl FnOnce()) -> Violation {
        let payload = panic::catch_unwind(AssertUnwindSafe(body)).expect_err("a violation");
        Violation::of_panic(payload.as_ref())
            .expect("a violation")
            .clone()
    }

    #[test]
    fn reading_after_close_is_a_violation() {
        let file = files().create().expect("create");
        file.write_all_at(b"abc", 0).expect("write");
        file.close().expect("close");
        let violation = violation_of(|| drop(file.read_exact_at(&mut [0; 1], 0)));
        assert_eq!(violation.oracle, Oracle::NoAccessAfterClose, "{violation}");
        assert_eq!(violation.thread, "tester");
        assert!(violation.what.contains("read_exact_at"), "{violation}");
    }

    #[test]
    fn writing_after_close_is_a_violation() {
        let file = files().create().expect("create");
        file.close().expect("close");
        let violation = violation_of(|| drop(file.write_all_at(b"x", 0)));
        assert_eq!(violation.oracle, Oracle::NoAccessAfterClose, "{violation}");
    }

    #[test]
    fn reading_bytes_never_written_is_a_violation() {
        let file = files().create().expect("create");
        file.write_all_at(b"ab", 0).expect("write");
        let violation = violation_of(|| drop(file.read_exact_at(&mut [0; 3], 0)));
        assert_eq!(violation.oracle, Oracle::DataIntegrity, "{violation}");
        assert!(violation.what.contains("byte 2"), "{violation}");
    }

    #[test]
    fn a_file_never_removed_is_a_leak() {
        let files = files();
        let file = files.create().expect("create");
        file.close().expect("close");
        let violation = violation_of(|| files.assert_no_leaks());
        assert_eq!(violation.oracle, Oracle::NoLeak, "{violation}");
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
            ..FileFaults::default()
        };
        let file = files().for_store("A", &faults).create().expect("create");
        file.write_all_at(b"abc", 0).expect("under the limit");
        let error = file.write_all_at(b"de", 3).expect_err("over the limit");
        assert_eq!(error.kind(), io::ErrorKind::StorageFull);
    }

    #[test]
    fn eio_fails_exactly_the_planned_read() {
        let faults = FileFaults {
            eio_at_read: Some(1),
            ..FileFaults::default()
        };
        let file = files().for_store("A", &faults).create().expect("create");
        file.write_all_at(b"abc", 0).expect("write");
        assert!(file.read_exact_at(&mut [0; 1], 0).is_ok());
        assert!(file.read_exact_at(&mut [0; 1], 0).is_err());
        assert!(file.read_exact_at(&mut [0; 1], 0).is_ok());
    }

    #[test]
    fn the_planned_duplicate_is_refused_with_emfile_and_never_opened() {
        let faults = FileFaults {
            refuse_duplicate: Some(0),
            ..FileFaults::default()
        };
        let files = files().for_store("A", &faults);
        let file = files.create().expect("create");
        let refused = file.duplicate().err().expect("duplicate 0 is refused");
        assert!(InjectedEmfile::is(&refused), "{refused}");
        let duplicate = file.duplicate().expect("duplicate 1 opens");
        duplicate.close().expect("close the duplicate");
        file.close().expect("close");
        file.remove().expect("remove");
        files.assert_no_leaks();
    }
}
