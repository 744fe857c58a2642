//! The HTML path on arbitrary bytes: no panic, whatever the markup.
#![no_main]

use std::sync::LazyLock;

use clean_news::{Cleaner, Document};
use libfuzzer_sys::fuzz_target;

static CLEANER: LazyLock<Cleaner> = LazyLock::new(|| Cleaner::builder().build().unwrap());

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data).into_owned();
    let _ = CLEANER.clean(&Document::html("f", html));
});
