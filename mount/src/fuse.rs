//! The FUSE face of [`Objects`]: inode numbers, attributes, directory
//! listings, and the mapping of fuser's requests and replies.
//!
//! The tree is flat and fixed at mount:
//!
//! ```text
//! /                     inode 1
//! /<object name>        inode 2 + the object's index, read-only, its length known at once
//! /.tempfilestore/      inode 2 + objects
//! /.tempfilestore/status inode 3 + objects: JSON, rendered at each open
//! ```

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs::File;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use fuser::{
    BackingId, Errno, FileAttr, FileHandle, FileType, Filesystem, FopenFlags, Generation, INodeNo,
    InitFlags, KernelConfig, LockOwner, OpenAccMode, OpenFlags, ReplyAttr, ReplyData,
    ReplyDirectory, ReplyEmpty, ReplyEntry, ReplyOpen, Request,
};
use store::{Clock, FileIo, Runtime, Transport};

use crate::objects::{FileId, Objects, OpenFileId, ReadReply, RequestError};
use crate::source::STATUS_DIR;

/// The status file's name inside [`STATUS_DIR`].
pub const STATUS_FILE: &str = "status";

/// How long the kernel may cache an object's attributes and names: they
/// never change while the mount lives.
const OBJECT_TTL: Duration = Duration::from_secs(3600);
/// How long the kernel may cache the status file's attributes.
const STATUS_TTL: Duration = Duration::from_secs(1);
/// The largest read the kernel sends, and how far ahead it reads: large
/// enough that a sequential read costs few round trips through the session.
const MAX_READAHEAD_BYTES: u32 = 1 << 20;

/// The temp file of a complete object, for a passthrough open.
pub type CompleteFile = Box<dyn Fn(usize) -> Option<File> + Send + Sync>;

/// Objects opened in passthrough: the kernel reads their temp file itself,
/// and this file system sees no read of them. One backing id per object,
/// shared by its passthrough opens, as the kernel requires; and an object's
/// opens are all passthrough or all plain at any one time, since the
/// kernel fails (`EIO`) an open that would mix the two on one inode.
#[derive(Default)]
struct Passthrough {
    /// Whether the kernel agreed to passthrough at init.
    enabled: bool,
    /// Each object in passthrough: its backing id and its open files.
    backing: BTreeMap<usize, (BackingId, usize)>,
    /// Each object's plain open files, read through this file system.
    plain: BTreeMap<usize, usize>,
    /// Every open file of an object: its object, and whether in passthrough.
    open: BTreeMap<u64, (usize, bool)>,
}

/// A node of the tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Node {
    Root,
    Object(usize),
    StatusDir,
    StatusFile,
}

/// [`Objects`] as a fuser file system.
pub struct FuseFs<T: Transport, R: Runtime, C: Clock, F: FileIo> {
    objects: Arc<Objects<T, R, C, F>>,
    object_count: u64,
    owner: (u32, u32),
    mounted_at: SystemTime,
    complete_file: Option<CompleteFile>,
    passthrough: Mutex<Passthrough>,
}

impl<T: Transport, R: Runtime, C: Clock, F: FileIo> FuseFs<T, R, C, F> {
    /// Serves `objects`, owned by `uid` and `gid`.
    pub fn new(objects: Arc<Objects<T, R, C, F>>, uid: u32, gid: u32) -> Self {
        let object_count = objects.names().count() as u64;
        FuseFs {
            objects,
            object_count,
            owner: (uid, gid),
            mounted_at: SystemTime::now(),
            complete_file: None,
            passthrough: Mutex::default(),
        }
    }

    /// Opens complete objects in passthrough where the kernel allows it:
    /// `complete_file` gives an object's temp file once every byte has
    /// arrived, and the kernel then reads it directly, at the speed of a
    /// local file.
    pub fn with_passthrough(mut self, complete_file: CompleteFile) -> Self {
        self.complete_file = Some(complete_file);
        self
    }

