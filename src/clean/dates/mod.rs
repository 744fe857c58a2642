//! Reading the dates and times that header lines print, in every format of `BOILERPLATE.md`
//! §1: `25.06.2024, 14:25`, `15:00, 23 Ноябрь 2025`, `24 қараша 2012, 13:00`, `June 29,
//! 2006`, `Fri, 16 Mar 2018 18:24:08 +0600`, `2024-06-25 14:25`, `12:52 pm EDT June 29, 2006`.
//!
//! Rules capture the text (`(?P<published>…)`); this module turns it into `YYYY-MM-DDTHH:MM`
//! (or `YYYY-MM-DD` without a time). The time is the site's local time as printed: a header
//! rarely says its zone, and inventing one would be worse than saying nothing. Month names
//! are matched by their first letters in every language of the packs (the stems are distinct
//! across languages, so one table serves them all). Anything that is not a whole, valid date
//! gives `None`: a relative stamp (`2 часа назад`) is not a publication date.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

mod numeric;

/// Month stems (matching form, i.e. lower case) and their month numbers.
const MONTH_STEMS: &[(&str, u8)] = &[
    // English, Uzbek and Azerbaijani (Latin), Russian, Uzbek and Kyrgyz (Cyrillic).
    ("jan", 1),
    ("yanv", 1),
    ("янв", 1),
    ("feb", 2),
    ("fev", 2),
    ("фев", 2),
    ("mar", 3),
    ("мар", 3),
    ("apr", 4),
    ("apr", 4),
    ("апр", 4),
    ("may", 5),
    ("mai", 5),
    ("мая", 5),
    ("май", 5),
    ("jun", 6),
    ("iyun", 6),
    ("июн", 6),
    ("jul", 7),
    ("iyul", 7),
    ("июл", 7),
    ("aug", 8),
    ("avg", 8),
    ("avq", 8),
    ("авг", 8),
    ("sep", 9),
    ("sent", 9),
    ("сен", 9),
    ("oct", 10),
    ("okt", 10),
    ("окт", 10),
    ("nov", 11),
    ("noy", 11),
    ("ноя", 11),
    ("dec", 12),
    ("dek", 12),
    ("дек", 12),
    // Kazakh (Cyrillic).
    ("қаң", 1),
    ("ақп", 2),
    ("нау", 3),
    ("сәу", 4),
    ("мам", 5),
    ("мау", 6),
    ("шіл", 7),
    ("там", 8),
    ("қыр", 9),
    ("қаз", 10),
    ("қар", 11),
    ("жел", 12),
    // Kazakh (Latin, 2017/2018 and 2021 alphabets).
    ("qan", 1),
    ("aqp", 2),
    ("naý", 3),
    ("nau", 3),
    ("sáý", 4),
    ("sau", 4),
    ("mam", 5),
    // Kazakh `maýsym` (June) before Turkmen `maý` (May).
    ("maýs", 6),
    ("maý", 5),
    ("mau", 6),
    ("shil", 7),
    ("şil", 7),
    ("tam", 8),
    ("qyr", 9),
    ("qaz", 10),
    ("qar", 11),
    ("jel", 12),
    // Turkmen (Latin): ýanwar, fewral, mart, aprel, maý, iýun, iýul, awgust, sentýabr,
    // oktýabr, noýabr, dekabr.
    ("ýan", 1),
    ("few", 2),
    ("iýun", 6),
    ("iýul", 7),
    ("awg", 8),
    ("noý", 11),
    // Kazakh (Arabic script): قاڭتار, اقپان, ناۋرىز, ٴساۋىر, مامىر, ماۋسىم, ٴشىلدە, تامىز,
    // قىركۇيەك, قازان, قاراشا, جەلتوقسان.
    ("قاڭ", 1),
    ("اقپ", 2),
    ("ناۋ", 3),
    ("ٴساۋ", 4),
    ("ساۋ", 4),
    ("مام", 5),
    ("ماۋ", 6),
    ("ٴشىل", 7),
    ("شىل", 7),
    ("تام", 8),
    ("قىر", 9),
    ("قاز", 10),
    ("قار", 11),
    ("جەل", 12),
];

