//! Step 1, read: paths and stdin become a stream of [`Document`]s, or of failures naming
//! the file or record that could not be read.
//!
//! A crawl is messy: folders of `.txt` next to `.html`, JSON Lines dumps, WARC archives,
//! compressed or not, with the odd binary file, truncated archive or page in a legacy
//! charset. The reader's job is to turn all of it into [`Document`]s without ever stopping
//! the batch and without trusting sizes it is given. So:
//!
//! - **Streaming.** [`Reader::read`] returns an iterator ([`Documents`]). JSON Lines are read
//!   line by line and WARC record by record, so a dump of any size needs memory for one
//!   document at a time, never the whole file.
//! - **Failures are data.** Whatever cannot be read becomes a [`Failure`] in the stream, in
//!   input order, naming the path and, when known, the record; the next item is read as if
//!   nothing happened. A WARC record whose `Content-Length` lies, or a damaged gzip member
//!   of a `.warc.gz` or `.jsonl.gz`, costs that record: reading resynchronises on the next
//!   `WARC/` line or gzip member (see the `warc` and `gzip_members` modules). Only what
//!   cannot be resumed (an I/O error, a corrupt zstd frame, a decompression bomb) ends the
//!   rest of *that file*, with one failure saying so.
//! - **Limits.** A document larger than [`Config::max_doc_bytes`] is a failure, found before
//!   it is held in memory (a JSON Lines line is capped while it is read). A compressed file
//!   may expand to at most `max(max_expansion_ratio × its size, max_doc_bytes)` bytes: a
//!   gzip or zstd bomb gives a failure once it passes that bound, after bounded work. The
//!   `max_doc_bytes` floor means a single document within the limit is never refused for
//!   compressing well.
//! - **Determinism.** Folders are walked depth first in byte order of the entry names, so the
//!   same tree gives the same stream on every machine and file system.
//!
//! # Which files are read
//!
//! | name ends with | read as | id |
//! |---|---|---|
//! | `.txt` | one text document | path relative to the folder given (a file given directly: its name) |
//! | `.html`, `.htm` | one HTML document | same |
//! | `.jsonl`, `.ndjson` | one document per line: `{"id","url","site","published","title","text"\|"html"}` | the `id` field, else `<file>:<line>` |
//! | `.warc` | WARC 1.0/1.1 `response` and `resource` records | `WARC-Target-URI`, else `WARC-Record-ID` |
//! | `.parquet` | one document per row, the JSON Lines fields as columns (feature `parquet`, see `parquet.rs`) | the `id` column, else `<file>:<row>` |
//!
//! Each may end in `.gz` (multi-member gzip, as WARC writers produce) or `.zst`. `-` is
//! standard input, whose format is sniffed from its first bytes (JSON Lines, WARC, an HTML
//! page or a text page: see the `sniff` module); a page read from it has the id `-`, JSON
//! Lines records without an id `-:<line>`. [`Config::format`] names the format instead, for
//! standard input and for every file named as a source (not for files found in a folder).
//!
//! A front end that wants a mistyped path said at once, before it creates any output, asks
//! [`unopenable`] first (see the `preflight` module).
//!
//! Walking a folder, the reader skips (and counts in [`Documents::skipped`]) files of other
//! types, and skips without counting: names starting with `.` (hidden files and folders,
//! unless [`Config::hidden`]), symbolic links to folders (never followed, so no loops),
//! sockets, pipes and devices. Symbolic links to files are followed. A path given directly is
//! always read, hidden or not, and a file of an unknown type given directly is a failure.
//!
//! In WARC files only `response` and `resource` records of HTML or plain text become
//! documents; responses with an HTTP status outside 200–299 and records of other media types
//! (images, scripts, PDFs) are skipped and counted.
//!
//! # Decoding
//!
//! A UTF-8 byte order mark is skipped wherever a file may start: a text or HTML file, a
//! JSON Lines line, a WARC version line (files joined with `cat` have one in the middle). A
//! line ends at `\n`, `\r\n` or a lone `\r`, in JSON Lines and WARC headers alike, and
//! every document's body and title get `\n` line endings as they are read, so no `\r`
//! reaches a later step or the output.
//!
//! Text is decoded to UTF-8 by the crate's `charset` module, which HTML extraction and the
//! eval use too: a byte order mark wins, then the bytes themselves (valid UTF-8, or UTF-8
//! with a few stray bytes, is UTF-8), then the charset the HTTP or WARC `Content-Type` declares,
//! then (for HTML) a `<meta charset>` in the first 8 KiB, else windows-1252 for HTML and
//! UTF-8 for text. Bytes invalid in that encoding are replaced with U+FFFD and the
//! document gets the note `invalid utf-8 decoded lossily` (or the encoding's name), so
//! nothing is dropped silently. A `.txt` or `.html` with a NUL byte in its first 8 KiB (and no
//! UTF-16 byte order mark) is a binary file and a failure. An empty file is a document with
//! empty text and the note `empty document`; an empty JSON Lines file has no records.
//!
//! # Not supported (each gives a failure, never a crash)
//!
//! - `.warc.zst` files compressed with an embedded dictionary (the IIPC `warc.zst` profile);
//!   plain zstd frames are fine. zstd frames needing a window over 128 MiB (`--long=31`) are
//!   refused, as they would need that much memory.
//! - HTTP bodies with `Content-Encoding: br`.
//! - Charsets `encoding_rs` does not know (ignored, with a note).

