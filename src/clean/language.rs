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
const SAMPLE_CHARS: usize = 4000;

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
        match ch {
            'a'..='z' | 'A'..='Z' | '\u{c0}'..='\u{24f}' => latin += 1,
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
    let lower = text.chars().take(SAMPLE_CHARS).collect::<String>().to_lowercase();
    if seen.uzbek_latin || count_words(&lower, &["va", "bilan", "uchun", "bu", "ham", "yil"]) >= 3 {
        return Some("uz-Latn");
    }
    let scores = [
        ("en", count_words(&lower, &["the", "and", "of", "to", "in", "is", "was", "said"])),
        ("de", count_words(&lower, &["der", "die", "und", "das", "nicht", "ist", "mit"])),
        ("fr", count_words(&lower, &["le", "la", "les", "et", "des", "est", "une"])),
        ("es", count_words(&lower, &["el", "los", "las", "y", "que", "del", "una"])),
        ("pl", count_words(&lower, &["i", "w", "na", "się", "że", "nie", "jest"])),
        ("tr", count_words(&lower, &["ve", "bir", "bu", "için", "ile", "olarak"])),
    ];
    scores.iter().filter(|(_, n)| *n > 0).max_by_key(|(_, n)| *n).map(|(lang, _)| *lang)
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

fn count_words(lower: &str, words: &[&str]) -> usize {
    lower.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty() && words.contains(w)).count()
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
