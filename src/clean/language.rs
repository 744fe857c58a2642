//! Which language a cleaned text is in, for `Meta::language`.
//!
//! News of our region is told apart by its letters more than by its words: Kazakh has `ә ұ і`,
//! Uzbek Cyrillic `ў ҳ`, Kyrgyz `ң ө ү` without the Kazakh ones, Uzbek Latin writes `oʻ gʻ`,
//! Latin Kazakh its acute letters, Azerbaijani `ə`. For Latin-script text without such letters
//! a handful of function words separates English from the European languages of the
//! evaluation sets. This is a cheap tag for filtering and for reports, not a classifier: it
//! reads at most the first 600 characters and answers `None` when it has nothing to go on.

use std::sync::LazyLock;

/// How much of the text is looked at: some 100 words, a quarter of them function words in
/// the languages told apart by them, and a few lines of text in those told by their letters.
/// (Reading 1,500 characters cost a tenth of the cleaning time.)
const SAMPLE_CHARS: usize = 600;
/// Uzbek `o'`/`g'` letters and Uzbek function words that make a Latin text Uzbek.
const UZBEK_LATIN_HITS: usize = 3;

/// The language of `text`: `en`, `ru`, `kk`, `kk-Latn`, `kk-Arab`, `ky`, `uz-Latn`,
/// `uz-Cyrl`, `az`, `tg`, `uk`, `de`, `fr`, `es`, `pl`, `tr`, `el`, `zh`, `ar`, or `None`.
pub(crate) fn detect(text: &str) -> Option<&'static str> {
    let (survey, end) = Survey::of(text);
    survey.language(|| FunctionWords::count(text.get(..end).unwrap_or(text)))
}

/// Where the first `SAMPLE_CHARS` characters of `text` end (a byte offset).
fn sample_end(text: &str) -> usize {
    let bytes = text.as_bytes();
    if bytes.len() <= SAMPLE_CHARS || bytes[..SAMPLE_CHARS].is_ascii() {
        return bytes.len().min(SAMPLE_CHARS);
    }
    // Characters start at every byte that is not a continuation byte (0b10xx_xxxx). Whole
    // blocks are counted at once (the count vectorises) while the sample cannot end in them.
    let is_start = |b: &u8| (*b as i8) >= -0x40;
    let mut starts = 0;
    let mut at = 0;
    for block in bytes.chunks(64) {
        if starts + block.len() > SAMPLE_CHARS {
            break;
        }
        starts += block.iter().filter(|b| is_start(b)).count();
        at += block.len();
    }
    for (offset, b) in bytes.get(at..).unwrap_or_default().iter().enumerate() {
        if is_start(b) {
            if starts == SAMPLE_CHARS {
                return at + offset;
            }
            starts += 1;
        }
    }
    bytes.len()
}

/// What the sample of a text is written in.
#[derive(Debug, Default, PartialEq, Eq)]
struct Survey {
    latin: usize,
    cyrillic: usize,
    arabic: usize,
    greek: usize,
    han: usize,
    seen: Letters,
}

