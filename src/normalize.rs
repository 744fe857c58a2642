//! Step 3a: the *matching form* of a line.
//!
//! Rules, site templates and signatures never compare raw text: scraped pages write the same
//! words with NBSPs, five kinds of dash, a zoo of quotes, Cyrillic letters inside Latin words
//! (`Еrnur.kz`), zero-width characters and leftover `<span>` tags (`BOILERPLATE.md` §9). The
//! matching form folds all of that away so that one phrase in a pack matches every variant:
//!
//! - NFKC, then lower case; Cyrillic `ё` → `е`;
//! - look-alike letters folded inside mixed-script words, towards the word's majority script
//!   (`Tекст` → `текст`, `Yоur соntеnt` → `your content`); a word in one script is never
//!   touched, so Russian stays Russian and English stays English;
//! - dashes → `-`, double quotes → `"`, apostrophes (including the Uzbek `ʻ ʼ ‘ ’` and
//!   backtick) → `'`;
//! - every kind of space → one ASCII space, trimmed; zero-width characters, soft hyphens and
//!   BOMs dropped;
//! - HTML tags dropped and the few entities scrapers leave behind decoded.
//!
//! The output of the cleaner keeps the *original* characters of kept lines: only matching
//! uses this form.
//!
//! # Cost
//!
//! ASCII text takes a byte loop with no allocation beyond the output. Other text goes char by
//! char through a small fold table and, only for characters that NFKC could change, through
//! `unicode-normalization` (the quick-check keeps Cyrillic and most letters on the fast path).
//! The cleaner only normalises short lines and the ends of long ones (see `clean::rules`).

use std::sync::LazyLock;

use unicode_normalization::UnicodeNormalization;

/// `text` cut to at most `bytes` bytes, at a character boundary (what
/// `str::floor_char_boundary` does on newer toolchains).
pub(crate) fn prefix_within(text: &str, bytes: usize) -> &str {
    let mut end = bytes.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The matching form of `text` (see the module docs).
///
/// # Example
///
/// ```
/// use clean_news::normalize::for_matching;
///
/// assert_eq!(for_matching("  Select the error and press Ctrl\u{a0}+ Enter "),
///            "select the error and press ctrl + enter");
/// assert_eq!(for_matching("Tекст «цитаты» — <span>Ctrl+Enter</span>"), "текст \"цитаты\" - ctrl+enter");
/// # Ok::<(), clean_news::Error>(())
/// ```
pub fn for_matching(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, &mut out, None);
    out
}

/// Appends the matching form of `text` to `out`.
///
/// When `offsets` is given, it receives, for every byte pushed to `out`, the byte offset in
/// `text` of the character it came from: enough to map a match in the matching form back to
/// the original line (used by `strip` rules).
pub(crate) fn fold_into(text: &str, out: &mut String, offsets: Option<&mut Vec<usize>>) {
    if offsets.is_none() {
        match ascii_kind(text.as_bytes()) {
            AsciiKind::Plain => {
                // Already its own matching form, but for the case.
                let start = out.len();
                out.push_str(text.trim_matches(' '));
                if let Some(folded) = out.get_mut(start..) {
                    folded.make_ascii_lowercase();
                }
                return;
            }
            AsciiKind::Spaced => {
                fold_ascii_into(text, out);
                return;
            }
            AsciiKind::Other => {}
        }
    }
    let mut folder = Folder {
        start_len: out.len(),
        word_start: out.len(),
        out,
        offsets,
        pending_space: false,
        scripts: WordScripts::default(),
    };
    folder.run(text);
    folder.end_word();
}

/// How much of the fold an ASCII-only text needs.
#[derive(Debug, PartialEq, Eq)]
enum AsciiKind {
    /// Printable ASCII and single spaces only, no markup, no backtick: the matching form is
    /// the text trimmed and lower-cased.
    Plain,
    /// ASCII without markup, but with runs of white space, tabs or control characters:
    /// [`fold_ascii_into`].
    Spaced,
    /// Non-ASCII or markup: the general path.
    Other,
}

/// Classifies `bytes` for [`fold_into`] in one branch-free pass per block (the block loop
/// vectorises), which costs far less than the fold it lets the caller skip.
fn ascii_kind(bytes: &[u8]) -> AsciiKind {
    for block in bytes.chunks(64) {
        let other =
            block.iter().fold(0u8, |acc, &b| acc | u8::from(b >= 0x80 || b == b'<' || b == b'&'));
        if other != 0 {
            return AsciiKind::Other;
        }
    }
    let control =
        bytes.iter().fold(0u8, |acc, &b| acc | u8::from(b < 0x20 || b == 0x7f || b == b'`'));
    let next = bytes.get(1..).unwrap_or_default();
    let two_spaces =
        bytes.iter().zip(next).fold(0u8, |acc, (&a, &b)| acc | u8::from(a == b' ' && b == b' '));
    if control | two_spaces != 0 { AsciiKind::Spaced } else { AsciiKind::Plain }
}

