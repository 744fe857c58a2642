//! Step 3d: pages that are no article — a cookie wall, a paywall, an anti-bot or rate-limit
//! page, a donation appeal — saved by a scraper in place of the story.
//!
//! Such a page shares its text with every other page of its site (and with other sites using
//! the same consent platform), so clustering it would merge different stories. The cleaner
//! flags it (`Meta::non_article`), and the run never clusters a flagged document.
//!
//! The test is one of *density*, not of presence: an article about cookies or paywalls names
//! them in a sentence or two; a consent wall is made of such sentences. The text is split into
//! sentences; a sentence that names the vocabulary of one kind of wall counts for it; the page
//! is flagged when those sentences make up most of its text, or all but a title's worth.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use crate::normalize::{for_matching, prefix_within};

/// What a page is instead of an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NonArticle {
    CookieConsent,
    Paywall,
    Blocked,
}

impl NonArticle {
    /// The name written to `meta.non_article`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            NonArticle::CookieConsent => "cookie_consent",
            NonArticle::Paywall => "paywall",
            NonArticle::Blocked => "blocked",
        }
    }
}

/// Words of each kind of wall, in matching form, in the languages scrapers meet most.
const KINDS: &[(NonArticle, &[&str])] = &[
    (
        NonArticle::CookieConsent,
        &[
            "cookie",
            "cookies",
            "куки",
            "ciasteczk",
            "çerez",
            "ملفات تعريف الارتباط",
            "datenschutzerklärung",
            "datenschutzeinstellungen",
            "zbieramy anonimowe",
            "aby poprawić swoją witrynę",
            "um die funktion unserer website zu verbessern",
            "to improve your experience on our site",
            "by continuing to use this site",
            "we and our partners",
            "personalised ads",
            "personalized ads",
            "consentement",
            "política de privacidad",
            "политика конфиденциальности",
        ],
    ),
    (
        NonArticle::Paywall,
        &[
            "free trial",
            "registered users can read",
            "subscribe to continue",
            "subscribers only",
            "already a subscriber",
            "to continue reading",
            "sign in to read",
            "create a free account",
            "trial request form",
            "work email address",
            "email address first name",
            "must be at least 8 characters",
            "jetzt abonnieren",
            "abonnez-vous",
            "réservé aux abonnés",
            "suscríbete",
            "только для подписчиков",
            "оформите подписку",
        ],
    ),
    (
        NonArticle::Blocked,
        &[
            "unusual traffic",
            "too many requests",
            "are you a robot",
            "captcha",
            "access denied",
            "verify you are human",
            "checking your browser",
            "adresu ip",
            "liczbę połączeń",
            "ilość połączeń",
            "ip address",
            "ip-adresse",
            "подозрительн",
            "доступ ограничен",
            "rate limit",
        ],
    ),
];

/// All the words of [`KINDS`], with the kind of each.
static WORDS: LazyLock<Option<(AhoCorasick, Vec<NonArticle>)>> = LazyLock::new(|| {
    let (words, kinds): (Vec<&str>, Vec<NonArticle>) =
        KINDS.iter().flat_map(|(kind, words)| words.iter().map(move |w| (*w, *kind))).unzip();
    let automaton =
        AhoCorasick::builder().match_kind(MatchKind::LeftmostFirst).build(words).ok()?;
    Some((automaton, kinds))
});

/// The words of [`KINDS`], searched case-blind (ASCII) in the raw parts by one DFA pass
/// before anything else: a quick test that a page may be a wall.
static PREFILTER: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .kind(Some(AhoCorasickKind::DFA))
        .build(KINDS.iter().flat_map(|(_, words)| words.iter()))
        .ok()
});

/// The longest page (title and text, in bytes) that is looked at as a possible wall, unless
/// a rule removed a consent banner from it: consent, paywall and anti-bot pages left after
/// cleaning run to a few sentences.
const MAX_WALL_BYTES: usize = 1500;

/// Bytes of the text looked at: a wall is short, and its first part tells.
const MAX_BYTES: usize = 6000;
/// The share of the text that the wall's sentences must make up.
const MIN_SHARE: f64 = 0.5;
/// What may be left beside the wall's sentences and still be no article: a title, a button.
const MAX_OTHER_CHARS: usize = 160;

