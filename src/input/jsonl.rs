//! JSON Lines input: one document per line, read line by line with the line length capped
//! while it is read, so a dump of any size needs memory for one record at a time.

use std::borrow::Cow;
use std::io::{self, BufRead};

use serde::Deserialize;

use super::gzip_members::is_damaged_member;
use super::{Failure, Item, Limits, ReadDoc, body_of_record};
use crate::Document;
use crate::charset;

/// How a capped line read ended.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Line {
    /// The input is exhausted and no bytes were read.
    Eof,
    /// A complete line (without its `\n`, `\r\n` or `\r`) is in the buffer.
    Complete,
    /// The line was longer than the cap; it was consumed and the buffer is empty.
    TooLong,
}

/// Reads one line into `buf` (cleared first), holding at most `cap` bytes of it in memory.
/// A line ends at `\n`, `\r\n` or a lone `\r` (files from old Macs and some CMS exports);
/// neither JSON nor a WARC header has a raw `\r` inside a line. Adds the bytes taken from
/// `reader` (line ending included) to `consumed`.
pub(super) fn read_line_capped(
    reader: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
    consumed: &mut u64,
) -> io::Result<Line> {
    buf.clear();
    let mut any = false;
    let mut too_long = false;
    let mut after_cr = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        if after_cr {
            // The line ended at a `\r`; a `\n` right after it is part of the same ending.
            if available.first() == Some(&b'\n') {
                reader.consume(1);
                *consumed = consumed.saturating_add(1);
            }
            break;
        }
        if available.is_empty() {
            break;
        }
        any = true;
        let (content, ending) = match memchr::memchr2(b'\n', b'\r', available) {
            Some(at) => (at, available.get(at).copied()),
            None => (available.len(), None),
        };
        if !too_long {
            if buf.len().saturating_add(content) > cap {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(available.get(..content).unwrap_or_default());
            }
        }
        let used = if ending.is_some() { content + 1 } else { content };
        reader.consume(used);
        *consumed = consumed.saturating_add(used as u64);
        match ending {
            Some(b'\n') => break,
            Some(_) => after_cr = true,
            None => {}
        }
    }
    if !any {
        return Ok(Line::Eof);
    }
    if too_long {
        buf.clear();
        return Ok(Line::TooLong);
    }
    Ok(Line::Complete)
}

/// One JSON Lines record as scrapers write it. Unknown fields are ignored: dumps carry more
/// than a `Document` holds.
#[derive(Deserialize)]
#[serde(expecting = "a JSON object")]
struct Record {
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    site: Option<String>,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    html: Option<String>,
}

/// A JSON Lines file (or stdin), read line by line.
pub(super) struct JsonLinesReader {
    reader: Box<dyn BufRead + Send>,
    pub(super) path: String,
    /// The name default ids are made of: `<name>:<line>`.
    name: String,
    line: u64,
    buf: Vec<u8>,
    done: bool,
}

impl JsonLinesReader {
    pub(super) fn new(
        reader: Box<dyn BufRead + Send>,
        path: String,
        name: String,
    ) -> JsonLinesReader {
        JsonLinesReader { reader, path, name, line: 0, buf: Vec::new(), done: false }
    }

    pub(super) fn next_item(&mut self, limits: Limits) -> Option<Item> {
        loop {
            if self.done {
                return None;
            }
            let mut consumed = 0;
            let read = read_line_capped(
                &mut *self.reader,
                &mut self.buf,
                limits.max_doc_bytes,
                &mut consumed,
            );
            let line = self.line.saturating_add(1);
            let default_id = format!("{}:{line}", self.name);
            let fail = |error: String| Failure {
                path: self.path.clone(),
                id: Some(default_id.clone()),
                error,
            };
            match read {
                Err(err) => {
                    // After a damaged gzip member the next member's lines can still be
                    // read (their numbers then count from the damage on); after any other
                    // error the file is done.
                    self.done = !is_damaged_member(&err);
                    self.line = line;
                    return Some(Err(fail(format!("line {line}: cannot read: {err}"))));
                }
                Ok(Line::Eof) => {
                    self.done = true;
                    return None;
                }
                Ok(Line::TooLong) => {
                    self.line = line;
                    return Some(Err(fail(format!(
                        "line {line} is longer than max_doc_bytes ({} bytes)",
                        limits.max_doc_bytes
                    ))));
                }
                Ok(Line::Complete) => self.line = line,
            }
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(self.parse(line, default_id));
        }
    }

