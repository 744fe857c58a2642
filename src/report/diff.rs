//! The word diff of a cluster member against its canonical member, computed when the report
//! is built so that the page only paints it.
//!
//! Why here and not in the page's script: the diff is then deterministic, tested beside the
//! code (a property test checks that the pieces rebuild both texts), and a page of 10,000
//! clusters never runs an O(N·D) loop in the browser. It costs little: the ops of one member
//! are a few numbers (a verbatim repost is one op), while both texts are in the page anyway
//! for the documents view.
//!
//! Words are maximal runs of non-whitespace; a word owns the whitespace after it (the first
//! word also the whitespace before it), so the pieces of the member tile its text exactly and
//! paragraph breaks survive. Offsets are in UTF-16 code units, the unit of a JavaScript
//! string, so the page slices the texts without tokenizing them again.
//!
//! The diff is Myers (from the `similar` crate, without a deadline so that the output never
//! depends on the machine's speed) in two passes, as line-oriented diff tools do: first over
//! lines, then over the words of each run of lines that differ. Reposts cut, add or edit whole
//! paragraphs, and Myers costs O((N+M)·D). On the dev set's 2,760 pairs (callgrind), one
//! Patience pass over words as strings took 3.1 billion instructions, 81 % of the report's
//! build; the two passes over numbered lines and words take 1.2 billion, and the whole
//! build 1.8 billion (0.2 s of CPU). Words and lines are compared as numbers ([`Differ`]).
//!
//! Texts longer than `max_words` are compared on their first `max_words` words only; the
//! rest of the member is one [`Op::Rest`] piece ("not compared"). That bounds the cost of a
//! pathological pair.

use std::collections::HashMap;

use serde::Serialize;
use similar::{Algorithm, DiffOp, capture_diff_slices};

/// What a piece of the diff is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// Words in both texts; the range is in the member.
    Same = 0,
    /// Words of the canonical text that the member cut; the range is in the canonical text.
    Cut = 1,
    /// Words the member added; the range is in the member.
    Added = 2,
    /// The end of a long member, not compared; the range is in the member.
    Rest = 3,
}

/// A member's diff against the canonical text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct WordDiff {
    /// Pieces as flat triples `[op, from, to, …]` (see [`Op`]), in reading order.
    pub(crate) ops: Vec<usize>,
    /// Words the member added.
    pub(crate) added: usize,
    /// Words of the canonical text the member cut.
    pub(crate) cut: usize,
    /// Whether a text was longer than `max_words` and compared on its first words only.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) partial: bool,
}

/// The words of a text, where each starts (in UTF-16 units) and the lines they make.
struct Words<'a> {
    words: Vec<&'a str>,
    /// `starts[i]` is where word `i` starts; one more entry holds the text's length.
    starts: Vec<usize>,
    /// Each line with words: its first word and its text from first to last word.
    lines: Vec<(usize, &'a str)>,
}

