//! The labelled cleaning corpus: every case under `corpora/clean/**/*.toml`, run through one
//! default [`Cleaner`].
//!
//! A case is a raw page and what cleaning it must give (exact text, segments that must or must
//! not survive, metadata, removal classes); the format is in `corpora/clean/README.md`. Cases
//! are data so that a fixed bug is one more `[[case]]`, not one more test function, and so
//! that the same pages can later feed the `eval` scores.
//!
//! The test runs every case, collects *all* failures and fails once with a readable list
//! (case, file, what differed, expected vs got, a line diff for text), like regex's
//! `regex-test` runner. `CLEAN_NEWS_CASES=ru,-slow` runs only the cases whose name contains
//! `ru` and not `slow`. The corpus minimums are checked on the whole corpus, filter or not, so
//! that deleting cases fails the test.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test harness: fail loudly

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clean_news::{Body, Cleaned, Cleaner, Document};
use serde::Deserialize;

/// Where the cases live, relative to the crate root.
const CORPUS_DIR: &str = "corpora/clean";
/// The environment variable that filters cases by name.
const FILTER_VAR: &str = "CLEAN_NEWS_CASES";
/// The corpus may not shrink below this many cases.
const MIN_CASES: usize = 40;
/// Nor below this many cases for each of the main languages.
const MIN_CASES_PER_LANGUAGE: usize = 5;
/// The main languages: each needs [`MIN_CASES_PER_LANGUAGE`] cases.
const MAIN_LANGUAGES: [&str; 6] = ["en", "ru", "kk", "uz-latn", "uz-cyrl", "ky"];
/// Nor below this many "must keep" cases.
const MIN_KEEP_CASES: usize = 10;
/// Cases that must exist and carry an exact expected text: the project's seed page.
const REQUIRED_EXACT_CASES: [&str; 1] = ["en-kt-seed-page"];

/// One `cases.toml` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[serde(default, rename = "case")]
    cases: Vec<Case>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    /// The page carries boilerplate that must go.
    Strip,
    /// The page is (mostly) content that looks like boilerplate and must stay.
    Keep,
}

/// One labelled page.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    kind: Kind,
    why: String,
    #[serde(default)]
    site: Option<String>,
    #[serde(default)]
    title: Option<String>,
    text: String,
    #[serde(default)]
    expect: Expect,
    /// Filled in by the loader: the file the case came from.
    #[serde(skip)]
    file: PathBuf,
    /// Filled in by the loader: the language folder the file is in.
    #[serde(skip)]
    lang: String,
}

/// What cleaning the page must give. Every field is optional; absent fields are not checked.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// The cleaned title; `""` means "no title".
    #[serde(default)]
    title: Option<String>,
    /// The exact cleaned text.
    #[serde(default)]
    text: Option<String>,
    /// Substrings that must be in the cleaned text.
    #[serde(default)]
    with: Vec<String>,
    /// Substrings that must not be in the cleaned text.
    #[serde(default)]
    without: Vec<String>,
    /// `meta.published`, exactly.
    #[serde(default)]
    published: Option<String>,
    /// `meta.views`, exactly.
    #[serde(default)]
    views: Option<u64>,
    /// Each must be a substring of some `meta.sources` entry.
    #[serde(default)]
    sources: Vec<String>,
    /// Each must be a substring of some `meta.authors` entry.
    #[serde(default)]
    authors: Vec<String>,
    /// Must be a substring of `meta.dateline`.
    #[serde(default)]
    dateline: Option<String>,
    /// Each must be the class of some removal.
    #[serde(default)]
    classes: Vec<String>,
}

#[test]
fn corpora_clean_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS_DIR);
    let cases = load_cases(&root);

    let mut problems = check_corpus(&cases);
    let filter = Filter::from_env();
    let selected: Vec<&Case> = cases.iter().filter(|c| filter.selects(&c.name)).collect();
    if selected.is_empty() {
        problems.push(format!(
            "{FILTER_VAR}={:?} selects none of {} cases",
            filter.raw,
            cases.len()
        ));
    }

    let cleaner = Cleaner::builder().build().expect("the built-in packs build");
    let mut failures = Vec::new();
    for case in &selected {
        let cleaned = cleaner.clean(&document(case));
        let differences = check_case(case, &cleaned);
        if !differences.is_empty() {
            failures.push(report(case, &cleaned, &differences));
        }
    }

    if problems.is_empty() && failures.is_empty() {
        return;
    }
    let mut message = String::new();
    if !problems.is_empty() {
        let _ = writeln!(message, "corpus problems:");
        for p in &problems {
            let _ = writeln!(message, "  - {p}");
        }
        let _ = writeln!(message);
    }
    for f in &failures {
        let _ = writeln!(message, "{f}");
    }
    if !failures.is_empty() {
        let _ = writeln!(
            message,
            "{} of {} selected cases failed ({} in the corpus); rerun some with {FILTER_VAR}=name,-other",
            failures.len(),
            selected.len(),
            cases.len()
        );
    }
    panic!("\n{message}");
}

