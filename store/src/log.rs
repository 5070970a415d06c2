//! A log writer that never blocks the threads that log: lines go into a
//! bounded queue that a writer thread drains into the sink, and a line
//! that finds the queue full is dropped and counted, never waited for.
//! A FUSE callback that logs must not stall because the terminal, the
//! journal or a pipe is slow.
//!
//! Install it under `tracing-subscriber`'s formatter, which writes each
//! event with one `write_all`, so each event is one line of the queue:
//!
//! ```
//! use std::num::NonZeroUsize;
//! use store::StdRuntime;
//! use store::log::LossyLog;
//!
//! let capacity = NonZeroUsize::new(1024).expect("not zero");
//! let log = LossyLog::start(StdRuntime, Box::new(std::io::stderr()), capacity)?;
//! let writer = log.clone();
//! let subscriber = tracing_subscriber::fmt()
//!     .with_writer(move || writer.writer())
//!     .finish();
//! tracing::subscriber::with_default(subscriber, || tracing::info!(answer = 42, "logged"));
//! log.shutdown();
//! assert_eq!(log.dropped_lines(), 0);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! The promise, which the simulation harness checks under every
//! interleaving: a producer takes no lock and waits on nothing; a line is
//! dropped only when the queue is full; every line queued reaches the sink
//! by [`shutdown`](LossyLog::shutdown); and [`dropped_lines`](LossyLog::dropped_lines)
//! counts exactly the lines dropped.

use std::io::{self, Write};
use std::num::NonZeroUsize;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, OnceLock};

use crate::planted::planted;
use crate::runtime::{BoundedQueue, Runtime};

/// What became of one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Logged {
    /// In the queue: the sink will get it.
    Queued,
    /// The queue was full: dropped and counted.
    Dropped,
}

/// A lossy, non-blocking log: clones share one queue and writer thread.
/// Call [`shutdown`](LossyLog::shutdown) before the process exits: the
/// writer thread is not stopped by dropping the log, and lines still
/// queued at exit are lost.
pub struct LossyLog<R: Runtime> {
    shared: Arc<LogShared<R>>,
}

impl<R: Runtime> Clone for LossyLog<R> {
    fn clone(&self) -> Self {
        LossyLog {
            shared: Arc::clone(&self.shared),
        }
    }
}

struct LogShared<R: Runtime> {
    runtime: R,
    /// The runtime's queue (crossbeam's `ArrayQueue` but where simulated),
    /// so that a runtime for simulation sees each call on it.
    queue: R::Queue<Vec<u8>>,
    dropped: R::AtomicU64,
    /// The writer found the queue empty and may be going to park: a
    /// producer that queues a line unparks it. Paired with the queue as
    /// Dekker's pair, a `SeqCst` fence on each side: the writer sees the
    /// line, or the producer sees it idle. An unpark before the park is not
    /// lost (it leaves a token), and takes no lock.
    writer_idle: R::AtomicBool,
    /// The writer thread, once it has started.
    writer_thread: OnceLock<R::Thread>,
    /// Set by `shutdown`: the writer finishes once the queue is empty.
    stopping: R::AtomicBool,
    /// Whether the writer has finished, for `shutdown` to wait on.
    finished: R::Mutex<bool>,
    writer_done: R::Condvar,
    #[cfg(feature = "planted-bugs")]
    plant: Option<crate::Plant>,
}

impl<R: Runtime> LossyLog<R> {
    /// Starts the writer thread, which writes queued lines into `sink`; up
    /// to `capacity` lines wait in the queue.
    pub fn start(
        runtime: R,
        sink: Box<dyn Write + Send>,
        capacity: NonZeroUsize,
    ) -> io::Result<LossyLog<R>> {
        Self::start_with(
            runtime,
            sink,
            capacity,
            #[cfg(feature = "planted-bugs")]
            None,
        )
    }

    /// [`start`](Self::start), with `plant` planted (the harness's self-test only).
    #[cfg(feature = "planted-bugs")]
    pub fn start_planted(
        runtime: R,
        sink: Box<dyn Write + Send>,
        capacity: NonZeroUsize,
        plant: Option<crate::Plant>,
    ) -> io::Result<LossyLog<R>> {
        Self::start_with(runtime, sink, capacity, plant)
    }

