//! Scores HTML extraction (step 2, then the cleaner of step 3) against labelled sets.
//!
//! Two public sets, two metrics, computed exactly as the reference scorer
//! (`tools/score_extraction.py` of the shared data) does, so that a number printed here and a
//! number printed there are the same number:
//!
//! - **trafilatura-eval** (`evaldata.json` + `html/`): per page, `with` snippets that occur
//!   in the output are true positives, missing ones false negatives; `without` snippets that
//!   occur are false positives. Text and snippets are whitespace-normalised first (every run
//!   of what Python's `\s` matches becomes one space). Counts are pooled over pages.
//! - **DAnIEL** (`meta.json` + `html/` + `reference/`): bag-of-tokens precision and recall
//!   per page against the reference text; tokens are runs of letters, digits, marks and
//!   connector punctuation, every Han, Hiragana and Katakana character on its own. Reported
//!   per language, macro (mean of pages) and micro (pooled counts).
//!
//! Why not score inside the extractor's own terms (blocks, lines)? Because the sets were
//! labelled as text, and the comparison with other tools (trafilatura, readability) is only
//! fair on the same metric.
//!
//! The prediction of a page is its cleaned title on the first line, then the cleaned text:
//! the reference texts of DAnIEL start with the title, and the trafilatura snippets do not
//! mind it.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use regex::Regex;

use crate::{Cleaned, Cleaner, Document, Error};

/// Which labelled set a folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetKind {
    /// trafilatura's evaluation set: `evaldata.json` with `with`/`without` snippets, `html/`.
    TrafilaturaEval,
    /// The DAnIEL multilingual news corpus: `meta.json`, `html/`, `reference/`.
    Daniel,
}

impl SetKind {
    /// The set's name on the command line: `trafilatura-eval` or `daniel`.
    pub fn name(self) -> &'static str {
        match self {
            SetKind::TrafilaturaEval => "trafilatura-eval",
            SetKind::Daniel => "daniel",
        }
    }

    fn marker(self) -> &'static str {
        match self {
            SetKind::TrafilaturaEval => "evaldata.json",
            SetKind::Daniel => "meta.json",
        }
    }
}

impl std::str::FromStr for SetKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<SetKind, Error> {
        match s {
            "trafilatura-eval" => Ok(SetKind::TrafilaturaEval),
            "daniel" => Ok(SetKind::Daniel),
            other => Err(Error::config(format!(
                "unknown extraction set {other:?}; expected trafilatura-eval or daniel"
            ))),
        }
    }
}

/// What a page is scored against.
#[derive(Debug, Clone)]
enum Gold {
    Snippets { with: Vec<String>, without: Vec<String> },
    Reference(String),
}

/// One labelled page.
#[derive(Debug, Clone)]
pub struct LabelledPage {
    /// The id predictions are written under (`foo.html` for trafilatura-eval, the file stem
    /// for DAnIEL).
    pub id: String,
    /// The HTML file.
    pub html: PathBuf,
    /// The page's language (DAnIEL only).
    pub language: Option<String>,
    gold: Gold,
}

/// A labelled set, loaded.
///
/// # Example
///
/// ```no_run
/// use clean_news::Cleaner;
/// use clean_news::eval::extraction::{LabelledSet, SetKind, run};
///
/// let set = LabelledSet::load(SetKind::Daniel, "target/eval-data".as_ref(), Some("ru"))?;
/// let cleaner = Cleaner::builder().build()?;
/// let outcome = run(&cleaner, &set)?;
/// println!("{}", set.score(&outcome.predictions));
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct LabelledSet {
    /// Which set it is.
    pub kind: SetKind,
    /// Its pages, sorted by id.
    pub pages: Vec<LabelledPage>,
}

