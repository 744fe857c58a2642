//! Per-document story evidence: what of a text survives another outlet rewriting it.
//!
//! A rewrite keeps the event's words but not their order or phrasing, so the evidence is a bag
//! of word keys, not shingles. A key is the first five letters of a lower-cased word of three
//! letters or more (a crude stem that works the same way in every language we clean: `court`
//! for *court*, *courts*, *courtroom*; `суд` for *суд*, *суда*, *судом*), hashed to 32 bits.
//! Each key carries how often it occurs in the text and in the lead (the first
//! [`LEAD_WORDS`] content words: title and first paragraph), whether it is one of the first
//! [`HEAD_WORDS`] (the headline), and whether it was written capitalised inside a sentence
//! (a name). Numbers are kept apart, separators removed (`85.860` and `85,860` are one
//! number), with those printed in the first [`LEAD_NUMBER_CHARS`] characters marked: a
//! follow-up of an event usually changes them (a new toll, a new date).
//!
//! Only the first [`MAX_WORDS`] content words count, so the evidence stays small (about five
//! bytes a distinct key: 400–600 bytes for a 1,000-character article, at most
//! 5 × [`MAX_WORDS`] + 8 × [`MAX_NUMBERS`] + 8 × [`MAX_LEAD_NUMBERS`] bytes of arrays).
//! Measured on `rewrites-dev` (Python, same rule), cutting texts at 200 content words left the
//! precision at recall 0.4 and 0.6 unchanged: an article says what happened first.
//!
//! Extraction is one pass over the characters; a word is lower-cased into a fixed buffer, so
//! nothing is allocated per word, and the keys are sorted once at the end.

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::Cleaned;

/// Content words of the lead (title and first paragraph, roughly): the part a rewrite keeps.
/// 60 words beat 25, 40, 80 and 100 on `rewrites-dev` (precision at recall 0.4 and 0.6).
pub const LEAD_WORDS: usize = 60;
/// Content words of the headline: its rare words must be found in the other text.
pub const HEAD_WORDS: usize = 8;
/// Content words read at most: the evidence stays a few hundred bytes.
pub const MAX_WORDS: usize = 160;
/// Distinct numbers kept at most.
pub const MAX_NUMBERS: usize = 32;
/// Distinct numbers of two digits or more kept from the lead at most.
pub const MAX_LEAD_NUMBERS: usize = 8;
/// Numbers starting within this many characters of the start belong to the lead.
pub const LEAD_NUMBER_CHARS: usize = 300;
/// Letters of a word that make its key: a stem that needs no dictionary.
const KEY_CHARS: usize = 5;
/// Shorter words are not content words (`of`, `в`, `la` carry nothing about an event).
const MIN_WORD_CHARS: usize = 3;
/// Version of [`StoryEvidence::to_bytes`]; also to be bumped when keys change (seed, stem).
const FORMAT_VERSION: u8 = 1;
/// Seed of the key hash; changing it changes every key (and anything stored from them).
const KEY_SEED: u64 = 0x5709_7e1d_0000_0020;

/// Bits of a key's mark byte: the count in the text (saturating at 7).
const TEXT_COUNT_MASK: u8 = 0b0000_0111;
/// The count in the lead (saturating at 3), shifted by [`LEAD_COUNT_SHIFT`].
const LEAD_COUNT_MASK: u8 = 0b0001_1000;
const LEAD_COUNT_SHIFT: u8 = 3;
/// The key is one of the headline's words.
const HEAD_BIT: u8 = 0b0010_0000;
/// The word was written capitalised inside a sentence: a name.
const ENTITY_BIT: u8 = 0b0100_0000;

