//! One implementation of [`Runtime`](super::Runtime) for every crate whose
//! `sync` and `thread` modules mirror std's (std itself, shuttle, loom), so
//! the three runtimes cannot drift apart.

/// Declares `$name`, a [`Runtime`](crate::runtime::Runtime) over
/// `$krate::sync` and `$krate::thread`, whose bounded queue is `$queue`
/// (a type in scope with `new(capacity)`). Its threads park and unpark
/// through `$krate::thread`, or through `parking`, a module in scope with
/// `Thread` (`Clone`, with `unpark(&self)`), `current()` and `park()`. With
/// `stripes`, a counter every reader updates is spread over that many, and
/// a thread counts in the stripe `picked_by` (a function in scope giving a
/// number of the calling thread's own) names, modulo their number.
macro_rules! std_shaped_runtime {
    ($(#[$doc:meta])* $name:ident, $krate:ident, queue: $queue:ident $(, stripes: $stripes:expr, picked_by: $pick:ident)?) => {
        $crate::runtime::std_shaped::std_shaped_runtime!(
            $(#[$doc])* $name, $krate, queue: $queue, parking: $krate::thread $(, stripes: $stripes, picked_by: $pick)?
        );
    };
    ($(#[$doc:meta])* $name:ident, $krate:ident, queue: $queue:ident, parking: $($parking:ident)::+ $(, stripes: $stripes:expr, picked_by: $pick:ident)?) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default)]
        pub struct $name;

        impl $crate::runtime::Runtime for $name {
            type Mutex<T: Send + 'static> = $krate::sync::Mutex<T>;
            type Guard<'a, T: Send + 'static> = $krate::sync::MutexGuard<'a, T>;
            type Condvar = $krate::sync::Condvar;
            type AtomicBool = $krate::sync::atomic::AtomicBool;
            type AtomicU64 = $krate::sync::atomic::AtomicU64;
            type Thread = $($parking)::+::Thread;
            type Queue<T: Send + 'static> = $queue<T>;

            fn bounded_queue<T: Send + 'static>(&self, capacity: std::num::NonZeroUsize) -> $queue<T> {
                $queue::new(capacity.get())
            }

            fn mutex<T: Send + 'static>(&self, value: T) -> $krate::sync::Mutex<T> {
                $krate::sync::Mutex::new(value)
            }

            #[track_caller]
            fn lock<'a, T: Send + 'static>(&self, mutex: &'a $krate::sync::Mutex<T>) -> $krate::sync::MutexGuard<'a, T> {
                mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
            }

            fn condvar(&self) -> $krate::sync::Condvar {
                $krate::sync::Condvar::new()
            }

            #[track_caller]
            fn wait<'a, T>(
                &self,
                condvar: &$krate::sync::Condvar,
                guard: $krate::sync::MutexGuard<'a, T>,
            ) -> $krate::sync::MutexGuard<'a, T>
    where
        T: Send + 'static + 'a {
                condvar.wait(guard).unwrap_or_else(std::sync::PoisonError::into_inner)
            }

            #[track_caller]
            fn wait_timeout<'a, T>(
                &self,
                condvar: &$krate::sync::Condvar,
                guard: $krate::sync::MutexGuard<'a, T>,
                timeout: std::time::Duration,
            ) -> $krate::sync::MutexGuard<'a, T>
    where
        T: Send + 'static + 'a {
                condvar
                    .wait_timeout(guard, timeout)
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .0
            }

            #[track_caller]
            fn notify_all(&self, condvar: &$krate::sync::Condvar) {
                condvar.notify_all();
            }

            fn atomic_bool(&self, value: bool) -> $krate::sync::atomic::AtomicBool {
                $krate::sync::atomic::AtomicBool::new(value)
            }

            #[track_caller]
            fn load(&self, flag: &$krate::sync::atomic::AtomicBool, order: std::sync::atomic::Ordering) -> bool {
                flag.load(order)
            }

            #[track_caller]
            fn store(&self, flag: &$krate::sync::atomic::AtomicBool, value: bool, order: std::sync::atomic::Ordering) {
                flag.store(value, order);
            }

            fn atomic_u64(&self, value: u64) -> $krate::sync::atomic::AtomicU64 {
                $krate::sync::atomic::AtomicU64::new(value)
            }

            #[track_caller]
            fn load_u64(&self, atomic: &$krate::sync::atomic::AtomicU64, order: std::sync::atomic::Ordering) -> u64 {
                atomic.load(order)
            }

            #[track_caller]
            fn store_u64(&self, atomic: &$krate::sync::atomic::AtomicU64, value: u64, order: std::sync::atomic::Ordering) {
                atomic.store(value, order);
            }

            #[track_caller]
            fn fetch_add_u64(&self, atomic: &$krate::sync::atomic::AtomicU64, value: u64, order: std::sync::atomic::Ordering) -> u64 {
                atomic.fetch_add(value, order)
            }

            #[track_caller]
            fn fetch_sub_u64(&self, atomic: &$krate::sync::atomic::AtomicU64, value: u64, order: std::sync::atomic::Ordering) -> u64 {
                atomic.fetch_sub(value, order)
            }

            #[track_caller]
            fn fence(&self, order: std::sync::atomic::Ordering) {
                $krate::sync::atomic::fence(order);
            }

            $(
            const STRIPES: usize = $stripes;

            fn stripe(&self) -> usize {
                $pick() % Self::STRIPES
            }
            )?

            #[track_caller]
            fn spawn(&self, name: String, body: $crate::runtime::ThreadBody) -> std::io::Result<()> {
                $krate::thread::Builder::new().name(name).spawn(body).map(drop)
            }

            fn current_thread(&self) -> $($parking)::+::Thread {
                $($parking)::+::current()
            }

            #[track_caller]
            fn park(&self) {
                $($parking)::+::park();
            }

            #[track_caller]
            fn unpark(&self, thread: &$($parking)::+::Thread) {
                thread.unpark();
            }
        }
    };
}

pub(crate) use std_shaped_runtime;
