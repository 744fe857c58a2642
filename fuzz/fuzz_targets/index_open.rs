//! Opening an index file made of arbitrary bytes: an error or an index, never a panic; an
//! index that opens answers its queries without panicking.
#![no_main]

use clean_news::index::Index;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("index.redb");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    if let Ok(index) = Index::open(&path, 1) {
        let _ = index.stats();
        let _ = index.candidates(&[0, 1, u64::MAX]);
        let _ = index.get("a");
    }
});
