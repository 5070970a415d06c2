//! Every child process `sim` runs goes through here: one way to spawn, to
//! watch, to record a crash, and one protocol ([`Message`]).
//!
//! A store bug may abort a process (loom aborts on some failures), overflow
//! a stack or spin forever, and nothing a store bug does may take the
//! harness down with it. So campaigns (`sim explore`), fuzz jobs, corpus
//! checks and `--save`'s shrinks run in children. A child:
//!
//! - runs in a process group of its own (a Ctrl-C reaches the parent only;
//!   see [`crate::interrupt`]) and is killed if a second signal ends `sim`;
//! - streams its stdout to the parent line by line: [`Message`]s, and text;
//! - is killed by a watchdog, or when a signal asks `sim` to stop;
//! - when it dies without its last message, is run once more with the
//!   flight recorder on ([`crate::flight`]): the harness is deterministic,
//!   so the crash recurs, and this time stderr says which run was running
//!   and what it did last ([`Crash`]).

mod message;

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use harness::process::{describe_status, drain};
use wait_timeout::ChildExt;

pub(crate) use message::{Finding, Message, Replayed};

use crate::flight::{EVENT_MARK, SCHEDULE_MARK};
use crate::interrupt;

/// How many of a crashed child's last trace events a report shows.
pub(crate) const LAST_EVENTS: usize = 12;

/// How often a waiting parent looks for an interruption.
const POLL: Duration = Duration::from_millis(100);

/// The `sim` executable and the arguments of one child.
#[derive(Clone, Debug)]
pub(crate) struct Spec {
    /// The `sim` executable.
    pub exe: std::path::PathBuf,
    /// Its arguments.
    pub args: Vec<OsString>,
    /// Whether its stderr (progress, errors) goes to the parent's stderr;
    /// otherwise it is discarded, except under the flight recorder.
    pub shows_stderr: bool,
}

impl Spec {
    /// `exe` with `args`.
    pub(crate) fn new<I, S>(exe: &Path, args: I) -> Spec
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        Spec {
            exe: exe.to_path_buf(),
            args: args.into_iter().map(Into::into).collect(),
            shows_stderr: false,
        }
    }

    fn command(&self, flight_recorder: bool) -> Command {
        let mut command = Command::new(&self.exe);
        command.args(&self.args);
        if flight_recorder {
            command.arg("--flight-recorder");
        }
        command.stdin(Stdio::null()).stdout(Stdio::piped());
        interrupt::own_process_group(&mut command);
        command
    }
}

/// A line of a child's stdout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// A message of the protocol.
    Message(Message),
    /// Text for people.
    Text(String),
}

/// A running child.
pub(crate) struct Worker {
    process: Child,
    _registered: interrupt::Registered,
    stderr: Option<JoinHandle<String>>,
}

/// How a child ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    /// It exited, with this status.
    Exited(ExitStatus),
    /// The watchdog killed it.
    KilledByWatchdog,
    /// A signal asked `sim` to stop; it was killed.
    Interrupted,
}

