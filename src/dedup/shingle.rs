//! Step 5a: the words and word n-gram shingles of a cleaned text.
//!
//! Everything that compares two texts (MinHash, SimHash, passage keys, the exact check) starts
//! from the same sequence of **word hashes**: the words of the matching form of each line
//! ([`crate::normalize::fold_into`] then [`crate::normalize::words`]), each hashed with xxh3
//! and the fixed seed [`WORD_SEED`]. Matching form means a repost that swapped quotes, dashes,
//! NBSPs or look-alike letters still has the same words.
//!
//! A **shingle** is `n` consecutive words ([`DEFAULT_SHINGLE_WORDS`] = 5, as in the baselines
//! of `ANCHORS.md` §2: 5-grams are long enough that two different stories rarely share one by
//! chance, short enough that an edited word breaks only five of them). Shingles are *rolled*
//! over the word hashes — a polynomial hash updated with one multiply-add per word, then
//! finalised with a 64-bit mixer — instead of rehashing `n` words of text each time, which is
//! what makes shingling cheaper than reading the text. A text with fewer than `n` words has one
//! shingle of all its words; an empty text has none.
//!
//! Words are taken line by line: a line is a paragraph (`Cleaned::text` separates paragraphs
//! with blank lines, scraped text puts one per line), and the word index where each paragraph
//! starts is kept, for the passage keys of [`crate::dedup::lsh`] and because **shingles stay
//! inside their paragraph**: a paragraph of fewer than `n` words is one shingle of all its
//! words. Leftovers that survive cleaning come as whole lines (a date line, `Read the full
//! story at …`, a teaser title), and a shingle that spans the border between such a line and
//! the article belongs to neither. Rolling across lines, each leftover line costs its own
//! shingles plus `n − 1` at each border; on a 30-word teaser with three leftover lines that is
//! the difference between containment 0.85 and 0.45 in its original (measured on the dev set:
//! lead-teaser recall 0.89 with shingles across lines, see `lsh` for the figures now).
//!
//! # Format
//!
//! [`WORD_SEED`], [`ROLL_BASE`] and the finaliser are part of the stored format: changing any
//! of them changes every signature and bumps [`crate::dedup::FORMAT_VERSION`].
//!
//! # Cost
//!
//! One pass over the bytes with a class table: plain ASCII words (most of English news, and the
//! digits and punctuation of any language) are hashed where they stand; they are exactly the
//! words of the matching form (a property test checks it against the slow path). Any token
//! with other bytes goes through [`crate::normalize::fold_into`] into a reused buffer; a line
//! with a `<` goes through it whole.

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::normalize::{fold_into, words};

/// Seed of the xxh3 hash of each word (its bytes in the matching form). Part of the format.
pub(crate) const WORD_SEED: u64 = 0x636c_6561_6e2d_6e65; // "clean-ne"

/// Multiplier of the rolling polynomial over word hashes: odd, so every power of it is
/// invertible modulo 2^64 and a change in any one word always changes the shingle. Part of the
/// format (the 64-bit golden ratio).
pub(crate) const ROLL_BASE: u64 = 0x9e37_79b9_7f4a_7c15;

/// The default number of words in a shingle.
pub(crate) const DEFAULT_SHINGLE_WORDS: usize = 5;

/// The most words a shingle may have: longer shingles only lose recall (one edit breaks `n`
/// of them) and the rolling hash is tested up to here.
pub(crate) const MAX_SHINGLE_WORDS: usize = 16;

/// The word hashes of one text, in order, and where each paragraph starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Words {
    hashes: Vec<u64>,
    /// Word index where each non-empty paragraph starts.
    starts: Vec<u32>,
}

impl Words {
    /// The words of `text`.
    pub(crate) fn of(text: &str) -> Words {
        let mut words = Words::default();
        words.fill(text, &mut String::new(), &mut Vec::new());
        words
    }

    /// Replaces the contents with the words of `text`, reusing the allocations of `self` and
    /// of the two scratch buffers.
    pub(crate) fn fill(&mut self, text: &str, folded: &mut String, lower: &mut Vec<u8>) {
        self.hashes.clear();
        self.starts.clear();
        let mut start = 0;
        let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain(std::iter::once(text.len()));
        for end in ends {
            // `\n` is ASCII: both ends are on char boundaries.
            let line = text.get(start..end).unwrap_or_default();
            start = end + 1;
            let before = self.hashes.len();
            push_line_words(line, folded, lower, &mut self.hashes);
            if self.hashes.len() > before {
                self.starts.push(u32::try_from(before).unwrap_or(u32::MAX));
            }
        }
    }

