//! Bytes to text: the one place that decides which charset a page or text file is in.
//!
//! The reader (step 1), HTML extraction from raw bytes and the extraction eval all decode
//! here, so the eval measures the path production takes. The evidence is weighed in this
//! order:
//!
//! 1. a byte order mark;
//! 2. the bytes themselves: valid UTF-8 is UTF-8, whatever is declared (pages that declare
//!    `gb2312` or `windows-1251` but are UTF-8 are common; real text in a legacy charset is
//!    almost never valid UTF-8), and so is a UTF-8 text with a few stray bytes (a
//!    copy-paste from another charset), when its valid multi-byte characters outnumber the
//!    broken sequences [`MIN_UTF8_RATIO`] to one;
//! 3. the charset the transport declares (HTTP or WARC `Content-Type`);
//! 4. for HTML, a `charset=` (`<meta charset>`, `http-equiv`) or XML `encoding=` in the first
//!    [`SNIFF_BYTES`] bytes: the first that is not UTF-8 (the bytes are not, so a UTF-8
//!    declaration is wrong or belongs to a wrapper, as in archived pages);
//! 5. else windows-1252 for HTML, as browsers do, and UTF-8 for plain text.
//!
//! Bytes invalid in the chosen charset become U+FFFD and a note (`invalid utf-8 decoded
//! lossily`, or the charset's name) says so; a transport charset `encoding_rs` does not know
//! is noted too. Nothing is dropped silently.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

/// What the bytes hold, which decides whether the markup may declare its own charset and
/// what an undeclared legacy charset is taken to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Content {
    /// An HTML page.
    Html,
    /// Plain text.
    Text,
}

/// How far into a page the charset declaration is looked for. The HTML standard says 1024
/// bytes; real pages put long comments and scripts first.
const SNIFF_BYTES: usize = 8192;

/// How many more valid multi-byte UTF-8 characters than invalid sequences make a text
/// UTF-8 with a few stray bytes.
const MIN_UTF8_RATIO: usize = 20;

/// The longest charset label quoted in a note.
const MAX_QUOTED_CHARS: usize = 40;

/// `bytes` without the UTF-8 byte order mark it may start with. For text read piece by
/// piece (a JSON Lines line, a WARC header line), where [`decode`] does not see the start.
pub(crate) fn without_utf8_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Decodes `bytes` (see the module docs for the order of evidence). `declared` is the
/// transport's charset label, if any. Returns the text, borrowed when the bytes were valid
/// UTF-8 without a byte order mark, and notes on what was guessed or replaced.
pub(crate) fn decode<'a>(
    bytes: &'a [u8],
    declared: Option<&str>,
    content: Content,
) -> (Cow<'a, str>, Vec<String>) {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        return decode_with(encoding, bytes.get(bom..).unwrap_or_default(), Vec::new());
    }
    let mut notes = Vec::new();
    let transport = declared.and_then(|label| {
        let known = Encoding::for_label(label.trim().as_bytes());
        if known.is_none() {
            notes.push(label.to_owned());
        }
        known
    });
    let (encoding, text) = choose(bytes, transport, content);
    // The unknown label, now that the charset used instead is known.
    for label in &mut notes {
        *label = format!(
            "unknown charset `{}`, decoded as {}",
            quote(label),
            encoding.name().to_ascii_lowercase()
        );
    }
    match text {
        Some(text) => (Cow::Borrowed(text), notes),
        None => decode_with(encoding, bytes, notes),
    }
}

/// [`decode`] for bytes the caller owns: valid UTF-8 becomes the text without a copy.
pub(crate) fn decode_owned(
    bytes: Vec<u8>,
    declared: Option<&str>,
    content: Content,
) -> (String, Vec<String>) {
    let bytes = if declared.is_none() && Encoding::for_bom(&bytes).is_none() {
        match String::from_utf8(bytes) {
            Ok(text) => return (text, Vec::new()),
            Err(err) => err.into_bytes(),
        }
    } else {
        bytes
    };
    let (text, notes) = decode(&bytes, declared, content);
    (text.into_owned(), notes)
}

