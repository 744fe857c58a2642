//! Pre-parse stripping: one byte-level pass over the page before html5ever sees it, leaving
//! out what can never be article text but costs the parser most (comments, the bodies of
//! `<script>` and `<style>`), and keeping the parser's work linear in the page (see
//! [`super::budget`]): tags nested too deep, attributes past [`MAX_ATTRIBUTES`] on one tag,
//! formatting start tags past [`MAX_OPEN_FORMATTING`] open at once.
//!
//! The pass reads tags as html5ever's tokenizer does ([`super::tag`]: a quoted `>` does not
//! end a tag; `<` not followed by a letter is text), and leaves no place where the two could
//! read the page differently: the text of elements html5ever reads as raw text in HTML but as
//! markup inside SVG or MathML (`title`, `textarea`, JSON-LD) has its `<` escaped, and the
//! bodies of the other raw-text elements are left out like a script's.

use std::borrow::Cow;

use super::budget::{MAX_ATTRIBUTES, MAX_OPEN_FORMATTING};
use super::formatting::{OpenFormatting, formatting_kind, is_scope_boundary};
use super::tag::{self, Tag};

/// Tags that never take a closing tag, so never deepen the nesting.
fn is_void_tag(name: &[u8]) -> bool {
    matches!(
        name,
        b"area"
            | b"base"
            | b"br"
            | b"col"
            | b"embed"
            | b"hr"
            | b"img"
            | b"input"
            | b"link"
            | b"meta"
            | b"param"
            | b"source"
            | b"track"
            | b"wbr"
            | b"p"
            | b"li"
            | b"option"
    )
}

/// What happens to the body of an element html5ever reads as raw text (in HTML; inside SVG
/// or MathML it reads it as markup).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RawText {
    /// Left out: it is never article text (`script`, `style`, `iframe`, ...).
    Drop,
    /// Kept, each `<` written as a character reference (`title`, `textarea`: text either way).
    Escape,
    /// Kept, each `<` written as the JSON escape `\u003c` (JSON-LD: the same JSON value).
    EscapeJson,
}

/// The page as the parser should see it, and what was left out to keep it in budget.
#[derive(Debug)]
pub(super) struct Prepared<'a> {
    /// The page itself, borrowed, when there is nothing to leave out.
    pub(super) html: Cow<'a, str>,
    /// Attributes left out past [`MAX_ATTRIBUTES`] on one tag.
    pub(super) attributes_dropped: usize,
    /// Formatting start tags left out past [`MAX_OPEN_FORMATTING`].
    pub(super) formatting_dropped: usize,
}

impl Prepared<'_> {
    /// What the extractor notes about the page when something was left out.
    pub(super) fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.attributes_dropped > 0 {
            notes.push(format!(
                "html: {} attributes past {MAX_ATTRIBUTES} on one element left out",
                self.attributes_dropped
            ));
        }
        if self.formatting_dropped > 0 {
            notes.push(format!(
                "html: {} formatting tags past {MAX_OPEN_FORMATTING} open at once left out \
                 (misnested markup)",
                self.formatting_dropped
            ));
        }
        notes
    }
}

/// The page as the parser should see it, from one byte-level pass (see the module docs):
/// comments and the bodies of `<style>` and `<script>` elements left out (they hold no
/// article text, and are 40% of the bytes of news pages: the parser would read them
/// character by character), JSON-LD kept (it holds metadata); the start and end tags deeper
/// than `max_depth` left out, their text kept; attributes and formatting tags past the
/// budget left out.
pub(super) fn prepare(html: &str, max_depth: usize) -> Prepared<'_> {
    let mut pass = Pass { bytes: html.as_bytes(), edits: Vec::new(), ..Pass::default() };
    pass.run(max_depth);
    let Pass { edits, attributes_dropped, formatting_dropped, .. } = pass;
    let html = if edits.is_empty() {
        Cow::Borrowed(html)
    } else {
        let mut out = String::with_capacity(html.len());
        let mut from = 0;
        for (span, with) in edits {
            // Spans start and end at ASCII bytes (`<`, `>`, a tag's attribute, a raw text
            // body's ends), so on char boundaries.
            out.push_str(html.get(from..span.start).unwrap_or_default());
            out.push_str(with);
            from = span.end;
        }
        out.push_str(html.get(from..).unwrap_or_default());
        Cow::Owned(out)
    };
    Prepared { html, attributes_dropped, formatting_dropped }
}

