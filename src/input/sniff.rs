//! What an input with no name holds, from its first bytes: standard input has no extension,
//! and `curl -s URL | clean-news clean -` should give the article as `clean-news clean
//! page.html` does.
//!
//! The rules, in order, looked at after a byte order mark and white space:
//!
//! | the input starts with | read as |
//! |---|---|
//! | nothing but white space | JSON Lines (which then holds no records) |
//! | `{` | JSON Lines |
//! | `WARC/` | WARC |
//! | markup: `<!doctype`, `<?xml`, or an HTML element's tag (`<html`, `<head`, `<body`, `<div`, `<p`, …), any case, after any `<!-- comments -->` | one HTML page |
//! | anything else | one plain text page |
//!
//! Only the first [`SNIFF_BYTES`] are looked at, so a page that opens with a comment longer
//! than that is taken for HTML: a comment is markup too. A tag must be an HTML element's name
//! followed by a space, `>` or `/`, so text that opens with `<3` or `<Reuters>` stays text.
//! Empty input is JSON Lines so that an empty dump piped in gives no document rather than
//! one empty page. The rules only ever see bytes, so they decide the same on every machine.

use std::borrow::Cow;

use encoding_rs::Encoding;

use super::format::Format;

/// How many bytes of the input the rules look at.
pub(super) const SNIFF_BYTES: usize = 8 * 1024;

/// The names of the HTML elements (the HTML standard's list, with a few obsolete ones pages
/// still open with), sorted for binary search.
const HTML_ELEMENTS: &[&str] = &[
    "a",
    "abbr",
    "address",
    "area",
    "article",
    "aside",
    "audio",
    "b",
    "base",
    "bdi",
    "bdo",
    "blockquote",
    "body",
    "br",
    "button",
    "canvas",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "data",
    "datalist",
    "dd",
    "del",
    "details",
    "dfn",
    "dialog",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "fieldset",
    "figcaption",
    "figure",
    "font",
    "footer",
    "form",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hgroup",
    "hr",
    "html",
    "i",
    "iframe",
    "img",
    "input",
    "ins",
    "kbd",
    "label",
    "legend",
    "li",
    "link",
    "main",
    "map",
    "mark",
    "menu",
    "meta",
    "meter",
    "nav",
    "noscript",
    "object",
    "ol",
    "optgroup",
    "option",
    "output",
    "p",
    "picture",
    "pre",
    "progress",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "script",
    "search",
    "section",
    "select",
    "slot",
    "small",
    "source",
    "span",
    "strong",
    "style",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "template",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "time",
    "title",
    "tr",
    "track",
    "u",
    "ul",
    "var",
    "video",
    "wbr",
];

/// The format the first bytes of an input announce (see the module docs for the rules).
pub(super) fn sniff(head: &[u8]) -> Format {
    let text = as_text(head);
    let mut rest = text.trim_start();
    if rest.is_empty() || rest.starts_with('{') {
        return Format::JsonLines;
    }
    if rest.starts_with("WARC/") {
        return Format::Warc;
    }
    while let Some(comment) = rest.strip_prefix("<!--") {
        match comment.find("-->") {
            Some(end) => rest = comment.get(end + 3..).unwrap_or_default().trim_start(),
            // The comment runs past what was looked at.
            None => return Format::Html,
        }
    }
    if opens_with_markup(rest) { Format::Html } else { Format::Text }
}

/// The first bytes as text: a UTF-16 page decoded by its byte order mark, anything else
/// read as UTF-8 (invalid bytes replaced, which no rule looks for), the mark left out.
fn as_text(head: &[u8]) -> Cow<'_, str> {
    match Encoding::for_bom(head) {
        Some((encoding, bom)) => {
            encoding.decode_without_bom_handling(head.get(bom..).unwrap_or_default()).0
        }
        None => String::from_utf8_lossy(head),
    }
}

/// Whether `text` opens with a doctype, an XML declaration or an HTML element's tag.
fn opens_with_markup(text: &str) -> bool {
    let Some(after) = text.strip_prefix('<') else {
        return false;
    };
    let starts_with_ignore_case = |prefix: &str| {
        after.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    };
    if starts_with_ignore_case("!doctype") || starts_with_ignore_case("?xml") {
        return true;
    }
    let name_len = after.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(after.len());
    let (name, tail) = after.split_at(name_len);
    let ends_tag =
        tail.is_empty() || tail.starts_with(['>', '/']) || tail.starts_with(char::is_whitespace);
    ends_tag && HTML_ELEMENTS.binary_search(&name.to_ascii_lowercase().as_str()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_names_are_sorted_for_binary_search() {
        assert!(HTML_ELEMENTS.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn json_lines_open_with_a_brace_or_are_empty() {
        assert_eq!(sniff(b"{\"id\":1}\n"), Format::JsonLines);
        assert_eq!(sniff(b"\xEF\xBB\xBF  \n{\"id\":1}"), Format::JsonLines);
        assert_eq!(sniff(b""), Format::JsonLines);
        assert_eq!(sniff(b" \n\t"), Format::JsonLines);
    }

    #[test]
    fn warc_opens_with_its_version_line() {
        assert_eq!(sniff(b"WARC/1.1\r\nWARC-Type: warcinfo\r\n"), Format::Warc);
        assert_eq!(sniff(b"WARC is a format"), Format::Text);
    }

    #[test]
    fn markup_is_known_in_any_case_after_comments() {
        for page in [
            "<!DOCTYPE html><html>",
            "<!doctype html>",
            "<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\">",
            "<HTML lang=ru>",
            "  <head><title>x</title>",
            "<body>",
            "<div class=\"article\">",
            "<p>Paragraph</p>",
            "<p>",
            "<br/>",
            "<h1>Title",
            "\u{feff}<!-- saved --> \n <!-- twice -->\n<html>",
            "<!-- a comment longer than was looked at",
        ] {
            assert_eq!(sniff(page.as_bytes()), Format::Html, "{page}");
        }
    }

    #[test]
    fn text_in_angle_brackets_is_no_markup() {
        for page in [
            "Title\n\n<p>later markup does not count</p>",
            "<3 to all our readers",
            "<Reuters> Moscow, June 1",
            "<pre-announcement> of the budget",
            "<!-- note --> Plain text after a comment",
            "[{\"not\": \"json lines\"}]",
        ] {
            assert_eq!(sniff(page.as_bytes()), Format::Text, "{page}");
        }
    }

    #[test]
    fn utf16_pages_are_sniffed_by_their_byte_order_mark() {
        let mut page = vec![0xFF, 0xFE];
        page.extend("<html><body>".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(sniff(&page), Format::Html);
    }
}
