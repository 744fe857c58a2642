//! Placeholder until the cleaner bench lands.
fn main() {}
