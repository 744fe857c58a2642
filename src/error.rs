//! The one public error type.
//!
//! `Error` is for configuration, packs, I/O and the index: things that stop an engine from
//! being built or a run from going on. A bad *document* is not an `Error`: it becomes an error
//! record in the output and the batch goes on (see `DESIGN.md`, "Errors and bad input").
//!
//! The type is opaque (a boxed kind plus an optional source) so that new kinds and new
//! context can be added without breaking users; match on [`Error::kind`].

use std::fmt;
use std::path::PathBuf;

/// An error from building an engine, loading packs, reading input or using the index.
///
/// # Example
///
/// ```
/// use clean_news::{Cleaner, ErrorKind};
///
/// let err = Cleaner::builder().packs(["no-such-pack"]).build().unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::Pack { .. }));
/// assert!(err.to_string().contains("no-such-pack"));
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug)]
pub struct Error {
    kind: Box<ErrorKind>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A rule pack could not be found, parsed or validated.
    Pack {
        /// The pack's name or path.
        pack: String,
        /// The rule id, when one rule is at fault.
        rule: Option<String>,
        /// What is wrong with it.
        message: String,
    },
    /// A configuration value is out of range or inconsistent.
    Config {
        /// What is wrong.
        message: String,
    },
    /// Reading or writing a file failed.
    Io {
        /// The file, when known.
        path: Option<PathBuf>,
        /// What was being done.
        message: String,
    },
    /// The index could not be opened, read or written.
    Index {
        /// What is wrong, and how to recover.
        message: String,
    },
    /// A record, file or value could not be parsed.
    Parse {
        /// Where (file and line, or record id).
        location: String,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    /// The kind of error.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    pub(crate) fn new(kind: ErrorKind) -> Error {
        Error { kind: Box::new(kind), source: None }
    }

    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        self.source = Some(Box::new(source));
        self
    }

    pub(crate) fn pack(
        pack: impl Into<String>,
        rule: Option<&str>,
        message: impl Into<String>,
    ) -> Error {
        Error::new(ErrorKind::Pack {
            pack: pack.into(),
            rule: rule.map(str::to_owned),
            message: message.into(),
        })
    }

    pub(crate) fn config(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Config { message: message.into() })
    }

    /// An `Io` error: `message` says what was being done, `err` is kept as the source. For
    /// front ends and [`Sink`](crate::output::Sink)s of their own that write elsewhere than
    /// the crate's writers do.
    pub fn io(path: Option<PathBuf>, message: impl Into<String>, err: std::io::Error) -> Error {
        Error::new(ErrorKind::Io { path, message: message.into() }).with_source(err)
    }

    pub(crate) fn index(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Index { message: message.into() })
    }

    pub(crate) fn parse(location: impl Into<String>, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Parse { location: location.into(), message: message.into() })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.kind {
            ErrorKind::Pack { pack, rule: Some(rule), message } => {
                write!(f, "pack {pack}, rule {rule}: {message}")
            }
            ErrorKind::Pack { pack, rule: None, message } => write!(f, "pack {pack}: {message}"),
            ErrorKind::Config { message } => write!(f, "configuration: {message}"),
            ErrorKind::Io { path: Some(path), message } => {
                write!(f, "{message}: {}", path.display())
            }
            ErrorKind::Io { path: None, message } => f.write_str(message),
            ErrorKind::Index { message } => write!(f, "index: {message}"),
            ErrorKind::Parse { location, message } => write!(f, "{location}: {message}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_pack_and_rule() {
        let err = Error::pack("ru", Some("ru.share.subscribe"), "unknown key `phrase`");
        assert_eq!(err.to_string(), "pack ru, rule ru.share.subscribe: unknown key `phrase`");
    }

    #[test]
    fn io_errors_keep_their_source() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let err = Error::io(Some("a/b.txt".into()), "cannot read", io);
        assert_eq!(err.to_string(), "cannot read: a/b.txt");
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn error_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Error>();
    }
}
