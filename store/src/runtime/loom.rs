//! Loom's primitives, for exhaustive exploration with bounded preemptions.
//!
//! Valid only inside `loom::model`: loom's primitives panic outside one. Loom
//! does not model time, so `wait_timeout` here returns on a notification only.
//! Loom models at most 5 threads, main included.

use crossbeam_queue::ArrayQueue;

super::std_shaped::std_shaped_runtime!(
    /// Runs the store on loom's modelled primitives.
    LoomRuntime,
    loom,
    queue: ArrayQueue
);
