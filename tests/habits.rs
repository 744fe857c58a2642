//! The habits people bring from trafilatura, ripgrep and the shell (#21): a page on stdin,
//! `--format` to say what an input is, `--to text` for the article alone, a mistyped path
//! said at once with nothing created, shell completions and a man page.
//!
//! Every input is generated here; none is checked in.

// Helpers outside #[test] fns set up inputs; failing loudly is what they should do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fake_crawl;

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use fake_crawl::{html_response, warcinfo, write};
use serde_json::Value;

fn clean_news() -> Command {
    Command::new(env!("CARGO_BIN_EXE_clean-news"))
}

fn records(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8(stdout.to_vec())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// A news page as `curl` brings it: a menu, the article, a footer.
fn news_page() -> String {
    let paragraphs = [
        "The city council approved the new metro line on Tuesday, after three years of \
         debate, and construction is to start in spring.",
        "The line will have twelve stations, connect the airport with the centre, and \
         carry, by the council's estimate, ninety thousand people a day.",
        "Residents of the southern districts, who now spend an hour on buses, welcomed the \
         decision, while shop owners near the route fear the years of works.",
    ];
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Metro line approved</title>\
         </head>\n<body><nav><ul><li><a href=\"/\">Home</a></li><li><a href=\"/sport\">Sport\
         </a></li><li><a href=\"/weather\">Weather</a></li></ul></nav>\n<article><h1>Metro \
         line approved</h1>\n{body}</article>\n<footer><p>© 2024 City News. All rights \
         reserved.</p></footer></body></html>\n"
    )
}

/// A plain text page, as a scraper that keeps text only saves it.
const TEXT_PAGE: &str = "Metro line approved\n\nThe city council approved the new metro \
    line on Tuesday, after three years of debate, and construction is to start in spring.\n\n\
    The line will have twelve stations, connect the airport with the centre, and carry, by \
    the council's estimate, ninety thousand people a day.\n";

/// `clean` with `args`, `stdin` on standard input.
fn clean_stdin(args: &[&str], stdin: impl Into<Vec<u8>>) -> std::process::Output {
    clean_news().arg("clean").args(args).write_stdin(stdin.into()).output().unwrap()
}

// ---- 1. --format, and stdin sniffed --------------------------------------------------------

#[test]
fn case1_html_page_on_stdin_gives_the_article() {
    let output = clean_stdin(&["-"], news_page());
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let records = records(&output.stdout);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["id"], "-");
    let text = records[0]["text"].as_str().unwrap();
    assert!(text.starts_with("The city council approved"), "{text}");
    assert!(text.contains("ninety thousand people a day"), "{text}");
    assert!(!text.contains("Weather") && !text.contains("All rights reserved"), "{text}");
    assert_eq!(records[0]["title"], "Metro line approved");
}

#[test]
fn case1_plain_text_page_on_stdin_is_one_document() {
    let output = clean_stdin(&["-"], TEXT_PAGE);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let records = records(&output.stdout);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["id"], "-");
    assert_eq!(records[0]["title"], "Metro line approved");
    assert!(records[0]["text"].as_str().unwrap().contains("twelve stations"));
}

#[test]
fn case1_html_is_known_after_a_byte_order_mark_and_a_comment() {
    let page = format!("\u{feff}\n  <!-- saved from a browser -->\n{}", news_page());
    let output = clean_stdin(&["-"], page);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let records = records(&output.stdout);
    assert!(!records[0]["text"].as_str().unwrap().contains('<'), "{}", records[0]["text"]);
}

#[test]
fn case1_warc_on_stdin_is_read_as_warc() {
    let warc = [warcinfo(), html_response("https://x/metro", &news_page())].concat();
    let output = clean_stdin(&["-"], warc);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let records = records(&output.stdout);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["id"], "https://x/metro");
}

#[test]
fn case1_format_overrides_sniffing_on_stdin() {
    // Text that starts with `{` is JSON Lines to the sniffer, one page when told so.
    let output = clean_stdin(&["-", "--format", "txt"], "{braces} are a style.\n\nSecond line.\n");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let found = records(&output.stdout);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["id"], "-");
    // A page forced to be JSON Lines fails line by line, as a bad dump does.
    let output = clean_stdin(&["-", "--format", "jsonl"], news_page());
    assert_eq!(output.status.code(), Some(2));
    assert!(records(&output.stdout)[0]["error"].as_str().unwrap().contains("not valid JSON"));
}

