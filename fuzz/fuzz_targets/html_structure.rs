//! The HTML extractor on pathological structure: the input picks pieces of markup (deep
//! nesting, formatting elements left open, many attributes, unclosed tables, SVG and MathML,
//! raw text elements, quotes holding `>`) and how often each repeats, so that a few bytes
//! make a page of a megabyte whose shape bytes alone would rarely reach. Issue #18's cases 1
//! and 2 are among the shapes (`<b class=cN><p>xN`, one tag with thousands of attributes).
//!
//! Asserts: no panic; the text is no longer than the page; a page over budget says so with
//! the page's length. libFuzzer's `-rss_limit_mb` and `-timeout` bound memory and time.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use clean_news::clean::html;
use libfuzzer_sys::fuzz_target;

/// The largest page built.
const MAX_PAGE: usize = 2 << 20;

const TAGS: &[&str] = &[
    "b", "i", "font", "nobr", "a", "em", "strong", "u", "s", "code", "p", "div", "span", "td",
    "th", "tr", "table", "tbody", "caption", "li", "ul", "select", "option", "object", "marquee",
    "applet", "template", "svg", "math", "mi", "mtext", "foreignObject", "desc", "title",
    "textarea", "script", "style", "xmp", "iframe", "noscript", "plaintext", "html", "body",
    "head", "form", "button", "h1", "article", "frameset", "br", "img",
];

/// The issue's two pages in small, for the page to start with.
#[derive(Debug, Arbitrary)]
enum Seed {
    /// Case 1: `<b class=cN><p>xN ` repeated.
    Misnested { paragraphs: u16 },
    /// Case 2: one `div` with valueless attributes.
    Attributes { count: u16 },
}

#[derive(Debug, Arbitrary)]
struct Input {
    seed: Option<Seed>,
    pieces: Vec<Piece>,
}

#[derive(Debug, Arbitrary)]
enum Piece {
    /// A start tag with a few attributes, one of them numbered so that no two are alike.
    Open { tag: u8, attributes: u8, numbered: bool, self_closing: bool },
    Close { tag: u8 },
    Text { word: u8 },
    /// Many attributes on one tag.
    Attributes { tag: u8, count: u16, quoted_gt: bool },
    /// Bytes the structure pieces never write: `<!`, `<![CDATA[`, `< `, quotes, `</ x>`.
    Odd { which: u8 },
    /// The pieces since the last mark, `times` more times.
    Repeat { times: u16 },
    Mark,
}

fn tag(i: u8) -> &'static str {
    TAGS[usize::from(i) % TAGS.len()]
}

fn build(seed: Option<&Seed>, pieces: &[Piece]) -> String {
    let mut page = String::from("<html><body>");
    match seed {
        Some(Seed::Misnested { paragraphs }) => {
            for i in 0..*paragraphs {
                page.push_str(&format!("<b class=\"c{i}\"><p>x{i} "));
            }
        }
        Some(Seed::Attributes { count }) => {
            page.push_str("<div");
            for i in 0..*count {
                page.push_str(&format!(" a{i}"));
            }
            page.push_str("><p>x</p></div>");
        }
        None => {}
    }
    let mut mark = 0;
    let mut serial = 0u32;
    for piece in pieces {
        if page.len() > MAX_PAGE {
            break;
        }
        match piece {
            Piece::Open { tag: t, attributes, numbered, self_closing } => {
                page.push('<');
                page.push_str(tag(*t));
                for a in 0..attributes % 4 {
                    page.push_str(&format!(" x{a}=\"v\""));
                }
                if *numbered {
                    serial += 1;
                    page.push_str(&format!(" class=\"c{serial}\""));
                }
                page.push_str(if *self_closing { "/>" } else { ">" });
            }
            Piece::Close { tag: t } => {
                page.push_str("</");
                page.push_str(tag(*t));
                page.push('>');
            }
            Piece::Text { word } => {
                page.push_str(["x", "word, ", "a long sentence, with commas, of prose. ", " "]
                    [usize::from(*word) % 4]);
            }
            Piece::Attributes { tag: t, count, quoted_gt } => {
                page.push('<');
                page.push_str(tag(*t));
                if *quoted_gt {
                    page.push_str(" title=\"a>b\"");
                }
                for a in 0..*count {
                    page.push_str(&format!(" a{a}"));
                }
                page.push('>');
            }
            Piece::Odd { which } => {
                page.push_str(
                    [
                        "<!-- c -->",
                        "<![CDATA[ > ",
                        "]]>",
                        "< ",
                        "\"",
                        "'",
                        "</ x>",
                        "<!doctype html>",
                        "<?x>",
                        "=",
                        ">",
                        "<!-->",
                        "<script type=application/ld+json>{\"articleBody\":\"<b>x</b>\"}",
                        "</script>",
                    ][usize::from(*which) % 14],
                );
            }
            Piece::Repeat { times } => {
                let unit = page.get(mark..).unwrap_or_default().to_owned();
                if unit.is_empty() {
                    continue;
                }
                let times = usize::from(*times).min(MAX_PAGE / unit.len());
                // Numbered classes stay different in every copy.
                for copy in 0..times {
                    page.push_str(&unit.replace("class=\"c", &format!("class=\"r{copy}c")));
                    if page.len() > MAX_PAGE {
                        break;
                    }
                }
            }
            Piece::Mark => mark = page.len(),
        }
    }
    page
}

fuzz_target!(|data: &[u8]| {
    let mut input = Unstructured::new(data);
    let Ok(input) = Input::arbitrary(&mut input) else { return };
    let page = build(input.seed.as_ref(), &input.pieces);
    match html::try_extract(&page) {
        Ok(extracted) => assert!(extracted.text.len() <= page.len()),
        Err(over) => assert!(over.bytes <= page.len()),
    }
});
