//! A benchmark of real Rust concurrency bugs.
//!
//! Each kernel re-creates one published, already fixed bug in the fewest
//! lines that keep its protocol, written fresh from the issue and the fix
//! (never upstream's code), with a `Buggy` and a `Fixed` variant. Unsafe
//! memory is modelled safely: what upstream does with raw pointers is a slot
//! of a small arena here, and reading a slot nobody initialised is an
//! oracle's panic, not undefined behaviour.
//!
//! One source reaches every tool. A kernel is written once against std's
//! paths (`sync::Mutex`, `sync::atomic::AtomicUsize`, `thread::spawn`), and
//! [`on_every_tool!`] compiles it three times, with `sync` and `thread`
//! bound to the harness's facade, to bare shuttle's and to bare loom's. No
//! harness platform stands between bare shuttle or bare loom and the kernel.

mod kernels;
pub mod plot;
pub mod table;
pub mod tools;

pub use kernels::KERNELS;

/// Which version of the bug's code runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Variant {
    /// The code as it was before the fix.
    Buggy,
    /// The code as the fix left it.
    Fixed,
}

impl Variant {
    /// Both variants, buggy first.
    pub const ALL: [Variant; 2] = [Variant::Buggy, Variant::Fixed];

    /// Its name in tables.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Buggy => "buggy",
            Variant::Fixed => "fixed",
        }
    }
}

/// What kind of bug a kernel holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Two steps meant to be one, with another thread's step between them.
    AtomicityViolation,
    /// Correct under sequential consistency, wrong under weaker orderings.
    WeakMemory,
    /// Wrong only on a path a timed wait takes when it times out.
    TimeoutFires,
    /// Memory used after it is freed, freed twice, or reached through null.
    MemorySafety,
    /// One thread's step lands after steps it was meant to precede.
    OrderViolation,
    /// A thread waits while it holds a lock the thread it waits for needs:
    /// a deadlock on the schedules where the two meet.
    WaitUnderLock,
}

impl Class {
    /// Its name in tables.
    pub fn name(self) -> &'static str {
        match self {
            Class::AtomicityViolation => "atomicity violation",
            Class::WeakMemory => "weak memory",
            Class::TimeoutFires => "a timeout that fires",
            Class::MemorySafety => "null dereference / double free",
            Class::OrderViolation => "order violation",
            Class::WaitUnderLock => "a wait under a lock",
        }
    }
}

/// One execution of a kernel's variant: spawns its threads, joins them,
/// and panics if its oracle breaks.
pub type Body = fn(Variant);

/// One row of the benchmark: a kernel, where its bug comes from, and its
/// body compiled for each tool.
#[derive(Clone, Copy, Debug)]
pub struct Kernel {
    /// Its name: lower case, words joined by `-`.
    pub name: &'static str,
    /// The repository, issue or PR, fix commit and affected versions.
    pub source: &'static str,
    /// What kind of bug.
    pub class: Class,
    /// The oracle that catches it.
    pub oracle: &'static str,
    /// Threads it spawns: loom runs at most four besides the main one.
    pub threads: usize,
    /// Text in the panic of every run the oracle fails (for a lost
    /// wake-up, the tools' deadlock report).
    pub breaks_with: &'static str,
    /// On the harness's facade, run by `harness::check`.
    pub on_harness: Body,
    /// On shuttle's types, run by shuttle's own runner.
    pub on_shuttle: Body,
    /// On loom's types, run by `loom::model`.
    pub on_loom: Body,
}

/// Compiles the items given to it three times: in `on_harness`,
/// `on_shuttle` and `on_loom`, with `sync` and `thread` naming that tool's
/// std-shaped modules. The items name only `sync::…` and `thread::…`.
#[macro_export]
macro_rules! on_every_tool {
    ($($item:item)*) => {
        /// The kernel on the harness's facade.
        pub(crate) mod on_harness {
            #[allow(unused_imports)]
            use harness::{sync, thread};
            $($item)*
        }
        /// The kernel on bare shuttle's types.
        pub(crate) mod on_shuttle {
            #[allow(unused_imports)]
            use shuttle::{sync, thread};
            $($item)*
        }
        /// The kernel on bare loom's types.
        pub(crate) mod on_loom {
            #[allow(unused_imports)]
            use loom::{sync, thread};
            $($item)*
        }
    };
}

/// A registry row for the body `$body` of kernel module `$module`, as
/// each tool's module of it has it.
macro_rules! kernel {
    ($module:ident :: $body:ident, $name:literal, $class:expr, $threads:literal, $oracle:literal, $breaks_with:literal, $source:literal) => {
        $crate::Kernel {
            name: $name,
            source: $source,
            class: $class,
            threads: $threads,
            oracle: $oracle,
            breaks_with: $breaks_with,
            on_harness: $module::on_harness::$body,
            on_shuttle: $module::on_shuttle::$body,
            on_loom: $module::on_loom::$body,
        }
    };
}
pub(crate) use kernel;