#[allow(clippy::expect_used)] // a constant pattern, compiled in the tests
static NUMERIC_YMD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\d])(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?:[^\d]|$)").expect("valid regex")
});
#[allow(clippy::expect_used)]
static NUMERIC_DMY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\d])(\d{1,2})[-./](\d{1,2})[-./](\d{4}|\d{2})(?:[^\d]|$)")
        .expect("valid regex")
});
#[allow(clippy::expect_used)]
static DAY_MONTH_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[^\d])(\d{1,2})(?:-?(?:nji|njy|inji|ynjy|nchi|inchi|нчи|чи|th|st|nd|rd|го)\b)?(?:-|\s)*(\p{L}[\p{L}\p{M}ٴ]*)\.?,?\s*(\d{4})",
    )
        .expect("valid regex")
});
#[allow(clippy::expect_used)]
static MONTH_DAY_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\p{L}[\p{L}\p{M}]*)\.?\s*(\d{1,2}),?\s+(\d{4})").expect("valid regex")
});
#[allow(clippy::expect_used)]
static YEAR_DAY_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    // Uzbek: `2024-yil 25-iyun`.
    Regex::new(r"(\d{4})-(?:yil|йил)\s+(\d{1,2})-(\p{L}+)").expect("valid regex")
});
#[allow(clippy::expect_used)]
static TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\d:])(\d{1,2}):(\d{2})(?::\d{2})?(?:\s*([ap])\.?m\.?)?(?:[^\d:]|$)")
        .expect("valid regex")
});

/// Parses the date and time in `text` (any case, any of the formats of the module docs).
///
/// Returns `YYYY-MM-DDTHH:MM`, or `YYYY-MM-DD` when no time is printed, or `None` when no
/// whole, valid date is found.
pub(crate) fn parse_published(text: &str) -> Option<String> {
    published_in_form(&crate::normalize::for_matching(text))
}

/// [`parse_published`] of text already in its matching form.
pub(crate) fn published_in_form(form: &str) -> Option<String> {
    let (date, _) = find_date(form)?;
    Some(published_text(date, find_time(form).map(|(time, _)| time)))
}

/// `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM` with a time.
fn published_text((year, month, day): (u16, u8, u8), time: Option<(u8, u8)>) -> String {
    // Digit by digit: `format!` cost a thousand instructions a date, on every header.
    let mut text = String::with_capacity(16);
    push_digits(&mut text, year, 4);
    text.push('-');
    push_digits(&mut text, month.into(), 2);
    text.push('-');
    push_digits(&mut text, day.into(), 2);
    if let Some((hour, minute)) = time {
        text.push('T');
        push_digits(&mut text, hour.into(), 2);
        text.push(':');
        push_digits(&mut text, minute.into(), 2);
    }
    text
}

/// Appends the last `width` decimal digits of `value`, zero-padded.
fn push_digits(text: &mut String, value: u16, width: u32) {
    for place in (0..width).rev() {
        let digit = (value / 10u16.pow(place)) % 10;
        text.push(char::from(b'0' + u8::try_from(digit).unwrap_or(0)));
    }
}