    fn start_with(
        runtime: R,
        sink: Box<dyn Write + Send>,
        capacity: NonZeroUsize,
        #[cfg(feature = "planted-bugs")] plant: Option<crate::Plant>,
    ) -> io::Result<LossyLog<R>> {
        let shared = Arc::new(LogShared {
            queue: runtime.bounded_queue(capacity),
            dropped: runtime.atomic_u64(0),
            writer_idle: runtime.atomic_bool(false),
            writer_thread: OnceLock::new(),
            stopping: runtime.atomic_bool(false),
            finished: runtime.mutex(false),
            writer_done: runtime.condvar(),
            runtime,
            #[cfg(feature = "planted-bugs")]
            plant,
        });
        let writer = Arc::clone(&shared);
        shared.runtime.spawn(
            "lossy-log-writer".to_owned(),
            Box::new(move || writer.write_until_stopped(sink)),
        )?;
        Ok(LossyLog { shared })
    }

    /// Queues `line` for the sink, or drops it if the queue is full. Never
    /// blocks: no lock, no wait.
    pub fn try_log(&self, line: Vec<u8>) -> Logged {
        self.shared.try_log(line)
    }

    /// Lines dropped so far because the queue was full.
    pub fn dropped_lines(&self) -> u64 {
        self.shared.runtime.load_u64(&self.shared.dropped, SeqCst)
    }

    /// A writer for `tracing-subscriber`'s `with_writer`: each `write` is one line.
    pub fn writer(&self) -> LogWriter<R> {
        LogWriter { log: self.clone() }
    }

    /// Stops the writer thread once it has written every queued line, and
    /// waits for that. Lines logged afterwards stay in the queue, or are
    /// dropped once it is full. A sink that never returns makes this wait
    /// forever, as any flush would.
    pub fn shutdown(&self) {
        let shared = &*self.shared;
        shared.runtime.store(&shared.stopping, true, SeqCst);
        shared.runtime.fence(SeqCst);
        shared.wake_writer();
        let mut finished = shared.runtime.lock(&shared.finished);
        while !*finished {
            finished = shared.runtime.wait(&shared.writer_done, finished);
        }
    }
}

impl<R: Runtime> LogShared<R> {
    fn try_log(&self, line: Vec<u8>) -> Logged {
        if planted!(self, "logger-drops-with-room") && self.queue.len() + 1 >= self.queue.capacity()
        {
            self.count_drop();
            return Logged::Dropped;
        }
        let room_checked = planted!(self, "logger-trusts-its-room-check")
            && self.queue.len() < self.queue.capacity();
        match self.queue.push(line) {
            Ok(()) => {
                self.runtime.fence(SeqCst);
                if self.runtime.load(&self.writer_idle, SeqCst)
                    && !planted!(self, "logger-forgets-to-wake")
                {
                    self.wake_writer();
                }
                Logged::Queued
            }
            // The plant: the check found room, so the line is taken as queued.
            Err(_lost) if room_checked => Logged::Queued,
            #[cfg(feature = "planted-bugs")]
            Err(line) if planted!(self, "logger-blocks-when-full") => self.wait_for_room(line),
            Err(_full) => {
                self.count_drop();
                Logged::Dropped
            }
        }
    }

    fn count_drop(&self) {
        if planted!(self, "logger-miscounts-drops") {
            let dropped = self.runtime.load_u64(&self.dropped, SeqCst);
            self.runtime.store_u64(&self.dropped, dropped + 1, SeqCst);
            return;
        }
        self.runtime.fetch_add_u64(&self.dropped, 1, SeqCst);
    }

    /// Unparks the writer, if it has started (if not, it drains the queue
    /// before it first parks).
    fn wake_writer(&self) {
        if let Some(writer) = self.writer_thread.get() {
            self.runtime.unpark(writer);
        }
    }

