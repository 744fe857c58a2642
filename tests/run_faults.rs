//! Faults around a run's outputs (#18): a `run` that fails or is killed leaves its folder
//! wholly the previous run or wholly the new one, and the next run removes what dead runs
//! left; `--text-dir` never writes through a symlink; replacing a file keeps its mode.
//!
//! Kills are real `SIGKILL`s: a run is killed from outside while it waits for input, or this
//! test binary starts itself again as a child (`RUN_FAULTS_KILL_AT` names the step) whose run
//! kills its own process when it reaches that step.

#![cfg(unix)]
// A test harness: a failure here should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clean_news::Index;
use clean_news::dedup::Deduper;
use clean_news::input::Source;
use clean_news::pipeline::BatchCleaner;
use clean_news::pipeline::run::{self, RunConfig, RunStep, StepHook};
use serde_json::Value;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_clean-news"))
}

/// `n` text pages of one site under `dir/site/`; `words` makes each page longer.
fn write_pages(dir: &Path, site: &str, n: usize, words: usize) {
    let folder = dir.join(site);
    fs::create_dir_all(&folder).unwrap();
    for i in 0..n {
        let filler = "and the market held steady through the week ".repeat(words);
        let text = format!(
            "Report {i} from {site}\n\nThe council met on day {i} and voted on the budget, \
             the roads and the schools, said the mayor. {filler}\n\nFollow us on Telegram\n"
        );
        fs::write(folder.join(format!("page{i:04}.txt")), text).unwrap();
    }
}

/// Every file of a run's folder but the index, by name, hidden files included: a temporary
/// file left behind shows up as a difference.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.file_name() != "index.redb")
        .map(|entry| {
            (entry.file_name().to_string_lossy().into_owned(), fs::read(entry.path()).unwrap())
        })
        .collect()
}

fn names(files: &BTreeMap<String, Vec<u8>>) -> Vec<&str> {
    files.keys().map(String::as_str).collect()
}

/// How many documents the index at `path` remembers.
fn indexed_documents(path: &Path) -> u64 {
    let deduper = Deduper::builder().build().unwrap();
    Index::open(path, deduper.fingerprint()).unwrap().stats().unwrap().documents
}

fn run_cli(input: &Path, out: &Path) -> std::process::Output {
    Command::new(bin()).arg("run").arg(input).arg("-o").arg(out).arg("--quiet").output().unwrap()
}

/// Case 6, full disk: the failure left the new `site-profiles.json` beside the old
/// `documents.jsonl`. A file size limit (`ulimit -f`, with `SIGXFSZ` ignored so that writes
/// fail with `EFBIG` as on a full disk) lets the small files through and fails the big one.
#[test]
fn a_run_that_cannot_write_a_file_leaves_the_last_run_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second, out) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("out"));
    write_pages(&first, "first.kz", 20, 0);
    write_pages(&second, "second.kz", 400, 40);
    fs::write(second.join("second.kz/broken.txt"), b"\0\x01\x02 binary").unwrap();
    let done = run_cli(&first, &out);
    assert_eq!(done.status.code(), Some(0), "{}", String::from_utf8_lossy(&done.stderr));
    let before = snapshot(&out);
    let documents_before = indexed_documents(&out.join("index.redb"));

    // 400 blocks: 200 KB for dash (512-byte blocks), 400 KB for bash; the first run's
    // index (about 140 KB) fits, the second run's documents.jsonl (about 1.5 MB) does not.
    let failed = Command::new("sh")
        .arg("-c")
        .arg("ulimit -f 400 && trap '' XFSZ && exec \"$0\" \"$@\"")
        .arg(bin())
        .arg("run")
        .arg(&second)
        .arg("-o")
        .arg(&out)
        .arg("--quiet")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(failed.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("too large"), "{stderr}");
    let after = snapshot(&out);
    assert_eq!(names(&after), names(&before));
    for (name, bytes) in &before {
        assert!(after[name] == *bytes, "{name} changed although the run failed");
    }
    assert_eq!(indexed_documents(&out.join("index.redb")), documents_before);
}

/// Files of `dir` whose names look like temporary files (`.NAME.PID.N.tmp`).
fn temporaries(dir: &Path) -> Vec<String> {
    let mut found: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.') && name.ends_with(".tmp"))
        .collect();
    found.sort();
    found
}

