//! The numeric date and time patterns of [`super`], scanned by hand.
//!
//! A date line runs a handful of these patterns, and a regex search costs a thousand
//! instructions or more even on a 30-byte line (a pool, a forward and a reverse lazy-DFA
//! pass, then a backtracking pass for the groups), which made reading date lines a tenth of
//! the cleaning time. Each scanner here finds what its regex in [`super`] finds — the same
//! leftmost match, the same groups — on text whose digits are ASCII; the property tests hold
//! them to the regexes. Text with other digits (which `\d` matches too) goes to the regexes
//! here, so that callers need not know which ran.
//!
//! Every pattern opens with `(?:^|[^\d])` (or `[^\d:]`) and closes with `(?:[^\d]|$)`: those
//! characters are part of the match, which matters to [`times`], whose next search starts
//! after the character that closed the previous match.

use std::ops::Range;

use regex::Regex;

use super::{GLUED_TIME_COUNT, NUMERIC_DMY, NUMERIC_YMD, TIME};

/// Whether `text` has digits other than ASCII ones, which the scanners do not read.
pub(super) fn has_other_digits(text: &str) -> bool {
    !text.is_ascii() && text.chars().any(|c| !c.is_ascii() && c.is_numeric())
}

fn digit(b: &[u8], at: usize) -> bool {
    b.get(at).is_some_and(u8::is_ascii_digit)
}

/// Whether the byte at `at` may stand before a number: the start, or not a digit (nor one of
/// `also`).
fn opens(b: &[u8], at: usize, also: &[u8]) -> bool {
    at == 0 || !(b[at - 1].is_ascii_digit() || also.contains(&b[at - 1]))
}

/// Whether a number may end at `at`: the end of the text, or a character that is not a digit
/// (nor one of `also`).
fn closes(b: &[u8], at: usize, also: &[u8]) -> bool {
    b.get(at).is_none_or(|&c| !(c.is_ascii_digit() || also.contains(&c)))
}

/// `(\d{1,2})` followed by a byte of `then`, at `at`: the end of the digits.
fn one_or_two_then(b: &[u8], at: usize, then: &[u8]) -> Option<usize> {
    let next = |end: usize| b.get(end).is_some_and(|c| then.contains(c));
    if digit(b, at) && digit(b, at + 1) && next(at + 2) {
        Some(at + 2)
    } else if digit(b, at) && next(at + 1) {
        Some(at + 1)
    } else {
        None
    }
}

const DATE_SEPARATORS: &[u8] = b"-./";

/// `NUMERIC_YMD`: `2024-06-25`, `2024.6.5`; the spans of year, month and day.
pub(super) fn year_month_day(text: &str) -> Option<[Range<usize>; 3]> {
    if has_other_digits(text) {
        return groups(&NUMERIC_YMD, text);
    }
    let b = text.as_bytes();
    (0..b.len()).find_map(|year| {
        if !opens(b, year, b"") || !(year..year + 4).all(|i| digit(b, i)) {
            return None;
        }
        if !b.get(year + 4).is_some_and(|c| DATE_SEPARATORS.contains(c)) {
            return None;
        }
        let month = year + 5;
        let month_end = one_or_two_then(b, month, DATE_SEPARATORS)?;
        let day = month_end + 1;
        let day_end = [day + 2, day + 1]
            .into_iter()
            .find(|&end| (day..end).all(|i| digit(b, i)) && closes(b, end, b""))?;
        Some([year..year + 4, month..month_end, day..day_end])
    })
}

