//! `Objects`: what the file system's requests do, with no FUSE types in
//! sight, so that the same code answers a real kernel (`fuse.rs`) and a
//! double of the reply path in a test harness.
//!
//! Every request is answered on the caller's thread without waiting for any
//! download, but a read of bytes that have not all arrived: that one is
//! queued on its object's [`Lane`] and answered from one of its workers.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use store::{Clock, FileIo, Handle, Runtime, StoreError, TempFileStore, Transport};

use crate::lanes::Lane;
use crate::status::{ObjectStatus, Status};

/// A file of the mount, as the file system names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileId {
    /// The object at this index, in the order the mount was given them.
    Object(usize),
    /// The status file.
    Status,
}

/// An open file's number, what `open` hands the kernel as its file handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct OpenFileId(pub u64);

/// Why a request failed, in the terms a kernel understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// No such file (`ENOENT`).
    #[error("no such file")]
    NotFound,
    /// No such open file (`EBADF`).
    #[error("no such open file")]
    BadHandle,
    /// The bytes will never come: the download failed, or the store is
    /// closing because the mount is going away (`EIO`).
    #[error("input/output error")]
    Io,
}

/// Where a read's answer goes: a FUSE reply, or a test's double. Each read
/// is answered exactly once, by one of the two methods.
pub trait ReadReply: Send + 'static {
    /// Answers with `bytes`: fewer than asked only at the object's end.
    fn data(self, bytes: &[u8]);
    /// Answers with an error.
    fn error(self, error: RequestError);
}

/// One object of the mount: its file name, its store, its readers' lane.
pub struct MountedObject<T: Transport, R: Runtime, C: Clock, F: FileIo> {
    /// Shared, so that a read's job names its object without a copy.
    name: Arc<str>,
    store: TempFileStore<T, R, C, F>,
    lane: Lane<R>,
}

/// The mounted objects and their open files.
pub struct Objects<T: Transport, R: Runtime, C: Clock, F: FileIo> {
    runtime: R,
    objects: Vec<MountedObject<T, R, C, F>>,
    open_files: R::Mutex<OpenFiles<T, R, C, F>>,
    log_lines_dropped: Box<dyn Fn() -> u64 + Send + Sync>,
    /// A bug planted back for the harness's self-test: see `planted`.
    #[cfg(feature = "planted-bugs")]
    plant: Option<store::Plant>,
}

struct OpenFiles<T: Transport, R: Runtime, C: Clock, F: FileIo> {
    by_id: BTreeMap<OpenFileId, OpenFile<T, R, C, F>>,
    next_id: u64,
    /// Set once by `unmount`, under the same lock as the table: no file
    /// opens after it, so no handle escapes the release at unmount.
    unmounting: bool,
}

enum OpenFile<T: Transport, R: Runtime, C: Clock, F: FileIo> {
    /// A handle on an object's store; each read holds it too.
    Object(Arc<Handle<T, R, C, F>>, usize),
    /// The status as it was at open, so reads at any offset agree.
    Status(Arc<[u8]>),
}

/// How one object's store closed at unmount.
#[derive(Debug)]
pub struct Closed {
    /// The object's file name.
    pub name: String,
    /// The close's outcome: `CloseDeadlineExceeded` if it did not finish in time.
    pub outcome: Result<(), StoreError>,
}

impl<T: Transport, R: Runtime, C: Clock, F: FileIo> Objects<T, R, C, F> {
    /// Mounts `stores` under their names, each with `readers` worker
    /// threads for its reads. `log_lines_dropped` reads the logger's count
    /// of lines it dropped, for the status file.
    ///
    /// If a lane cannot start, every store is closed and the error returned.
    pub fn new(
        runtime: R,
        stores: Vec<(String, TempFileStore<T, R, C, F>)>,
        readers: NonZeroUsize,
        log_lines_dropped: Box<dyn Fn() -> u64 + Send + Sync>,
    ) -> Result<Objects<T, R, C, F>, std::io::Error> {
        let mut objects = Vec::with_capacity(stores.len());
        let mut stores = stores.into_iter();
        for (name, store) in stores.by_ref() {
            match Lane::start(runtime.clone(), &name, readers) {
                Ok(lane) => objects.push(MountedObject {
                    name: name.into(),
                    store,
                    lane,
                }),
                Err(error) => {
                    for object in &objects {
                        object.lane.stop();
                    }
                    return Err(error);
                }
            }
        }
        let open_files = runtime.mutex(OpenFiles {
            by_id: BTreeMap::new(),
            next_id: 0,
            unmounting: false,
        });
        Ok(Objects {
            runtime,
            objects,
            open_files,
            log_lines_dropped,
            #[cfg(feature = "planted-bugs")]
            plant: None,
        })
    }