/// What a document says about its story, compactly: word keys with their counts in the text,
/// the lead and the headline, numbers, and the publication day.
///
/// Build it with [`StoryEvidence::from_cleaned`] or [`StoryEvidence::from_text`]; compare two
/// with [`super::StoryVerifier`]; group a batch with [`super::group_stories`].
///
/// # Example
///
/// ```
/// use clean_news::story::StoryEvidence;
///
/// let e = StoryEvidence::from_text(
///     Some("Flood closes the Mosel bridge at Trier"),
///     "The river rose 4.2 metres overnight, and police closed the bridge at 6 am.",
///     Some("2026-03-02"),
/// );
/// assert!(e.word_count() > 10);
/// assert!(e.numbers().contains(&42));
/// assert_eq!(e.published_day(), Some(20_514));
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoryEvidence {
    /// Distinct word keys, ascending. The two low bits of a key are its word's length class
    /// (see [`key_length_class`]).
    keys: Box<[u32]>,
    /// One mark byte per key: counts and flags (`TEXT_COUNT_MASK`, `HEAD_BIT`, …).
    marks: Box<[u8]>,
    /// Distinct numbers, ascending.
    numbers: Box<[u64]>,
    /// Distinct numbers of two digits or more printed in the lead, ascending.
    lead_numbers: Box<[u64]>,
    /// Days since 1970-01-01 of the publication date, if known.
    published_day: Option<i32>,
}

impl StoryEvidence {
    /// The evidence of a cleaned document: its title, text and `meta.published`.
    ///
    /// # Example
    ///
    /// ```
    /// use clean_news::Cleaned;
    /// use clean_news::story::StoryEvidence;
    ///
    /// let mut doc = Cleaned { id: "a".into(), text: "Ministers met in Riga.".into(), ..Cleaned::default() };
    /// doc.meta.published = Some("2026-05-01T10:00".into());
    /// let e = StoryEvidence::from_cleaned(&doc);
    /// assert!(e.published_day().is_some());
    /// # Ok::<(), clean_news::Error>(())
    /// ```
    pub fn from_cleaned(doc: &Cleaned) -> Self {
        Self::from_text(doc.title.as_deref(), &doc.text, doc.meta.published.as_deref())
    }

    /// The evidence of a title, a text and a publication time (`YYYY-MM-DD…`; anything else is
    /// ignored).
    ///
    /// # Example
    ///
    /// ```
    /// use clean_news::story::StoryEvidence;
    ///
    /// let e = StoryEvidence::from_text(None, "Dritte Anhörung im Prozess gegen den 32-Jährigen", None);
    /// assert_eq!(e.numbers(), &[32]);
    /// assert_eq!(e.published_day(), None);
    /// # Ok::<(), clean_news::Error>(())
    /// ```
    pub fn from_text(title: Option<&str>, text: &str, published: Option<&str>) -> Self {
        let mut scan = Scan::default();
        if let Some(title) = title.filter(|t| !t.trim().is_empty()) {
            scan.feed(title);
            scan.feed("\n");
        }
        scan.feed(text);
        scan.finish(published.and_then(parse_day))
    }

    /// Distinct word keys, ascending.
    pub fn keys(&self) -> &[u32] {
        &self.keys
    }

    /// Distinct content-word keys.
    pub fn word_count(&self) -> usize {
        self.keys.len()
    }

    /// Distinct numbers, ascending (separators removed: `1,234.5` is `12345`).
    pub fn numbers(&self) -> &[u64] {
        &self.numbers
    }

    /// Numbers of two digits or more printed near the start, ascending.
    pub fn lead_numbers(&self) -> &[u64] {
        &self.lead_numbers
    }

    /// Days since 1970-01-01 of the publication date, if known.
    pub fn published_day(&self) -> Option<i32> {
        self.published_day
    }

    /// Whether the evidence holds nothing to compare (no content word).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The bytes the evidence holds (arrays only), to check it stays small.
    pub fn heap_bytes(&self) -> usize {
        self.keys.len() * 5 + (self.numbers.len() + self.lead_numbers.len()) * 8
    }

