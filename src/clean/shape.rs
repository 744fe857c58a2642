//! Step 3c: line shapes — boilerplate known by its form, in any language.
//!
//! A phrase pack knows only the wordings it was given; every site words its chrome its own
//! way. Many chrome lines, though, have a *shape* that no article sentence has, whatever the
//! language: a stamp of date, time and view count; a currency ticker; a bare URL; a row of
//! social networks; a font-size toolbar (`XS SM MD LG`, `12 Punto 14 Punto`); a breadcrumb
//! (`Ana səhifə / Sosial / …`); a line of markup or of symbols only; a reporter's credit
//! (`Name Surname, "Radio One"`).
//!
//! [`shape_of`] names the shape of one short line (its matching form and its original text),
//! and each shape carries the class and the id that its removal records. Where a shape
//! removes a line depends on where the line stands (`clean::zones`): a date stamp before the
//! body is the header; after it, the header of the next story.
//!
//! Prose is never looked at: a line that reads as a paragraph (`zones::is_prose`) keeps its
//! words, except for a line naming several social networks, which no article sentence does
//! in that density.
//!
//! HTML tags a text input left around a line (`<p>…</p>`) are no shape of their own: the
//! line is judged without them ([`without_edge_tags`]) and they are recorded as removed, so
//! a short paragraph in tags is not taken for a markup line.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use crate::RemovalClass;
use crate::normalize::for_matching;

use super::dates::{self, DateLine};
use super::zones;

/// The shape of a line that only page chrome has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A date and/or time stamp, maybe with a label and a view count.
    Stamp(DateLine),
    /// A scraper's `date 2023-06-15 …` prefix; the byte offset where a headline after it
    /// starts, or 0 when the whole line goes.
    ScraperDate(DateLine, usize),
    /// A view counter: `views: 91`, `Baxış sayı: 2839`, a bare `0`.
    Counter(Option<u64>),
    /// A currency or market ticker: `$1 – 11936.89`, `USD 77.51`, `• KGS/USD = 0.01144 0%`.
    Ticker,
    /// A bare URL, maybe labelled (`link: https://…`), or a scraper's `date 2023-06-15 …`
    /// prefix line.
    Url,
    /// Social networks and handles: `Skype - uzbekbbclondon`, `Bizi Telegramda izləyin`.
    Social,
    /// A font-size or layout toolbar: `XS`, `12 Punto 14 Punto`, `A A+ A-`.
    Toolbar,
    /// A breadcrumb trail or a section label glued to the home link.
    Breadcrumb,
    /// Markup left in the text, or a line of symbols only (`<>`, `...`, `•`).
    Symbols,
    /// A reporter's credit at the foot: `Гүлбүбү Усенова, "Биринчи радио"`.
    Credit,
    /// A category or archive widget: labels each with the count of its posts,
    /// `Politik (12) Sport (4) Kultur (7)` (see [`tag_cloud_start`]).
    TagCloud,
    /// A row of day numbers of a month calendar, under its row of weekdays (`Пн Вт Ср Чт Пт
    /// Сб Вс`, then ` 1`, `2345678`, …, `3031`): navigation, never a view count.
    Calendar,
}

impl Shape {
    /// The class a removal by this shape records.
    pub(crate) fn class(&self) -> RemovalClass {
        match self {
            Shape::Stamp(_) | Shape::ScraperDate(..) | Shape::Counter(_) => RemovalClass::Header,
            Shape::Ticker | Shape::Toolbar => RemovalClass::Widget,
            Shape::Url | Shape::Breadcrumb | Shape::Symbols | Shape::TagCloud | Shape::Calendar => {
                RemovalClass::Navigation
            }
            Shape::Social => RemovalClass::Share,
            Shape::Credit => RemovalClass::Byline,
        }
    }

    /// The id a removal by this shape records, as a rule's would.
    pub(crate) fn id(&self) -> &'static str {
        match self {
            Shape::Stamp(_) => "shape.date_stamp",
            Shape::ScraperDate(..) => "shape.scraper_date",
            Shape::Counter(_) => "shape.counter",
            Shape::Ticker => "shape.ticker",
            Shape::Url => "shape.url",
            Shape::Social => "shape.social",
            Shape::Toolbar => "shape.toolbar",
            Shape::Breadcrumb => "shape.breadcrumb",
            Shape::Symbols => "shape.symbols",
            Shape::Credit => "shape.credit",
            Shape::TagCloud => "shape.tag_cloud",
            Shape::Calendar => "shape.calendar",
        }
    }

    /// Whether the shape removes the line wherever it stands, body included: shapes no body
    /// line takes. The others go only in the head and after the body.
    pub(crate) fn anywhere(&self) -> bool {
        matches!(self, Shape::Toolbar | Shape::Url | Shape::Social | Shape::TagCloud)
    }
}

/// Longest paragraph (in characters) that may be a follow prompt naming its networks.
const MAX_PROMPT_CHARS: usize = 250;
/// Longest line (in characters) that is looked at for a shape: chrome lines are short.
const MAX_SHAPE_CHARS: usize = 160;