    /// The word hashes, in text order.
    pub(crate) fn hashes(&self) -> &[u64] {
        &self.hashes
    }

    /// Calls `each(end, hash)` for every `n`-word shingle, paragraph by paragraph in text order
    /// (duplicates included), where `end` is the index of the word after the shingle.
    pub(crate) fn shingles(&self, n: usize, mut each: impl FnMut(usize, u64)) {
        let n = n.clamp(1, MAX_SHINGLE_WORDS);
        for range in self.paragraphs() {
            let start = range.start;
            let mut end = start + n.min(range.len());
            roll(&self.hashes[range], n, |h| {
                each(end, h);
                end += 1;
            });
        }
    }

    /// The word range of each non-empty paragraph (line), in order.
    pub(crate) fn paragraphs(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        let total = self.hashes.len();
        self.starts.iter().enumerate().map(move |(i, &start)| {
            let end = self.starts.get(i + 1).map_or(total, |&next| next as usize);
            start as usize..end
        })
    }
}

/// The hash of one word of the matching form.
pub(crate) fn hash_word(word: &str) -> u64 {
    xxh3_64_with_seed(word.as_bytes(), WORD_SEED)
}

/// The sorted, deduplicated shingle set of `text`, with `n`-word shingles.
///
/// `n` is clamped to `1..=MAX_SHINGLE_WORDS` (16).
pub fn shingles(text: &str, n: usize) -> Vec<u64> {
    let words = Words::of(text);
    let mut out = Vec::with_capacity(words.hashes().len());
    words.shingles(n, |_, h| out.push(h));
    sort_dedup(&mut out, &mut Vec::new());
    out
}

/// Sorts and deduplicates hashes. Hashes are uniform, so scattering them by their top byte
/// (a counting sort) leaves them nearly sorted, with buckets of one or two values for a news
/// article, and one insertion-sort pass finishes the job: about three times faster than
/// `sort_unstable` at 300 values. When a bucket is not small (crafted input can make one),
/// `sort_unstable` does it instead.
pub(crate) fn sort_dedup(values: &mut Vec<u64>, scratch: &mut Vec<u64>) {
    /// Below this many values a comparison sort is as fast.
    const SMALL: usize = 64;
    /// Largest bucket left to insertion sort.
    const BUCKET: usize = 16;
    if values.len() <= SMALL {
        values.sort_unstable();
        values.dedup();
        return;
    }
    let mut start = [0usize; 257];
    for &v in values.iter() {
        start[(v >> 56) as usize + 1] += 1;
    }
    if start.iter().any(|&count| count > BUCKET) {
        values.sort_unstable();
        values.dedup();
        return;
    }
    for b in 1..257 {
        start[b] += start[b - 1];
    }
    scratch.clear();
    scratch.resize(values.len(), 0);
    for &v in values.iter() {
        let slot = &mut start[(v >> 56) as usize];
        scratch[*slot] = v;
        *slot += 1;
    }
    // Every value is at most BUCKET places from where it belongs.
    for i in 1..scratch.len() {
        let v = scratch[i];
        let mut j = i;
        while j > 0 && scratch[j - 1] > v {
            scratch[j] = scratch[j - 1];
            j -= 1;
        }
        scratch[j] = v;
    }
    values.clear();
    for &v in scratch.iter() {
        if values.last() != Some(&v) {
            values.push(v);
        }
    }
}

/// Calls `each` with the hash of every `n`-word shingle of `word_hashes`, in text order
/// (duplicates included). Fewer than `n` words give one shingle of all of them.
pub(crate) fn roll(word_hashes: &[u64], n: usize, mut each: impl FnMut(u64)) {
    let n = n.clamp(1, MAX_SHINGLE_WORDS);
    if word_hashes.is_empty() {
        return;
    }
    if word_hashes.len() < n {
        each(finish(poly(word_hashes), word_hashes.len()));
        return;
    }
    // H(i) = sum_j w[i+j] * B^(n-1-j); H(i+1) = (H(i) - w[i] * B^(n-1)) * B + w[i+n].
    let top = ROLL_BASE.wrapping_pow(u32::try_from(n - 1).unwrap_or(0));
    let mut h = poly(&word_hashes[..n]);
    each(finish(h, n));
    for (&out, &inp) in word_hashes.iter().zip(&word_hashes[n..]) {
        h = h.wrapping_sub(out.wrapping_mul(top)).wrapping_mul(ROLL_BASE).wrapping_add(inp);
        each(finish(h, n));
    }
}