impl<'a> Words<'a> {
    fn of(text: &'a str) -> Words<'a> {
        let mut words = Vec::new();
        let mut starts = Vec::new();
        let mut lines = Vec::new();
        let mut at16 = 0usize;
        let mut word_start: Option<(usize, usize)> = None;
        // The current line's first word (index and byte offset), and its last word's end.
        let mut line: Option<(usize, usize, usize)> = None;
        let close_line = |line: &mut Option<(usize, usize, usize)>, lines: &mut Vec<_>| {
            if let Some((first, from, to)) = line.take() {
                lines.push((first, text.get(from..to).unwrap_or_default()));
            }
        };
        for (at, c) in text.char_indices() {
            match (c.is_whitespace(), word_start) {
                (false, None) => word_start = Some((at, at16)),
                (true, Some((from, from16))) => {
                    let index = words.len();
                    words.push(text.get(from..at).unwrap_or_default());
                    starts.push(from16);
                    word_start = None;
                    let first = line.map_or((index, from), |l| (l.0, l.1));
                    line = Some((first.0, first.1, at));
                }
                _ => {}
            }
            if c == '\n' {
                close_line(&mut line, &mut lines);
            }
            at16 = at16.saturating_add(c.len_utf16());
        }
        if let Some((from, from16)) = word_start {
            let index = words.len();
            words.push(text.get(from..).unwrap_or_default());
            starts.push(from16);
            let first = line.map_or((index, from), |l| (l.0, l.1));
            line = Some((first.0, first.1, text.len()));
        }
        close_line(&mut line, &mut lines);
        starts.push(at16);
        Words { words, starts, lines }
    }

    /// The UTF-16 range of words `from..to`, with their trailing whitespace (and the leading
    /// whitespace of the text for the first word).
    fn range(&self, from: usize, to: usize) -> (usize, usize) {
        let start = if from == 0 { 0 } else { self.starts.get(from).copied().unwrap_or(0) };
        let end = self.starts.get(to).copied().unwrap_or(start);
        (start, end)
    }

    /// The end of the whole text.
    fn end(&self) -> usize {
        self.starts.last().copied().unwrap_or(0)
    }

    /// The first word of each of the lines within the first `n` words, and `n` after them.
    /// A line cut by `n` counts as a line of its own (its text then matches no full line).
    fn line_starts(&self, n: usize) -> Vec<usize> {
        let mut starts: Vec<usize> =
            self.lines.iter().map(|l| l.0).take_while(|&first| first < n).collect();
        starts.push(n);
        starts
    }
}

/// The diff of `member` against `canonical`, comparing at most `max_words` words of each.
#[cfg(test)]
pub(crate) fn word_diff(canonical: &str, member: &str, max_words: usize) -> WordDiff {
    Differ::new(canonical, max_words).diff(member)
}

/// Diffs members against one canonical text, which is split into words once.
///
/// Words and lines are compared as numbers: each distinct word (line) of the canonical text
/// gets one, and every word (line) the canonical text lacks gets [`ABSENT`]: it can equal
/// nothing on the other side, which is all a diff asks of it.
pub(crate) struct Differ<'a> {
    old: Words<'a>,
    words: HashMap<&'a str, u32>,
    lines: HashMap<&'a str, u32>,
    old_words: Vec<u32>,
    old_line_starts: Vec<usize>,
    old_lines: Vec<u32>,
    max_words: usize,
}

/// The number of a member's word or line that the canonical text does not have.
const ABSENT: u32 = u32::MAX;

/// Numbers `items` in order of first appearance, in `numbers`.
fn number<'a>(
    items: impl Iterator<Item = &'a str>,
    numbers: &mut HashMap<&'a str, u32>,
) -> Vec<u32> {
    items
        .map(|item| {
            let next = u32::try_from(numbers.len()).unwrap_or(ABSENT - 1).min(ABSENT - 1);
            *numbers.entry(item).or_insert(next)
        })
        .collect()
}

/// The text of each line given by `starts` (see [`Words::line_starts`]): a line cut short
/// is given no text, so that it matches nothing.
fn line_texts<'w, 'a>(
    words: &'w Words<'a>,
    starts: &'w [usize],
) -> impl Iterator<Item = &'a str> + 'w {
    starts.windows(2).enumerate().map(move |(k, w)| {
        let full = words.lines.get(k).map(|l| l.1).unwrap_or_default();
        let next_line = words.lines.get(k + 1).map_or(words.words.len(), |l| l.0);
        if w[1] == next_line { full } else { "" }
    })
}