use std::fmt;
use std::fs;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use encoding_rs::{Encoding, UTF_8};
use serde::{Deserialize, Serialize};

use crate::charset::{self, Content};
use crate::{Body, Document, Error};

mod format;
mod gzip_members;
mod jsonl;
mod line_endings;
#[cfg(feature = "parquet")]
mod parquet;
mod preflight;
mod rewind;
mod safe_path;
mod sniff;
mod stdin;
mod walk;
mod warc;

pub use format::InputFormat;
use format::{Compression, Format, detect_format, open_decompressed, split_compression};
use jsonl::JsonLinesReader;
pub use preflight::{Unopenable, unopenable};
pub(crate) use safe_path::safe_relative_path;
use walk::{FolderWalk, list_sorted};
use warc::WarcRecords;

/// The default for [`Config::max_doc_bytes`]: 16 MiB, well above any real article page.
pub const DEFAULT_MAX_DOC_BYTES: u64 = 16 * 1024 * 1024;

/// The default for [`Config::max_expansion_ratio`]. Text and HTML compress 3–15× with gzip
/// and rarely beyond 50× with zstd; bombs run to 1000× (gzip) and far more (zstd).
pub const DEFAULT_MAX_EXPANSION_RATIO: u64 = 100;

/// How far into a `.txt` or `.html` file a NUL byte marks it as binary (as `git` and `grep`
/// decide it).
const BINARY_SNIFF_BYTES: usize = 8 * 1024;

/// Buffer size for reading files: large enough that syscalls don't dominate.
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// The longest piece of input quoted in a failure message.
const MAX_QUOTED_CHARS: usize = 40;

/// What the reader accepts. Written down in a config file or set with [`ReaderBuilder`].
///
/// # Example
///
/// ```
/// use clean_news::input::Config;
///
/// let config: Config = toml::from_str("max_doc_bytes = 1_000_000")?;
/// assert_eq!(config.max_doc_bytes, 1_000_000);
/// assert!(!config.hidden);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The largest document, in bytes (before decoding; for JSON Lines, the whole line).
    /// Larger ones become failures. Default: 16 MiB ([`DEFAULT_MAX_DOC_BYTES`]).
    pub max_doc_bytes: u64,
    /// How many times its own size a compressed file may expand to (but always at least
    /// `max_doc_bytes`) before it is taken for a decompression bomb. Default: 100
    /// ([`DEFAULT_MAX_EXPANSION_RATIO`]).
    pub max_expansion_ratio: u64,
    /// Also read files and folders whose names start with `.` inside the folders walked.
    /// Default: `false`.
    pub hidden: bool,
    /// What standard input and the files named as sources are: by extension and sniffing
    /// ([`InputFormat::Auto`], the default), or the format named.
    pub format: InputFormat,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_doc_bytes: DEFAULT_MAX_DOC_BYTES,
            max_expansion_ratio: DEFAULT_MAX_EXPANSION_RATIO,
            hidden: false,
            format: InputFormat::Auto,
        }
    }
}