/// The shape of a line, from its matching form `form` and its trimmed original `text`;
/// `prose` tells whether the line reads as a paragraph. `None` for every line an article may
/// hold.
///
/// `networks` is which of [`NETWORKS`] the line names, one bit each, when the caller counted
/// them already (the rules' phrase walk does: `rules::RuleSet::matches_many`).
pub(crate) fn shape_of(
    form: &str,
    text: &str,
    chars: usize,
    prose: bool,
    networks: Option<u32>,
) -> Option<Shape> {
    if chars > MAX_SHAPE_CHARS * 2 {
        return None;
    }
    if let Some(stamp) = scraper_prefix(form, text) {
        return Some(stamp);
    }
    // A long paragraph has no chrome shape: a follow prompt naming its networks is short.
    if prose && chars > MAX_PROMPT_CHARS {
        return None;
    }
    // A row of networks is chrome; a sentence naming several is chrome only when it asks the
    // reader to follow or write (`… Whatsapp, Telegram ва Viber орқали боғланиш …`).
    let networks =
        networks.map_or_else(|| social_networks(form), |seen| seen.count_ones() as usize);
    if networks >= 2
        && (!prose || form.contains('@') || FOLLOW_WORDS.iter().any(|w| form.contains(w)))
    {
        return Some(Shape::Social);
    }
    if prose || chars > MAX_SHAPE_CHARS {
        return None;
    }
    if is_markup_or_symbols(text, form) {
        return Some(Shape::Symbols);
    }
    if let Some(line) = dates::read_date_line(form) {
        return Some(Shape::Stamp(line));
    }
    if let Some(views) = counter(form) {
        return Some(Shape::Counter(views));
    }
    if is_ticker(form) {
        return Some(Shape::Ticker);
    }
    if is_url_line(form) {
        return Some(Shape::Url);
    }
    if networks == 1 && is_follow_line(form) {
        return Some(Shape::Social);
    }
    if is_toolbar(form) {
        return Some(Shape::Toolbar);
    }
    if is_breadcrumb(form, text) {
        return Some(Shape::Breadcrumb);
    }
    if is_credit(text) {
        return Some(Shape::Credit);
    }
    None
}

/// A scraper's own prefix: `date 2023-06-15 <url or text>`, the crawl date glued to the
/// first line. What follows is the URL, the page's description, or its title: a headline is
/// kept (from the byte offset in `text` that [`Shape::ScraperDate`] carries), the rest goes
/// with the prefix.
fn scraper_prefix(form: &str, text: &str) -> Option<Shape> {
    let rest = form.strip_prefix("date ")?;
    let date = rest.get(..10)?;
    let b = date.as_bytes();
    let iso = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !iso {
        return None;
    }
    let published = dates::parse_published(date);
    let stamp = DateLine { published, views: None, time: None };
    // The same prefix in the original text, and what follows it there.
    let after = text.find(date).map(|at| at + date.len()).unwrap_or(text.len());
    let headline = text[after..].trim_start();
    let keep = !headline.is_empty()
        && !is_url_line(&for_matching(headline))
        && !super::zones::is_prose(headline, headline.chars().count());
    Some(Shape::ScraperDate(stamp, if keep { text.len() - headline.len() } else { 0 }))
}

/// Whether the line is markup the scraper left (`<image>…</image>`, `data:image/…`) or holds
/// no letter and no digit at all (`<>`, `...`, `• • •`).
fn is_markup_or_symbols(text: &str, form: &str) -> bool {
    let markup = text.starts_with('<') && text.ends_with('>');
    markup
        || form.contains("data:image/")
        || (!text.is_empty() && !text.chars().any(char::is_alphanumeric))
}

/// Tags that a text input leaves around its paragraphs and inline words.
const EDGE_TAGS: &[&str] = &[
    "p",
    "div",
    "span",
    "b",
    "strong",
    "i",
    "em",
    "u",
    "br",
    "a",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "blockquote",
    "center",
    "small",
    "sup",
    "sub",
    "section",
    "article",
    "td",
    "tr",
];

/// `text` without the HTML tags at its ends (`<p class="lead"><b>…</b></p>`), trimmed; `text`
/// itself when it has none, or nothing else. Only the tags of [`EDGE_TAGS`] go: a line that
/// opens with `<` for another reason (`<image>…`, `<3`) stays whole. Lines are passed over by
/// their first and last bytes.
pub(crate) fn without_edge_tags(text: &str) -> &str {
    let bytes = text.as_bytes();
    if !(bytes.first() == Some(&b'<') || bytes.last() == Some(&b'>')) {
        return text;
    }
    let mut inner = text;
    loop {
        let before = inner.len();
        if let Some(len) = leading_tag(inner) {
            inner = inner[len..].trim_start();
        }
        if let Some(len) = trailing_tag(inner) {
            inner = inner[..inner.len() - len].trim_end();
        }
        if inner.len() == before {
            break;
        }
    }
    if inner.is_empty() { text } else { inner }
}

