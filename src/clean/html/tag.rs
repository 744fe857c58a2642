//! One tag read as the HTML tokenizer reads it: its name, where it ends and where each of its
//! attributes starts.
//!
//! The pre-parse pass ([`super::strip`]) counts and rewrites tags before html5ever sees
//! them, so it must agree with html5ever on where a tag ends: a `>` inside a quoted value
//! (`title="a > b"`) does not end it, and attributes hidden behind such a `>` still cost the
//! tokenizer. [`scan`] follows the tokenizer's states from the tag name to the closing `>`
//! (HTML Living Standard, 13.2.5.8–13.2.5.40), and only those.

/// What [`scan`] found in one tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Tag {
    /// The byte after the closing `>`.
    pub(super) end: usize,
    /// Where the attribute past the first `max_attributes` starts, when there is one.
    pub(super) excess_from: Option<usize>,
    /// How many attributes the tag holds (duplicates included).
    pub(super) attributes: usize,
    /// Whether the tag ends with `/>`.
    pub(super) self_closing: bool,
}

/// The tokenizer's states inside a tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    TagName,
    BeforeAttributeName,
    AttributeName,
    AfterAttributeName,
    BeforeAttributeValue,
    UnquotedValue,
    AfterQuotedValue,
    SelfClosing,
}

/// HTML's whitespace inside tags (a carriage return is a line feed by then).
fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

/// Reads the tag whose name starts at `name_start` (just after `<` or `</`), counting its
/// attributes and noting where attribute `max_attributes + 1` starts. `None` when the page
/// ends inside the tag: the tokenizer then drops it, and nothing after it is a tag either.
pub(super) fn scan(bytes: &[u8], name_start: usize, max_attributes: usize) -> Option<Tag> {
    let mut tag = Tag { end: 0, excess_from: None, attributes: 0, self_closing: false };
    let mut state = State::TagName;
    let mut at = name_start;
    loop {
        let b = *bytes.get(at)?;
        // `next` is the state for the next byte; `reconsume` keeps the byte for it.
        let (next, reconsume) = match state {
            State::TagName => match b {
                b'>' => break,
                b'/' => (State::SelfClosing, false),
                _ if is_space(b) => (State::BeforeAttributeName, false),
                _ => (State::TagName, false),
            },
            State::BeforeAttributeName => match b {
                b'/' | b'>' => (State::AfterAttributeName, true),
                _ if is_space(b) => (State::BeforeAttributeName, false),
                // `=` here starts a name too.
                _ => {
                    tag.start_attribute(at, max_attributes);
                    (State::AttributeName, false)
                }
            },
            State::AttributeName => match b {
                b'/' | b'>' => (State::AfterAttributeName, true),
                b'=' => (State::BeforeAttributeValue, false),
                _ if is_space(b) => (State::AfterAttributeName, true),
                _ => (State::AttributeName, false),
            },
            State::AfterAttributeName => match b {
                b'>' => break,
                b'/' => (State::SelfClosing, false),
                b'=' => (State::BeforeAttributeValue, false),
                _ if is_space(b) => (State::AfterAttributeName, false),
                _ => {
                    tag.start_attribute(at, max_attributes);
                    (State::AttributeName, false)
                }
            },
            State::BeforeAttributeValue => match b {
                b'>' => break,
                b'"' | b'\'' => {
                    // A quoted value runs to its quote, `>` and all.
                    let close = memchr::memchr(b, bytes.get(at + 1..)?)?;
                    at += 1 + close;
                    (State::AfterQuotedValue, false)
                }
                _ if is_space(b) => (State::BeforeAttributeValue, false),
                _ => (State::UnquotedValue, false),
            },
            State::UnquotedValue => match b {
                b'>' => break,
                _ if is_space(b) => (State::BeforeAttributeName, false),
                _ => (State::UnquotedValue, false),
            },
            State::AfterQuotedValue => match b {
                b'>' => break,
                b'/' => (State::SelfClosing, false),
                _ if is_space(b) => (State::BeforeAttributeName, false),
                _ => (State::BeforeAttributeName, true),
            },
            State::SelfClosing => match b {
                b'>' => {
                    tag.self_closing = true;
                    break;
                }
                _ => (State::BeforeAttributeName, true),
            },
        };
        state = next;
        if !reconsume {
            at += 1;
        }
    }
    tag.end = at + 1;
    Some(tag)
}

impl Tag {
    fn start_attribute(&mut self, at: usize, max_attributes: usize) {
        self.attributes += 1;
        if self.attributes == max_attributes + 1 {
            self.excess_from = Some(at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_str(tag: &str, max: usize) -> Option<Tag> {
        scan(tag.as_bytes(), 1, max)
    }

    #[test]
    fn a_quoted_greater_than_sign_does_not_end_the_tag() {
        let tag = scan_str(r#"<div title="a > b" class='x>y' id=z>rest"#, 10).unwrap();
        assert_eq!(tag.end, r#"<div title="a > b" class='x>y' id=z>"#.len());
        assert_eq!(tag.attributes, 3);
        assert_eq!(tag.excess_from, None);
    }

    #[test]
    fn valueless_and_glued_attributes_are_counted_as_the_tokenizer_counts_them() {
        // `b="1"c` starts `c` without a space; `c =x` gives `c` a value; `/` between names
        // is skipped.
        let tag = scan_str(r#"<p a b="1"c =x d/e>"#, 10).unwrap();
        assert_eq!(tag.attributes, 5);
        assert!(!tag.self_closing);
        // An `=` where a name should start is one.
        assert_eq!(scan_str("<p =x>", 10).unwrap().attributes, 1);
    }

    #[test]
    fn the_first_excess_attribute_is_found() {
        let page = "<div a0 a1 a2 a3/>";
        let tag = scan_str(page, 2).unwrap();
        assert_eq!(tag.attributes, 4);
        assert_eq!(tag.excess_from, Some(page.find("a2").unwrap()));
        assert!(tag.self_closing);
        assert_eq!(tag.end, page.len());
    }

    #[test]
    fn a_tag_cut_by_the_end_of_the_page_is_none() {
        assert_eq!(scan_str("<div title=\"never closed>", 10), None);
        assert_eq!(scan_str("<div a b", 10), None);
    }
}