impl LabelledSet {
    /// Loads the set from `dir`: the folder holding `evaldata.json` / `meta.json`, or its
    /// parent (then the set is in `dir/trafilatura-eval` or `dir/daniel`). `language` keeps
    /// only the DAnIEL pages of that language.
    ///
    /// # Errors
    ///
    /// The marker file is missing or unreadable, not the expected JSON, or a reference text
    /// cannot be read.
    pub fn load(kind: SetKind, dir: &Path, language: Option<&str>) -> Result<LabelledSet, Error> {
        let dir =
            if dir.join(kind.marker()).is_file() { dir.to_owned() } else { dir.join(kind.name()) };
        let marker = dir.join(kind.marker());
        let text = std::fs::read_to_string(&marker)
            .map_err(|e| Error::io(Some(marker.clone()), "cannot read the labelled set", e))?;
        let json: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Error::parse(marker.display().to_string(), e.to_string()))?;
        let Some(entries) = json.as_object() else {
            return Err(Error::parse(marker.display().to_string(), "expected a JSON object"));
        };
        let strings = |v: Option<&serde_json::Value>| -> Vec<String> {
            v.and_then(serde_json::Value::as_array)
                .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
                .unwrap_or_default()
        };
        let mut pages = Vec::new();
        for (id, entry) in entries {
            match kind {
                SetKind::TrafilaturaEval => pages.push(LabelledPage {
                    id: id.clone(),
                    html: dir.join("html").join(id),
                    language: None,
                    gold: Gold::Snippets {
                        with: strings(entry.get("with")),
                        without: strings(entry.get("without")),
                    },
                }),
                SetKind::Daniel => {
                    let lang = entry.get("lang").and_then(serde_json::Value::as_str);
                    if language.is_some() && lang != language {
                        continue;
                    }
                    let path = dir.join("reference").join(format!("{id}.txt"));
                    let reference = std::fs::read_to_string(&path)
                        .map_err(|e| Error::io(Some(path), "cannot read a reference text", e))?;
                    pages.push(LabelledPage {
                        id: id.clone(),
                        html: dir.join("html").join(format!("{id}.html")),
                        language: lang.map(str::to_owned),
                        gold: Gold::Reference(reference),
                    });
                }
            }
        }
        pages.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(LabelledSet { kind, pages })
    }

    /// Scores predictions (by page id; a missing page counts as empty output).
    pub fn score(&self, predictions: &[Prediction]) -> Scores {
        let by_id: HashMap<&str, &str> =
            predictions.iter().map(|p| (p.id.as_str(), p.text.as_str())).collect();
        match self.kind {
            SetKind::TrafilaturaEval => Scores::Snippets(self.score_snippets(&by_id)),
            SetKind::Daniel => Scores::Tokens(self.score_tokens(&by_id)),
        }
    }

    fn score_snippets(&self, by_id: &HashMap<&str, &str>) -> SnippetScores {
        let mut s = SnippetScores::default();
        for page in &self.pages {
            let Gold::Snippets { with, without } = &page.gold else { continue };
            let output = by_id.get(page.id.as_str()).map(|t| normalize_space(t));
            let found = |snippet: &str| {
                output.as_deref().is_some_and(|o| o.contains(&*normalize_space(snippet)))
            };
            let mut page_scores = PageSnippets { id: page.id.clone(), ..PageSnippets::default() };
            for w in with {
                if found(w) {
                    s.tp += 1;
                } else {
                    s.fn_ += 1;
                    page_scores.missed.push(w.clone());
                }
            }
            for w in without {
                if found(w) {
                    s.fp += 1;
                    page_scores.leaked.push(w.clone());
                } else {
                    s.tn += 1;
                }
            }
            s.pages.push(page_scores);
        }
        s
    }

    fn score_tokens(&self, by_id: &HashMap<&str, &str>) -> TokenScores {
        let tokenizer = Tokenizer::new();
        let mut rows = Vec::new();
        for page in &self.pages {
            let Gold::Reference(reference) = &page.gold else { continue };
            let predicted = by_id.get(page.id.as_str()).copied().unwrap_or_default();
            let (tp, fp, fn_) = tokenizer.counts(reference, predicted);
            rows.push(PageTokens {
                id: page.id.clone(),
                language: page.language.clone().unwrap_or_default(),
                tp,
                fp,
                fn_,
            });
        }
        TokenScores { pages: rows }
    }
}

/// One predicted text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Prediction {
    /// The page id.
    pub id: String,
    /// The extracted, cleaned text.
    pub text: String,
}

/// The predictions of a run, and how long extraction took.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// One prediction per page, in set order.
    pub predictions: Vec<Prediction>,
    /// Pages processed.
    pub pages: usize,
    /// HTML bytes processed.
    pub bytes: usize,
    /// Seconds spent decoding, extracting and cleaning (reading the files excluded), one
    /// thread.
    pub seconds: f64,
}

impl Outcome {
    /// The one-line summary both the example and `clean-news eval extraction` print:
    /// `SUMMARY <set> pages=… f1=… seconds=… pages/s=… MB/s=…`.
    pub fn summary_line(&self, kind: SetKind, scores: &Scores) -> String {
        format!(
            "SUMMARY {} pages={} f1={:.4} seconds={:.2} pages/s={:.1} MB/s={:.2}",
            kind.name(),
            self.pages,
            scores.f1(),
            self.seconds,
            self.pages_per_second(),
            self.mb_per_second()
        )
    }