/// The first whole, valid date in `text`, and where it stands.
fn find_date(text: &str) -> Option<((u16, u8, u8), Range<usize>)> {
    let field = |range: &Range<usize>| text.get(range.clone()).and_then(num);
    if let Some([year, month, day]) = numeric::year_month_day(text) {
        if let Some(date) = valid(field(&year)?, field(&month)?, field(&day)?) {
            return Some((date, year.start..day.end));
        }
    }
    if let Some([first, second, year]) = numeric::day_month_year(text) {
        let year_value = expand_year(field(&year)?, year.len());
        let (a, b) = (field(&first)?, field(&second)?);
        // Day first, as everywhere in our regions; a first field over 12 cannot be a month,
        // and a second field over 12 means the page wrote month first.
        if let Some(date) = valid(year_value, b, a).or_else(|| valid(year_value, a, b)) {
            return Some((date, first.start..year.end));
        }
    }
    // The patterns with a month's name all read a four-digit year.
    let four_digits = text.as_bytes().windows(4).any(|w| w.iter().all(u8::is_ascii_digit));
    if !four_digits && !numeric::has_other_digits(text) {
        return None;
    }
    for c in DAY_MONTH_YEAR.captures_iter(text) {
        if let (Some(month), Some(day), Some(year)) = (month_of(&c[2]), num(&c[1]), num(&c[3])) {
            if let Some(date) = valid(year, month.into(), day) {
                return Some((date, span(&c, 1, 3)));
            }
        }
    }
    for c in MONTH_DAY_YEAR.captures_iter(text) {
        if let (Some(month), Some(day), Some(year)) = (month_of(&c[1]), num(&c[2]), num(&c[3])) {
            if let Some(date) = valid(year, month.into(), day) {
                return Some((date, span(&c, 1, 3)));
            }
        }
    }
    if let Some(c) = YEAR_DAY_MONTH.captures(text) {
        if let (Some(year), Some(day), Some(month)) = (num(&c[1]), num(&c[2]), month_of(&c[3])) {
            return valid(year, month.into(), day).map(|date| (date, span(&c, 1, 3)));
        }
    }
    None
}

/// From the start of group `first` to the end of group `last` of `c`.
fn span(c: &regex::Captures<'_>, first: usize, last: usize) -> Range<usize> {
    let start = c.get(first).map_or(0, |m| m.start());
    let end = c.get(last).map_or(start, |m| m.end());
    start..end
}

/// The first valid time in `text`, and where it stands.
fn find_time(text: &str) -> Option<((u8, u8), Range<usize>)> {
    let found = numeric::times(text).next()?;
    let field = |range: &Range<usize>| text.get(range.clone()).and_then(num);
    let mut hour = u8::try_from(field(&found.hour)?).ok()?;
    let minute = u8::try_from(field(&found.minute)?).ok()?;
    match found.meridiem.as_ref().and_then(|m| text.get(m.clone())) {
        Some("p") if hour < 12 => hour += 12,
        Some("a") if hour == 12 => hour = 0,
        _ => {}
    }
    let end = found.meridiem.map_or(found.minute.end, |m| m.end);
    (hour < 24 && minute < 60).then_some(((hour, minute), found.hour.start..end))
}

fn num(digits: &str) -> Option<u16> {
    digits.parse().ok()
}

fn expand_year(year: u16, digits: usize) -> u16 {
    if digits == 2 { 2000 + year } else { year }
}

fn valid(year: u16, month: u16, day: u16) -> Option<(u16, u8, u8)> {
    let month = u8::try_from(month).ok().filter(|m| (1..=12).contains(m))?;
    let day = u8::try_from(day).ok()?;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    ((1900..=2200).contains(&year) && (1..=days).contains(&day)).then_some((year, month, day))
}

/// Whether `form` has what every date or time has: a time (`12:10`), a year (`19xx`,
/// `20xx`), or digits joined by `.`, `/` or `-`. One pass over the bytes spares the date
/// patterns most short lines with a number (`Comments 3`).
fn may_hold_a_date(b: &[u8]) -> bool {
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    (0..b.len()).any(|i| {
        if !digit(i) {
            return false;
        }
        let joined = matches!(b.get(i + 1), Some(b':' | b'.' | b'/' | b'-')) && digit(i + 2);
        let year = matches!(b[i], b'1' | b'2')
            && matches!(b.get(i + 1), Some(b'9' | b'0'))
            && digit(i + 2)
            && digit(i + 3);
        joined || year
    })
}

/// Whether `b` may hold what [`THOUSANDS`] matches: a digit, a space, comma or no-break
/// space, then three digits.
fn may_group_thousands(b: &[u8]) -> bool {
    b.iter().enumerate().any(|(at, digit)| {
        let after = b.get(at + 1..).unwrap_or_default();
        let separator = match after.first() {
            Some(b' ' | b',') => 1,
            Some(0xc2) => 2, // U+00A0
            Some(0xe2) => 3, // U+202F
            _ => 0,
        };
        digit.is_ascii_digit()
            && separator > 0
            && after.get(separator..separator + 3).is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    })
}

