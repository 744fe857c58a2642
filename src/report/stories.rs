//! The overview's stories (#20): when a run grouped stories (`run --stories`), a table of the
//! largest, each with the titles of its clusters and what joined them.
//!
//! A story is a union of repost clusters about one event; `stories.jsonl` says which
//! clusters and why (the names, words and numbers two of their documents share, and the
//! verifier's score). An editor checks a story by reading its clusters' titles side by side
//! and the evidence under them: a wrong join shows at once (two earthquakes, one city). So the
//! table lists the stories with the most documents of the run first, and per story the title
//! of each cluster's canonical document and each join's evidence, spelled as the texts wrote
//! it. It is static HTML, built here and escaped where it lands, like the rest of the overview.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use serde::Deserialize;

use super::RunOutput;
use super::markup::{count, escape, shorten};

/// One line of `stories.jsonl`, the fields the report shows.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct StoryLine {
    story: String,
    clusters: Vec<String>,
    #[serde(default)]
    joins: Vec<JoinLine>,
}

/// One join of a story: the clusters and documents it joined, and why.
#[derive(Debug, Clone, Deserialize)]
struct JoinLine {
    documents: [String; 2],
    score: f64,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    numbers: Vec<u64>,
}

/// Characters of a title shown at most.
const TITLE_CHARS: usize = 140;
/// Clusters listed per story at most (the rest are counted).
const CLUSTERS_SHOWN: usize = 8;