fn poly(word_hashes: &[u64]) -> u64 {
    word_hashes.iter().fold(0u64, |h, &w| h.wrapping_mul(ROLL_BASE).wrapping_add(w))
}

/// Mixes the polynomial and the window length into the final shingle hash (the murmur3
/// 64-bit finaliser: a bijection, so it adds no collisions, and it spreads every input bit
/// over the high bits that MinHash bins use).
fn finish(h: u64, len: usize) -> u64 {
    mix64(h ^ (len as u64).wrapping_mul(0xff51_afd7_ed55_8ccd))
}

/// The murmur3 64-bit finaliser.
pub(crate) fn mix64(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^= x >> 33;
    x
}

/// How the word scanner treats a byte.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// White space that always ends a word in the matching form (`\n` never reaches here).
    Space,
    /// A letter, digit or apostrophe whose matching form is itself: `a-z 0-9 '`.
    Word,
    /// A letter whose matching form differs (`A-Z`, and the backtick, an apostrophe).
    WordToFold,
    /// Printable ASCII that separates words and folds to itself.
    Punct,
    /// Anything the matching form may change: non-ASCII, `&` (an entity), control characters.
    Token,
    /// `<`: a tag, which may span white space.
    Line,
}

const CLASS: [Class; 256] = {
    let mut table = [Class::Token; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = match b as u8 {
            b' ' | b'\t' | b'\r' | 0x0b | 0x0c => Class::Space,
            b'a'..=b'z' | b'0'..=b'9' | b'\'' => Class::Word,
            b'A'..=b'Z' | b'`' => Class::WordToFold,
            b'<' => Class::Line,
            b'&' => Class::Token,
            b'!'..=b'~' => Class::Punct,
            _ => Class::Token,
        };
        b += 1;
    }
    table
};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// For eight bytes at once (SWAR, little-endian): the high bit of each byte that is a word byte
/// (`Class::Word` or `Class::WordToFold`), and of each that needs folding (`A-Z`, backtick).
#[inline]
fn classify8(x: u64) -> (u64, u64) {
    // Range tests on the low 7 bits cannot carry across bytes; non-ASCII bytes are masked out.
    let ascii = !x & HIGH;
    let low = x & !HIGH;
    let at_least = |lo: u8| (low + ONES * u64::from(0x80 - lo)) & HIGH;
    let above = |hi: u8| (low + ONES * u64::from(0x7f - hi)) & HIGH;
    let within = |lo: u8, hi: u8| at_least(lo) & !above(hi);
    let equal = |c: u8| {
        let t = low ^ (ONES * u64::from(c));
        !((t + ONES * 0x7f) | t) & HIGH
    };
    let fold = within(b'A', b'Z') | equal(b'`');
    let word = within(b'a', b'z') | within(b'0', b'9') | equal(b'\'') | fold;
    (word & ascii, fold & ascii)
}

/// Appends the hashes of the words of one line.
///
/// One pass over the bytes: plain ASCII words are hashed where they stand (copied only to
/// lower-case them). A token (text between ASCII white space) holding anything the matching
/// form may change goes through [`fold_into`] alone, its words found so far taken back: folding
/// carries no state across white space, so the words are those of folding the whole line. A
/// `<` may open a tag that spans white space: the whole line is folded then.
fn push_line_words(line: &str, folded: &mut String, lower: &mut Vec<u8>, out: &mut Vec<u64>) {
    let bytes = line.as_bytes();
    let line_mark = out.len();
    let mut i = 0;
    let mut token_start = 0;
    let mut token_mark = out.len();
    while i < bytes.len() {
        match CLASS[usize::from(bytes[i])] {
            Class::Space => {
                i += 1;
                token_start = i;
                token_mark = out.len();
            }
            Class::Punct => i += 1,
            Class::Word | Class::WordToFold => {
                let start = i;
                let mut to_fold = false;
                // Eight bytes at a time while they are all word bytes, then byte by byte.
                let mut ended = false;
                while let Some(chunk) =
                    bytes.get(i..i + 8).and_then(|c| <[u8; 8]>::try_from(c).ok())
                {
                    let (word, fold) = classify8(u64::from_le_bytes(chunk));
                    let len = ((!word & HIGH).trailing_zeros() / 8) as usize;
                    let prefix = if len >= 8 { u64::MAX } else { (1u64 << (8 * len)) - 1 };
                    to_fold |= fold & prefix != 0;
                    i += len;
                    if len < 8 {
                        ended = true;
                        break;
                    }
                }
                while let Some(&b) = bytes.get(i).filter(|_| !ended) {
                    match CLASS[usize::from(b)] {
                        Class::Word => {}
                        Class::WordToFold => to_fold = true,
                        _ => break,
                    }
                    i += 1;
                }
                push_ascii_word(&bytes[start..i], to_fold, lower, out);
            }
            Class::Token => {
                let end = bytes[i..]
                    .iter()
                    .position(|&b| CLASS[usize::from(b)] == Class::Space)
                    .map_or(bytes.len(), |p| i + p);
                if bytes[i..end].contains(&b'<') {
                    out.truncate(line_mark);
                    push_folded_words(line, folded, out);
                    return;
                }
                out.truncate(token_mark);
                if let Some(token) = line.get(token_start..end) {
                    push_folded_words(token, folded, out);
                }
                i = end;
            }
            Class::Line => {
                out.truncate(line_mark);
                push_folded_words(line, folded, out);
                return;
            }
        }
    }
}