/// The kind of wall a page is, if it is one, from what it showed: `parts` (its title, its
/// text, then the consent banners rules removed from it), read as one text.
pub(crate) fn non_article(parts: &[&str]) -> Option<NonArticle> {
    // A wall is short; a long text is an article, whatever banner stands beside it.
    let (shown, banners) = parts.split_at(parts.len().min(2));
    if banners.is_empty() && shown.iter().map(|p| p.len()).sum::<usize>() > MAX_WALL_BYTES {
        return None;
    }
    // Most pages name no wall at all: one pass over the raw parts tells, before any sentence
    // is folded or any part copied.
    let prefilter = PREFILTER.as_ref()?;
    // Walls make up at least half of what the page showed, so their words stand in the first
    // half of every part that is mostly wall.
    let may_be_a_wall = parts
        .iter()
        .any(|part| prefilter.is_match(prefix_within(part, part.len().div_ceil(2) + 64)));
    if !may_be_a_wall {
        return None;
    }
    let text = parts.join("\n");
    wall_of(&text)
}

/// [`non_article`] on one text.
fn wall_of(text: &str) -> Option<NonArticle> {
    let (automaton, kinds) = WORDS.as_ref()?;
    let text = prefix_within(text, MAX_BYTES);
    let mut total = 0;
    let mut counted = [0usize; 3];
    for sentence in sentences(text) {
        let chars = sentence.chars().count();
        total += chars;
        let form = for_matching(sentence);
        if let Some(found) = automaton.find(&form) {
            let kind = kinds[found.pattern().as_usize()];
            counted[kind as usize] += chars;
        }
    }
    let (index, &wall) = counted.iter().enumerate().max_by_key(|&(_, c)| *c)?;
    let other = total - wall;
    #[allow(clippy::cast_precision_loss)] // page lengths are far below 2^52
    let share = if total == 0 { 0.0 } else { wall as f64 / total as f64 };
    (wall > 0 && (share >= MIN_SHARE || other <= MAX_OTHER_CHARS)).then(|| KINDS[index].0)
}

/// The sentences of `text`: split after `.`, `!`, `?` followed by a space, and at line ends.
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n').flat_map(|line| {
        let mut rest = line;
        std::iter::from_fn(move || {
            if rest.trim().is_empty() {
                return None;
            }
            let end = rest
                .char_indices()
                .find(|&(i, c)| {
                    matches!(c, '.' | '!' | '?') && rest[i + 1..].starts_with(char::is_whitespace)
                })
                .map_or(rest.len(), |(i, _)| i + 1);
            let (sentence, after) = rest.split_at(end);
            rest = after;
            Some(sentence.trim())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walls_of_every_kind_are_flagged() {
        let cookie = "Bridge reopens after repairs We use cookies and similar technologies to give you the best experience. By continuing to use this site you agree to our use of cookies. You can change your cookie settings at any time in our privacy policy.";
        assert_eq!(non_article(&[cookie]), Some(NonArticle::CookieConsent));
        let paywall = "Markets slow down TAKE A FREE TRIAL Registered users can read up to 3 reports a month. Enter your details below for immediate access.";
        assert_eq!(non_article(&[paywall]), Some(NonArticle::Paywall));
        let blocked = "Sorry, we have detected unusual traffic from your network.\n\nPlease verify you are human to continue.";
        assert_eq!(non_article(&["Access", blocked]), Some(NonArticle::Blocked));
    }

    #[test]
    fn an_article_that_names_cookies_is_an_article() {
        let article = "The regulator fined the company for setting cookies without consent. \
            Inspectors found that the site tracked visitors before they could refuse. \
            The company said it would appeal the decision and change its banner by June. \
            Consumer groups welcomed the fine, the first under the new law, and asked for more checks. \
            The regulator said it had opened twelve other cases this year.";
        assert_eq!(non_article(&[article]), None);
        assert_eq!(non_article(&[""]), None);
    }
}