/// The length of the known tag `text` opens with (`<p>`, `</b>`, `<br/>`, `<a href="…">`).
fn leading_tag(text: &str) -> Option<usize> {
    let rest = text.strip_prefix('<')?;
    let end = rest.find('>')?;
    is_edge_tag(&rest[..end]).then_some(end + 2)
}

/// The length of the known tag `text` ends with.
fn trailing_tag(text: &str) -> Option<usize> {
    let rest = text.strip_suffix('>')?;
    let start = rest.rfind('<')?;
    is_edge_tag(&rest[start + 1..]).then_some(text.len() - start)
}

/// Whether the inside of `<…>` is a tag of [`EDGE_TAGS`], opening or closing, maybe with
/// attributes.
fn is_edge_tag(inside: &str) -> bool {
    let inside = inside.strip_prefix('/').unwrap_or(inside).trim_end_matches('/').trim_end();
    let name_end = inside.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(inside.len());
    let (name, attributes) = inside.split_at(name_end);
    (attributes.is_empty() || attributes.starts_with(' '))
        && !attributes.contains(['<', '>'])
        && EDGE_TAGS.iter().any(|tag| tag.eq_ignore_ascii_case(name))
}

/// Labels of view counters (matching form), in the languages of the packs.
const VIEW_LABELS: &[&str] = &[
    "views",
    "view",
    "просмотров",
    "просмотры",
    "просмотр",
    "просмотра",
    "қаралды",
    "көрсетілім",
    "көрүүлөр",
    "көрүлдү",
    "ko'rishlar",
    "ko'rildi",
    "ko'rishlar soni",
    "кўришлар",
    "кўрилди",
    "baxış sayı",
    "baxış",
    "baxışların sayı",
    "görülen",
    "okaldy",
    "kórsetildi",
    "korsetildi",
    "ret kórsetildi",
    "ret korsetildi",
    "көрсетілді",
    "рет көрсетілді",
    "рет қаралды",
    "ret",
    "рет",
    "бинандагон",
    "дидан",
];

/// Shortest view label that is a counter's line on its own: `ret` (times) or `view` alone may
/// be a word of a menu.
const LABEL_ALONE_MIN_BYTES: usize = 5;

/// A view counter: a bare number (`0`, `• 0`) or a labelled one (`views: 91`,
/// `просмотров 120`). Gives the count when a label names it as views.
fn counter(form: &str) -> Option<Option<u64>> {
    let trimmed = form.trim_matches(|c: char| !c.is_alphanumeric());
    if !trimmed.is_empty() && trimmed.len() <= 9 && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return Some(None);
    }
    // A counter printed on two lines: `210 ret`, then the label alone (`kórsetildi`).
    if trimmed.len() > LABEL_ALONE_MIN_BYTES && VIEW_LABELS.contains(&trimmed) {
        return Some(None);
    }
    let digits_at = trimmed.find(|c: char| c.is_ascii_digit())?;
    let (label, number) = trimmed.split_at(digits_at);
    let label = label.trim_matches(|c: char| !c.is_alphanumeric());
    let number = number.trim_matches(|c: char| !c.is_alphanumeric());
    if let Some(count) = count_of(number)
        && VIEW_LABELS.contains(&label)
    {
        return Some(Some(count));
    }
    // `120 просмотров`, `1,204 views`, `1.2K views`: the number first.
    let first = trimmed.split_whitespace().next()?;
    let after = trimmed[first.len()..].trim_matches(|c: char| !c.is_alphanumeric());
    let count = count_of(first)?;
    VIEW_LABELS.contains(&after).then_some(Some(count))
}

/// A count as counters print it: `1204`, `1,204`, `1 204`, `1.2K`, `3K`.
pub(crate) fn count_of(text: &str) -> Option<u64> {
    let lower = text.trim().to_lowercase();
    if let Some(thousands) = lower.strip_suffix('k') {
        let (whole, tenth) = thousands.split_once(['.', ',']).unwrap_or((thousands, "0"));
        let tenth = tenth.get(..1).unwrap_or("0");
        let whole: u64 = digits_only(whole)?.parse().ok()?;
        let tenth: u64 = digits_only(tenth)?.parse().ok()?;
        return whole.checked_mul(1000)?.checked_add(tenth * 100);
    }
    // Groups of three digits after a separator are thousands.
    let mut groups = lower.split([',', ' ', '\u{a0}', '\u{202f}']);
    let first = groups.next()?;
    if first.is_empty() || first.len() > 9 || digits_only(first).is_none() {
        return None;
    }
    let mut number = first.to_owned();
    for group in groups {
        if group.len() != 3 || digits_only(group).is_none() || number.len() > 12 {
            return None;
        }
        number.push_str(group);
    }
    number.parse().ok()
}

/// `text` when it is all ASCII digits (and not empty).
fn digits_only(text: &str) -> Option<&str> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())).then_some(text)
}