    /// The writer thread's body: drains the queue into `sink`, parks while
    /// it is empty, and finishes once stopping with nothing left.
    fn write_until_stopped(&self, mut sink: Box<dyn Write + Send>) {
        let _ = self.writer_thread.set(self.runtime.current_thread());
        loop {
            while let Some(line) = self.queue.pop() {
                if planted!(self, "shutdown-skips-drain")
                    && self.runtime.load(&self.stopping, SeqCst)
                {
                    break;
                }
                // A sink that fails loses its line; the log carries on.
                let _ = sink.write_all(&line);
            }
            let _ = sink.flush();
            self.runtime.store(&self.writer_idle, true, SeqCst);
            self.runtime.fence(SeqCst);
            let stopping = self.runtime.load(&self.stopping, SeqCst);
            if self.queue.is_empty() {
                if stopping {
                    break;
                }
                self.runtime.park();
            }
            self.runtime.store(&self.writer_idle, false, SeqCst);
        }
        *self.runtime.lock(&self.finished) = true;
        self.runtime.notify_all(&self.writer_done);
    }
}

#[cfg(feature = "planted-bugs")]
impl<R: Runtime> LogShared<R> {
    /// The plant `logger-blocks-when-full`: a producer waits for room, as
    /// a blocking channel's send would.
    fn wait_for_room(&self, mut line: Vec<u8>) -> Logged {
        let mut finished = self.runtime.lock(&self.finished);
        loop {
            match self.queue.push(line) {
                Ok(()) => return Logged::Queued,
                Err(full) => line = full,
            }
            self.wake_writer();
            let poll = std::time::Duration::from_millis(1);
            finished = self.runtime.wait_timeout(&self.writer_done, finished, poll);
        }
    }
}

/// One line at a time into a [`LossyLog`]; from [`LossyLog::writer`].
pub struct LogWriter<R: Runtime> {
    log: LossyLog<R>,
}

impl<R: Runtime> Write for LogWriter<R> {
    /// Queues `buf` as one line, or drops it: either way it is consumed.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.log.try_log(buf.to_vec());
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::StdRuntime;

    /// A sink that keeps what it is given.
    #[derive(Clone, Default)]
    struct Kept(Arc<Mutex<Vec<u8>>>);

    impl Write for Kept {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().expect("not poisoned").extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn capacity(lines: usize) -> NonZeroUsize {
        NonZeroUsize::new(lines).expect("not zero")
    }

    #[test]
    fn every_line_queued_reaches_the_sink_by_shutdown() {
        let kept = Kept::default();
        let log = LossyLog::start(StdRuntime, Box::new(kept.clone()), capacity(64)).expect("start");
        for line in ["a\n", "b\n", "c\n"] {
            assert_eq!(log.try_log(line.into()), Logged::Queued);
        }
        log.shutdown();
        assert_eq!(&*kept.0.lock().expect("not poisoned"), b"a\nb\nc\n");
        assert_eq!(log.dropped_lines(), 0);
    }

    #[test]
    fn a_log_writer_queues_each_write_as_one_line() {
        let kept = Kept::default();
        let log = LossyLog::start(StdRuntime, Box::new(kept.clone()), capacity(4)).expect("start");
        let mut writer = log.writer();
        assert_eq!(writer.write(b"first\n").expect("write"), 6);
        writer.write_all(b"second\n").expect("write_all");
        log.shutdown();
        assert_eq!(&*kept.0.lock().expect("not poisoned"), b"first\nsecond\n");
    }

    /// A sink that blocks each write until its sender goes.
    struct Gate(std::sync::mpsc::Receiver<()>);

    impl Write for Gate {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let _ = self.0.recv();
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_full_queue_drops_and_counts_instead_of_blocking() {
        let (open, gate) = std::sync::mpsc::channel::<()>();
        let sink = Gate(gate);
        let log = LossyLog::start(StdRuntime, Box::new(sink), capacity(2)).expect("start");
        let outcomes: Vec<Logged> = (0..10).map(|_| log.try_log(b"x\n".to_vec())).collect();
        let dropped = outcomes.iter().filter(|&&o| o == Logged::Dropped).count();
        assert!(dropped >= 7, "at most 2 queued and 1 taken: {outcomes:?}");
        assert_eq!(log.dropped_lines(), dropped as u64);
        drop(open);
        log.shutdown();
    }
}