impl Survey {
    /// Surveys the first `SAMPLE_CHARS` characters of `text`; also returns where they end.
    ///
    /// ASCII bytes are counted in bulk (the loops vectorise); only other characters are
    /// decoded one by one.
    fn of(text: &str) -> (Survey, usize) {
        let mut s = Survey::default();
        let end = sample_end(text);
        let sample = text.get(..end).unwrap_or(text);
        let bytes = sample.as_bytes();
        for chunk in bytes.chunks(255) {
            let letters = chunk
                .iter()
                .map(|&b| u8::from((b | 0x20).wrapping_sub(b'a') < 26))
                .fold(0, u8::wrapping_add);
            s.latin += usize::from(letters);
        }
        // The Uzbek `o'` and `g'` are letters: an ASCII `o` or `g` before the mark and a
        // word going on after it (`o'zbek`, `o'z`; see `uzbek_letter_follows`).
        let after_o_or_g = |at: usize| at > 0 && matches!(bytes[at - 1], b'o' | b'g' | b'O' | b'G');
        let word_goes_on = |at: usize| uzbek_letter_follows(bytes.get(at..).unwrap_or_default());
        let uzbek_mark = |at: usize, len: usize| after_o_or_g(at) && word_goes_on(at + len);
        s.seen.uzbek_latin =
            memchr::memchr2_iter(b'\'', b'`', bytes).filter(|&at| uzbek_mark(at, 1)).count();
        let Some(first) = bytes.iter().position(|b| !b.is_ascii()) else { return (s, end) };
        let mut at = first;
        while at < bytes.len() {
            let b = bytes[at];
            if b < 0x80 {
                // Latin text with a `£` or a `«` here and there: skip ASCII blocks whole.
                match bytes.get(at..at + 16) {
                    Some(block) if block.is_ascii() => at += 16,
                    _ => at += 1,
                }
                continue;
            }
            // The Russian alphabet (U+0410..U+044F, lead byte 0xD0 or 0xD1) is the bulk of
            // Cyrillic text and marks no language: count it without decoding further.
            if let (0xd0 | 0xd1, Some(&next)) = (b, bytes.get(at + 1)) {
                let code = (u32::from(b & 0x1f) << 6) | u32::from(next & 0x3f);
                if (0x410..=0x44f).contains(&code) {
                    s.cyrillic += 1;
                    at += 2;
                    continue;
                }
            }
            let Some(ch) = sample.get(at..).and_then(|rest| rest.chars().next()) else { break };
            match ch {
                '\u{c0}'..='\u{24f}' => s.latin += 1,
                '\u{400}'..='\u{4ff}' => s.cyrillic += 1,
                '\u{600}'..='\u{6ff}' => s.arabic += 1,
                '\u{370}'..='\u{3ff}' => s.greek += 1,
                '\u{4e00}'..='\u{9fff}' => s.han += 1,
                _ => {}
            }
            s.seen.see(ch, uzbek_mark(at, ch.len_utf8()));
            at += ch.len_utf8();
        }
        (s, end)
    }

    /// The language the survey points to; `function_words` counts the function words of the
    /// sample, only needed for Latin script.
    fn language(&self, function_words: impl FnOnce() -> FunctionWords) -> Option<&'static str> {
        let Survey { latin, cyrillic, arabic, greek, han, ref seen } = *self;
        let most = latin.max(cyrillic).max(arabic).max(greek).max(han);
        if most == 0 {
            return None;
        }
        if most == han {
            return Some("zh");
        }
        if most == greek {
            return Some("el");
        }
        if most == arabic {
            return Some(if seen.kazakh_arabic { "kk-Arab" } else { "ar" });
        }
        if most == cyrillic {
            // Tajik writes `ҳ` as Uzbek does, but `ҷ ӣ ӯ` are its own: it is told first.
            return Some(if seen.tajik {
                "tg"
            } else if seen.uzbek_cyrillic {
                "uz-Cyrl"
            } else if seen.kazakh_only {
                "kk"
            } else if seen.ukrainian {
                "uk"
            } else if seen.kyrgyz_or_kazakh {
                if seen.kazakh_shared { "kk" } else { "ky" }
            } else if seen.kazakh_shared {
                "kk"
            } else {
                "ru"
            });
        }
        if seen.schwa {
            return Some("az");
        }
        if seen.kazakh_latin >= 2 {
            return Some("kk-Latn");
        }
        // An `o'`/`g'` letter counts as much as an Uzbek function word.
        if seen.uzbek_latin >= UZBEK_LATIN_HITS {
            return Some("uz-Latn");
        }
        let counts = function_words();
        if seen.uzbek_latin + counts.uz >= UZBEK_LATIN_HITS {
            return Some("uz-Latn");
        }
        counts.best()
    }
}

