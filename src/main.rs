//! The `clean-news` binary (in progress).
fn main() {}
