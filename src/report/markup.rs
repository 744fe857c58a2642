//! Scraped text into HTML, SVG and script data, escaped for where it lands.
//!
//! Every string of a run (titles, ids, sites, rule notes, error messages) is the scraper's
//! and may hold markup. The report puts such strings in two places only:
//!
//! - the static overview (HTML and inline SVG), through [`escape`], which replaces the five
//!   characters that can end a text node or an attribute value;
//! - the data blocks `<script type="application/json">`, through [`script_json`]. Inside a
//!   script element the HTML parser ends the element at the first `</script` and has comment
//!   states that start at `<!--`; both need a `<`. JSON only holds `<`, `>` and `&` inside
//!   strings, where `\u003c` means the same character, so replacing them (and U+2028/2029,
//!   which older JavaScript parsers took for line ends) keeps the JSON equal and leaves the
//!   parser nothing to see. The page reads the data with `JSON.parse` and paints it with
//!   `textContent`, never as markup.

use std::borrow::Cow;

/// `text` with `&`, `<`, `>`, `"` and `'` replaced by character references.
pub(crate) fn escape(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// JSON text made safe to sit inside `<script type="application/json">`.
pub(crate) fn script_json(json: &str) -> Cow<'_, str> {
    // Bytes, not chars: the three ASCII characters and the lead byte of U+2028/2029 are all
    // that is looked for, and each starts a character, so every cut is on a boundary.
    let bytes = json.as_bytes();
    let mut out: Option<String> = None;
    let mut start = 0;
    let mut at = 0;
    while at < bytes.len() {
        let (replacement, len) = match bytes[at] {
            b'<' => ("\\u003c", 1),
            b'>' => ("\\u003e", 1),
            b'&' => ("\\u0026", 1),
            0xE2 if bytes.get(at + 1) == Some(&0x80) && bytes.get(at + 2) == Some(&0xA8) => {
                ("\\u2028", 3)
            }
            0xE2 if bytes.get(at + 1) == Some(&0x80) && bytes.get(at + 2) == Some(&0xA9) => {
                ("\\u2029", 3)
            }
            _ => {
                at += 1;
                continue;
            }
        };
        let out = out.get_or_insert_with(|| String::with_capacity(json.len() + json.len() / 64));
        out.push_str(json.get(start..at).unwrap_or_default());
        out.push_str(replacement);
        at += len;
        start = at;
    }
    match out {
        None => Cow::Borrowed(json),
        Some(mut out) => {
            out.push_str(json.get(start..).unwrap_or_default());
            Cow::Owned(out)
        }
    }
}

/// At most `max` characters of `text`, with `…` when cut.
pub(crate) fn shorten(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((at, _)) => {
            let kept = text.get(..at).unwrap_or_default().trim_end();
            Cow::Owned(format!("{kept}…"))
        }
    }
}

/// A count with thin groups of three digits (`4,182`), as the overview shows numbers.
pub(crate) fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn escape_leaves_no_markup() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert!(matches!(escape("plain text"), Cow::Borrowed(_)));
    }

    #[test]
    fn script_json_cannot_close_the_script_element() {
        let json = serde_json::to_string("</script><!-- & \u{2028}").unwrap();
        let safe = script_json(&json);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        assert!(!safe.contains('\u{2028}'));
        let back: String = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, "</script><!-- & \u{2028}");
    }

    #[test]
    fn shorten_cuts_on_characters() {
        assert_eq!(shorten("Алматы метро", 6), "Алматы…");
        assert_eq!(shorten("short", 10), "short");
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(4182), "4,182");
        assert_eq!(count(1_234_567), "1,234,567");
    }

    proptest! {
        #[test]
        fn script_json_keeps_any_string(text in "\\PC{0,40}|[<>&/!\u{2028}\u{2029}-]{0,20}") {
            let json = serde_json::to_string(&text).unwrap();
            let safe = script_json(&json);
            prop_assert!(!safe.to_ascii_lowercase().contains("</script"));
            prop_assert!(!safe.contains("<!--"));
            let back: String = serde_json::from_str(&safe).unwrap();
            prop_assert_eq!(back, text);
        }
    }
}
