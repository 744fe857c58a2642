//! `clean-news eval pairs` prints exactly what `../shared/tools/score_pairs.py` prints, with
//! every option, on generated inputs with the awkward cases the scorer defines: numeric and
//! string ids that look alike, null and missing groups, ids listed twice, `same` as a number,
//! pairs without a language, records grouped by `story` or, without it, by `cluster`.
//!
//! Skipped (with a note) where the shared folder or `python3` is missing; the shared folder
//! is `$CLEAN_NEWS_SHARED`, else `../shared` beside the repository.

#![allow(clippy::unwrap_used, clippy::print_stderr)] // a harness: fail loudly, say why it skips

use std::path::{Path, PathBuf};
use std::process::Command;

fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("CLEAN_NEWS_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let has_python =
        Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success());
    if dir.join("tools/score_pairs.py").exists() && has_python {
        Some(dir)
    } else {
        eprintln!("skipped: no ../shared/tools/score_pairs.py or no python3");
        None
    }
}

/// A small deterministic generator (no dependency): xorshift.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Writes a pairs file and two predictions (with and without `story`) into `dir`.
fn generate(dir: &Path, seed: u64) -> (PathBuf, PathBuf, PathBuf) {
    let mut rng = Rng(seed);
    let id = |i: u64| -> String {
        // Ids 0-9 are written as numbers in some records and strings in others.
        if i < 10 && i % 2 == 0 { i.to_string() } else { format!("\"d{i}\"") }
    };
    let langs = ["\"en\"", "\"de\"", "\"ar\"", "null"];
    let mut pairs = String::new();
    for _ in 0..300 {
        let (a, b) = (rng.below(60), rng.below(60));
        let same = match rng.below(5) {
            0 => "1",
            1 => "0",
            2 | 3 => "true",
            _ => "false",
        };
        let lang = langs[rng.below(4) as usize];
        if lang == "null" && rng.below(2) == 0 {
            pairs.push_str(&format!("{{\"a\": {}, \"b\": {}, \"same\": {same}}}\n", id(a), id(b)));
        } else {
            pairs.push_str(&format!(
                "{{\"a\": {}, \"b\": {}, \"same\": {same}, \"lang\": {lang}, \"source\": \"gen\"}}\n",
                id(a),
                id(b)
            ));
        }
        if rng.below(20) == 0 {
            pairs.push('\n');
        }
    }
    let mut with_story = String::new();
    let mut without_story = String::new();
    for i in 0..58 {
        // Ids 58 and 59 never appear: their pairs are missing.
        let cluster = rng.below(25);
        let story = match rng.below(10) {
            0 => "null".to_owned(),
            1 => format!("{}", cluster / 4),
            2 => format!("{}.0", cluster / 4),
            _ => format!("\"s{}\"", cluster / 3),
        };
        let record_id = if i < 10 && rng.below(3) == 0 { format!("\"{i}\"") } else { id(i) };
        if rng.below(15) == 0 {
            with_story.push_str(&format!("{{\"id\": {record_id}, \"cluster\": \"c{cluster}\"}}\n"));
        } else {
            with_story.push_str(&format!(
                "{{\"id\": {record_id}, \"cluster\": \"c{cluster}\", \"story\": {story}}}\n"
            ));
        }
        let cluster_value =
            if rng.below(12) == 0 { "null".to_owned() } else { format!("\"c{cluster}\"") };
        without_story.push_str(&format!("{{\"id\": {record_id}, \"cluster\": {cluster_value}}}\n"));
        if rng.below(12) == 0 {
            // Listed twice: the later record wins, in both.
            with_story.push_str(&format!(
                "{{\"id\": {record_id}, \"cluster\": \"x\", \"story\": \"late\"}}\n"
            ));
            without_story.push_str(&format!("{{\"id\": {record_id}, \"cluster\": \"late\"}}\n"));
        }
    }
    let p = dir.join(format!("pairs-{seed}.jsonl"));
    let s = dir.join(format!("stories-{seed}"));
    let c = dir.join(format!("clusters-{seed}.jsonl"));
    std::fs::create_dir_all(&s).unwrap();
    std::fs::write(&p, pairs).unwrap();
    std::fs::write(s.join("documents.jsonl"), &with_story).unwrap();
    std::fs::write(&c, without_story).unwrap();
    (p, s, c)
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{:?}: {}", cmd, String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn eval_pairs_prints_what_score_pairs_py_prints() {
    let Some(shared) = shared() else { return };
    let script = shared.join("tools/score_pairs.py");
    let dir = tempfile::tempdir().unwrap();
    let options: &[&[&str]] = &[
        &[],
        &["--json"],
        &["--lang", "de"],
        &["--lang", "ar", "--json"],
        &["--lang", "xx"],
        &["--field", "cluster"],
        &["--field", "story", "--json"],
        &["--field", "nothing"],
    ];
    for seed in [1u64, 7, 2026] {
        let (pairs, stories, clusters) = generate(dir.path(), seed);
        for pred in [&stories.join("documents.jsonl"), &clusters] {
            for opts in options {
                let ours = run(Command::new(env!("CARGO_BIN_EXE_clean-news"))
                    .args(["eval", "pairs", "--gold"])
                    .arg(&pairs)
                    .arg(pred)
                    .args(*opts));
                let theirs =
                    run(Command::new("python3").arg(&script).arg(&pairs).arg(pred).args(*opts));
                assert_eq!(ours, theirs, "seed {seed}, {}, {opts:?}", pred.display());
            }
        }
        // A folder means its documents.jsonl.
        let ours = run(Command::new(env!("CARGO_BIN_EXE_clean-news"))
            .args(["eval", "pairs", "--gold"])
            .arg(&pairs)
            .arg(&stories));
        let theirs = run(Command::new("python3")
            .arg(&script)
            .arg(&pairs)
            .arg(stories.join("documents.jsonl")));
        assert_eq!(ours, theirs);
    }
}