    /// The evidence as bytes, to store (in the index, between runs): a format version, then
    /// explicit little-endian fields. [`StoryEvidence::from_bytes`] reads it back.
    ///
    /// # Example
    ///
    /// ```
    /// use clean_news::story::StoryEvidence;
    ///
    /// let e = StoryEvidence::from_text(Some("Ferry aground"), "37 rescued off Hvar", Some("2026-05-03"));
    /// let bytes = e.to_bytes();
    /// assert_eq!(StoryEvidence::from_bytes(&bytes)?, e);
    /// # Ok::<(), clean_news::Error>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(12 + self.heap_bytes());
        out.push(FORMAT_VERSION);
        out.push(u8::from(self.published_day.is_some()));
        out.extend_from_slice(&self.published_day.unwrap_or(0).to_le_bytes());
        // Lengths are bounded by MAX_WORDS, MAX_NUMBERS and MAX_LEAD_NUMBERS (all < 256).
        for len in [self.keys.len(), self.numbers.len(), self.lead_numbers.len()] {
            out.push(u8::try_from(len).unwrap_or(u8::MAX));
        }
        for k in &self.keys {
            out.extend_from_slice(&k.to_le_bytes());
        }
        out.extend_from_slice(&self.marks);
        for n in self.numbers.iter().chain(self.lead_numbers.iter()) {
            out.extend_from_slice(&n.to_le_bytes());
        }
        out
    }

    /// Reads what [`StoryEvidence::to_bytes`] wrote.
    ///
    /// # Errors
    ///
    /// Bytes of another format version, cut short or too long, or whose keys or numbers are
    /// not ascending or exceed the limits evidence keeps to.
    pub fn from_bytes(bytes: &[u8]) -> Result<StoryEvidence, crate::Error> {
        let bad = |why: &str| crate::Error::parse("story evidence", why.to_owned());
        let mut r = bytes;
        let mut take = |n: usize| -> Result<&[u8], crate::Error> {
            if r.len() < n {
                return Err(bad("cut short"));
            }
            let (head, tail) = r.split_at(n);
            r = tail;
            Ok(head)
        };
        let header = take(9)?;
        if header[0] != FORMAT_VERSION {
            return Err(bad(&format!(
                "format version {} (this build reads {FORMAT_VERSION})",
                header[0]
            )));
        }
        let day = i32::from_le_bytes([header[2], header[3], header[4], header[5]]);
        let published_day = match header[1] {
            0 => None,
            1 => Some(day),
            _ => return Err(bad("bad date flag")),
        };
        let (n_keys, n_numbers, n_lead) =
            (header[6] as usize, header[7] as usize, header[8] as usize);
        if n_keys > MAX_WORDS || n_numbers > MAX_NUMBERS || n_lead > MAX_LEAD_NUMBERS {
            return Err(bad("more entries than evidence keeps"));
        }
        let keys: Vec<u32> = take(4 * n_keys)?
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let marks = take(n_keys)?.to_vec();
        let mut read_numbers = |n: usize| -> Result<Vec<u64>, crate::Error> {
            Ok(take(8 * n)?
                .chunks_exact(8)
                .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                .collect())
        };
        let numbers = read_numbers(n_numbers)?;
        let lead_numbers = read_numbers(n_lead)?;
        if !r.is_empty() {
            return Err(bad("trailing bytes"));
        }
        let ascending = |v: &[u64]| v.windows(2).all(|w| w[0] < w[1]);
        if !keys.windows(2).all(|w| w[0] < w[1])
            || !ascending(&numbers)
            || !ascending(&lead_numbers)
        {
            return Err(bad("entries not ascending"));
        }
        Ok(StoryEvidence {
            keys: keys.into_boxed_slice(),
            marks: marks.into_boxed_slice(),
            numbers: numbers.into_boxed_slice(),
            lead_numbers: lead_numbers.into_boxed_slice(),
            published_day,
        })
    }

    /// The key at `i` with its counts in the text and the lead, and its flags.
    pub(crate) fn entry(&self, i: usize) -> KeyEntry {
        let mark = self.marks.get(i).copied().unwrap_or(0);
        KeyEntry {
            key: self.keys.get(i).copied().unwrap_or(0),
            text_count: mark & TEXT_COUNT_MASK,
            lead_count: (mark & LEAD_COUNT_MASK) >> LEAD_COUNT_SHIFT,
            is_head: mark & HEAD_BIT != 0,
            is_entity: mark & ENTITY_BIT != 0,
        }
    }

    /// Whether `key` is one of this document's keys.
    pub(crate) fn has_key(&self, key: u32) -> bool {
        self.keys.binary_search(&key).is_ok()
    }

    /// Whether `n` is one of this document's numbers.
    pub(crate) fn has_number(&self, n: u64) -> bool {
        self.numbers.binary_search(&n).is_ok()
    }
}

