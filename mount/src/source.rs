//! A mount's sources: a local path or an `http(s)://` URL each, the file
//! name each appears under, and the transport that fetches it.

use std::ffi::OsStr;
use std::fs::File;
use std::io::Read;
use std::path::PathBuf;

use store::{HttpTransport, SeekableTransport, Transport, TransportError};

/// The name of the directory that holds the status file; no object may
/// take it.
pub const STATUS_DIR: &str = ".tempfilestore";

/// Where one object comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A file on this machine.
    Path(PathBuf),
    /// An object on an HTTP server (`https` needs the `https` feature).
    Url(String),
}

/// Why a source cannot be mounted.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// `--name` was given more often than there are sources.
    #[error("{names} --name option(s) for {sources} source(s)")]
    TooManyNames {
        /// The names given.
        names: usize,
        /// The sources given.
        sources: usize,
    },
    /// A name no file can have.
    #[error(
        "{0:?} cannot name a file: it must be non-empty, not `.`, `..` or `{STATUS_DIR}`, and hold no `/`"
    )]
    BadName(String),
    /// Two sources would appear under one name.
    #[error("two sources would both appear as {0:?}; give one of them --name")]
    DuplicateName(String),
    /// The source cannot be opened.
    #[error("{given}: {error}")]
    Unreadable {
        /// The source as given.
        given: String,
        /// Why.
        error: String,
    },
}

impl Source {
    /// Reads a command-line argument: a URL if it starts with `http://` or
    /// `https://`, a path otherwise.
    pub fn parse(argument: &OsStr) -> Source {
        match argument.to_str() {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                Source::Url(url.to_owned())
            }
            _ => Source::Path(PathBuf::from(argument)),
        }
    }

    /// The name the source appears under when not given one: the path's
    /// file name, or the URL's last path segment, without a query.
    pub fn default_name(&self) -> String {
        match self {
            Source::Path(path) => path.file_name().map_or_else(
                || "object".to_owned(),
                |name| name.to_string_lossy().into_owned(),
            ),
            Source::Url(url) => {
                let path = url.split(['?', '#']).next().unwrap_or_default();
                let after_scheme = path.split_once("://").map_or(path, |(_, rest)| rest);
                match after_scheme.split_once('/') {
                    Some((_, path)) => path
                        .rsplit('/')
                        .find(|segment| !segment.is_empty())
                        .unwrap_or("object")
                        .to_owned(),
                    None => "object".to_owned(),
                }
            }
        }
    }

    /// A transport for the source. A missing or unreadable file fails here;
    /// a URL fails when the store first asks for its length.
    pub fn transport(&self) -> Result<AnyTransport, SourceError> {
        match self {
            Source::Path(path) => File::open(path)
                .map(|file| AnyTransport::File(SeekableTransport::new(file)))
                .map_err(|error| SourceError::Unreadable {
                    given: path.display().to_string(),
                    error: error.to_string(),
                }),
            Source::Url(url) => Ok(AnyTransport::Http(HttpTransport::new(url.clone()))),
        }
    }

    /// The source as the user wrote it, for messages.
    pub fn display(&self) -> String {
        match self {
            Source::Path(path) => path.display().to_string(),
            Source::Url(url) => url.clone(),
        }
    }
}

/// Pairs each source with its file name: `names` in order, then each
/// source's default. Fails on a name no file can have, or on two sources
/// under one name.
pub fn name_sources(
    sources: Vec<Source>,
    names: &[String],
) -> Result<Vec<(String, Source)>, SourceError> {
    if names.len() > sources.len() {
        return Err(SourceError::TooManyNames {
            names: names.len(),
            sources: sources.len(),
        });
    }
    let mut named: Vec<(String, Source)> = Vec::with_capacity(sources.len());
    for (index, source) in sources.into_iter().enumerate() {
        let name = names
            .get(index)
            .cloned()
            .unwrap_or_else(|| source.default_name());
        if name.is_empty()
            || name == "."
            || name == ".."
            || name == STATUS_DIR
            || name.contains('/')
        {
            return Err(SourceError::BadName(name));
        }
        if named.iter().any(|(other, _)| *other == name) {
            return Err(SourceError::DuplicateName(name));
        }
        named.push((name, source));
    }
    Ok(named)
}

/// A file's or a URL's transport, as one type, so that one mount serves both.
#[derive(Debug)]
pub enum AnyTransport {
    /// A local file.
    File(SeekableTransport<File>),
    /// An HTTP object.
    Http(HttpTransport),
}

impl Transport for AnyTransport {
    type Stream = Box<dyn Read + Send>;

    fn object_len(&self) -> Result<u64, TransportError> {
        match self {
            AnyTransport::File(file) => file.object_len(),
            AnyTransport::Http(http) => http.object_len(),
        }
    }

    fn stream_from(&self, offset: u64) -> Result<Self::Stream, TransportError> {
        Ok(match self {
            AnyTransport::File(file) => Box::new(file.stream_from(offset)?),
            AnyTransport::Http(http) => Box::new(http.stream_from(offset)?),
        })
    }

    fn cancel(&self) {
        match self {
            AnyTransport::File(file) => file.cancel(),
            AnyTransport::Http(http) => http.cancel(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_named_after_its_last_path_segment_without_the_query() {
        let source = Source::parse(OsStr::new("http://host:80/a/b/disk.img?sig=1"));
        assert_eq!(source.default_name(), "disk.img");
        assert_eq!(
            Source::parse(OsStr::new("https://host/dir/")).default_name(),
            "dir"
        );
        assert_eq!(
            Source::parse(OsStr::new("http://host")).default_name(),
            "object"
        );
    }

    #[test]
    fn a_path_is_named_after_its_file_name() {
        let source = Source::parse(OsStr::new("/data/weights.bin"));
        assert_eq!(source, Source::Path(PathBuf::from("/data/weights.bin")));
        assert_eq!(source.default_name(), "weights.bin");
    }

    #[test]
    fn two_sources_under_one_name_are_refused() {
        let sources = vec![
            Source::parse(OsStr::new("/a/x")),
            Source::parse(OsStr::new("/b/x")),
        ];
        let refused = name_sources(sources, &[]);
        assert!(matches!(refused, Err(SourceError::DuplicateName(name)) if name == "x"));
    }

    #[test]
    fn names_are_given_in_order_and_the_rest_default() {
        let sources = vec![
            Source::parse(OsStr::new("/a/x")),
            Source::parse(OsStr::new("/b/x")),
        ];
        let named = name_sources(sources, &["first".to_owned()]).expect("distinct names");
        let names: Vec<_> = named.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["first", "x"]);
    }

    #[test]
    fn the_status_directory_and_slashes_cannot_name_an_object() {
        for bad in [STATUS_DIR, "a/b", "", ".."] {
            let named = name_sources(vec![Source::parse(OsStr::new("/a/x"))], &[bad.to_owned()]);
            assert!(matches!(named, Err(SourceError::BadName(_))), "{bad:?}");
        }
    }
}