    /// These objects, with `plant` planted (the harness's self-test only).
    #[cfg(feature = "planted-bugs")]
    pub fn planting(mut self, plant: Option<store::Plant>) -> Self {
        self.plant = plant;
        self
    }

    /// Whether the plant site `site` misbehaves.
    #[cfg(feature = "planted-bugs")]
    fn planted(&self, site: &str) -> bool {
        self.plant
            .as_ref()
            .is_some_and(|plant| plant.site() == site)
    }

    /// Without the `planted-bugs` feature no bug is ever planted.
    #[cfg(not(feature = "planted-bugs"))]
    fn planted(&self, _site: &str) -> bool {
        false
    }

    /// The objects' file names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.objects.iter().map(|object| &*object.name)
    }

    /// The length of the object at `index`, known from the moment the mount
    /// starts.
    pub fn object_len(&self, index: usize) -> Option<u64> {
        self.objects.get(index).map(|object| object.store.len())
    }

    /// The store of the object at `index`.
    pub fn store(&self, index: usize) -> Option<&TempFileStore<T, R, C, F>> {
        self.objects.get(index).map(|object| &object.store)
    }

    /// Opens `file`: a handle on the object's store, or a snapshot of the
    /// status. Fails with `Io` once unmounting has begun.
    pub fn open(&self, file: FileId) -> Result<OpenFileId, RequestError> {
        let opened = match file {
            FileId::Status => OpenFile::Status(self.status().to_json().into_bytes().into()),
            FileId::Object(index) => {
                let object = self.objects.get(index).ok_or(RequestError::NotFound)?;
                let handle = object.store.open_handle().map_err(|error| {
                    tracing::debug!(%error, object = &*object.name, "open fails");
                    RequestError::Io
                })?;
                OpenFile::Object(Arc::new(handle), index)
            }
        };
        let mut open_files = self.runtime.lock(&self.open_files);
        if open_files.unmounting {
            drop(open_files);
            // Unmount released the open files before this one joined them.
            let _ = self.release_file(opened);
            return Err(RequestError::Io);
        }
        let id = OpenFileId(open_files.next_id);
        open_files.next_id += 1;
        open_files.by_id.insert(id, opened);
        Ok(id)
    }

    /// Reads up to `size` bytes at `offset` of the open file `id` into
    /// `reply`. The status is answered at once; an object's bytes from its
    /// lane, once they have arrived, or with `Io` if they never will.
    pub fn read(&self, id: OpenFileId, offset: u64, size: u32, reply: impl ReadReply) {
        let open_files = self.runtime.lock(&self.open_files);
        let (handle, index) = match open_files.by_id.get(&id) {
            // Unmount released every open file: a read that comes after is
            // cut off, as one that was waiting is.
            None if open_files.unmounting => return reply.error(RequestError::Io),
            None => return reply.error(RequestError::BadHandle),
            Some(OpenFile::Status(bytes)) => {
                let bytes = Arc::clone(bytes);
                drop(open_files);
                return reply.data(slice_at(&bytes, offset, size));
            }
            Some(OpenFile::Object(handle, index)) => (Arc::clone(handle), *index),
        };
        drop(open_files);
        let object = &self.objects[index];
        let end = offset
            .saturating_add(u64::from(size))
            .min(object.store.len());
        let arrived = object.store.arrived_bytes() >= end;
        let name = Arc::clone(&object.name);
        let job = move || {
            let mut buf = vec![0; usize::try_from(size).unwrap_or(usize::MAX)];
            match handle.read_at(&mut buf, offset) {
                Ok(len) => reply.data(&buf[..len]),
                Err(error) => {
                    tracing::debug!(%error, object = &*name, offset, size, "read fails");
                    reply.error(RequestError::Io);
                }
            }
        };
        if arrived {
            // Every byte asked for is in the temp file: the read is a pread
            // that waits for nothing, answered here without a hop to a lane.
            return job();
        }
        let lane = if self.planted("one-lane-for-every-object") {
            &self.objects[0].lane
        } else {
            &self.objects[index].lane
        };
        if let Err(refused) = lane.submit(Box::new(job)) {
            // The lane stops only at unmount, once its store is closing and
            // every handle released: the read fails at once, without
            // waiting, so answering it here holds nobody up.
            refused();
        }
    }

    /// Releases the open file `id`: its handle closes now, or as the last
    /// read through it leaves.
    pub fn release(&self, id: OpenFileId) -> Result<(), RequestError> {
        let mut open_files = self.runtime.lock(&self.open_files);
        let released = open_files.by_id.remove(&id);
        let unmounting = open_files.unmounting;
        drop(open_files);
        match released {
            Some(file) => self.release_file(file),
            // Unmount released it already.
            None if unmounting => Ok(()),
            None => Err(RequestError::BadHandle),
        }
    }

    /// Releases `file`'s handle, if it has one.
    fn release_file(&self, file: OpenFile<T, R, C, F>) -> Result<(), RequestError> {
        match file {
            OpenFile::Status(_) => Ok(()),
            OpenFile::Object(handle, index) => handle.release().map_err(|error| {
                tracing::warn!(%error, object = &*self.objects[index].name, "release fails");
                RequestError::Io
            }),
        }
    }

    /// Each object's download and calls in flight now, and the log lines
    /// dropped: loads of counters and one brief lock per store.
    pub fn status(&self) -> Status {
        Status {
            objects: self
                .objects
                .iter()
                .map(|object| {
                    ObjectStatus::new(
                        &object.name,
                        object.store.progress(),
                        object.store.in_flight(),
                    )
                })
                .collect(),
            log_lines_dropped: (self.log_lines_dropped)(),
        }
    }

    /// Unmounts: refuses new opens, releases every open file, begins closing
    /// every store at once (reads that wait fail with `Io` now, not at the
    /// deadline), waits for each close until `close_deadline` has passed,
    /// and stops the lanes once every queued read is answered. Safe to call
    /// again; later calls find nothing left to release.
    pub fn unmount(&self, close_deadline: Duration) -> Vec<Closed> {
        #[cfg(feature = "planted-bugs")]
        if self.planted("unmount-discards-queued-reads") {
            self.objects
                .iter()
                .for_each(|object| object.lane.discard_queued());
        }
        let open = {
            let mut open_files = self.runtime.lock(&self.open_files);
            open_files.unmounting = true;
            std::mem::take(&mut open_files.by_id)
        };
        for file in open.into_values() {
            // A failed release is logged; the close below reports the rest.
            let _ = self.release_file(file);
        }
        let deadlines: Vec<_> = self
            .objects
            .iter()
            .map(|object| {
                let deadline = object.store.clock().now() + close_deadline;
                object.store.begin_close();
                deadline
            })
            .collect();
        let closed = self
            .objects
            .iter()
            .zip(deadlines)
            .map(|(object, deadline)| Closed {
                name: object.name.to_string(),
                outcome: object.store.close_with_deadline(deadline),
            })
            .collect();
        for object in &self.objects {
            object.lane.stop();
        }
        closed
    }
}

impl<T: Transport, R: Runtime, C: Clock, F: FileIo> Objects<T, R, C, F> {
    /// Waits, as long as it takes, until every store has released its temp
    /// file: after an [`unmount`](Self::unmount) whose closes gave up at
    /// their deadline, the last party out of each store releases it later.
    pub fn await_released(&self) -> Vec<Closed> {
        self.objects
            .iter()
            .map(|object| Closed {
                name: object.name.to_string(),
                outcome: object.store.close(),
            })
            .collect()
    }
}

/// The part of `bytes` a read of `size` bytes at `offset` gets.
fn slice_at(bytes: &[u8], offset: u64, size: u32) -> &[u8] {
    let start = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    let end = start
        .saturating_add(usize::try_from(size).unwrap_or(usize::MAX))
        .min(bytes.len());
    &bytes[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_past_the_end_of_a_snapshot_is_empty() {
        assert_eq!(slice_at(b"abc", 1, 10), b"bc");
        assert_eq!(slice_at(b"abc", 3, 10), b"");
        assert_eq!(slice_at(b"abc", u64::MAX, u32::MAX), b"");
    }
}
