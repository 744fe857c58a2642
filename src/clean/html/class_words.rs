//! Class words: what the words of a `class` or `id` value say about an element (a comment
//! thread, a share bar, a related list, the article's body). Kept apart from the walk so
//! the lists can be read, and grown, on their own.

/// Words in a class or id that mark an element as never content, whatever it holds.
/// Matched against the words of the attribute (split at `-`, `_`, spaces and case changes)
/// as prefixes: `comments`, `commentList`, `share-bar`, `relatedPosts`.
pub(crate) const NEGATIVE_WORDS: &[&str] = &[
    "comment",
    "disqus",
    "share",
    "sharing",
    "social",
    "related",
    "newsletter",
    "subscri",
    "cookie",
    "consent",
    "gdpr",
    "promo",
    "advert",
    "adsense",
    "adslot",
    "breadcrumb",
    "pagination",
    "paywall",
    "sidebar",
    "popular",
    "trending",
    "mostread",
    "outbrain",
    "taboola",
    "sponsor",
    "modal",
    "popup",
    "navbar",
    "navigation",
    "footer",
    "masthead",
    "toolbar",
    "signup",
    "login",
    "recommend",
    "caption",
    "credit",
    "copyright",
    "disclaimer",
    "affiliate",
    "author",
    "byline",
    "embed",
];

/// Words that must be the whole word to count (as prefixes they would catch `address`,
/// `menuitem` in an article id, `tagline`, `navy`).
pub(crate) const NEGATIVE_EXACT_WORDS: &[&str] = &[
    "ad", "ads", "menu", "tags", "nav", "banner", "rating", "print", "skip", "button", "btn",
    "pager",
];

/// First words of a class name that make it a state of the page or element rather than
/// what the element is (`has-sidebar`, `no-comments`, `with-share-bar`, `show-footer`).
pub(crate) const STATE_WORDS: &[&str] = &[
    "has", "no", "with", "without", "show", "showing", "enable", "enabled", "disable", "disabled",
];

/// Negative words that a positive word in the same class name overrides:
/// `content-with-sidebar` wraps the whole page, `article-footer` may hold the last lines.
pub(crate) const WEAK_NEGATIVE_WORDS: &[&str] = &[
    "sidebar",
    "paywall",
    "author",
    "menu",
    "tags",
    "promo",
    "modal",
    "footer",
    "banner",
    "popular",
    "nav",
    "navigation",
];

/// Words in a class or id that mark the article itself. A class name made of them (and no
/// negative word) keeps its element even when another class name is negative
/// (`entry themeform share`).
pub(crate) const POSITIVE_WORDS: &[&str] =
    &["article", "content", "main", "body", "story", "post", "entry", "text", "news", "blog"];

pub(super) type ClassCache<'a> =
    std::collections::HashMap<&'a str, ClassJudgment, xxhash_rust::xxh3::Xxh3DefaultBuilder>;

/// What a class or id value says about its element.
#[derive(Debug, Clone, Copy)]
pub(super) struct ClassJudgment {
    pub(super) negative: bool,
    pub(super) positive: bool,
    pub(super) article_body: bool,
}

impl ClassJudgment {
    pub(super) fn of(value: &str) -> ClassJudgment {
        let (negative, positive) = class_words(value);
        ClassJudgment { negative, positive, article_body: names_article_body(value) }
    }
}

/// The names content management systems give the element that holds an article's body,
/// without separators: `entry-content` (WordPress), `article__body`, `postContent`.
pub(crate) const ARTICLE_BODY_NAMES: &[&str] = &[
    "articlebody",
    "articletext",
    "articlecontent",
    "postbody",
    "posttext",
    "postcontent",
    "entrycontent",
    "entrybody",
    "entrytext",
    "storybody",
    "storytext",
    "storycontent",
    "newstext",
    "newsbody",
    "newscontent",
    "bodytext",
];

/// Whether one of the names in a class or id value is an article-body name (separators
/// and case ignored).
fn names_article_body(value: &str) -> bool {
    value.split_ascii_whitespace().any(|name| {
        let mut buf = [0u8; 64];
        let mut len = 0;
        for b in name.bytes().filter(u8::is_ascii_alphanumeric) {
            if let Some(slot) = buf.get_mut(len) {
                *slot = b.to_ascii_lowercase();
                len += 1;
            }
        }
        let squashed = buf.get(..len).unwrap_or_default();
        let has = |w: &[u8]| memchr::memmem::find(squashed, w).is_some();
        // Every such name ends in body, text or content: most names are out at once.
        (has(b"body") || has(b"text") || has(b"content"))
            && ARTICLE_BODY_NAMES.iter().any(|n| has(n.as_bytes()))
    })
}

