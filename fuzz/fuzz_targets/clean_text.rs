//! The text cleaner on arbitrary text: no panic, and cleaning the output again (with its
//! title) changes nothing.
#![no_main]

use std::sync::LazyLock;

use clean_news::{Cleaner, Document};
use libfuzzer_sys::fuzz_target;

static CLEANER: LazyLock<Cleaner> = LazyLock::new(|| Cleaner::builder().build().unwrap());

#[derive(Debug, arbitrary::Arbitrary)]
struct Input {
    site: Option<String>,
    title: Option<String>,
    text: String,
}

fuzz_target!(|input: Input| {
    let doc = Document { site: input.site, title: input.title, ..Document::text("f", input.text) };
    let once = CLEANER.clean(&doc);
    let again = Document { title: once.title.clone(), ..Document::text("f", once.text.clone()) };
    assert_eq!(CLEANER.clean(&again).text, once.text);
});
