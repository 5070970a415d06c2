//! A real mount for the end-to-end tests: the `tempfilestore` binary on a
//! temp directory, its temp files in another, torn down whatever happens.
#![allow(dead_code, reason = "each test binary uses its own subset")]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// Whether a real mount can run here: `/dev/fuse` and `fusermount3`. Where
/// not, says so once, and the tests pass without running.
pub(crate) fn fuse_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        let fusermount = Command::new("fusermount3")
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success());
        let available = Path::new("/dev/fuse").exists() && fusermount;
        if !available {
            eprintln!("notice: no /dev/fuse or fusermount3 here; the real-mount tests are skipped");
        }
        available
    })
}

/// The bytes of a test object of `len` bytes: no two nearby windows alike,
/// so a read from the wrong offset cannot pass for the right one.
pub(crate) fn object(len: usize) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}

/// A mount of the `tempfilestore` binary and the directories it uses.
pub(crate) struct Mount {
    dir: TempDir,
    /// The foreground process, if the mount runs in one.
    foreground: Option<Child>,
    mounted: bool,
}

impl Mount {
    fn new() -> Mount {
        let dir = tempfile::tempdir().expect("a temp dir for the mount");
        std::fs::create_dir(dir.path().join("mnt")).expect("the mount point");
        std::fs::create_dir(dir.path().join("tmp")).expect("the temp files' dir");
        Mount {
            dir,
            foreground: None,
            mounted: false,
        }
    }

    /// The mount point.
    pub(crate) fn point(&self) -> PathBuf {
        self.dir.path().join("mnt")
    }

    /// Where the stores' temp files live.
    pub(crate) fn temp_dir(&self) -> PathBuf {
        self.dir.path().join("tmp")
    }

    /// The mounted file `name`.
    pub(crate) fn file(&self, name: &str) -> PathBuf {
        self.point().join(name)
    }

    fn args(&self, sources: &[String], extra: &[&str]) -> Vec<String> {
        let mut args = vec!["mount".to_owned()];
        args.extend(sources.iter().cloned());
        args.push(self.point().display().to_string());
        args.push("--temp-dir".to_owned());
        args.push(self.temp_dir().display().to_string());
        args.extend(extra.iter().map(|arg| (*arg).to_owned()));
        args
    }

    /// Runs the command in the background mode: it returns once mounted,
    /// or with the mount's failure. Returns the mount and the command's output.
    pub(crate) fn start(sources: &[String], extra: &[&str]) -> (Mount, Output) {
        let mut mount = Mount::new();
        let output = Command::new(env!("CARGO_BIN_EXE_tempfilestore"))
            .args(mount.args(sources, extra))
            .output()
            .expect("the binary runs");
        mount.mounted = output.status.success();
        (mount, output)
    }

    /// Mounts in the foreground and waits until the mount says it is up.
    pub(crate) fn start_foreground(sources: &[String], extra: &[&str]) -> Mount {
        let mut mount = Mount::new();
        let mut child = Command::new(env!("CARGO_BIN_EXE_tempfilestore"))
            .args(mount.args(sources, extra))
            .arg("--foreground")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        let stderr = child.stderr.take().expect("stderr was piped");
        let mut first_line = String::new();
        // The first line comes once the mount is up, or is the error.
        BufReader::new(stderr)
            .read_line(&mut first_line)
            .expect("the mount's stderr reads");
        mount.foreground = Some(child);
        mount.mounted = is_mounted(&mount.point());
        assert!(mount.mounted, "the mount did not come up: {first_line}");
        mount
    }

    /// `fusermount3 -u`: an unmount from outside.
    pub(crate) fn unmount(&mut self) -> Output {
        let output = Command::new("fusermount3")
            .arg("-u")
            .arg(self.point())
            .output()
            .expect("fusermount3 runs");
        self.mounted = !output.status.success();
        output
    }

    /// Waits for the foreground mount to exit, after an unmount from outside.
    pub(crate) fn wait(&mut self) -> std::io::Result<ExitStatus> {
        let mut child = self.foreground.take().expect("a foreground mount");
        child.wait()
    }

    /// Waits, up to 10 s, until the background mount has removed its temp
    /// files: after an unmount from outside it exits on its own.
    pub(crate) fn await_temp_dir_empty(&self) {
        let started = Instant::now();
        while std::fs::read_dir(self.temp_dir())
            .expect("the temp dir lists")
            .next()
            .is_some()
        {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "temp files stay"
            );
            std::thread::yield_now();
        }
    }

    /// Sends SIGTERM to the foreground mount; returns its exit status and
    /// how long it took to exit.
    pub(crate) fn terminate(&mut self) -> (ExitStatus, Duration) {
        let child = self.foreground.as_mut().expect("a foreground mount");
        let pid = rustix::process::Pid::from_child(child);
        let started = Instant::now();
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("SIGTERM");
        let status = child.wait().expect("the mount exits");
        let took = started.elapsed();
        self.foreground = None;
        self.mounted = is_mounted(&self.point());
        (status, took)
    }

    /// Waits, up to 10 s, until `reads` reads are in flight on object 0,
    /// as the status file says.
    pub(crate) fn await_reads_in_flight(&self, reads: u64) {
        self.await_status(|status| status["objects"][0]["reads_in_flight"] == reads);
    }

    /// Waits, up to 10 s, until the status file says what `holds` wants.
    pub(crate) fn await_status(&self, holds: impl Fn(&serde_json::Value) -> bool) {
        let started = Instant::now();
        loop {
            let status = self.status();
            if holds(&status) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the status never came: {status}"
            );
            std::thread::yield_now();
        }
    }

    /// The status file, parsed.
    pub(crate) fn status(&self) -> serde_json::Value {
        let status = std::fs::read(self.point().join(".tempfilestore/status"))
            .expect("the status file reads");
        serde_json::from_slice(&status).expect("the status is JSON")
    }

    /// Asserts that no temp file and no mount is left.
    pub(crate) fn assert_nothing_left(&self) {
        let left: Vec<_> = std::fs::read_dir(self.temp_dir())
            .expect("the temp dir lists")
            .map(|entry| entry.expect("an entry").file_name())
            .collect();
        assert!(left.is_empty(), "temp files left behind: {left:?}");
        assert!(
            !is_mounted(&self.point()),
            "{} is still mounted",
            self.point().display()
        );
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        if let Some(mut child) = self.foreground.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if is_mounted(&self.point()) {
            let _ = Command::new("fusermount3")
                .args(["-u", "-z"])
                .arg(self.point())
                .output();
        }
    }
}

/// Whether `point` is a mount point now, as `/proc/self/mountinfo` says.
pub(crate) fn is_mounted(point: &Path) -> bool {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo reads");
    let point = point.display().to_string();
    mountinfo
        .lines()
        .any(|line| line.split(' ').nth(4) == Some(point.as_str()))
}