/// What a line made of a date, a time and their labels says: see [`read_date_line`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct DateLine {
    /// `YYYY-MM-DD[THH:MM]`, when the line prints a whole date.
    pub(crate) published: Option<String>,
    /// A count printed beside the date (`21 Oktyabr 2022 982`, `14.07.2025 | 22:0024318`).
    pub(crate) views: Option<u64>,
    /// `HH:MM`, when the line prints a time: a time on a line of its own completes the date
    /// printed on the line above.
    pub(crate) time: Option<String>,
}

/// Most words of a date line that are neither calendar words nor numbers: a site's section
/// (`Siyasət`), a city (`Бишкек убактысы`), a label (`Baxış sayı`).
const DATE_LINE_MAX_OTHER_WORDS: usize = 2;
/// A date line is short: past this many characters it is a sentence that mentions a date.
const DATE_LINE_MAX_CHARS: usize = 90;

/// Reads a line that is only a date or time stamp, in any script and order, with at most a
/// couple of other words (a label, a city, a section) and maybe a view count: the header of
/// an article, or of the next story of a feed. `form` is the line's matching form.
///
/// `None` when the line is anything else: a sentence, a headline that mentions a date, a
/// bare number. A relative stamp (`Вчера, 2026 12:10`) is a date line with no `published`.
pub(crate) fn read_date_line(form: &str) -> Option<DateLine> {
    if form.len() > DATE_LINE_MAX_CHARS * 2 || form.chars().count() > DATE_LINE_MAX_CHARS {
        return None;
    }
    if !may_hold_a_date(form.as_bytes()) {
        return None;
    }
    let date = find_date(form);
    let glued = numeric::glued_time_count(form);
    let field = |range: &Range<usize>| form.get(range.clone()).and_then(num);
    let time = find_time(form).or_else(|| {
        let [hour, minute, _] = glued.as_ref()?;
        let (hour_value, minute_value) =
            (u8::try_from(field(hour)?).ok()?, u8::try_from(field(minute)?).ok()?);
        (hour_value < 24 && minute_value < 60)
            .then_some(((hour_value, minute_value), hour.start..minute.end))
    });
    if date.is_none() && time.is_none() {
        return None;
    }
    // The line with its date, time and glued count blanked out: what else it says.
    let mut rest = form.to_owned();
    let mut blank = |range: &Range<usize>| {
        if rest.get(range.clone()).is_some() {
            rest.replace_range(range.clone(), &" ".repeat(range.len()));
        }
    };
    let mut views = None;
    if let Some([_, _, count]) = &glued {
        views = form.get(count.clone()).and_then(|digits| digits.parse().ok());
        blank(count);
    }
    if let Some((_, range)) = &date {
        blank(range);
    }
    if let Some((_, range)) = &time {
        blank(range);
    }
    // A second time is a zone offset (`UTC +04:00`) or an update stamp.
    for found in numeric::times(form) {
        blank(&(found.hour.start..found.minute.end));
    }
    // `1 204`, `1,204`: one count in thousands; `1.2k`: 1,200. Most stamps have neither,
    // and a look at the bytes costs less than a search that finds nothing.
    if may_group_thousands(rest.as_bytes()) {
        rest = THOUSANDS.replace_all(&rest, "$1$2").into_owned();
    }
    if rest.contains('k') {
        rest = KILO.replace_all(&rest, "${1}${2}00").into_owned();
    }
    let tokens: Vec<&str> =
        rest.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).collect();
    let relative = tokens.iter().any(|t| is_relative_day(t));
    let mut other_words = 0;
    let mut counts = Vec::new();
    for (at, &token) in tokens.iter().enumerate() {
        // `12 pikir`, `3 комментария`: a comment count, not views.
        let counted = tokens.get(at + 1).is_some_and(|next| is_comment_word(next));
        if counted || is_comment_word(token) {
            continue;
        }
        if token.bytes().all(|b| b.is_ascii_digit()) {
            let year_like = token.len() == 4 && (1990..=2100).contains(&num(token).unwrap_or(0));
            if !(year_like && date.is_none()) {
                counts.push(token);
            }
        } else if !(is_calendar_word(token) || is_relative_day(token)) {
            other_words += 1;
        }
    }
    let both = date.is_some() && time.is_some();
    let allowed = DATE_LINE_MAX_OTHER_WORDS + usize::from(both);
    if other_words > allowed || tokens.len() > 12 {
        return None;
    }
    // A time alone is a stamp only with nothing else beside it but calendar words.
    if date.is_none() && !relative && other_words > 0 {
        return None;
    }
    if views.is_none() && counts.len() == 1 {
        views = counts[0].parse().ok().filter(|&n: &u64| n < 1_000_000_000);
    } else if counts.len() > 1 {
        return None;
    }
    let time = time.map(|(time, _)| time);
    let clock = time.map(|(hour, minute)| {
        let mut clock = String::with_capacity(5);
        push_digits(&mut clock, hour.into(), 2);
        clock.push(':');
        push_digits(&mut clock, minute.into(), 2);
        clock
    });
    let published = date.map(|(date, _)| published_text(date, time));
    Some(DateLine { published, views, time: clock })
}

