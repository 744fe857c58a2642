//! After step 9: one self-contained HTML page that shows what a run removed and what it
//! merged, so that an editor can check a run in a browser instead of reading JSON Lines.
//!
//! [`RunOutput::read`] reads a run's folder (`summary.json`, `documents.jsonl`,
//! `clusters.jsonl`, `errors.jsonl`, and `stories.jsonl` when the run grouped stories);
//! [`Report::write`] writes the page. The page needs no
//! server and no network (its Content-Security-Policy forbids any): the stylesheet, the
//! script and the data are inline, the charts are SVG drawn here (`svg.rs`).
//!
//! - The **overview** is static HTML built here: the counts of `summary.json`, a histogram of
//!   cluster sizes, removals by class and by site, a timeline of the largest clusters, and,
//!   for a run with stories, the largest stories with their clusters' titles and what joined
//!   them (`stories.rs`).
//! - The **clusters** and **documents** views are painted by the page's script from the data,
//!   a page of rows at a time. Each member of a cluster carries its word diff against the
//!   canonical member, computed here (`diff.rs`); each document its removals, placed back
//!   into its text (`placement.rs`).
//!
//! # Large runs
//!
//! The data is split so that opening the page parses little: one JSON block holds what the
//! lists need (per document its id, title, site, date and cluster; per cluster its members,
//! scores and diff ops), and the texts with their removals sit in blocks of
//! [`ReportConfig::docs_per_block`] documents that the page parses only when a document or a
//! cluster is opened. The page grows linearly with the run, a little smaller than
//! `documents.jsonl`: the dev set's 4,182 documents (14.1 MB of JSON Lines) make a 12.4 MB
//! page built in 0.4 s; 26,000 synthetic documents in 10,196 clusters (111 MB) a 101 MB
//! page, 9.9 KB a cluster, that headless Chromium opens in 1.2–1.6 s (0.15 s of it the
//! script's) and whose clusters view paints in 60–75 ms.
//!
//! # Escaping
//!
//! All scraped text is escaped where it lands (`markup.rs`): the overview through HTML escaping,
//! the data blocks as JSON with `<`, `>`, `&`, U+2028 and U+2029 written as `\u` escapes, and
//! the script paints only with `textContent`. A title `<script>alert(1)</script>` shows as
//! that text and runs nothing.
//!
//! [`Report`] has an example.

mod diff;
mod markup;
mod placement;
mod stories;
mod svg;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{self, BufRead, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::dedup::Cluster;
use crate::dedup::published_seconds;
use crate::output::ErrorRecord;
use crate::{Error, Meta, Removal, RemovalClass};
use markup::{count, escape, script_json, shorten};

/// The page around the data, with `{{NAME}}` slots.
const PAGE: &str = include_str!("page.html");
/// The stylesheet, inlined.
const STYLE: &str = include_str!("page.css");
/// The script that paints the clusters and documents views, inlined.
const SCRIPT: &str = include_str!("page.js");

/// How a report is built. Every field has a default; a TOML or JSON file can set them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportConfig {
    /// Documents per data block: the page parses one block when it shows one of its
    /// documents. Default `256` (about 1 MB of news text, parsed in a few milliseconds).
    pub docs_per_block: usize,
    /// The most words of each text compared by a diff; the rest of a longer member shows as
    /// not compared. Bounds the cost of a pathological pair. Default `5_000`.
    pub max_diff_words: usize,
    /// The most error records listed in the overview (all are counted). Default `1_000`.
    pub max_errors: usize,
    /// Stories on the timeline of the largest stories. Default `12`.
    pub timeline_stories: usize,
    /// Sites in the removals-by-site chart, those with the most removals. Default `20`.
    pub chart_sites: usize,
    /// Stories listed in the overview, the largest (for a run with `--stories`). Default
    /// `20`.
    pub listed_stories: usize,
}

impl Default for ReportConfig {
    fn default() -> ReportConfig {
        ReportConfig {
            docs_per_block: 256,
            max_diff_words: 5_000,
            max_errors: 1_000,
            timeline_stories: 12,
            chart_sites: 20,
            listed_stories: 20,
        }
    }
}