/// Case 6, leftovers: a run killed mid-way leaves its temporary files; the next run removes
/// them, but never the temporary file of a run that is still alive (here: this test's own
/// process id).
#[test]
fn the_next_run_removes_temporaries_of_dead_runs_only() {
    let dir = tempfile::tempdir().unwrap();
    let (input, out) = (dir.path().join("in"), dir.path().join("out"));
    write_pages(&input, "news.kz", 5, 0);
    // The run reads the folder, then stdin, which this test holds open: it is certainly
    // mid-way, its outputs under temporary names, when it is killed.
    let mut child = Command::new(bin())
        .arg("run")
        .arg(&input)
        .arg("-")
        .arg("-o")
        .arg(&out)
        .arg("--quiet")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !out.is_dir() || temporaries(&out).is_empty() {
        assert!(Instant::now() < deadline, "the run never started writing");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let dead = temporaries(&out);
    assert!(dead.iter().all(|name| name.contains(&format!(".{}.", child.id()))), "{dead:?}");
    let alive = format!(".documents.jsonl.{}.0.tmp", std::process::id());
    fs::write(out.join(&alive), "a live run's half-written file").unwrap();

    let done = run_cli(&input, &out);
    assert_eq!(done.status.code(), Some(0), "{}", String::from_utf8_lossy(&done.stderr));
    assert_eq!(temporaries(&out), vec![alive]);
}

/// The same for `clean -o`: a killed `clean` leaves `.out.jsonl.PID.0.tmp`, the next one
/// removes it.
#[test]
fn the_next_clean_removes_the_temporary_file_of_a_killed_one() {
    let dir = tempfile::tempdir().unwrap();
    write_pages(&dir.path().join("in"), "news.kz", 5, 0);
    let mut child = Command::new(bin())
        .args(["clean", "in", "-", "-o", "out.jsonl", "--quiet"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while temporaries(dir.path()).is_empty() {
        assert!(Instant::now() < deadline, "the run never started writing");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(temporaries(dir.path()), [format!(".out.jsonl.{}.0.tmp", child.id())]);
    let done = Command::new(bin())
        .args(["clean", "in", "-o", "out.jsonl", "--quiet"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(done.status.code(), Some(0));
    assert!(temporaries(dir.path()).is_empty(), "{:?}", temporaries(dir.path()));
}

/// Ctrl-C stops a run before its outputs are switched: the folder and the index stay the
/// last run's (they used to get a new `summary.json` and `errors.jsonl` beside the old files).
#[test]
fn an_interrupted_run_leaves_the_last_run_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second, out) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("out"));
    write_pages(&first, "first.kz", 5, 0);
    write_pages(&second, "second.kz", 5, 0);
    fs::write(second.join("second.kz/broken.txt"), b"\0\x01\x02 binary").unwrap();
    assert_eq!(run_cli(&first, &out).status.code(), Some(0));
    let before = snapshot(&out);
    let mut child = Command::new(bin())
        .arg("run")
        .arg(&second)
        .arg("-")
        .arg("-o")
        .arg(&out)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while temporaries(&out).is_empty() {
        assert!(Instant::now() < deadline, "the run never started writing");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    // The run is blocked reading stdin; give the signal time to land, then let the read end.
    std::thread::sleep(Duration::from_millis(300));
    drop(child.stdin.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert!(snapshot(&out) == before, "{:?}", names(&snapshot(&out)));
}

/// The environment variable that makes this test binary a child whose run kills itself.
const KILL_AT: &str = "RUN_FAULTS_KILL_AT";

/// Runs `input` into `out` with the library, as `clean-news run` does.
fn run_library(input: &Path, out: &Path, hook: Option<StepHook>) {
    let batch = BatchCleaner::builder().threads(1).build().unwrap();
    let deduper = Deduper::builder().build().unwrap();
    let mut config = RunConfig::new(out);
    config.on_step = hook;
    run::run(&batch, &deduper, vec![Source::Path(input.to_path_buf())], &config, None).unwrap();
}

/// The child's side: run the input named by the arguments, `SIGKILL`ing this process when the
/// run reaches the step `RUN_FAULTS_KILL_AT` names (as `RunStep`'s `Debug` prints it).
fn child_run(step: &str) {
    let input = PathBuf::from(std::env::var_os("RUN_FAULTS_INPUT").unwrap());
    let out = PathBuf::from(std::env::var_os("RUN_FAULTS_OUT").unwrap());
    let step = step.to_owned();
    let hook = StepHook::new(move |reached: RunStep| {
        if format!("{reached:?}") == step {
            let me = std::process::id().to_string();
            let _ = Command::new("kill").args(["-KILL", &me]).status();
            std::thread::sleep(Duration::from_secs(60));
        }
    });
    run_library(&input, &out, Some(hook));
}

/// Starts this test again as a child that runs `input` into `out` and is killed at `step`.
fn killed_run(input: &Path, out: &Path, step: &str) {
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "a_run_killed_at_any_step_leaves_one_whole_run", "--nocapture"])
        .env(KILL_AT, step)
        .env("RUN_FAULTS_INPUT", input)
        .env("RUN_FAULTS_OUT", out)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), None, "the run was not killed at {step}");
}

/// Case 6, killed: the issue found `documents.jsonl` and `clusters.jsonl` new, `summary.json`
/// missing and the index holding nothing of them. Killed at every step where the folder or the
/// index changes, the folder as the next run finds it is wholly the old run (files and index)
/// or wholly the new one.
#[test]
fn a_run_killed_at_any_step_leaves_one_whole_run() {
    if let Ok(step) = std::env::var(KILL_AT) {
        child_run(&step);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (dir.path().join("a"), dir.path().join("b"));
    write_pages(&first, "first.kz", 12, 0);
    write_pages(&second, "second.kz", 30, 2);
    fs::write(second.join("second.kz/broken.txt"), b"\0\x01\x02 binary").unwrap();

    let expected = |runs: &[&Path]| {
        let out = tempfile::tempdir().unwrap();
        for input in runs {
            run_library(input, out.path(), None);
        }
        (snapshot(out.path()), indexed_documents(&out.path().join("index.redb")))
    };
    let old = expected(&[&first]);
    let new = expected(&[&first, &second]);
    assert!(old != new);

    // Spilled and Signed: killed with its spills on disk (hidden temporary files).
    let steps = [
        "Spilled",
        "Signed",
        "Staged",
        "Planned",
        "Remembered",
        "Switched(0)",
        "Switched(3)",
        "Finished",
    ];
    for (n, step) in steps.iter().enumerate() {
        let out = dir.path().join(format!("out{n}"));
        run_library(&first, &out, None);
        killed_run(&second, &out, step);
        if n < 2 {
            let spills = fs::read_dir(&out)
                .unwrap()
                .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with(".run-"))
                .count();
            assert!(spills > 0, "killed at {step}, a run leaves its spills for the next");
        }
        // The next run settles the folder first; killed right after, it changed nothing else.
        killed_run(&second, &out, "Settled");
        let found = (snapshot(&out), indexed_documents(&out.join("index.redb")));
        let whole = if found == old {
            "old"
        } else if found == new {
            "new"
        } else {
            let (files, documents) = &found;
            panic!(
                "killed at {step}: a mix of two runs: {:?}, {documents} documents indexed \
                 (old: {:?}, {}; new: {:?}, {})",
                names(files),
                names(&old.0),
                old.1,
                names(&new.0),
                new.1
            );
        };
        let expected_whole = if n < 4 { "old" } else { "new" };
        assert_eq!(whole, expected_whole, "killed at {step}");
    }
}

/// Case 7: a symlink already inside `--text-dir` is never followed; its document becomes an
/// error record and the others are written.
#[test]
fn text_dir_never_writes_through_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("elsewhere")).unwrap();
    fs::create_dir(dir.path().join("txt")).unwrap();
    std::os::unix::fs::symlink("../elsewhere", dir.path().join("txt/link")).unwrap();
    std::os::unix::fs::symlink("../elsewhere/f.txt", dir.path().join("txt/f.txt")).unwrap();
    let mut child = Command::new(bin())
        .args(["clean", "-", "--text-dir", "txt", "-o", "out.jsonl", "--quiet"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            b"{\"id\":\"link/x\",\"text\":\"hi\"}\n{\"id\":\"ok/y\",\"text\":\"fine\"}\n\
              {\"id\":\"f\",\"text\":\"through the file link\"}\n{\"id\":\"z\",\"text\":\"last\"}\n",
        )
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(fs::read_dir(dir.path().join("elsewhere")).unwrap().count(), 0);
    assert!(fs::read_to_string(dir.path().join("txt/ok/y.txt")).unwrap().starts_with("fine"));
    assert!(fs::read_to_string(dir.path().join("txt/z.txt")).unwrap().starts_with("last"));
    let records: Vec<Value> = fs::read_to_string(dir.path().join("out.jsonl"))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let summary: Vec<(String, bool)> = records
        .iter()
        .map(|r| (r["id"].as_str().unwrap().to_owned(), r["type"] == "error"))
        .collect();
    let expected = [("link/x", true), ("ok/y", false), ("f", true), ("z", false)];
    assert_eq!(summary, expected.map(|(id, error)| (id.to_owned(), error)));
    for error in records.iter().filter(|r| r["type"] == "error") {
        assert!(error["error"].as_str().unwrap().contains("symbolic link"), "{error}");
    }
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// Case 9, modes: replacing an output file keeps the mode its owner gave it.
#[test]
fn replacing_an_output_file_keeps_its_mode() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    write_pages(&input, "news.kz", 3, 0);
    let clean_out = dir.path().join("clean.jsonl");
    fs::write(&clean_out, "old\n").unwrap();
    fs::set_permissions(&clean_out, fs::Permissions::from_mode(0o600)).unwrap();
    let out = dir.path().join("out");
    assert_eq!(run_cli(&input, &out).status.code(), Some(0));
    let documents = out.join("documents.jsonl");
    fs::set_permissions(&documents, fs::Permissions::from_mode(0o640)).unwrap();

    let cleaned =
        Command::new(bin()).arg("clean").arg(&input).arg("-o").arg(&clean_out).output().unwrap();
    assert_eq!(cleaned.status.code(), Some(0));
    assert_eq!(run_cli(&input, &out).status.code(), Some(0));
    assert_ne!(fs::read_to_string(&clean_out).unwrap(), "old\n");
    assert_eq!(mode(&clean_out), 0o600);
    assert_eq!(mode(&documents), 0o640);
}