/// Currency codes and symbols of tickers.
const CURRENCIES: &[&str] = &[
    "usd",
    "eur",
    "rub",
    "kzt",
    "kgs",
    "uzs",
    "tjs",
    "tmt",
    "azn",
    "gbp",
    "cny",
    "try",
    "byn",
    "uah",
    "chf",
    "jpy",
    "сом",
    "руб",
    "тенге",
    "сўм",
    "so'm",
];
/// Words of a ticker's label: `Currency rates from 26/11/2025`, `Курсы валют`.
const TICKER_WORDS: &[&str] = &[
    "currency",
    "rates",
    "exchange",
    "курс",
    "курсы",
    "валют",
    "valyuta",
    "kurslari",
    "kursi",
    "məzənnə",
    "məzənnələri",
    "валюта",
    "бағамы",
    "курбу",
    "қурби",
    "asfalt",
];

/// A currency ticker: numbers beside currency codes or symbols, few other words.
fn is_ticker(form: &str) -> bool {
    if !form.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    let symbol = form.contains(['$', '€', '₽', '£', '¥', '₸', '₼']);
    let mut code = false;
    let mut label = false;
    let mut other = 0;
    for word in form.split(|c: char| !(c.is_alphanumeric() || c == '\'')).filter(|w| !w.is_empty())
    {
        if word.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if CURRENCIES.contains(&word) {
            code = true;
        } else if TICKER_WORDS.contains(&word) {
            label = true;
        } else {
            other += 1;
        }
    }
    (symbol || code || label) && other <= 2 && (code || symbol || other <= 1)
}

/// A bare URL, or one behind a short label (`link: https://24.kg/…`, `Manba: …`).
fn is_url_line(form: &str) -> bool {
    // Every URL here has a `/` or a `.`: one vector search passes the others over.
    if memchr::memchr2(b'/', b'.', form.as_bytes()).is_none() {
        return false;
    }
    let Some(at) =
        form.find("http://").or_else(|| form.find("https://")).or_else(|| form.find("www."))
    else {
        return false;
    };
    let (label, url) = form.split_at(at);
    !url.contains(' ') && label.split_whitespace().count() <= 2
}

/// Whether a line (matching form) is the weekday row of a month calendar: seven short
/// words of letters (`пн вт ср чт пт сб вс`, `mo tu we th fr sa su`), or five to seven
/// weekday and calendar words.
pub(crate) fn is_weekday_row(form: &str) -> bool {
    /// Seven of the longest weekday names (`воскресенье`, 22 bytes) with their spaces fit:
    /// every prose line is turned away by its length before a word is read.
    const LONGEST_ROW: usize = 7 * 32;
    if form.len() > LONGEST_ROW {
        return false;
    }
    let words = || form.split_whitespace();
    let count = words().take(8).count();
    let short_letters = |w: &str| w.chars().count() <= 3 && w.chars().all(char::is_alphabetic);
    (count == 7 && words().all(short_letters))
        || ((5..=7).contains(&count) && words().all(dates::is_calendar_word))
}

/// Whether a line is a row of a calendar's day numbers: digits and spaces only.
pub(crate) fn is_day_number_row(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_digit() || b == b' ')
        && text.bytes().any(|b| b.is_ascii_digit())
}

/// Social networks and messengers, as their names stand in follow-us blocks.
pub(crate) const NETWORKS: &[&str] = &[
    "telegram",
    "instagram",
    "youtube",
    "facebook",
    "twitter",
    "vkontakte",
    "odnoklassniki",
    "skype",
    "whatsapp",
    "viber",
    "tiktok",
    "google+",
    "threads",
    "t.me/",
    "вконтакте",
    "одноклассники",
    "телеграм",
    "инстаграм",
    "ютуб",
    "фейсбук",
];

/// [`NETWORKS`] in one automaton: a line is searched once, not once per name.
static NETWORK_NAMES: LazyLock<Option<AhoCorasick>> =
    LazyLock::new(|| AhoCorasick::new(NETWORKS).ok());

/// How many different social networks the line names.
fn social_networks(form: &str) -> usize {
    if form.len() < 5 {
        return 0;
    }
    let Some(names) = NETWORK_NAMES.as_ref() else { return 0 };
    let mut seen = 0u32;
    for found in names.find_iter(form) {
        seen |= 1 << found.pattern().as_usize();
    }
    seen.count_ones() as usize
}

/// Words of follow-us prompts (matching form, by their stems).
const FOLLOW_WORDS: &[&str] = &[
    "боғлан",
    "bog'lan",
    "связат",
    "contact us",
    "write to us",
    "напишите",
    "follow",
    "subscribe",
    "join",
    "подпис",
    "присоедин",
    "obuna",
    "обуна",
    "izləyin",
    "izle",
    "kuzat",
    "кузат",
    "жазыл",
    "кошул",
    "qo'shil",
    "қўшил",
    "agza",
    "yzarla",
];

/// Whether a sentence (matching form) names a network and asks the reader to write or follow
/// there (`Биз билан боғланмоқчи бўлсангиз, Telegram орқали ёзинг.`): the first line of a
/// follow-us block. Only asked of the line above a page's closing handle lines.
pub(crate) fn is_contact_prompt(form: &str) -> bool {
    form.len() <= MAX_PROMPT_CHARS * 2
        && social_networks(form) >= 1
        && FOLLOW_WORDS.iter().any(|w| form.contains(w))
}

