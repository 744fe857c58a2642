//! WARC input: `response` and `resource` records read one at a time, their HTTP heads
//! parsed, chunked and compressed bodies undone within the limits, and pages of HTML or
//! plain text turned into documents.
//!
//! # Damaged archives
//!
//! A record's `Content-Length` is not trusted blindly: after the block, the record
//! separator (blank lines) and the next `WARC/` version line, or the end of the file, must
//! follow. When they do not, the length lied, and the record becomes a failure naming its
//! `WARC-Record-ID`, never a document built from a guess:
//!
//! - a length too long has read into the next record: the block is cut at the first
//!   `WARC/` line inside it and what follows is read again as records (the bytes kept for
//!   that are bounded by the largest record the reader accepts);
//! - a length too short leaves the reader inside the block: it skips to the next line that
//!   starts with `WARC/`.
//!
//! A block followed only by blank lines to the end of the file, or by a separator and
//! garbage, is right unless it holds a `WARC/` line; a block followed by the next record is
//! right unless it holds a whole record header (a `WARC/` line, then `WARC-Type` or
//! `WARC-Record-ID`). Otherwise the length ran into, or exactly up to, a later record. The
//! price: a record whose payload shows a WARC header at the start of its lines fails (when
//! it is the file's last, a `WARC/` line at the start of one of its lines is enough).
//!
//! Garbage between records, an unreadable header or a header without a length is one
//! failure, and reading goes on at the next `WARC/` line; so does a damaged gzip member of a
//! `.warc.gz` (see the `gzip_members` module). So every record is a document, a failure or
//! a skipped record (not a page), and one bad record costs only itself. Only a read error
//! that cannot be resumed (an I/O error, a corrupt zstd frame, a decompression bomb) ends
//! the rest of the file, with one failure saying so.

use std::io::{self, BufRead, Read};

use super::gzip_members::is_damaged_member;
use super::jsonl::{Line, read_line_capped};
use super::rewind::Rewind;
use super::{Failure, Item, Limits, ReadDoc, decode_page, quote, quote_up_to};
use crate::charset;
use crate::{Body, Document};

/// The largest WARC or HTTP header block accepted. Real ones are under 4 KiB; a bigger one is
/// a sign the file is not what it claims to be.
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// The longest `WARC-Record-ID` quoted whole in a failure (real ones, `<urn:uuid:…>`, have
/// 47 characters).
const MAX_QUOTED_ID_CHARS: usize = 200;

/// The start of every record's version line.
const VERSION_PREFIX: &[u8] = b"WARC/";

/// How many bytes after a block are looked at for the record separator. Writers put four
/// (`\r\n\r\n`); a few more blank lines are tolerated.
const MAX_SEPARATOR_BYTES: usize = 64;

/// How much of a block is read at once.
const BLOCK_CHUNK_BYTES: usize = 64 * 1024;

/// A WARC file, read record by record.
pub(super) struct WarcRecords {
    reader: Rewind,
    pub(super) path: String,
    /// Bytes consumed so far (of the decompressed stream): where the next record starts.
    offset: u64,
    buf: Vec<u8>,
    done: bool,
}

/// The WARC headers the reader uses.
#[derive(Debug, Default)]
struct WarcHeaders {
    warc_type: String,
    target_uri: Option<String>,
    record_id: Option<String>,
    content_type: Option<String>,
    content_length: Option<u64>,
    /// A `Content-Length` that is not a number, as written.
    bad_length: Option<String>,
    truncated: Option<String>,
}

impl WarcHeaders {
    /// The document id: the target URI, else the record id.
    fn id(&self) -> Option<String> {
        self.target_uri.clone().or_else(|| self.record_id.clone())
    }

    /// How failures name the record: by its `WARC-Record-ID` and where it starts.
    fn describe(&self, start: u64) -> String {
        match &self.record_id {
            Some(record_id) => {
                format!("record {} at byte {start}", quote_up_to(record_id, MAX_QUOTED_ID_CHARS))
            }
            None => format!("record at byte {start}"),
        }
    }
}