impl Worker {
    /// Starts `spec`; each stdout line goes to `lines` as `(tag, Some(line))`,
    /// then `(tag, None)` when stdout closes. With the flight recorder on,
    /// stderr is kept for [`Worker::finish`]; otherwise discarded.
    pub(crate) fn spawn<T: Clone + Send + 'static>(
        spec: &Spec,
        flight_recorder: bool,
        tag: T,
        lines: Sender<(T, Option<Line>)>,
    ) -> std::io::Result<Worker> {
        let mut command = spec.command(flight_recorder);
        command.stderr(if flight_recorder {
            Stdio::piped()
        } else if spec.shows_stderr {
            Stdio::inherit()
        } else {
            Stdio::null()
        });
        let mut process = command.spawn()?;
        let registered = interrupt::register(process.id());
        if let Some(stdout) = process.stdout.take() {
            std::thread::spawn(move || {
                for text in BufReader::new(stdout).lines().map_while(Result::ok) {
                    let line = match Message::parse(&text) {
                        Some(message) => Line::Message(message),
                        None => Line::Text(text),
                    };
                    if lines.send((tag.clone(), Some(line))).is_err() {
                        return;
                    }
                }
                let _ = lines.send((tag, None));
            });
        }
        let stderr = process.stderr.take().map(drain);
        Ok(Worker {
            process,
            _registered: registered,
            stderr,
        })
    }

    /// Waits until it exits, `watchdog` passes (it is killed) or a signal
    /// asks `sim` to stop (it is killed).
    pub(crate) fn wait(&mut self, watchdog: Duration) -> std::io::Result<Ending> {
        let started = Instant::now();
        loop {
            let left = watchdog.saturating_sub(started.elapsed());
            if let Some(status) = self.process.wait_timeout(left.min(POLL))? {
                return Ok(Ending::Exited(status));
            }
            if interrupt::requested() {
                self.kill()?;
                return Ok(Ending::Interrupted);
            }
            if started.elapsed() >= watchdog {
                self.kill()?;
                return Ok(Ending::KilledByWatchdog);
            }
        }
    }

    /// Kills it and reaps it.
    pub(crate) fn kill(&mut self) -> std::io::Result<()> {
        match self.process.kill() {
            Ok(()) => self.process.wait().map(drop),
            // It had exited already.
            Err(error) if error.kind() == std::io::ErrorKind::InvalidInput => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// The flight log its stderr held, once it has ended.
    pub(crate) fn finish(mut self) -> FlightLog {
        let stderr = self
            .stderr
            .take()
            .map(|reader| reader.join().unwrap_or_default())
            .unwrap_or_default();
        FlightLog::of(&stderr)
    }
}

/// What a flight-recorded child wrote last.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlightLog {
    /// The number of the last schedule or run that began.
    pub last_run: Option<u64>,
    /// Its last [`LAST_EVENTS`] trace events, oldest first.
    pub last_events: Vec<String>,
}

impl FlightLog {
    /// Reads a flight-recorded child's stderr.
    pub fn of(stderr: &str) -> FlightLog {
        let mut log = FlightLog::default();
        for line in stderr.lines() {
            if let Some(text) = line.strip_prefix(SCHEDULE_MARK) {
                log.last_run = text.trim().parse().ok();
                log.last_events.clear();
            } else if let Some(event) = line.strip_prefix(EVENT_MARK) {
                log.last_events.push(event.to_owned());
            }
        }
        let skip = log.last_events.len().saturating_sub(LAST_EVENTS);
        log.last_events.drain(..skip);
        log
    }
}

/// A child that died or hung without its last message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Crash {
    /// How it died: a signal, an exit code, or the watchdog.
    pub how: String,
    /// What the flight recorder saw when the child ran again.
    pub log: FlightLog,
    /// Whether the run again ended normally: what killed the first process
    /// built up over the runs before (a leak?), not the run alone.
    pub passed_alone: bool,
}

/// How a one-shot child ended.
#[derive(Clone, Debug)]
pub(crate) enum Outcome {
    /// It ran to the end: its messages and its text.
    Finished {
        /// Every message, in order.
        messages: Vec<Message>,
        /// Every other line, newline-terminated.
        text: String,
    },
    /// It died or hung.
    Crashed(Crash),
    /// A signal asked `sim` to stop.
    Interrupted,
}

/// Runs `spec` to its end under `watchdog`. A child that exits with a code
/// other than 0 or 1, or without any message, crashed: it is run once more
/// with the flight recorder, to say where.
pub(crate) fn run_to_end(spec: &Spec, watchdog: Duration) -> std::io::Result<Outcome> {
    let (ending, messages, text, _) = run_once(spec, false, watchdog)?;
    let reported = matches!(ending, Ending::Exited(status) if matches!(status.code(), Some(0 | 1)));
    if reported && !messages.is_empty() {
        return Ok(Outcome::Finished { messages, text });
    }
    if ending == Ending::Interrupted {
        return Ok(Outcome::Interrupted);
    }
    let (again, log) = flight_record(spec, watchdog)?;
    if again == Ending::Interrupted {
        return Ok(Outcome::Interrupted);
    }
    Ok(Outcome::Crashed(Crash {
        how: describe(ending, watchdog),
        log,
        passed_alone: matches!(again, Ending::Exited(status) if status.success()),
    }))
}

/// How a relayed child ended (see [`relay`]).
#[derive(Clone, Debug)]
pub(crate) enum Relayed {
    /// It exited with this code (0, 1 or 2: `sim`'s contract).
    Exited(u8),
    /// It died or hung.
    Crashed(Crash),
    /// A signal asked `sim` to stop; the child was killed.
    Interrupted,
}