/// Hits of a few function words per Latin-script language.
#[derive(Debug, Default, PartialEq, Eq)]
struct FunctionWords {
    en: usize,
    de: usize,
    fr: usize,
    es: usize,
    pl: usize,
    tr: usize,
    uz: usize,
}

impl FunctionWords {
    fn count(sample: &str) -> FunctionWords {
        let mut c = FunctionWords::default();
        let table = &*FUNCTION_WORDS;
        // Words are runs of alphabetic characters; only words of at most 6 bytes can be
        // function words, and a word's [`word_key`] is only taken when it ends
        // ([`FunctionWords::see_word`]). ASCII bytes are classified as they come; only other
        // characters are decoded.
        let bytes = sample.as_bytes();
        let mut start = 0;
        let mut ascii = true;
        let mut at = 0;
        while at < bytes.len() {
            let b = bytes[at];
            if b < 0x80 {
                if (b | 0x20).wrapping_sub(b'a') >= 26 {
                    c.see_word(table, bytes, start, at - start, ascii);
                    start = at + 1;
                    ascii = true;
                }
                at += 1;
                continue;
            }
            let Some(ch) = sample.get(at..).and_then(|rest| rest.chars().next()) else { break };
            if ch.is_alphabetic() {
                ascii = false;
            } else {
                c.see_word(table, bytes, start, at - start, ascii);
                start = at + ch.len_utf8();
                ascii = true;
            }
            at += ch.len_utf8();
        }
        c.see_word(table, bytes, start, bytes.len() - start, ascii);
        c
    }

    /// Counts the word of `len` bytes at `bytes[from..]`, if it is short enough to be a
    /// function word; `ascii` says whether all its letters are ASCII.
    #[inline(always)]
    fn see_word(&mut self, table: &WordTable, bytes: &[u8], from: usize, len: usize, ascii: bool) {
        if !(1..=6).contains(&len) {
            return;
        }
        let word = bytes.get(from..from + len).unwrap_or_default();
        let key = if ascii { ascii_word_key(word) } else { word_key(word) };
        self.see_key(table, key);
    }

    fn see_key(&mut self, table: &WordTable, key: u64) {
        let languages = table.languages(key);
        if languages == 0 {
            return;
        }
        let c = self;
        for (bit, count) in [
            (EN, &mut c.en),
            (DE, &mut c.de),
            (FR, &mut c.fr),
            (ES, &mut c.es),
            (PL, &mut c.pl),
            (TR, &mut c.tr),
            (UZ, &mut c.uz),
        ] {
            *count += usize::from(languages & bit != 0);
        }
    }

    fn best(&self) -> Option<&'static str> {
        let scores = [
            ("en", self.en),
            ("de", self.de),
            ("fr", self.fr),
            ("es", self.es),
            ("pl", self.pl),
            ("tr", self.tr),
        ];
        scores.iter().filter(|(_, n)| *n > 0).max_by_key(|(_, n)| *n).map(|(lang, _)| *lang)
    }
}

const EN: u8 = 1;
const DE: u8 = 2;
const FR: u8 = 4;
const ES: u8 = 8;
const PL: u8 = 16;
const TR: u8 = 32;
const UZ: u8 = 64;

/// The function words and the languages they count for.
const WORDS: &[(&str, u8)] = &[
    ("the", EN),
    ("and", EN),
    ("of", EN),
    ("to", EN),
    ("is", EN),
    ("was", EN),
    ("said", EN),
    ("der", DE),
    ("die", DE),
    ("und", DE),
    ("das", DE),
    ("nicht", DE),
    ("ist", DE),
    ("mit", DE),
    ("le", FR),
    ("les", FR),
    ("et", FR),
    ("des", FR),
    ("est", FR),
    ("une", FR),
    ("el", ES),
    ("los", ES),
    ("las", ES),
    ("y", ES),
    ("que", ES),
    ("del", ES),
    ("una", ES),
    ("i", PL),
    ("w", PL),
    ("na", PL),
    ("się", PL),
    ("że", PL),
    ("nie", PL),
    ("jest", PL),
    ("ve", TR),
    ("bir", TR),
    ("için", TR),
    ("ile", TR),
    ("olarak", TR),
    ("va", UZ),
    ("bilan", UZ),
    ("uchun", UZ),
    ("ham", UZ),
    ("yil", UZ),
    ("in", EN | DE),
    ("la", FR | ES),
];

