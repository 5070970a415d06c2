//! Shuttle's primitives, for randomised, PCT and DFS schedule exploration.
//!
//! Valid only inside a shuttle test (`shuttle::check_*`, `shuttle::Runner`):
//! shuttle's primitives panic outside one. Shuttle does not model time, so
//! `wait_timeout` here returns on a notification only.

use crossbeam_queue::ArrayQueue;

super::std_shaped::std_shaped_runtime!(
    /// Runs the store on shuttle's modelled primitives.
    ShuttleRuntime,
    shuttle,
    queue: ArrayQueue
);
