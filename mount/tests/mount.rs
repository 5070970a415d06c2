//! End-to-end: the `tempfilestore` binary on a real FUSE mount, read by
//! real processes and threads, against the loopback HTTP server that
//! misbehaves on purpose. Skipped, with one notice, where `/dev/fuse` is
//! absent.

mod support;

#[path = "../../store/tests/support/http_server.rs"]
#[allow(dead_code, reason = "these tests use some of the server's scripts")]
mod http_server;

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use http_server::{Script, ScriptedServer};
use support::{Mount, fuse_available, object};

const MIB: usize = 1 << 20;

/// Reads `len` bytes at `offset` of `file`, as many calls as it takes.
fn read_exact_at(file: &File, len: usize, offset: u64) -> io::Result<Vec<u8>> {
    let mut buf = vec![0; len];
    file.read_exact_at(&mut buf, offset)?;
    Ok(buf)
}

#[test]
fn cat_and_sha256sum_of_a_mounted_file_equal_the_source() {
    if !fuse_available() {
        return;
    }
    let source_dir = tempfile::tempdir().expect("a temp dir");
    let source = source_dir.path().join("disk.img");
    std::fs::write(&source, object(3 * MIB + 17)).expect("the source writes");
    let (mut mount, output) = Mount::start(&[source.display().to_string()], &[]);
    assert!(output.status.success(), "{output:?}");

    let cat = Command::new("cat")
        .arg(mount.file("disk.img"))
        .output()
        .expect("cat runs");
    assert!(cat.status.success());
    assert!(
        cat.stdout == object(3 * MIB + 17),
        "cat differs from the source"
    );
    let sums = Command::new("sha256sum")
        .arg(&source)
        .arg(mount.file("disk.img"))
        .output()
        .expect("sha256sum runs");
    let sums = String::from_utf8_lossy(&sums.stdout).into_owned();
    let digests: Vec<_> = sums.lines().map(|line| line.split(' ').next()).collect();
    assert_eq!(digests.len(), 2, "{sums}");
    assert_eq!(digests[0], digests[1], "{sums}");

    assert!(mount.unmount().status.success());
    mount.await_temp_dir_empty();
    mount.assert_nothing_left();
}

#[test]
fn eight_concurrent_pread_loops_read_every_byte_right_while_the_object_arrives() {
    if !fuse_available() {
        return;
    }
    let expected = object(8 * MIB);
    let throttled = Script::Throttled {
        chunk_bytes: 64 * 1024,
        pause_ms: 5,
    };
    let server = ScriptedServer::start(expected.clone(), throttled);
    let mut mount = Mount::start_foreground(&[server.url()], &[]);
    let file = File::open(mount.file("object")).expect("the mounted file opens");

    std::thread::scope(|scope| {
        for reader in 0..8_u64 {
            let (file, expected) = (&file, &expected);
            scope.spawn(move || {
                let mut state = 0x2545_F491_4F6C_DD1D_u64 ^ reader;
                for _ in 0..64 {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let offset = state % expected.len() as u64;
                    let len = usize::try_from(state >> 48).expect("16 bits fit") % (128 * 1024) + 1;
                    let len = len.min(expected.len() - offset as usize);
                    let read = read_exact_at(file, len, offset).expect("the read succeeds");
                    let start = offset as usize;
                    assert!(
                        read == expected[start..start + len],
                        "reader {reader}: {len} bytes at {offset} differ"
                    );
                }
            });
        }
    });
    drop(file);
    let (status, _) = mount.terminate();
    assert!(status.success(), "{status:?}");
    mount.assert_nothing_left();
}

#[test]
fn a_stalled_download_unmounts_within_a_second_its_readers_get_eio_and_nothing_is_left() {
    if !fuse_available() {
        return;
    }
    let server = ScriptedServer::start(object(8 * MIB), Script::StallFirstBodyAfter(MIB));
    let mut mount = Mount::start_foreground(&[server.url()], &[]);
    let (done, results) = mpsc::channel();
    let readers: Vec<_> = (0..2)
        .map(|reader| {
            let (path, done) = (mount.file("object"), done.clone());
            std::thread::spawn(move || {
                let file = File::open(path).expect("the mounted file opens");
                let read = read_exact_at(&file, 4096, 4 * MIB as u64 + reader * 4096);
                done.send(read.map(drop)).expect("the test listens");
            })
        })
        .collect();
    mount.await_reads_in_flight(2);

    let (status, took) = mount.terminate();
    assert!(status.success(), "{status:?}");
    assert!(took < Duration::from_secs(1), "the unmount took {took:?}");
    for _ in 0..2 {
        let read = results.recv().expect("each reader reports");
        let error = read.expect_err("a read of bytes that never came fails");
        assert_eq!(
            error.raw_os_error(),
            Some(rustix::io::Errno::IO.raw_os_error()),
            "{error}"
        );
    }
    readers
        .into_iter()
        .for_each(|reader| reader.join().expect("no reader panics"));
    mount.assert_nothing_left();
}