    /// Pages per second.
    pub fn pages_per_second(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let pages = self.pages as f64;
        if self.seconds > 0.0 { pages / self.seconds } else { 0.0 }
    }

    /// Megabytes (10^6 bytes) of HTML per second.
    pub fn mb_per_second(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let mb = self.bytes as f64 / 1e6;
        if self.seconds > 0.0 { mb / self.seconds } else { 0.0 }
    }
}

/// Extracts and cleans every page of the set on this thread, timing the work.
///
/// # Errors
///
/// A page's HTML file cannot be read.
pub fn run(cleaner: &Cleaner, set: &LabelledSet) -> Result<Outcome, Error> {
    run_with(set, |id, bytes| {
        let (html, _) = crate::charset::decode(bytes, None, crate::charset::Content::Html);
        let cleaned = cleaner.clean(&Document::html(id, html.into_owned()));
        prediction_text(&cleaned)
    })
}

/// Runs any extractor over the set (page id and bytes in, text out), timing it on this
/// thread: to compare the extractor alone with extractor and cleaner, or with a peer.
///
/// # Errors
///
/// A page's HTML file cannot be read.
pub fn run_with(
    set: &LabelledSet,
    mut extract: impl FnMut(&str, &[u8]) -> String,
) -> Result<Outcome, Error> {
    let mut raw = Vec::with_capacity(set.pages.len());
    for page in &set.pages {
        let bytes = std::fs::read(&page.html)
            .map_err(|e| Error::io(Some(page.html.clone()), "cannot read a page", e))?;
        raw.push(bytes);
    }
    let start = Instant::now();
    let mut predictions = Vec::with_capacity(raw.len());
    for (page, bytes) in set.pages.iter().zip(&raw) {
        predictions.push(Prediction { id: page.id.clone(), text: extract(&page.id, bytes) });
    }
    let seconds = start.elapsed().as_secs_f64();
    Ok(Outcome { predictions, pages: raw.len(), bytes: raw.iter().map(Vec::len).sum(), seconds })
}

/// The text scored for a cleaned page: the title on the first line (unless the text already
/// starts with it), then the text.
pub fn prediction_text(cleaned: &Cleaned) -> String {
    match cleaned.title.as_deref().filter(|t| !t.is_empty()) {
        Some(title) if !cleaned.text.starts_with(title) => format!("{title}\n{}", cleaned.text),
        _ => cleaned.text.clone(),
    }
}

/// Scores of one set.
#[derive(Debug, Clone)]
pub enum Scores {
    /// trafilatura-eval snippet counts.
    Snippets(SnippetScores),
    /// DAnIEL token counts per page.
    Tokens(TokenScores),
}

impl Scores {
    /// The headline F1: pooled snippet F1, or DAnIEL macro F1 over all pages.
    pub fn f1(&self) -> f64 {
        match self {
            Scores::Snippets(s) => s.f1(),
            Scores::Tokens(t) => t.aggregate(None).macro_f1,
        }
    }
}

impl fmt::Display for Scores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scores::Snippets(s) => s.fmt(f),
            Scores::Tokens(t) => t.fmt(f),
        }
    }
}

/// Per-page snippet outcome.
#[derive(Debug, Clone, Default)]
pub struct PageSnippets {
    /// The page id.
    pub id: String,
    /// `with` snippets not found.
    pub missed: Vec<String>,
    /// `without` snippets found.
    pub leaked: Vec<String>,
}

/// trafilatura-eval counts, pooled over pages.
#[derive(Debug, Clone, Default)]
pub struct SnippetScores {
    /// `with` snippets found.
    pub tp: usize,
    /// `without` snippets found.
    pub fp: usize,
    /// `with` snippets missed.
    pub fn_: usize,
    /// `without` snippets absent.
    pub tn: usize,
    /// Per page, what was missed or leaked.
    pub pages: Vec<PageSnippets>,
}

fn ratio(a: usize, b: usize) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let r = if b == 0 { 0.0 } else { a as f64 / b as f64 };
    r
}

impl SnippetScores {
    /// tp / (tp + fp).
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    /// tp / (tp + fn).
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    /// (tp + tn) / all.
    pub fn accuracy(&self) -> f64 {
        ratio(self.tp + self.tn, self.tp + self.tn + self.fp + self.fn_)
    }
    /// 2tp / (2tp + fp + fn).
    pub fn f1(&self) -> f64 {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }
}