/// A block as read: its bytes when they were kept, and the following records when the
/// block ran into them.
struct Block {
    /// The block, when it was to be kept and fitted.
    bytes: Option<Vec<u8>>,
    /// Bytes read (less than the length when the file ended first).
    read: u64,
    /// Where, from the block's start, the first line starting with `WARC/` is, and the bytes
    /// from there on (at most the largest record accepted).
    next_record: Option<(u64, Vec<u8>)>,
    /// The search, at the block's end: a `WARC/` may start in the block's last bytes.
    search: RecordStartSearch,
}

/// Finds the first `WARC/` at the start of a line in a block read piece by piece.
struct RecordStartSearch {
    /// The last bytes looked at, for a match across two pieces. At first, the line end that
    /// closed the header, before the block.
    carry: Vec<u8>,
    /// Block bytes looked at so far.
    searched: u64,
}

impl RecordStartSearch {
    fn new() -> RecordStartSearch {
        RecordStartSearch { carry: vec![b'\n'], searched: 0 }
    }

    /// The first `WARC/` in `window` that starts a line.
    fn find(window: &[u8]) -> Option<usize> {
        memchr::memmem::find_iter(window, VERSION_PREFIX)
            .find(|&at| at > 0 && matches!(window.get(at - 1), Some(b'\n' | b'\r')))
    }

    /// Looks at `piece`, the next piece of the block. On a record start, returns its offset
    /// in the block and the bytes from there to the end of the piece (at most `max_bytes`).
    fn feed(&mut self, piece: &[u8], max_bytes: usize) -> Option<(u64, Vec<u8>)> {
        let mut window = std::mem::take(&mut self.carry);
        let carried = window.len() as u64;
        window.extend_from_slice(piece);
        let searched_before = self.searched;
        self.searched = self.searched.saturating_add(piece.len() as u64);
        if let Some(at) = RecordStartSearch::find(&window) {
            let from_there = window.get(at..).unwrap_or_default();
            let kept = from_there.get(..max_bytes.min(from_there.len())).unwrap_or_default();
            // `at > 0`, so the match is past the header's line end: the offset is in the block.
            let offset = searched_before.saturating_add(at as u64).saturating_sub(carried);
            return Some((offset, kept.to_vec()));
        }
        // Enough for a `WARC/` split between this piece and the next, with the byte before.
        let keep = window.len().min(VERSION_PREFIX.len());
        self.carry = window.split_off(window.len() - keep);
        None
    }

    /// After the whole block, with the bytes `ahead` of it: how many of the block's last
    /// bytes begin a `WARC/` line that the block's end cut through.
    fn cut_at_end(&self, ahead: &[u8]) -> Option<usize> {
        let window = [self.carry.as_slice(), ahead].concat();
        let at = RecordStartSearch::find(&window)?;
        (at < self.carry.len()).then(|| self.carry.len() - at)
    }
}

impl WarcRecords {
    pub(super) fn new(reader: Box<dyn BufRead + Send>, path: String) -> WarcRecords {
        WarcRecords { reader: Rewind::new(reader), path, offset: 0, buf: Vec::new(), done: false }
    }

    /// A failure after which the rest of the file cannot be read.
    fn fatal(&mut self, id: Option<String>, error: String) -> Option<Item> {
        self.done = true;
        Some(Err(Failure { path: self.path.clone(), id, error }))
    }

    /// A failure of one record whose end is unknown: reading goes on at the next `WARC/`
    /// line. A damaged gzip member met on the way is named in the failure.
    fn resync_after(&mut self, id: Option<String>, mut error: String) -> Option<Item> {
        match self.skip_to_next_record() {
            Ok(skipped) => {
                if let Some(damage) = skipped.damage {
                    error.push_str(&format!(" ({damage})"));
                }
                self.done = skipped.next.is_none();
            }
            Err(err) => {
                error.push_str(&format!("; then cannot read: {err}"));
                self.done = true;
            }
        }
        Some(Err(Failure { path: self.path.clone(), id, error }))
    }

