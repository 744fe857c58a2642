//! Cleans one text file and prints the record as pretty JSON: a quick look at what the
//! cleaner does with a page. `cargo run --example clean_file -- page.txt`
use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: clean_file PATH")?;
    let text = String::from_utf8_lossy(&std::fs::read(&path)?).into_owned();
    let cleaner = clean_news::Cleaner::builder().build()?;
    let cleaned = cleaner.clean(&clean_news::Document::text(path, text));
    writeln!(std::io::stdout(), "{}", serde_json::to_string_pretty(&cleaned)?)?;
    Ok(())
}