/// Every `*.toml` under `root`, in path order, parsed into cases.
fn load_cases(root: &Path) -> Vec<Case> {
    let mut files = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        let parsed: CaseFile = toml::from_str(&text)
            .unwrap_or_else(|e| panic!("cannot parse {}: {e}", file.display()));
        let relative = file.strip_prefix(root).unwrap_or(&file).to_path_buf();
        let lang = match relative.parent().and_then(|p| p.components().next()) {
            Some(c) => c.as_os_str().to_string_lossy().into_owned(),
            None => String::new(),
        };
        for mut case in parsed.cases {
            case.file = Path::new(CORPUS_DIR).join(&relative);
            case.lang.clone_from(&lang);
            cases.push(case);
        }
    }
    cases
}

/// Checks the corpus as a whole: unique well-formed names, usable expectations, minimums.
fn check_corpus(cases: &[Case]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen: BTreeMap<&str, &Path> = BTreeMap::new();
    let mut per_lang: BTreeMap<&str, usize> = BTreeMap::new();
    let mut keeps = 0;
    for case in cases {
        let where_ = format!("{} in {}", case.name, case.file.display());
        if let Some(first) = seen.insert(&case.name, &case.file) {
            problems.push(format!("duplicate case name {where_} (first in {})", first.display()));
        }
        let kebab = !case.name.is_empty()
            && case.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !case.name.starts_with('-')
            && !case.name.ends_with('-')
            && !case.name.contains("--");
        if !kebab {
            problems.push(format!("case name is not kebab-case: {where_}"));
        }
        if !case.lang.is_empty() && !case.name.starts_with(&format!("{}-", case.lang)) {
            problems.push(format!("case name does not start with `{}-`: {where_}", case.lang));
        }
        if case.why.trim().is_empty() {
            problems.push(format!("case has an empty `why`: {where_}"));
        }
        let e = &case.expect;
        let checks_something = e.title.is_some()
            || e.text.is_some()
            || !e.with.is_empty()
            || !e.without.is_empty()
            || e.published.is_some()
            || e.views.is_some()
            || !e.sources.is_empty()
            || !e.authors.is_empty()
            || e.dateline.is_some()
            || !e.classes.is_empty();
        if !checks_something {
            problems.push(format!("case expects nothing: {where_}"));
        }
        if case.kind == Kind::Keep {
            keeps += 1;
            if e.text.is_none() && e.with.is_empty() {
                problems.push(format!("keep case needs `text` or `with`: {where_}"));
            }
        }
        *per_lang.entry(case.lang.as_str()).or_default() += 1;
    }
    if cases.len() < MIN_CASES {
        problems.push(format!("the corpus has {} cases, fewer than {MIN_CASES}", cases.len()));
    }
    for lang in MAIN_LANGUAGES {
        let n = per_lang.get(lang).copied().unwrap_or(0);
        if n < MIN_CASES_PER_LANGUAGE {
            problems.push(format!("{lang} has {n} cases, fewer than {MIN_CASES_PER_LANGUAGE}"));
        }
    }
    if keeps < MIN_KEEP_CASES {
        problems.push(format!("the corpus has {keeps} keep cases, fewer than {MIN_KEEP_CASES}"));
    }
    for name in REQUIRED_EXACT_CASES {
        match cases.iter().find(|c| c.name == name) {
            None => problems.push(format!("required case {name} is missing")),
            Some(c) if c.expect.text.is_none() => {
                problems.push(format!("required case {name} must give an exact `text`"));
            }
            Some(_) => {}
        }
    }
    problems
}

/// `CLEAN_NEWS_CASES`: comma-separated name substrings; a leading `-` excludes.
struct Filter {
    raw: String,
    include: Vec<String>,
    exclude: Vec<String>,
}

impl Filter {
    fn from_env() -> Filter {
        let raw = std::env::var(FILTER_VAR).unwrap_or_default();
        let mut include = Vec::new();
        let mut exclude = Vec::new();
        for term in raw.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            match term.strip_prefix('-') {
                Some(t) if !t.is_empty() => exclude.push(t.to_owned()),
                Some(_) => {}
                None => include.push(term.to_owned()),
            }
        }
        Filter { raw, include, exclude }
    }

    fn selects(&self, name: &str) -> bool {
        (self.include.is_empty() || self.include.iter().any(|t| name.contains(t.as_str())))
            && !self.exclude.iter().any(|t| name.contains(t.as_str()))
    }
}

fn document(case: &Case) -> Document {
    Document {
        id: case.name.clone(),
        site: case.site.clone(),
        title: case.title.clone(),
        body: Body::Text(case.text.clone()),
        ..Document::default()
    }
}

