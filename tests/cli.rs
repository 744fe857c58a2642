//! The `clean-news` binary: plumbing only (formats in, records out, exit codes, files that
//! appear whole, signals). Cleaning itself is tested through the library.

// Helpers outside #[test] fns set up inputs; failing loudly is what they should do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fake_crawl;

use std::collections::BTreeSet;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use fake_crawl::{
    Expected, MIXED_MAX_DOC_BYTES, gzip, gzip_bomb, gzip_members, html_response, warcinfo, write,
    zstd,
};
use serde_json::Value;

/// How many files the mixed-folder test generates (`CLEAN_NEWS_CLI_FILES=10000` for the
/// issue's full size).
const MIXED_FILES_DEFAULT: usize = 2000;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_clean-news"))
}

fn clean_news() -> Command {
    Command::new(bin())
}

fn records(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8(stdout.to_vec())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

fn ids(records: &[Value]) -> Vec<String> {
    records
        .iter()
        .map(|r| {
            let id = r["id"].as_str().unwrap_or("null");
            if r["type"] == "error" { format!("ERR {id}") } else { id.to_owned() }
        })
        .collect()
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn cleans_every_input_format_to_json_lines_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("in");
    write(&root, "a.txt", "Title\n\nBody.");
    write(&root, "b.html", "<p>Page</p>");
    write(&root, "c.jsonl", "{\"id\":\"j1\",\"text\":\"one\"}\n");
    write(&root, "d.ndjson", "{\"text\":\"two\"}\n");
    write(&root, "e.txt.gz", gzip("zipped"));
    write(&root, "f.jsonl.zst", zstd("{\"id\":\"z\",\"text\":\"zst\"}\n"));
    write(&root, "g.warc", [warcinfo(), html_response("https://x/plain", "<p>w</p>")].concat());
    write(
        &root,
        "h.warc.gz",
        gzip_members(&[warcinfo(), html_response("https://x/gz", "<p>g</p>")]),
    );
    let output = clean_news().args(["clean", "in"]).current_dir(dir.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let records = records(&output.stdout);
    assert_eq!(
        ids(&records),
        ["a.txt", "b.html", "j1", "d.ndjson:1", "e.txt.gz", "z", "https://x/plain", "https://x/gz"]
    );
    assert_eq!(records[0]["title"], "Title");
    assert_eq!(records[0]["text"], "Body.");
    let keys: Vec<&str> = records[0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["id", "meta", "removed", "text", "title"]); // serde_json sorts keys
    assert_eq!(stderr_of(&output), "read 8, cleaned 8, failed 0\n");
}

#[test]
fn reads_json_lines_from_stdin() {
    let output = clean_news()
        .args(["clean", "-"])
        .write_stdin("{\"id\":\"a\",\"text\":\"x\"}\n{\"text\":\"y\"}\n")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(ids(&records(&output.stdout)), ["a", "-:2"]);
}

#[test]
fn every_failure_kind_becomes_an_error_record_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "in/a_binary.txt", b"\x89PNG\0\0");
    write(root, "in/b_empty.txt", "");
    write(root, "in/c_huge.txt", "x".repeat(2000));
    write(
        root,
        "in/d_bad.jsonl",
        "{\"id\":\"ok\",\"text\":\"fine\"}\n{oops\n{\"id\":\"no-text\"}\n",
    );
    write(root, "in/e_bomb.jsonl.gz", gzip_bomb(1 << 20, 50));
    write(root, "in/f_latin1.txt", b"caf\xe9");
    let output = clean_news()
        .args(["clean", "in", "--max-doc-bytes", "1K"])
        .current_dir(root)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let records = records(&output.stdout);
    assert_eq!(
        ids(&records),
        [
            "ERR a_binary.txt",
            "b_empty.txt",
            "ERR c_huge.txt",
            "ok",
            "ERR d_bad.jsonl:2",
            "ERR no-text",
            "ERR e_bomb.jsonl.gz:1",
            "f_latin1.txt",
        ]
    );
    let error = |i: usize| records[i]["error"].as_str().unwrap().to_owned();
    assert!(error(0).contains("binary file"));
    assert_eq!(records[1]["meta"]["notes"][0], "empty document");
    assert!(error(2).contains("max_doc_bytes"));
    assert!(error(4).starts_with("line 2: not valid JSON"));
    assert!(error(6).contains("decompression bomb"), "{}", error(6));
    assert_eq!(records[7]["meta"]["notes"][0], "invalid utf-8 decoded lossily");
    assert_eq!(records[0]["path"], "in/a_binary.txt");
    let stderr = stderr_of(&output);
    assert!(stderr.contains("error: in/a_binary.txt [a_binary.txt]: binary file"), "{stderr}");
    assert!(stderr.contains("warning: f_latin1.txt: invalid utf-8 decoded lossily"), "{stderr}");
    assert!(stderr.ends_with("read 8, cleaned 3, failed 5\n"), "{stderr}");
}