/// The fast path of [`fold_into`] for ASCII text without markup: no NFKC, no look-alikes, no
/// tags or entities can occur, so it copies runs of printable bytes and lower-cases the lot.
fn fold_ascii_into(text: &str, out: &mut String) {
    let start = out.len();
    let bytes = text.as_bytes();
    let mut pending_space = false;
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => {
                pending_space = out.len() > start;
                at += 1;
            }
            b'!'..=b'~' => {
                if pending_space {
                    out.push(' ');
                    pending_space = false;
                }
                if b == b'`' {
                    out.push('\'');
                    at += 1;
                    continue;
                }
                let run = at;
                while at < bytes.len() && (b'!'..=b'~').contains(&bytes[at]) && bytes[at] != b'`' {
                    at += 1;
                }
                out.push_str(text.get(run..at).unwrap_or_default());
            }
            _ => at += 1, // other control characters are dropped
        }
    }
    if let Some(folded) = out.get_mut(start..) {
        folded.make_ascii_lowercase();
    }
}

/// What one character becomes in the matching form, computed once per character by the
/// general rules ([`fold_char`], then NFKC and lower case) and kept in a table for the
/// characters of the first two UTF-8 lengths and for General Punctuation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    /// Nothing (zero-width, soft hyphen, control).
    Drop,
    /// White space.
    Space,
    /// The character itself (most letters of lower-case text), with its script.
    Same(Script),
    /// One other character, with the script it counts for in its word.
    One(char, Script),
    /// `<` or `&`: maybe markup.
    Markup,
    /// Several characters: the general path.
    Slow,
}

/// The script a character of the matching form counts for, in [`WordScripts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    None = 0,
    Latin = 1,
    Cyrillic = 2,
    Greek = 3,
}

/// Characters below this code point have an [`Entry`] in [`TABLE`] (1- and 2-byte UTF-8).
const TABLE_END: u32 = 0x800;
/// General Punctuation (spaces, dashes, quotes, zero-width marks): [`PUNCTUATION`].
const PUNCTUATION_START: u32 = 0x2000;
const PUNCTUATION_END: u32 = 0x2070;

static TABLE: LazyLock<Vec<Entry>> = LazyLock::new(|| (0..TABLE_END).map(entry_of).collect());
static PUNCTUATION: LazyLock<Vec<Entry>> =
    LazyLock::new(|| (PUNCTUATION_START..PUNCTUATION_END).map(entry_of).collect());

/// The [`Entry`] of the code point `code` (of a scalar value: the tables have no surrogates).
fn entry_of(code: u32) -> Entry {
    let Some(ch) = char::from_u32(code) else { return Entry::Slow };
    if matches!(ch, '<' | '&') {
        return Entry::Markup;
    }
    let one =
        |c: char| if c == ch { Entry::Same(script_of(c)) } else { Entry::One(c, script_of(c)) };
    match fold_char(ch) {
        Fold::Drop => Entry::Drop,
        Fold::Space => Entry::Space,
        Fold::To(mapped) => one(mapped),
        Fold::Nfkc => {
            // As `Folder::fold` does it, counting what comes out.
            let mut pushed = Vec::new();
            let mut spaces = 0;
            for decomposed in std::iter::once(ch).nfkc() {
                for lower in decomposed.to_lowercase() {
                    match fold_char(lower) {
                        Fold::To(c) => pushed.push(c),
                        Fold::Space => spaces += 1,
                        Fold::Drop | Fold::Nfkc => pushed.push(lower),
                    }
                }
            }
            match (pushed.as_slice(), spaces) {
                ([c], 0) => one(*c),
                ([], 1) => Entry::Space,
                _ => Entry::Slow,
            }
        }
    }
}

/// The script `ch` counts for when pushed (see [`WordScripts::see`]).
fn script_of(ch: char) -> Script {
    let mut scripts = WordScripts::default();
    if ch.is_ascii() {
        if ch.is_ascii_alphabetic() {
            return Script::Latin;
        }
        return Script::None;
    }
    scripts.see(ch);
    if scripts.latin > 0 {
        Script::Latin
    } else if scripts.cyrillic > 0 {
        Script::Cyrillic
    } else if scripts.greek > 0 {
        Script::Greek
    } else {
        Script::None
    }
}

