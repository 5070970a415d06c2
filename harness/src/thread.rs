//! `std::thread`, as code under test uses it: std's own functions and types
//! in a build without the `model` feature, the model's under it.
//! `scope` runs under every engine but loom, which has no scoped threads.
//! `available_parallelism` is the same on every machine in a run
//! (`check::PARALLELISM_IN_A_RUN`), so that a replay spawns what the run
//! spawned. [`thread_local!`](crate::thread_local) declares a
//! [`LocalKey`] whose value is each thread's own under every engine
//! (std's, which keys by OS thread, would give all of a shuttle or loom
//! run's threads one value, and keep it from one run to the next).
//! `Result` (what a join returns) and `panicking` are std's in both
//! builds: `panicking` says whether the calling OS thread is unwinding. Under shuttle and loom, whose threads share one OS thread,
//! another thread that runs while one unwinds would be told it is
//! unwinding too; a panic fails its run anyway, so what such a thread
//! then does is never judged.

pub use std::thread::{Result, panicking};

#[cfg(not(feature = "model"))]
pub use std::thread::{
    AccessError, Builder, JoinHandle, LocalKey, Scope, ScopedJoinHandle, Thread, ThreadId,
    available_parallelism, current, park, park_timeout, scope, sleep, spawn, yield_now,
};

#[cfg(feature = "model")]
#[doc(hidden)]
pub use crate::model::local::LoomSlot;
#[cfg(feature = "model")]
pub use crate::model::local::{AccessError, LocalKey};
#[cfg(feature = "model")]
pub use crate::model::scope::{Scope, ScopedJoinHandle, scope};
#[cfg(feature = "model")]
pub use crate::model::thread::{
    Builder, JoinHandle, Thread, ThreadId, available_parallelism, current, park, park_timeout,
    sleep, spawn, yield_now,
};

/// Declares thread-local statics, as `std::thread_local!`: in a build
/// without the `model` feature it *is* std's macro.
#[cfg(not(feature = "model"))]
#[macro_export]
macro_rules! thread_local {
    ($($declarations:tt)*) => {
        ::std::thread_local!($($declarations)*);
    };
}

/// Declares thread-local statics, as `std::thread_local!` (a `const { }`
/// initialiser included, run lazily here), each a
/// [`LocalKey`](crate::thread::LocalKey) whose value is each thread's own
/// under every engine.
#[cfg(feature = "model")]
#[macro_export]
macro_rules! thread_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const { $init:expr }; $($rest:tt)*) => {
        $crate::__harness_local_key!($(#[$attr])* $vis $name, $t, $init);
        $crate::thread_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const { $init:expr }) => {
        $crate::__harness_local_key!($(#[$attr])* $vis $name, $t, $init);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr; $($rest:tt)*) => {
        $crate::__harness_local_key!($(#[$attr])* $vis $name, $t, $init);
        $crate::thread_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr) => {
        $crate::__harness_local_key!($(#[$attr])* $vis $name, $t, $init);
    };
}

/// One key of [`thread_local!`](crate::thread_local): its initialiser is
/// one function, which std's key of real threads calls too. The names in
/// the block cannot clash with the initialiser's: it runs in the block,
/// so they are unlikely ones.
#[cfg(feature = "model")]
#[doc(hidden)]
#[macro_export]
macro_rules! __harness_local_key {
    ($(#[$attr:meta])* $vis:vis $name:ident, $t:ty, $init:expr) => {
        $(#[$attr])* $vis static $name: $crate::thread::LocalKey<$t> = {
            fn __harness_local_init() -> $t {
                $init
            }
            fn __harness_local_in_slot() -> $crate::thread::LoomSlot<$t> {
                $crate::thread::LoomSlot::new(__harness_local_init())
            }
            ::std::thread_local!(static __HARNESS_LOCAL_ON_STD: $t = __harness_local_init());
            $crate::thread::LocalKey::new(
                __harness_local_init,
                __harness_local_in_slot,
                &__HARNESS_LOCAL_ON_STD,
            )
        };
    };
}