#[test]
fn input_equals_output_plus_errors() {
    let dir = tempfile::tempdir().unwrap();
    let expected = fake_crawl::mixed_folder(&dir.path().join("in"), 120);
    let max = MIXED_MAX_DOC_BYTES.to_string();
    let output = clean_news()
        .args([
            "clean",
            "in",
            "-o",
            "out.jsonl",
            "--errors",
            "errors.jsonl",
            "--max-doc-bytes",
            &max,
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let out = records(&fs::read(dir.path().join("out.jsonl")).unwrap());
    let errors = records(&fs::read(dir.path().join("errors.jsonl")).unwrap());
    assert!(out.iter().all(|r| r.get("type").is_none()));
    assert!(errors.iter().all(|r| r["type"] == "error"));
    assert_eq!(out.len(), expected.good.len());
    assert_eq!(errors.len(), expected.bad.len());
    let summary = format!(
        "read {}, cleaned {}, failed {}\n",
        out.len() + errors.len(),
        out.len(),
        errors.len()
    );
    assert!(stderr_of(&output).ends_with(&summary), "{}", stderr_of(&output));
    // Only the two outputs and the input folder: no temporary files left.
    let names: BTreeSet<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, BTreeSet::from(["errors.jsonl".into(), "in".into(), "out.jsonl".into()]));
}

#[test]
fn output_is_byte_identical_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    fake_crawl::mixed_folder(&dir.path().join("in"), 600);
    let max = MIXED_MAX_DOC_BYTES.to_string();
    let run = |threads: &str| {
        clean_news()
            .args(["clean", "in", "--quiet", "--max-doc-bytes", &max, "--threads", threads])
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let (one, four) = (run("1"), run("4"));
    assert_eq!(one.status.code(), Some(2));
    assert_eq!(four.status.code(), Some(2));
    assert!(one.stdout.len() > 10_000);
    assert!(one.stdout == four.stdout, "--threads 1 and --threads 4 differ");
    assert!(one.stderr.is_empty() && four.stderr.is_empty());
}

/// The acceptance run: a big mixed folder, 5 % bad files. Every good document is
/// cleaned, every bad one reported, exit 2.
#[test]
fn a_big_mixed_folder_cleans_every_good_file_and_reports_every_bad_one() {
    let count = std::env::var("CLEAN_NEWS_CLI_FILES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(MIXED_FILES_DEFAULT);
    let dir = tempfile::tempdir().unwrap();
    let Expected { good, bad } = fake_crawl::mixed_folder(&dir.path().join("in"), count);
    let started = Instant::now();
    let output = clean_news()
        .args([
            "clean",
            "in",
            "-o",
            "out.jsonl",
            "--max-doc-bytes",
            &MIXED_MAX_DOC_BYTES.to_string(),
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    let records = records(&fs::read(dir.path().join("out.jsonl")).unwrap());
    let cleaned: BTreeSet<String> = records
        .iter()
        .filter(|r| r.get("type").is_none())
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    let failed: BTreeSet<String> = records
        .iter()
        .filter(|r| r["type"] == "error")
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_same_ids("cleaned", &cleaned, &good);
    assert_same_ids("failed", &failed, &bad);
    assert_eq!(records.len(), good.len() + bad.len());
    let stderr = stderr_of(&output);
    assert!(stderr.ends_with(&format!(
        "read {}, cleaned {}, failed {}\n",
        records.len(),
        good.len(),
        bad.len()
    )));
    eprintln!("{count} files, {} documents in {elapsed:?}", records.len());
}

/// Fails with only the difference: these sets have thousands of ids.
fn assert_same_ids(what: &str, got: &BTreeSet<String>, expected: &[String]) {
    let expected: BTreeSet<String> = expected.iter().cloned().collect();
    let missing: Vec<_> = expected.difference(got).take(10).collect();
    let extra: Vec<_> = got.difference(&expected).take(10).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: missing {missing:?}, unexpected {extra:?}"
    );
}

#[test]
fn text_dir_keeps_hostile_ids_inside_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let ids = [
        "../escape",
        "/abs/path",
        "../../../../etc/x",
        "C:\\Windows\\evil",
        "a/./b/../c",
        "",
        "con",
        "nul\0x",
        "\u{1b}[31mred",
    ];
    let input: String = ids
        .iter()
        .map(|id| {
            format!(
                "{}\n",
                serde_json::json!({"id": id, "title": "T", "text": format!("text of {id:?}")})
            )
        })
        .collect();
    let output = clean_news()
        .args(["clean", "-", "--text-dir", "texts"])
        .current_dir(dir.path())
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(output.stdout.is_empty(), "no -o: no JSON Lines");
    let mut written = Vec::new();
    let mut stack = vec![dir.path().join("texts")];
    while let Some(folder) = stack.pop() {
        for entry in fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                written.push(
                    path.strip_prefix(dir.path().join("texts"))
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    written.sort();
    assert_eq!(
        written,
        [
            "-_6.txt",
            "C_/Windows/evil.txt",
            "_[31mred.txt",
            "_con.txt",
            "a/b/c.txt",
            "abs/path.txt",
            "escape.txt",
            "etc/x.txt",
            "nul_x.txt",
        ]
    );
    let names: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["texts"]);
    let escape = fs::read_to_string(dir.path().join("texts/escape.txt")).unwrap();
    // The title line depends on the cleaner; the text is the document's.
    assert!(escape.ends_with("text of \"../escape\"\n"), "{escape:?}");
}

#[test]
fn scraped_text_is_escaped_in_messages() {
    let mut with_latin1 = b"{\"id\":\"\\u001b[2Jevil\\u202e\",\"text\":\"caf\xe9\"}\n".to_vec();
    with_latin1.extend_from_slice(b"{\"id\":\"\\u001b]0;title\\u0007\"}\n");
    let output = clean_news().args(["clean", "-"]).write_stdin(with_latin1).output().unwrap();
    let stderr = stderr_of(&output);
    assert!(!stderr.chars().any(|c| c.is_control() && c != '\n'), "{stderr:?}");
    assert!(!stderr.contains('\u{202e}'));
    assert!(
        stderr.contains("warning: \\u{1b}[2Jevil\\u{202e}: invalid utf-8 decoded lossily"),
        "{stderr}"
    );
    assert!(stderr.contains("[\\u{1b}]0;title\\u{7}]"), "{stderr}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(!stdout.contains('\u{1b}') && !stdout.contains('\u{202e}'));
}

#[test]
fn exit_codes_follow_the_design() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.txt", "fine");
    write(dir.path(), "bad.txt", "bin\0");
    clean_news().args(["clean", "good.txt"]).current_dir(dir.path()).assert().code(0);
    clean_news().args(["clean", "good.txt", "bad.txt"]).current_dir(dir.path()).assert().code(2);
    clean_news().args(["clean", "missing.txt"]).current_dir(dir.path()).assert().code(2);
    // Usage errors are 2 as well.
    clean_news().args(["clean"]).assert().code(2);
    clean_news().args(["frobnicate"]).assert().code(2);
    clean_news().args(["clean", "x", "--threads", "many"]).assert().code(2);
    clean_news().args(["clean", "x", "--max-doc-bytes", "0"]).assert().code(2);
    clean_news().args(["clean", "x", "--max-expansion", "0"]).assert().code(2);
    clean_news().args(["clean", "x", "-o", "same", "--errors", "same"]).assert().code(2);
    let to_folder = clean_news()
        .args(["clean", "good.txt", "-o", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(to_folder.status.code(), Some(2));
    assert_eq!(stderr_of(&to_folder), "error: . is a folder, not a file\n");
    // Help and version succeed, on stdout.
    let help = clean_news().arg("--help").output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("EXAMPLES:") && help.contains("EXIT CODES:") && help.contains("130"));
    clean_news().arg("--version").assert().code(0);
}

#[test]
fn a_fatal_error_names_the_cause_and_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", "fine");
    let output = clean_news()
        .args(["clean", "a.txt", "-o", "no/such/dir/out.jsonl"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(
        stderr.starts_with("error: cannot create: no/such/dir/out.jsonl\n  caused by: "),
        "{stderr}"
    );
}

#[test]
fn a_closed_stdout_is_a_quiet_success() {
    let dir = tempfile::tempdir().unwrap();
    let text = "A line of an article that goes on for a while. ".repeat(20);
    for i in 0..600 {
        write(dir.path(), &format!("in/{i:04}.txt"), &text);
    }
    let mut child = StdCommand::new(bin())
        .args(["clean", "in"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap(); // then closed
    let output = child.wait_with_output().unwrap();
    assert!(first.starts_with("{\"id\":\"0000.txt\""), "{first}");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stderr_of(&output), "");
}

#[test]
fn every_example_in_help_runs() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "crawl/a.txt", "Title\n\nBody.");
    write(dir.path(), "dump.jsonl.gz", gzip("{\"id\":\"1\",\"text\":\"x\"}\n"));
    write(
        dir.path(),
        "pages.warc.gz",
        gzip_members(&[warcinfo(), html_response("https://x/1", "<p>1</p>")]),
    );
    let help = clean_news().arg("--help").output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let examples: Vec<&str> =
        help.lines().map(str::trim).filter(|line| line.contains("clean-news clean")).collect();
    assert!(examples.len() >= 4, "{help}");
    let path = format!(
        "{}:{}",
        bin().parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for example in examples {
        let output = StdCommand::new("sh")
            .args(["-c", example])
            .env("PATH", &path)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{example}: {}", stderr_of(&output));
    }
    assert!(dir.path().join("clean.jsonl").exists());
    assert!(dir.path().join("articles/https_/x/1.txt").exists());
}

/// Temporary and final files in `dir` whose names mention `name`.
fn files_named(dir: &Path, name: &str) -> Vec<(PathBuf, u64)> {
    let mut found: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().contains(name))
        .map(|p| {
            let len = fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
            (p, len)
        })
        .collect();
    found.sort();
    found
}

/// Starts a run over `in/` and then stdin, which the test holds open: the run writes the
/// folder's first chunks and then waits, so it is certainly mid-way when the test acts.
#[cfg(unix)]
fn start_blocked_run(dir: &Path) -> std::process::Child {
    let mut child = StdCommand::new(bin())
        .args(["clean", "in", "-", "-o", "out.jsonl", "--quiet"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !files_named(dir, ".out.jsonl.").iter().any(|(_, len)| *len > 0) {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the run never wrote its first chunk");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

#[cfg(unix)]
#[test]
fn a_killed_run_leaves_no_half_written_output_and_a_rerun_completes() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..700 {
        write(dir.path(), &format!("in/{i:04}.txt"), format!("Doc {i}\n\nText."));
    }
    let mut child = start_blocked_run(dir.path());
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let left = files_named(dir.path(), "out.jsonl");
    assert!(!dir.path().join("out.jsonl").exists(), "{left:?}");
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].0.file_name().unwrap().to_string_lossy().ends_with(".tmp"));
    clean_news()
        .args(["clean", "in", "-o", "out.jsonl", "--quiet"])
        .current_dir(dir.path())
        .assert()
        .code(0);
    let out = fs::read_to_string(dir.path().join("out.jsonl")).unwrap();
    assert_eq!(out.lines().count(), 700);
}

#[cfg(unix)]
#[test]
fn ctrl_c_flushes_what_is_done_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..700 {
        write(dir.path(), &format!("in/{i:04}.txt"), format!("Doc {i}\n\nText."));
    }
    let mut child = start_blocked_run(dir.path());
    let status = StdCommand::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    // The run is blocked reading stdin; give the signal time to land, then let the read end.
    std::thread::sleep(Duration::from_millis(300));
    drop(child.stdin.take());
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    let out = fs::read_to_string(dir.path().join("out.jsonl")).unwrap();
    let lines = out.lines().count();
    assert!(lines > 0 && lines < 700, "{lines} lines");
    assert!(out.lines().all(|line| serde_json::from_str::<Value>(line).is_ok()));
    assert_eq!(files_named(dir.path(), "out.jsonl").len(), 1, "temporary file left");
}

/// The help of every command and a few error messages, as snapshots
/// (`tests/snapshots/cli__*.snap`): a change to what the user reads fails here until the
/// snapshot is reviewed (`cargo insta review`, or `INSTA_UPDATE=always cargo test --test
/// cli` and read the diff). Help and messages only: cleaned text changes too often to pin.
#[test]
fn help_and_messages_match_their_snapshots() {
    const HELP: &[(&str, &[&str])] = &[
        ("help", &["--help"]),
        ("help_short", &["-h"]),
        ("help_clean", &["clean", "--help"]),
        ("help_run", &["run", "--help"]),
        ("help_eval", &["eval", "--help"]),
        ("help_eval_clusters", &["eval", "clusters", "--help"]),
        ("help_eval_extraction", &["eval", "extraction", "--help"]),
        ("help_sites", &["sites", "--help"]),
        ("help_index", &["index", "--help"]),
        ("help_report", &["report", "--help"]),
    ];
    // Fixed width: clap wraps help to COLUMNS, or to the terminal when there is one.
    let cli = || {
        let mut cli = clean_news();
        cli.env("COLUMNS", "100").env_remove("CLICOLOR_FORCE").env("NO_COLOR", "1");
        cli
    };
    for (name, args) in HELP {
        let output = cli().args(*args).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{args:?}: {}", stderr_of(&output));
        insta::assert_snapshot!(*name, String::from_utf8(output.stdout).unwrap());
    }
    const ERRORS: &[(&str, &[&str])] = &[
        ("error_unknown_flag", &["clean", "--bogus"]),
        ("error_missing_arguments", &["run"]),
        ("error_unknown_eval_set", &["eval", "extraction", "nope", "data"]),
        ("error_missing_input", &["clean", "no-such-dir"]),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, args) in ERRORS {
        let output = cli().args(*args).current_dir(dir.path()).output().unwrap();
        let shown = format!(
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            output.status.code(),
            String::from_utf8_lossy(&output.stdout),
            stderr_of(&output)
        );
        insta::assert_snapshot!(*name, shown);
    }
}