/// One key of a [`StoryEvidence`], unpacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyEntry {
    pub(crate) key: u32,
    pub(crate) text_count: u8,
    pub(crate) lead_count: u8,
    pub(crate) is_head: bool,
    pub(crate) is_entity: bool,
}

/// The length class a key keeps in its two low bits: 0 for three-letter words, 1 for four,
/// 2 for five and more. Short words are more often function words (`the`, `und`, `для`), and
/// a batch too small for document frequencies to say so still weighs them down by it.
pub fn key_length_class(key: u32) -> u32 {
    key & 0b11
}

/// The key of a word, as [`StoryEvidence`] computes it, or `None` for a word that is no
/// content word (shorter than three letters, or holding a digit).
///
/// # Example
///
/// ```
/// use clean_news::story::word_key;
///
/// assert_eq!(word_key("Courts"), word_key("courtroom"));
/// assert_ne!(word_key("court"), word_key("count"));
/// assert_eq!(word_key("of"), None);
/// # Ok::<(), clean_news::Error>(())
/// ```
pub fn word_key(word: &str) -> Option<u32> {
    let mut buf = KeyBuf::default();
    let mut chars = 0usize;
    for c in word.chars() {
        if c.is_numeric() {
            return None;
        }
        if is_word_char(c) {
            chars += 1;
            buf.push_lower(c);
        }
    }
    (chars >= MIN_WORD_CHARS).then(|| buf.key(chars))
}

/// Which word of `title` + `text` each of `keys` came from: the first spelling of each found,
/// in the order of `keys`, to show people the evidence that joined two stories.
///
/// # Example
///
/// ```
/// use clean_news::story::{surface_words, word_key};
///
/// let key = word_key("Trier").unwrap();
/// let found = surface_words(None, "Police closed the bridge at Trier.", &[key]);
/// assert_eq!(found, vec![(key, "Trier".to_string())]);
/// # Ok::<(), clean_news::Error>(())
/// ```
pub fn surface_words(title: Option<&str>, text: &str, keys: &[u32]) -> Vec<(u32, String)> {
    let mut found: Vec<Option<String>> = vec![None; keys.len()];
    let mut missing = keys.len();
    for part in title.into_iter().chain(std::iter::once(text)) {
        for word in part.split(|c: char| !is_word_char(c)) {
            if missing == 0 {
                break;
            }
            let Some(key) = word_key(word) else { continue };
            for (slot, k) in found.iter_mut().zip(keys) {
                if *k == key && slot.is_none() {
                    *slot = Some(word.to_string());
                    missing -= 1;
                }
            }
        }
    }
    keys.iter().zip(found).filter_map(|(k, w)| w.map(|w| (*k, w))).collect()
}

/// Letters and digits of any script, the underscore, and combining marks (Arabic vowel signs,
/// Devanagari matras): what `\w` matches.
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    c.is_alphanumeric() || is_mark(c)
}

/// Combining marks of the scripts we see: they sit inside words.
fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{0483}'..='\u{0489}' | '\u{0591}'..='\u{05C7}'
        | '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}'
        | '\u{0900}'..='\u{0903}' | '\u{093A}'..='\u{094F}')
}

/// The value of a decimal digit of any script (`٣` is 3), if `c` is one.
fn digit_value(c: char) -> Option<u64> {
    if let Some(d) = c.to_digit(10) {
        return Some(u64::from(d));
    }
    let base = match c {
        '\u{0660}'..='\u{0669}' => 0x0660,
        '\u{06F0}'..='\u{06F9}' => 0x06F0,
        '\u{0966}'..='\u{096F}' => 0x0966,
        '\u{FF10}'..='\u{FF19}' => 0xFF10,
        _ => return None,
    };
    Some(u64::from(u32::from(c) - base))
}