#[allow(clippy::expect_used)] // a constant pattern, compiled in the tests
static THOUSANDS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d)[ ,\u{a0}\u{202f}](\d{3})\b").expect("valid regex"));

#[allow(clippy::expect_used)] // a constant pattern, compiled in the tests
static KILO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(\d{1,3})[.,](\d)k\b").expect("valid regex"));

#[allow(clippy::expect_used)] // a constant pattern, compiled in the tests
static GLUED_TIME_COUNT: LazyLock<Regex> = LazyLock::new(|| {
    // `22:0024318`: a time and a view counter printed with no space between them.
    Regex::new(r"(?:^|[^\d:])(\d{1,2}):([0-5]\d)(\d{1,9})(?:[^\d]|$)").expect("valid regex")
});

/// Words that stand beside dates in headers besides month and weekday names: year and hour
/// words, prepositions, time zones and date labels, in every language of the packs
/// (matching form).
const CALENDAR_WORDS: &[&str] = &[
    // English
    "at",
    "on",
    "of",
    "am",
    "pm",
    "utc",
    "gmt",
    "est",
    "edt",
    "bst",
    "cet",
    "msk",
    "date",
    "published",
    "updated",
    "posted",
    "last",
    "time",
    // Russian
    "пн",
    "вт",
    "ср",
    "чт",
    "пт",
    "сб",
    "вс",
    "г",
    "гг",
    "год",
    "года",
    "в",
    "мск",
    "дата",
    "опубликовано",
    "обновлено",
    "время",
    "публикации",
    // Kazakh
    "жыл",
    "жылы",
    "жылғы",
    "сағат",
    "уақыты",
    "күні",
    "жарияланды",
    // Kyrgyz
    "жылдын",
    "саат",
    "убактысы",
    "күнү",
    // Uzbek (Latin and Cyrillic)
    "yil",
    "yili",
    "soat",
    "kuni",
    "sana",
    "йил",
    "йили",
    "соат",
    "куни",
    "сана",
    // Azerbaijani
    "il",
    "saat",
    "tarix",
    "tarixi",
    // Tajik
    "сол",
    "соли",
    "соати",
    "санаи",
    // Turkmen
    "ýyl",
    "ýylyň",
    "sagat",
    "güni",
    "gün",
    // Month words without their year, and the ordinal suffixes glued by a hyphen.
    "nji",
    "njy",
    "inchi",
    "нчи",
    "чи",
    "чы",
    "чу",
    "чү",
    "ші",
    "шы",
    "th",
    "st",
    "nd",
    "rd",
];

/// Words that count comments beside a header's date (matching form, by stem).
fn is_comment_word(word: &str) -> bool {
    [
        "pikir",
        "пікір",
        "пикир",
        "коммент",
        "comment",
        "fikir",
        "şərh",
        "izoh",
        "изоҳ",
        "teswir",
        "шарҳ",
    ]
    .iter()
    .any(|stem| word.starts_with(stem))
}