/// The code point starting at `bytes[at]` of valid UTF-8, and its length in bytes.
#[inline(always)]
fn decode(bytes: &[u8], at: usize) -> (u32, usize) {
    let b = |i: usize| u32::from(bytes.get(at + i).copied().unwrap_or(0x80) & 0x3f);
    let lead = u32::from(bytes.get(at).copied().unwrap_or(0));
    match lead {
        0..0x80 => (lead, 1),
        0x80..0xe0 => (((lead & 0x1f) << 6) | b(1), 2),
        0xe0..0xf0 => (((lead & 0x0f) << 12) | (b(1) << 6) | b(2), 3),
        _ => (((lead & 0x07) << 18) | (b(1) << 12) | (b(2) << 6) | b(3), 4),
    }
}

/// The state of one [`fold_into`] call.
struct Folder<'o> {
    out: &'o mut String,
    offsets: Option<&'o mut Vec<usize>>,
    /// Where this call's output starts in `out`.
    start_len: usize,
    /// Where the current word starts in `out`.
    word_start: usize,
    /// A space is due before the next character (never at the start or the end).
    pending_space: bool,
    scripts: WordScripts,
}

impl Folder<'_> {
    /// Folds all of `text`.
    fn run(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let table = &*TABLE;
        let punctuation = &*PUNCTUATION;
        let entry_at = |at: usize| {
            let (code, len) = decode(bytes, at);
            let entry = if code < TABLE_END {
                table.get(code as usize).copied().unwrap_or(Entry::Slow)
            } else if (PUNCTUATION_START..PUNCTUATION_END).contains(&code) {
                punctuation.get((code - PUNCTUATION_START) as usize).copied().unwrap_or(Entry::Slow)
            } else {
                Entry::Slow
            };
            (entry, len)
        };
        let mut at = 0;
        while at < bytes.len() {
            // A run of characters that stand for themselves is copied at once.
            let run = at;
            let mut counts = [0usize; 4];
            let mut next = entry_at(at);
            while let (Entry::Same(script), len) = next {
                counts[script as usize] += 1;
                at += len;
                if at >= bytes.len() {
                    break;
                }
                next = entry_at(at);
            }
            if at > run {
                self.push_run(text.get(run..at).unwrap_or_default(), run, counts);
                if at >= bytes.len() {
                    break;
                }
            }
            let (entry, len) = next;
            match entry {
                Entry::Drop | Entry::Same(_) => {}
                Entry::Space => self.pending_space = self.out.len() > self.start_len,
                Entry::One(ch, script) => self.push_one(ch, script, at),
                Entry::Markup => {
                    // HTML left in text: `<span>`, `</b>`, `<br />`. A `<` that does not open a
                    // short tag is an ordinary character.
                    let rest = text.get(at..).unwrap_or_default();
                    let skip = if bytes[at] == b'<' {
                        tag_len(rest).map(|len| (len, None))
                    } else {
                        entity(rest).map(|(len, decoded)| (len, Some(decoded)))
                    };
                    if let Some((skip, decoded)) = skip {
                        if let Some(decoded) = decoded {
                            self.fold(decoded, at);
                        }
                        at += skip;
                        continue;
                    }
                    self.fold(char::from(bytes[at]), at);
                }
                Entry::Slow => {
                    if let Some(ch) = text.get(at..).and_then(|rest| rest.chars().next()) {
                        self.fold(ch, at);
                    }
                }
            }
            at += len;
        }
    }

    /// Pushes `run`, which starts at byte `at` of the text and whose characters stand for
    /// themselves; `counts` are its letters by [`Script`].
    fn push_run(&mut self, run: &str, at: usize, counts: [usize; 4]) {
        if self.pending_space {
            self.pending_space = false;
            self.end_word();
            self.push_raw(' ', at);
            self.word_start = self.out.len();
        }
        // Saturating like one `saturating_add(1)` per letter.
        let add = |count: &mut u16, n: usize| {
            *count = count.saturating_add(u16::try_from(n).unwrap_or(u16::MAX));
        };
        add(&mut self.scripts.latin, counts[Script::Latin as usize]);
        add(&mut self.scripts.cyrillic, counts[Script::Cyrillic as usize]);
        add(&mut self.scripts.greek, counts[Script::Greek as usize]);
        self.out.push_str(run);
        if let Some(offsets) = self.offsets.as_deref_mut() {
            // Every byte of a character maps to where the character starts.
            let mut start = at;
            for (i, &b) in run.as_bytes().iter().enumerate() {
                if (b as i8) >= -0x40 {
                    start = at + i;
                }
                offsets.push(start);
            }
        }
    }

    /// Pushes a character from the tables: [`Folder::push`] with its script known.
    #[inline(always)]
    fn push_one(&mut self, ch: char, script: Script, at: usize) {
        if self.pending_space {
            self.pending_space = false;
            self.end_word();
            self.push_raw(' ', at);
            self.word_start = self.out.len();
        }
        match script {
            Script::None => {}
            Script::Latin => self.scripts.latin = self.scripts.latin.saturating_add(1),
            Script::Cyrillic => self.scripts.cyrillic = self.scripts.cyrillic.saturating_add(1),
            Script::Greek => self.scripts.greek = self.scripts.greek.saturating_add(1),
        }
        self.push_raw(ch, at);
    }

    fn fold(&mut self, ch: char, at: usize) {
        match fold_char(ch) {
            Fold::Drop => {}
            Fold::Space => self.pending_space = self.out.len() > self.start_len,
            Fold::To(mapped) => self.push(mapped, at),
            Fold::Nfkc => {
                for decomposed in std::iter::once(ch).nfkc() {
                    for lower in decomposed.to_lowercase() {
                        match fold_char(lower) {
                            Fold::To(c) => self.push(c, at),
                            Fold::Space => self.pending_space = self.out.len() > self.start_len,
                            Fold::Drop | Fold::Nfkc => self.push(lower, at),
                        }
                    }
                }
            }
        }
    }

    fn push(&mut self, ch: char, at: usize) {
        if self.pending_space {
            self.pending_space = false;
            self.end_word();
            self.push_raw(' ', at);
            self.word_start = self.out.len();
        }
        if ch.is_ascii() {
            if ch.is_ascii_alphabetic() {
                self.scripts.latin = self.scripts.latin.saturating_add(1);
            }
        } else {
            self.scripts.see(ch);
        }
        self.push_raw(ch, at);
    }

    #[inline(always)]
    fn push_raw(&mut self, ch: char, at: usize) {
        self.out.push(ch);
        if let Some(offsets) = self.offsets.as_deref_mut() {
            offsets.extend(std::iter::repeat_n(at, ch.len_utf8()));
        }
    }

    /// Folds the look-alikes of the word that ends here, if the word mixes scripts.
    fn end_word(&mut self) {
        if self.scripts.is_mixed() {
            let start = self.word_start;
            let to_latin = self.scripts.latin >= self.scripts.cyrillic.max(self.scripts.greek);
            let word = self.out.split_off(start);
            let old_offsets =
                self.offsets.as_deref_mut().map(|o| o.split_off(o.len() - word.len()));
            for (i, ch) in word.char_indices() {
                let mapped =
                    if to_latin { to_latin_lookalike(ch) } else { to_cyrillic_lookalike(ch) };
                let at = old_offsets.as_ref().map_or(0, |o| o[i]);
                self.push_raw(mapped, at);
            }
        }
        self.scripts = WordScripts::default();
        self.word_start = self.out.len();
    }
}