    fn parse(&self, line: u64, default_id: String) -> Item {
        let mut notes = Vec::new();
        // A byte order mark starts the file (and every file `cat` joined onto it).
        let bytes = charset::without_utf8_bom(&self.buf);
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => {
                notes.push("invalid utf-8 decoded lossily".to_owned());
                String::from_utf8_lossy(bytes)
            }
        };
        let fail = |error: String| Failure {
            path: self.path.clone(),
            id: Some(default_id.clone()),
            error,
        };
        // serde's derive would take `[1, 2]` as the fields in order; a record is an object.
        let is_object = text.trim_start().starts_with('{');
        if !is_object && serde_json::from_str::<serde_json::Value>(&text).is_ok() {
            return Err(fail(format!("line {line}: bad record: expected a JSON object")));
        }
        let record: Record = match serde_json::from_str(&text) {
            Ok(record) => record,
            Err(err) => {
                let what = match err.classify() {
                    serde_json::error::Category::Data => "bad record",
                    _ => "not valid JSON",
                };
                return Err(fail(format!("line {line}: {what}: {}", json_message(&err))));
            }
        };
        let id = match record.id {
            None | Some(serde_json::Value::Null) => default_id.clone(),
            Some(serde_json::Value::String(id)) if id.is_empty() => default_id.clone(),
            Some(serde_json::Value::String(id)) => id,
            Some(serde_json::Value::Number(n)) => n.to_string(),
            Some(_) => return Err(fail(format!("line {line}: `id` must be a string or a number"))),
        };
        let Some(body) = body_of_record(record.text, record.html, &mut notes) else {
            return Err(Failure {
                path: self.path.clone(),
                id: Some(id),
                error: format!("line {line}: record has neither `text` nor `html`"),
            });
        };
        let doc = Document {
            id,
            url: record.url,
            site: record.site,
            published: record.published,
            title: record.title,
            body,
        };
        Ok(ReadDoc { doc, path: self.path.clone(), notes })
    }
}

/// serde_json's message without its position on line 1 (the record is one line).
fn json_message(err: &serde_json::Error) -> String {
    let message = err.to_string();
    match message.rfind(" at line ") {
        Some(at) => format!("{} at column {}", message.get(..at).unwrap_or(&message), err.column()),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &str, cap: usize) -> Vec<(Line, String)> {
        let mut reader = io::Cursor::new(input.as_bytes().to_vec());
        let mut buf = Vec::new();
        let mut out = Vec::new();
        loop {
            let line = read_line_capped(&mut reader, &mut buf, cap, &mut 0).unwrap();
            if line == Line::Eof {
                return out;
            }
            out.push((line, String::from_utf8(buf.clone()).unwrap()));
        }
    }

    #[test]
    fn capped_lines_strip_endings_and_flag_long_lines() {
        let got = lines("ab\r\ncdefgh\n\nxy", 4);
        assert_eq!(
            got,
            vec![
                (Line::Complete, "ab".into()),
                (Line::TooLong, String::new()),
                (Line::Complete, String::new()),
                (Line::Complete, "xy".into()),
            ]
        );
    }

    #[test]
    fn a_lone_cr_ends_a_line_and_crlf_is_one_ending() {
        let got = lines("a\rb\r\nc\r\rd\r", 4);
        let complete = |text: &str| (Line::Complete, text.to_owned());
        assert_eq!(
            got,
            vec![complete("a"), complete("b"), complete("c"), complete(""), complete("d")]
        );
        // A `\r\n` split across two reads of the inner buffer is still one ending.
        let mut reader = io::BufReader::with_capacity(2, io::Cursor::new(b"a\r\nb".to_vec()));
        let mut buf = Vec::new();
        let mut consumed = 0;
        read_line_capped(&mut reader, &mut buf, 10, &mut consumed).unwrap();
        assert_eq!((buf.as_slice(), consumed), (&b"a"[..], 3));
    }

    #[test]
    fn capped_lines_accept_a_line_of_exactly_the_cap() {
        assert_eq!(lines("abcd\r\nabcde\n", 4)[0], (Line::Complete, "abcd".into()));
        assert_eq!(lines("abcd\r\nabcde\n", 4)[1].0, Line::TooLong);
    }

    #[test]
    fn capped_lines_hold_at_most_the_cap_across_small_buffers() {
        let long = "x".repeat(10_000);
        let mut reader = io::BufReader::with_capacity(7, io::Cursor::new(format!("{long}\nok\n")));
        let mut buf = Vec::new();
        let mut consumed = 0;
        assert_eq!(
            read_line_capped(&mut reader, &mut buf, 100, &mut consumed).unwrap(),
            Line::TooLong
        );
        assert!(buf.capacity() < 1000);
        assert_eq!(
            read_line_capped(&mut reader, &mut buf, 100, &mut consumed).unwrap(),
            Line::Complete
        );
        assert_eq!(buf, b"ok");
        assert_eq!(consumed, 10_004);
    }
}
