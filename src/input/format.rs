//! What a file is, from its name (`.txt`, `.html`, `.jsonl`, `.warc`, each maybe `.gz` or
//! `.zst`; `.parquet`), and how it is opened: behind its decompressor and a bound on how far
//! it may expand, so a compression bomb is a failure after bounded work. Gzip is read member
//! by member, so a damaged member costs the records in it, not the rest of the file.

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::gzip_members::GzipMembers;
use super::{Limits, READ_BUFFER_BYTES};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Text,
    Html,
    JsonLines,
    Warc,
    Parquet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Compression {
    None,
    Gzip,
    Zstd,
}

/// What an input is, as the user says it (`--format`): found by the reader, or named.
///
/// [`Auto`](InputFormat::Auto) reads a file by its extension and sniffs standard input from
/// its first bytes. A named format is how standard input and every file named as a source
/// are read, whatever their names: `page.php` as HTML, `dump.json` as JSON Lines. The
/// compression still comes from the name (`.gz`, `.zst`), and files met while walking a
/// folder are still chosen by extension, since a folder mixes types and holds files that are
/// no documents at all.
///
/// # Example
///
/// ```
/// use clean_news::input::{Config, InputFormat};
///
/// let config: Config = toml::from_str("format = \"html\"")?;
/// assert_eq!(config.format, InputFormat::Html);
/// assert_eq!(Config::default().format, InputFormat::Auto);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// By extension; standard input by its first bytes.
    #[default]
    Auto,
    /// JSON Lines, one record per line (`jsonl`).
    #[serde(rename = "jsonl")]
    JsonLines,
    /// One plain text document (`txt`).
    #[serde(rename = "txt")]
    Text,
    /// One HTML document.
    Html,
    /// A WARC file.
    Warc,
}

impl InputFormat {
    /// The format named, or `None` for `Auto`.
    pub(super) fn named(self) -> Option<Format> {
        match self {
            InputFormat::Auto => None,
            InputFormat::JsonLines => Some(Format::JsonLines),
            InputFormat::Text => Some(Format::Text),
            InputFormat::Html => Some(Format::Html),
            InputFormat::Warc => Some(Format::Warc),
        }
    }
}

/// The compression a file name announces, and the name without its suffix (lower case).
pub(super) fn split_compression(name: &str) -> (String, Compression) {
    let mut lower = name.to_ascii_lowercase();
    let compression = if lower.ends_with(".gz") {
        Compression::Gzip
    } else if lower.ends_with(".zst") {
        Compression::Zstd
    } else {
        Compression::None
    };
    if let Some(at) = lower.rfind('.').filter(|_| compression != Compression::None) {
        lower.truncate(at);
    }
    (lower, compression)
}

/// The format and compression a file name announces, if it is one the reader knows.
pub(super) fn detect_format(name: &str) -> Option<(Format, Compression)> {
    let (stem, compression) = split_compression(name);
    let (_, extension) = stem.rsplit_once('.')?;
    let format = match extension {
        "txt" => Format::Text,
        "html" | "htm" => Format::Html,
        "jsonl" | "ndjson" => Format::JsonLines,
        "warc" => Format::Warc,
        "parquet" => Format::Parquet,
        _ => return None,
    };
    Some((format, compression))
}

/// Opens a file behind its decompressor and the expansion limit. Returns the reader and the
/// size of the file on disk.
pub(super) fn open_decompressed(
    path: &Path,
    compression: Compression,
    limits: Limits,
) -> io::Result<(Box<dyn Read + Send>, u64)> {
    let file = File::open(path)?;
    let file_bytes = file.metadata()?.len();
    let limit = limits.max_decompressed_bytes(file_bytes);
    let reader: Box<dyn Read + Send> = match compression {
        Compression::None => Box::new(file),
        Compression::Gzip => {
            let file = BufReader::with_capacity(READ_BUFFER_BYTES, file);
            let decoder = GzipMembers::new(Box::new(file));
            Box::new(ExpansionLimit::new(decoder, limit, limits.max_expansion_ratio))
        }
        Compression::Zstd => {
            let decoder = zstd::stream::read::Decoder::new(file)?;
            Box::new(ExpansionLimit::new(decoder, limit, limits.max_expansion_ratio))
        }
    };
    Ok((reader, file_bytes))
}

/// Stops a decompressor once its output passes the limit.
struct ExpansionLimit<R> {
    inner: R,
    produced: u64,
    limit: u64,
    ratio: u64,
}

impl<R> ExpansionLimit<R> {
    fn new(inner: R, limit: u64, ratio: u64) -> ExpansionLimit<R> {
        ExpansionLimit { inner, produced: 0, limit, ratio }
    }
}

impl<R: Read> Read for ExpansionLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.produced > self.limit {
            return Err(self.exceeded());
        }
        let n = self.inner.read(buf)?;
        self.produced = self.produced.saturating_add(n as u64);
        if self.produced > self.limit {
            return Err(self.exceeded());
        }
        Ok(n)
    }
}

impl<R> ExpansionLimit<R> {
    fn exceeded(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "decompressed data exceeds {} bytes ({}× the compressed size): possible \
                 decompression bomb",
                self.limit, self.ratio
            ),
        )
    }
}

impl<R> fmt::Debug for ExpansionLimit<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpansionLimit")
            .field("produced", &self.produced)
            .field("limit", &self.limit)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_formats_and_compression_by_name() {
        assert_eq!(detect_format("a.TXT"), Some((Format::Text, Compression::None)));
        assert_eq!(detect_format("a.htm.gz"), Some((Format::Html, Compression::Gzip)));
        assert_eq!(detect_format("a.ndjson.zst"), Some((Format::JsonLines, Compression::Zstd)));
        assert_eq!(detect_format("crawl.warc.gz"), Some((Format::Warc, Compression::Gzip)));
        assert_eq!(detect_format("a.Parquet"), Some((Format::Parquet, Compression::None)));
        assert_eq!(detect_format("a.json"), None);
        assert_eq!(detect_format("txt"), None);
        assert_eq!(detect_format("a.gz"), None);
    }

    #[test]
    fn compression_comes_from_the_last_suffix_only() {
        assert_eq!(split_compression("Page.PHP.gz"), ("page.php".to_owned(), Compression::Gzip));
        assert_eq!(split_compression("dump.zst"), ("dump".to_owned(), Compression::Zstd));
        assert_eq!(split_compression("index"), ("index".to_owned(), Compression::None));
        assert_eq!(split_compression("a.gzip"), ("a.gzip".to_owned(), Compression::None));
    }

    #[test]
    fn expansion_limit_stops_a_bomb() {
        let mut limited = ExpansionLimit::new(io::repeat(0), 1000, 10);
        let err = io::copy(&mut limited, &mut io::sink()).unwrap_err();
        assert!(err.to_string().contains("decompression bomb"));
    }

    #[test]
    fn decompression_limit_is_ratio_times_size_but_at_least_one_document() {
        let limits = Limits { max_doc_bytes: 1000, max_expansion_ratio: 10 };
        assert_eq!(limits.max_decompressed_bytes(50), 1000);
        assert_eq!(limits.max_decompressed_bytes(500), 5000);
        assert_eq!(limits.max_decompressed_bytes(u64::MAX), u64::MAX);
    }
}