/// The words of the matching form of `text`.
fn push_folded_words(text: &str, folded: &mut String, out: &mut Vec<u64>) {
    folded.clear();
    fold_into(text, folded, None);
    out.extend(words(folded).map(hash_word));
}

/// Hashes one run of ASCII letters, digits and apostrophes: apostrophes trimmed from both
/// ends, lower case (copied to `lower` only when `to_fold`).
fn push_ascii_word(word: &[u8], to_fold: bool, lower: &mut Vec<u8>, out: &mut Vec<u64>) {
    let edges_are_letters = match (word.first(), word.last()) {
        (Some(&first), Some(&last)) => !is_apostrophe(first) && !is_apostrophe(last),
        _ => return,
    };
    let word = if edges_are_letters {
        word
    } else {
        let start = word.iter().position(|&b| !is_apostrophe(b)).unwrap_or(word.len());
        let end = word.iter().rposition(|&b| !is_apostrophe(b)).map_or(start, |e| e + 1);
        match word.get(start..end) {
            Some(w) if !w.is_empty() => w,
            _ => return,
        }
    };
    if to_fold {
        lower.clear();
        lower.extend(word.iter().map(|&b| if b == b'`' { b'\'' } else { b.to_ascii_lowercase() }));
        out.push(xxh3_64_with_seed(lower, WORD_SEED));
    } else {
        out.push(xxh3_64_with_seed(word, WORD_SEED));
    }
}