#[test]
fn eval_pairs_agrees_on_the_dev_set_when_it_is_there() {
    let Some(shared) = shared() else { return };
    let pairs = shared.join("data/rewrites-dev/pairs.jsonl");
    if !pairs.exists() {
        eprintln!("skipped: no rewrites-dev");
        return;
    }
    // The gold file scored against a prediction built from it: every pair's documents in one
    // cluster when the pair is labelled same (a grouping with known figures).
    let dir = tempfile::tempdir().unwrap();
    let mut docs = String::new();
    for line in std::fs::read_to_string(&pairs).unwrap().lines().filter(|l| !l.trim().is_empty()) {
        let p: serde_json::Value = serde_json::from_str(line).unwrap();
        let (a, b) = (p["a"].as_str().unwrap(), p["b"].as_str().unwrap());
        let same = p["same"].as_bool().unwrap();
        docs.push_str(&format!("{{\"id\": \"{a}\", \"cluster\": \"{a}\"}}\n"));
        let group = if same { a } else { b };
        docs.push_str(&format!("{{\"id\": \"{b}\", \"cluster\": \"{group}\"}}\n"));
    }
    let pred = dir.path().join("documents.jsonl");
    std::fs::write(&pred, docs).unwrap();
    let script = shared.join("tools/score_pairs.py");
    for opts in [&[][..], &["--json"][..], &["--lang", "ru"][..]] {
        let ours = run(Command::new(env!("CARGO_BIN_EXE_clean-news"))
            .args(["eval", "pairs", "--gold"])
            .arg(&pairs)
            .arg(&pred)
            .args(opts));
        let theirs = run(Command::new("python3").arg(&script).arg(&pairs).arg(&pred).args(opts));
        assert_eq!(ours, theirs, "{opts:?}");
    }
}
