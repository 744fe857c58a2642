//! Pre-parse stripping: one byte-level pass over the page before html5ever sees it, leaving
//! out what can never be article text but costs the parser most (comments, the bodies of
//! `<script>` and `<style>`) and the tags nested too deep to parse in linear time.

use std::borrow::Cow;

/// The deepest element nesting handed to the parser. html5ever looks through the stack of
/// open elements for every start tag, so 100,000 nested `div`s cost 5·10⁹ steps; real pages
/// nest a few dozen levels.
pub(super) const MAX_TAG_DEPTH: usize = 512;

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

/// The page as the parser should see it, from one byte-level pass: comments and the
/// bodies of `<style>` and `<script>` elements left out (they hold no article text, and
/// are 40% of the bytes of news pages: the parser would read them character by
/// character), JSON-LD kept (it holds metadata); and the start and end tags deeper than
/// `max_depth` left out, their text kept. The page itself, borrowed, when there is
/// nothing to leave out.
pub(super) fn prepare(html: &str, max_depth: usize) -> Cow<'_, str> {
    let bytes = html.as_bytes();
    // Spans to leave out, with what replaces each, found in one pass.
    let mut drop: Vec<(std::ops::Range<usize>, &str)> = Vec::new();
    let mut depth = 0usize;
    let mut at = 0usize;
    while let Some(pos) = memchr::memchr(b'<', bytes.get(at..).unwrap_or_default()) {
        let start = at + pos;
        let rest = bytes.get(start + 1..).unwrap_or_default();
        if rest.starts_with(b"!--") {
            // A comment may hold `>` and tags: skip to its end.
            let end = memchr::memmem::find(bytes.get(start + 4..).unwrap_or_default(), b"-->")
                .map_or(bytes.len(), |e| start + 4 + e + 3);
            drop.push((start..end, ""));
            at = end;
            continue;
        }
        let Some(end) = memchr::memchr(b'>', rest).map(|e| start + 1 + e + 1) else { break };
        at = end;
        let closing = rest.first() == Some(&b'/');
        let name_start = usize::from(closing);
        // Tag names that matter here are short: longer ones are cut, which only makes them
        // match nothing.
        let mut name_buf = [0u8; 16];
        let mut name_len = 0;
        for b in rest.iter().skip(name_start).take_while(|b| b.is_ascii_alphanumeric()) {
            if let Some(slot) = name_buf.get_mut(name_len) {
                *slot = b.to_ascii_lowercase();
            }
            name_len += 1;
        }
        let name = name_buf.get(..name_len.min(name_buf.len())).unwrap_or_default();
        if name.is_empty() {
            continue;
        }
        if matches!(name, b"script" | b"style" | b"textarea" | b"title") && !closing {
            let body_end = find_end_tag(bytes, end, name);
            let tag = bytes.get(start..end).unwrap_or_default();
            let json_ld =
                name == b"script" && tag.windows(7).any(|w| w.eq_ignore_ascii_case(b"ld+json"));
            if matches!(name, b"script" | b"style") && !json_ld && body_end > end {
                drop.push((end..body_end, ""));
            }
            // Past the end tag, which closes what was never counted as open.
            at = memchr::memchr(b'>', bytes.get(body_end..).unwrap_or_default())
                .map_or(bytes.len(), |e| body_end + e + 1);
            continue;
        }
        let self_closing = bytes.get(end.saturating_sub(2)) == Some(&b'/');
        if is_void_tag(name) || self_closing {
            continue;
        }
        if closing {
            if depth > max_depth {
                drop.push((start..end, " "));
            }
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            if depth > max_depth {
                drop.push((start..end, " "));
            }
        }
    }
    if drop.is_empty() {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut from = 0;
    for (span, with) in drop {
        // Spans start at `<` or after `>` and end at `<` or after `>`: ASCII, so on char
        // boundaries.
        out.push_str(html.get(from..span.start).unwrap_or_default());
        out.push_str(with);
        from = span.end;
    }
    out.push_str(html.get(from..).unwrap_or_default());
    Cow::Owned(out)
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
        let prepared = prepare(page, 512);
        assert!(!prepared.contains("color:red"));
        assert!(!prepared.contains("if (a<b)"));
        assert!(!prepared.contains("comment"));
        assert!(prepared.contains("{\"a\":1}"));
        assert!(prepared.contains("<p>kept</p>"));
    }

    #[test]
    fn deep_nesting_is_flattened_below_the_cap() {
        let page = format!("{}<p>deep text</p>{}", "<div>".repeat(20), "</div>".repeat(20));
        assert!(matches!(prepare(&page, 30), Cow::Borrowed(_)));
        let flat = prepare(&page, 5);
        assert_eq!(flat.matches("<div>").count(), 5);
        assert!(flat.contains("deep text"));
    }
}
