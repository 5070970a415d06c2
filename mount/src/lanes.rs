//! `Lane`: the worker threads that answer one object's reads.
//!
//! A FUSE session reads requests one at a time on one thread. A read of
//! bytes that have not arrived blocks until they do, so it must not run on
//! that thread: it would hold up every other request, `getattr`, `release`
//! and unmount included. Each object gets a lane of its own, so a read that
//! waits holds up only reads of the same object, never another object's.

use std::collections::VecDeque;
use std::io;
use std::num::NonZeroUsize;
use std::sync::Arc;

use store::Runtime;

/// A unit of work a lane runs: typically one read and its reply.
pub type Job = Box<dyn FnOnce() + Send + 'static>;

/// A queue of jobs and the worker threads that run them, in order of
/// submission, as many at a time as there are workers.
pub struct Lane<R: Runtime> {
    runtime: R,
    shared: Arc<LaneShared<R>>,
}

struct LaneShared<R: Runtime> {
    queue: R::Mutex<Queue>,
    /// Notified when a job is queued or the lane begins stopping.
    work: R::Condvar,
    /// Notified when a worker exits.
    exited: R::Condvar,
}

struct Queue {
    jobs: VecDeque<Job>,
    /// Set once by `stop`: no job is accepted after it.
    stopping: bool,
    workers_alive: usize,
}

impl<R: Runtime> Lane<R> {
    /// Starts `workers` threads named after `name`. If one cannot be
    /// started, the ones that were are stopped, and the error returned.
    pub fn start(runtime: R, name: &str, workers: NonZeroUsize) -> io::Result<Lane<R>> {
        let shared = Arc::new(LaneShared {
            queue: runtime.mutex(Queue {
                jobs: VecDeque::new(),
                stopping: false,
                workers_alive: 0,
            }),
            work: runtime.condvar(),
            exited: runtime.condvar(),
        });
        let lane = Lane { runtime, shared };
        for index in 0..workers.get() {
            lane.runtime.lock(&lane.shared.queue).workers_alive += 1;
            let runtime = lane.runtime.clone();
            let shared = Arc::clone(&lane.shared);
            let spawned = lane.runtime.spawn(
                format!("{name}-reader-{index}"),
                Box::new(move || work(&runtime, &shared)),
            );
            if let Err(error) = spawned {
                lane.runtime.lock(&lane.shared.queue).workers_alive -= 1;
                lane.stop();
                return Err(error);
            }
        }
        Ok(lane)
    }

    /// Queues `job` for the next free worker. Once the lane is stopping the
    /// job is handed back, not run, so that its caller can answer it.
    pub fn submit(&self, job: Job) -> Result<(), Job> {
        let mut queue = self.runtime.lock(&self.shared.queue);
        if queue.stopping {
            return Err(job);
        }
        queue.jobs.push_back(job);
        drop(queue);
        self.runtime.notify_all(&self.shared.work);
        Ok(())
    }

    /// Drops every job not yet started, unanswered: the planted bug
    /// `unmount-discards-queued-reads` (the harness's self-test only).
    #[cfg(feature = "planted-bugs")]
    pub fn discard_queued(&self) {
        let discarded = std::mem::take(&mut self.runtime.lock(&self.shared.queue).jobs);
        drop(discarded);
    }

    /// Refuses new jobs, lets the workers run every job already queued, and
    /// waits until every worker has exited. Safe to call more than once.
    pub fn stop(&self) {
        let mut queue = self.runtime.lock(&self.shared.queue);
        queue.stopping = true;
        self.runtime.notify_all(&self.shared.work);
        while queue.workers_alive > 0 {
            queue = self.runtime.wait(&self.shared.exited, queue);
        }
        assert!(
            queue.jobs.is_empty(),
            "every worker exits only on an empty queue"
        );
    }
}

/// A worker: runs jobs until the lane stops and its queue is empty.
fn work<R: Runtime>(runtime: &R, shared: &LaneShared<R>) {
    // Counts the worker out however it leaves, a job's panic included, so
    // that `stop` never waits for a worker that is gone.
    let _exit = WorkerExit { runtime, shared };
    loop {
        let mut queue = runtime.lock(&shared.queue);
        let job = loop {
            if let Some(job) = queue.jobs.pop_front() {
                break job;
            }
            if queue.stopping {
                return;
            }
            queue = runtime.wait(&shared.work, queue);
        };
        drop(queue);
        job();
    }
}

struct WorkerExit<'a, R: Runtime> {
    runtime: &'a R,
    shared: &'a LaneShared<R>,
}

impl<R: Runtime> Drop for WorkerExit<'_, R> {
    fn drop(&mut self) {
        let mut queue = self.runtime.lock(&self.shared.queue);
        queue.workers_alive -= 1;
        drop(queue);
        self.runtime.notify_all(&self.shared.exited);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use store::StdRuntime;

    use super::*;

    fn workers(count: usize) -> NonZeroUsize {
        NonZeroUsize::new(count).expect("a test asks for at least one worker")
    }

    #[test]
    fn a_stopping_lane_runs_every_queued_job_before_its_workers_exit() {
        let lane = Lane::start(StdRuntime, "test", workers(2)).expect("threads start");
        let (ran, finished) = mpsc::channel();
        for job in 0..100 {
            let ran = ran.clone();
            let queued = lane.submit(Box::new(move || ran.send(job).expect("receiver lives")));
            assert!(queued.is_ok(), "a running lane accepts jobs");
        }
        lane.stop();
        drop(ran);
        let mut jobs: Vec<i32> = finished.iter().collect();
        jobs.sort_unstable();
        assert_eq!(jobs, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn a_stopped_lane_hands_a_job_back_unrun() {
        let lane = Lane::start(StdRuntime, "test", workers(1)).expect("threads start");
        lane.stop();
        let (ran, _finished) = mpsc::channel::<()>();
        let refused = lane.submit(Box::new(move || ran.send(()).expect("receiver lives")));
        assert!(refused.is_err());
    }

    #[test]
    fn a_job_waiting_in_one_lane_holds_up_no_other_lane() {
        let stalled = Lane::start(StdRuntime, "stalled", workers(1)).expect("threads start");
        let free = Lane::start(StdRuntime, "free", workers(1)).expect("threads start");
        let (release, stall) = mpsc::channel::<()>();
        let blocked = stalled.submit(Box::new(move || stall.recv().expect("sender lives")));
        assert!(blocked.is_ok());
        let (answer, answered) = mpsc::channel();
        let served = free.submit(Box::new(move || answer.send(()).expect("receiver lives")));
        assert!(served.is_ok());
        answered
            .recv_timeout(Duration::from_secs(30))
            .expect("the free lane answers while the other is stalled");
        release.send(()).expect("the stalled job listens");
        stalled.stop();
        free.stop();
    }
}