    /// A read error: the record fails, and the file with it unless the error was a damaged
    /// gzip member, after which the next member is read.
    fn read_error(&mut self, id: Option<String>, context: String, err: &io::Error) -> Option<Item> {
        let error = format!("{context}: cannot read: {err}");
        if is_damaged_member(err) { self.resync_after(id, error) } else { self.fatal(id, error) }
    }

    fn read_line(&mut self) -> io::Result<Line> {
        read_line_capped(&mut self.reader, &mut self.buf, MAX_HEADER_BYTES, &mut self.offset)
    }

    /// Gives back bytes consumed, to be read again.
    fn unread(&mut self, bytes: &[u8]) {
        self.reader.unread(bytes);
        self.offset = self.offset.saturating_sub(bytes.len() as u64);
    }

    /// Reads up to the next line starting with `WARC/` and leaves it unread. Damaged gzip
    /// members on the way are part of what is skipped.
    fn skip_to_next_record(&mut self) -> io::Result<Skipped> {
        let mut skipped = Skipped { next: None, damage: None };
        loop {
            let start = self.offset;
            match self.read_line() {
                Ok(Line::Eof) => return Ok(skipped),
                Ok(Line::TooLong) => continue,
                Ok(Line::Complete) => {}
                Err(err) if is_damaged_member(&err) => {
                    skipped.damage.get_or_insert_with(|| err.to_string());
                    continue;
                }
                Err(err) => return Err(err),
            }
            if charset::without_utf8_bom(&self.buf).starts_with(VERSION_PREFIX) {
                // Given back as it was taken: the line and an ending of the same length.
                let line_and_ending = self.offset.saturating_sub(start);
                let ending: &[u8] = match line_and_ending.saturating_sub(self.buf.len() as u64) {
                    0 => b"",
                    1 => b"\n",
                    _ => b"\r\n",
                };
                let line = [self.buf.as_slice(), ending].concat();
                self.unread(&line);
                skipped.next = Some(start);
                return Ok(skipped);
            }
        }
    }

    /// What follows a block, without consuming it.
    fn after_block(&mut self) -> io::Result<AfterBlock> {
        let ahead = self.reader.peek(MAX_SEPARATOR_BYTES)?;
        let after_blank = ahead.trim_ascii_start();
        let blank = ahead.get(..ahead.len() - after_blank.len()).unwrap_or_default();
        let after_blank = charset::without_utf8_bom(after_blank);
        if after_blank.is_empty() {
            return Ok(AfterBlock::End);
        }
        // `WARC/`, or its start cut off by the end of what was looked at.
        if after_blank.starts_with(VERSION_PREFIX) || VERSION_PREFIX.starts_with(after_blank) {
            return Ok(AfterBlock::NextRecord);
        }
        let line_ends = |end: u8| blank.iter().filter(|&&byte| byte == end).count();
        if line_ends(b'\n') >= 2 || line_ends(b'\r') >= 2 {
            return Ok(AfterBlock::Separator);
        }
        Ok(AfterBlock::Other)
    }

