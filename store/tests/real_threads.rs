//! The store on real threads: integrity, close with readers waiting or in
//! flight, deadlines, faults and bad input. No sleeps: the tests coordinate
//! through channels and hooks, and every wait is bounded (`DEADLOCK:`).

mod support;

use std::io;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use crossbeam::channel;
use store::{
    Clock, Instant, Platform, RetryPolicy, StdRuntime, StoreError, StoreOptions, SystemClock,
    TempDirFiles, TempFileStore, Transport,
};
use support::files::{FileEvent, Hooks, ObservedFiles};
use support::gated_transport::GatedTransport;
use support::{
    await_waits_by, entries_in, object_bytes, recv_within, spawn_named, wait_signal_store, within,
    within_counting,
};
use tempfile::TempDir;

/// A store on real temp files in a test's directory, shared between threads.
type TestStore<T, R> = Arc<TempFileStore<T, R, SystemClock, ObservedFiles>>;

fn small_chunks() -> StoreOptions {
    StoreOptions::default()
        .with_chunk_size(NonZeroUsize::new(4096).expect("non-zero"))
        .with_retry(RetryPolicy {
            max_consecutive_failures: 3,
            initial_backoff: Duration::ZERO,
            max_backoff: Duration::ZERO,
        })
}

/// A store on real threads over `transport`, with temp files in a fresh
/// directory; returns the directory and the file events too.
fn observed_store<T: Transport>(
    transport: T,
    hooks: Hooks,
) -> (
    TestStore<T, StdRuntime>,
    TempDir,
    channel::Receiver<FileEvent>,
) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (files, events) = ObservedFiles::new(dir.path(), hooks);
    let platform = Platform {
        runtime: StdRuntime,
        clock: SystemClock::new(),
        files,
    };
    let store = TempFileStore::open(transport, platform, small_chunks()).expect("open store");
    (Arc::new(store), dir, events)
}

#[test]
fn concurrent_readers_see_exactly_the_source_bytes() {
    let object = object_bytes(1 << 20);
    let (store, _dir, _events) =
        observed_store(GatedTransport::open_tap(object.clone()), Hooks::default());
    let object = Arc::new(object);
    let readers: Vec<_> = (0..8u64)
        .map(|reader| {
            let (store, object) = (Arc::clone(&store), Arc::clone(&object));
            spawn_named(&format!("reader-{reader}"), move || {
                // Different piece sizes and starting points per reader, so
                // reads straddle chunk boundaries in every way.
                let piece = 1000 + reader as usize * 777;
                let mut offset = (reader * 4099) % object.len() as u64;
                let mut buf = vec![0; piece];
                for _ in 0..object.len() / piece + 1 {
                    let read = store.read_at(&mut buf, offset).expect("read");
                    let start = offset as usize;
                    assert_eq!(read, piece.min(object.len() - start));
                    assert!(
                        buf[..read] == object[start..start + read],
                        "bytes differ at {offset}"
                    );
                    offset = (offset + read as u64) % object.len() as u64;
                }
            })
        })
        .collect();
    within("eight concurrent readers", move || {
        for reader in readers {
            reader.join().expect("reader panicked");
        }
    });
}

#[test]
fn reader_waiting_on_a_stalled_download_leaves_with_closed_when_close_is_called() {
    let (store, waits, _dir) =
        wait_signal_store(GatedTransport::new(object_bytes(10_000)), small_chunks());
    let reader = {
        let store = Arc::clone(&store);
        spawn_named("stalled-reader", move || {
            store.read_at(&mut [0; 100], 5_000)
        })
    };
    await_waits_by(&waits, &["stalled-reader".to_owned()]);
    let closer = Arc::clone(&store);
    within_counting(
        "close with a reader in the wait loop",
        || Some(store.in_flight()),
        move || closer.close(),
    )
    .expect("close succeeds");
    let outcome = within("stalled reader leaving", move || reader.join());
    assert!(
        matches!(outcome, Ok(Err(StoreError::Closed))),
        "{outcome:?}"
    );
}