    fn passthrough(&self) -> std::sync::MutexGuard<'_, Passthrough> {
        self.passthrough
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Answers an open of object `index` as `id`: in passthrough if the
    /// kernel agreed, the object is complete and none of its files is open
    /// plain, or if its files are open in passthrough already; plain
    /// otherwise.
    fn reply_opened(&self, index: usize, id: u64, reply: ReplyOpen) {
        let mut passthrough = self.passthrough();
        let open_plain = passthrough.plain.contains_key(&index);
        if passthrough.enabled && !open_plain && !passthrough.backing.contains_key(&index) {
            let file = self
                .complete_file
                .as_ref()
                .and_then(|complete| complete(index));
            if let Some(backing) = file.and_then(|file| reply.open_backing(&file).ok()) {
                passthrough.backing.insert(index, (backing, 0));
            }
        }
        match passthrough.backing.get_mut(&index) {
            Some((backing, users)) => {
                *users += 1;
                // The kernel refuses a passthrough open that asks to keep
                // the page cache (EIO at open): the backing file's serves.
                reply.opened_passthrough(FileHandle(id), FopenFlags::empty(), backing);
                passthrough.open.insert(id, (index, true));
            }
            None => {
                *passthrough.plain.entry(index).or_default() += 1;
                // The object never changes: what the kernel cached stays true.
                reply.opened(FileHandle(id), FopenFlags::FOPEN_KEEP_CACHE);
                passthrough.open.insert(id, (index, false));
            }
        }
    }

    /// Forgets the open file `id`, closing its object's backing id with
    /// the last passthrough user.
    fn forget_open(&self, id: u64) {
        let mut passthrough = self.passthrough();
        let Some((index, in_passthrough)) = passthrough.open.remove(&id) else {
            return;
        };
        if in_passthrough {
            if let Some((_, users)) = passthrough.backing.get_mut(&index) {
                *users -= 1;
                if *users == 0 {
                    passthrough.backing.remove(&index);
                }
            }
        } else if let Some(users) = passthrough.plain.get_mut(&index) {
            *users -= 1;
            if *users == 0 {
                passthrough.plain.remove(&index);
            }
        }
    }

    fn node(&self, ino: INodeNo) -> Option<Node> {
        let object_count = self.object_count;
        match ino.0 {
            1 => Some(Node::Root),
            ino if ino >= 2 && ino < 2 + object_count => {
                Some(Node::Object(usize::try_from(ino - 2).ok()?))
            }
            ino if ino == 2 + object_count => Some(Node::StatusDir),
            ino if ino == 3 + object_count => Some(Node::StatusFile),
            _ => None,
        }
    }

    fn ino(&self, node: Node) -> INodeNo {
        INodeNo(match node {
            Node::Root => 1,
            Node::Object(index) => 2 + index as u64,
            Node::StatusDir => 2 + self.object_count,
            Node::StatusFile => 3 + self.object_count,
        })
    }

    fn attr(&self, node: Node) -> Option<FileAttr> {
        let (kind, perm, size) = match node {
            Node::Root | Node::StatusDir => (FileType::Directory, 0o555, 0),
            Node::Object(index) => (
                FileType::RegularFile,
                0o444,
                self.objects.object_len(index)?,
            ),
            // Read with direct I/O, so its size need not be known ahead.
            Node::StatusFile => (FileType::RegularFile, 0o444, 0),
        };
        Some(FileAttr {
            ino: self.ino(node),
            size,
            blocks: size.div_ceil(512),
            atime: self.mounted_at,
            mtime: self.mounted_at,
            ctime: self.mounted_at,
            crtime: self.mounted_at,
            kind,
            perm,
            nlink: if kind == FileType::Directory { 2 } else { 1 },
            uid: self.owner.0,
            gid: self.owner.1,
            rdev: 0,
            blksize: 4096,
            flags: 0,
        })
    }

    fn ttl(node: Node) -> Duration {
        match node {
            Node::StatusFile => STATUS_TTL,
            _ => OBJECT_TTL,
        }
    }

    fn child(&self, parent: Node, name: &OsStr) -> Option<Node> {
        let name = name.to_str()?;
        match parent {
            Node::Root if name == STATUS_DIR => Some(Node::StatusDir),
            Node::Root => self
                .objects
                .names()
                .position(|object| object == name)
                .map(Node::Object),
            Node::StatusDir if name == STATUS_FILE => Some(Node::StatusFile),
            _ => None,
        }
    }

    /// A directory's entries, `.` and `..` first.
    fn entries(&self, dir: Node) -> Vec<(Node, FileType, String)> {
        let mut entries = vec![
            (dir, FileType::Directory, ".".to_owned()),
            (Node::Root, FileType::Directory, "..".to_owned()),
        ];
        match dir {
            Node::Root => {
                entries.extend(self.objects.names().enumerate().map(|(index, name)| {
                    (Node::Object(index), FileType::RegularFile, name.to_owned())
                }));
                entries.push((Node::StatusDir, FileType::Directory, STATUS_DIR.to_owned()));
            }
            Node::StatusDir => {
                entries.push((
                    Node::StatusFile,
                    FileType::RegularFile,
                    STATUS_FILE.to_owned(),
                ));
            }
            Node::Object(_) | Node::StatusFile => {}
        }
        entries
    }
}