    /// Reads a block of `length` bytes, keeping them when `keep`, and looks for a record
    /// start inside it in case the length was too long; from there, at most `max_tail`
    /// bytes are kept.
    fn read_block(&mut self, length: u64, keep: bool, max_tail: usize) -> io::Result<Block> {
        let mut bytes = keep.then(|| Vec::with_capacity(BLOCK_CHUNK_BYTES));
        let mut search = RecordStartSearch::new();
        let mut next_record: Option<(u64, Vec<u8>)> = None;
        let mut read = 0u64;
        while read < length {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => {
                    if let Some((_, tail)) = &next_record {
                        let tail = tail.clone();
                        self.unread(&tail);
                    }
                    return Err(err);
                }
            };
            if available.is_empty() {
                break;
            }
            let wanted = usize::try_from(length - read).unwrap_or(usize::MAX);
            let piece = available.get(..wanted.min(available.len())).unwrap_or_default();
            if let Some(bytes) = &mut bytes {
                bytes.extend_from_slice(piece);
            }
            match &mut next_record {
                Some((_, tail)) => {
                    let room = max_tail.saturating_sub(tail.len());
                    tail.extend_from_slice(piece.get(..room.min(piece.len())).unwrap_or_default());
                }
                None => next_record = search.feed(piece, max_tail),
            }
            let used = piece.len();
            self.reader.consume(used);
            read = read.saturating_add(used as u64);
            self.offset = self.offset.saturating_add(used as u64);
        }
        Ok(Block { bytes, read, next_record, search })
    }

    pub(super) fn next_item(&mut self, limits: Limits, skipped: &mut u64) -> Option<Item> {
        loop {
            if self.done {
                return None;
            }
            let start = self.offset;
            // Records are separated by blank lines; skip them to the next version line.
            match self.read_line() {
                Err(err) => return self.read_error(None, format!("byte {start}"), &err),
                Ok(Line::Eof) => {
                    self.done = true;
                    return None;
                }
                Ok(Line::TooLong) => {
                    let error = format!("byte {start}: expected a WARC record header");
                    return self.resync_after(None, error);
                }
                Ok(Line::Complete) => {}
            }
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            // A byte order mark may start the file (or a file `cat` joined onto it).
            if !charset::without_utf8_bom(&self.buf).starts_with(VERSION_PREFIX) {
                let found = quote(&String::from_utf8_lossy(&self.buf));
                return self.resync_after(
                    None,
                    format!(
                        "byte {start}: expected a WARC record header (`WARC/1.1`), found `{found}`"
                    ),
                );
            }
            if let Some(item) = self.next_record(start, limits, skipped) {
                return Some(item);
            }
        }
    }

    /// Reads the record whose version line was just read: a document, a failure, or `None`
    /// when it is skipped.
    fn next_record(&mut self, start: u64, limits: Limits, skipped: &mut u64) -> Option<Item> {
        let headers = match self.read_headers() {
            Ok(headers) => headers,
            Err(HeaderError::Read(err)) => {
                return self.read_error(None, format!("record at byte {start}"), &err);
            }
            Err(HeaderError::Eof) => {
                let error = format!("record at byte {start}: file ends inside the record header");
                return self.fatal(None, error);
            }
            Err(HeaderError::TooLong(error)) => {
                return self.resync_after(None, format!("record at byte {start}: {error}"));
            }
        };
        let id = headers.id();
        let record = headers.describe(start);
        if let Some(bad) = &headers.bad_length {
            return self.resync_after(id, format!("{record}: bad Content-Length `{}`", quote(bad)));
        }
        let Some(length) = headers.content_length else {
            return self.resync_after(id, format!("{record}: no Content-Length"));
        };
        let wanted = matches!(headers.warc_type.as_str(), "response" | "resource");
        let max_block = limits.max_doc_bytes.saturating_add(MAX_HEADER_BYTES);
        let fits = usize::try_from(length).is_ok_and(|length| length <= max_block);
        let block_start = self.offset;
        let block = match self.read_block(length, wanted && fits, max_block) {
            Ok(block) => block,
            Err(err) => return self.read_error(id, record, &err),
        };
        let after = if block.read < length {
            AfterBlock::Other
        } else {
            match self.after_block() {
                Ok(after) => after,
                Err(err) => return self.read_error(id, record, &err),
            }
        };
        // Blank lines to the end, or a separator followed by something else than a record:
        // the length was right (and what follows is garbage between records, reported on its
        // own), unless the block holds a record start, which says it ran into that record.
        // Before the next record, only a whole record header inside says so: a length that
        // ran exactly up to a later record.
        let length_is_right = match after {
            AfterBlock::NextRecord => {
                block.next_record.as_ref().is_none_or(|(_, tail)| !looks_like_record_header(tail))
            }
            AfterBlock::End | AfterBlock::Separator => block.next_record.is_none(),
            AfterBlock::Other => false,
        };
        if !length_is_right {
            return self.wrong_length(id, &record, length, block_start, block);
        }
        if !wanted {
            return None;
        }
        let Some(bytes) = block.bytes else {
            return Some(Err(Failure { path: self.path.clone(), id, error: limits.too_large() }));
        };
        let Some(id) = id else {
            return Some(Err(Failure {
                path: self.path.clone(),
                id: None,
                error: format!("{record}: no WARC-Target-URI or WARC-Record-ID"),
            }));
        };
        match warc_document(&headers, bytes, limits) {
            Ok(None) => {
                *skipped = skipped.saturating_add(1);
                None
            }
            Ok(Some((body, mut notes))) => {
                if let Some(truncated) = &headers.truncated {
                    notes.push(format!("warc record truncated ({})", quote(truncated)));
                }
                let doc = Document { id, url: headers.target_uri, body, ..Document::default() };
                Some(Ok(ReadDoc { doc, path: self.path.clone(), notes }))
            }
            Err(error) => Some(Err(Failure { path: self.path.clone(), id: Some(id), error })),
        }
    }

    /// The failure of a record whose block is not followed by the next record: the length
    /// was too long (the block holds the next record's start: read again from there), too
    /// short (skip to the next `WARC/` line), or the file ended inside the block.
    fn wrong_length(
        &mut self,
        id: Option<String>,
        record: &str,
        length: u64,
        block_start: u64,
        block: Block,
    ) -> Option<Item> {
        let cut_at_end = if block.next_record.is_none() && block.read == length {
            match self.reader.peek(VERSION_PREFIX.len()) {
                Ok(ahead) => block.search.cut_at_end(ahead),
                Err(err) => return self.read_error(id, record.to_owned(), &err),
            }
        } else {
            None
        };
        if let Some(cut) = cut_at_end {
            // The length ran a few bytes into the next record's version line.
            let next = self.offset.saturating_sub(cut as u64);
            let tail = block.search.carry.get(block.search.carry.len() - cut..).unwrap_or_default();
            let tail = tail.to_vec();
            self.unread(&tail);
            let error = format!(
                "{record}: Content-Length {length} runs into the next record at byte {next}; \
                 the record is cut there"
            );
            return Some(Err(Failure { path: self.path.clone(), id, error }));
        }
        if let Some((at, tail)) = block.next_record {
            let next = block_start.saturating_add(at);
            let lost = block.read.saturating_sub(at).saturating_sub(tail.len() as u64);
            self.unread(&tail);
            let mut error = format!(
                "{record}: Content-Length {length} runs into the next record at byte {next}; \
                 the record is cut there"
            );
            if lost > 0 {
                error.push_str(&format!(" ({lost} bytes past the largest record are not read)"));
            }
            return Some(Err(Failure { path: self.path.clone(), id, error }));
        }
        if block.read < length {
            let read = block.read;
            let error =
                format!("{record}: truncated: file ends {read} bytes into a {length}-byte block");
            return self.resync_after(id, error);
        }
        let end = self.offset;
        self.resync_after(
            id,
            format!(
                "{record}: Content-Length {length} is wrong: no record separator and `WARC/` \
                 line at byte {end}; skipped to the next record"
            ),
        )
    }

    fn read_headers(&mut self) -> Result<WarcHeaders, HeaderError> {
        let mut headers = WarcHeaders::default();
        let mut total = 0usize;
        loop {
            match self.read_line() {
                Err(err) => return Err(HeaderError::Read(err)),
                Ok(Line::Eof) => return Err(HeaderError::Eof),
                Ok(Line::TooLong) => return Err(HeaderError::TooLong("header line too long")),
                Ok(Line::Complete) => {}
            }
            if self.buf.is_empty() {
                return Ok(headers);
            }
            total = total.saturating_add(self.buf.len());
            if total > MAX_HEADER_BYTES {
                return Err(HeaderError::TooLong("record header too long"));
            }
            let line = String::from_utf8_lossy(&self.buf);
            let Some((name, value)) = line.split_once(':') else {
                // Folded continuation lines carry nothing the reader uses.
                continue;
            };
            let value = value.trim().to_owned();
            match name.trim().to_ascii_lowercase().as_str() {
                "warc-type" => headers.warc_type = value.to_ascii_lowercase(),
                "warc-target-uri" => {
                    // WARC 1.0 wrote the URI in angle brackets; 1.1 does not.
                    let uri = value.trim_start_matches('<').trim_end_matches('>');
                    headers.target_uri = Some(uri.to_owned()).filter(|u| !u.is_empty());
                }
                "warc-record-id" => headers.record_id = Some(value).filter(|v| !v.is_empty()),
                "content-type" => headers.content_type = Some(value),
                "content-length" => match value.parse::<u64>() {
                    Ok(length) => headers.content_length = Some(length),
                    Err(_) => headers.bad_length = Some(value),
                },
                "warc-truncated" => headers.truncated = Some(value),
                _ => {}
            }
        }
    }
}

