use std::io;
use std::time::Duration;

use ureq::Agent;
use ureq::http::{StatusCode, header};

use super::Transport;
use crate::TransportError;

/// An object on an HTTP server, fetched with range requests so a dropped
/// connection resumes where it stopped. `https` URLs need the `https` feature.
///
/// [`cancel`](Transport::cancel) shuts the transport's agent down: a body
/// read in flight fails at once (the socket is shut down under it), so a
/// store's close never waits for a stalled transfer's read timeout.
#[derive(Debug)]
pub struct HttpTransport {
    agent: Agent,
    url: String,
}

impl HttpTransport {
    /// The object at `url`, with default timeouts (10 s connect, 30 s for
    /// the response head and for each body read).
    pub fn new(url: impl Into<String>) -> HttpTransport {
        let agent = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_recv_response(Some(Duration::from_secs(30)))
            .timeout_per_read(Some(Duration::from_secs(30)))
            .build()
            .into();
        HttpTransport {
            agent,
            url: url.into(),
        }
    }

    /// The object at `url`, fetched through an agent of its own with
    /// `agent`'s configuration, so that cancelling this transport interrupts
    /// none of `agent`'s other requests. The configuration must have
    /// `http_status_as_error(false)`, so that statuses reach this
    /// transport's classification.
    pub fn with_agent(agent: &Agent, url: impl Into<String>) -> HttpTransport {
        HttpTransport {
            agent: Agent::new_with_config(agent.config().clone()),
            url: url.into(),
        }
    }
}

impl Transport for HttpTransport {
    type Stream = ureq::BodyReader<'static>;

    fn object_len(&self) -> Result<u64, TransportError> {
        let response = self
            .agent
            .head(&self.url)
            .call()
            .map_err(|error| request_failed(&self.url, error))?;
        check_status(&self.url, response.status())?;
        let length = response
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
        length.ok_or_else(|| {
            TransportError::permanent(
                io::ErrorKind::InvalidData,
                format!("{}: HEAD response has no valid Content-Length", self.url),
            )
        })
    }

    fn stream_from(&self, offset: u64) -> Result<Self::Stream, TransportError> {
        let mut request = self.agent.get(&self.url);
        if offset > 0 {
            request = request.header(header::RANGE, format!("bytes={offset}-"));
        }
        let response = request
            .call()
            .map_err(|error| request_failed(&self.url, error))?;
        check_status(&self.url, response.status())?;
        if offset > 0 {
            check_range_start(&self.url, &response, offset)?;
        }
        Ok(response.into_body().into_reader())
    }

    /// Shuts the agent down: every connection it holds, idle or reading a
    /// body, is shut down at once, and later requests fail with
    /// `NotConnected`. The store then stops instead of retrying: it is
    /// closing.
    fn cancel(&self) {
        self.agent.clone().shutdown();
    }
}

fn request_failed(url: &str, error: ureq::Error) -> TransportError {
    let message = format!("{url}: {error}");
    match error {
        ureq::Error::Io(io_error) => TransportError::transient(io_error.kind(), message),
        ureq::Error::Timeout(_) => TransportError::transient(io::ErrorKind::TimedOut, message),
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => {
            TransportError::transient(io::ErrorKind::ConnectionRefused, message)
        }
        _ => TransportError::permanent(io::ErrorKind::InvalidInput, message),
    }
}

fn check_status(url: &str, status: StatusCode) -> Result<(), TransportError> {
    let message = || format!("{url}: HTTP {status}");
    match status.as_u16() {
        200 | 206 => Ok(()),
        404 | 410 => Err(TransportError::permanent(
            io::ErrorKind::NotFound,
            message(),
        )),
        401 | 403 => Err(TransportError::permanent(
            io::ErrorKind::PermissionDenied,
            message(),
        )),
        408 | 429 | 500..=599 => Err(TransportError::transient(
            io::ErrorKind::ConnectionAborted,
            message(),
        )),
        _ => Err(TransportError::permanent(io::ErrorKind::Other, message())),
    }
}

/// A resumed request must continue exactly at `offset`: a server that ignores
/// `Range` and replies 200 would otherwise splice the object's start in.
fn check_range_start(
    url: &str,
    response: &ureq::http::Response<ureq::Body>,
    offset: u64,
) -> Result<(), TransportError> {
    let content_range = response
        .headers()
        .get(header::CONTENT_RANGE)
        .and_then(|value| value.to_str().ok());
    let start = content_range
        .and_then(|range| range.strip_prefix("bytes "))
        .and_then(|range| range.split('-').next()?.parse::<u64>().ok());
    if response.status() == StatusCode::PARTIAL_CONTENT && start == Some(offset) {
        return Ok(());
    }
    Err(TransportError::permanent(
        io::ErrorKind::Unsupported,
        format!(
            "{url}: asked for bytes from {offset}, got HTTP {} with Content-Range {content_range:?}; \
             the server does not support resuming",
            response.status()
        ),
    ))
}