/// `YYYY-MM-DD…` to a day number.
fn parse_day(s: &str) -> Option<i32> {
    let b = s.trim().as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        part.iter().try_fold(0i64, |n, &d| d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0')))
    };
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    i32::try_from(crate::calendar::days_from_civil(y, m, d)).ok()
}

/// The first [`KEY_CHARS`] lower-cased characters of a word, in a fixed buffer.
#[derive(Default)]
struct KeyBuf {
    bytes: [u8; 4 * KEY_CHARS],
    len: usize,
    chars: usize,
}

impl KeyBuf {
    fn push_lower(&mut self, c: char) {
        if self.chars >= KEY_CHARS {
            return;
        }
        if c.is_ascii() {
            // Most words of most pages: no case tables, no UTF-8 encoding.
            if let Some(slot) = self.bytes.get_mut(self.len) {
                *slot = c.to_ascii_lowercase() as u8;
                self.len += 1;
                self.chars += 1;
            }
            return;
        }
        for l in c.to_lowercase() {
            if self.chars >= KEY_CHARS {
                break;
            }
            let mut tmp = [0u8; 4];
            let s = l.encode_utf8(&mut tmp).as_bytes();
            let end = self.len + s.len();
            if let Some(dst) = self.bytes.get_mut(self.len..end) {
                dst.copy_from_slice(s);
                self.len = end;
                self.chars += 1;
            }
        }
    }

    fn clear(&mut self) {
        self.len = 0;
        self.chars = 0;
    }

    /// The key of the buffered prefix of a word of `word_chars` characters.
    fn key(&self, word_chars: usize) -> u32 {
        let class = match word_chars {
            0..=3 => 0,
            4 => 1,
            _ => 2,
        };
        let hash = xxh3_64_with_seed(self.bytes.get(..self.len).unwrap_or(&[]), KEY_SEED);
        // The high half of the hash, its two low bits replaced by the length class.
        ((hash >> 32) as u32 & !0b11) | class
    }
}

/// The state of one pass over a document's characters.
#[derive(Default)]
struct Scan {
    /// `(key, mark)` per content word, in text order; merged at the end.
    words: Vec<(u32, u8)>,
    content_words: usize,
    numbers: Vec<u64>,
    lead_numbers: Vec<u64>,
    chars_seen: usize,
    /// The current word.
    word: KeyBuf,
    word_chars: usize,
    word_has_digit: bool,
    word_capitalised: bool,
    /// The current number, if one is being read: its value and digit count.
    number: Option<(u64, u32)>,
    number_start: usize,
    /// A separator (`.` or `,`) just followed digits: the number may go on.
    number_separator: bool,
    /// The next word starts a sentence (so its capital says nothing).
    sentence_start: bool,
    started: bool,
}

impl Scan {
    fn feed(&mut self, text: &str) {
        if !self.started {
            self.sentence_start = true;
            self.started = true;
        }
        for c in text.chars() {
            self.step(c);
            self.chars_seen += 1;
        }
        self.end_word();
        self.end_number();
    }

    fn step(&mut self, c: char) {
        // Numbers: digits, with single `.` or `,` between digit groups.
        if let Some(d) = digit_value(c) {
            let (value, digits) = match self.number {
                Some(n) => n,
                None => {
                    self.number_start = self.chars_seen;
                    (0, 0)
                }
            };
            self.number = Some((value.saturating_mul(10).saturating_add(d), digits + 1));
            self.number_separator = false;
        } else if (c == '.' || c == ',') && self.number.is_some() && !self.number_separator {
            self.number_separator = true;
        } else {
            self.end_number();
        }
        if is_word_char(c) {
            if self.word_chars == 0 {
                self.word_capitalised = c.is_uppercase();
            }
            self.word_chars += 1;
            if c.is_numeric() {
                self.word_has_digit = true;
            } else {
                self.word.push_lower(c);
            }
            return;
        }
        self.end_word();
        if matches!(c, '.' | '!' | '?' | '\n' | '。' | '؟' | '…') {
            self.sentence_start = true;
        }
    }