/// Builds the HTML report of a run. Cheap to clone; `Send` and `Sync`.
///
/// # Example
///
/// ```
/// use clean_news::report::{Report, RunOutput};
///
/// // A run's folder, as `clean-news run` writes it (here by hand, one document).
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("summary.json"), r#"{"cleaned": 1, "clusters": 1}"#)?;
/// std::fs::write(
///     dir.path().join("documents.jsonl"),
///     r#"{"id":"a","title":"<script>alert(1)</script>","text":"Body.","cluster":"c1","canonical":true}"#,
/// )?;
/// std::fs::write(dir.path().join("clusters.jsonl"), "")?;
///
/// let run = RunOutput::read(dir.path())?;
/// let mut page = Vec::new();
/// let stats = Report::builder().build()?.write(&run, &mut page)?;
/// assert_eq!((stats.documents, stats.bytes), (1, page.len() as u64));
/// let page = String::from_utf8(page)?;
/// assert!(page.contains("\\u003cscript\\u003ealert(1)"));   // the title, as JSON data
/// assert!(!page.contains("<script>alert"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Report {
    config: ReportConfig,
}

/// Builds a [`Report`].
#[derive(Debug, Clone, Default)]
pub struct ReportBuilder {
    config: ReportConfig,
}

/// What [`Report::write`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReportStats {
    /// Documents in the page.
    pub documents: usize,
    /// Clusters of two or more in the page.
    pub clusters: usize,
    /// Bytes written.
    pub bytes: u64,
}

impl ReportBuilder {
    /// Sets every option at once.
    pub fn config(&mut self, config: ReportConfig) -> &mut ReportBuilder {
        self.config = config;
        self
    }

    /// Checks the options.
    ///
    /// # Errors
    ///
    /// A `Config` error when `docs_per_block` or `max_diff_words` is 0.
    pub fn build(&self) -> Result<Report, Error> {
        if self.config.docs_per_block == 0 {
            return Err(Error::config("docs_per_block must be at least 1"));
        }
        if self.config.max_diff_words == 0 {
            return Err(Error::config("max_diff_words must be at least 1"));
        }
        Ok(Report { config: self.config.clone() })
    }
}

/// The outputs of one `clean-news run`, read back from its folder.
#[derive(Debug, Clone)]
pub struct RunOutput {
    name: String,
    summary: serde_json::Map<String, serde_json::Value>,
    documents: Vec<RunDocument>,
    clusters: Vec<Cluster>,
    errors: Vec<ErrorRecord>,
    /// `stories.jsonl`, when the run grouped stories.
    stories: Option<Vec<stories::StoryLine>>,
}

/// One line of `documents.jsonl`, the fields the report shows.
#[derive(Debug, Clone, Deserialize)]
struct RunDocument {
    id: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    text: String,
    #[serde(default)]
    meta: Meta,
    #[serde(default)]
    removed: Vec<Removal>,
    cluster: String,
    #[serde(default)]
    story: Option<String>,
    #[serde(default)]
    canonical: bool,
    #[serde(default)]
    seen_before: bool,
}

impl RunOutput {
    /// Reads the run written to `dir`. `errors.jsonl` may be missing; the other files not.
    ///
    /// # Errors
    ///
    /// An `Io` error when a file cannot be read, a `Parse` error (file and line) when a
    /// record is not what `run` writes.
    pub fn read(dir: impl AsRef<Path>) -> Result<RunOutput, Error> {
        let dir = dir.as_ref();
        let summary_path = dir.join("summary.json");
        let summary_text = std::fs::read_to_string(&summary_path)
            .map_err(|e| Error::io(Some(summary_path.clone()), "cannot read", e))?;
        let summary = serde_json::from_str(&summary_text)
            .map_err(|e| Error::parse(summary_path.display().to_string(), e.to_string()))?;
        let documents = read_lines(&dir.join("documents.jsonl"), true)?;
        let clusters = read_lines(&dir.join("clusters.jsonl"), true)?;
        let errors = read_lines(&dir.join("errors.jsonl"), false)?;
        let stories_path = dir.join("stories.jsonl");
        let stories = match stories_path.exists() {
            true => Some(read_lines(&stories_path, true)?),
            false => None,
        };
        let name = dir
            .canonicalize()
            .ok()
            .as_deref()
            .and_then(Path::file_name)
            .or_else(|| dir.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "run".to_owned());
        Ok(RunOutput { name, summary, documents, clusters, errors, stories })
    }