/// Today, yesterday and the like: a header stamp relative to the day the page was read.
fn is_relative_day(word: &str) -> bool {
    matches!(
        word,
        "today"
            | "yesterday"
            | "сегодня"
            | "вчера"
            | "позавчера"
            | "бүгін"
            | "кеше"
            | "бүгүн"
            | "кечээ"
            | "bugun"
            | "kecha"
            | "бугун"
            | "кеча"
            | "bu"
            | "dünən"
            | "bugün"
            | "имрӯз"
            | "дирӯз"
            | "şu"
            | "düýn"
    )
}

/// Month and weekday names in every language of the packs (matching form), full, in their
/// case forms, and abbreviated: what site templates fold into one shape, so that a header
/// line of any day is one template line.
const MONTH_AND_WEEKDAY_NAMES: &[&str] = &[
    // English
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thur",
    "thurs",
    "fri",
    "sat",
    "sun",
    // Russian; Kyrgyz and Tajik share most of the Cyrillic names
    "январь",
    "января",
    "февраль",
    "февраля",
    "март",
    "марта",
    "апрель",
    "апреля",
    "мая",
    "май",
    "июнь",
    "июня",
    "июль",
    "июля",
    "август",
    "августа",
    "сентябрь",
    "сентября",
    "октябрь",
    "октября",
    "ноябрь",
    "ноября",
    "декабрь",
    "декабря",
    "янв",
    "фев",
    "мар",
    "апр",
    "июн",
    "июл",
    "авг",
    "сен",
    "сент",
    "окт",
    "ноя",
    "дек",
    "понедельник",
    "вторник",
    "среда",
    "четверг",
    "пятница",
    "суббота",
    "воскресенье",
    // Uzbek and Tajik (Cyrillic)
    "январ",
    "феврал",
    "апрел",
    "июн",
    "июл",
    "сентябр",
    "октябр",
    "ноябр",
    "декабр",
    "душанба",
    "сешанба",
    "чоршанба",
    "пайшанба",
    "жума",
    "шанба",
    "якшанба",
    "душанбе",
    "сешанбе",
    "чоршанбе",
    "панҷшанбе",
    "ҷумъа",
    "шанбе",
    "якшанбе",
    // Kazakh (Cyrillic and Latin)
    "қаңтар",
    "ақпан",
    "наурыз",
    "сәуір",
    "мамыр",
    "маусым",
    "шілде",
    "тамыз",
    "қыркүйек",
    "қазан",
    "қараша",
    "желтоқсан",
    "дүйсенбі",
    "сейсенбі",
    "сәрсенбі",
    "бейсенбі",
    "жұма",
    "сенбі",
    "жексенбі",
    "qańtar",
    "aqpan",
    "naýryz",
    "sáýir",
    "mamyr",
    "maýsym",
    "shilde",
    "tamyz",
    "qyrkúiek",
    "qyrkýiek",
    "qazan",
    "qarasha",
    "jeltoqsan",
    // Kyrgyz weekdays
    "дүйшөмбү",
    "шейшемби",
    "шаршемби",
    "бейшемби",
    "ишемби",
    "жекшемби",
    // Uzbek and Azerbaijani (Latin)
    "yanvar",
    "fevral",
    "mart",
    "aprel",
    "iyun",
    "iyul",
    "avgust",
    "avqust",
    "sentabr",
    "sentyabr",
    "oktabr",
    "oktyabr",
    "noyabr",
    "dekabr",
    "dushanba",
    "seshanba",
    "chorshanba",
    "payshanba",
    "juma",
    "shanba",
    "yakshanba",
    "bazar",
    "ertəsi",
    "çərşənbə",
    "axşamı",
    "cümə",
    "şənbə",
    // Turkmen
    "ýanwar",
    "fewral",
    "maý",
    "iýun",
    "iýul",
    "awgust",
    "sentýabr",
    "oktýabr",
    "noýabr",
    "duşenbe",
    "sişenbe",
    "çarşenbe",
    "penşenbe",
    "anna",
    "şenbe",
    "ýekşenbe",
];