#[test]
fn close_with_several_readers_in_flight_returns_and_removes_the_file() {
    let transport = GatedTransport::new(object_bytes(50_000));
    transport.release(8_192);
    let (store, waits, dir) = wait_signal_store(transport, small_chunks());
    let names: Vec<String> = (0..4).map(|i| format!("in-flight-{i}")).collect();
    let readers: Vec<_> = names
        .iter()
        .map(|name| {
            let store = Arc::clone(&store);
            spawn_named(name, move || store.read_at(&mut [0; 1_000], 20_000))
        })
        .collect();
    await_waits_by(&waits, &names);
    let closer = Arc::clone(&store);
    within_counting(
        "close with four readers in flight",
        || Some(store.in_flight()),
        move || closer.close(),
    )
    .expect("close");
    for reader in readers {
        let outcome = within("in-flight reader leaving", move || reader.join());
        assert!(
            matches!(outcome, Ok(Err(StoreError::Closed))),
            "{outcome:?}"
        );
    }
    assert_eq!(entries_in(dir.path()), 0, "temp file left behind");
}

#[test]
fn close_before_the_download_completes_cancels_it_and_leaves_no_temp_file() {
    let transport = GatedTransport::new(object_bytes(100_000));
    transport.release(10_000);
    let (store, dir, events) = observed_store(transport.clone(), Hooks::default());
    let mut early = [0; 100];
    assert_eq!(store.read_at(&mut early, 0).expect("first bytes"), 100);
    within("early close", move || store.close()).expect("close");
    assert!(
        transport.was_cancelled(),
        "close did not cancel the transport"
    );
    assert_eq!(entries_in(dir.path()), 0, "temp file left behind");
    let released: Vec<_> = events.try_iter().collect();
    assert!(
        released.ends_with(&[FileEvent::Closed, FileEvent::Removed]),
        "{released:?}"
    );
}

#[test]
fn close_deadline_expiry_returns_timeout_and_the_last_reader_removes_the_file() {
    let (let_read_finish, hold) = channel::bounded(1);
    let hooks = Hooks {
        hold_reads_until: Some(hold),
        ..Hooks::default()
    };
    let object = object_bytes(1_000);
    let (store, dir, events) = observed_store(GatedTransport::open_tap(object.clone()), hooks);
    let reader = {
        let store = Arc::clone(&store);
        spawn_named("slow-reader", move || {
            let mut buf = [0; 10];
            store.read_at(&mut buf, 990).map(|read| (read, buf))
        })
    };
    while recv_within(&events, "reader reaching the file") != FileEvent::ReadStarted {}

    let deadline = store.clock().now();
    let outcome = store.close_with_deadline(deadline);
    assert!(
        matches!(
            outcome,
            Err(StoreError::CloseDeadlineExceeded {
                readers_in_flight: 1,
                ..
            })
        ),
        "{outcome:?}"
    );
    assert_eq!(
        entries_in(dir.path()),
        1,
        "file released under an in-flight reader"
    );

    let_read_finish.send(()).expect("reader is held");
    let (read, buf) = within("slow reader finishing", move || reader.join())
        .expect("reader thread")
        .expect("in-flight read completes");
    assert_eq!((read, &buf[..]), (10, &object[990..]));
    while recv_within(&events, "last reader removing the file") != FileEvent::Removed {}
    assert_eq!(entries_in(dir.path()), 0);
    assert!(store.close().is_ok(), "a later close reports the release");
}

#[test]
fn close_deadline_is_met_when_nobody_is_in_flight() {
    let (store, _dir, _events) =
        observed_store(GatedTransport::new(object_bytes(1_000)), Hooks::default());
    let deadline = store.clock().now() + STEP_DEADLINE;
    within("close with a deadline", move || {
        store.close_with_deadline(deadline)
    })
    .expect("close within deadline");
}

const STEP_DEADLINE: Duration = Duration::from_secs(10);