    /// The name shown on the page: the run folder's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The number of documents of the run.
    pub fn documents(&self) -> usize {
        self.documents.len()
    }

    /// The clusters of two or more of `clusters.jsonl`.
    pub fn clusters(&self) -> &[Cluster] {
        &self.clusters
    }

    /// `summary.json`.
    pub fn summary(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.summary
    }

    fn count(&self, key: &str) -> Option<u64> {
        self.summary.get(key).and_then(serde_json::Value::as_u64)
    }
}

/// Reads a JSON Lines file; a missing file is empty unless `required`.
fn read_lines<T: for<'de> Deserialize<'de>>(path: &Path, required: bool) -> Result<Vec<T>, Error> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if !required && e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(Some(path.to_owned()), "cannot read", e)),
    };
    let mut records = Vec::new();
    for (n, line) in io::BufReader::with_capacity(1 << 20, file).lines().enumerate() {
        let line = line.map_err(|e| Error::io(Some(path.to_owned()), "cannot read", e))?;
        if line.trim().is_empty() {
            continue;
        }
        let record = serde_json::from_str(&line).map_err(|e| {
            Error::parse(format!("{}, line {}", path.display(), n + 1), e.to_string())
        })?;
        records.push(record);
    }
    Ok(records)
}

impl Report {
    /// A builder with the default [`ReportConfig`].
    pub fn builder() -> ReportBuilder {
        ReportBuilder::default()
    }

    /// The options in use.
    pub fn config(&self) -> &ReportConfig {
        &self.config
    }

    /// Writes the page of `run` to `out`. The same run gives the same bytes.
    ///
    /// # Errors
    ///
    /// An `Io` error when writing fails.
    pub fn write(&self, run: &RunOutput, out: &mut dyn Write) -> Result<ReportStats, Error> {
        let mut out = Counting { out, bytes: 0 };
        let model = Model::of(run, &self.config);
        let index = json_block(&model.index)?;
        let fail = |e: io::Error| Error::io(None, "cannot write the report", e);
        let mut rest = PAGE;
        while let Some(open) = rest.find("{{") {
            out.write_all(rest.get(..open).unwrap_or_default().as_bytes()).map_err(fail)?;
            let after = rest.get(open + 2..).unwrap_or_default();
            let Some(close) = after.find("}}") else { break };
            match after.get(..close).unwrap_or_default() {
                "NAME" => out.write_all(escape(&run.name).as_bytes()),
                "STYLE" => out
                    .write_all(STYLE.as_bytes())
                    .and_then(|()| out.write_all(class_style().as_bytes())),
                "CLUSTERS" => out.write_all(count(run.clusters.len() as u64).as_bytes()),
                "DOCUMENTS" => out.write_all(count(run.documents.len() as u64).as_bytes()),
                "OVERVIEW" => out.write_all(overview(run, &model, &self.config).as_bytes()),
                "INDEX" => out.write_all(index.as_bytes()),
                "BLOCKS" => self.write_blocks(run, &mut out),
                "SCRIPT" => out.write_all(SCRIPT.as_bytes()),
                _ => Ok(()),
            }
            .map_err(fail)?;
            rest = after.get(close + 2..).unwrap_or_default();
        }
        out.write_all(rest.as_bytes()).map_err(fail)?;
        out.flush().map_err(fail)?;
        Ok(ReportStats {
            documents: run.documents.len(),
            clusters: run.clusters.len(),
            bytes: out.bytes,
        })
    }

    /// The texts and removals, `docs_per_block` documents to a `<script>` block.
    fn write_blocks(&self, run: &RunOutput, out: &mut dyn Write) -> io::Result<()> {
        let mut rules = Interner::default();
        for (k, block) in run.documents.chunks(self.config.docs_per_block).enumerate() {
            let bodies: Vec<DocBody<'_>> =
                block.iter().map(|doc| DocBody::of(doc, &mut rules)).collect();
            let json = json_block(&bodies).map_err(io::Error::other)?;
            writeln!(out, "<script type=\"application/json\" id=\"docs-{k}\">{json}</script>")?;
        }
        let json = json_block(&rules.names).map_err(io::Error::other)?;
        writeln!(out, "<script type=\"application/json\" id=\"rules\">{json}</script>")
    }
}