/// Where documents come from: a file or folder, or standard input.
///
/// # Example
///
/// ```
/// use clean_news::input::Source;
///
/// assert_eq!(Source::from_arg("-"), Source::Stdin);
/// assert_eq!(Source::from_arg("crawl/"), Source::Path("crawl/".into()));
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Standard input: JSON Lines, WARC or one page, as [`Config::format`] says or its first
    /// bytes show.
    Stdin,
    /// A file (read by its extension) or a folder (walked).
    Path(PathBuf),
}

impl Source {
    /// A source from a command-line argument: `-` is stdin, anything else a path.
    pub fn from_arg(arg: impl Into<PathBuf>) -> Source {
        let path = arg.into();
        if path.as_os_str() == "-" { Source::Stdin } else { Source::Path(path) }
    }
}

/// One document as read, with notes on how it was decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadDoc {
    /// The document.
    pub doc: Document,
    /// The file it came from (`-` for stdin), for messages.
    pub path: String,
    /// Notes about the input, such as `invalid utf-8 decoded lossily`. The pipeline copies
    /// them into [`Meta::notes`](crate::Meta::notes).
    pub notes: Vec<String>,
}

/// A file or record that could not be read. It takes the place of a document in the stream.
///
/// # Example
///
/// ```
/// use clean_news::input::Failure;
///
/// let failure = Failure { path: "dump.jsonl".into(), id: Some("dump.jsonl:7".into()),
///                         error: "line 7: not valid JSON: expected value at column 1".into() };
/// assert_eq!(failure.to_string(), "dump.jsonl: dump.jsonl:7: line 7: not valid JSON: expected value at column 1");
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The file (`-` for stdin, the folder for a folder that cannot be listed).
    pub path: String,
    /// The document's id, when it is known.
    pub id: Option<String>,
    /// What is wrong, in lower case.
    pub error: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.id {
            Some(id) => write!(f, "{}: {}: {}", self.path, id, self.error),
            None => write!(f, "{}: {}", self.path, self.error),
        }
    }
}

/// Reads documents from files, folders and stdin. Cheap to clone.
///
/// # Example
///
/// ```
/// use clean_news::input::{Reader, Source};
///
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("a.txt"), "Title\n\nBody.")?;
/// std::fs::write(dir.path().join("b.jsonl"), "{\"id\":\"x\",\"text\":\"Hi.\"}\nnot json\n")?;
///
/// let reader = Reader::builder().build()?;
/// let items: Vec<_> = reader.read([Source::Path(dir.path().into())]).collect();
/// assert_eq!(items.len(), 3);
/// assert_eq!(items[0].as_ref().unwrap().doc.id, "a.txt");
/// assert_eq!(items[1].as_ref().unwrap().doc.id, "x");
/// assert_eq!(items[2].as_ref().unwrap_err().id.as_deref(), Some("b.jsonl:2"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Reader {
    config: Config,
}

/// Builds a [`Reader`].
#[derive(Debug, Clone, Default)]
pub struct ReaderBuilder {
    config: Config,
}

impl Reader {
    /// A builder with the default [`Config`].
    pub fn builder() -> ReaderBuilder {
        ReaderBuilder::default()
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Reads the sources in order, lazily: nothing is opened until the iterator asks.
    pub fn read<I: IntoIterator<Item = Source>>(&self, sources: I) -> Documents {
        Documents {
            limits: Limits::new(&self.config),
            hidden: self.config.hidden,
            format: self.config.format,
            sources: sources.into_iter().collect::<Vec<_>>().into_iter(),
            walk: None,
            stream: None,
            skipped: 0,
        }
    }
}

impl ReaderBuilder {
    /// Replaces the whole configuration.
    pub fn config(&mut self, config: Config) -> &mut ReaderBuilder {
        self.config = config;
        self
    }

    /// Sets [`Config::max_doc_bytes`].
    pub fn max_doc_bytes(&mut self, bytes: u64) -> &mut ReaderBuilder {
        self.config.max_doc_bytes = bytes;
        self
    }