impl<'a> Differ<'a> {
    /// Prepares to diff against `canonical`, comparing at most `max_words` words of each.
    pub(crate) fn new(canonical: &'a str, max_words: usize) -> Differ<'a> {
        let old = Words::of(canonical);
        let n = old.words.len().min(max_words);
        let mut words = HashMap::new();
        let old_words = number(old.words.iter().take(n).copied(), &mut words);
        let old_line_starts = old.line_starts(n);
        let mut lines = HashMap::new();
        let old_lines = number(line_texts(&old, &old_line_starts), &mut lines);
        Differ { old, words, lines, old_words, old_line_starts, old_lines, max_words }
    }

    /// The diff of `member` against the canonical text.
    pub(crate) fn diff(&self, member: &str) -> WordDiff {
        let old = &self.old;
        let new = Words::of(member);
        let old_n = self.old_words.len();
        let new_n = new.words.len().min(self.max_words);
        let lookup =
            |numbers: &HashMap<&str, u32>, item: &str| numbers.get(item).copied().unwrap_or(ABSENT);
        let new_words: Vec<u32> =
            new.words.iter().take(new_n).map(|w| lookup(&self.words, w)).collect();
        let new_line_starts = new.line_starts(new_n);
        let new_lines: Vec<u32> = line_texts(&new, &new_line_starts)
            .map(|l| if l.is_empty() { ABSENT } else { lookup(&self.lines, l) })
            .collect();

        let mut out =
            Pieces { diff: WordDiff { ops: Vec::new(), added: 0, cut: 0, partial: false } };
        let old_at = |line: usize| self.old_line_starts.get(line).copied().unwrap_or(old_n);
        let new_at = |line: usize| new_line_starts.get(line).copied().unwrap_or(new_n);
        for op in capture_diff_slices(Algorithm::Myers, &self.old_lines, &new_lines) {
            match op {
                DiffOp::Equal { new_index, len, .. } => {
                    out.push(Op::Same, new.range(new_at(new_index), new_at(new_index + len)));
                }
                DiffOp::Delete { old_index, old_len, .. } => {
                    out.cut(old, old_at(old_index), old_at(old_index + old_len));
                }
                DiffOp::Insert { new_index, new_len, .. } => {
                    out.added(&new, new_at(new_index), new_at(new_index + new_len));
                }
                DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                    let (o0, o1) = (old_at(old_index), old_at(old_index + old_len));
                    let (n0, n1) = (new_at(new_index), new_at(new_index + new_len));
                    let old_part = self.old_words.get(o0..o1).unwrap_or_default();
                    let new_part = new_words.get(n0..n1).unwrap_or_default();
                    for op in capture_diff_slices(Algorithm::Myers, old_part, new_part) {
                        match op {
                            DiffOp::Equal { new_index, len, .. } => {
                                let from = n0 + new_index;
                                out.push(Op::Same, new.range(from, from + len));
                            }
                            DiffOp::Delete { old_index, old_len, .. } => {
                                out.cut(old, o0 + old_index, o0 + old_index + old_len);
                            }
                            DiffOp::Insert { new_index, new_len, .. } => {
                                out.added(&new, n0 + new_index, n0 + new_index + new_len);
                            }
                            DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                                out.cut(old, o0 + old_index, o0 + old_index + old_len);
                                out.added(&new, n0 + new_index, n0 + new_index + new_len);
                            }
                        }
                    }
                }
            }
        }
        let compared_to = if new_n == 0 { 0 } else { new.range(0, new_n).1 };
        if new_n < new.words.len() || old_n < old.words.len() {
            out.diff.partial = true;
            out.push(Op::Rest, (compared_to, new.end()));
        } else if new_n == 0 && new.end() > 0 {
            // A member of whitespace only: show it as it is.
            out.push(Op::Same, (0, new.end()));
        }
        out.diff
    }
}

struct Pieces {
    diff: WordDiff,
}

impl Pieces {
    /// Words `from..to` of the canonical text, cut.
    fn cut(&mut self, old: &Words<'_>, from: usize, to: usize) {
        self.diff.cut += to.saturating_sub(from);
        self.push(Op::Cut, old.range(from, to));
    }

    /// Words `from..to` of the member, added.
    fn added(&mut self, new: &Words<'_>, from: usize, to: usize) {
        self.diff.added += to.saturating_sub(from);
        self.push(Op::Added, new.range(from, to));
    }