#[test]
fn case1_format_overrides_the_extension_of_a_named_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "page.php", news_page());
    write(
        dir.path(),
        "dump.json",
        "{\"id\":\"a\",\"text\":\"One.\"}\n{\"id\":\"b\",\"text\":\"Two.\"}\n",
    );
    write(dir.path(), "saved.txt.gz", fake_crawl::gzip(news_page()));
    let run = |args: &[&str]| {
        clean_news().arg("clean").args(args).current_dir(dir.path()).output().unwrap()
    };
    let output = run(&["page.php", "--format", "html"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let records_html = records(&output.stdout);
    assert_eq!(records_html[0]["id"], "page.php");
    assert!(records_html[0]["text"].as_str().unwrap().starts_with("The city council"));

    let output = run(&["dump.json", "--format", "jsonl"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let ids: Vec<Value> = records(&output.stdout).iter().map(|r| r["id"].clone()).collect();
    assert_eq!(ids, ["a", "b"]);

    // The compression still comes from the name.
    let output = run(&["saved.txt.gz", "--format", "html"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(records(&output.stdout)[0]["text"].as_str().unwrap().starts_with("The city council"));
}

#[test]
fn case1_run_reads_a_page_on_stdin_too() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = clean_news()
        .args(["run", "-", "--format", "auto", "--no-index", "-o"])
        .arg(&out)
        .write_stdin(news_page())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let documents = records(&fs::read(out.join("documents.jsonl")).unwrap());
    assert_eq!(documents.len(), 1);
    assert_eq!(documents[0]["id"], "-");
    assert!(documents[0]["text"].as_str().unwrap().starts_with("The city council"));
}

// ---- 2. --to text --------------------------------------------------------------------------

/// The title and text of each JSON record, as `--to text` should print one document.
fn as_text(record: &Value) -> String {
    let title = record["title"].as_str().unwrap_or_default();
    let text = record["text"].as_str().unwrap();
    match (title.is_empty(), text.is_empty()) {
        (true, _) => format!("{text}\n"),
        (false, true) => format!("{title}\n"),
        (false, false) => format!("{title}\n\n{text}\n"),
    }
}

#[test]
fn case2_a_single_page_prints_its_title_and_text_alone() {
    let json = records(&clean_stdin(&["-"], news_page()).stdout);
    let output = clean_stdin(&["-", "--to", "text"], news_page());
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(stdout_of(&output), as_text(&json[0]));
    assert!(stdout_of(&output).starts_with("Metro line approved\n\nThe city council"));
}

#[test]
fn case2_several_documents_each_start_with_a_header_line() {
    let lines = "{\"id\":\"a\",\"title\":\"First story\",\"text\":\"One paragraph of it.\"}\n\
                 {\"id\":\"b\",\"text\":\"No title here.\"}\n\
                 {\"id\":\"c\"}\n\
                 {\"id\":\"d\\nnew line\",\"title\":\"Last\",\"text\":\"Its text.\"}\n";
    let json = records(&clean_stdin(&["-"], lines).stdout);
    let output = clean_stdin(&["-", "--to", "text"], lines);
    // `c` has no text: an error, said on stderr, not printed among the articles.
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("error: - [c]"), "{}", stderr_of(&output));
    let expected = format!(
        "==> a <==\n{}\n==> b <==\n{}\n==> d\\nnew line <==\n{}",
        as_text(&json[0]),
        as_text(&json[1]),
        as_text(&json[3])
    );
    assert_eq!(stdout_of(&output), expected);
}

#[test]
fn case2_text_goes_to_the_output_file_and_errors_to_their_own() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "in/a.txt", TEXT_PAGE);
    write(dir.path(), "in/b.txt", b"\x89PNG\0\0");
    let json = records(&clean_stdin(&["-"], TEXT_PAGE).stdout);
    let output = clean_news()
        .args(["clean", "in", "--to", "text", "-o", "out.txt", "--errors", "errors.jsonl"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert_eq!(fs::read_to_string(dir.path().join("out.txt")).unwrap(), as_text(&json[0]));
    assert!(as_text(&json[0]).starts_with("Metro line approved\n\nThe city council"));
    let errors = records(&fs::read(dir.path().join("errors.jsonl")).unwrap());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["id"], "b.txt");
}

#[test]
fn case2_json_lines_stay_the_default() {
    let output = clean_stdin(&["-", "--to", "jsonl"], TEXT_PAGE);
    let default = clean_stdin(&["-"], TEXT_PAGE);
    assert_eq!(output.stdout, default.stdout);
    assert_eq!(records(&default.stdout).len(), 1);
}

// ---- 3. a path that cannot be opened -------------------------------------------------------

fn assert_nothing_in(dir: &Path, but: &[&str]) {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, but);
}

#[test]
fn case3_run_on_a_missing_path_says_so_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pages/a.txt", TEXT_PAGE);
    let output = clean_news()
        .args(["run", "pages", "typo/", "-o", "out"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stderr_of(&output), "clean-news: typo/: No such file or directory\n");
    assert!(output.stdout.is_empty());
    assert_nothing_in(dir.path(), &["pages"]);
}

#[test]
fn case3_clean_names_every_bad_path_and_creates_no_output() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", TEXT_PAGE);
    let output = clean_news()
        .args(["clean", "missing.html", "a.txt", "a.txt/inside.txt", "-o", "clean.jsonl"])
        .args(["--errors", "errors.jsonl", "--text-dir", "texts"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr_of(&output),
        "clean-news: missing.html: No such file or directory\n\
         clean-news: a.txt/inside.txt: Not a directory\n"
    );
    assert!(output.stdout.is_empty());
    assert_nothing_in(dir.path(), &["a.txt"]);
}

#[test]
fn case3_files_named_by_flags_are_checked_too() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pages/a.txt", TEXT_PAGE);
    let output = clean_news()
        .args(["run", "pages", "-o", "out", "--site-profiles", "last/site-profiles.json"])
        .args(["--pack", "mysite.toml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr_of(&output),
        "clean-news: mysite.toml: No such file or directory\n\
         clean-news: last/site-profiles.json: No such file or directory\n"
    );
    assert_nothing_in(dir.path(), &["pages"]);
    // Alone, the missing profiles used to be found after `out/` was made.
    let output = clean_news()
        .args(["run", "pages", "-o", "out", "--site-profiles", "last/site-profiles.json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_nothing_in(dir.path(), &["pages"]);
}

#[test]
fn case3_bad_documents_inside_readable_inputs_stay_error_records() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "in/a.txt", TEXT_PAGE);
    write(dir.path(), "in/b.txt", b"\x89PNG\0\0");
    let output = clean_news().args(["clean", "in"]).current_dir(dir.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let records = records(&output.stdout);
    assert_eq!(records.len(), 2);
    assert_eq!(records[1]["type"], "error");
    assert!(!stderr_of(&output).contains("clean-news:"), "{}", stderr_of(&output));
}

// ---- 4. completions and the man page -------------------------------------------------------

#[test]
fn case4_completions_for_every_shell_name_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = clean_news().args(["completions", shell]).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{shell}: {}", stderr_of(&output));
        let script = stdout_of(&output);
        assert!(script.len() > 1000, "{shell}: {script}");
        for word in ["clean-news", "clean", "run", "report", "completions", "man", "format"] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    let output = clean_news().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn case4_man_page_is_roff_naming_every_subcommand() {
    let output = clean_news().arg("man").output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let page = stdout_of(&output);
    assert!(page.contains(".TH clean-news 1"), "{page}");
    for sub in ["clean", "run", "eval", "sites", "index", "report", "completions", "man"] {
        assert!(page.contains(&format!("clean\\-news\\-{sub}(1)")), "no {sub} in {page}");
    }
    assert!(page.contains("EXIT CODES"), "{page}");

    let output = clean_news().args(["man", "clean"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let page = stdout_of(&output);
    assert!(page.contains(".TH clean-news-clean 1"), "{page}");
    assert!(page.contains("\\-\\-format") && page.contains("\\-\\-to"), "{page}");

    let output = clean_news().args(["man", "eval", "clusters"]).output().unwrap();
    assert!(stdout_of(&output).contains(".TH clean-news-eval-clusters 1"));

    let output = clean_news().args(["man", "nope"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("no subcommand `nope`"), "{}", stderr_of(&output));
}