    /// Sets [`Config::max_expansion_ratio`].
    pub fn max_expansion_ratio(&mut self, ratio: u64) -> &mut ReaderBuilder {
        self.config.max_expansion_ratio = ratio;
        self
    }

    /// Sets [`Config::hidden`].
    pub fn hidden(&mut self, yes: bool) -> &mut ReaderBuilder {
        self.config.hidden = yes;
        self
    }

    /// Sets [`Config::format`].
    pub fn format(&mut self, format: InputFormat) -> &mut ReaderBuilder {
        self.config.format = format;
        self
    }

    /// Checks the configuration.
    ///
    /// # Errors
    ///
    /// A `Config` error when `max_doc_bytes` or `max_expansion_ratio` is 0.
    pub fn build(&self) -> Result<Reader, Error> {
        if self.config.max_doc_bytes == 0 {
            return Err(Error::config("max_doc_bytes must be at least 1"));
        }
        if self.config.max_expansion_ratio == 0 {
            return Err(Error::config("max_expansion_ratio must be at least 1"));
        }
        Ok(Reader { config: self.config.clone() })
    }
}

/// The limits every reader applies, in the units the code needs.
#[derive(Debug, Clone, Copy)]
struct Limits {
    max_doc_bytes: usize,
    max_expansion_ratio: u64,
}

impl Limits {
    fn new(config: &Config) -> Limits {
        Limits {
            max_doc_bytes: usize::try_from(config.max_doc_bytes).unwrap_or(usize::MAX),
            max_expansion_ratio: config.max_expansion_ratio,
        }
    }

    /// How many bytes a compressed file of `compressed_bytes` may expand to.
    fn max_decompressed_bytes(&self, compressed_bytes: u64) -> u64 {
        let doc = u64::try_from(self.max_doc_bytes).unwrap_or(u64::MAX);
        self.max_expansion_ratio.saturating_mul(compressed_bytes).max(doc)
    }

    fn too_large(&self) -> String {
        format!("document is larger than max_doc_bytes ({} bytes)", self.max_doc_bytes)
    }
}

/// The documents of some sources, in order: each item a document or a failure.
///
/// Created by [`Reader::read`].
#[derive(Debug)]
pub struct Documents {
    limits: Limits,
    hidden: bool,
    format: InputFormat,
    sources: std::vec::IntoIter<Source>,
    walk: Option<FolderWalk>,
    stream: Option<Stream>,
    skipped: u64,
}

impl Documents {
    /// How many files and records were passed over as not being documents so far: files of
    /// unknown types met in a folder, WARC records of other media types or HTTP statuses.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Opens one file and either returns its only item or makes it the current stream.
    fn open(&mut self, path: &Path, name: String, explicit: bool) -> Option<Item> {
        let shown = path.display().to_string();
        let named = self.format.named().filter(|_| explicit);
        let detected = match named {
            Some(format) => Some((format, split_compression(&name).1)),
            None => detect_format(&name),
        };
        let Some((format, compression)) = detected else {
            if explicit {
                return Some(Err(Failure {
                    path: shown,
                    id: Some(name),
                    error: "unsupported file type (expected .txt, .html, .htm, .jsonl, \
                            .ndjson or .warc, optionally with .gz or .zst, or .parquet)"
                        .into(),
                }));
            }
            self.skipped = self.skipped.saturating_add(1);
            return None;
        };
        let fail = |error: String, id: &str| Failure {
            path: shown.clone(),
            id: Some(id.to_owned()),
            error,
        };
        let (reader, file_bytes) = match open_decompressed(path, compression, self.limits) {
            Ok(opened) => opened,
            Err(err) => return Some(Err(fail(format!("cannot open: {err}"), &name))),
        };
        let compressed = compression != Compression::None;
        if format == Format::Parquet {
            return self.open_parquet(path, compression, name);
        }
        match format {
            Format::Text | Format::Html => {
                // Known too large before reading a byte.
                if !compressed && file_bytes > self.limits.max_doc_bytes as u64 {
                    return Some(Err(fail(self.limits.too_large(), &name)));
                }
                Some(read_single(reader, compressed, format, self.limits).map_or_else(
                    |error| Err(fail(error, &name)),
                    |(doc_body, notes)| {
                        let doc =
                            Document { id: name.clone(), body: doc_body, ..Document::default() };
                        Ok(ReadDoc { doc, path: shown.clone(), notes })
                    },
                ))
            }
            Format::JsonLines => {
                let reader = BufReader::with_capacity(READ_BUFFER_BYTES, reader);
                self.stream =
                    Some(Stream::Lines(JsonLinesReader::new(Box::new(reader), shown, name)));
                None
            }
            Format::Warc => {
                let reader = BufReader::with_capacity(READ_BUFFER_BYTES, reader);
                self.stream = Some(Stream::Warc(WarcRecords::new(Box::new(reader), shown)));
                None
            }
            Format::Parquet => None,
        }
    }