/// The charset of bytes without a byte order mark, and the text itself when they are
/// valid UTF-8.
fn choose<'a>(
    bytes: &'a [u8],
    transport: Option<&'static Encoding>,
    content: Content,
) -> (&'static Encoding, Option<&'a str>) {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (UTF_8, Some(text));
    }
    let (valid, invalid) = utf8_sequences(bytes);
    if valid >= MIN_UTF8_RATIO.saturating_mul(invalid) {
        return (UTF_8, None);
    }
    if let Some(encoding) = transport.filter(|e| *e != UTF_8) {
        return (encoding, None);
    }
    let fallback = match content {
        Content::Html => WINDOWS_1252,
        Content::Text => return (UTF_8, None),
    };
    let head = bytes.get(..SNIFF_BYTES).unwrap_or(bytes);
    let declared = declared_charsets(head)
        .into_iter()
        .filter_map(Encoding::for_label)
        .find(|e| *e != UTF_8)
        .unwrap_or(fallback);
    // The HTML standard: a page cannot declare UTF-16 about itself in ASCII-compatible
    // bytes (UTF-8 instead), and `x-user-defined` in markup means windows-1252.
    let encoding = if declared == encoding_rs::X_USER_DEFINED {
        WINDOWS_1252
    } else {
        declared.output_encoding()
    };
    (encoding, None)
}

/// The valid multi-byte UTF-8 characters and the invalid sequences in `bytes`.
fn utf8_sequences(bytes: &[u8]) -> (usize, usize) {
    let (mut valid, mut invalid) = (0usize, 0usize);
    let mut rest = bytes;
    loop {
        let (good, next) = match std::str::from_utf8(rest) {
            Ok(text) => (text, None),
            Err(e) => {
                invalid += 1;
                let skip = e.valid_up_to() + e.error_len().unwrap_or(rest.len() - e.valid_up_to());
                let good = std::str::from_utf8(rest.get(..e.valid_up_to()).unwrap_or_default())
                    .unwrap_or_default();
                (good, Some(skip))
            }
        };
        valid += good.chars().filter(|c| !c.is_ascii()).count();
        match next {
            Some(skip) => rest = rest.get(skip..).unwrap_or_default(),
            None => break,
        }
        if rest.is_empty() {
            break;
        }
    }
    (valid, invalid)
}

fn decode_with<'a>(
    encoding: &'static Encoding,
    bytes: &'a [u8],
    mut notes: Vec<String>,
) -> (Cow<'a, str>, Vec<String>) {
    let (text, malformed) = encoding.decode_without_bom_handling(bytes);
    if malformed {
        notes.push(format!("invalid {} decoded lossily", encoding.name().to_ascii_lowercase()));
    }
    (text, notes)
}

/// The charset labels declared in the first bytes of a page, in order: `charset=` (in
/// `<meta charset>` or an `http-equiv` content type), then `encoding=` in an XML
/// declaration.
fn declared_charsets(head: &[u8]) -> Vec<&[u8]> {
    let lower: Vec<u8> = head.to_ascii_lowercase();
    let mut labels = Vec::new();
    for key in [&b"charset"[..], &b"encoding"[..]] {
        let mut from = 0;
        while let Some(pos) = memchr::memmem::find(lower.get(from..).unwrap_or_default(), key) {
            let mut i = from + pos + key.len();
            from = i;
            while lower.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
                i += 1;
            }
            if lower.get(i) != Some(&b'=') {
                continue;
            }
            i += 1;
            while lower.get(i).is_some_and(|b| b.is_ascii_whitespace() || *b == b'"' || *b == b'\'')
            {
                i += 1;
            }
            let start = i;
            while lower.get(i).is_some_and(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.')
            }) {
                i += 1;
            }
            if let Some(label) = head.get(start..i).filter(|l| !l.is_empty()) {
                labels.push(label);
            }
        }
    }
    labels
}

/// The value after `charset=` in a header value (`text/html; charset="koi8-r"`), without
/// quotes.
pub(crate) fn content_type_charset(value: &str) -> Option<String> {
    let text = value.as_bytes();
    let at = memchr::memmem::find(&text.to_ascii_lowercase(), b"charset")?;
    let after = text.get(at + b"charset".len()..)?.trim_ascii_start();
    let after = after.strip_prefix(b"=")?.trim_ascii_start();
    let after = after.strip_prefix(b"\"").or_else(|| after.strip_prefix(b"'")).unwrap_or(after);
    let end = after
        .iter()
        .position(|&b| {
            matches!(b, b'"' | b'\'' | b';' | b'>' | b'/' | b',') || b.is_ascii_whitespace()
        })
        .unwrap_or(after.len());
    let label = after.get(..end)?;
    (!label.is_empty()).then(|| String::from_utf8_lossy(label).into_owned())
}