    fn end_number(&mut self) {
        if let Some((value, digits)) = self.number.take() {
            if self.numbers.len() < MAX_NUMBERS * 4 {
                self.numbers.push(value);
            }
            if digits >= 2
                && self.number_start < LEAD_NUMBER_CHARS
                && self.lead_numbers.len() < MAX_LEAD_NUMBERS * 4
            {
                self.lead_numbers.push(value);
            }
        }
        self.number_separator = false;
    }

    fn end_word(&mut self) {
        if self.word_chars == 0 {
            return;
        }
        let is_content = !self.word_has_digit && self.word_chars >= MIN_WORD_CHARS;
        if is_content && self.content_words < MAX_WORDS {
            let key = self.word.key(self.word_chars);
            let mut mark = 1u8;
            if self.content_words < LEAD_WORDS {
                mark |= 1 << LEAD_COUNT_SHIFT;
            }
            if self.content_words < HEAD_WORDS {
                mark |= HEAD_BIT;
            }
            if self.word_capitalised && !self.sentence_start {
                mark |= ENTITY_BIT;
            }
            self.words.push((key, mark));
            self.content_words += 1;
        }
        self.sentence_start = false;
        self.word.clear();
        self.word_chars = 0;
        self.word_has_digit = false;
        self.word_capitalised = false;
    }

    fn finish(mut self, published_day: Option<i32>) -> StoryEvidence {
        self.words.sort_unstable_by_key(|&(k, _)| k);
        let mut keys = Vec::new();
        let mut marks: Vec<u8> = Vec::new();
        for (key, mark) in self.words {
            match (keys.last(), marks.last_mut()) {
                (Some(&last), Some(m)) if last == key => *m = merge_marks(*m, mark),
                _ => {
                    keys.push(key);
                    marks.push(mark);
                }
            }
        }
        let keep = |mut v: Vec<u64>, max: usize| -> Box<[u64]> {
            // First occurrences win the places: dedup in text order, then sort.
            let mut seen = Vec::with_capacity(max);
            for n in v.drain(..) {
                if seen.len() >= max {
                    break;
                }
                if !seen.contains(&n) {
                    seen.push(n);
                }
            }
            seen.sort_unstable();
            seen.into_boxed_slice()
        };
        StoryEvidence {
            keys: keys.into_boxed_slice(),
            marks: marks.into_boxed_slice(),
            numbers: keep(self.numbers, MAX_NUMBERS),
            lead_numbers: keep(self.lead_numbers, MAX_LEAD_NUMBERS),
            published_day,
        }
    }
}