/// The words of a matching-form string: runs of letters and digits (apostrophes inside a word
/// belong to it, as in Uzbek `o'zbek`).
///
/// # Example
///
/// ```
/// use clean_news::normalize::{for_matching, words};
///
/// let line = for_matching("O‘zbekiston — 2024-yil, «Daryo»!");
/// assert_eq!(words(&line).collect::<Vec<_>>(), ["o'zbekiston", "2024", "yil", "daryo"]);
/// # Ok::<(), clean_news::Error>(())
/// ```
pub fn words(matching_form: &str) -> impl Iterator<Item = &str> {
    matching_form
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
}

/// How many [`words`] a matching-form string has, counted without cutting it: the runs of
/// letters, digits and apostrophes that hold a letter or a digit. Site learning counts the
/// words of every line of every document (`clean::site::lines`), where the iterator's split,
/// trim and filter were most of the cost.
pub(crate) fn word_count(matching_form: &str) -> usize {
    let mut count = 0;
    // Inside a run of word characters; whether that run has a letter or digit yet.
    let (mut in_run, mut counted) = (false, false);
    let mut step = |word_char: bool, alnum: bool| {
        if !word_char {
            in_run = false;
            return;
        }
        if !in_run {
            in_run = true;
            counted = false;
        }
        if alnum && !counted {
            counted = true;
            count += 1;
        }
    };
    let bytes = matching_form.as_bytes();
    let mut at = 0;
    while let Some(&b) = bytes.get(at) {
        if b.is_ascii() {
            let alnum = b.is_ascii_alphanumeric();
            step(alnum || b == b'\'', alnum);
            at += 1;
        } else {
            let Some(c) = matching_form.get(at..).and_then(|rest| rest.chars().next()) else {
                break;
            };
            let alnum = c.is_alphanumeric();
            step(alnum, alnum);
            at += c.len_utf8();
        }
    }
    count
}

enum Fold {
    /// Dropped from the matching form (zero-width, soft hyphen, BOM, control).
    Drop,
    /// Some kind of white space.
    Space,
    /// Replaced by this (already lower-case) character.
    To(char),
    /// Needs NFKC and lower-casing.
    Nfkc,
}

