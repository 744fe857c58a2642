//! WARC input: `response` and `resource` records read one at a time, their HTTP heads
//! parsed, chunked and compressed bodies undone within the limits, and pages of HTML or
//! plain text turned into documents.

use std::io::{self, BufRead, Read};

use super::jsonl::{Line, read_line_capped};
use super::{Failure, Item, Limits, ReadDoc, decode_page, quote};
use crate::charset;
use crate::{Body, Document};

/// The largest WARC or HTTP header block accepted. Real ones are under 4 KiB; a bigger one is
/// a sign the file is not what it claims to be.
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// A WARC file, read record by record.
pub(super) struct WarcRecords {
    reader: Box<dyn BufRead + Send>,
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
    truncated: Option<String>,
}

impl WarcRecords {
    pub(super) fn new(reader: Box<dyn BufRead + Send>, path: String) -> WarcRecords {
        WarcRecords { reader, path, offset: 0, buf: Vec::new(), done: false }
    }

    fn fail(&mut self, id: Option<String>, error: String, fatal: bool) -> Option<Item> {
        if fatal {
            self.done = true;
        }
        Some(Err(Failure { path: self.path.clone(), id, error }))
    }

    fn read_line(&mut self) -> io::Result<Line> {
        read_line_capped(&mut *self.reader, &mut self.buf, MAX_HEADER_BYTES, &mut self.offset)
    }

    pub(super) fn next_item(&mut self, limits: Limits, skipped: &mut u64) -> Option<Item> {
        loop {
            if self.done {
                return None;
            }
            let start = self.offset;
            // Records are separated by blank lines; skip them to the next version line.
            match self.read_line() {
                Err(err) => {
                    return self.fail(None, format!("byte {start}: cannot read: {err}"), true);
                }
                Ok(Line::Eof) => {
                    self.done = true;
                    return None;
                }
                Ok(Line::TooLong) => {
                    return self.fail(
                        None,
                        format!("byte {start}: expected a WARC record header"),
                        true,
                    );
                }
                Ok(Line::Complete) => {}
            }
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            if !self.buf.starts_with(b"WARC/") {
                let found = quote(&String::from_utf8_lossy(&self.buf));
                return self.fail(
                    None,
                    format!(
                        "byte {start}: expected a WARC record header (`WARC/1.1`), found `{found}`"
                    ),
                    true,
                );
            }
            let headers = match self.read_headers() {
                Ok(headers) => headers,
                Err(error) => {
                    return self.fail(None, format!("record at byte {start}: {error}"), true);
                }
            };
            let id = headers.target_uri.clone().or_else(|| headers.record_id.clone());
            let Some(length) = headers.content_length else {
                return self.fail(id, format!("record at byte {start}: no Content-Length"), true);
            };
            let wanted = matches!(headers.warc_type.as_str(), "response" | "resource");
            let max_block = limits.max_doc_bytes.saturating_add(MAX_HEADER_BYTES);
            let fits = usize::try_from(length).is_ok_and(|length| length <= max_block);
            if !wanted || !fits {
                if let Err(error) = self.skip_block(length) {
                    return self.fail(id, format!("record at byte {start}: {error}"), true);
                }
                if !wanted {
                    continue;
                }
                return self.fail(id, limits.too_large(), false);
            }
            let block = match self.read_block(length) {
                Ok(block) => block,
                Err(error) => {
                    return self.fail(id, format!("record at byte {start}: {error}"), true);
                }
            };
            let Some(id) = id else {
                return self.fail(
                    None,
                    format!("record at byte {start}: no WARC-Target-URI or WARC-Record-ID"),
                    false,
                );
            };
            match warc_document(&headers, block, limits) {
                Ok(None) => *skipped = skipped.saturating_add(1),
                Ok(Some((body, mut notes))) => {
                    if let Some(truncated) = &headers.truncated {
                        notes.push(format!("warc record truncated ({})", quote(truncated)));
                    }
                    let doc = Document { id, url: headers.target_uri, body, ..Document::default() };
                    return Some(Ok(ReadDoc { doc, path: self.path.clone(), notes }));
                }
                Err(error) => return self.fail(Some(id), error, false),
            }
        }
    }

    fn read_headers(&mut self) -> Result<WarcHeaders, String> {
        let mut headers = WarcHeaders::default();
        let mut total = 0usize;
        loop {
            match self.read_line() {
                Err(err) => return Err(format!("cannot read: {err}")),
                Ok(Line::Eof) => return Err("file ends inside the record header".into()),
                Ok(Line::TooLong) => return Err("header line too long".into()),
                Ok(Line::Complete) => {}
            }
            if self.buf.is_empty() {
                return Ok(headers);
            }
            total = total.saturating_add(self.buf.len());
            if total > MAX_HEADER_BYTES {
                return Err("record header too long".into());
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
                    Err(_) => return Err(format!("bad Content-Length `{}`", quote(&value))),
                },
                "warc-truncated" => headers.truncated = Some(value),
                _ => {}
            }
        }
    }

    fn skip_block(&mut self, length: u64) -> Result<(), String> {
        let copied = io::copy(&mut (&mut self.reader).take(length), &mut io::sink())
            .map_err(|err| format!("cannot read: {err}"))?;
        self.offset = self.offset.saturating_add(copied);
        if copied < length {
            return Err(format!("truncated: file ends {copied} bytes into a {length}-byte block"));
        }
        Ok(())
    }

    fn read_block(&mut self, length: u64) -> Result<Vec<u8>, String> {
        let mut block = Vec::new();
        let copied = (&mut self.reader)
            .take(length)
            .read_to_end(&mut block)
            .map_err(|err| format!("cannot read: {err}"))?;
        self.offset = self.offset.saturating_add(copied as u64);
        if (copied as u64) < length {
            return Err(format!("truncated: file ends {copied} bytes into a {length}-byte block"));
        }
        Ok(block)
    }
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