#[test]
fn reads_that_begin_after_close_get_closed() {
    let (store, _dir, _events) = observed_store(
        GatedTransport::open_tap(object_bytes(100)),
        Hooks::default(),
    );
    store.close().expect("close");
    assert!(matches!(
        store.read_at(&mut [0; 10], 0),
        Err(StoreError::Closed)
    ));
    assert!(matches!(store.read_at(&mut [], 0), Err(StoreError::Closed)));
}

#[test]
fn partial_read_at_the_end_returns_the_byte_count() {
    let object = object_bytes(100);
    let (store, _dir, _events) =
        observed_store(GatedTransport::open_tap(object.clone()), Hooks::default());
    let mut buf = [0; 30];
    assert_eq!(store.read_at(&mut buf, 90).expect("partial read"), 10);
    assert_eq!(&buf[..10], &object[90..]);
}

#[test]
fn reads_at_or_past_the_end_and_empty_reads_return_zero() {
    let (store, _dir, _events) =
        observed_store(GatedTransport::new(object_bytes(100)), Hooks::default());
    // Nothing is released: none of these may wait for the download.
    assert_eq!(store.read_at(&mut [0; 10], 100).expect("at end"), 0);
    assert_eq!(store.read_at(&mut [0; 10], 5_000).expect("past end"), 0);
    assert_eq!(store.read_at(&mut [], 3).expect("empty buffer"), 0);
}

#[test]
fn a_range_whose_end_overflows_is_clipped_not_a_panic() {
    let (store, _dir, _events) = observed_store(
        GatedTransport::open_tap(object_bytes(100)),
        Hooks::default(),
    );
    assert_eq!(
        store.read_at(&mut [0; 10], u64::MAX - 3).expect("clipped"),
        0
    );
}

#[test]
fn close_twice_returns_ok_both_times() {
    let (store, _dir, _events) =
        observed_store(GatedTransport::new(object_bytes(100)), Hooks::default());
    within("two closes", move || {
        store.close().expect("first close");
        store.close().expect("second close");
    });
}

#[test]
fn close_from_many_threads_at_once_all_return_ok() {
    let (store, dir, _events) =
        observed_store(GatedTransport::new(object_bytes(100_000)), Hooks::default());
    let closers: Vec<_> = (0..6)
        .map(|i| {
            let store = Arc::clone(&store);
            spawn_named(&format!("closer-{i}"), move || store.close())
        })
        .collect();
    for closer in closers {
        within_counting(
            "concurrent close",
            || Some(store.in_flight()),
            move || closer.join(),
        )
        .expect("closer thread")
        .expect("close");
    }
    assert_eq!(entries_in(dir.path()), 0);
}

#[test]
fn transient_resets_resume_from_the_current_offset() {
    let object = object_bytes(20_000);
    let transport = GatedTransport::open_tap(object.clone()).reset_every(6_000);
    let (store, _dir, _events) = observed_store(transport.clone(), Hooks::default());
    let mut all = vec![0; object.len()];
    let read = within("read through resets", move || {
        store.read_at(&mut all, 0).map(|n| (n, all))
    });
    let (read, all) = read.expect("read");
    assert_eq!(read, object.len());
    assert!(all == object, "resumed download corrupted the bytes");
    assert_eq!(transport.stream_offsets(), [0, 6_000, 12_000, 18_000]);
}

#[test]
fn transient_failures_without_progress_give_up_after_the_retry_budget() {
    let transport = GatedTransport::open_tap(object_bytes(1_000)).reset_every(0);
    let (store, _dir, _events) = observed_store(transport.clone(), Hooks::default());
    let outcome = within("read of a never-arriving range", move || {
        store.read_at(&mut [0; 10], 0)
    });
    let Err(StoreError::Transport(error)) = outcome else {
        panic!("expected a transport error, got {outcome:?}");
    };
    assert_eq!(error.kind(), io::ErrorKind::ConnectionReset);
    // The first attempt plus three retries.
    assert_eq!(transport.stream_offsets().len(), 4);
}