impl<T: Transport, R: Runtime, C: Clock, F: FileIo> Filesystem for FuseFs<T, R, C, F> {
    fn init(&mut self, _req: &Request, config: &mut KernelConfig) -> std::io::Result<()> {
        // A kernel that allows less keeps its own limit. Without
        // FUSE_MAX_PAGES the kernel sends reads of at most 128 KiB.
        let _ = config.set_max_readahead(MAX_READAHEAD_BYTES);
        let _ = config.add_capabilities(InitFlags::FUSE_MAX_PAGES);
        if self.complete_file.is_some()
            && config.add_capabilities(InitFlags::FUSE_PASSTHROUGH).is_ok()
            && config.set_max_stack_depth(1).is_ok()
        {
            self.passthrough().enabled = true;
        }
        Ok(())
    }

    fn lookup(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        let found = self
            .node(parent)
            .and_then(|parent| self.child(parent, name));
        match found.and_then(|node| Some((node, self.attr(node)?))) {
            Some((node, attr)) => reply.entry(&Self::ttl(node), &attr, Generation(0)),
            None => reply.error(Errno::ENOENT),
        }
    }

    fn getattr(&self, _req: &Request, ino: INodeNo, _fh: Option<FileHandle>, reply: ReplyAttr) {
        match self
            .node(ino)
            .and_then(|node| Some((node, self.attr(node)?)))
        {
            Some((node, attr)) => reply.attr(&Self::ttl(node), &attr),
            None => reply.error(Errno::ENOENT),
        }
    }

    fn readdir(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        mut reply: ReplyDirectory,
    ) {
        let dir = match self.node(ino) {
            Some(dir @ (Node::Root | Node::StatusDir)) => dir,
            Some(_) => return reply.error(Errno::ENOTDIR),
            None => return reply.error(Errno::ENOENT),
        };
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        for (index, (node, kind, name)) in self.entries(dir).into_iter().enumerate().skip(skip) {
            // The offset an entry carries is where the next listing resumes.
            if reply.add(self.ino(node), index as u64 + 1, kind, name) {
                break;
            }
        }
        reply.ok();
    }

    fn open(&self, _req: &Request, ino: INodeNo, flags: OpenFlags, reply: ReplyOpen) {
        if flags.acc_mode() != OpenAccMode::O_RDONLY {
            return reply.error(Errno::EROFS);
        }
        let file = match self.node(ino) {
            Some(Node::Object(index)) => FileId::Object(index),
            Some(Node::StatusFile) => FileId::Status,
            Some(Node::Root | Node::StatusDir) => return reply.error(Errno::EISDIR),
            None => return reply.error(Errno::ENOENT),
        };
        match (self.objects.open(file), file) {
            (Ok(OpenFileId(id)), FileId::Object(index)) => self.reply_opened(index, id, reply),
            (Ok(OpenFileId(id)), FileId::Status) => {
                reply.opened(FileHandle(id), FopenFlags::FOPEN_DIRECT_IO);
            }
            (Err(error), _) => reply.error(errno(error)),
        }
    }

    fn read(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        size: u32,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyData,
    ) {
        self.objects
            .read(OpenFileId(fh.0), offset, size, FuseReply(reply));
    }

    fn release(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        _flush: bool,
        reply: ReplyEmpty,
    ) {
        self.forget_open(fh.0);
        match self.objects.release(OpenFileId(fh.0)) {
            Ok(()) => reply.ok(),
            Err(error) => reply.error(errno(error)),
        }
    }
}

/// A read's reply to the kernel.
struct FuseReply(ReplyData);

impl ReadReply for FuseReply {
    fn data(self, bytes: &[u8]) {
        self.0.data(bytes);
    }

    fn error(self, error: RequestError) {
        self.0.error(errno(error));
    }
}

fn errno(error: RequestError) -> Errno {
    match error {
        RequestError::NotFound => Errno::ENOENT,
        RequestError::BadHandle => Errno::EBADF,
        RequestError::Io => Errno::EIO,
    }
}
