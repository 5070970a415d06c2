//! The FUSE mount's request layer (`mount::objects::Objects`), driven as
//! the kernel drives it, with a double of the reply path: two objects,
//! `A` stalled after its first chunk and `B` served whole, their reads
//! answered from the lanes, then an unmount.
//!
//! The oracles, judged from the replies the double records:
//! - one reply per request: every read is answered exactly once (the reply
//!   type is consumed by its answer, so a second one cannot compile; what
//!   can go wrong is a reply dropped unanswered, which the double records);
//! - stores independent: `B`'s whole read is answered with its bytes while
//!   `A`'s read waits for bytes that never come (the session waits for
//!   that answer, so a read of `B` queued behind `A`'s never gets one);
//! - data integrity: an answer with bytes has the source's bytes, and the
//!   read past `A`'s stall, whose bytes never come, fails with `Io`.

use std::num::NonZeroUsize;
use std::sync::Arc;

use mount::objects::{FileId, Objects, OpenFileId, ReadReply, RequestError};
use store::{Runtime, StoreOptions, TempFileStore};

use super::Reaches;
use super::{About, Component, RunSummary, ScenarioSpec, stalled_after_first_chunk, tolerable};
use crate::StoreCorner;
use crate::StoreSituation::Corner;
use crate::{CatalogueWorld, Oracle, Params, StoreWorld, TransportFaults, Violation, World};

type MountedObjects<W> = Objects<
    <W as StoreWorld>::Transport,
    <W as World>::Runtime,
    <W as World>::Clock,
    <W as StoreWorld>::Files,
>;

/// The session's thread: in a real mount, the one that reads `/dev/fuse`.
const SESSION: &str = "main";
/// One worker per lane: a second read of an object queues behind the first,
/// and the world stays within loom's five threads (the session, two
/// downloaders, two lane workers).
const READERS_PER_OBJECT: NonZeroUsize = NonZeroUsize::MIN;

/// What a request was answered with.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Answer {
    Data(Vec<u8>),
    Error(RequestError),
    /// The reply was dropped without an answer.
    Dropped,
}

/// The double of the reply path: each request's answers, in order.
struct Replies<R: Runtime> {
    runtime: R,
    answers: R::Mutex<Vec<Vec<Answer>>>,
    answered: R::Condvar,
}

/// One request's reply, as the mount receives it.
struct Reply<R: Runtime> {
    replies: Arc<Replies<R>>,
    request: usize,
    sent: bool,
}

impl<R: Runtime> Replies<R> {
    fn new(runtime: &R) -> Arc<Replies<R>> {
        Arc::new(Replies {
            runtime: runtime.clone(),
            answers: runtime.mutex(Vec::new()),
            answered: runtime.condvar(),
        })
    }

    /// A new request, numbered, and the reply the mount answers it through.
    fn request(self: &Arc<Self>) -> (usize, Reply<R>) {
        let mut answers = self.runtime.lock(&self.answers);
        answers.push(Vec::new());
        let request = answers.len() - 1;
        let reply = Reply {
            replies: Arc::clone(self),
            request,
            sent: false,
        };
        (request, reply)
    }

    fn record(&self, request: usize, answer: Answer) {
        self.runtime.lock(&self.answers)[request].push(answer);
        self.runtime.notify_all(&self.answered);
    }

    /// Blocks until `request` has an answer (or a dropped reply); returns it.
    fn await_answer(&self, request: usize) -> Answer {
        let mut answers = self.runtime.lock(&self.answers);
        loop {
            if let Some(answer) = answers[request].first() {
                return answer.clone();
            }
            answers = self.runtime.wait(&self.answered, answers);
        }
    }

    /// The one answer of `request`; a violation if it has none, several,
    /// or a reply dropped unanswered.
    fn the_answer(&self, request: usize, what: &str) -> Answer {
        let answers = self.runtime.lock(&self.answers)[request].clone();
        match answers.as_slice() {
            [answer] if *answer != Answer::Dropped => answer.clone(),
            _ => {
                let what = format!("the {what} was answered {answers:?}");
                Violation::new(Oracle::OneReplyPerRequest, SESSION, "not one reply", what).raise()
            }
        }
    }
}

impl<R: Runtime> Reply<R> {
    fn send(mut self, answer: Answer) {
        self.sent = true;
        self.replies.record(self.request, answer);
    }
}

impl<R: Runtime> ReadReply for Reply<R> {
    fn data(self, bytes: &[u8]) {
        self.send(Answer::Data(bytes.to_vec()));
    }

    fn error(self, error: RequestError) {
        self.send(Answer::Error(error));
    }
}

impl<R: Runtime> Drop for Reply<R> {
    fn drop(&mut self) {
        if !self.sent {
            self.replies.record(self.request, Answer::Dropped);
        }
    }
}

/// Opens store `label` over `params`' object, with `faults`.
fn open_store<W: StoreWorld>(
    world: &W,
    label: &'static str,
    params: &Params,
    faults: &TransportFaults,
    options: &StoreOptions,
    object: &Arc<[u8]>,
) -> TempFileStore<W::Transport, W::Runtime, W::Clock, W::Files> {
    let retry = params.retry.policy();
    let chunk = NonZeroUsize::new(params.chunk_size_bytes).unwrap_or(NonZeroUsize::MIN);
    let options = options
        .clone()
        .with_chunk_size(chunk)
        .with_retry(retry.clone());
    world.store_opened(label, object.len() as u64);
    let transport = world.transport(label, Arc::clone(object), faults, &retry);
    let platform = world.platform(label, &params.file_faults);
    TempFileStore::open(transport, platform, options)
        .unwrap_or_else(|error| panic!("opening store {label} failed: {error}"))
}

