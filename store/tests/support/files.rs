//! Real temp files with hooks: report creation and removal, fail writes
//! (disk full), hold reads until the test lets them finish, panic in reads.

use std::io;
use std::path::Path;
use std::sync::Arc;

use crossbeam::channel::{self, Receiver, Sender};
use store::file_io::TempDirFile;
use store::{FileIo, TempDirFiles, TempFile};

/// What happened to a file, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FileEvent {
    Created,
    Closed,
    Removed,
    /// A reader entered `read_exact_at` (and may now be held there).
    ReadStarted,
}

#[derive(Clone, Default)]
pub(crate) struct Hooks {
    pub fail_writes_with: Option<io::ErrorKind>,
    /// When set, each read waits for one message here before reading.
    pub hold_reads_until: Option<Receiver<()>>,
    pub panic_in_reads: bool,
}

/// [`TempDirFiles`] in a directory of the test's, reporting [`FileEvent`]s.
pub(crate) struct ObservedFiles {
    inner: TempDirFiles,
    hooks: Hooks,
    events: Sender<FileEvent>,
}

impl ObservedFiles {
    pub(crate) fn new(dir: &Path, hooks: Hooks) -> (ObservedFiles, Receiver<FileEvent>) {
        let (events, received) = channel::unbounded();
        let files = ObservedFiles {
            inner: TempDirFiles::in_dir(dir),
            hooks,
            events,
        };
        (files, received)
    }
}

impl FileIo for ObservedFiles {
    type File = ObservedFile;

    fn create(&self) -> io::Result<ObservedFile> {
        let file = self.inner.create()?;
        let _ = self.events.send(FileEvent::Created);
        Ok(ObservedFile {
            inner: Arc::new(file),
            hooks: self.hooks.clone(),
            events: self.events.clone(),
        })
    }
}

pub(crate) struct ObservedFile {
    inner: Arc<TempDirFile>,
    hooks: Hooks,
    events: Sender<FileEvent>,
}

impl TempFile for ObservedFile {
    fn write_all_at(&self, bytes: &[u8], offset: u64) -> io::Result<()> {
        match self.hooks.fail_writes_with {
            Some(kind) => Err(kind.into()),
            None => self.inner.write_all_at(bytes, offset),
        }
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        let _ = self.events.send(FileEvent::ReadStarted);
        if let Some(hold) = &self.hooks.hold_reads_until {
            let _ = hold.recv();
        }
        assert!(!self.hooks.panic_in_reads, "planted panic in a file read");
        self.inner.read_exact_at(buf, offset)
    }

    fn close(&self) -> io::Result<()> {
        self.inner.close()?;
        let _ = self.events.send(FileEvent::Closed);
        Ok(())
    }

    fn remove(&self) -> io::Result<()> {
        self.inner.remove()?;
        let _ = self.events.send(FileEvent::Removed);
        Ok(())
    }

    fn duplicate(&self) -> io::Result<ObservedFile> {
        Ok(ObservedFile {
            inner: Arc::new(self.inner.duplicate()?),
            hooks: self.hooks.clone(),
            events: self.events.clone(),
        })
    }
}