/// Counts what goes through.
struct Counting<'a> {
    out: &'a mut dyn Write,
    bytes: u64,
}

impl Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.bytes = self.bytes.saturating_add(n as u64);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// JSON for a data block.
fn json_block<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let json =
        serde_json::to_string(value).map_err(|e| Error::parse("report data", e.to_string()))?;
    Ok(script_json(&json).into_owned())
}

/// Strings numbered in order of first use.
#[derive(Debug, Default)]
struct Interner<'a> {
    names: Vec<&'a str>,
    numbers: HashMap<&'a str, usize>,
}

impl<'a> Interner<'a> {
    fn number(&mut self, name: &'a str) -> usize {
        if let Some(&n) = self.numbers.get(name) {
            return n;
        }
        self.names.push(name);
        self.numbers.insert(name, self.names.len() - 1);
        self.names.len() - 1
    }
}

/// What the page needs at once: the lists of documents and clusters.
#[derive(Serialize)]
struct Index<'a> {
    /// Documents per data block.
    block: usize,
    /// Removal class names, by number.
    classes: Vec<&'static str>,
    /// Site names, by number.
    sites: Vec<&'a str>,
    /// One row per document: `[id, title, site, published, cluster, canonical, removals]`.
    docs: Vec<DocRow<'a>>,
    /// The clusters of two or more, in the order of `clusters.jsonl`.
    clusters: Vec<ClusterRow<'a>>,
}

/// `[id, title, site number or -1, published, cluster number or -1, 1 if canonical, removals]`.
#[derive(Serialize)]
struct DocRow<'a>(&'a str, Option<&'a str>, i64, Option<&'a str>, i64, u8, usize);

#[derive(Serialize)]
struct ClusterRow<'a> {
    id: &'a str,
    /// Members, the canonical one first.
    m: Vec<MemberRow<'a>>,
    /// Distinct sites among the members.
    n: usize,
    /// The earliest publication time of a member (`YYYY-MM-DD HH:MM`), and in seconds.
    p: Option<String>,
    s: Option<i64>,
}

#[derive(Serialize)]
struct MemberRow<'a> {
    /// The document number, or -1 for a member remembered from an earlier run.
    d: i64,
    /// The id of a member that is not among the documents.
    #[serde(skip_serializing_if = "Option::is_none")]
    i: Option<&'a str>,
    j: f64,
    c: f64,
    f: Vec<&'static str>,
    /// The word diff against the canonical member (none for the canonical one, or when a
    /// text is missing).
    #[serde(skip_serializing_if = "Option::is_none")]
    o: Option<diff::WordDiff>,
}

/// A document's text, removals and the metadata its page shows.
#[derive(Serialize)]
struct DocBody<'a> {
    x: &'a str,
    /// `[class, rule number, text, line it goes before, note]`, in the order shown.
    r: Vec<(usize, usize, &'a str, usize, Option<&'a str>)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lang: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    views: Option<u64>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    authors: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    sources: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    seen: bool,
}

impl<'a> DocBody<'a> {
    fn of(doc: &'a RunDocument, rules: &mut Interner<'a>) -> DocBody<'a> {
        let r = placement::place(&doc.text, &doc.removed)
            .into_iter()
            .filter_map(|p| {
                let removal = doc.removed.get(p.removal)?;
                Some((
                    class_number(removal.class),
                    rules.number(&removal.rule),
                    removal.text.as_str(),
                    p.before_line,
                    removal.note.as_deref(),
                ))
            })
            .collect();
        DocBody {
            x: &doc.text,
            r,
            lang: doc.meta.language.as_deref(),
            url: doc.meta.canonical_url.as_deref(),
            views: doc.meta.views,
            authors: &doc.meta.authors,
            sources: &doc.meta.sources,
            notes: &doc.meta.notes,
            seen: doc.seen_before,
        }
    }
}

fn class_number(class: RemovalClass) -> usize {
    RemovalClass::ALL.iter().position(|c| *c == class).unwrap_or(0)
}

/// Jaccard and containment as the page shows them: four decimals are plenty.
fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// What the report computes from a run once.
struct Model<'a> {
    index: Index<'a>,
    /// Documents of this run per cluster id.
    cluster_sizes: BTreeMap<&'a str, u64>,
}