fn is_apostrophe(b: u8) -> bool {
    b == b'\'' || b == b'`'
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The example of `Words`, a unit test now that the module is internal.
    #[test]
    fn example_of_words() {
        use crate::dedup::shingle::Words;

        let words = Words::of("First “paragraph” here.\n\nSecond one.");
        assert_eq!(words.hashes().len(), 5);
        assert_eq!(words.paragraphs().collect::<Vec<_>>(), [0..3, 3..5]);
    }

    /// The example of `shingles`, a unit test now that the module is internal.
    #[test]
    fn example_of_shingles() {
        use crate::dedup::shingle::shingles;

        let a = shingles("The minister said on Monday that the plan would go ahead.", 5);
        let b = shingles("THE MINISTER SAID ON MONDAY that the plan would go ahead!", 5);
        assert_eq!(a, b);
        assert_eq!(a.len(), 7);
    }

    /// The obvious implementation: fold every line, split into words, hash the n-grams' text.
    fn slow_words(text: &str) -> Vec<u64> {
        text.split('\n')
            .flat_map(|line| {
                let mut folded = String::new();
                fold_into(line, &mut folded, None);
                words(&folded).map(hash_word).collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn ascii_fast_path_gives_the_words_of_the_matching_form() {
        let line = "It's `quoted' -- 'tis O'Brien's 4.3bn (rupees) ''' don't!";
        assert_eq!(Words::of(line).hashes(), slow_words(line));
    }

    #[test]
    fn tokens_the_fast_path_cannot_take_give_the_folded_words() {
        for line in [
            "Costs £80m, says café owner",
            "80m£ and abc&amp;def &nbsp;x",
            "a <b class=\"x y\">bold</b> word",
            "Tекст\u{a0}mixed and ctrl\u{1}char",
            "O’Brien’s `quoted' ''' 'tis",
        ] {
            assert_eq!(Words::of(line).hashes(), slow_words(line), "{line}");
        }
    }

    #[test]
    fn classify8_agrees_with_the_class_table_for_every_byte() {
        for b in 0..=255u8 {
            for at in 0..8 {
                for filler in [b'a', b'Z', b' ', 0xc3] {
                    let mut bytes = [filler; 8];
                    bytes[at] = b;
                    let (word, fold) = classify8(u64::from_le_bytes(bytes));
                    let bit = 0x80u64 << (8 * at);
                    let class = CLASS[usize::from(b)];
                    assert_eq!(
                        word & bit != 0,
                        matches!(class, Class::Word | Class::WordToFold),
                        "{b}"
                    );
                    assert_eq!(fold & bit != 0, class == Class::WordToFold, "{b}");
                }
            }
        }
    }

    #[test]
    fn folds_typography_before_hashing() {
        assert_eq!(
            Words::of("“Don’t” — said\u{a0}Mr Smith"),
            Words::of("\"don't\" - said mr smith")
        );
    }

    #[test]
    fn paragraphs_skip_blank_lines() {
        let words = Words::of("\n\none two\n  \n\nthree\n");
        assert_eq!(words.paragraphs().collect::<Vec<_>>(), [0..2, 2..3]);
    }

    #[test]
    fn a_text_shorter_than_n_has_one_shingle() {
        assert_eq!(shingles("two words", 5).len(), 1);
        assert_ne!(shingles("two words", 5), shingles("two", 5));
        assert!(shingles(" ,. ", 5).is_empty());
    }

    #[test]
    fn shingles_stay_inside_their_paragraph() {
        // 6 + 2 words: two shingles in the first paragraph, one short one in the second.
        assert_eq!(shingles("a b c d e f\nread more", 5).len(), 3);
        let article = shingles("a b c d e f", 5);
        let with_leftover = shingles("a b c d e f\n\nLast updated today", 5);
        assert!(article.iter().all(|h| with_leftover.contains(h)));
    }

    #[test]
    fn shingles_are_order_sensitive() {
        assert_ne!(shingles("a b c d e", 5), shingles("a b c e d", 5));
        assert_eq!(shingles("a b c d e f", 5).len(), 2);
    }

    proptest! {
        #[test]
        fn sort_dedup_equals_sort_then_dedup(mut values in proptest::collection::vec(any::<u64>(), 0..600),
                                             skew in 0u32..3) {
            // Skewed values crowd a few buckets, as crafted input could.
            for v in &mut values {
                *v >>= skew * 20;
            }
            let mut want = values.clone();
            want.sort_unstable();
            want.dedup();
            sort_dedup(&mut values, &mut Vec::new());
            prop_assert_eq!(values, want);
        }

        #[test]
        fn classify8_agrees_with_the_class_table(bytes in any::<[u8; 8]>()) {
            let (word, fold) = classify8(u64::from_le_bytes(bytes));
            for (i, &b) in bytes.iter().enumerate() {
                let class = CLASS[usize::from(b)];
                let bit = 0x80u64 << (8 * i);
                prop_assert_eq!(word & bit != 0, matches!(class, Class::Word | Class::WordToFold), "{}", b);
                prop_assert_eq!(fold & bit != 0, class == Class::WordToFold, "{}", b);
            }
        }

        #[test]
        fn fast_path_matches_fold_and_words(s in "[ -~\t\r\n]{0,120}") {
            prop_assert_eq!(Words::of(&s).hashes().to_vec(), slow_words(&s));
        }

        #[test]
        fn mixed_text_matches_fold_and_words(s in "[a-zA-Z0-9 '`.,<>&;#£é’\u{a0}\u{1}Те\n/-]{0,100}") {
            prop_assert_eq!(Words::of(&s).hashes().to_vec(), slow_words(&s));
        }

        #[test]
        fn any_text_matches_fold_and_words(s in "\\PC{0,80}") {
            prop_assert_eq!(Words::of(&s).hashes().to_vec(), slow_words(&s));
        }

        #[test]
        fn rolling_equals_hashing_each_window(ws in proptest::collection::vec(any::<u64>(), 0..40),
                                              n in 1usize..8) {
            let mut rolled = Vec::new();
            roll(&ws, n, |h| rolled.push(h));
            let direct: Vec<u64> = if ws.len() < n {
                if ws.is_empty() { vec![] } else { vec![finish(poly(&ws), ws.len())] }
            } else {
                ws.windows(n).map(|w| finish(poly(w), n)).collect()
            };
            prop_assert_eq!(rolled, direct);
        }
    }
}