/// A line naming one network that is a follow-us prompt or a handle, not a headline about
/// the network: a handle or link, `Network - handle`, a follow verb, or a bare name.
fn is_follow_line(form: &str) -> bool {
    let words = form.split_whitespace().count();
    let named_with_handle = NETWORKS.iter().any(|n| {
        form.find(n).is_some_and(|at| {
            let after = form[at + n.len()..].trim_start_matches(|c: char| c.is_alphabetic());
            after.trim_start().starts_with(['-', ':', '–'])
        })
    });
    words <= 10
        && (form.contains('@')
            || form.contains("http")
            || named_with_handle
            || words <= 3
            || FOLLOW_WORDS.iter().any(|w| form.contains(w)))
}

/// A font-size or layout toolbar: every word of one or two letters (`xs`, `a+`), or one word
/// repeated between numbers (`12 punto 14 punto 16 punto`).
fn is_toolbar(form: &str) -> bool {
    // Toolbar words are short: a line with a long word is passed over without a split.
    let long_word = form.split_whitespace().any(|w| w.len() > 12);
    if long_word || form.len() > 120 {
        return false;
    }
    // At most 12 words, kept on the stack: most lines looked at here are not toolbars.
    let mut words = [""; 12];
    let mut count = 0;
    for word in form.split_whitespace() {
        let Some(slot) = words.get_mut(count) else { return false };
        *slot = word;
        count += 1;
    }
    let words = &words[..count];
    if words.is_empty() {
        return false;
    }
    let short = words.iter().all(|w| {
        let letters = w.chars().filter(|c| c.is_alphabetic()).count();
        letters <= 2 && w.chars().count() <= 3 && w.is_ascii()
    });
    if short && words.iter().any(|w| w.chars().any(char::is_alphabetic)) {
        return true;
    }
    // `12 comments 3 comments 5 comments`: numbers, and one word repeated between them.
    let is_number = |w: &str| w.bytes().all(|b| b.is_ascii_digit());
    let numbers = words.iter().filter(|w| is_number(w)).count();
    let mut names = words.iter().filter(|w| !is_number(w));
    let first = names.next();
    let repeats = words.len() - numbers;
    numbers >= 2 && repeats >= 2 && names.all(|name| Some(name) == first)
}

/// The first words of a breadcrumb: the home link, in the languages of the packs (matching
/// form).
const HOME_WORDS: &[&str] = &[
    "home",
    "главная",
    "ana səhifə",
    "bosh sahifa",
    "asosiy",
    "бош саҳифа",
    "асосий",
    "башкы бет",
    "басты бет",
    "басты",
    "саҳифаи асосӣ",
    "baş sahypa",
    "esasy",
];

/// A breadcrumb: the home link and section names (`Ana səhifə / Sosial / …`,
/// `AsosiyJamiyat`), or section names joined by `/`, `»`, `>` or `|`.
fn is_breadcrumb(form: &str, text: &str) -> bool {
    if let Some(home) = HOME_WORDS.iter().find(|h| form.starts_with(*h)) {
        let rest = &form[home.len()..];
        let glued =
            text.get(home.len()..).and_then(|r| r.chars().next()).is_some_and(char::is_uppercase);
        return rest.is_empty()
            || glued
            || rest.starts_with([' ', '/', '>', '»', '|', '-'])
                && rest.split_whitespace().count() <= 12;
    }
    // Separators between spaces: ` / `, ` » `, ` > `, ` → `.
    let separators =
        form.split(' ').skip(1).filter(|word| matches!(*word, "/" | "»" | ">" | "→")).count();
    separators >= 2 && !form.ends_with(['.', '!', '?'])
}

/// A reporter's credit: two or three capitalised names, a comma, and the outlet in quotes
/// (`Гүлбүбү Усенова, "Биринчи радио"`, `Ivan Petrov, «Radio One»`).
fn is_credit(text: &str) -> bool {
    // The outlet closes the line in quotes: most lines are passed over by their last byte.
    if !text.ends_with(['"', '»', '”', '“']) {
        return false;
    }
    let Some((names, outlet)) = text.split_once(", ") else { return false };
    let names: Vec<&str> = names.split_whitespace().collect();
    let capitalised = |w: &&str| w.chars().next().is_some_and(char::is_uppercase);
    let quoted = outlet.starts_with(['"', '«', '“', '„'])
        && outlet.ends_with(['"', '»', '”', '“'])
        && outlet.chars().count() <= 40;
    (2..=3).contains(&names.len()) && names.iter().all(capitalised) && quoted
}

/// Fewest `Label (N)` items of a tag cloud: two could be a sentence's asides
/// (`Smith (41) and Jones (38)`); a run of three at the end of a line is a widget.
const CLOUD_MIN_ITEMS: usize = 3;
/// Most words of one label of a tag cloud (category names run long on blogs:
/// `Quotes on the history of the labour movement (14)`).
const CLOUD_MAX_LABEL_WORDS: usize = 12;
/// Most digits of a tag cloud's count.
const CLOUD_MAX_DIGITS: usize = 6;