impl<'a> Model<'a> {
    fn of(run: &'a RunOutput, config: &ReportConfig) -> Model<'a> {
        let mut sites = Interner::default();
        let mut doc_number: HashMap<&str, usize> = HashMap::with_capacity(run.documents.len());
        for (i, doc) in run.documents.iter().enumerate() {
            doc_number.entry(doc.id.as_str()).or_insert(i);
        }
        let cluster_number: HashMap<&str, usize> =
            run.clusters.iter().enumerate().map(|(i, c)| (c.id.as_str(), i)).collect();
        let mut cluster_sizes: BTreeMap<&str, u64> = BTreeMap::new();
        let docs = run
            .documents
            .iter()
            .map(|doc| {
                *cluster_sizes.entry(doc.cluster.as_str()).or_default() += 1;
                let site = doc.meta.site.as_deref().map_or(-1, |s| sites.number(s) as i64);
                let cluster = cluster_number.get(doc.cluster.as_str()).map_or(-1, |&c| c as i64);
                DocRow(
                    &doc.id,
                    doc.title.as_deref(),
                    site,
                    doc.meta.published.as_deref(),
                    cluster,
                    u8::from(doc.canonical),
                    doc.removed.len(),
                )
            })
            .collect();
        let clusters = run
            .clusters
            .iter()
            .map(|cluster| cluster_row(run, cluster, &doc_number, config.max_diff_words))
            .collect();
        let classes = RemovalClass::ALL.iter().map(|c| c.as_str()).collect();
        let index =
            Index { block: config.docs_per_block, classes, sites: sites.names, docs, clusters };
        Model { index, cluster_sizes }
    }
}

fn cluster_row<'a>(
    run: &'a RunOutput,
    cluster: &'a Cluster,
    doc_number: &HashMap<&str, usize>,
    max_diff_words: usize,
) -> ClusterRow<'a> {
    let canonical = doc_number.get(cluster.canonical.as_str()).and_then(|&d| run.documents.get(d));
    let differ = canonical.map(|c| diff::Differ::new(&c.text, max_diff_words));
    let mut sites: Vec<&str> = Vec::new();
    let mut first: Option<i64> = None;
    let members = cluster
        .members
        .iter()
        .map(|member| {
            let number = doc_number.get(member.id.as_str()).copied();
            let doc = number.and_then(|d| run.documents.get(d));
            if let Some(doc) = doc {
                if let Some(site) = doc.meta.site.as_deref() {
                    if !sites.contains(&site) {
                        sites.push(site);
                    }
                }
                if let Some(seconds) = doc.meta.published.as_deref().and_then(published_seconds) {
                    first = Some(first.map_or(seconds, |s| s.min(seconds)));
                }
            }
            let o = match (canonical, &differ, doc) {
                (Some(canonical), Some(differ), Some(doc)) if canonical.id != doc.id => {
                    Some(differ.diff(&doc.text))
                }
                _ => None,
            };
            MemberRow {
                d: number.map_or(-1, |n| n as i64),
                i: if number.is_none() { Some(member.id.as_str()) } else { None },
                j: round4(member.jaccard),
                c: round4(member.containment),
                f: member.found_by.names().collect(),
                o,
            }
        })
        .collect();
    ClusterRow {
        id: &cluster.id,
        m: members,
        n: sites.len(),
        p: first.map(svg::format_time),
        s: first,
    }
}

/// CSS variables for the class colours, shared with the charts.
fn class_style() -> String {
    let mut css = String::new();
    for (i, colour) in svg::PALETTE.iter().enumerate() {
        let _ = write!(css, ".k{i}{{--k:{colour}}}");
    }
    css.push('\n');
    css
}

/// Cluster-size bins of the histogram: (label, smallest size, largest size).
const SIZE_BINS: [(&str, u64, u64); 14] = [
    ("1", 1, 1),
    ("2", 2, 2),
    ("3", 3, 3),
    ("4", 4, 4),
    ("5", 5, 5),
    ("6", 6, 6),
    ("7", 7, 7),
    ("8", 8, 8),
    ("9", 9, 9),
    ("10", 10, 10),
    ("11–20", 11, 20),
    ("21–50", 21, 50),
    ("51–100", 51, 100),
    ("101+", 101, u64::MAX),
];