/// [`WORDS`] by [`word_key`], in an open-addressing table.
static FUNCTION_WORDS: LazyLock<WordTable> = LazyLock::new(|| {
    let mut table = WordTable { slots: [(0, 0); WordTable::SLOTS] };
    for &(word, languages) in WORDS {
        let key = word_key(word.as_bytes());
        let mut slot = WordTable::slot(key);
        while table.slots[slot].0 != 0 {
            slot = (slot + 1) % WordTable::SLOTS;
        }
        table.slots[slot] = (key, languages);
    }
    table
});

/// A hash set of word keys with their language bits; key 0 (no word) marks an empty slot.
struct WordTable {
    slots: [(u64, u8); WordTable::SLOTS],
}

impl WordTable {
    /// A power of two, well above the number of words, so that probes are short.
    const SLOTS: usize = 256;

    fn slot(key: u64) -> usize {
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56) as usize % WordTable::SLOTS
    }

    /// The language bits of the word with this key; 0 for other words.
    fn languages(&self, key: u64) -> u8 {
        let mut slot = WordTable::slot(key);
        loop {
            let (k, languages) = self.slots[slot];
            if k == key {
                return languages;
            }
            if k == 0 {
                return 0;
            }
            slot = (slot + 1) % WordTable::SLOTS;
        }
    }
}

/// [`word_key`] of a word of ASCII letters (`| 0x20` lower-cases an ASCII letter).
fn ascii_word_key(word: &[u8]) -> u64 {
    let mut key = (word.len() as u64) << 56;
    for (i, &b) in word.iter().take(7).enumerate() {
        key |= u64::from(b | 0x20) << (8 * i);
    }
    key
}

/// Whether `after`, the text after an apostrophe that follows an `o` or a `g`, goes on with
/// the rest of an Uzbek word (`o'zbek`, `o'z`, `g'alaba`): a lower-case letter, and not an
/// English clitic (`Toyota's`, `who'll`) or an Irish name (`O'Driscoll`).
fn uzbek_letter_follows(after: &[u8]) -> bool {
    let letters = after.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let word = after.get(..letters).unwrap_or_default();
    word.first().is_some_and(u8::is_ascii_lowercase)
        && !matches!(word, b"s" | b"ll" | b"re" | b"ve" | b"d" | b"m" | b"t")
}