/// The state of one pass over a page.
#[derive(Debug, Default)]
struct Pass<'a> {
    bytes: &'a [u8],
    /// Spans to replace, in page order, with what replaces each.
    edits: Vec<(std::ops::Range<usize>, &'static str)>,
    depth: usize,
    formatting: OpenFormatting,
    seen_html: bool,
    seen_body: bool,
    attributes_dropped: usize,
    formatting_dropped: usize,
}

impl Pass<'_> {
    fn run(&mut self, max_depth: usize) {
        let bytes = self.bytes;
        let mut at = 0usize;
        while let Some(pos) = memchr::memchr(b'<', bytes.get(at..).unwrap_or_default()) {
            let start = at + pos;
            let rest = bytes.get(start + 1..).unwrap_or_default();
            if rest.starts_with(b"!--") {
                // A comment may hold `>` and tags: skip to its end.
                let end = memchr::memmem::find(bytes.get(start + 4..).unwrap_or_default(), b"-->")
                    .map_or(bytes.len(), |e| start + 4 + e + 3);
                self.edits.push((start..end, ""));
                at = end;
                continue;
            }
            let closing = rest.first() == Some(&b'/');
            let name_start = start + 1 + usize::from(closing);
            if !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
                // `<!DOCTYPE>`, `<?...>` and `</ ...>` run to the next `>`; a `<![CDATA[`
                // section is text inside SVG but a bogus comment in HTML, so it goes whole.
                // A `<` before anything else is text.
                if !(closing || matches!(rest.first(), Some(b'!' | b'?'))) {
                    at = start + 1;
                    continue;
                }
                let Some(end) = memchr::memchr(b'>', rest).map(|e| start + 1 + e + 1) else {
                    break;
                };
                if rest.starts_with(b"![CDATA[") {
                    self.edits.push((start..end, ""));
                }
                at = end;
                continue;
            }
            let Some(tag) = self.scan_tag(name_start) else { break };
            at = tag.end;
            let name = TagName::read(bytes, name_start);
            let name = name.as_bytes();
            if closing {
                self.end_tag(name, start..tag.end, max_depth);
                continue;
            }
            if let Some(raw) = raw_text(name, bytes.get(start..tag.end).unwrap_or_default()) {
                if tag.self_closing && raw != RawText::Drop {
                    // `<title/>` is empty inside SVG (icons have them), but opens raw text
                    // to the next `</title>` in HTML: closed at once, it reads the same in
                    // both.
                    self.edits.push((tag.end..tag.end, end_tag_of(name)));
                } else {
                    at = self.raw_text_body(name, tag.end, raw);
                }
                continue;
            }
            if name == b"plaintext" {
                // Everything after it is text.
                self.escape(tag.end..bytes.len(), "&lt;");
                break;
            }
            self.start_tag(name, &tag, start, name_start, max_depth);
        }
    }

    /// Reads a tag, and leaves out its attributes past the budget.
    fn scan_tag(&mut self, name_start: usize) -> Option<Tag> {
        let tag = tag::scan(self.bytes, name_start, MAX_ATTRIBUTES)?;
        if let Some(from) = tag.excess_from {
            self.attributes_dropped += tag.attributes - MAX_ATTRIBUTES;
            self.edits.push((from..tag_content_end(&tag), ""));
        }
        Some(tag)
    }

    fn start_tag(
        &mut self,
        name: &[u8],
        tag: &Tag,
        start: usize,
        name_start: usize,
        max_depth: usize,
    ) {
        if formatting_kind(name).is_some() && self.formatting.open() >= MAX_OPEN_FORMATTING {
            self.formatting_dropped += 1;
            self.replace_tag(start..tag.end, "");
            return;
        }
        // A second `<html>` or `<body>` adds its attributes to the first element: html5ever
        // looks each one up there, so a page of them would cost the square of their number.
        let repeated = match name {
            b"html" => std::mem::replace(&mut self.seen_html, true),
            b"body" => std::mem::replace(&mut self.seen_body, true),
            _ => false,
        };
        if repeated {
            if let Some(first) = tag::scan(self.bytes, name_start, 0).and_then(|t| t.excess_from) {
                self.replace_tag(first..tag_content_end(tag), "");
            }
        }
        let deepens = !(is_void_tag(name) || tag.self_closing);
        if deepens {
            self.depth += 1;
            if self.depth > max_depth {
                self.replace_tag(start..tag.end, " ");
                return;
            }
        }
        if let Some(kind) = formatting_kind(name) {
            self.formatting.start(kind);
        } else if is_scope_boundary(name) {
            self.formatting.boundary_start();
        }
    }

    fn end_tag(&mut self, name: &[u8], span: std::ops::Range<usize>, max_depth: usize) {
        if is_void_tag(name) {
            return;
        }
        let deep = self.depth > max_depth;
        self.depth = self.depth.saturating_sub(1);
        if deep {
            self.replace_tag(span, " ");
            return;
        }
        if let Some(kind) = formatting_kind(name) {
            self.formatting.end(kind);
        } else if is_scope_boundary(name) {
            self.formatting.boundary_end();
        }
    }

    /// Replaces a whole tag, and the attribute cut inside it if any.
    fn replace_tag(&mut self, span: std::ops::Range<usize>, with: &'static str) {
        while self.edits.last().is_some_and(|(s, _)| s.start >= span.start) {
            self.edits.pop();
        }
        self.edits.push((span, with));
    }

    /// Handles the body of a raw text element that starts at `from`, and its end tag;
    /// returns where the pass goes on.
    fn raw_text_body(&mut self, name: &[u8], from: usize, raw: RawText) -> usize {
        let bytes = self.bytes;
        let body_end = find_end_tag(bytes, from, name);
        match raw {
            RawText::Drop if body_end > from => self.edits.push((from..body_end, "")),
            RawText::Drop => {}
            RawText::Escape => self.escape(from..body_end, "&lt;"),
            RawText::EscapeJson => self.escape(from..body_end, "\\u003c"),
        }
        // Past the end tag, which closes what was never counted as open.
        if body_end >= bytes.len() {
            return bytes.len();
        }
        self.scan_tag(body_end + 2).map_or(bytes.len(), |t| t.end)
    }

    /// Writes each `<` of a span as `with`.
    fn escape(&mut self, span: std::ops::Range<usize>, with: &'static str) {
        let body = self.bytes.get(span.clone()).unwrap_or_default();
        for at in memchr::memchr_iter(b'<', body) {
            self.edits.push((span.start + at..span.start + at + 1, with));
        }
    }
}

