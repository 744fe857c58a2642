//! Standard input (`-`): read as the format named by [`Config::format`](super::Config::format),
//! or as its first bytes announce (`sniff`), so that a page piped from `curl` is one HTML
//! document and a dump piped from `zcat` is JSON Lines.
//!
//! The bytes looked at are read first and put back in front of the rest, so the reader of
//! the format sees the whole input. A page (text or HTML) is one document whose id and path
//! are `-`, the name the user gave it; JSON Lines records without an id are `-:<line>`, WARC
//! records are named by their URI as in a file.

use std::io::{self, BufReader, Cursor, Read};

use super::format::Format;
use super::jsonl::JsonLinesReader;
use super::sniff::{SNIFF_BYTES, sniff};
use super::warc::WarcRecords;
use super::{Documents, Failure, Item, READ_BUFFER_BYTES, ReadDoc, Stream, read_single};
use crate::Document;

/// The name standard input goes by: its path, and the id of a page read from it.
pub(super) const STDIN_NAME: &str = "-";

impl Documents {
    /// Starts reading standard input: returns its only document (a page) or makes it the
    /// current stream (JSON Lines, WARC).
    pub(super) fn start_stdin(&mut self) -> Option<Item> {
        self.start_unnamed(Box::new(io::stdin()))
    }

    /// Starts reading an input that has no name to tell its format by.
    fn start_unnamed(&mut self, mut input: Box<dyn Read + Send>) -> Option<Item> {
        let mut head = Vec::new();
        let format = match self.format.named() {
            Some(format) => format,
            None => {
                let read = (&mut input).take(SNIFF_BYTES as u64).read_to_end(&mut head);
                if let Err(err) = read {
                    return Some(Err(failure(format!("cannot read: {err}"))));
                }
                sniff(&head)
            }
        };
        let whole: Box<dyn Read + Send> = Box::new(Cursor::new(head).chain(input));
        match format {
            Format::Text | Format::Html => Some(
                read_single(whole, false, format, self.limits)
                    .map(|(body, notes)| ReadDoc {
                        doc: Document { id: STDIN_NAME.into(), body, ..Document::default() },
                        path: STDIN_NAME.into(),
                        notes,
                    })
                    .map_err(failure),
            ),
            Format::JsonLines => {
                let lines = BufReader::with_capacity(READ_BUFFER_BYTES, whole);
                self.stream = Some(Stream::Lines(JsonLinesReader::new(
                    Box::new(lines),
                    STDIN_NAME.into(),
                    STDIN_NAME.into(),
                )));
                None
            }
            // Parquet keeps its index at the end of the file: it is read from a named file.
            Format::Parquet => Some(Err(failure(
                "Parquet cannot be read from standard input (it is read by seeking); name the file"
                    .into(),
            ))),
            Format::Warc => {
                let records = BufReader::with_capacity(READ_BUFFER_BYTES, whole);
                self.stream =
                    Some(Stream::Warc(WarcRecords::new(Box::new(records), STDIN_NAME.into())));
                None
            }
        }
    }
}

/// A failure of standard input as a whole.
fn failure(error: String) -> Failure {
    Failure { path: STDIN_NAME.into(), id: Some(STDIN_NAME.into()), error }
}

#[cfg(test)]
mod tests {
    use super::super::{InputFormat, Reader};
    use super::*;
    use crate::Body;

    fn read_unnamed(format: InputFormat, bytes: &[u8]) -> Vec<Item> {
        let reader = Reader::builder().format(format).build().unwrap();
        let mut documents = reader.read([]);
        let mut items: Vec<Item> =
            documents.start_unnamed(Box::new(Cursor::new(bytes.to_vec()))).into_iter().collect();
        items.extend(documents);
        items
    }

    #[test]
    fn a_page_is_one_document_named_like_stdin() {
        let items = read_unnamed(InputFormat::Auto, b"<html><p>Hello</p></html>");
        let [Ok(read)] = items.as_slice() else { panic!("{items:?}") };
        assert_eq!(read.doc.id, "-");
        assert_eq!(read.path, "-");
        assert!(matches!(&read.doc.body, Body::Html(html) if html.starts_with("<html>")));
    }

    #[test]
    fn the_sniffed_bytes_are_put_back_in_front() {
        let mut lines = String::new();
        while lines.len() < 3 * SNIFF_BYTES {
            lines.push_str(&format!("{{\"text\":\"line {}\"}}\n", lines.len()));
        }
        let items = read_unnamed(InputFormat::Auto, lines.as_bytes());
        assert_eq!(items.len(), lines.lines().count());
        assert!(items.iter().all(Result::is_ok));
        let first = items[0].as_ref().unwrap();
        assert_eq!((first.doc.id.as_str(), first.doc.body.as_text()), ("-:1", Some("line 0")));
    }

    #[test]
    fn a_named_format_is_not_sniffed() {
        let items = read_unnamed(InputFormat::Text, b"{\"id\":\"x\"}");
        let [Ok(read)] = items.as_slice() else { panic!("{items:?}") };
        assert_eq!(read.doc.body.as_text(), Some("{\"id\":\"x\"}"));
    }

    #[test]
    fn a_page_over_the_size_limit_is_a_failure() {
        let reader = Reader::builder().max_doc_bytes(100).build().unwrap();
        let mut documents = reader.read([]);
        let item = documents.start_unnamed(Box::new(Cursor::new(vec![b'x'; 1000]))).unwrap();
        assert!(item.unwrap_err().error.contains("max_doc_bytes"));
    }
}