fn fold_char(ch: char) -> Fold {
    if ch.is_ascii() {
        return match ch {
            ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c' => Fold::Space,
            '`' => Fold::To('\''),
            c if c.is_ascii_control() => Fold::Drop,
            c => Fold::To(c.to_ascii_lowercase()),
        };
    }
    match ch {
        '\u{ad}' | '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{180e}' => Fold::Drop,
        '\u{a0}'
        | '\u{2000}'..='\u{200a}'
        | '\u{202f}'
        | '\u{205f}'
        | '\u{3000}'
        | '\u{2028}'
        | '\u{2029}'
        | '\u{85}'
        | '\u{1680}' => Fold::Space,
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{fe58}' | '\u{fe63}' | '\u{ff0d}' => {
            Fold::To('-')
        }
        '«' | '»' | '“' | '”' | '„' | '‟' | '″' | '〃' | '＂' => Fold::To('"'),
        '‘' | '’' | '‚' | '‛' | 'ʻ' | 'ʼ' | 'ʹ' | '′' | '´' | 'ʽ' | '＇' => {
            Fold::To('\'')
        }
        'ё' | 'Ё' => Fold::To('е'),
        c if c.is_control() => Fold::Drop,
        // Lower-case Cyrillic and Greek letters are already in NFKC and lower case: skip the
        // normaliser for the bulk of Russian, Kazakh and Kyrgyz text.
        c @ ('а'..='я'
        | 'ѐ'..='џ'
        | 'ә'
        | 'ғ'
        | 'қ'
        | 'ң'
        | 'ө'
        | 'ұ'
        | 'ү'
        | 'һ'
        | 'ҳ'
        | 'α'..='ω') => Fold::To(c),
        c @ ('А'..='Я') => Fold::To(char::from_u32(c as u32 + 32).unwrap_or(c)),
        _ => Fold::Nfkc,
    }
}

/// Length in bytes of a short HTML tag at the start of `s` (`<br>`, `</span>`, `<b class=x>`).
fn tag_len(s: &str) -> Option<usize> {
    /// Longer "tags" are more likely a `<` in prose than markup left behind by a scraper.
    const MAX_TAG_BYTES: usize = 64;
    let bytes = s.as_bytes();
    let first = *bytes.get(1)?;
    if !(first.is_ascii_alphabetic() || first == b'/' || first == b'!') {
        return None;
    }
    let end = memchr::memchr(b'>', &bytes[..bytes.len().min(MAX_TAG_BYTES)])?;
    if bytes[1..end].contains(&b'<') {
        return None;
    }
    Some(end + 1)
}

/// A named or numeric entity at the start of `s`, with its length in bytes.
fn entity(s: &str) -> Option<(usize, char)> {
    // `&amp;`, `&lt;` and `&gt;` stay as they are: decoding them could make a new entity or
    // tag out of plain text.
    const NAMED: [(&str, char); 9] = [
        ("&nbsp;", ' '),
        ("&copy;", '©'),
        ("&quot;", '"'),
        ("&laquo;", '"'),
        ("&raquo;", '"'),
        ("&mdash;", '-'),
        ("&ndash;", '-'),
        ("&apos;", '\''),
        ("&hellip;", '…'),
    ];
    for (name, ch) in NAMED {
        if s.len() >= name.len() && s.as_bytes()[..name.len()].eq_ignore_ascii_case(name.as_bytes())
        {
            return Some((name.len(), ch));
        }
    }
    let rest = s.strip_prefix("&#")?;
    let end = rest.find(';')?;
    if end == 0 || end > 7 {
        return None;
    }
    let digits = &rest[..end];
    let code = match digits.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => digits.parse().ok()?,
    };
    let ch = char::from_u32(code).filter(|c| !matches!(c, '&' | '<' | '>'))?;
    let ch = match fold_char(ch) {
        Fold::To(c) => c,
        Fold::Space => ' ',
        _ => ch.to_lowercase().next().unwrap_or(ch),
    };
    Some((end + 3, ch))
}

/// Which scripts the letters of the current word came from.
#[derive(Default)]
struct WordScripts {
    latin: u16,
    cyrillic: u16,
    greek: u16,
}

impl WordScripts {
    fn see(&mut self, ch: char) {
        if ch.is_ascii_alphabetic() || ('\u{c0}'..='\u{24f}').contains(&ch) {
            self.latin = self.latin.saturating_add(1);
        } else if ('\u{400}'..='\u{482}').contains(&ch) || ('\u{48a}'..='\u{4ff}').contains(&ch) {
            // U+0483..U+0489 are combining marks, not letters.
            self.cyrillic = self.cyrillic.saturating_add(1);
        } else if ('\u{370}'..='\u{3ff}').contains(&ch) {
            self.greek = self.greek.saturating_add(1);
        }
    }

