//! The input reader on arbitrary files of every format it accepts (text, HTML, JSON Lines,
//! WARC; plain, gzip with damaged members, arbitrary bytes named `.gz` or `.zst`), and on
//! WARC files built from records whose `Content-Length` may lie. Asserts: no panic; the
//! stream ends, with a number of items bounded by the input's size (every item costs input);
//! no document keeps a `\r`; reading the same file twice gives the same items; and in a plain
//! WARC file whose blocks hold no `WARC/` and whose version lines start lines, every page
//! record is a document, a failure or a skipped record, whatever the lengths say.
#![no_main]

use std::io::Write;

use arbitrary::Arbitrary;
use clean_news::input::{Failure, ReadDoc, Reader, Source};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Format {
    Text,
    Html,
    JsonLines,
    Warc,
}

impl Format {
    fn extension(&self) -> &'static str {
        match self {
            Format::Text => "txt",
            Format::Html => "html",
            Format::JsonLines => "jsonl",
            Format::Warc => "warc",
        }
    }
}

/// How the file's bytes are stored.
#[derive(Debug, Arbitrary)]
enum Packing {
    /// As they are.
    Plain,
    /// Named `.gz` without being compressed.
    RawGzip,
    /// Named `.zst` without being compressed.
    RawZstd,
    /// One gzip member per record (split before every `WARC/`), then one byte changed and
    /// some bytes cut off the end.
    DamagedGzip { at: u16, xor: u8, cut: u8 },
}

/// A WARC record as the fuzzer draws it.
#[derive(Debug, Arbitrary)]
struct Record {
    kind: RecordKind,
    uri: String,
    content_type: String,
    /// Added to the true block length; `None` leaves the header out.
    length_error: Option<i16>,
    block: Vec<u8>,
    /// Written after the block instead of the `\r\n\r\n` separator, when present.
    separator: Option<Vec<u8>>,
}

#[derive(Debug, Arbitrary)]
enum RecordKind {
    Response,
    Resource,
    Warcinfo,
    Request,
}

impl RecordKind {
    fn name(&self) -> &'static str {
        match self {
            RecordKind::Response => "response",
            RecordKind::Resource => "resource",
            RecordKind::Warcinfo => "warcinfo",
            RecordKind::Request => "request",
        }
    }

    fn is_page_kind(&self) -> bool {
        matches!(self, RecordKind::Response | RecordKind::Resource)
    }
}

#[derive(Debug, Arbitrary)]
enum Content {
    /// Arbitrary bytes in the chosen format.
    Bytes(Format, Vec<u8>),
    /// A WARC file of drawn records.
    Records(Vec<Record>),
}

#[derive(Debug, Arbitrary)]
struct Input {
    content: Content,
    packing: Packing,
    max_doc_bytes: u16,
}

/// A header value on one line.
fn one_line(value: &str) -> String {
    value.chars().filter(|c| *c != '\r' && *c != '\n').collect()
}

fn warc_file(records: &[Record]) -> Vec<u8> {
    let mut out = Vec::new();
    for (n, record) in records.iter().enumerate() {
        let mut header = format!(
            "WARC/1.1\r\nWARC-Type: {}\r\nWARC-Record-ID: <urn:uuid:{n}>\r\n",
            record.kind.name()
        );
        let uri = one_line(&record.uri);
        if !uri.is_empty() {
            header.push_str(&format!("WARC-Target-URI: {uri}\r\n"));
        }
        header.push_str(&format!("Content-Type: {}\r\n", one_line(&record.content_type)));
        if let Some(error) = record.length_error {
            let length = (record.block.len() as i64 + i64::from(error)).max(0);
            header.push_str(&format!("Content-Length: {length}\r\n"));
        }
        header.push_str("\r\n");
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(&record.block);
        out.extend_from_slice(record.separator.as_deref().unwrap_or(b"\r\n\r\n"));
    }
    out
}

/// Gzip members, one per piece of `bytes` split before every `WARC/`.
fn gzip_members(bytes: &[u8]) -> Vec<u8> {
    let mut starts: Vec<usize> = memchr::memmem::find_iter(bytes, b"WARC/").collect();
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    starts.push(bytes.len());
    let mut out = Vec::new();
    for piece in starts.windows(2) {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(&bytes[piece[0]..piece[1]]).unwrap();
        out.extend_from_slice(&encoder.finish().unwrap());
    }
    out
}

fn read_all(reader: &Reader, path: &std::path::Path) -> (Vec<Result<ReadDoc, Failure>>, u64) {
    let mut documents = reader.read([Source::Path(path.to_owned())]);
    let items: Vec<_> = documents.by_ref().collect();
    (items, documents.skipped())
}

fuzz_target!(|input: Input| {
    let (format, bytes, page_records) = match &input.content {
        Content::Bytes(format, bytes) => (format, bytes.clone(), None),
        Content::Records(records) => {
            // Records the reader can tell apart: no `WARC/` inside a block, and the next
            // version line at the start of a line.
            let clean_blocks = records.iter().all(|r| {
                let separator = r.separator.as_deref().unwrap_or(b"\r\n\r\n");
                let after = [r.block.as_slice(), separator].concat();
                memchr::memmem::find(&after, b"WARC/").is_none()
                    && matches!(after.last(), Some(b'\n' | b'\r'))
            });
            let pages = records.iter().filter(|r| r.kind.is_page_kind()).count();
            (&Format::Warc, warc_file(records), clean_blocks.then_some(pages))
        }
    };
    let (suffix, stored) = match input.packing {
        Packing::Plain => ("", bytes.clone()),
        Packing::RawGzip => (".gz", bytes.clone()),
        Packing::RawZstd => (".zst", bytes.clone()),
        Packing::DamagedGzip { at, xor, cut } => {
            let mut stored = gzip_members(&bytes);
            if !stored.is_empty() {
                let at = usize::from(at) % stored.len();
                stored[at] ^= xor;
                stored.truncate(stored.len().saturating_sub(usize::from(cut)));
            }
            (".gz", stored)
        }
    };
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join(format!("input.{}{suffix}", format.extension()));
    if std::fs::write(&path, &stored).is_err() {
        return;
    }
    let reader =
        Reader::builder().max_doc_bytes(u64::from(input.max_doc_bytes).max(1)).build().unwrap();
    let (items, skipped) = read_all(&reader, &path);

    // Every item costs input: at most one per byte the file can expand to, plus one.
    let expanded = match input.packing {
        Packing::Plain => bytes.len(),
        _ => {
            bytes.len().max(stored.len()).saturating_mul(100).max(usize::from(input.max_doc_bytes))
        }
    };
    assert!(items.len() <= expanded + 1, "{} items from {expanded} bytes", items.len());
    for item in &items {
        match item {
            Ok(read) => {
                let (clean_news::Body::Text(text) | clean_news::Body::Html(text)) = &read.doc.body;
                assert!(!text.contains('\r'), "a CR in {:?}", read.doc.id);
                assert!(!read.doc.title.as_deref().unwrap_or("").contains('\r'));
            }
            Err(failure) => assert!(!failure.error.is_empty()),
        }
    }
    if let (Packing::Plain, Some(pages)) = (&input.packing, page_records) {
        let accounted = items.len() as u64 + skipped;
        assert!(
            accounted >= pages as u64,
            "{pages} page records, {accounted} accounted for: {items:#?}"
        );
    }
    assert_eq!(read_all(&reader, &path), (items, skipped), "a second reading differs");
});
