//! The terminal belongs to the harness. Shuttle's engine prints a line to
//! stderr for every failing execution it runs ("test panicked in task …",
//! with `eprintln!`, outside any panic hook), and a shrink or a corpus check
//! runs hundreds of failing executions: those lines would bury the report.
//! So while a command simulates in its own process, the process's stderr
//! (fd 2) points at `/dev/null`, and the harness writes what it has to say
//! on stderr (errors, the flight recorder, a panic of the harness itself)
//! through a handle to the real stderr that it kept. `--verbose` leaves fd 2
//! alone.

use std::fmt;
use std::fs::File;
use std::io::{self, Write};
use std::sync::{Mutex, OnceLock, PoisonError};

/// The real stderr, once fd 2 no longer is.
static KEPT: OnceLock<Mutex<File>> = OnceLock::new();

/// Points fd 2 at `/dev/null` for the rest of the process, keeping the real
/// stderr for [`write_line`]. Child processes inherit the silenced fd 2
/// unless they are given a stderr of their own.
#[cfg(unix)]
pub fn silence_schedulers() -> io::Result<()> {
    use std::os::fd::AsFd;
    let real = io::stderr().as_fd().try_clone_to_owned()?;
    let null = File::options().write(true).open("/dev/null")?;
    rustix::stdio::dup2_stderr(&null)?;
    // A second call keeps the first handle, which is the real stderr.
    let _ = KEPT.set(Mutex::new(File::from(real)));
    Ok(())
}

/// Nothing to silence where schedulers cannot be told apart from fd 2.
#[cfg(not(unix))]
pub fn silence_schedulers() -> io::Result<()> {
    Ok(())
}

/// Whether fd 2 no longer is the real stderr.
pub fn is_silenced() -> bool {
    KEPT.get().is_some()
}

/// Writes `line` and a newline to the real stderr, unbuffered. Write
/// errors are dropped: there is nowhere left to report them.
pub fn write_line(line: fmt::Arguments<'_>) {
    match KEPT.get() {
        Some(kept) => {
            let mut kept = kept.lock().unwrap_or_else(PoisonError::into_inner);
            let _ = writeln!(kept, "{line}");
        }
        None => {
            let _ = writeln!(io::stderr().lock(), "{line}");
        }
    }
}

/// Writes `text` to stdout. A reader that went away (`sim list | head`)
/// ends the process quietly with exit code 141, its children killed first:
/// a guarded command's child would otherwise run its campaign to the end
/// for nobody.
pub fn write_stdout(text: fmt::Arguments<'_>) {
    harness::process::write_stdout_or_end(text, crate::interrupt::kill_children);
}

/// `eprintln!` to the real stderr, whatever fd 2 points at.
#[macro_export]
macro_rules! eprintln_real {
    ($($arg:tt)*) => {
        $crate::console::write_line(format_args!($($arg)*))
    };
}