    fn is_mixed(&self) -> bool {
        u8::from(self.latin > 0) + u8::from(self.cyrillic > 0) + u8::from(self.greek > 0) > 1
    }
}

/// Cyrillic and Greek letters that look like a Latin letter, as that letter (lower case).
fn to_latin_lookalike(ch: char) -> char {
    match ch {
        'а' | 'α' => 'a',
        'в' | 'β' => 'b',
        'с' | 'ϲ' => 'c',
        'е' | 'ε' => 'e',
        'һ' => 'h',
        'і' | 'ι' => 'i',
        'ј' => 'j',
        'к' | 'κ' => 'k',
        'м' => 'm',
        'н' | 'η' => 'h',
        'о' | 'ο' => 'o',
        'р' | 'ρ' => 'p',
        'ѕ' => 's',
        'т' | 'τ' => 't',
        'у' | 'υ' => 'y',
        'х' | 'χ' => 'x',
        'ν' => 'v',
        other => other,
    }
}

/// Latin letters that look like a Cyrillic letter, as that letter (lower case).
fn to_cyrillic_lookalike(ch: char) -> char {
    match ch {
        'a' => 'а',
        'b' => 'в',
        'c' => 'с',
        'e' => 'е',
        'h' => 'н',
        'i' => 'і',
        'k' => 'к',
        'm' => 'м',
        'o' => 'о',
        'p' => 'р',
        't' => 'т',
        'x' => 'х',
        'y' => 'у',
        other => other,
    }
}

/// The fold as it was written before the tables: the oracle of the tests.
#[cfg(test)]
mod reference {
    use super::*;

    pub(super) fn fold_into(text: &str, out: &mut String, offsets: Option<&mut Vec<usize>>) {
        if offsets.is_none() {
            if text.is_ascii() && !text.contains(['<', '&']) {
                fold_ascii_into(text, out);
                return;
            }
            let start = out.len();
            if fold_simple_into(text, out) {
                return;
            }
            out.truncate(start);
        }
        let mut folder = Folder {
            start_len: out.len(),
            word_start: out.len(),
            out,
            offsets,
            pending_space: false,
            scripts: WordScripts::default(),
        };
        let mut chars = text.char_indices().peekable();
        while let Some((at, ch)) = chars.next() {
            // HTML left in text: `<span>`, `</b>`, `<br />`. A `<` that does not open a short tag
            // is an ordinary character.
            let skip = match ch {
                '<' => tag_len(&text[at..]).map(|len| (len, None)),
                '&' => entity(&text[at..]).map(|(len, decoded)| (len, Some(decoded))),
                _ => None,
            };
            if let Some((len, decoded)) = skip {
                while chars.peek().is_some_and(|&(i, _)| i < at + len) {
                    chars.next();
                }
                if let Some(decoded) = decoded {
                    folder.fold(decoded, at);
                }
                continue;
            }
            folder.fold(ch, at);
        }
        folder.end_word();
    }