#[test]
fn permanent_transport_error_fails_pending_and_later_reads_but_not_arrived_ranges() {
    let object = object_bytes(30_000);
    let transport = GatedTransport::open_tap(object.clone())
        .reset_every(10_000)
        .permanent_failure_after(1);
    let (store, _dir, _events) = observed_store(transport, Hooks::default());
    let reader = Arc::clone(&store);
    let pending = within("read beyond the failure", move || {
        reader.read_at(&mut [0; 10], 20_000)
    });
    assert!(
        matches!(&pending, Err(StoreError::Transport(e)) if e.kind() == io::ErrorKind::NotFound),
        "{pending:?}"
    );
    assert!(matches!(
        store.read_at(&mut [0; 10], 15_000),
        Err(StoreError::Transport(_))
    ));
    let mut arrived = [0; 10];
    assert_eq!(store.read_at(&mut arrived, 100).expect("arrived range"), 10);
    assert_eq!(&arrived, &object[100..110]);
}

#[test]
fn disk_full_fails_reads_with_storage_full() {
    let hooks = Hooks {
        fail_writes_with: Some(io::ErrorKind::StorageFull),
        ..Hooks::default()
    };
    let (store, dir, _events) = observed_store(GatedTransport::open_tap(object_bytes(100)), hooks);
    let outcome = within("read on a full disk", move || {
        let outcome = store.read_at(&mut [0; 10], 0);
        store.close().expect("close after disk full");
        outcome
    });
    let error = io::Error::from(outcome.expect_err("disk full"));
    assert_eq!(error.kind(), io::ErrorKind::StorageFull);
    assert_eq!(entries_in(dir.path()), 0);
}

#[test]
fn dropping_an_unclosed_store_removes_its_file() {
    let transport = GatedTransport::new(object_bytes(100_000));
    transport.release(5_000);
    let (store, dir, events) = observed_store(transport, Hooks::default());
    drop(Arc::into_inner(store).expect("sole owner"));
    while recv_within(&events, "file removal after drop") != FileEvent::Removed {}
    assert_eq!(entries_in(dir.path()), 0);
}

#[test]
fn a_panic_inside_a_read_deregisters_the_reader_and_close_still_cleans_up() {
    let hooks = Hooks {
        panic_in_reads: true,
        ..Hooks::default()
    };
    let (store, dir, _events) = observed_store(GatedTransport::open_tap(object_bytes(100)), hooks);
    let reader = Arc::clone(&store);
    let panicked = within("panicking reader", move || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            reader.read_at(&mut [0; 10], 0)
        }))
        .is_err()
    });
    assert!(panicked, "the planted panic did not fire");
    let closer = Arc::clone(&store);
    within_counting(
        "close after a reader panicked",
        || Some(store.in_flight()),
        move || closer.close(),
    )
    .expect("close");
    assert_eq!(entries_in(dir.path()), 0);
}

#[test]
fn store_on_the_real_platform_stages_a_local_file() {
    let object = object_bytes(300_000);
    let source = tempfile::NamedTempFile::new().expect("source file");
    std::fs::write(source.path(), &object).expect("write source");
    let dir = tempfile::tempdir().expect("temp dir");
    let platform = Platform {
        files: TempDirFiles::in_dir(dir.path()),
        ..Platform::real()
    };
    let transport =
        store::SeekableTransport::new(std::fs::File::open(source.path()).expect("open"));
    let store = TempFileStore::open(transport, platform, StoreOptions::default()).expect("open");
    let mut staged = vec![0; object.len()];
    let staged = within("staging a local file", move || {
        let read = store.read_at(&mut staged, 0).expect("read");
        store.close().expect("close");
        (read, staged)
    });
    assert_eq!(staged.0, object.len());
    assert!(staged.1 == object);
    assert_eq!(entries_in(dir.path()), 0);
}

#[test]
fn deadline_in_the_past_still_starts_the_close() {
    let (store, _dir, _events) =
        observed_store(GatedTransport::new(object_bytes(100)), Hooks::default());
    let _ = store.close_with_deadline(Instant::ORIGIN);
    assert!(matches!(
        store.read_at(&mut [0; 1], 0),
        Err(StoreError::Closed)
    ));
}
