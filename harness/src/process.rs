//! Child processes under a watchdog: a fuzzing job runs each campaign in a
//! child of its own, so that nothing the code under test does (abort the
//! process, overflow a stack, spin forever without a scheduling point)
//! takes the job down with it. And the program's own stdout, whose reader
//! may go away before it is done.

use std::io::{self, Read};
use std::process::{Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::Duration;

use wait_timeout::ChildExt;

/// Exit code of a program whose reader went away, as a shell reports a
/// writer killed by `SIGPIPE` (128 + 13).
pub const READER_GONE_EXIT_CODE: i32 = 141;

/// Exit code of a program that could not write its report for another reason.
const CANNOT_WRITE_EXIT_CODE: i32 = 2;

/// How many of a dead child's last stderr lines its report keeps.
const STDERR_LINES_KEPT: usize = 8;

/// How a child ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ended {
    /// It exited with `code`, having written `stdout`.
    Exited {
        /// Its exit code.
        code: i32,
        /// All it wrote to stdout.
        stdout: String,
    },
    /// It died without exiting: `how`, and the last lines it wrote to
    /// stderr (a panic's message, an abort's reason).
    Died {
        /// The signal that ended it, in words.
        how: String,
        /// Its last lines on stderr.
        stderr_tail: String,
    },
    /// It ran past the watchdog, and was killed.
    Hung,
}

/// Runs `command` to its end, or until `watchdog` has passed.
pub fn run(mut command: Command, watchdog: Duration) -> io::Result<Ended> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().map(drain);
    let stderr = child.stderr.take().map(drain);
    let Some(status) = child.wait_timeout(watchdog)? else {
        child.kill()?;
        child.wait()?;
        return Ok(Ended::Hung);
    };
    let (stdout, stderr) = (collect(stdout), collect(stderr));
    Ok(match status.code() {
        Some(code) => Ended::Exited { code, stdout },
        None => Ended::Died {
            how: describe_status(status),
            stderr_tail: tail(&stderr, STDERR_LINES_KEPT),
        },
    })
}

/// Reads a pipe to its end on a thread of its own, so a chatty child never
/// blocks on a full pipe while its parent waits for it (which a watchdog
/// would take for a hang). A read error ends the text early; what was read
/// is kept.
pub fn drain<R: Read + Send + 'static>(mut pipe: R) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn collect(drained: Option<JoinHandle<String>>) -> String {
    drained
        .and_then(|drained| drained.join().ok())
        .unwrap_or_default()
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// How a child that exited without reporting ended, in words.
#[cfg(unix)]
pub fn describe_status(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.signal(), status.code()) {
        (Some(signal), _) => format!("died of signal {signal} ({})", signal_name(signal)),
        (None, Some(code)) => format!("exited with code {code} without reporting"),
        (None, None) => "ended without an exit status".to_owned(),
    }
}

/// How a child that exited without reporting ended, in words.
#[cfg(not(unix))]
pub fn describe_status(status: ExitStatus) -> String {
    format!("exited with {status} without reporting")
}

#[cfg(unix)]
fn signal_name(signal: i32) -> &'static str {
    match signal {
        6 => "SIGABRT: an abort, e.g. a panic while panicking",
        9 => "SIGKILL",
        11 => "SIGSEGV: e.g. a stack overflow",
        _ => "see signal(7)",
    }
}

/// Writes `text` to stdout, as `print!` does. A reader that went away
/// (`| head`) ends the program quietly with [`READER_GONE_EXIT_CODE`], where
/// `print!` would panic; any other failure to write ends it with 2, saying
/// why on stderr.
pub fn write_stdout(text: std::fmt::Arguments<'_>) {
    write_stdout_or_end(text, || {});
}

/// [`write_stdout`], running `before_exit` first if the write ends the
/// program: a program with children of its own stops them there.
pub fn write_stdout_or_end(text: std::fmt::Arguments<'_>, before_exit: impl FnOnce()) {
    use std::io::Write as _;
    let Err(error) = std::io::stdout().lock().write_fmt(text) else {
        return;
    };
    before_exit();
    if error.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(READER_GONE_EXIT_CODE);
    }
    eprintln!("error: cannot write to stdout: {error}");
    std::process::exit(CANNOT_WRITE_EXIT_CODE);
}

#[cfg(all(test, unix))]
mod tests {
    use std::time::Instant;

    use super::*;

    fn shell(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    const LONG_ENOUGH: Duration = Duration::from_secs(30);

    #[test]
    fn an_exiting_child_gives_its_code_and_its_stdout() {
        let ended = run(shell("echo found; exit 1"), LONG_ENOUGH).expect("sh runs");
        let stdout = "found\n".to_owned();
        assert_eq!(ended, Ended::Exited { code: 1, stdout });
    }

    #[test]
    fn an_aborting_child_is_reported_dead_with_its_last_words() {
        let ended = run(
            shell("echo 'about to abort' >&2; kill -ABRT $$"),
            LONG_ENOUGH,
        )
        .expect("sh runs");
        let Ended::Died { how, stderr_tail } = ended else {
            panic!("{ended:?}");
        };
        assert!(how.starts_with("died of signal 6 (SIGABRT"), "{how}");
        assert_eq!(stderr_tail, "about to abort");
    }

    #[test]
    fn a_child_past_its_watchdog_is_killed_as_hung() {
        let started = Instant::now();
        let ended = run(shell("while :; do :; done"), Duration::from_millis(200)).expect("sh runs");
        assert_eq!(ended, Ended::Hung);
        assert!(started.elapsed() < LONG_ENOUGH, "{:?}", started.elapsed());
    }

    #[test]
    fn a_child_writing_more_than_a_pipe_holds_is_not_taken_for_hung() {
        // 1 MiB, sixteen times a Linux pipe's buffer.
        let ended = run(shell("head -c 1048576 /dev/zero; exit 0"), LONG_ENOUGH).expect("sh runs");
        let Ended::Exited { code, stdout } = ended else {
            panic!("{ended:?}");
        };
        assert_eq!((code, stdout.len()), (0, 1_048_576));
    }
}