    /// Opens a Parquet file, which needs to seek: never through a decompressor.
    fn open_parquet(
        &mut self,
        path: &Path,
        compression: Compression,
        name: String,
    ) -> Option<Item> {
        let shown = path.display().to_string();
        let fail = |error: String| {
            Some(Err(Failure { path: shown.clone(), id: Some(name.clone()), error }))
        };
        if compression != Compression::None {
            return fail("a Parquet file cannot be read through .gz or .zst (its columns are compressed inside)".into());
        }
        #[cfg(feature = "parquet")]
        {
            let file = match fs::File::open(path) {
                Ok(file) => file,
                Err(err) => return fail(format!("cannot open: {err}")),
            };
            match parquet::ParquetRows::open(file, shown.clone(), name.clone()) {
                Ok(rows) => {
                    self.stream = Some(Stream::Parquet(rows));
                    None
                }
                Err(error) => fail(error),
            }
        }
        #[cfg(not(feature = "parquet"))]
        {
            fail("this build reads no Parquet (build with the `parquet` feature)".into())
        }
    }

    fn start_source(&mut self, source: Source) -> Option<Item> {
        let path = match source {
            Source::Stdin => return self.start_stdin(),
            Source::Path(path) => path,
        };
        // A path given directly is followed even when it is a symbolic link.
        let metadata = match fs::metadata(&path) {
            Ok(metadata) => metadata,
            Err(err) => {
                return Some(Err(Failure {
                    path: path.display().to_string(),
                    id: None,
                    error: format!("cannot open: {err}"),
                }));
            }
        };
        if metadata.is_dir() {
            match list_sorted(&path) {
                Ok(entries) => {
                    self.walk = Some(FolderWalk { root: path, stack: vec![entries.into_iter()] })
                }
                Err(err) => {
                    return Some(Err(Failure {
                        path: path.display().to_string(),
                        id: None,
                        error: format!("cannot list folder: {err}"),
                    }));
                }
            }
            return None;
        }
        let name = path
            .file_name()
            .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        self.open(&path, name, true)
    }
}

type Item = Result<ReadDoc, Failure>;

impl Iterator for Documents {
    type Item = Result<ReadDoc, Failure>;

