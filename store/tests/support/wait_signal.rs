//! `StdRuntime`, plus a message each time a thread starts waiting on a
//! condition variable: lets a test know a reader is parked in the wait loop
//! (the state lock is held until the wait begins, so anything that needs the
//! lock afterwards happens while the reader waits).

use std::io;
use std::time::Duration;

use crossbeam::channel::{self, Receiver, Sender};
use store::runtime::ThreadBody;
use store::{Runtime, StdRuntime};

#[derive(Clone)]
pub(crate) struct WaitSignalRuntime {
    waits: Sender<String>,
}

impl WaitSignalRuntime {
    /// The runtime and the names of threads as they start waiting.
    pub(crate) fn new() -> (WaitSignalRuntime, Receiver<String>) {
        let (waits, received) = channel::unbounded();
        (WaitSignalRuntime { waits }, received)
    }

    fn report_wait(&self) {
        let name = std::thread::current()
            .name()
            .unwrap_or("<unnamed>")
            .to_owned();
        let _ = self.waits.send(name);
    }
}

impl Runtime for WaitSignalRuntime {
    type Mutex<T: Send + 'static> = <StdRuntime as Runtime>::Mutex<T>;
    type Guard<'a, T: Send + 'static> = <StdRuntime as Runtime>::Guard<'a, T>;
    type Condvar = <StdRuntime as Runtime>::Condvar;
    type AtomicBool = <StdRuntime as Runtime>::AtomicBool;

    fn mutex<T: Send + 'static>(&self, value: T) -> Self::Mutex<T> {
        StdRuntime.mutex(value)
    }

    fn lock<'a, T: Send + 'static>(&self, mutex: &'a Self::Mutex<T>) -> Self::Guard<'a, T> {
        StdRuntime.lock(mutex)
    }

    fn condvar(&self) -> Self::Condvar {
        StdRuntime.condvar()
    }

    fn wait<'a, T>(&self, condvar: &Self::Condvar, guard: Self::Guard<'a, T>) -> Self::Guard<'a, T>
    where
        T: Send + 'static + 'a,
    {
        self.report_wait();
        StdRuntime.wait(condvar, guard)
    }

    fn wait_timeout<'a, T>(
        &self,
        condvar: &Self::Condvar,
        guard: Self::Guard<'a, T>,
        timeout: Duration,
    ) -> Self::Guard<'a, T>
    where
        T: Send + 'static + 'a,
    {
        self.report_wait();
        StdRuntime.wait_timeout(condvar, guard, timeout)
    }

    fn notify_all(&self, condvar: &Self::Condvar) {
        StdRuntime.notify_all(condvar)
    }

    fn atomic_bool(&self, value: bool) -> Self::AtomicBool {
        StdRuntime.atomic_bool(value)
    }

    fn load(&self, flag: &Self::AtomicBool) -> bool {
        StdRuntime.load(flag)
    }

    fn store(&self, flag: &Self::AtomicBool, value: bool) {
        StdRuntime.store(flag, value)
    }

    fn spawn(&self, name: String, body: ThreadBody) -> io::Result<()> {
        StdRuntime.spawn(name, body)
    }
}