impl fmt::Display for SnippetScores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "pages: {}", self.pages.len())?;
        writeln!(
            f,
            "segments: {} with, {} without; tp={} fp={} fn={} tn={}",
            self.tp + self.fn_,
            self.fp + self.tn,
            self.tp,
            self.fp,
            self.fn_,
            self.tn
        )?;
        write!(
            f,
            "precision {:.4}  recall {:.4}  accuracy {:.4}  f1 {:.4}",
            self.precision(),
            self.recall(),
            self.accuracy(),
            self.f1()
        )
    }
}

/// Token counts of one DAnIEL page.
#[derive(Debug, Clone)]
pub struct PageTokens {
    /// The page id.
    pub id: String,
    /// Its language.
    pub language: String,
    /// Tokens in both (clipped counts).
    pub tp: usize,
    /// Predicted tokens not in the reference.
    pub fp: usize,
    /// Reference tokens not predicted.
    pub fn_: usize,
}

impl PageTokens {
    /// Precision, recall and F1 of the page, with the reference scorer's conventions for
    /// empty texts.
    pub fn prf(&self) -> (f64, f64, f64) {
        let (gold, pred) = (self.tp + self.fn_, self.tp + self.fp);
        if gold == 0 {
            return if pred == 0 { (1.0, 1.0, 1.0) } else { (0.0, 1.0, 0.0) };
        }
        if pred == 0 || self.tp == 0 {
            return (0.0, 0.0, 0.0);
        }
        let (p, r) = (ratio(self.tp, pred), ratio(self.tp, gold));
        (p, r, 2.0 * p * r / (p + r))
    }
}

/// DAnIEL scores: per-page counts.
#[derive(Debug, Clone, Default)]
pub struct TokenScores {
    /// One row per page, in id order.
    pub pages: Vec<PageTokens>,
}

/// Macro and micro averages over some pages.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TokenAggregate {
    /// How many pages.
    pub pages: usize,
    /// Mean page precision.
    pub macro_precision: f64,
    /// Mean page recall.
    pub macro_recall: f64,
    /// Mean page F1.
    pub macro_f1: f64,
    /// Pooled precision.
    pub micro_precision: f64,
    /// Pooled recall.
    pub micro_recall: f64,
    /// Pooled F1.
    pub micro_f1: f64,
}

impl TokenScores {
    /// Averages over the pages of one language, or all pages.
    pub fn aggregate(&self, language: Option<&str>) -> TokenAggregate {
        let rows: Vec<&PageTokens> =
            self.pages.iter().filter(|p| language.is_none_or(|l| p.language == l)).collect();
        let n = rows.len();
        if n == 0 {
            return TokenAggregate::default();
        }
        let (mut sp, mut sr, mut sf) = (0.0, 0.0, 0.0);
        let (mut tp, mut fp, mut fn_) = (0, 0, 0);
        for r in &rows {
            let (p, rc, f1) = r.prf();
            sp += p;
            sr += rc;
            sf += f1;
            tp += r.tp;
            fp += r.fp;
            fn_ += r.fn_;
        }
        #[allow(clippy::cast_precision_loss)]
        let nf = n as f64;
        TokenAggregate {
            pages: n,
            macro_precision: sp / nf,
            macro_recall: sr / nf,
            macro_f1: sf / nf,
            micro_precision: ratio(tp, tp + fp),
            micro_recall: ratio(tp, tp + fn_),
            micro_f1: ratio(2 * tp, 2 * tp + fp + fn_),
        }
    }

    /// The languages present, sorted.
    pub fn languages(&self) -> Vec<String> {
        let set: std::collections::BTreeSet<&str> =
            self.pages.iter().map(|p| p.language.as_str()).collect();
        set.into_iter().map(str::to_owned).collect()
    }
}

impl fmt::Display for TokenScores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<6}{:>6}  {:>7}{:>7}{:>8}  {:>7}{:>7}{:>8}",
            "lang", "pages", "macroP", "macroR", "macroF1", "microP", "microR", "microF1"
        )?;
        let mut rows: BTreeMap<String, TokenAggregate> = BTreeMap::new();
        for lang in self.languages() {
            rows.insert(lang.clone(), self.aggregate(Some(&lang)));
        }
        let all = self.aggregate(None);
        for (name, a) in rows.iter().map(|(k, v)| (k.as_str(), v)).chain([("all", &all)]) {
            writeln!(
                f,
                "{:<6}{:>6}  {:>7.3}{:>7.3}{:>8.3}  {:>7.3}{:>7.3}{:>8.3}",
                name,
                a.pages,
                a.macro_precision,
                a.macro_recall,
                a.macro_f1,
                a.micro_precision,
                a.micro_recall,
                a.micro_f1
            )?;
        }
        Ok(())
    }
}