/// The overview section: counts, charts, errors.
fn overview(run: &RunOutput, model: &Model<'_>, config: &ReportConfig) -> String {
    let mut html = String::with_capacity(64 * 1024);
    html.push_str(r#"<section id="overview" class="view">"#);
    if run.summary.get("interrupted").and_then(serde_json::Value::as_bool) == Some(true) {
        html.push_str(r#"<p class="warn">This run was interrupted: nothing was clustered.</p>"#);
    }
    html.push_str(r#"<div class="cards">"#);
    for (key, what) in [
        ("cleaned", "documents"),
        ("clusters", "clusters"),
        ("multi_clusters", "clusters of two or more"),
        ("duplicates", "duplicates removed"),
        ("failed", "errors"),
    ] {
        let _ = write!(
            html,
            r#"<div class="card"><div class="num" data-stat="{key}">{}</div><div class="what">{what}</div></div>"#,
            run.count(key).map_or_else(|| "–".to_owned(), count)
        );
    }
    if let Some(n) = run.count("multi_stories") {
        let _ = write!(
            html,
            r#"<div class="card"><div class="num" data-stat="multi_stories">{}</div><div class="what">stories of two clusters or more</div></div>"#,
            count(n)
        );
    }
    html.push_str(r#"</div><p class="sub">"#);
    for (i, (key, what)) in [
        ("read", "read"),
        ("skipped", "skipped"),
        ("seen_before", "seen before"),
        ("template_lines_removed", "site-template lines removed"),
    ]
    .into_iter()
    .enumerate()
    {
        let sep = if i > 0 { " · " } else { "" };
        let _ = write!(
            html,
            r#"{sep}{what} <b data-stat="{key}">{}</b>"#,
            run.count(key).map_or_else(|| "–".to_owned(), count)
        );
    }
    html.push_str(r#"</p><div class="charts">"#);

    // Cluster sizes: documents of this run per cluster, singletons included.
    let mut bins: Vec<(String, u64)> = SIZE_BINS.iter().map(|b| (b.0.to_owned(), 0)).collect();
    for &size in model.cluster_sizes.values() {
        if let Some(bin) = SIZE_BINS.iter().position(|b| (b.1..=b.2).contains(&size)) {
            bins[bin].1 += 1;
        }
    }
    while bins.len() > 5 && bins.last().is_some_and(|b| b.1 == 0) {
        bins.pop();
    }
    figure(
        &mut html,
        "Cluster sizes",
        "documents of this run per cluster, singletons included",
        &svg::histogram(&bins, "cluster sizes"),
        false,
    );

    // Removals by class and by site.
    let names: Vec<&str> = RemovalClass::ALL.iter().map(|c| c.as_str()).collect();
    let mut by_class = [0u64; RemovalClass::ALL.len()];
    let mut by_site: BTreeMap<&str, [u64; RemovalClass::ALL.len()]> = BTreeMap::new();
    for doc in &run.documents {
        let site = doc.meta.site.as_deref().unwrap_or("(no site)");
        let row = by_site.entry(site).or_insert([0; RemovalClass::ALL.len()]);
        for removal in &doc.removed {
            let class = class_number(removal.class);
            by_class[class] += 1;
            row[class] += 1;
        }
    }
    let mut class_rows: Vec<svg::Bar> = by_class
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(class, &n)| svg::Bar { label: names[class].to_owned(), parts: vec![(class, n)] })
        .collect();
    class_rows.sort_by(|a, b| b.parts[0].1.cmp(&a.parts[0].1).then(a.label.cmp(&b.label)));
    let total: u64 = by_class.iter().sum();
    figure(
        &mut html,
        "Removals by class",
        &format!("{} removals in all", count(total)),
        &svg::bars(&class_rows, &names, "removals by class", false),
        false,
    );
    // The largest stories over time.
    let mut largest: Vec<(usize, &Cluster)> = run.clusters.iter().enumerate().collect();
    largest.sort_by(|(i, a), (j, b)| b.members.len().cmp(&a.members.len()).then(i.cmp(j)));
    let doc_of: HashMap<&str, &RunDocument> =
        run.documents.iter().map(|d| (d.id.as_str(), d)).collect();
    let stories: Vec<svg::Story> = largest
        .iter()
        .take(config.timeline_stories)
        .map(|&(number, cluster)| {
            let canonical = doc_of.get(cluster.canonical.as_str());
            let label = canonical
                .and_then(|d| d.title.as_deref())
                .filter(|t| !t.trim().is_empty())
                .unwrap_or(&cluster.canonical)
                .to_owned();
            let times = cluster
                .members
                .iter()
                .filter_map(|m| {
                    let published = doc_of.get(m.id.as_str())?.meta.published.as_deref()?;
                    Some((published_seconds(published)?, m.id == cluster.canonical))
                })
                .collect();
            svg::Story { label, cluster: number, copies: cluster.members.len(), times }
        })
        .collect();
    if stories.is_empty() {
        html.push_str(
            r#"<figure class="wide"><figcaption>The largest stories</figcaption><p class="muted">No cluster of two or more.</p></figure>"#,
        );
    } else {
        figure(
            &mut html,
            "The largest stories over time",
            "each copy by the time since the first; click a title to open the cluster",
            &svg::timeline(&stories, "the largest stories over time"),
            true,
        );
    }
    let mut site_rows: Vec<(u64, &str, &[u64; RemovalClass::ALL.len()])> =
        by_site.iter().map(|(site, row)| (row.iter().sum(), *site, row)).collect();
    site_rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let shown = site_rows.len().min(config.chart_sites);
    let site_bars: Vec<svg::Bar> = site_rows
        .iter()
        .take(shown)
        .map(|(_, site, row)| svg::Bar {
            label: (*site).to_owned(),
            parts: row.iter().enumerate().filter(|(_, n)| **n > 0).map(|(c, &n)| (c, n)).collect(),
        })
        .collect();
    figure(
        &mut html,
        "Removals by site",
        &format!("the {shown} of {} sites with the most removals", site_rows.len()),
        &svg::bars(&site_bars, &names, "removals by site", true),
        true,
    );

    html.push_str("</div>");
    html.push_str(&stories::section(run, config.listed_stories));

    // Errors.
    if !run.errors.is_empty() {
        let _ = write!(
            html,
            r#"<h2>Errors <span class="muted">({} records)</span></h2><table class="errors"><thead><tr><th>path</th><th>id</th><th>error</th></tr></thead><tbody>"#,
            count(run.errors.len() as u64)
        );
        for record in run.errors.iter().take(config.max_errors) {
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&shorten(&record.path, 200)),
                escape(&shorten(record.id.as_deref().unwrap_or(""), 200)),
                escape(&shorten(&record.error, 400)),
            );
        }
        html.push_str("</tbody></table>");
        if run.errors.len() > config.max_errors {
            let _ = write!(
                html,
                r#"<p class="muted">The first {} are listed; all are in errors.jsonl.</p>"#,
                count(config.max_errors as u64)
            );
        }
    }
    html.push_str("</section>");
    html
}

fn figure(html: &mut String, title: &str, note: &str, svg: &str, wide: bool) {
    let wide = if wide { r#" class="wide""# } else { "" };
    let _ = write!(
        html,
        r#"<figure{wide}><figcaption>{} <span class="muted">{}</span></figcaption>{svg}</figure>"#,
        escape(title),
        escape(note)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_and_page_cannot_end_their_own_elements_early() {
        assert!(!SCRIPT.contains("</script") && !SCRIPT.contains("<!--"));
        assert!(!STYLE.contains("</style"));
        for slot in ["NAME", "STYLE", "OVERVIEW", "INDEX", "BLOCKS", "SCRIPT"] {
            assert!(PAGE.contains(&format!("{{{{{slot}}}}}")), "{slot}");
        }
    }

    #[test]
    fn the_script_never_writes_markup() {
        for forbidden in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("]
        {
            assert!(!SCRIPT.contains(forbidden), "{forbidden}");
        }
    }

    #[test]
    fn config_rejects_zero_sizes() {
        let config = ReportConfig { docs_per_block: 0, ..ReportConfig::default() };
        assert!(Report::builder().config(config).build().is_err());
        let config = ReportConfig { max_diff_words: 0, ..ReportConfig::default() };
        assert!(Report::builder().config(config).build().is_err());
    }

    #[test]
    fn report_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Report>();
    }

    #[test]
    fn size_bins_cover_every_size_once() {
        for size in 1..1000u64 {
            let bins = SIZE_BINS.iter().filter(|b| (b.1..=b.2).contains(&size)).count();
            assert_eq!(bins, 1, "{size}");
        }
    }
}