/// What skipping to the next record met.
struct Skipped {
    /// Where the next record starts; `None` at the end of the file.
    next: Option<u64>,
    /// The first damaged gzip member skipped over.
    damage: Option<String>,
}

/// What follows a block.
enum AfterBlock {
    /// Blank lines, then the next record: the length was right.
    NextRecord,
    /// Blank lines to the end of the file (or past what is looked at).
    End,
    /// A record separator, then something else.
    Separator,
    /// Neither.
    Other,
}

/// Why a record header could not be read.
enum HeaderError {
    Read(io::Error),
    Eof,
    TooLong(&'static str),
}

/// Whether `bytes` start with a WARC record header: a `WARC/` line, then a `WARC-Type` or
/// `WARC-Record-ID` line before the header's blank line (or the end of `bytes`). Every real
/// record has both; a page that shows a WARC version line in its text rarely has them below.
fn looks_like_record_header(bytes: &[u8]) -> bool {
    let header_end = [&b"\r\n\r\n"[..], b"\n\n", b"\r\r"]
        .iter()
        .filter_map(|blank_line| memchr::memmem::find(bytes, blank_line))
        .min()
        .unwrap_or(bytes.len());
    let header = bytes.get(..header_end).unwrap_or(bytes);
    let mut lines = header.split(|&byte| byte == b'\n' || byte == b'\r');
    if !lines.next().is_some_and(|line| line.starts_with(VERSION_PREFIX)) {
        return false;
    }
    lines.filter(|line| !line.is_empty()).take_while(|line| line.contains(&b':')).any(|line| {
        let name = line.split(|&byte| byte == b':').next().unwrap_or_default();
        let name = name.trim_ascii();
        name.eq_ignore_ascii_case(b"warc-type") || name.eq_ignore_ascii_case(b"warc-record-id")
    })
}

/// What kind of page a media type is, if it is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageKind {
    Html,
    Text,
}

