//! A scripted HTTP/1.1 server on 127.0.0.1 that misbehaves on purpose:
//! drops the connection mid-body, answers 404, ignores `Range`, stalls, or
//! sends a body slowly. It serves a bounded number of connections, one at a
//! time, and stops itself when dropped.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crossbeam::channel::{self, Receiver, Sender};

/// How the server answers.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Script {
    /// HEAD and ranged GETs, correctly.
    Serve,
    /// Like `Serve`, but the first GET's connection drops after this many body bytes.
    DropFirstBodyAfter(usize),
    /// Every request gets 404.
    NotFound,
    /// Like `DropFirstBodyAfter`, then every GET answers 200 with the whole object.
    IgnoreRangeAfterDropAt(usize),
    /// Like `Serve`, but the first GET stalls after this many body bytes,
    /// its connection open, until the server is dropped.
    StallFirstBodyAfter(usize),
    /// Like `Serve`, but every body is sent `chunk_bytes` at a time with a
    /// pause of `pause_ms` after each: an object that arrives slowly.
    Throttled {
        /// Bytes per write.
        chunk_bytes: usize,
        /// Pause after each write, in milliseconds.
        pause_ms: u64,
    },
    /// HEAD answers correctly; every GET gets 404: a download that fails
    /// for good after the object's length is known.
    GetNotFound,
}

/// At most this many connections are served, so a broken client cannot
/// keep the server busy forever.
const MAX_CONNECTIONS: usize = 64;

pub(crate) struct ScriptedServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    /// Dropped with the server: ends a stalled response.
    unstall: Option<Sender<()>>,
    requests: Arc<Mutex<Vec<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl ScriptedServer {
    pub(crate) fn start(object: Vec<u8>, script: Script) -> ScriptedServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (unstall, stalled) = channel::bounded(0);
        let thread = {
            let (stop, requests) = (Arc::clone(&stop), Arc::clone(&requests));
            std::thread::spawn(move || {
                serve(&listener, &object, script, &stop, &requests, &stalled);
            })
        };
        ScriptedServer {
            addr,
            stop,
            unstall: Some(unstall),
            requests,
            thread: Some(thread),
        }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}/object", self.addr)
    }

    /// Request lines with their `Range` header, in arrival order.
    pub(crate) fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("requests lock").clone()
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        drop(self.unstall.take());
        // Wake the accept call so the thread sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(
    listener: &TcpListener,
    object: &[u8],
    script: Script,
    stop: &AtomicBool,
    requests: &Mutex<Vec<String>>,
    stalled: &Receiver<()>,
) {
    let mut gets = 0;
    for stream in listener.incoming().take(MAX_CONNECTIONS) {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let Some((method, range_start)) = read_request(&stream, requests) else {
            continue;
        };
        let is_get = method == "GET";
        if is_get {
            gets += 1;
        }
        let _ = respond(
            stream,
            object,
            script,
            &method,
            range_start,
            is_get && gets == 1,
            stalled,
        );
    }
}

/// Reads the request head; returns the method and the start of `Range: bytes=N-`.
fn read_request(stream: &TcpStream, requests: &Mutex<Vec<String>>) -> Option<(String, u64)> {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    let method = request_line.split_whitespace().next()?.to_owned();
    let mut range_start = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some(value) = header
            .strip_prefix("range: ")
            .or(header.strip_prefix("Range: "))
        {
            range_start = value
                .trim_start_matches("bytes=")
                .trim_end_matches('-')
                .parse()
                .ok()?;
        }
    }
    let logged = format!("{method} from {range_start}");
    requests.lock().expect("requests lock").push(logged);
    Some((method, range_start))
}

fn respond(
    mut stream: TcpStream,
    object: &[u8],
    script: Script,
    method: &str,
    range_start: u64,
    first_get: bool,
    stalled: &Receiver<()>,
) -> std::io::Result<()> {
    if matches!(script, Script::NotFound)
        || (matches!(script, Script::GetNotFound) && method == "GET")
    {
        return stream.write_all(
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        );
    }
    let honour_range = match script {
        Script::IgnoreRangeAfterDropAt(_) => first_get,
        _ => true,
    };
    let start = if honour_range {
        range_start as usize
    } else {
        0
    };
    let body = &object[start.min(object.len())..];
    let head = if start > 0 {
        format!(
            "HTTP/1.1 206 Partial Content\r\ncontent-length: {}\r\ncontent-range: bytes {start}-{}/{}\r\nconnection: close\r\n\r\n",
            body.len(),
            object.len() - 1,
            object.len()
        )
    } else {
        format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\naccept-ranges: bytes\r\nconnection: close\r\n\r\n",
            body.len()
        )
    };
    stream.write_all(head.as_bytes())?;
    if method == "HEAD" {
        return Ok(());
    }
    let drop_after = match script {
        Script::DropFirstBodyAfter(bytes) | Script::IgnoreRangeAfterDropAt(bytes) if first_get => {
            Some(bytes)
        }
        _ => None,
    };
    match (drop_after, script) {
        (Some(bytes), _) => {
            // Closing here leaves the body short of its content-length:
            // the client sees a broken connection.
            stream.write_all(&body[..bytes.min(body.len())])
        }
        (None, Script::StallFirstBodyAfter(bytes)) if first_get => {
            stream.write_all(&body[..bytes.min(body.len())])?;
            stream.flush()?;
            // Blocks until the server is dropped; the connection stays open.
            let _ = stalled.recv();
            Ok(())
        }
        (
            None,
            Script::Throttled {
                chunk_bytes,
                pause_ms,
            },
        ) => {
            let pause = std::time::Duration::from_millis(pause_ms);
            for piece in body.chunks(chunk_bytes.max(1)) {
                stream.write_all(piece)?;
                stream.flush()?;
                // The pause ends early, and the body with it, once the
                // server is dropped.
                if let Err(channel::RecvTimeoutError::Disconnected) = stalled.recv_timeout(pause) {
                    break;
                }
            }
            Ok(())
        }
        (None, _) => stream.write_all(body),
    }
}
