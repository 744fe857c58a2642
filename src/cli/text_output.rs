//! `clean --to text`: the articles as people read them, not as records.
//!
//! A document is its title, a blank line and its text (the form `--text-dir` files have);
//! without a title, the text alone; without a text, the title alone. What a person wants from one page is that and nothing
//! else, as trafilatura prints it. Several documents need telling apart, by eye and by
//! script, so each then starts with a header line `==> ID <==`, as `head` and `tail` print
//! file names, and a blank line separates them. Control characters in the id are escaped
//! (`\n`), so a header is always one line.
//!
//! Whether there is more than one document is only known at the second, so the first is
//! held until then (memory for one document) and written bare if no second comes.

use std::io::{self, Write};

use clean_news::Cleaned;

/// Writes cleaned documents as text to `out`.
pub(crate) struct TextWriter<W: Write> {
    out: W,
    /// The first document, rendered, until a second one shows whether headers are needed.
    first: Option<(String, Vec<u8>)>,
    /// Documents written or held so far.
    documents: u64,
}

impl<W: Write> TextWriter<W> {
    pub(crate) fn new(out: W) -> TextWriter<W> {
        TextWriter { out, first: None, documents: 0 }
    }

    /// Writes one document (the first only once it is known not to be alone).
    pub(crate) fn write_cleaned(&mut self, cleaned: &Cleaned) -> io::Result<()> {
        self.documents = self.documents.saturating_add(1);
        let page = page_of(cleaned);
        if self.documents == 1 {
            self.first = Some((cleaned.id.clone(), page));
            return Ok(());
        }
        if let Some((id, first)) = self.first.take() {
            self.write_with_header(&id, &first)?;
        }
        self.out.write_all(b"\n")?;
        self.write_with_header(&cleaned.id, &page)
    }

    fn write_with_header(&mut self, id: &str, page: &[u8]) -> io::Result<()> {
        writeln!(self.out, "==> {} <==", header_id(id))?;
        self.out.write_all(page)
    }

    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Writes a document still held (it was the only one) and gives the output back.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        if let Some((_, page)) = self.first.take() {
            self.out.write_all(&page)?;
        }
        Ok(self.out)
    }
}

/// Title, blank line, text, final newline; the text alone when there is no title, the title
/// alone when there is no text.
fn page_of(cleaned: &Cleaned) -> Vec<u8> {
    let mut page = Vec::with_capacity(cleaned.text.len() + 128);
    if let Some(title) = cleaned.title.as_deref().filter(|title| !title.is_empty()) {
        page.extend_from_slice(title.as_bytes());
        page.push(b'\n');
        if !cleaned.text.is_empty() {
            page.push(b'\n');
        }
    }
    page.extend_from_slice(cleaned.text.as_bytes());
    if !page.is_empty() && !page.ends_with(b"\n") {
        page.push(b'\n');
    }
    page
}

/// The id with control characters escaped, so the header stays one line.
fn header_id(id: &str) -> String {
    let mut escaped = String::with_capacity(id.len());
    for c in id.chars() {
        if c.is_control() {
            escaped.extend(c.escape_default());
        } else {
            escaped.push(c);
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cleaned(id: &str, title: Option<&str>, text: &str) -> Cleaned {
        Cleaned {
            id: id.into(),
            title: title.map(Into::into),
            text: text.into(),
            ..Cleaned::default()
        }
    }

    fn written(documents: &[Cleaned]) -> String {
        let mut writer = TextWriter::new(Vec::new());
        for document in documents {
            writer.write_cleaned(document).unwrap();
        }
        String::from_utf8(writer.finish().unwrap()).unwrap()
    }

    #[test]
    fn one_document_is_written_bare() {
        assert_eq!(written(&[cleaned("a", Some("Title"), "Text.")]), "Title\n\nText.\n");
        assert_eq!(written(&[cleaned("a", None, "Text.\n")]), "Text.\n");
        assert_eq!(written(&[cleaned("a", Some("Title"), "")]), "Title\n");
        assert_eq!(written(&[]), "");
    }

    #[test]
    fn several_documents_get_headers_and_blank_lines_between() {
        let documents = [
            cleaned("a", Some("A"), "One."),
            cleaned("b", None, "Two."),
            cleaned("c\u{1b}[2J", Some(""), "Three."),
        ];
        assert_eq!(
            written(&documents),
            "==> a <==\nA\n\nOne.\n\n==> b <==\nTwo.\n\n==> c\\u{1b}[2J <==\nThree.\n"
        );
    }

    #[test]
    fn an_empty_document_keeps_its_header() {
        let documents = [cleaned("a", None, ""), cleaned("b", None, "Two.")];
        assert_eq!(written(&documents), "==> a <==\n\n==> b <==\nTwo.\n");
    }
}
