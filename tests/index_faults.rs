//! A damaged index (#18, case 5; `index stats` read-only from case 9): whatever happened to
//! the file, `run`, `index stats` and `index check` end with a message that names the file
//! and the way out, never with a panic (exit 101); `stats` and `check` never write.

#![allow(clippy::unwrap_used)] // a test harness: a failure here should stop it loudly

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use clean_news_synth::{Corpus, SynthConfig};

fn clean_news() -> Command {
    Command::new(env!("CARGO_BIN_EXE_clean-news"))
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A JSON Lines input of `docs` generated stories, some of them reposts.
fn input(dir: &Path, docs: u64) -> PathBuf {
    let path = dir.join("in.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let config = SynthConfig { docs, sites: 4, days: 2, ..SynthConfig::default() };
    for (doc, _) in Corpus::generate(&config) {
        let record = serde_json::json!({
            "id": doc.id, "site": doc.site, "published": doc.published,
            "title": doc.title, "text": doc.body.as_text().unwrap_or(""),
        });
        writeln!(out, "{record}").unwrap();
    }
    path
}

fn run(input: &Path, out: &Path, index: &Path) -> Output {
    clean_news()
        .arg("run")
        .arg(input)
        .arg("-o")
        .arg(out)
        .arg("--index")
        .arg(index)
        .arg("--quiet")
        .output()
        .unwrap()
}

/// An index written by a real run, and its input.
fn good_index(dir: &Path) -> (PathBuf, Vec<u8>) {
    let input = input(dir, 240);
    let index = dir.join("good.redb");
    let output = run(&input, &dir.join("out"), &index);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    (input, std::fs::read(&index).unwrap())
}

/// Ways a file goes wrong: cut short, bytes flipped in the header and in pages, a region
/// zeroed (a lost block), another file in its place.
fn damaged_versions(good: &[u8]) -> Vec<(String, Vec<u8>)> {
    let n = good.len();
    let mut out = vec![
        ("empty".to_owned(), Vec::new()),
        ("cut to 100 bytes".to_owned(), good[..100].to_vec()),
        ("cut to one page".to_owned(), good[..4096].to_vec()),
        ("cut in half".to_owned(), good[..n / 2].to_vec()),
        ("a JSON file".to_owned(), br#"{"read": 3, "cleaned": 3}"#.to_vec()),
        ("text".to_owned(), b"this is not an index\n".repeat(300)),
    ];
    for offset in [0, 64, 200, 300] {
        let mut bytes = good.to_vec();
        bytes[offset] ^= 0xff;
        out.push((format!("header byte {offset} flipped"), bytes));
    }
    for offset in [4096, 8192, 3 * 4096, n / 3, n / 2, n - 4096] {
        let mut bytes = good.to_vec();
        for byte in &mut bytes[offset..offset + 8] {
            *byte ^= 0x5a;
        }
        out.push((format!("page bytes at {offset} flipped"), bytes));
    }
    for offset in [4096, n / 4, n / 2] {
        let mut bytes = good.to_vec();
        bytes[offset..offset + 4096].fill(0);
        out.push((format!("page at {offset} zeroed"), bytes));
    }
    out
}

fn assert_clear_failure(what: &str, command: &str, output: &Output, path: &Path) {
    let err = stderr(output);
    assert_ne!(output.status.code(), Some(101), "{what}: {command} panicked: {err}");
    assert!(!err.contains("panicked"), "{what}: {command}: {err}");
    if output.status.code() != Some(0) {
        let name = path.display().to_string();
        assert!(err.contains(&name), "{what}: {command} does not name the file: {err}");
        assert!(err.contains("index check"), "{what}: {command} gives no way out: {err}");
    }
}

#[test]
fn damaged_indexes_give_clear_errors_and_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let (input, good) = good_index(dir.path());
    let mut refused = 0;
    let mut used = Vec::new();
    for (i, (what, bytes)) in damaged_versions(&good).into_iter().enumerate() {
        let path = dir.path().join(format!("damaged-{i}.redb"));

        std::fs::write(&path, &bytes).unwrap();
        let stats = clean_news().args(["index", "stats"]).arg(&path).output().unwrap();
        assert_clear_failure(&what, "index stats", &stats, &path);
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{what}: index stats wrote");

        let check = clean_news().args(["index", "check"]).arg(&path).output().unwrap();
        assert_ne!(check.status.code(), Some(101), "{what}: index check: {}", stderr(&check));
        assert!(!stderr(&check).contains("panicked"), "{what}: index check: {}", stderr(&check));
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{what}: index check wrote");
        // `stats` and `check` agree on whether the file can be used.
        assert_eq!(stats.status.success(), check.status.success(), "{what}: {}", stdout(&check));
        if !check.status.success() {
            assert!(stdout(&check).contains("damaged"), "{what}: {}", stdout(&check));
            assert!(stdout(&check).contains("delete"), "{what}: {}", stdout(&check));
        }

        let run = run(&input, &dir.path().join(format!("out-{i}")), &path);
        assert_clear_failure(&what, "run", &run, &path);
        refused += usize::from(!run.status.success());
        if run.status.success() {
            used.push(what);
        }
    }
    // Most damage is found; a flipped byte in an unused part of the header may be harmless.
    assert!(refused >= 15, "only {refused} damaged files refused; used: {used:?}");
}

#[test]
fn check_says_whole_for_a_good_index_and_lists_problems_for_a_damaged_one() {
    let dir = tempfile::tempdir().unwrap();
    let (_, good) = good_index(dir.path());
    let path = dir.path().join("index.redb");
    std::fs::write(&path, &good).unwrap();
    let whole = clean_news().args(["index", "check"]).arg(&path).output().unwrap();
    assert_eq!(whole.status.code(), Some(0), "{}{}", stdout(&whole), stderr(&whole));
    assert!(stdout(&whole).contains("whole (240 documents"), "{}", stdout(&whole));

    let mut bytes = good.clone();
    bytes[8192..8192 + 4096].fill(0);
    std::fs::write(&path, &bytes).unwrap();
    let damaged = clean_news().args(["index", "check"]).arg(&path).output().unwrap();
    assert_eq!(damaged.status.code(), Some(2), "{}", stderr(&damaged));
    let report = stdout(&damaged);
    assert!(report.starts_with(&format!("{}: damaged\n- ", path.display())), "{report}");
    assert!(report.contains(&format!("delete {}", path.display())), "{report}");

    let missing = clean_news().args(["index", "check"]).arg(dir.path().join("no.redb")).output();
    let missing = missing.unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("no index at"), "{}", stderr(&missing));
}

#[cfg(unix)]
#[test]
fn stats_and_check_read_a_read_only_index_and_leave_its_bytes_unchanged() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let (_, good) = good_index(dir.path());
    let path = dir.path().join("archive.redb");
    std::fs::write(&path, &good).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();

    let stats = clean_news().args(["index", "stats"]).arg(&path).output().unwrap();
    assert_eq!(stats.status.code(), Some(0), "{}", stderr(&stats));
    let counts: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(counts["documents"], 240);
    let check = clean_news().args(["index", "check"]).arg(&path).output().unwrap();
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    assert_eq!(std::fs::read(&path).unwrap(), good, "the index changed");

    // Writable, too: reading it does not write it.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let stats = clean_news().args(["index", "stats"]).arg(&path).output().unwrap();
    assert_eq!(stats.status.code(), Some(0), "{}", stderr(&stats));
    assert_eq!(std::fs::read(&path).unwrap(), good, "the index changed");
}

#[test]
fn an_index_left_by_a_killed_run_is_read_without_being_written() {
    // A run killed mid-commit leaves the file for redb to recover on the next open; a
    // read-only open does that recovery on its scratch copy, never on the file.
    let dir = tempfile::tempdir().unwrap();
    let input = input(dir.path(), 240);
    for (i, after_ms) in [0u64, 100, 300, 600, 1000].into_iter().enumerate() {
        let path = dir.path().join(format!("index-{i}.redb"));
        let mut child = clean_news()
            .arg("run")
            .arg(&input)
            .arg("-o")
            .arg(dir.path().join(format!("out-{i}")))
            .arg("--index")
            .arg(&path)
            .arg("--quiet")
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        while !path.exists() && started.elapsed() < std::time::Duration::from_secs(60) {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        std::thread::sleep(std::time::Duration::from_millis(after_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        let before = std::fs::read(&path).unwrap();
        let stats = clean_news().args(["index", "stats"]).arg(&path).output().unwrap();
        assert_clear_failure(&format!("killed after {after_ms} ms"), "stats", &stats, &path);
        assert_eq!(std::fs::read(&path).unwrap(), before, "the index changed");
    }
}
