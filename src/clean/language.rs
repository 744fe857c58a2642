//! Which language a cleaned text is in, for `Meta::language`.
//!
//! News of our region is told apart by its letters more than by its words: Kazakh has `ә ұ і`,
//! Uzbek Cyrillic `ў ҳ`, Kyrgyz `ң ө ү` without the Kazakh ones, Uzbek Latin writes `oʻ gʻ`,
//! Latin Kazakh its acute letters, Azerbaijani `ə`. For Latin-script text without such letters
//! a handful of function words separates English from the European languages of the
//! evaluation sets. This is a cheap tag for filtering and for reports, not a classifier: it
//! reads at most the first few thousand characters and answers `None` when it has nothing to go
//! on.

/// How much of the text is looked at.
const SAMPLE_CHARS: usize = 1500;

/// The language of `text`: `en`, `ru`, `kk`, `kk-Latn`, `kk-Arab`, `ky`, `uz-Latn`,
/// `uz-Cyrl`, `az`, `tg`, `uk`, `de`, `fr`, `es`, `pl`, `tr`, `el`, `zh`, `ar`, or `None`.
pub(crate) fn detect(text: &str) -> Option<&'static str> {
    let mut latin = 0usize;
    let mut cyrillic = 0usize;
    let mut arabic = 0usize;
    let mut greek = 0usize;
    let mut han = 0usize;
    let mut seen = Letters::default();
    for ch in text.chars().take(SAMPLE_CHARS) {
        if ch.is_ascii() {
            latin += usize::from(ch.is_ascii_alphabetic());
            if matches!(ch, '\'' | '`') && matches!(seen.previous, 'o' | 'g' | 'O' | 'G') {
                seen.uzbek_latin = true;
            }
            seen.previous = ch;
            continue;
        }
        match ch {
            '\u{c0}'..='\u{24f}' => latin += 1,
            '\u{400}'..='\u{4ff}' => cyrillic += 1,
            '\u{600}'..='\u{6ff}' => arabic += 1,
            '\u{370}'..='\u{3ff}' => greek += 1,
            '\u{4e00}'..='\u{9fff}' => han += 1,
            _ => {}
        }
        seen.see(ch);
    }
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
        return Some(if seen.uzbek_cyrillic {
            "uz-Cyrl"
        } else if seen.kazakh_only {
            "kk"
        } else if seen.tajik {
            "tg"
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
    let sample = match text.char_indices().nth(SAMPLE_CHARS) {
        Some((end, _)) => &text[..end],
        None => text,
    };
    let counts = FunctionWords::count(sample);
    if seen.uzbek_latin || counts.uz >= 3 {
        return Some("uz-Latn");
    }
    counts.best()
}

/// Hits of a few function words per Latin-script language.
#[derive(Default)]
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
        for word in
            sample.split(|ch: char| !ch.is_alphabetic()).filter(|w| !w.is_empty() && w.len() <= 6)
        {
            let mut buf = [0u8; 8];
            let lower = lowercase_small(word, &mut buf);
            match lower {
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

/// `word` in lower case, in `buf` when it fits (function words are short and mostly ASCII).
fn lowercase_small<'b>(word: &'b str, buf: &'b mut [u8; 8]) -> &'b str {
    if word.is_ascii() && word.len() <= buf.len() {
        let out = &mut buf[..word.len()];
        out.copy_from_slice(word.as_bytes());
        out.make_ascii_lowercase();
        std::str::from_utf8(out).unwrap_or(word)
    } else {
        word
    }
}

#[derive(Default)]
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
    uzbek_latin: bool,
    previous: char,
}

impl Letters {
    fn see(&mut self, ch: char) {
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
            'ʻ' | '‘' | '\'' | 'ʼ' | '’' | '`'
                if matches!(self.previous, 'o' | 'g' | 'O' | 'G') =>
            {
                self.uzbek_latin = true;
            }
            _ => {}
        }
        self.previous = ch;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_the_languages_of_the_region_apart() {
        let cases = [
            ("The minister said that the talks of the two sides were useful.", Some("en")),
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