/// The stories section, or nothing when the run has no stories file and no `story` field.
pub(crate) fn section(run: &RunOutput, shown: usize) -> String {
    let Some(stories) = &run.stories else { return String::new() };
    let mut html = String::new();
    let _ = write!(
        html,
        r#"<h2 id="stories">Stories <span class="muted">({} of two clusters or more: rewrites of one event by other outlets)</span></h2>"#,
        count(stories.len() as u64)
    );
    if stories.is_empty() {
        html.push_str(r#"<p class="muted">No two clusters were joined into a story.</p>"#);
        return html;
    }

    // Per cluster, its title (the canonical document's, else the first titled member's) and
    // its documents; per story, its documents in this run.
    let mut title_of: HashMap<&str, &str> = HashMap::new();
    let mut docs_of_story: BTreeMap<&str, u64> = BTreeMap::new();
    let mut docs_of_cluster: HashMap<&str, u64> = HashMap::new();
    for doc in &run.documents {
        *docs_of_cluster.entry(&doc.cluster).or_default() += 1;
        if let Some(story) = doc.story.as_deref() {
            *docs_of_story.entry(story).or_default() += 1;
        }
        if let Some(title) = doc.title.as_deref().filter(|t| !t.trim().is_empty()) {
            if doc.canonical || !title_of.contains_key(doc.cluster.as_str()) {
                title_of.insert(&doc.cluster, title);
            }
        }
    }
    let title_of_doc: HashMap<&str, &str> =
        run.documents.iter().filter_map(|d| Some((d.id.as_str(), d.title.as_deref()?))).collect();

    let mut order: Vec<&StoryLine> = stories.iter().collect();
    let size = |s: &StoryLine| docs_of_story.get(s.story.as_str()).copied().unwrap_or(0);
    order.sort_by(|a, b| {
        size(b)
            .cmp(&size(a))
            .then(b.clusters.len().cmp(&a.clusters.len()))
            .then(a.story.cmp(&b.story))
    });
    let _ = write!(
        html,
        r#"<table class="stories"><thead><tr><th>documents</th><th>clusters and their titles</th><th>what joined them</th></tr></thead><tbody>"#
    );
    for story in order.iter().take(shown) {
        let _ = write!(html, r#"<tr><td class="n">{}</td><td><ul>"#, count(size(story)));
        for cluster in story.clusters.iter().take(CLUSTERS_SHOWN) {
            let title = title_of.get(cluster.as_str()).copied().unwrap_or("(no title)");
            let copies = docs_of_cluster.get(cluster.as_str()).copied().unwrap_or(0);
            let copies = match copies {
                0 => " (an earlier run's)".to_owned(),
                1 => String::new(),
                n => format!(" ×{n}"),
            };
            let _ = write!(html, "<li>{}", escape(&shorten(title, TITLE_CHARS)));
            if !copies.is_empty() {
                let _ = write!(html, r#"<span class="muted">{}</span>"#, escape(&copies));
            }
            html.push_str("</li>");
        }
        if story.clusters.len() > CLUSTERS_SHOWN {
            let _ = write!(
                html,
                r#"<li class="muted">and {} more clusters</li>"#,
                count((story.clusters.len() - CLUSTERS_SHOWN) as u64)
            );
        }
        html.push_str("</ul></td><td><ul>");
        for join in story.joins.iter().take(CLUSTERS_SHOWN) {
            let numbers: Vec<String> = join.numbers.iter().map(u64::to_string).collect();
            let pair: Vec<&str> = join
                .documents
                .iter()
                .map(|d| title_of_doc.get(d.as_str()).copied().unwrap_or(d.as_str()))
                .collect();
            let _ = write!(
                html,
                r#"<li title="{}"><b>{:.2}</b> names: {} · words: {} · numbers: {}</li>"#,
                escape(&shorten(&pair.join("  ↔  "), 2 * TITLE_CHARS)),
                join.score,
                escape(or_none(&join.names.join(", "))),
                escape(or_none(&join.words.join(", "))),
                escape(or_none(&numbers.join(", "))),
            );
        }
        html.push_str("</ul></td></tr>");
    }
    html.push_str("</tbody></table>");
    if stories.len() > shown {
        let _ = write!(
            html,
            r#"<p class="muted">The {} largest are listed; all are in stories.jsonl.</p>"#,
            count(shown as u64)
        );
    }
    html
}

fn or_none(text: &str) -> &str {
    if text.is_empty() { "–" } else { text }
}

#[cfg(test)]
mod tests {
    use super::super::{Report, RunOutput};

    /// A run folder by hand: two clusters joined into one story, one with a hostile title.
    fn run_dir(with_stories: bool) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let summary = match with_stories {
            true => r#"{"cleaned": 3, "clusters": 2, "stories": 1, "multi_stories": 1}"#,
            false => r#"{"cleaned": 3, "clusters": 2}"#,
        };
        std::fs::write(dir.path().join("summary.json"), summary).unwrap();
        let story = if with_stories { r#","story":"c1""# } else { "" };
        let docs = [
            format!(
                r#"{{"id":"a","title":"Ferry aground off Hvar","text":"x","cluster":"c1"{story},"canonical":true}}"#
            ),
            format!(
                r#"{{"id":"b","title":"Ferry aground off Hvar","text":"x","cluster":"c1"{story},"canonical":false}}"#
            ),
            format!(
                r#"{{"id":"c","title":"<b>Hvar</b> ferry & 37 rescued","text":"x","cluster":"c2"{story},"canonical":true}}"#
            ),
        ];
        std::fs::write(dir.path().join("documents.jsonl"), docs.join("\n")).unwrap();
        std::fs::write(dir.path().join("clusters.jsonl"), "").unwrap();
        if with_stories {
            let line = r#"{"story":"c1","clusters":["c1","c2"],"joins":[{"clusters":["c1","c2"],"documents":["a","c"],"score":2.5,"text_cosine":0.7,"lead_cosine":0.7,"head_containment":0.6,"number_mismatch":0.0,"names":["Hvar"],"words":["ferry","<aground>"],"numbers":[37]}]}"#;
            std::fs::write(dir.path().join("stories.jsonl"), line).unwrap();
        }
        dir
    }

    fn page(with_stories: bool) -> String {
        let dir = run_dir(with_stories);
        let run = RunOutput::read(dir.path()).unwrap();
        let mut out = Vec::new();
        Report::builder().build().unwrap().write(&run, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_story_lists_its_clusters_titles_and_its_evidence_escaped() {
        let page = page(true);
        let at = page.find(r#"<h2 id="stories">"#).expect("a stories section");
        let section = &page[at..];
        assert!(
            section.contains("<li>Ferry aground off Hvar<span class=\"muted\"> ×2</span></li>")
        );
        assert!(section.contains("&lt;b&gt;Hvar&lt;/b&gt; ferry &amp; 37 rescued"), "{section}");
        assert!(
            section
                .contains("<b>2.50</b> names: Hvar · words: ferry, &lt;aground&gt; · numbers: 37")
        );
        assert!(page.contains(r#"data-stat="multi_stories">1<"#));
    }

    #[test]
    fn a_run_without_stories_has_no_stories_section() {
        let page = page(false);
        assert!(!page.contains(r#"id="stories""#));
        assert!(!page.contains("multi_stories"));
    }
}