#[test]
fn a_download_reset_mid_object_still_reads_back_every_byte() {
    if !fuse_available() {
        return;
    }
    let expected = object(4 * MIB);
    let server = ScriptedServer::start(expected.clone(), Script::DropFirstBodyAfter(MIB + 5));
    let mut mount = Mount::start_foreground(&[server.url()], &[]);
    let read = std::fs::read(mount.file("object")).expect("the mounted file reads");
    assert!(read == expected, "the bytes differ from the source");
    assert_eq!(mount.status()["objects"][0]["retries"], 1);
    let (status, _) = mount.terminate();
    assert!(status.success(), "{status:?}");
    mount.assert_nothing_left();
}

#[test]
fn a_complete_objects_reader_is_served_while_a_stalled_objects_reader_waits() {
    if !fuse_available() {
        return;
    }
    let stalled = ScriptedServer::start(object(4 * MIB), Script::StallFirstBodyAfter(MIB));
    let complete = ScriptedServer::start(object(2 * MIB), Script::Serve);
    let names = ["--name", "stalled", "--name", "complete"];
    let mut mount = Mount::start_foreground(&[stalled.url(), complete.url()], &names);
    let (done, stalled_read) = mpsc::channel();
    let path = mount.file("stalled");
    let waiting = std::thread::spawn(move || {
        let file = File::open(path).expect("the mounted file opens");
        done.send(read_exact_at(&file, 4096, 3 * MIB as u64).map(drop))
            .expect("the test listens");
    });
    mount.await_reads_in_flight(1);

    // In a thread, so that a read held up behind the stalled one fails
    // the test instead of hanging it.
    let (served, complete_read) = mpsc::channel();
    let path = mount.file("complete");
    std::thread::spawn(move || served.send(std::fs::read(path)));
    let read = complete_read
        .recv_timeout(Duration::from_secs(10))
        .expect("the complete object is served while the other stalls")
        .expect("the complete object reads");
    assert!(read == object(2 * MIB));
    assert!(
        stalled_read.try_recv().is_err(),
        "the stalled object's read ended before the mount did"
    );
    let status = mount.status();
    assert_eq!(status["objects"][0]["reads_in_flight"], 1, "{status}");

    let (status, _) = mount.terminate();
    assert!(status.success(), "{status:?}");
    let error = stalled_read
        .recv()
        .expect("the reader reports")
        .expect_err("cut off");
    assert_eq!(
        error.raw_os_error(),
        Some(rustix::io::Errno::IO.raw_os_error())
    );
    waiting.join().expect("the reader does not panic");
    mount.assert_nothing_left();
}

#[test]
fn a_failed_download_gets_eio_while_the_other_object_reads_right() {
    if !fuse_available() {
        return;
    }
    let failed = ScriptedServer::start(object(MIB), Script::GetNotFound);
    let served = ScriptedServer::start(object(2 * MIB), Script::Serve);
    let names = ["--name", "failed", "--name", "served"];
    let mut mount = Mount::start_foreground(&[failed.url(), served.url()], &names);
    let error = std::fs::read(mount.file("failed")).expect_err("bytes that never come");
    assert_eq!(
        error.raw_os_error(),
        Some(rustix::io::Errno::IO.raw_os_error())
    );
    let status = mount.status();
    assert_eq!(status["objects"][0]["download"], "failed", "{status}");
    let read = std::fs::read(mount.file("served")).expect("the other object reads");
    assert!(read == object(2 * MIB));

    assert!(mount.unmount().status.success());
    let status = mount.wait().expect("the mount exits");
    assert!(status.success(), "{status:?}");
    mount.assert_nothing_left();
}