/// Python's `str.isspace`, which its `\s` follows: Unicode White_Space plus the
/// information separators U+001C..U+001F.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Every run of Python-`\s` characters becomes one space, then the ends are stripped.
pub fn normalize_space(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if is_python_space(c) {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

/// The DAnIEL tokeniser.
struct Tokenizer {
    regex: Regex,
}

/// Han ideographs, Hiragana, Katakana: one token per character (as the reference scorer).
const CJK_CLASS: &str = r"\x{3005}-\x{3007}\x{3040}-\x{30FF}\x{31F0}-\x{31FF}\x{3400}-\x{4DBF}\x{4E00}-\x{9FFF}\x{F900}-\x{FAFF}\x{20000}-\x{2FA1F}\x{30000}-\x{323AF}";

impl Tokenizer {
    fn new() -> Tokenizer {
        let pattern =
            format!("[{CJK_CLASS}]|[[\\p{{L}}\\p{{N}}\\p{{M}}\\p{{Pc}}]--[{CJK_CLASS}]]+");
        // The pattern is a constant: it compiles or the unit test below fails.
        #[allow(clippy::expect_used)]
        let regex = Regex::new(&pattern).expect("the token pattern is valid");
        Tokenizer { regex }
    }

    fn tokens<'t>(&self, text: &'t str) -> HashMap<&'t str, usize> {
        let mut counts = HashMap::new();
        for m in self.regex.find_iter(text) {
            *counts.entry(m.as_str()).or_insert(0) += 1;
        }
        counts
    }

    /// (tp, fp, fn) of a prediction against a reference.
    fn counts(&self, reference: &str, predicted: &str) -> (usize, usize, usize) {
        let gold = self.tokens(reference);
        let pred = self.tokens(predicted);
        let n_gold: usize = gold.values().sum();
        let n_pred: usize = pred.values().sum();
        let tp: usize = pred.iter().map(|(t, c)| (*c).min(gold.get(t).copied().unwrap_or(0))).sum();
        (tp, n_pred - tp, n_gold - tp)
    }
}

/// Reads predictions from JSON Lines (`{"id", "text"}` per line).
///
/// # Errors
///
/// A line that is not such an object.
pub fn read_predictions(jsonl: &str) -> Result<Vec<Prediction>, Error> {
    jsonl
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map_err(|e| Error::parse(format!("predictions line {}", i + 1), e.to_string()))
        })
        .collect()
}

/// Writes predictions as JSON Lines, one `{"id", "text"}` object per line.
pub fn write_predictions(predictions: &[Prediction]) -> String {
    let mut out = String::new();
    for p in predictions {
        // Serialising two strings cannot fail.
        if let Ok(line) = serde_json::to_string(p) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_follow_the_reference_scorer() {
        let t = Tokenizer::new();
        let tokens = t.tokens("Hello, wörld_x 42! 中国 ok");
        let mut v: Vec<_> = tokens.keys().copied().collect();
        v.sort_unstable();
        assert_eq!(v, ["42", "Hello", "ok", "wörld_x", "中", "国"]);
    }

    #[test]
    fn page_counts_clip_repeated_tokens() {
        let t = Tokenizer::new();
        assert_eq!(t.counts("a a b", "a a a c"), (2, 2, 1));
    }

    #[test]
    fn python_whitespace_is_normalised() {
        assert_eq!(normalize_space("  a\u{a0}\u{1f}b \n c\u{3000}"), "a b c");
    }

    #[test]
    fn empty_pages_follow_the_conventions() {
        let row =
            |tp, fp, fn_| PageTokens { id: String::new(), language: String::new(), tp, fp, fn_ };
        assert_eq!(row(0, 0, 0).prf(), (1.0, 1.0, 1.0));
        assert_eq!(row(0, 3, 0).prf(), (0.0, 1.0, 0.0));
        assert_eq!(row(0, 0, 3).prf(), (0.0, 0.0, 0.0));
    }

    #[test]
    fn predictions_round_trip_as_jsonl() {
        let p = vec![Prediction { id: "a".into(), text: "x\ny".into() }];
        assert_eq!(read_predictions(&write_predictions(&p)).unwrap(), p);
    }
}
