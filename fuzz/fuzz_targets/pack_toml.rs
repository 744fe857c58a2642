//! The pack parser on arbitrary TOML: an error or a cleaner, never a panic; a pack that
//! builds cleans any text without panicking.
#![no_main]

use clean_news::{Cleaner, Document};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: (String, String)| {
    let (pack, text) = data;
    if let Ok(cleaner) = Cleaner::builder().packs(["common"]).pack_toml("fuzz", pack).build() {
        let _ = cleaner.clean(&Document::text("f", text));
    }
});