/// Adds the counts of two marks (saturating) and ors their flags.
fn merge_marks(a: u8, b: u8) -> u8 {
    let text = ((a & TEXT_COUNT_MASK) + (b & TEXT_COUNT_MASK)).min(TEXT_COUNT_MASK);
    let lead = (((a & LEAD_COUNT_MASK) >> LEAD_COUNT_SHIFT)
        + ((b & LEAD_COUNT_MASK) >> LEAD_COUNT_SHIFT))
        .min(LEAD_COUNT_MASK >> LEAD_COUNT_SHIFT);
    text | (lead << LEAD_COUNT_SHIFT) | ((a | b) & (HEAD_BIT | ENTITY_BIT))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry_of(e: &StoryEvidence, word: &str) -> KeyEntry {
        let key = word_key(word).unwrap();
        let i = e.keys().binary_search(&key).unwrap();
        e.entry(i)
    }

    #[test]
    fn keys_are_five_letter_lower_case_prefixes() {
        assert_eq!(word_key("Prozess"), word_key("prozesse"));
        assert_eq!(word_key("СУДОМ"), word_key("судом"));
        assert_ne!(word_key("судом"), word_key("суда"));
        assert_eq!(word_key("ab"), None);
        assert_eq!(word_key("covid19"), None);
        assert_eq!(key_length_class(word_key("the").unwrap()), 0);
        assert_eq!(key_length_class(word_key("them").unwrap()), 1);
        assert_eq!(key_length_class(word_key("theatre").unwrap()), 2);
    }

    #[test]
    fn counts_words_in_text_lead_and_head() {
        let e = StoryEvidence::from_text(
            Some("Storm hits Bergen"),
            "The storm hit Bergen on Monday. Storm damage was wide.",
            None,
        );
        let storm = entry_of(&e, "storm");
        assert_eq!(storm.text_count, 3);
        assert_eq!(storm.lead_count, 3);
        assert!(storm.is_head);
        let bergen = entry_of(&e, "Bergen");
        assert!(bergen.is_entity, "Bergen is capitalised inside a sentence");
        let damage = entry_of(&e, "damage");
        assert!(!damage.is_head);
        let the = entry_of(&e, "The");
        assert!(!the.is_entity, "a capital that starts a sentence says nothing");
    }

    #[test]
    fn reads_numbers_with_separators_and_other_digits() {
        let e = StoryEvidence::from_text(
            None,
            "Fined 85.860 lira; 2,6 points; ٢٥ people; 7 cars",
            None,
        );
        assert_eq!(e.numbers(), &[7, 25, 26, 85_860]);
        assert_eq!(e.lead_numbers(), &[25, 26, 85_860]);
    }

    #[test]
    fn lead_numbers_stop_after_the_lead() {
        let text = format!("{} 44 goals", "word ".repeat(80));
        let e = StoryEvidence::from_text(None, &text, None);
        assert_eq!(e.numbers(), &[44]);
        assert!(e.lead_numbers().is_empty());
    }

    #[test]
    fn stays_small_on_long_texts() {
        let text: String = (0..5000).map(|i| format!("word{} zz{i}x ", i % 7)).collect();
        let long: String =
            (0..3000).map(|i| format!("{}ab ", char::from_u32(0x4E00 + i).unwrap())).collect();
        for t in [&text, &long] {
            let e = StoryEvidence::from_text(None, t, None);
            assert!(e.word_count() <= MAX_WORDS);
            assert!(e.numbers().len() <= MAX_NUMBERS);
            assert!(e.heap_bytes() <= 5 * MAX_WORDS + 8 * (MAX_NUMBERS + MAX_LEAD_NUMBERS));
        }
    }

    #[test]
    fn parses_dates_and_ignores_the_rest() {
        assert_eq!(parse_day("1970-01-02"), Some(1));
        assert_eq!(parse_day("2026-12-07T10:00"), Some(20_794));
        assert_eq!(parse_day("07.12.2026"), None);
        assert_eq!(parse_day("2026-13-01"), None);
        assert_eq!(parse_day(""), None);
    }

    #[test]
    fn bytes_round_trip_and_reject_damage() {
        let e = StoryEvidence::from_text(
            Some("Ferry aground off Hvar"),
            "All 37 passengers, 4 crew; 2,5 km",
            Some("2026-05-03"),
        );
        let bytes = e.to_bytes();
        assert_eq!(StoryEvidence::from_bytes(&bytes).unwrap(), e);
        assert_eq!(
            StoryEvidence::from_bytes(&StoryEvidence::default().to_bytes()).unwrap(),
            StoryEvidence::default()
        );
        for cut in 0..bytes.len() {
            assert!(StoryEvidence::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(StoryEvidence::from_bytes(&longer).is_err());
        let mut version = bytes.clone();
        version[0] = 99;
        assert!(StoryEvidence::from_bytes(&version).unwrap_err().to_string().contains("version"));
        // Two keys swapped: not ascending.
        let mut swapped = bytes;
        swapped[9..17].rotate_left(4);
        assert!(StoryEvidence::from_bytes(&swapped).is_err());
    }

    #[test]
    fn never_panics_on_odd_text() {
        for t in
            ["", "\u{0301}\u{0301}", "99999999999999999999999999999", "İİİİİİİİ", "ß.ß,ß", "1.,2"]
        {
            let _ = StoryEvidence::from_text(Some(t), t, Some(t));
        }
    }

    #[test]
    fn surface_words_give_the_first_spelling() {
        let k = word_key("bridges").unwrap();
        let found = surface_words(Some("Bridge closed"), "The bridges reopened", &[k]);
        assert_eq!(found, vec![(k, "Bridge".to_string())]);
    }
}