/// Runs `spec` to its end, writing its text to stdout as it comes (its
/// messages are dropped: the text is the report) and its stderr to ours. A
/// child that ends other than by an exit code of `sim`'s contract crashed:
/// it is run once more with the flight recorder, to say where.
pub(crate) fn relay(spec: &Spec, watchdog: Duration) -> std::io::Result<Relayed> {
    let (sender, receiver) = std::sync::mpsc::channel();
    let mut worker = Worker::spawn(spec, false, (), sender)?;
    let relaying = std::thread::spawn(move || {
        for (_, line) in receiver.iter() {
            let Some(Line::Text(text)) = line else {
                continue;
            };
            crate::console::write_stdout(format_args!("{text}\n"));
        }
    });
    let ending = worker.wait(watchdog)?;
    // The relay ends once the child's stdout closes, after its last line.
    let _ = relaying.join();
    let code = match ending {
        Ending::Exited(status) => status.code().and_then(|code| u8::try_from(code).ok()),
        Ending::Interrupted => return Ok(Relayed::Interrupted),
        Ending::KilledByWatchdog => None,
    };
    if let Some(code @ 0..=2) = code {
        return Ok(Relayed::Exited(code));
    }
    let (again, log) = flight_record(spec, watchdog)?;
    if again == Ending::Interrupted {
        return Ok(Relayed::Interrupted);
    }
    Ok(Relayed::Crashed(Crash {
        how: describe(ending, watchdog),
        log,
        passed_alone: matches!(again, Ending::Exited(status) if status.success()),
    }))
}

/// Runs `spec` once with the flight recorder on: how it ended, and what it
/// wrote last.
pub(crate) fn flight_record(
    spec: &Spec,
    watchdog: Duration,
) -> std::io::Result<(Ending, FlightLog)> {
    let (ending, _, _, log) = run_once(spec, true, watchdog)?;
    Ok((ending, log))
}

fn run_once(
    spec: &Spec,
    flight_recorder: bool,
    watchdog: Duration,
) -> std::io::Result<(Ending, Vec<Message>, String, FlightLog)> {
    let (sender, receiver) = std::sync::mpsc::channel();
    let mut worker = Worker::spawn(spec, flight_recorder, (), sender)?;
    let ending = worker.wait(watchdog)?;
    let (mut messages, mut text) = (Vec::new(), String::new());
    for (_, line) in receiver.iter() {
        match line {
            Some(Line::Message(message)) => messages.push(message),
            Some(Line::Text(line)) => {
                text.push_str(&line);
                text.push('\n');
            }
            None => break,
        }
    }
    Ok((ending, messages, text, worker.finish()))
}

/// How a child ended, in words.
pub(crate) fn describe(ending: Ending, watchdog: Duration) -> String {
    match ending {
        Ending::KilledByWatchdog => format!("hung: the watchdog killed it after {watchdog:?}"),
        Ending::Exited(status) => describe_status(status),
        Ending::Interrupted => "was stopped by a signal to sim".to_owned(),
    }
}

/// How a child ended, in a few words that are the same for every child
/// that ended so: a signal's number, an exit code, or a hang.
pub(crate) fn category(ending: Ending) -> String {
    match ending {
        Ending::KilledByWatchdog => "hung".to_owned(),
        Ending::Interrupted => "interrupted".to_owned(),
        Ending::Exited(status) => exit_category(status),
    }
}

#[cfg(unix)]
fn exit_category(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.signal(), status.code()) {
        (Some(signal), _) => format!("signal {signal}"),
        (None, Some(code)) => format!("exit code {code}"),
        (None, None) => "no exit status".to_owned(),
    }
}

#[cfg(not(unix))]
fn exit_category(status: ExitStatus) -> String {
    status.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flight_log_keeps_the_last_run_and_its_last_events() {
        let mut stderr = format!("{SCHEDULE_MARK}7\n{EVENT_MARK}old\n{SCHEDULE_MARK}9\n");
        for event in 0..20 {
            stderr.push_str(&format!("{EVENT_MARK}event {event}\nother noise\n"));
        }
        let log = FlightLog::of(&stderr);
        assert_eq!(log.last_run, Some(9));
        assert_eq!(log.last_events.len(), LAST_EVENTS);
        assert_eq!(log.last_events.last().map(String::as_str), Some("event 19"));
    }
}