/// The page kind and charset of a `Content-Type` value; `None` kind for other media types.
fn media_type(content_type: &str) -> (Option<PageKind>, Option<String>) {
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let kind = match mime.as_str() {
        "text/html" | "application/xhtml+xml" => Some(PageKind::Html),
        "text/plain" => Some(PageKind::Text),
        _ => None,
    };
    (kind, charset::content_type_charset(content_type))
}

/// Whether a payload without a media type looks like HTML.
fn sniff_html(payload: &[u8]) -> bool {
    let head = payload.get(..512).unwrap_or(payload).to_ascii_lowercase();
    let head = head.trim_ascii_start();
    head.starts_with(b"<!doctype html")
        || head.starts_with(b"<html")
        || memchr::memmem::find(head, b"<html").is_some()
}

/// The body of a `response` or `resource` record, `Ok(None)` when it is not a page.
fn warc_document(
    headers: &WarcHeaders,
    block: Vec<u8>,
    limits: Limits,
) -> Result<Option<(Body, Vec<String>)>, String> {
    let (content_type, payload) = if headers.warc_type == "response" && block.starts_with(b"HTTP/")
    {
        let http = parse_http(&block)?;
        if !(200..300).contains(&http.status) {
            return Ok(None);
        }
        let mut payload = block.get(http.body_start..).unwrap_or_default().to_vec();
        if http.chunked {
            payload = dechunk(&payload, limits)?;
        }
        if let Some(encoding) = &http.content_encoding {
            payload = decode_content(encoding, &payload, limits)?;
        }
        (http.content_type, payload)
    } else {
        (headers.content_type.clone(), block)
    };
    if payload.len() > limits.max_doc_bytes {
        return Err(limits.too_large());
    }
    let (kind, charset) = match &content_type {
        Some(content_type) => media_type(content_type),
        None if sniff_html(&payload) => (Some(PageKind::Html), None),
        None => (Some(PageKind::Text), None),
    };
    let Some(kind) = kind else { return Ok(None) };
    decode_page(payload, kind == PageKind::Html, charset.as_deref()).map(Some)
}

