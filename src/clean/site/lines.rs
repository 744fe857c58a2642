//! Lines as learning and applying see them: matching form, hash, evidence class, shape
//! (digits and calendar words masked) and the part of the page each stands in.

use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

use super::super::dates;
use super::config::SiteConfig;
use super::profile::{LineClass, PagePart};
use crate::normalize::{for_matching, word_count};

/// Seed of shape hashes, so a shape never collides with the line it came from.
const SHAPE_SEED: u64 = 0x5348_4150_455f_7631;

/// One line of a page, analysed.
#[derive(Debug)]
pub(super) struct LineInfo<'a> {
    /// The line's index in the text (split on `\n`).
    pub(super) index: usize,
    /// The line as printed (without a trailing `\r`).
    pub(super) raw: &'a str,
    pub(super) hash: u64,
    pub(super) class: LineClass,
    pub(super) words: u32,
    /// The shape hash, for fragments with digits.
    pub(super) shape: Option<u64>,
    /// The hash of the masked form of a short line: what block headers are followed by.
    pub(super) follower_key: u64,
}

/// The non-empty lines of a text, analysed.
pub(super) fn analyse<'a>(text: &'a str, config: &SiteConfig) -> Vec<LineInfo<'a>> {
    let mut out = Vec::new();
    for (index, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.trim().is_empty() {
            continue;
        }
        let matching = for_matching(raw);
        if matching.is_empty() {
            continue;
        }
        let n_words = u32::try_from(word_count(&matching)).unwrap_or(u32::MAX);
        let class = if n_words >= config.long_line_words {
            LineClass::Long
        } else if ends_sentence(&matching) {
            LineClass::Sentence
        } else {
            LineClass::Fragment
        };
        let hash = xxh3_64(matching.as_bytes());
        let (shape, follower_key) = if class == LineClass::Long {
            (None, 0)
        } else {
            let (masked, has_digit) = mask(&matching);
            let key = xxh3_64_with_seed(masked.as_bytes(), SHAPE_SEED);
            ((has_digit && class == LineClass::Fragment).then_some(key), key)
        };
        out.push(LineInfo { index, raw, hash, class, words: n_words, shape, follower_key });
    }
    out
}

/// Whether a line ends a sentence: `.` or `!`, maybe inside quotes or brackets. An
/// ellipsis (`...`, `…`) marks a cut title, not a sentence.
fn ends_sentence(matching: &str) -> bool {
    let trimmed = matching.trim_end_matches(['"', '\'', ')', ']', ' ']);
    trimmed.ends_with(['.', '!']) && !trimmed.ends_with("..")
}

/// The masked form of a matching-form line: digit runs → `0`, month and weekday names → `#`.
fn mask(matching: &str) -> (String, bool) {
    let mut out = String::with_capacity(matching.len());
    let mut has_digit = false;
    let mut rest = matching;
    while let Some(c) = rest.chars().next() {
        if c.is_numeric() {
            has_digit = true;
            out.push('0');
            rest = rest.trim_start_matches(char::is_numeric);
        } else if c.is_alphabetic() {
            let end = rest.find(|c: char| !c.is_alphabetic()).unwrap_or(rest.len());
            let word = &rest[..end];
            out.push_str(if dates::is_month_or_weekday(word) { "#" } else { word });
            rest = &rest[end..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    (out, has_digit)
}

/// The part of the page of every line, from which lines are anchors.
pub(super) fn parts_of(anchors: &[bool]) -> Vec<PagePart> {
    let first = anchors.iter().position(|&a| a);
    let last = anchors.iter().rposition(|&a| a);
    let n = anchors.len();
    (0..n)
        .map(|i| match (first, last) {
            (Some(f), Some(_)) if i < f => PagePart::Head,
            (Some(_), Some(l)) if i > l => PagePart::Tail,
            (Some(_), Some(_)) => PagePart::Middle,
            _ if 2 * i < n => PagePart::Head,
            _ => PagePart::Tail,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_mask_digits_and_calendar_words() {
        let shape = |s: &str| mask(&for_matching(s)).0;
        assert_eq!(shape("Tuesday 22 February 2005"), shape("Sunday 01 May 2024"));
        assert_eq!(shape("Comments (172)"), "comments (0)");
        assert_eq!(shape("Опубликовано 12 марта 2024, 10:15"), "опубликовано 0 # 0, 0:0");
        assert_ne!(shape("Published 2005-03-04 04:30"), shape("Updated 2005-03-04 04:30"));
    }
}