/// Judges a class or id value: whether one of its names is negative, and whether one is
/// positive. A name is split into lower-case words (at non-alphanumerics and at
/// lower-to-upper case changes); it is negative when a word is a strong negative, or a weak
/// negative without a positive word beside it; positive when a word is positive and none
/// negative.
fn class_words(value: &str) -> (bool, bool) {
    let mut negative = false;
    let mut positive = false;
    let mut word = String::new();
    for name in value.split_ascii_whitespace() {
        let (mut strong, mut weak, mut pos) = (false, false, false);
        let mut first = true;
        let mut state = false;
        let mut judge = |word: &str, modifier: bool| {
            if word.is_empty() {
                return;
            }
            // `has-sidebar`, `no-comments`, `show-pagination`: a state of the page, not
            // what the element is.
            if std::mem::take(&mut first) {
                state = STATE_WORDS.contains(&word);
            }
            if state {
                return;
            }
            // In a BEM modifier (`report__section--ads`) a short word says what the
            // element also holds, not what it is.
            let hit = NEGATIVE_WORDS
                .iter()
                .find(|w| word.starts_with(*w))
                .or_else(|| NEGATIVE_EXACT_WORDS.iter().find(|w| !modifier && word == **w));
            if let Some(w) = hit {
                if WEAK_NEGATIVE_WORDS.contains(w) {
                    weak = true;
                } else {
                    strong = true;
                }
            }
            pos |= POSITIVE_WORDS.iter().any(|w| word.starts_with(w));
        };
        word.clear();
        let mut prev_lower = false;
        let mut modifier = false;
        let mut prev_dash = false;
        for c in name.chars() {
            if !c.is_alphanumeric() {
                judge(&word, modifier);
                word.clear();
                prev_lower = false;
                modifier |= prev_dash && c == '-';
                prev_dash = c == '-';
                continue;
            }
            prev_dash = false;
            if c.is_uppercase() && prev_lower {
                judge(&word, modifier);
                word.clear();
            }
            prev_lower = c.is_lowercase();
            if c.is_ascii() {
                word.push(c.to_ascii_lowercase());
            } else {
                word.extend(c.to_lowercase());
            }
        }
        judge(&word, modifier);
        // Meta lines and dates: only as the last word, which names what the element is
        // (`entry-meta`, `post-date`); `date-outer` wraps a blog's posts.
        strong |= !state && matches!(word.as_str(), "meta" | "date");
        // A name that says the element is hidden (`hidden`, `is-hidden`), not that a part
        // of it is (`field--label-hidden`), nor that it hides on some screens
        // (`hidden-xs`, `mobile-hidden`) or clips (`overflow-hidden`).
        strong |= matches!(
            name.to_ascii_lowercase().as_str(),
            "hidden" | "is-hidden" | "u-hidden" | "js-hidden" | "visually-hidden" | "sr-only"
        );
        let name_negative = strong || (weak && !pos);
        negative |= name_negative;
        positive |= pos && !name_negative;
    }
    (negative, positive)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_words_split_at_case_and_punctuation() {
        assert_eq!(class_words("relatedPosts"), (true, false));
        assert_eq!(class_words("content-with-sidebar"), (false, true));
        assert_eq!(class_words("entry themeform share"), (true, true));
        assert_eq!(class_words("address"), (false, false));
        assert_eq!(class_words("ad"), (true, false));
    }

    #[test]
    fn a_short_word_in_a_bem_modifier_is_not_negative() {
        assert_eq!(class_words("report__section--ads"), (false, false));
        assert_eq!(class_words("report__ads"), (true, false));
        assert_eq!(class_words("callout--type--asset-embed"), (true, false));
    }

    #[test]
    fn only_hidden_elements_are_hidden() {
        assert_eq!(class_words("hidden"), (true, false));
        assert_eq!(class_words("is-hidden"), (true, false));
        assert_eq!(class_words("field field--label-hidden"), (false, false));
        assert_eq!(class_words("hidden-xs"), (false, false));
        assert_eq!(class_words("overflow-hidden"), (false, false));
    }

    #[test]
    fn state_names_are_not_what_the_element_is() {
        assert_eq!(class_words("has-sidebar"), (false, false));
        assert_eq!(class_words("no-comments showing-comments"), (false, false));
        assert_eq!(class_words("sidebar"), (true, false));
        assert_eq!(class_words("content-behind-paywall"), (false, true));
    }

    #[test]
    fn meta_and_date_count_as_the_last_word() {
        assert_eq!(class_words("entry-meta"), (true, false));
        assert_eq!(class_words("post-date"), (true, false));
        assert_eq!(class_words("date-outer"), (false, false));
        assert_eq!(class_words("metadata"), (false, false));
    }
}