/// Where a tag's attributes may be cut up to: before its `>`, or its `/>`.
fn tag_content_end(tag: &Tag) -> usize {
    tag.end - if tag.self_closing { 2 } else { 1 }
}

/// The end tag written after a self-closed raw text element whose body is kept.
fn end_tag_of(name: &[u8]) -> &'static str {
    match name {
        b"title" => "</title>",
        b"textarea" => "</textarea>",
        _ => "</script>",
    }
}

/// What to do with the body of an element, when html5ever reads it as raw text.
fn raw_text(name: &[u8], tag: &[u8]) -> Option<RawText> {
    match name {
        b"script" if tag.windows(7).any(|w| w.eq_ignore_ascii_case(b"ld+json")) => {
            Some(RawText::EscapeJson)
        }
        b"script" | b"style" | b"xmp" | b"iframe" | b"noembed" | b"noframes" => Some(RawText::Drop),
        b"title" | b"textarea" => Some(RawText::Escape),
        _ => None,
    }
}

/// A tag's name as html5ever reads it (up to whitespace, `/` or `>`), in lower case; names
/// longer than any the pass looks for are kept as none.
#[derive(Debug)]
struct TagName {
    buf: [u8; 16],
    len: usize,
}

impl TagName {
    fn read(bytes: &[u8], from: usize) -> TagName {
        let mut name = TagName { buf: [0; 16], len: 0 };
        let rest = bytes.get(from..).unwrap_or_default();
        for &b in rest.iter().take_while(|&&b| !(b == b'/' || b == b'>' || is_tag_space(b))) {
            match name.buf.get_mut(name.len) {
                Some(slot) => *slot = b.to_ascii_lowercase(),
                None => return TagName { buf: [0; 16], len: 0 },
            }
            name.len += 1;
        }
        name
    }

    fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

fn is_tag_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

/// Where the end tag `</name` (any case) starts at or after `from`, else the end: the
/// raw text of a `<script>` or `<style>` is skipped without copying it.
fn find_end_tag(bytes: &[u8], from: usize, name: &[u8]) -> usize {
    let mut at = from;
    while let Some(pos) = memchr::memmem::find(bytes.get(at..).unwrap_or_default(), b"</") {
        let start = at + pos;
        let after = start + 2;
        let named =
            bytes.get(after..after + name.len()).is_some_and(|n| n.eq_ignore_ascii_case(name));
        // `</scripts` does not end a script; `</script>`, `</script >`, `</script/>` do.
        let ended = bytes
            .get(after + name.len())
            .is_none_or(|b| matches!(b, b'>' | b'/') || b.is_ascii_whitespace());
        if named && ended {
            return start;
        }
        at = after;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepare_leaves_out_scripts_styles_and_comments() {
        let page = "<head><style>p{color:red}</style><script type=\"application/ld+json\">{\"a\":1}</script>\
                    <script>var s = '</scripts>'; if (a<b) x();</script></head>\
                    <body><!-- a <p>comment</p> --><p>kept</p></body>";
        let prepared = prepare(page, 512).html;
        assert!(!prepared.contains("color:red"));
        assert!(!prepared.contains("if (a<b)"));
        assert!(!prepared.contains("comment"));
        assert!(prepared.contains("{\"a\":1}"));
        assert!(prepared.contains("<p>kept</p>"));
    }

    #[test]
    fn deep_nesting_is_flattened_below_the_cap() {
        let page = format!("{}<p>deep text</p>{}", "<div>".repeat(20), "</div>".repeat(20));
        assert!(matches!(prepare(&page, 30).html, Cow::Borrowed(_)));
        let flat = prepare(&page, 5).html;
        assert_eq!(flat.matches("<div>").count(), 5);
        assert!(flat.contains("deep text"));
    }

    fn attributes(n: usize) -> String {
        (0..n).map(|i| format!(" a{i}")).collect()
    }

    #[test]
    fn attributes_past_the_budget_are_left_out() {
        let page = format!("<div{}/><p>x</p>", attributes(MAX_ATTRIBUTES + 44));
        let prepared = prepare(&page, 512);
        assert_eq!(prepared.attributes_dropped, 44);
        assert_eq!(prepared.html, format!("<div{} /><p>x</p>", attributes(MAX_ATTRIBUTES)));
    }

    #[test]
    fn a_repeated_body_tag_loses_its_attributes() {
        let prepared = prepare("<body class=a><p>x<body id=b class=c><p>y", 512);
        assert_eq!(prepared.html, "<body class=a><p>x<body ><p>y");
    }

    #[test]
    fn formatting_tags_past_the_budget_are_left_out_with_their_text_kept() {
        // `</i>` closes no `b`: the bold elements stay open.
        let page: String = (0..MAX_OPEN_FORMATTING + 10).map(|i| format!("<b>{i}</i>")).collect();
        let prepared = prepare(&page, 512);
        assert_eq!(prepared.formatting_dropped, 10);
        assert!(prepared.html.ends_with(&format!("{}</i>", MAX_OPEN_FORMATTING + 9)));
        assert_eq!(prepared.html.matches("<b>").count(), MAX_OPEN_FORMATTING);
    }

    #[test]
    fn a_less_than_sign_before_a_space_hides_no_tag() {
        // Read as a tag running to the next `>`, `< ` would hide the `<b>` behind it.
        let page: String =
            (0..MAX_OPEN_FORMATTING + 1).map(|i| format!("< <b class=c{i}></i>")).collect();
        assert_eq!(prepare(&page, 512).formatting_dropped, 1);
    }

    #[test]
    fn title_text_is_escaped_so_that_svg_reads_no_tag_in_it() {
        // Inside SVG a `<title>` holds markup: the `<b x="` would swallow the `div` for the
        // pass but not for the parser, had the text been kept as it was.
        let page = format!(
            "<svg><title><b x=\"</title><div{}>\"><p>x</p>",
            attributes(MAX_ATTRIBUTES + 3)
        );
        let prepared = prepare(&page, 512);
        assert!(prepared.html.starts_with("<svg><title>&lt;b x=\"</title><div"));
        assert_eq!(prepared.attributes_dropped, 3);
    }

    #[test]
    fn a_cdata_section_goes_whole_up_to_its_first_greater_than_sign() {
        let prepared = prepare("<svg><![CDATA[ > <b>]]></svg>", 512);
        assert_eq!(prepared.html, "<svg> <b>]]></svg>");
    }

    #[test]
    fn json_ld_keeps_its_value_without_a_less_than_sign() {
        let page = r#"<script type="application/ld+json">{"articleBody":"<b>x</b>"}</script><p>y"#;
        let prepared = prepare(page, 512);
        assert!(prepared.html.contains(r#"{"articleBody":"\u003cb>x\u003c/b>"}</script>"#));
        let body = prepared.html.find('{').unwrap()..prepared.html.find("</script").unwrap();
        let json = &prepared.html[body];
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(value["articleBody"], "<b>x</b>");
    }

    #[test]
    fn a_self_closed_title_is_closed_for_html_as_svg_closes_it() {
        let page = "<svg><title/><path d=x/></svg><p>The article, kept.</p>";
        let prepared = prepare(page, 512);
        assert_eq!(
            prepared.html,
            "<svg><title/></title><path d=x/></svg><p>The article, kept.</p>"
        );
    }
}