/// The parts of an HTTP response header the reader uses.
#[derive(Debug, PartialEq, Eq)]
struct HttpHead {
    status: u16,
    content_type: Option<String>,
    content_encoding: Option<String>,
    chunked: bool,
    body_start: usize,
}

fn parse_http(block: &[u8]) -> Result<HttpHead, String> {
    let window = block.get(..MAX_HEADER_BYTES).unwrap_or(block);
    let (head_end, body_start) = match memchr::memmem::find(window, b"\r\n\r\n") {
        Some(at) => (at, at + 4),
        None => match memchr::memmem::find(window, b"\n\n") {
            Some(at) => (at, at + 2),
            None if block.len() <= MAX_HEADER_BYTES => (block.len(), block.len()),
            None => return Err("http header too long or not terminated".into()),
        },
    };
    let head = String::from_utf8_lossy(block.get(..head_end).unwrap_or_default());
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or("");
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| format!("bad http status line `{}`", quote(status_line)))?;
    let mut parsed =
        HttpHead { status, content_type: None, content_encoding: None, chunked: false, body_start };
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-type" => parsed.content_type = Some(value.to_owned()),
            "content-encoding" => {
                let encoding = value.to_ascii_lowercase();
                if !encoding.is_empty() && encoding != "identity" {
                    parsed.content_encoding = Some(encoding);
                }
            }
            "transfer-encoding" => parsed.chunked = value.to_ascii_lowercase().contains("chunked"),
            _ => {}
        }
    }
    Ok(parsed)
}

/// Undoes HTTP chunked transfer encoding, within the document size limit.
fn dechunk(mut data: &[u8], limits: Limits) -> Result<Vec<u8>, String> {
    let malformed = || "malformed chunked transfer encoding".to_owned();
    let mut out = Vec::new();
    loop {
        let line_end = memchr::memchr(b'\n', data).ok_or_else(malformed)?;
        let line = String::from_utf8_lossy(data.get(..line_end).unwrap_or_default());
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| malformed())?;
        data = data.get(line_end + 1..).unwrap_or_default();
        if size == 0 {
            return Ok(out);
        }
        if out.len().saturating_add(size) > limits.max_doc_bytes {
            return Err(limits.too_large());
        }
        let chunk = data.get(..size).ok_or_else(malformed)?;
        out.extend_from_slice(chunk);
        data = data.get(size..).unwrap_or_default();
        data = data.strip_prefix(b"\r\n").or_else(|| data.strip_prefix(b"\n")).unwrap_or(data);
        if data.is_empty() {
            // Some writers drop the final zero-size chunk.
            return Ok(out);
        }
    }
}

