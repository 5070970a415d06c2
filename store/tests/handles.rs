//! Handles and the counts of calls in flight, on real threads and real temp
//! files: what a FUSE file system sees through open, read and release.
//! No sleeps: the tests coordinate through the runtime's wait signals, and
//! every wait is bounded (`DEADLOCK:`).

mod support;

use std::sync::Arc;

use store::{InFlight, StoreError, StoreOptions};
use support::gated_transport::GatedTransport;
use support::{
    SignallingStore, await_waits_by, entries_in, object_bytes, spawn_named, wait_signal_store,
    within, within_counting,
};
use tempfile::TempDir;

/// A store whose runtime reports every wait by thread name, over a
/// transport that delivers only what the test releases.
fn store_over(
    transport: GatedTransport,
) -> (
    SignallingStore,
    crossbeam::channel::Receiver<String>,
    TempDir,
) {
    wait_signal_store(transport, StoreOptions::default())
}

/// Blocks until thread `name` waits.
fn await_wait_by(waits: &crossbeam::channel::Receiver<String>, name: &str) {
    await_waits_by(waits, &[name.to_owned()]);
}

#[test]
fn a_handle_reads_the_object_through_its_own_duplicate() {
    let object = object_bytes(100_000);
    let (store, _waits, _dir) = store_over(GatedTransport::open_tap(object.clone()));
    let handle = store.open_handle().expect("open a handle");
    let mut buf = vec![0; 5_000];
    let read = within("read through a handle", move || {
        let read = handle.read_at(&mut buf, 90_000).expect("read");
        (read, buf)
    });
    assert_eq!(read.0, 5_000);
    assert!(read.1 == object[90_000..95_000], "bytes differ");
}

#[test]
fn a_close_waits_for_every_handle_and_the_file_outlives_it() {
    let (store, waits, dir) = store_over(GatedTransport::open_tap(object_bytes(10_000)));
    let handle = store.open_handle().expect("open a handle");
    let closer = {
        let store = Arc::clone(&store);
        spawn_named("closer", move || store.close())
    };
    await_wait_by(&waits, "closer");
    assert_eq!(
        entries_in(dir.path()),
        1,
        "the file went while a handle was open"
    );
    let read = handle.read_at(&mut [0; 10], 0);
    assert!(
        matches!(read, Err(StoreError::Closed)),
        "a read after close began: {read:?}"
    );
    handle.release().expect("release");
    within_counting(
        "close after the last release",
        || Some(store.in_flight()),
        move || closer.join(),
    )
    .expect("closer thread")
    .expect("close");
    assert_eq!(entries_in(dir.path()), 0, "temp file left behind");
}

#[test]
fn a_released_handle_refuses_reads_and_a_second_release_with_an_error() {
    let (store, _waits, _dir) = store_over(GatedTransport::open_tap(object_bytes(100)));
    let handle = store.open_handle().expect("open a handle");
    handle.release().expect("first release");
    assert!(matches!(
        handle.read_at(&mut [0; 1], 0),
        Err(StoreError::HandleReleased)
    ));
    assert!(matches!(handle.release(), Err(StoreError::HandleReleased)));
}

#[test]
fn open_handle_after_close_began_is_refused_with_closed() {
    let (store, _waits, _dir) = store_over(GatedTransport::open_tap(object_bytes(100)));
    store.close().expect("close");
    assert!(matches!(store.open_handle(), Err(StoreError::Closed)));
}

#[test]
fn dropping_a_handle_releases_it() {
    let (store, _waits, dir) = store_over(GatedTransport::open_tap(object_bytes(100)));
    drop(store.open_handle().expect("open a handle"));
    assert_eq!(store.in_flight().handles, 0);
    within("close with no handle left", move || store.close()).expect("close");
    assert_eq!(entries_in(dir.path()), 0);
}

#[test]
fn in_flight_counts_a_waiting_read_a_waiting_close_and_an_open_handle() {
    let (store, waits, _dir) = store_over(GatedTransport::new(object_bytes(10_000)));
    assert_eq!(store.in_flight(), InFlight::default());
    let reader = {
        let store = Arc::clone(&store);
        spawn_named("reader", move || store.read_at(&mut [0; 10], 5_000))
    };
    await_wait_by(&waits, "reader");
    let handle = store.open_handle().expect("open a handle");
    assert_eq!(
        store.in_flight(),
        InFlight {
            reads: 1,
            closes: 0,
            handles: 1
        }
    );
    let closer = {
        let store = Arc::clone(&store);
        spawn_named("closer", move || store.close())
    };
    let outcome = within("the reader leaving on close", move || reader.join());
    assert!(
        matches!(outcome, Ok(Err(StoreError::Closed))),
        "{outcome:?}"
    );
    await_wait_by(&waits, "closer");
    assert_eq!(
        store.in_flight(),
        InFlight {
            reads: 0,
            closes: 1,
            handles: 1
        }
    );
    drop(handle);
    within("close after the handle went", move || closer.join())
        .expect("closer thread")
        .expect("close");
    assert_eq!(store.in_flight(), InFlight::default());
}

#[test]
fn a_close_deadline_reports_the_handles_still_open() {
    let (store, _waits, _dir) = store_over(GatedTransport::open_tap(object_bytes(100)));
    let _handle = store.open_handle().expect("open a handle");
    let now = store::Clock::now(store.clock());
    let outcome = store.close_with_deadline(now);
    assert!(
        matches!(
            outcome,
            Err(StoreError::CloseDeadlineExceeded {
                handles_open: 1,
                ..
            })
        ),
        "{outcome:?}"
    );
}