    fn next(&mut self) -> Option<Item> {
        self.next_as_read().map(|item| {
            item.map(|read| ReadDoc { doc: line_endings::document_to_lf(read.doc), ..read })
        })
    }
}

impl Documents {
    /// The next item with its text as the file holds it.
    fn next_as_read(&mut self) -> Option<Item> {
        loop {
            if let Some(stream) = &mut self.stream {
                match stream.next_item(self.limits, &mut self.skipped) {
                    Some(item) => return Some(item),
                    None => self.stream = None,
                }
            }
            if let Some(walk) = &mut self.walk {
                match walk.next_file(self.hidden) {
                    Some(Ok((path, name))) => {
                        if let Some(item) = self.open(&path, name, false) {
                            return Some(item);
                        }
                    }
                    Some(Err(failure)) => return Some(Err(failure)),
                    None => self.walk = None,
                }
                continue;
            }
            let source = self.sources.next()?;
            if let Some(item) = self.start_source(source) {
                return Some(item);
            }
        }
    }
}

/// The body of a record that may carry `text`, `html` or both (JSON Lines, Parquet, the Spark
/// job's rows): `text` wins, with a note; `None` when it has neither. An empty body is noted
/// too.
pub fn body_of_record(
    text: Option<String>,
    html: Option<String>,
    notes: &mut Vec<String>,
) -> Option<Body> {
    let body = match (text, html) {
        (Some(text), None) => Body::Text(text),
        (None, Some(html)) => Body::Html(html),
        (Some(text), Some(_)) => {
            notes.push("record has both `text` and `html`; used `text`".to_owned());
            Body::Text(text)
        }
        (None, None) => return None,
    };
    if body.is_empty() {
        notes.push("empty document".to_owned());
    }
    Some(body)
}

/// Reads a one-document file (`.txt`, `.html`) into a body, within the size limit.
fn read_single(
    reader: Box<dyn Read + Send>,
    decompressed: bool,
    format: Format,
    limits: Limits,
) -> Result<(Body, Vec<String>), String> {
    let cap = limits.max_doc_bytes;
    let mut bytes = Vec::new();
    let mut limited = reader.take(u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1));
    if let Err(err) = limited.read_to_end(&mut bytes) {
        let what = if decompressed { "cannot decompress" } else { "cannot read" };
        return Err(format!("{what}: {err}"));
    }
    if bytes.len() > cap {
        return Err(limits.too_large());
    }
    decode_page(bytes, format == Format::Html, None)
}

/// Turns the bytes of one page into a body: binary check, charset, lossy decoding.
fn decode_page(
    bytes: Vec<u8>,
    is_html: bool,
    declared: Option<&str>,
) -> Result<(Body, Vec<String>), String> {
    let make = |text: String| if is_html { Body::Html(text) } else { Body::Text(text) };
    if bytes.is_empty() {
        return Ok((make(String::new()), vec!["empty document".to_owned()]));
    }
    let utf16_bom = matches!(Encoding::for_bom(&bytes), Some((enc, _)) if enc != UTF_8);
    let head = bytes.get(..BINARY_SNIFF_BYTES).unwrap_or(&bytes);
    if !utf16_bom && memchr::memchr(0, head).is_some() {
        return Err("binary file (NUL byte in the first 8 KiB)".to_owned());
    }
    let content = if is_html { Content::Html } else { Content::Text };
    let (text, notes) = charset::decode_owned(bytes, declared, content);
    Ok((make(text), notes))
}

/// Input quoted in a message: at most a few dozen characters.
fn quote(text: &str) -> String {
    quote_up_to(text, MAX_QUOTED_CHARS)
}

/// Input quoted in a message, at most `max_chars` characters of it.
fn quote_up_to(text: &str, max_chars: usize) -> String {
    let mut quoted: String = text.chars().take(max_chars).collect();
    if quoted.len() < text.len() {
        quoted.push('…');
    }
    quoted
}

/// A file being read record by record.
enum Stream {
    Lines(JsonLinesReader),
    Warc(WarcRecords),
    #[cfg(feature = "parquet")]
    Parquet(parquet::ParquetRows),
}

impl fmt::Debug for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stream::Lines(lines) => write!(f, "JsonLinesReader({})", lines.path),
            Stream::Warc(warc) => write!(f, "Warc({})", warc.path),
            #[cfg(feature = "parquet")]
            Stream::Parquet(rows) => write!(f, "Parquet({})", rows.path),
        }
    }
}

impl Stream {
    fn next_item(&mut self, limits: Limits, skipped: &mut u64) -> Option<Item> {
        match self {
            Stream::Lines(lines) => lines.next_item(limits),
            Stream::Warc(warc) => warc.next_item(limits, skipped),
            #[cfg(feature = "parquet")]
            Stream::Parquet(rows) => rows.next_item(limits),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_bytes_mark_binary_files_unless_utf16() {
        assert!(decode_page(b"ab\0cd".to_vec(), false, None).unwrap_err().contains("binary file"));
        let mut late = vec![b'a'; BINARY_SNIFF_BYTES];
        late.push(0);
        assert!(decode_page(late, false, None).is_ok());
        let utf16 = vec![0xFF, 0xFE, b'h', 0, b'i', 0];
        let (body, _) = decode_page(utf16, false, None).unwrap();
        assert_eq!(body.as_text(), Some("hi"));
    }
}