#[test]
fn the_status_file_is_one_json_object_with_each_objects_progress() {
    if !fuse_available() {
        return;
    }
    let server = ScriptedServer::start(object(MIB), Script::Serve);
    let mut mount = Mount::start_foreground(&[server.url()], &["--name", "weights"]);
    let read = std::fs::read(mount.file("weights")).expect("the object reads");
    assert_eq!(read.len(), MIB);
    let open = File::open(mount.file("weights")).expect("the object opens");
    mount.await_status(|status| status["objects"][0]["download"] == "complete");
    let status = mount.status();
    let weights = &status["objects"][0];
    assert_eq!(weights["name"], "weights");
    assert_eq!(weights["arrived_bytes"], MIB as u64);
    assert_eq!(weights["object_len_bytes"], MIB as u64);
    assert_eq!(weights["download"], "complete");
    assert_eq!(weights["retries"], 0);
    assert_eq!(
        weights["handles_open"], 1,
        "the status file's reader holds none"
    );
    assert_eq!(status["log_lines_dropped"], 0);
    drop(open);
    let (status, _) = mount.terminate();
    assert!(status.success());
}

#[test]
fn a_complete_object_opened_afterwards_reads_right_and_is_cut_off_by_the_unmount() {
    if !fuse_available() {
        return;
    }
    let expected = object(2 * MIB + 3);
    let server = ScriptedServer::start(expected.clone(), Script::Serve);
    let mut mount = Mount::start_foreground(&[server.url()], &[]);
    mount.await_status(|status| status["objects"][0]["download"] == "complete");
    // Opened once complete: where the kernel allows it, in passthrough to
    // the temp file, which the kernel then reads itself.
    let file = File::open(mount.file("object")).expect("the object opens");
    let read = read_exact_at(&file, expected.len(), 0).expect("the object reads");
    assert!(read == expected, "the bytes differ from the source");
    assert_eq!(mount.status()["objects"][0]["handles_open"], 1);

    let (status, took) = mount.terminate();
    assert!(status.success(), "{status:?}");
    assert!(took < Duration::from_secs(1), "the unmount took {took:?}");
    mount.assert_nothing_left();
    drop(file);
}

#[test]
fn an_object_open_since_before_it_completed_opens_again_once_complete() {
    if !fuse_available() {
        return;
    }
    let expected = object(2 * MIB);
    let throttled = Script::Throttled {
        chunk_bytes: 64 * 1024,
        pause_ms: 2,
    };
    let server = ScriptedServer::start(expected.clone(), throttled);
    let mut mount = Mount::start_foreground(&[server.url()], &[]);
    // Opened while the object arrives: a plain open, read through the mount.
    let early = File::open(mount.file("object")).expect("the object opens");
    mount.await_status(|status| status["objects"][0]["download"] == "complete");
    // The kernel fails an open that would mix passthrough with the plain
    // one still open, so this one must be plain too; and once that closes,
    // a later open may be passthrough.
    let late = File::open(mount.file("object")).expect("a second open succeeds");
    assert!(read_exact_at(&late, expected.len(), 0).expect("it reads") == expected);
    assert!(read_exact_at(&early, 4096, 0).expect("the first reads") == expected[..4096]);
    drop((early, late));
    let after = File::open(mount.file("object")).expect("a third open succeeds");
    assert!(read_exact_at(&after, expected.len(), 0).expect("it reads") == expected);
    drop(after);

    let (status, _) = mount.terminate();
    assert!(status.success(), "{status:?}");
    mount.assert_nothing_left();
}

/// Runs a mount that must not start, and checks what it says and leaves.
fn assert_refused(sources: &[String], expected: &str) {
    let (mount, output) = Mount::start(sources, &[]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains(expected),
        "{stderr}"
    );
    mount.assert_nothing_left();
}

#[test]
fn a_source_answering_404_stops_the_mount_from_starting() {
    if !fuse_available() {
        return;
    }
    let server = ScriptedServer::start(Vec::new(), Script::NotFound);
    assert_refused(&[server.url()], "HTTP 404");
}

#[test]
fn a_missing_file_stops_the_mount_from_starting() {
    if !fuse_available() {
        return;
    }
    assert_refused(
        &["/nonexistent/disk.img".to_owned()],
        "/nonexistent/disk.img",
    );
}

#[test]
fn a_refused_connection_stops_the_mount_from_starting_and_closes_the_other_sources() {
    if !fuse_available() {
        return;
    }
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port");
    let served = ScriptedServer::start(object(MIB), Script::Serve);
    assert_refused(
        &[served.url(), format!("http://{closed_port}/refused")],
        &closed_port.to_string(),
    );
}