/// `NUMERIC_DMY`: `25.06.2024`, `5/6/24`; the spans of day, month and year.
pub(super) fn day_month_year(text: &str) -> Option<[Range<usize>; 3]> {
    if has_other_digits(text) {
        return groups(&NUMERIC_DMY, text);
    }
    let b = text.as_bytes();
    (0..b.len()).find_map(|day| {
        if !opens(b, day, b"") {
            return None;
        }
        let day_end = one_or_two_then(b, day, DATE_SEPARATORS)?;
        let month = day_end + 1;
        let month_end = one_or_two_then(b, month, DATE_SEPARATORS)?;
        let year = month_end + 1;
        let year_end = [year + 4, year + 2]
            .into_iter()
            .find(|&end| (year..end).all(|i| digit(b, i)) && closes(b, end, b""))?;
        Some([day..day_end, month..month_end, year..year_end])
    })
}

/// One match of `TIME`: its hour, minute and `a`/`p` spans, and where the match ends (after
/// the character that closed it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TimeMatch {
    pub(super) hour: Range<usize>,
    pub(super) minute: Range<usize>,
    pub(super) meridiem: Option<Range<usize>>,
    pub(super) end: usize,
}

/// The first match of `TIME` (`14:25`, `9:05:30`, `12:52 pm`, `5:30 a.m.`) whose opening
/// character is at `from` or after.
fn time_from(text: &str, from: usize) -> Option<TimeMatch> {
    let b = text.as_bytes();
    (from..b.len()).find_map(|hour| {
        // The character before the hour is part of the match: it must be at `from` or after.
        if hour == 0 && from > 0 || !opens(b, hour, b":") {
            return None;
        }
        let colon = one_or_two_then(b, hour, b":")?;
        let minute = colon + 1;
        if !(digit(b, minute) && digit(b, minute + 1)) {
            return None;
        }
        let minutes_end = minute + 2;
        let seconds_end = (b.get(minutes_end) == Some(&b':')
            && digit(b, minutes_end + 1)
            && digit(b, minutes_end + 2))
        .then_some(minutes_end + 3);
        // Greedy, as the regex: with the seconds first, then without; with `am`/`pm` first.
        for after in seconds_end.into_iter().chain([minutes_end]) {
            for (meridiem, end) in meridiems(text, after) {
                if closes(b, end, b":") {
                    let end = text[end..].chars().next().map_or(end, |c| end + c.len_utf8());
                    return Some(TimeMatch {
                        hour: hour..colon,
                        minute: minute..minute + 2,
                        meridiem,
                        end,
                    });
                }
            }
        }
        None
    })
}

/// The ways `(?:\s*([ap])\.?m\.?)?` can end at `at`, in the regex's order of preference: the
/// span of the `a`/`p` (if any) and where the part ends.
fn meridiems(text: &str, at: usize) -> impl Iterator<Item = (Option<Range<usize>>, usize)> {
    let b = text.as_bytes();
    let mut ways: [Option<(Option<Range<usize>>, usize)>; 3] = [None, None, None];
    let mut push = |way| {
        if let Some(slot) = ways.iter_mut().find(|w| w.is_none()) {
            *slot = Some(way);
        }
    };
    let rest = &text[at..];
    let letter = at + (rest.len() - rest.trim_start().len());
    if let Some(b'a' | b'p') = b.get(letter) {
        let dot = usize::from(b.get(letter + 1) == Some(&b'.'));
        if b.get(letter + 1 + dot) == Some(&b'm') {
            let m_end = letter + 2 + dot;
            if b.get(m_end) == Some(&b'.') {
                push((Some(letter..letter + 1), m_end + 1));
            }
            push((Some(letter..letter + 1), m_end));
        }
    }
    push((None, at));
    ways.into_iter().flatten()
}

/// Every match of `TIME`, as `captures_iter` gives them.
pub(super) fn times(text: &str) -> impl Iterator<Item = TimeMatch> + '_ {
    let other_digits = has_other_digits(text);
    let mut from = (!other_digits).then_some(0);
    let by_hand = std::iter::from_fn(move || {
        let found = time_from(text, from?)?;
        from = (found.end < text.len()).then_some(found.end);
        Some(found)
    });
    let by_regex = other_digits.then(|| TIME.captures_iter(text)).into_iter().flatten();
    by_hand.chain(by_regex.filter_map(|c| {
        Some(TimeMatch {
            hour: c.get(1)?.range(),
            minute: c.get(2)?.range(),
            meridiem: c.get(3).map(|m| m.range()),
            end: c.get(0)?.end(),
        })
    }))
}