/// A word of at most 7 bytes as one number: its bytes (lower-cased when the word is ASCII;
/// other words are compared as written) and its length.
fn word_key(word: &[u8]) -> u64 {
    let ascii = word.is_ascii();
    let mut key = (word.len() as u64) << 56;
    for (i, &b) in word.iter().take(7).enumerate() {
        let b = if ascii { b.to_ascii_lowercase() } else { b };
        key |= u64::from(b) << (8 * i);
    }
    key
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Letters {
    kazakh_only: bool,
    kazakh_shared: bool,
    kyrgyz_or_kazakh: bool,
    uzbek_cyrillic: bool,
    tajik: bool,
    ukrainian: bool,
    kazakh_arabic: bool,
    schwa: bool,
    kazakh_latin: usize,
    /// Uzbek `o'`/`g'` letters seen.
    uzbek_latin: usize,
}

impl Letters {
    /// Notes a non-ASCII character; `uzbek_mark` says whether, were it an apostrophe, it
    /// would make an Uzbek `o'`/`g'` letter (an ASCII `o` or `g` before it, a word going on
    /// after it).
    fn see(&mut self, ch: char, uzbek_mark: bool) {
        match ch {
            'ә' | 'Ә' | 'ұ' | 'Ұ' | 'і' | 'І' | 'һ' | 'Һ' => self.kazakh_only = true,
            'ғ' | 'Ғ' | 'қ' | 'Қ' => self.kazakh_shared = true,
            'ң' | 'Ң' | 'ө' | 'Ө' | 'ү' | 'Ү' => self.kyrgyz_or_kazakh = true,
            'ў' | 'Ў' | 'ҳ' | 'Ҳ' => self.uzbek_cyrillic = true,
            'ҷ' | 'Ҷ' | 'ӣ' | 'Ӣ' | 'ӯ' | 'Ӯ' => self.tajik = true,
            'є' | 'Є' | 'ї' | 'Ї' | 'ґ' | 'Ґ' => self.ukrainian = true,
            'ڭ' | 'ۇ' | 'ٴ' | 'ۋ' | 'ە' => self.kazakh_arabic = true,
            'ə' | 'Ə' => self.schwa = true,
            'á' | 'ó' | 'ú' | 'ý' | 'ǵ' | 'ń' | 'ı' => {
                self.kazakh_latin = self.kazakh_latin.saturating_add(1);
            }
            'ʻ' | '‘' | 'ʼ' | '’' if uzbek_mark => self.uzbek_latin += 1,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The survey as first written, char by char: the oracle of the byte loop.
    fn reference_survey(text: &str) -> Survey {
        let mut s = Survey::default();
        let mut previous = '\0';
        let chars: Vec<char> = text.chars().take(SAMPLE_CHARS).collect();
        for (i, &ch) in chars.iter().enumerate() {
            // Only the letters right after the mark matter.
            let after = chars.get(i + 1..).unwrap_or_default().iter();
            let letters: String = after.take_while(|c| c.is_ascii_alphabetic()).collect();
            let word_goes_on = uzbek_letter_follows(letters.as_bytes());
            let uzbek_mark = matches!(previous, 'o' | 'g' | 'O' | 'G') && word_goes_on;
            if ch.is_ascii() {
                s.latin += usize::from(ch.is_ascii_alphabetic());
                if matches!(ch, '\'' | '`') && uzbek_mark {
                    s.seen.uzbek_latin += 1;
                }
                previous = ch;
                continue;
            }
            match ch {
                '\u{c0}'..='\u{24f}' => s.latin += 1,
                '\u{400}'..='\u{4ff}' => s.cyrillic += 1,
                '\u{600}'..='\u{6ff}' => s.arabic += 1,
                '\u{370}'..='\u{3ff}' => s.greek += 1,
                '\u{4e00}'..='\u{9fff}' => s.han += 1,
                _ => {}
            }
            s.seen.see(ch, uzbek_mark);
            previous = ch;
        }
        s
    }

    /// Function words counted over `split`, as first written.
    fn reference_function_words(sample: &str) -> FunctionWords {
        let mut c = FunctionWords::default();
        for word in
            sample.split(|ch: char| !ch.is_alphabetic()).filter(|w| !w.is_empty() && w.len() <= 6)
        {
            let lower = if word.is_ascii() { word.to_ascii_lowercase() } else { word.to_owned() };
            match lower.as_str() {
                "the" | "and" | "of" | "to" | "is" | "was" | "said" => c.en += 1,
                "der" | "die" | "und" | "das" | "nicht" | "ist" | "mit" => c.de += 1,
                "le" | "les" | "et" | "des" | "est" | "une" => c.fr += 1,
                "el" | "los" | "las" | "y" | "que" | "del" | "una" => c.es += 1,
                "i" | "w" | "na" | "się" | "że" | "nie" | "jest" => c.pl += 1,
                "ve" | "bir" | "için" | "ile" | "olarak" => c.tr += 1,
                "va" | "bilan" | "uchun" | "ham" | "yil" => c.uz += 1,
                "in" => {
                    c.en += 1;
                    c.de += 1;
                }
                "la" => {
                    c.fr += 1;
                    c.es += 1;
                }
                _ => {}
            }
        }
        c
    }

    proptest! {
        #[test]
        fn ascii_fast_path_agrees_with_the_char_loop(
            text in "(the |And |in |LA |nicht |olarak |said, |[a-zA-Z0-9 ,.'`-]){0,60}",
            repeat in 1usize..40,
        ) {
            let text = text.repeat(repeat);
            let (survey, end) = Survey::of(&text);
            prop_assert_eq!(&survey, &reference_survey(&text));
            let sample = &text[..end.min(text.len())];
            prop_assert_eq!(sample.len(), text.len().min(SAMPLE_CHARS));
            prop_assert_eq!(FunctionWords::count(sample), reference_function_words(sample));
        }

        #[test]
        fn byte_loop_agrees_with_the_char_loop(
            text in "(the |and |Nicht |się |SIĘ |için |olarak |La |in |uchun |[a-zA-Z ,.'`ʻ‘’ʼ\u{c0}-\u{24f}\u{400}-\u{4ff}\u{600}-\u{6ff}\u{370}-\u{3ff}\u{4e00}-\u{4e10}ęłż]){0,40}",
            repeat in 1usize..40,
        ) {
            // Repeated, so that the 1500-character sample boundary falls inside the text.
            let text = text.repeat(repeat);
            let (survey, end) = Survey::of(&text);
            prop_assert_eq!(&survey, &reference_survey(&text));
            let sample = match text.char_indices().nth(SAMPLE_CHARS) {
                Some((end, _)) => &text[..end],
                None => &text[..],
            };
            prop_assert_eq!(&text[..end], sample);
            prop_assert_eq!(FunctionWords::count(sample), reference_function_words(sample));
        }
    }

    #[test]
    fn tells_the_languages_of_the_region_apart() {
        let cases = [
            ("The minister said that the talks of the two sides were useful.", Some("en")),
            // Possessives, clitics and Irish names are not the Uzbek `o'`/`g'` letters.
            (
                "Ronaldo's goal and Toyota’s profits: Chicago's mayor said the news was good.",
                Some("en"),
            ),
            ("O'Driscoll, who'll lead the side, said O'Gara and O'Sullivan were fit.", Some("en")),
            ("Министр заявил, что переговоры были полезными.", Some("ru")),
            ("Президент бүгін Астанада шетелдік инвесторлармен кездесті.", Some("kk")),
            ("Президент бүгүн Бишкекте чет элдик инвесторлор менен жолукту.", Some("ky")),
            (
                "Президент бугун хорижий инвесторлар билан учрашди ва ўз фикрини айтди.",
                Some("uz-Cyrl"),
            ),
            (
                "Prezident bugun xorijiy investorlar bilan uchrashdi va o‘z fikrini aytdi.",
                Some("uz-Latn"),
            ),
            // Tajik shares `ҳ` with Uzbek; `ҷ ӣ ӯ` are its own.
            (
                "Вазири фарҳанг ҳамчунин гуфт, ки ҷаласаи навбатӣ дар рӯзи шанбе мешавад.",
                Some("tg"),
            ),
            ("Prezıdent búgin Astanada sheteldik ınvestorlarmen kezdesti.", Some("kk-Latn")),
            ("Prezident bu gün xarici investorlarla görüşüb və çıxış edib.", Some("az")),
            ("جۇما, 30 قاڭتار 2026", Some("kk-Arab")),
            ("12345 -- !!", None),
        ];
        for (text, want) in cases {
            assert_eq!(detect(text), want, "{text}");
        }
    }
}