/// The session opens both objects, asks for a byte of `A` past its stall,
/// then for the whole of `B`, and waits for `B`'s answer; then asks for the
/// same byte of `A` again (queued behind the first on `A`'s one worker) and
/// for `A`'s first byte (answered at once if it has arrived), releases `A`
/// (before or after the unmount, as the seed says) and unmounts while
/// `A`'s reads are still queued or waiting.
fn replies<W: StoreWorld>(world: &W, params: &Params, options: &StoreOptions) -> RunSummary {
    let object: Arc<[u8]> = params.object().into();
    let stalled = open_store(
        world,
        "A",
        params,
        &params.transport_faults,
        options,
        &object,
    );
    let served = open_store(
        world,
        "B",
        params,
        &TransportFaults::default(),
        options,
        &object,
    );
    let objects: MountedObjects<W> = Objects::new(
        world.runtime().clone(),
        vec![("A".to_owned(), stalled), ("B".to_owned(), served)],
        READERS_PER_OBJECT,
        Box::new(|| 0),
    )
    .unwrap_or_else(|error| panic!("the lanes did not start: {error}"))
    .planting(options.plant.clone());
    let replies = Replies::new(world.runtime());
    let open = |file| {
        objects
            .open(file)
            .unwrap_or_else(|error| panic!("open of {file:?} before unmount failed: {error}"))
    };
    let (file_a, file_b) = (open(FileId::Object(0)), open(FileId::Object(1)));
    let last_byte = object.len() as u64 - 1;

    let (past_the_stall, reply) = replies.request();
    objects.read(file_a, last_byte, 1, reply);
    let (whole_b, reply) = replies.request();
    objects.read(file_b, 0, object_len_u32(&object), reply);
    match replies.await_answer(whole_b) {
        Answer::Data(bytes) if *bytes == *object => {}
        answer => {
            let what = format!("B's whole read, while only A stalled, was answered {answer:?}");
            Violation::new(Oracle::StoresIndependent, SESSION, "held up by A", what).raise()
        }
    }
    // Queued behind the read past the stall, on A's one worker.
    let (queued_past_the_stall, reply) = replies.request();
    objects.read(file_a, last_byte, 1, reply);
    let (first_byte, reply) = replies.request();
    objects.read(file_a, 0, 1, reply);
    let releases_first = params.content_seed >> 24 & 1 == 1;
    if releases_first {
        release::<W>(&objects, file_a);
    }
    // A close may give up at its deadline: the wait for the release below
    // then proves the last party out released the file all the same.
    drop(objects.unmount(params.close_deadline));
    if !releases_first {
        release::<W>(&objects, file_a);
    }
    release::<W>(&objects, file_b);

    replies.the_answer(whole_b, "whole read of B");
    for (request, what) in [
        (past_the_stall, "read past A's stall"),
        (queued_past_the_stall, "read queued behind it"),
    ] {
        match replies.the_answer(request, what) {
            Answer::Error(RequestError::Io) => {}
            answer => {
                let what = format!("the {what}, of bytes that never came, was answered {answer:?}");
                let kind = "answer without a cause";
                Violation::new(Oracle::DataIntegrity, SESSION, kind, what).raise()
            }
        }
    }
    match replies.the_answer(first_byte, "read of A's first byte") {
        Answer::Error(RequestError::Io) => {}
        Answer::Data(bytes) if bytes == object[..1] => {}
        answer => {
            let what = format!("A's first byte was answered {answer:?}");
            Violation::new(Oracle::DataIntegrity, SESSION, "wrong answer", what).raise()
        }
    }
    for closed in objects.await_released() {
        if let Err(error) = closed.outcome {
            let what = format!("store {} failed to close: {error}", closed.name);
            Violation::new(Oracle::CloseCompletes, SESSION, "close failed", what).raise();
        }
    }
    drop(objects);
    world.assert_no_leaks();
    // The world saw no close of its own (the mount closes its stores), so
    // it reports no deadline fired.
    RunSummary::default()
}

/// Releases `file`, which unmount may have released already.
fn release<W: StoreWorld>(objects: &MountedObjects<W>, file: OpenFileId) {
    if let Err(error) = objects.release(file) {
        let what = format!("release of {file:?} failed: {error}");
        Violation::new(Oracle::DataIntegrity, SESSION, "release refused", what).raise();
    }
}

/// The object's length as a read's size: the scenario's objects are small.
fn object_len_u32(object: &[u8]) -> u32 {
    u32::try_from(object.len()).expect("a scenario's object is far below 4 GiB")
}

/// `mount-replies`: mount: reads of a stalled and a complete object, then unmount; one reply each.
pub(super) struct MountReplies;

impl ScenarioSpec for MountReplies {
    fn about(&self) -> About {
        About {
            name: "mount-replies",
            description: "mount: reads of a stalled and a complete object, then unmount; one reply each",
            component: Component::Mount,
            pct_step_bound: 283,
            reaches: Reaches::Store(&[
                Corner(StoreCorner::ReleasedByDrop),
                Corner(StoreCorner::ReleasedByDownloader),
            ]),
        }
    }

    fn adapt(&self, params: Params) -> Params {
        stalled_after_first_chunk(tolerable(params))
    }

    fn run<W: CatalogueWorld>(
        &self,
        world: &W,
        params: &Params,
        options: &StoreOptions,
    ) -> RunSummary {
        replies(world, params, options)
    }
}