/// The groups `1..=N` of the first match of `re` in `text`, if all took part.
fn groups<const N: usize>(re: &Regex, text: &str) -> Option<[Range<usize>; N]> {
    let c = re.captures(text)?;
    let spans: Vec<Range<usize>> = (1..=N).map_while(|i| c.get(i).map(|m| m.range())).collect();
    spans.try_into().ok()
}

/// `GLUED_TIME_COUNT`: `22:0024318`, a time and a count with no space between them; the spans
/// of hour, minute and count.
pub(super) fn glued_time_count(text: &str) -> Option<[Range<usize>; 3]> {
    if has_other_digits(text) {
        return groups(&GLUED_TIME_COUNT, text);
    }
    let b = text.as_bytes();
    (0..b.len()).find_map(|hour| {
        if !opens(b, hour, b":") {
            return None;
        }
        let colon = one_or_two_then(b, hour, b":")?;
        let minute = colon + 1;
        let tens = b.get(minute).is_some_and(|c| (b'0'..=b'5').contains(c));
        if !(tens && digit(b, minute + 1)) {
            return None;
        }
        let count = minute + 2;
        let digits = b[count.min(b.len())..].iter().take_while(|c| c.is_ascii_digit()).count();
        (1..=9).contains(&digits).then(|| [hour..colon, minute..count, count..count + digits])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Text made of the pieces the patterns turn on: digits, separators, colons, `a`, `p`,
    /// `m`, dots, spaces (ASCII and not), letters and a Cyrillic word.
    const PIECES: &str = "([0-9]{1,5}|[-./:, ]|\u{a0}|a|p|m|\\.|x|мая|am|p.m.){0,14}";

    proptest! {
        #[test]
        fn dates_agree_with_the_regexes(text in PIECES) {
            prop_assert_eq!(year_month_day(&text), groups::<3>(&NUMERIC_YMD, &text));
            prop_assert_eq!(day_month_year(&text), groups::<3>(&NUMERIC_DMY, &text));
            prop_assert_eq!(glued_time_count(&text), groups::<3>(&GLUED_TIME_COUNT, &text));
        }

        #[test]
        fn times_agree_with_the_regex(text in PIECES) {
            let expected: Vec<TimeMatch> = TIME
                .captures_iter(&text)
                .map(|c| TimeMatch {
                    hour: c.get(1).map(|m| m.range()).unwrap_or_default(),
                    minute: c.get(2).map(|m| m.range()).unwrap_or_default(),
                    meridiem: c.get(3).map(|m| m.range()),
                    end: c.get(0).map_or(0, |m| m.end()),
                })
                .collect();
            prop_assert_eq!(times(&text).collect::<Vec<_>>(), expected);
        }
    }

    #[test]
    fn reads_the_shapes_headers_print() {
        assert_eq!(year_month_day("2024-06-25 14:25"), Some([0..4, 5..7, 8..10]));
        assert_eq!(day_month_year("25.06.2024, 14:25"), Some([0..2, 3..5, 6..10]));
        assert_eq!(year_month_day("12024-06-25"), None);
        let t: Vec<TimeMatch> = times("12:52 p.m. EDT, 10:00 - 11:30:15").collect();
        assert_eq!(t.len(), 3);
        assert_eq!(t[0].meridiem, Some(6..7));
        assert_eq!((t[2].hour.clone(), t[2].minute.clone()), (24..26, 27..29));
        assert_eq!(glued_time_count("14.07.2025 | 22:0024318"), Some([13..15, 16..18, 18..23]));
        assert!(has_other_digits("١٢:٣٠"));
        assert!(!has_other_digits("12:30, 5 мая"));
    }
}