/// Whether a word (matching form) is a month or weekday name: see
/// [`MONTH_AND_WEEKDAY_NAMES`].
pub(crate) fn is_month_or_weekday(word: &str) -> bool {
    WORD_SETS.month_and_weekday_names.contains(word)
}

/// The word lists as sets, and the month stems by their first byte: every token of a date
/// line is looked up in them, and a scan of the lists cost a thousand instructions a token.
struct WordSets {
    month_and_weekday_names: HashSet<&'static str>,
    calendar_words: HashSet<&'static str>,
    /// `MONTH_STEMS`, in their order, grouped by the first byte of the stem.
    stems_by_first_byte: Vec<Vec<(&'static str, u8)>>,
}

static WORD_SETS: LazyLock<WordSets> = LazyLock::new(|| {
    let mut stems_by_first_byte = vec![Vec::new(); 256];
    for &(stem, month) in MONTH_STEMS {
        if let Some(&first) = stem.as_bytes().first() {
            stems_by_first_byte[usize::from(first)].push((stem, month));
        }
    }
    WordSets {
        month_and_weekday_names: MONTH_AND_WEEKDAY_NAMES.iter().copied().collect(),
        calendar_words: CALENDAR_WORDS.iter().copied().collect(),
        stems_by_first_byte,
    }
});

/// Whether a word (matching form) belongs to a date: a month or weekday name, a year or hour
/// word, a date label. Used to fold date lines into one shape when site templates are
/// learned, and to tell a date line from a sentence that mentions a date.
pub(crate) fn is_calendar_word(word: &str) -> bool {
    let chars = word.chars().count();
    ((3..=10).contains(&chars) && month_of(word).is_some())
        || is_month_or_weekday(word)
        || WORD_SETS.calendar_words.contains(word)
}

/// The month a (matching-form) word names, by its stem: the first of [`MONTH_STEMS`] it
/// starts with.
fn month_of(word: &str) -> Option<u8> {
    let first = usize::from(*word.as_bytes().first()?);
    let stems = WORD_SETS.stems_by_first_byte.get(first)?;
    stems.iter().find(|(stem, _)| word.starts_with(stem)).map(|&(_, month)| month)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_header_format_of_the_catalogue() {
        let cases = [
            ("25.06.2024, 14:25", Some("2024-06-25T14:25")),
            ("15:00, 23 Ноябрь 2025", Some("2025-11-23T15:00")),
            ("09:00, 16 ноября 2025, Бишкек", Some("2025-11-16T09:00")),
            ("22:03 / 24.04.2024", Some("2024-04-24T22:03")),
            ("24 қараша 2012, 13:00", Some("2012-11-24T13:00")),
            ("Thursday, June 10, 2021", Some("2021-06-10")),
            ("POSTED: 12:52 pm EDT June 29, 2006", Some("2006-06-29T12:52")),
            ("16:47 , 21 июля, 2016", Some("2016-07-21T16:47")),
            ("31 oktyabr 2020", Some("2020-10-31")),
            ("Tarix: 10-05-2019 13:10", Some("2019-05-10T13:10")),
            ("Tue, 2017-03-28 01:18", Some("2017-03-28T01:18")),
            ("Fri, 16 Mar 2018 18:24:08 +0600", Some("2018-03-16T18:24")),
            ("15 march 2024 year", Some("2024-03-15")),
            ("24 сентябр 2025", Some("2025-09-24")),
            ("جۇما, 30 قاڭتار 2026", Some("2026-01-30")),
            ("Baku/02.10.20/Turan", Some("2020-10-02")),
            ("2024-yil 25-iyun", Some("2024-06-25")),
            ("Published 27/02/2005 12:44 GMT", Some("2005-02-27T12:44")),
            ("2 часа назад", None),
            ("Сегодня, 14:25", None),
            ("31.02.2024", None),
            ("61571", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_published(text).as_deref(), want, "{text}");
        }
    }
}