/// A label quoted in a note: at most a few dozen characters.
fn quote(text: &str) -> String {
    let mut quoted: String = text.chars().take(MAX_QUOTED_CHARS).collect();
    if quoted.len() < text.len() {
        quoted.push('…');
    }
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8], declared: Option<&str>, content: Content) -> (String, Vec<String>) {
        let (text, notes) = decode(bytes, declared, content);
        (text.into_owned(), notes)
    }

    #[test]
    fn invalid_utf8_text_is_decoded_lossily_with_a_note() {
        let (text, notes) = decode_owned(b"caf\xe9 ok".to_vec(), None, Content::Text);
        assert_eq!(text, "caf\u{fffd} ok");
        assert_eq!(notes, vec!["invalid utf-8 decoded lossily"]);
    }

    #[test]
    fn undeclared_legacy_html_is_windows_1252() {
        let (text, notes) = text(b"<p>caf\xe9</p>", None, Content::Html);
        assert_eq!(text, "<p>café</p>");
        assert!(notes.is_empty());
    }

    #[test]
    fn byte_order_mark_wins_over_declared_charset() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "Привет".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let (text, notes) = decode_owned(bytes, Some("windows-1251"), Content::Text);
        assert_eq!(text, "Привет");
        assert!(notes.is_empty());
        let (text, _) =
            decode_owned(b"\xEF\xBB\xBFhi".to_vec(), Some("windows-1251"), Content::Text);
        assert_eq!(text, "hi");
    }

    #[test]
    fn declared_charset_is_honoured_and_unknown_labels_noted() {
        let (text, notes) =
            decode_owned(vec![0xcf, 0xf0, 0xe8], Some("windows-1251"), Content::Text);
        assert_eq!(text, "При");
        assert!(notes.is_empty());
        let (text, notes) = decode_owned(b"abc".to_vec(), Some("klingon-8"), Content::Text);
        assert_eq!(text, "abc");
        assert_eq!(notes, vec!["unknown charset `klingon-8`, decoded as utf-8"]);
    }

    #[test]
    fn declared_charsets_are_found() {
        let head = b"<?xml version='1.0' encoding='iso-8859-1'?><meta http-equiv=Content-Type \
                     content=\"text/html; charset=koi8-r\"><META CHARSET=utf-8>";
        let labels: Vec<&[u8]> = declared_charsets(head);
        assert_eq!(labels, [&b"koi8-r"[..], b"utf-8", b"iso-8859-1"]);
    }

    #[test]
    fn meta_charset_is_looked_for_past_the_first_kilobyte() {
        let mut page =
            format!("<!--{}--><meta charset=windows-1251><p>", " ".repeat(2000)).into_bytes();
        page.extend_from_slice(&[0xcf, 0xf0, 0xe8]);
        assert!(text(&page, None, Content::Html).0.ends_with("<p>При"));
        let far = format!("{}<meta charset=koi8-r>", " ".repeat(SNIFF_BYTES));
        assert!(declared_charsets(far.as_bytes().get(..SNIFF_BYTES).unwrap()).is_empty());
    }

    #[test]
    fn meta_charset_counts_only_in_html() {
        let mut page = b"<meta charset=windows-1251>".to_vec();
        page.extend_from_slice(&[0xcf, 0xf0, 0xe8]);
        assert!(text(&page, None, Content::Html).0.ends_with("При"));
        assert!(text(&page, None, Content::Text).0.ends_with("\u{fffd}\u{fffd}\u{fffd}"));
    }

    #[test]
    fn valid_utf8_wins_over_a_gb2312_declaration() {
        let page = "<meta charset=gb2312><p>中国经济</p>";
        assert_eq!(text(page.as_bytes(), None, Content::Html).0, page);
        assert_eq!(text(page.as_bytes(), Some("gb2312"), Content::Html).0, page);
    }

    #[test]
    fn a_wrong_utf8_declaration_gives_way_to_the_next() {
        let (bytes, _, _) = encoding_rs::GBK.encode("<p>一个约定</p>");
        let page = [&b"<meta charset=utf-8><meta charset=gbk>"[..], &bytes].concat();
        assert!(text(&page, None, Content::Html).0.contains("一个约定"));
    }

    #[test]
    fn a_stray_byte_leaves_a_utf8_page_utf8() {
        let page = format!("<meta charset=koi8-r><p>{}</p>", "Учёные нашли ".repeat(10));
        let mut bytes = page.into_bytes();
        bytes.push(0xff);
        let (text, notes) = text(&bytes, None, Content::Html);
        assert!(text.contains("Учёные нашли"));
        assert_eq!(notes, ["invalid utf-8 decoded lossily"]);
    }

    #[test]
    fn meta_claiming_utf16_means_utf8() {
        let (text, _) = text(b"<meta charset=utf-16>hi\xff", None, Content::Html);
        assert_eq!(text, "<meta charset=utf-16>hi\u{fffd}");
    }

    #[test]
    fn content_type_charset_is_read_in_any_spelling() {
        assert_eq!(
            content_type_charset("text/html; Charset=\"KOI8-R\"").as_deref(),
            Some("KOI8-R")
        );
        assert_eq!(content_type_charset("text/plain;charset=utf-8; x=y").as_deref(), Some("utf-8"));
        assert_eq!(content_type_charset("text/html"), None);
    }
}
