//! The harness library's std-shaped primitives: std's own in a build
//! without its `model` feature, and under it, every engine's (shuttle,
//! loom, real threads) with timeouts that fire on a virtual clock.

super::std_shaped::std_shaped_runtime!(
    /// Runs the store on the harness library's `sync` and `thread`.
    HarnessRuntime,
    harness
);
