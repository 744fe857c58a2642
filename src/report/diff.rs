//! The word diff of a cluster member against its canonical member, computed when the report
//! is built so that the page only paints it.
//!
//! Why here and not in the page's script: the diff is then deterministic, tested beside the
//! code (a property test checks that the pieces rebuild both texts), and a page of 10,000
//! clusters never runs an O(N·D) loop in the browser. It costs little: the ops of one member
//! are a few numbers (a verbatim repost is one op), while both texts are in the page anyway
//! for the documents view. Building the dev set's 2,760 diffs takes a fraction of the
//! report's build time (see the module docs of [`super`]).
//!
//! Words are maximal runs of non-whitespace; a word owns the whitespace after it (the first
//! word also the whitespace before it), so the pieces of the member tile its text exactly and
//! paragraph breaks survive. The diff is Patience (anchored on words that occur once on each
//! side, Myers between the anchors; from the `similar` crate, without a deadline so the output
//! never depends on the machine's speed). Offsets are in UTF-16 code units, the unit of a
//! JavaScript string, so the page slices the texts without tokenizing them again.
//!
//! Texts longer than `max_words` are compared on their first `max_words` words only; the
//! rest of the member is one [`Op::Rest`] piece ("not compared"). That bounds the cost of a
//! pathological pair: Myers is O((N+M)·D).

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

/// The words of a text and where each starts, in UTF-16 units.
struct Words<'a> {
    words: Vec<&'a str>,
    /// `starts[i]` is where word `i` starts; one more entry holds the text's length.
    starts: Vec<usize>,
}

impl<'a> Words<'a> {
    fn of(text: &'a str) -> Words<'a> {
        let mut words = Vec::new();
        let mut starts = Vec::new();
        let mut at16 = 0usize;
        let mut word_start: Option<(usize, usize)> = None;
        for (at, c) in text.char_indices() {
            match (c.is_whitespace(), word_start) {
                (false, None) => word_start = Some((at, at16)),
                (true, Some((from, from16))) => {
                    words.push(text.get(from..at).unwrap_or_default());
                    starts.push(from16);
                    word_start = None;
                }
                _ => {}
            }
            at16 = at16.saturating_add(c.len_utf16());
        }
        if let Some((from, from16)) = word_start {
            words.push(text.get(from..).unwrap_or_default());
            starts.push(from16);
        }
        starts.push(at16);
        Words { words, starts }
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
}

/// The diff of `member` against `canonical`, comparing at most `max_words` words of each.
pub(crate) fn word_diff(canonical: &str, member: &str, max_words: usize) -> WordDiff {
    let old = Words::of(canonical);
    let new = Words::of(member);
    let old_n = old.words.len().min(max_words);
    let new_n = new.words.len().min(max_words);
    let mut out = Pieces { diff: WordDiff { ops: Vec::new(), added: 0, cut: 0, partial: false } };
    let ops = capture_diff_slices(
        Algorithm::Patience,
        old.words.get(..old_n).unwrap_or_default(),
        new.words.get(..new_n).unwrap_or_default(),
    );
    for op in ops {
        match op {
            DiffOp::Equal { new_index, len, .. } => {
                out.push(Op::Same, new.range(new_index, new_index + len));
            }
            DiffOp::Delete { old_index, old_len, .. } => {
                out.diff.cut += old_len;
                out.push(Op::Cut, old.range(old_index, old_index + old_len));
            }
            DiffOp::Insert { new_index, new_len, .. } => {
                out.diff.added += new_len;
                out.push(Op::Added, new.range(new_index, new_index + new_len));
            }
            DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                out.diff.cut += old_len;
                out.diff.added += new_len;
                out.push(Op::Cut, old.range(old_index, old_index + old_len));
                out.push(Op::Added, new.range(new_index, new_index + new_len));
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

struct Pieces {
    diff: WordDiff,
}

impl Pieces {
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