    /// Appends a piece, merging it into the previous one when they are of one kind and touch.
    fn push(&mut self, op: Op, (from, to): (usize, usize)) {
        if from >= to {
            return;
        }
        let ops = &mut self.diff.ops;
        if let [.., last_op, _, last_to] = ops.as_mut_slice() {
            if *last_op == op as usize && *last_to == from {
                *last_to = to;
                return;
            }
        }
        ops.extend([op as usize, from, to]);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn slice16(text: &str, from: usize, to: usize) -> String {
        let units: Vec<u16> = text.encode_utf16().collect();
        String::from_utf16(&units[from..to]).unwrap()
    }

    /// (op, text) pieces, the way the page paints them.
    fn pieces(canonical: &str, member: &str, diff: &WordDiff) -> Vec<(usize, String)> {
        diff.ops
            .chunks(3)
            .map(|p| {
                let source = if p[0] == Op::Cut as usize { canonical } else { member };
                (p[0], slice16(source, p[1], p[2]))
            })
            .collect()
    }

    #[test]
    fn a_verbatim_repost_is_one_same_piece() {
        let text = "One two three.\n\nFour five.";
        let diff = word_diff(text, text, 100);
        assert_eq!(diff.ops, vec![0, 0, text.encode_utf16().count()]);
        assert_eq!((diff.added, diff.cut), (0, 0));
    }

    #[test]
    fn an_edit_shows_what_was_cut_and_added() {
        let canonical = "The mayor opened the bridge on Monday.";
        let member = "The mayor opened the new bridge on Tuesday.";
        let diff = word_diff(canonical, member, 100);
        let got = pieces(canonical, member, &diff);
        assert_eq!(
            got,
            vec![
                (0, "The mayor opened the ".into()),
                (2, "new ".into()),
                (0, "bridge on ".into()),
                (1, "Monday.".into()),
                (2, "Tuesday.".into()),
            ]
        );
        assert_eq!((diff.added, diff.cut), (2, 1));
    }

    #[test]
    fn offsets_count_utf16_units() {
        let canonical = "😀 Алматы метро";
        let member = "😀 Алматы новое метро";
        let diff = word_diff(canonical, member, 100);
        let got = pieces(canonical, member, &diff);
        assert_eq!(got[0], (0, "😀 Алматы ".into()));
        assert_eq!(got[1], (2, "новое ".into()));
    }

    #[test]
    fn a_long_member_is_compared_on_its_first_words_only() {
        let canonical = "a b c d e f";
        let member = "a b c d e f g h";
        let diff = word_diff(canonical, member, 3);
        let got = pieces(canonical, member, &diff);
        assert_eq!(got, vec![(0, "a b c ".into()), (3, "d e f g h".into())]);
    }

    #[test]
    fn empty_texts_give_no_pieces_or_only_additions() {
        assert!(word_diff("", "", 10).ops.is_empty());
        let diff = word_diff("", "new words", 10);
        assert_eq!(diff.ops, vec![2, 0, 9]);
        let diff = word_diff("old", "", 10);
        assert_eq!(diff.ops, vec![1, 0, 3]);
    }

    proptest! {
        #[test]
        fn pieces_rebuild_the_member_and_the_canonical_words(
            canonical in proptest::collection::vec("[a-c]{1,2}|ü|\n\n| ", 0..40),
            member in proptest::collection::vec("[a-c]{1,2}|ü|\n\n| ", 0..40),
            max_words in 1usize..50,
        ) {
            let canonical = canonical.concat();
            let member = member.concat();
            let diff = word_diff(&canonical, &member, max_words);
            let got = pieces(&canonical, &member, &diff);
            // The member's pieces tile the member.
            let rebuilt: String =
                got.iter().filter(|(op, _)| *op != 1).map(|(_, t)| t.as_str()).collect();
            prop_assert_eq!(rebuilt, member);
            // Same and cut words, in order, are the canonical's compared words.
            if !diff.partial {
                let old: Vec<&str> = got
                    .iter()
                    .filter(|(op, _)| *op < 2)
                    .flat_map(|(_, t)| t.split_whitespace())
                    .collect();
                prop_assert_eq!(old, canonical.split_whitespace().collect::<Vec<_>>());
            }
        }
    }
}
