//! Line endings of document text: `\r\n` (Windows) and a lone `\r` (old Mac, some CMS
//! exports) become `\n` as a document is read.
//!
//! Every later step splits text on `\n`: the cleaner's lines, the site templates' line
//! hashes, the shingles. A lone `\r` would leave a whole file as one line, and a `\r` kept
//! in text would reach the output. Doing it once here, for every format, means no step has to
//! think of it. HTML gets the same treatment, which is what an HTML parser does to its input
//! anyway (the standard's input stream preprocessing).

use crate::{Body, Document};

/// `text` with every `\r\n` and every lone `\r` turned into `\n`; no copy when it has no `\r`.
pub(super) fn to_lf(text: String) -> String {
    if memchr::memchr(b'\r', text.as_bytes()).is_none() {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = memchr::memchr(b'\r', rest.as_bytes()) {
        let (line, ending) = rest.split_at(at);
        out.push_str(line);
        out.push('\n');
        let after_cr = ending.strip_prefix('\r').unwrap_or(ending);
        rest = after_cr.strip_prefix('\n').unwrap_or(after_cr);
    }
    out.push_str(rest);
    out
}

/// The document with `\n` line endings in its body and title.
pub(super) fn document_to_lf(mut doc: Document) -> Document {
    doc.body = match doc.body {
        Body::Text(text) => Body::Text(to_lf(text)),
        Body::Html(html) => Body::Html(to_lf(html)),
    };
    doc.title = doc.title.map(to_lf);
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_ending_becomes_lf() {
        assert_eq!(to_lf("a\r\nb\rc\nd\r\r\ne\r".into()), "a\nb\nc\nd\n\ne\n");
        assert_eq!(to_lf("\r\n\r\n".into()), "\n\n");
        assert_eq!(to_lf("no endings, ünïcode".into()), "no endings, ünïcode");
    }

    #[test]
    fn bodies_and_titles_are_converted() {
        let mut doc = Document::html("x", "<p>a</p>\r<p>b</p>\r\n");
        doc.title = Some("Two\r\nlines".into());
        let doc = document_to_lf(doc);
        assert_eq!(doc.body, Body::Html("<p>a</p>\n<p>b</p>\n".into()));
        assert_eq!(doc.title.as_deref(), Some("Two\nlines"));
    }
}