/// Where a tag cloud that ends the line starts, as a byte offset into `text`: a run of at
/// least [`CLOUD_MIN_ITEMS`] items `Label (N)` closing the line, as category and archive
/// widgets print them (`Politik (12) Sport (4) Kultur (7)`, `March 2024 (9) February 2024
/// (11) …`). `Some(0)` when the whole line is the cloud.
///
/// Why a shape: scrapers glue a blog's sidebar to the article, often on the article's own
/// line (a head-and-tail cut of a page joins the two with spaces), and the same widget,
/// with the same counts, closes every page of the blog. Left in, it is shared text that
/// two different stories of one blog have in common, and it is the *ending* of both, which
/// the deduplicator reads as the sign of a repost (`dedup::verify`).
///
/// The items are read backwards from the end; the label between two counts must look like a
/// label (1 to [`CLOUD_MAX_LABEL_WORDS`] words, no sentence end, not opening with a comma, so
/// `Messi (2), Suarez (1), Neymar (1)` in a match report is no cloud). The first label has no
/// count before it to mark where it starts: it runs back to the start of the line, a sentence
/// end or a gap of two spaces, within [`CLOUD_MAX_LABEL_WORDS`] words; when none is that near,
/// only its words stay with the text before it, and the cloud starts at its count.
///
/// Cost: one look at the last bytes for every other line (a line must end in a digit and `)`).
pub(crate) fn tag_cloud_start(text: &str) -> Option<usize> {
    let mut open = count_open(text, text.len())?;
    let mut items = 1;
    while let Some(close) = text[..open].rfind(')') {
        let label = &text[close + 1..open];
        match count_open(text, close + 1) {
            Some(previous) if is_cloud_label(label) => {
                items += 1;
                open = previous;
            }
            _ => break,
        }
    }
    if items < CLOUD_MIN_ITEMS {
        return None;
    }
    Some(first_label_start(&text[..open]).unwrap_or(open))
}

/// Where the count `(N)` that ends `text[..end]` opens (`(`), if it ends so.
fn count_open(text: &str, end: usize) -> Option<usize> {
    let head = text.get(..end)?.strip_suffix(')')?;
    let digits = head.len() - head.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 || digits > CLOUD_MAX_DIGITS {
        return None;
    }
    let open = head.len().checked_sub(digits + 1)?;
    (head.as_bytes().get(open) == Some(&b'(')).then_some(open)
}

/// Whether the text between two counts of a cloud is one label: a few words, no sentence in
/// it, nothing glued to the count before it.
fn is_cloud_label(label: &str) -> bool {
    let trimmed = label.trim();
    let words = zones::count_words(trimmed, CLOUD_MAX_LABEL_WORDS + 1);
    label.starts_with(char::is_whitespace)
        && (1..=CLOUD_MAX_LABEL_WORDS).contains(&words)
        && !trimmed.starts_with([',', ';', '.', ':'])
        && !trimmed.contains(['!', '?', ';'])
        && !trimmed.contains(". ")
}

/// Where the first label of a cloud starts in `head` (the text before its count): after the
/// last sentence end or gap of two spaces, or at the start, within
/// [`CLOUD_MAX_LABEL_WORDS`] words of the count.
fn first_label_start(head: &str) -> Option<usize> {
    let mut words = 0;
    let mut in_word = false;
    let bytes = head.as_bytes();
    for at in (0..bytes.len()).rev() {
        let b = bytes[at];
        if b.is_ascii_whitespace() {
            let gap = at > 0 && bytes[at - 1].is_ascii_whitespace();
            let sentence = at > 0 && matches!(bytes[at - 1], b'.' | b'!' | b'?' | b':');
            if in_word && (gap || sentence) {
                return Some(at + 1);
            }
            in_word = false;
        } else if !in_word {
            in_word = true;
            words += 1;
            if words > CLOUD_MAX_LABEL_WORDS {
                return None;
            }
        }
    }
    Some(0)
}

/// Words that mark a photo caption: where people stand in the picture, in the languages of
/// the packs (matching form).
const CAPTION_MARKS: &[&str] = &[
    "(left)",
    "(right)",
    "(center)",
    "(centre)",
    "(l)",
    "(r)",
    "(c)",
    "(l-r)",
    "(слева)",
    "(справа)",
    "(в центре)",
    "(чапда)",
    "(ўнгда)",
    "(chapda)",
    "(o'ngda)",
    "(solda)",
    "(sağda)",
    "(ortada)",
    "(сол жақта)",
    "(оң жақта)",
    "/photo",
    "/фото",
];