    // The fast path of [`fold_into`] for ASCII text without markup: no NFKC, no look-alikes, no
    // tags or entities can occur, so it is a byte loop.
    fn fold_ascii_into(text: &str, out: &mut String) {
        let start = out.len();
        let mut pending_space = false;
        for &b in text.as_bytes() {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => pending_space = out.len() > start,
                b'`' | b'\'' | b'"' | b'!'..=b'~' => {
                    if pending_space {
                        out.push(' ');
                        pending_space = false;
                    }
                    out.push(if b == b'`' { '\'' } else { char::from(b.to_ascii_lowercase()) });
                }
                _ => {} // other control characters are dropped
            }
        }
    }

    // The fast path of [`fold_into`] for text whose characters all fold by the table (no NFKC),
    // with no markup and no word mixing scripts: the bulk of Cyrillic and Latin news text.
    // Returns `false`, with `out` partly written, as soon as the text needs the full path.
    fn fold_simple_into(text: &str, out: &mut String) -> bool {
        const LATIN: u8 = 1;
        const OTHER: u8 = 2;
        let start = out.len();
        let mut pending_space = false;
        let mut word_scripts = 0u8;
        for ch in text.chars() {
            match fold_char(ch) {
                Fold::Drop => {}
                Fold::Space => {
                    pending_space = out.len() > start;
                    word_scripts = 0;
                }
                Fold::To(mapped) => {
                    if matches!(mapped, '<' | '&') {
                        return false;
                    }
                    if pending_space {
                        out.push(' ');
                        pending_space = false;
                    }
                    if mapped.is_ascii_alphabetic() || ('\u{c0}'..='\u{24f}').contains(&mapped) {
                        word_scripts |= LATIN;
                    } else if ('\u{370}'..='\u{4ff}').contains(&mapped) {
                        word_scripts |= OTHER;
                    }
                    if word_scripts == LATIN | OTHER {
                        return false;
                    }
                    out.push(mapped);
                }
                Fold::Nfkc => return false,
            }
        }
        true
    }

    // The state of one [`fold_into`] call.
    struct Folder<'o> {
        out: &'o mut String,
        offsets: Option<&'o mut Vec<usize>>,
        // Where this call's output starts in `out`.
        start_len: usize,
        // Where the current word starts in `out`.
        word_start: usize,
        // A space is due before the next character (never at the start or the end).
        pending_space: bool,
        scripts: WordScripts,
    }

    impl Folder<'_> {
        fn fold(&mut self, ch: char, at: usize) {
            match fold_char(ch) {
                Fold::Drop => {}
                Fold::Space => self.pending_space = self.out.len() > self.start_len,
                Fold::To(mapped) => self.push(mapped, at),
                Fold::Nfkc => {
                    for decomposed in std::iter::once(ch).nfkc() {
                        for lower in decomposed.to_lowercase() {
                            match fold_char(lower) {
                                Fold::To(c) => self.push(c, at),
                                Fold::Space => self.pending_space = self.out.len() > self.start_len,
                                Fold::Drop | Fold::Nfkc => self.push(lower, at),
                            }
                        }
                    }
                }
            }
        }

        fn push(&mut self, ch: char, at: usize) {
            if self.pending_space {
                self.pending_space = false;
                self.end_word();
                self.push_raw(' ', at);
                self.word_start = self.out.len();
            }
            if ch.is_ascii() {
                if ch.is_ascii_alphabetic() {
                    self.scripts.latin = self.scripts.latin.saturating_add(1);
                }
            } else {
                self.scripts.see(ch);
            }
            self.push_raw(ch, at);
        }

        #[inline(always)]
        fn push_raw(&mut self, ch: char, at: usize) {
            self.out.push(ch);
            if let Some(offsets) = self.offsets.as_deref_mut() {
                offsets.extend(std::iter::repeat_n(at, ch.len_utf8()));
            }
        }

        // Folds the look-alikes of the word that ends here, if the word mixes scripts.
        fn end_word(&mut self) {
            if self.scripts.is_mixed() {
                let start = self.word_start;
                let to_latin = self.scripts.latin >= self.scripts.cyrillic.max(self.scripts.greek);
                let word = self.out.split_off(start);
                let old_offsets =
                    self.offsets.as_deref_mut().map(|o| o.split_off(o.len() - word.len()));
                for (i, ch) in word.char_indices() {
                    let mapped =
                        if to_latin { to_latin_lookalike(ch) } else { to_cyrillic_lookalike(ch) };
                    let at = old_offsets.as_ref().map_or(0, |o| o[i]);
                    self.push_raw(mapped, at);
                }
            }
            self.scripts = WordScripts::default();
            self.word_start = self.out.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reference_fold(text: &str, with_offsets: bool) -> (String, Vec<usize>) {
        let mut out = String::new();
        let mut offsets = Vec::new();
        reference::fold_into(text, &mut out, with_offsets.then_some(&mut offsets));
        (out, offsets)
    }

    fn fold(text: &str, with_offsets: bool) -> (String, Vec<usize>) {
        let mut out = String::new();
        let mut offsets = Vec::new();
        fold_into(text, &mut out, with_offsets.then_some(&mut offsets));
        (out, offsets)
    }

    #[test]
    fn every_table_character_folds_as_before() {
        let table_chars = (0..TABLE_END).chain(PUNCTUATION_START..PUNCTUATION_END);
        for ch in table_chars.filter_map(char::from_u32) {
            // Alone, inside a Latin word and inside a Cyrillic word.
            for text in [ch.to_string(), format!("ab{ch}cd"), format!("аб{ch}вг x")] {
                assert_eq!(fold(&text, true), reference_fold(&text, true), "{:?}", ch);
                assert_eq!(fold(&text, false).0, reference_fold(&text, false).0, "{:?}", ch);
            }
        }
    }

    #[test]
    fn folds_spaces_quotes_and_dashes() {
        assert_eq!(for_matching("\u{feff}A\u{a0}\u{a0}B\u{200b}C — «D» ‘e’"), "a bc - \"d\" 'e'");
    }

    #[test]
    fn folds_mixed_script_words_to_their_majority_script() {
        // Latin T + Cyrillic "екст"; Cyrillic о in "Yоur", Cyrillic с о е in "соntеnt".
        assert_eq!(for_matching("Tекст"), "текст");
        assert_eq!(for_matching("Yоur соntеnt"), "your content");
        assert_eq!(for_matching("Еrnur.kz"), "ernur.kz");
        // Single-script words are left alone.
        assert_eq!(for_matching("Текст text"), "текст text");
    }

    #[test]
    fn drops_tags_and_decodes_entities() {
        assert_eq!(for_matching("нажмите <span>Ctrl+Enter</span>"), "нажмите ctrl+enter");
        assert_eq!(for_matching("&copy; 2001-2024 Barcha"), "© 2001-2024 barcha");
        assert_eq!(for_matching("a < b and c>d"), "a < b and c>d");
    }

    #[test]
    fn folds_uzbek_apostrophes() {
        for variant in
            ["oʻtkazilishi", "o‘tkazilishi", "o'tkazilishi", "o`tkazilishi", "oʼtkazilishi"]
        {
            assert_eq!(for_matching(variant), "o'tkazilishi", "{variant}");
        }
    }

    #[test]
    fn nfkc_and_case() {
        assert_eq!(for_matching("ＣＴＲＬ＋ＥＮＴＥＲ"), "ctrl+enter");
        assert_eq!(for_matching("ПЕРЕДАЁТ"), "передает");
        assert_eq!(for_matching("Ǵ ÝŃ"), "ǵ ýń");
    }

    #[test]
    fn offsets_point_into_the_original() {
        let text = "Ab\u{a0}«Cd»";
        let mut out = String::new();
        let mut offsets = Vec::new();
        fold_into(text, &mut out, Some(&mut offsets));
        assert_eq!(out, "ab \"cd\"");
        assert_eq!(offsets.len(), out.len());
        assert!(offsets.iter().all(|&o| text.is_char_boundary(o)));
        assert_eq!(&text[offsets[4]..], "Cd»");
    }

    proptest! {
        #[test]
        fn idempotent(s in "[^<&]{0,80}") {
            let once = for_matching(&s);
            prop_assert_eq!(for_matching(&once), once.clone());
        }

        #[test]
        fn offsets_cover_every_output_byte(s in "\\PC{0,60}") {
            let mut out = String::new();
            let mut offsets = Vec::new();
            fold_into(&s, &mut out, Some(&mut offsets));
            prop_assert_eq!(offsets.len(), out.len());
            prop_assert!(offsets.iter().all(|&o| o < s.len() && s.is_char_boundary(o)));
            prop_assert!(offsets.windows(2).all(|w| w[0] <= w[1]));
        }

        #[test]
        fn word_count_counts_the_words(s in "[a-zA-Zа-яё0-9 ,.'’«»\u{a0}-]{0,60}") {
            prop_assert_eq!(word_count(&s), words(&s).count());
            let folded = for_matching(&s);
            prop_assert_eq!(word_count(&folded), words(&folded).count());
        }

        #[test]
        fn fast_paths_agree_with_the_full_fold(s in "[a-zA-Zа-яА-ЯёЁәқң0-9 ,.:«»“”—–\u{a0}\u{200b}'`-]{0,80}") {
            let mut fast = String::new();
            fold_into(&s, &mut fast, None);
            let mut full = String::new();
            let mut offsets = Vec::new();
            fold_into(&s, &mut full, Some(&mut offsets));
            prop_assert_eq!(fast, full);
        }

        #[test]
        fn tables_agree_with_the_fold_they_replace(
            s in "([a-zA-Z0-9 ,.:;!?«»“”—–\u{a0}\u{200b}\u{ad}'`<>&#/-]|[а-яА-ЯёЁәқңӘҚҢіІүҮ]|[\u{80}-\u{7ff}]|[\u{2000}-\u{206f}]|\\PC|&amp;|&#x41;|&nbsp;|<b>|</span>|ＡＢ|ﬁ|№){0,40}"
        ) {
            prop_assert_eq!(fold(&s, true), reference_fold(&s, true));
            prop_assert_eq!(fold(&s, false).0, reference_fold(&s, false).0);
        }

        #[test]
        fn ascii_runs_agree_with_the_fold_they_replace(s in "[ -~\t\n\x0b\x0c\r\x00-\x08\x7f]{0,60}") {
            prop_assert_eq!(fold(&s, false).0, reference_fold(&s, false).0);
        }

        #[test]
        fn tables_agree_on_any_string(s in any::<String>()) {
            prop_assert_eq!(fold(&s, true), reference_fold(&s, true));
            prop_assert_eq!(fold(&s, false).0, reference_fold(&s, false).0);
        }

        #[test]
        fn never_panics_on_any_string(s in any::<String>()) {
            let _ = for_matching(&s);
        }
    }
}