/// Undoes HTTP content encoding (gzip, deflate, zstd), within the document size limit.
fn decode_content(encoding: &str, payload: &[u8], limits: Limits) -> Result<Vec<u8>, String> {
    let cap = u64::try_from(limits.max_doc_bytes).unwrap_or(u64::MAX).saturating_add(1);
    let mut out = Vec::new();
    let result = match encoding {
        "gzip" | "x-gzip" => {
            flate2::read::MultiGzDecoder::new(payload).take(cap).read_to_end(&mut out)
        }
        "deflate" => {
            // Servers send either zlib-wrapped (as the standard says) or raw deflate.
            let zlib = flate2::read::ZlibDecoder::new(payload).take(cap).read_to_end(&mut out);
            if zlib.is_err() {
                out.clear();
                flate2::read::DeflateDecoder::new(payload).take(cap).read_to_end(&mut out)
            } else {
                zlib
            }
        }
        "zstd" => zstd::stream::read::Decoder::new(payload)
            .and_then(|d| d.take(cap).read_to_end(&mut out)),
        other => return Err(format!("unsupported content-encoding `{}`", quote(other))),
    };
    result.map_err(|err| format!("cannot decode content-encoding {encoding}: {err}"))?;
    if out.len() > limits.max_doc_bytes {
        return Err(limits.too_large());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_doc_bytes: usize) -> Limits {
        Limits { max_doc_bytes, max_expansion_ratio: 100 }
    }

    #[test]
    fn warc_failures_give_the_exact_byte_offset() {
        let record = b"WARC/1.1\r\nWARC-Type: resource\r\nWARC-Target-URI: u\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi\r\n\r\n";
        let input = [&record[..], b"junk\r\n"].concat();
        let mut warc = WarcRecords::new(Box::new(io::Cursor::new(input)), "w.warc".into());
        let mut skipped = 0;
        assert!(warc.next_item(limits(100), &mut skipped).unwrap().is_ok());
        let failure = warc.next_item(limits(100), &mut skipped).unwrap().unwrap_err();
        assert!(
            failure.error.starts_with(&format!("byte {}: expected", record.len())),
            "{failure}"
        );
        assert!(warc.next_item(limits(100), &mut skipped).is_none());
    }

    #[test]
    fn record_headers_are_told_from_a_version_line_in_text() {
        assert!(looks_like_record_header(b"WARC/1.1\r\nWARC-Type: response\r\n\r\nbody"));
        assert!(looks_like_record_header(b"WARC/1.0\nContent-Length: 3\nwarc-record-id: <x>"));
        assert!(!looks_like_record_header(b"WARC/1.1 is the current version.\nIt adds\n"));
        assert!(!looks_like_record_header(b"WARC/1.1\r\n\r\nWARC-Type: response"));
        assert!(!looks_like_record_header(b"HTTP/1.1 200 OK\r\nWARC-Type: response"));
    }

    #[test]
    fn http_head_gives_status_type_and_encodings() {
        let block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=koi8-r\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\nbody";
        let head = parse_http(block).unwrap();
        assert_eq!(head.status, 200);
        assert_eq!(head.content_type.as_deref(), Some("text/html; charset=koi8-r"));
        assert_eq!(head.content_encoding.as_deref(), Some("gzip"));
        assert!(head.chunked);
        assert_eq!(block.get(head.body_start..), Some(&b"body"[..]));
        assert!(parse_http(b"HTTP/1.1 abc\r\n\r\n").is_err());
    }

    #[test]
    fn dechunks_and_rejects_malformed_chunks() {
        assert_eq!(
            dechunk(b"4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\n\r\n", limits(100)).unwrap(),
            b"Wikipedia"
        );
        assert!(dechunk(b"zz\r\nWiki\r\n", limits(100)).is_err());
        assert!(dechunk(b"10\r\nWiki\r\n0\r\n\r\n", limits(100)).is_err());
        assert!(
            dechunk(b"4\r\nWiki\r\n0\r\n\r\n", limits(3)).unwrap_err().contains("max_doc_bytes")
        );
    }

    #[test]
    fn content_encoding_is_capped() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&[b'a'; 10_000]).unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(decode_content("gzip", &gz, limits(10_000)).unwrap().len(), 10_000);
        assert!(decode_content("gzip", &gz, limits(9_999)).unwrap_err().contains("max_doc_bytes"));
        assert!(decode_content("br", &gz, limits(10)).unwrap_err().contains("unsupported"));
    }
}