/// Whether a line (matching form) reads as a photo caption: it says who stands where in the
/// picture, or carries a photo credit.
pub(crate) fn is_caption(form: &str) -> bool {
    // Every mark holds `(` or `/`: most paragraphs are passed over by one vector search.
    memchr::memchr2(b'(', b'/', form.as_bytes()).is_some()
        && CAPTION_MARKS.iter().any(|mark| form.contains(mark))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekday_rows_and_day_number_rows() {
        for row in ["пн вт ср чт пт сб вс", "mo tu we th fr sa su", "дш шш шр бш жм иш жк"]
        {
            assert!(is_weekday_row(row), "{row}");
        }
        for row in ["a a+ a- xs sm md lg", "news sport world", "the cat sat on a mat today"] {
            assert!(!is_weekday_row(row), "{row}");
        }
        assert!(
            is_day_number_row("1") && is_day_number_row("2345678") && is_day_number_row("1 2 3")
        );
        assert!(
            !is_day_number_row("") && !is_day_number_row("12 views") && !is_day_number_row(" ")
        );
    }

    fn shape(text: &str) -> Option<Shape> {
        let form = for_matching(text);
        let chars = text.chars().count();
        shape_of(&form, text, chars, super::super::zones::is_prose(text, chars), None)
    }

    fn stamp(text: &str) -> Option<DateLine> {
        match shape(text) {
            Some(Shape::Stamp(line)) => Some(line),
            _ => None,
        }
    }

    #[test]
    fn date_stamps_in_many_shapes_and_scripts() {
        let cases = [
            ("5 октября 2018", Some("2018-10-05"), None),
            ("13:29, 29-02-2024", Some("2024-02-29T13:29"), None),
            ("31 мая 2024 | 19:45", Some("2024-05-31T19:45"), None),
            ("Вчера, 2026 12:10", None, None),
            ("9-Ноябрь, 2024-жыл, ишемби, Бишкек убактысы 07:41", Some("2024-11-09T07:41"), None),
            ("2015.02.07 / 21:48", Some("2015-02-07T21:48"), None),
            ("Siyasət Materials 19 Dekabr 2013 13:15 (UTC +04:00)", Some("2013-12-19T13:15"), None),
            ("14.07.2025 | 22:0024318", Some("2025-07-14T22:00"), Some(24318)),
            ("21 Oktyabr 2022 982", Some("2022-10-21"), Some(982)),
            ("• 19 октября 2022 в 22:50", Some("2022-10-19T22:50"), None),
            ("Baxış sayı: 2839 | Tarix: 25.04.2018", Some("2018-04-25"), Some(2839)),
            ("бейшемби, 21-сентябрь, 2017 Бишкек убактысы 02:23", Some("2017-09-21T02:23"), None),
            ("12 December 2025", Some("2025-12-12"), None),
            ("14:02", None, None),
            ("3-nji iýun 2024", Some("2024-06-03"), None),
        ];
        for (text, published, views) in cases {
            let line = stamp(text).unwrap_or_else(|| panic!("not a stamp: {text}"));
            assert_eq!(line.published.as_deref(), published, "{text}");
            assert_eq!(line.views, views, "{text}");
        }
    }

    #[test]
    fn sentences_and_headlines_with_dates_are_not_stamps() {
        for text in [
            "Parliament to vote on 12 May 2024 budget",
            "On 23 May 2016, the ministers met in Tashkent to discuss trade.",
            "Новости за 31 мая: что случилось в Казахстане сегодня",
            "2024",
            "Саммит пройдет 5 октября 2018 года в Астане при участии глав государств",
        ] {
            assert_eq!(stamp(text), None, "{text}");
        }
    }

    #[test]
    fn chrome_shapes_in_any_language() {
        let cases = [
            ("$1 – 11936.89", Shape::Ticker),
            ("USD 77.51", Shape::Ticker),
            ("• KGS/USD = 0.01144 0%", Shape::Ticker),
            ("Currency rates from 26/11/2025", Shape::Ticker),
            ("UZS – -0.43%", Shape::Ticker),
            ("link: https://24.kg/english/152665/", Shape::Url),
            ("views: 91", Shape::Counter(Some(91))),
            ("1,204 views", Shape::Counter(Some(1204))),
            ("1.2K views", Shape::Counter(Some(1200))),
            ("• 0", Shape::Counter(None)),
            ("210 ret", Shape::Counter(Some(210))),
            ("kórsetildi", Shape::Counter(None)),
            ("Skype - uzbekbbclondon", Shape::Social),
            ("Bizi Telegramda izləyin: @repostaz", Shape::Social),
            ("YouTube - BBCUZBEK (https://www.youtube.com/user/bbcuzbek)", Shape::Social),
            ("XS", Shape::Toolbar),
            ("12 Punto 14 Punto 16 Punto 18 Punto", Shape::Toolbar),
            ("Ana səhifə Toplum", Shape::Breadcrumb),
            ("AsosiyJamiyat", Shape::Breadcrumb),
            (
                "Ana səhifə / Sosial / Türkiyə və Azərbaycan prezidentləri görüşdü",
                Shape::Breadcrumb,
            ),
            ("<>", Shape::Symbols),
            ("...", Shape::Symbols),
            (
                r#"<image>data:image/s3,"s3://crabby-images/1d14f/1d14f0a9ac8da7f8e39cefdb82ec101e55a98d31" alt=""</image>"#,
                Shape::Symbols,
            ),
            ("Гүлбүбү Усенова, \"Биринчи радио\"", Shape::Credit),
        ];
        for (text, want) in cases {
            assert_eq!(shape(text), Some(want), "{text}");
        }
        // A scraper's crawl date glued to a teaser: the whole line goes.
        let teaser =
            shape("date 2023-06-15 Пять фонтанов закрыты на ремонт, ещё шесть ждут проектов.");
        let published = Some("2023-06-15".to_owned());
        let stamp = DateLine { published, ..DateLine::default() };
        assert_eq!(teaser, Some(Shape::ScraperDate(stamp.clone(), 0)));
        // Glued to a headline: the headline stays, from its byte offset.
        let title = shape("date 2023-06-15 Городской газете исполнилось 68 лет");
        assert_eq!(title, Some(Shape::ScraperDate(stamp, 16)));
    }

    #[test]
    fn article_lines_have_no_shape() {
        for text in [
            "Uzbek, Tajik FMs hold meeting in Tashkent",
            "The dollar rose to 11,936 soums on Monday, the central bank said in a statement.",
            "He wrote on Telegram that the talks would go on.",
            "Two Parliamentary Groups Are United",
            "возле цирка,",
            "Президент",
            "A dollar is not what it was",
            "В Москве прошла встреча министров",
        ] {
            assert_eq!(shape(text), None, "{text}");
        }
    }

    #[test]
    fn a_tag_cloud_is_found_where_it_starts() {
        // A whole line of categories.
        assert_eq!(tag_cloud_start("Politik (12) Sport (4) Kultur (7)"), Some(0));
        assert_eq!(shape("Politik (12) Sport (4) Kultur (7)"), None, "found by the line, not here");
        // Glued to the end of a paragraph after a gap of two spaces: the first label (`of the
        // Week`, cut from its start by the scraper) goes with the cloud.
        let line = "The council met on Monday and voted the budget through.  of the Week (3) \
                    Local Sport (15) Letters to the Editor (120) Archive 2019 (41)";
        let at = tag_cloud_start(line).unwrap();
        assert_eq!(&line[at..at + 12], "of the Week ");
        // After a sentence end.
        let line = "It rained all day. Gardening (8) Recipes (22) Travel notes (5)";
        assert_eq!(
            &line[tag_cloud_start(line).unwrap()..],
            "Gardening (8) Recipes (22) Travel notes (5)"
        );
        // The first label runs into prose: only the counts and the later labels go.
        let line = "and then we walked home along the river past the old mill and the bridge \
                    Cooking (8) Recipes (22) Travel notes (5)";
        assert_eq!(&line[tag_cloud_start(line).unwrap()..], "(8) Recipes (22) Travel notes (5)");
    }

    #[test]
    fn counts_in_sentences_are_no_tag_cloud() {
        for text in [
            "The vote was won by Smith (41) and Jones (38)",
            "Goals: Messi (2), Suarez (1), Neymar (1)",
            "He was born in Leeds (1948). He studied in York (1966). He died (2001)",
            "The report (2019)",
            "(12)",
            "Politik (12) Sport (4) Kultur (7).",
            "Politik (12) Sport (4) Kultur (1234567)",
        ] {
            assert_eq!(tag_cloud_start(text), None, "{text}");
        }
    }

    #[test]
    fn tags_at_the_ends_of_a_line_go() {
        assert_eq!(without_edge_tags("<p>Work starts in April.</p>"), "Work starts in April.");
        assert_eq!(
            without_edge_tags("<p class=\"lead\"><b>Bold lead</b> and more.</p>"),
            "Bold lead</b> and more."
        );
        assert_eq!(without_edge_tags("Line break at the end<br/>"), "Line break at the end");
        assert_eq!(without_edge_tags("<image>data</image>"), "<image>data</image>");
        assert_eq!(without_edge_tags("<p></p>"), "<p></p>");
        assert_eq!(without_edge_tags("a < b and c > d"), "a < b and c > d");
        assert_eq!(without_edge_tags("<3 love"), "<3 love");
    }

    #[test]
    fn a_contact_sentence_names_a_network_and_asks_to_write() {
        let form = for_matching("Биз билан боғланмоқчи бўлсангиз, Telegram орқали ёзинг.");
        assert!(is_contact_prompt(&form));
        assert!(!is_contact_prompt(&for_matching(
            "He wrote on Telegram that the talks would go on."
        )));
        assert!(!is_contact_prompt(&for_matching("Join the club, the mayor told the crowd.")));
    }

    #[test]
    fn captions_say_who_stands_where() {
        assert!(is_caption(&for_matching(
            "Former president Nazarbayev (left) meets President Putin at the Kremlin"
        )));
        assert!(is_caption(&for_matching("Talks in Tashkent /Photo by Anvar Ilyasov/")));
        assert!(!is_caption(&for_matching("The left party met on Monday.")));
    }
}