/// Every expectation of `case` that `cleaned` does not meet, described.
fn check_case(case: &Case, cleaned: &Cleaned) -> Vec<String> {
    let e = &case.expect;
    let meta = &cleaned.meta;
    let mut out = Vec::new();
    if let Some(title) = &e.title {
        let want = if title.is_empty() { None } else { Some(title.as_str()) };
        if cleaned.title.as_deref() != want {
            out.push(format!("title: expected {want:?}, got {:?}", cleaned.title));
        }
    }
    if let Some(text) = &e.text {
        let want = text.trim_matches('\n');
        if cleaned.text != want {
            out.push(format!(
                "text differs (- expected, + got):\n{}",
                line_diff(want, &cleaned.text)
            ));
        }
    }
    for segment in &e.with {
        if !cleaned.text.contains(segment.as_str()) {
            out.push(format!("with: missing {segment:?}"));
        }
    }
    for segment in &e.without {
        if cleaned.text.contains(segment.as_str()) {
            out.push(format!("without: still there {segment:?}"));
        }
    }
    if let Some(published) = &e.published {
        if meta.published.as_deref() != Some(published.as_str()) {
            out.push(format!("published: expected {published:?}, got {:?}", meta.published));
        }
    }
    if let Some(views) = e.views {
        if meta.views != Some(views) {
            out.push(format!("views: expected {views}, got {:?}", meta.views));
        }
    }
    for source in &e.sources {
        if !meta.sources.iter().any(|s| s.contains(source.as_str())) {
            out.push(format!("sources: no entry with {source:?} in {:?}", meta.sources));
        }
    }
    for author in &e.authors {
        if !meta.authors.iter().any(|a| a.contains(author.as_str())) {
            out.push(format!("authors: no entry with {author:?} in {:?}", meta.authors));
        }
    }
    if let Some(dateline) = &e.dateline {
        if !meta.dateline.as_deref().is_some_and(|d| d.contains(dateline.as_str())) {
            out.push(format!("dateline: expected one with {dateline:?}, got {:?}", meta.dateline));
        }
    }
    for class in &e.classes {
        if !cleaned.removed.iter().any(|r| r.class.as_str() == class) {
            out.push(format!("classes: no removal of class {class:?}"));
        }
    }
    out
}

/// The failure report of one case: what differed, then what the cleaner removed.
fn report(case: &Case, cleaned: &Cleaned, differences: &[String]) -> String {
    let kind = match case.kind {
        Kind::Strip => "strip",
        Kind::Keep => "keep",
    };
    let mut out =
        format!("=== {} ({kind}, {})\n    why: {}\n", case.name, case.file.display(), case.why);
    for d in differences {
        for (i, line) in d.lines().enumerate() {
            let lead = if i == 0 { "  * " } else { "    " };
            let _ = writeln!(out, "{lead}{line}");
        }
    }
    let _ = writeln!(out, "    removed ({}):", cleaned.removed.len());
    for r in &cleaned.removed {
        let _ = writeln!(
            out,
            "      line {:>3} {:<14} {:<40} {:?}",
            r.line,
            r.class.as_str(),
            r.rule,
            shorten(&r.text, 70)
        );
    }
    out
}

/// `text` cut to `max` characters, with `…` when cut.
fn shorten(text: &str, max: usize) -> String {
    let first_line = text.lines().next().unwrap_or("");
    let mut out: String = first_line.chars().take(max).collect();
    if first_line.chars().count() > max || text.contains('\n') {
        out.push('…');
    }
    out
}

/// A line diff of two texts (longest common subsequence of lines): ` ` same, `-` only in
/// `want`, `+` only in `got`. Blank lines (the paragraph separators) are left out.
fn line_diff(want: &str, got: &str) -> String {
    let a: Vec<&str> = want.lines().filter(|l| !l.trim().is_empty()).collect();
    let b: Vec<&str> = got.lines().filter(|l| !l.trim().is_empty()).collect();
    // lcs[i][j] = length of the LCS of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] =
                if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            let _ = writeln!(out, "  {}", shorten(a[i], 110));
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            let _ = writeln!(out, "+ {}", visible(b[j]));
            j += 1;
        } else {
            let _ = writeln!(out, "- {}", visible(a[i]));
            i += 1;
        }
    }
    if a == b {
        // Same lines, so the difference is in blank lines or line ends: show both raw.
        let _ = writeln!(out, "(same lines; raw expected {want:?}, raw got {got:?})");
    }
    out.trim_end().to_owned()
}

/// A changed line in full, with invisible characters made visible (NBSP, zero-width, BOM).
fn visible(line: &str) -> String {
    line.chars()
        .map(|c| match c {
            '\u{a0}' => "⍽".to_owned(),
            '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{ad}' => {
                format!("<U+{:04X}>", u32::from(c))
            }
            c => c.to_string(),
        })
        .collect()
}
