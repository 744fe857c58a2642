//! `clean-news report`: the page of a run shows the run's numbers, shows hostile scraped text
//! as text, is the same for the same run, and grows linearly with the run.
//!
//! The page's script is exercised in a browser by `tests/browser/report_check.sh`; here the
//! page is read as HTML (with `scraper`) and its data blocks as JSON.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test harness: fail loudly

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use clean_news::report::{Report, RunOutput};
use scraper::{Html, Selector};
use serde_json::{Value, json};

fn corpus(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora").join(path)
}

fn clean_news() -> Command {
    Command::new(env!("CARGO_BIN_EXE_clean-news"))
}

/// Runs `corpora/run/pages` with the hostile pages of `corpora/report`, then the report.
fn hostile_run(dir: &Path) -> (String, Value) {
    let out = dir.join("run");
    let run = clean_news()
        .arg("run")
        .arg(corpus("run/pages"))
        .arg(corpus("report"))
        .args(["--no-index", "--quiet", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    // `broken.txt` is an error record: exit 2, everything written.
    assert_eq!(run.status.code(), Some(2), "{}", String::from_utf8_lossy(&run.stderr));
    let report = clean_news().arg("report").arg(&out).output().unwrap();
    assert_eq!(report.status.code(), Some(0), "{}", String::from_utf8_lossy(&report.stderr));
    let stderr = String::from_utf8_lossy(&report.stderr);
    assert!(stderr.contains("report.html") && stderr.contains("MB"), "{stderr}");
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    let summary = serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap());
    (html, summary.unwrap())
}

fn select<'a>(page: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    page.select(&Selector::parse(css).unwrap()).collect()
}

fn data(page: &Html, id: &str) -> Value {
    let script = select(page, &format!("script#{id}"));
    serde_json::from_str(&script[0].text().collect::<String>()).unwrap()
}

#[test]
fn hostile_titles_sites_and_ids_stay_text() {
    let dir = tempfile::tempdir().unwrap();
    let (html, _) = hostile_run(dir.path());
    let page = Html::parse_document(&html);

    // The only elements that can run anything are the page's own scripts: the index, one
    // data block per 256 documents, the rule names, the code.
    let scripts = select(&page, "script");
    let ours = scripts
        .iter()
        .filter(|s| {
            let v = s.value();
            (v.attr("type") == Some("application/json") && v.attr("id").is_some())
                || (v.attrs().count() == 0 && s.text().collect::<String>().contains("'use strict'"))
        })
        .count();
    assert_eq!(scripts.len(), 4);
    assert_eq!(ours, scripts.len());
    assert!(select(&page, "img, iframe, object, embed").is_empty());
    for element in select(&page, "*") {
        for (name, _) in element.value().attrs() {
            assert!(!name.starts_with("on"), "event handler {name} on {:?}", element.value());
        }
    }
    assert!(!html.contains("<script>document"));
    assert!(!html.contains("<img src=x"));

    // The hostile site is a bar of the by-site chart, as text.
    let labels: Vec<String> =
        select(&page, "svg text").iter().map(|t| t.text().collect()).collect();
    let hostile_site =
        "</text><script>document.documentElement.setAttribute('data-xss','site')</script>";
    assert!(labels.iter().any(|l| l.starts_with("</text><script>document")), "{labels:?}");

    // The data gives back every string exactly.
    let index = data(&page, "index");
    let docs = index["docs"].as_array().unwrap();
    let titles: Vec<&str> = docs.iter().filter_map(|d| d[1].as_str()).collect();
    assert!(titles.contains(
        &"Wheat record <script>document.documentElement.setAttribute('data-xss','title')</script>"
    ));
    let sites: Vec<&str> =
        index["sites"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(sites.contains(&hostile_site));
    let block: Value = data(&page, "docs-0");
    let texts: Vec<&str> =
        block.as_array().unwrap().iter().map(|b| b["x"].as_str().unwrap()).collect();
    assert!(texts.iter().any(|t| t.contains("</script><script>") && t.contains("<img src=x")));
    assert!(texts.iter().any(|t| t.contains('\u{2028}') && t.contains("<!--")));
}

#[test]
fn overview_numbers_match_summary_json() {
    let dir = tempfile::tempdir().unwrap();
    let (html, summary) = hostile_run(dir.path());
    let page = Html::parse_document(&html);
    let stats = select(&page, "[data-stat]");
    assert_eq!(stats.len(), 9);
    for stat in stats {
        let key = stat.value().attr("data-stat").unwrap();
        let shown: String = stat.text().collect::<String>().replace(',', "");
        assert_eq!(shown, summary[key].to_string(), "{key}");
    }
    assert_eq!(summary["failed"], 1);
    assert_eq!(select(&page, "table.errors tbody tr").len(), 1);

    let index = data(&page, "index");
    assert_eq!(
        index["docs"].as_array().unwrap().len() as u64,
        summary["cleaned"].as_u64().unwrap()
    );
    assert_eq!(
        index["clusters"].as_array().unwrap().len() as u64,
        summary["multi_clusters"].as_u64().unwrap()
    );
    // The histogram counts every cluster once; removals add up to the summary's.
    let bins: u64 = select(&page, "g.bin text.num")
        .iter()
        .map(|t| t.text().collect::<String>().replace(',', "").parse::<u64>().unwrap())
        .sum();
    assert_eq!(bins, summary["clusters"].as_u64().unwrap());
    let removals: u64 = summary["removals_by_class"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    let block = data(&page, "docs-0");
    let placed: usize =
        block.as_array().unwrap().iter().map(|b| b["r"].as_array().unwrap().len()).sum();
    assert_eq!(placed as u64, removals);
}

#[test]
fn every_member_of_a_cluster_has_a_diff_against_the_canonical_text() {
    let dir = tempfile::tempdir().unwrap();
    let (html, _) = hostile_run(dir.path());
    let index = data(&Html::parse_document(&html), "index");
    for cluster in index["clusters"].as_array().unwrap() {
        let members = cluster["m"].as_array().unwrap();
        assert!(members[0].get("o").is_none());
        for member in &members[1..] {
            let ops = member["o"]["ops"].as_array().unwrap();
            assert!(!ops.is_empty() && ops.len() % 3 == 0, "{member}");
        }
    }
}

/// A run of `clusters` clusters of three documents each, written as `run` writes it.
fn synthetic_run(dir: &Path, clusters: usize) -> PathBuf {
    let out = dir.join(format!("run-{clusters}"));
    fs::create_dir_all(&out).unwrap();
    let mut documents = String::new();
    let mut cluster_lines = String::new();
    for c in 0..clusters {
        let story: String = (0..120).map(|w| format!("w{} ", (c * 7 + w * 13) % 997)).collect();
        let ids: Vec<String> = (0..3).map(|k| format!("site{k}.example/story-{c}.html")).collect();
        for (k, id) in ids.iter().enumerate() {
            let text = if k == 2 { format!("An editor's intro. {story}") } else { story.clone() };
            let record = json!({
                "id": id, "title": format!("Story {c}"), "text": text,
                "meta": {"published": format!("2025-03-{:02}T{:02}:00", 1 + c % 28, k), "site": format!("site{k}.example")},
                "removed": [{"class": "header", "rule": "common.header.date_time_views", "text": "12.03.2025, 09:40 18234", "line": 0}],
                "cluster": format!("{c:016x}"), "canonical": k == 0,
            });
            documents.push_str(&record.to_string());
            documents.push('\n');
        }
        let members: Vec<Value> = ids
            .iter()
            .map(
                |id| json!({"id": id, "jaccard": 0.9, "containment": 1.0, "found_by": ["minhash"]}),
            )
            .collect();
        let line = json!({"cluster": format!("{c:016x}"), "canonical": ids[0], "members": members});
        cluster_lines.push_str(&line.to_string());
        cluster_lines.push('\n');
    }
    fs::write(out.join("documents.jsonl"), documents).unwrap();
    fs::write(out.join("clusters.jsonl"), cluster_lines).unwrap();
    let n = clusters as u64;
    let summary = json!({"read": 3 * n, "cleaned": 3 * n, "failed": 0, "skipped": 0, "seen_before": 0,
        "clusters": n, "multi_clusters": n, "duplicates": 2 * n, "template_lines_removed": 0,
        "removals_by_class": {"header": 3 * n}, "interrupted": false});
    fs::write(out.join("summary.json"), summary.to_string()).unwrap();
    out
}

fn page_bytes(run: &Path) -> Vec<u8> {
    let mut page = Vec::new();
    let stats = Report::builder()
        .build()
        .unwrap()
        .write(&RunOutput::read(run).unwrap(), &mut page)
        .unwrap();
    assert_eq!(stats.bytes, page.len() as u64);
    page
}

#[test]
fn page_size_grows_linearly_with_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let sizes: Vec<f64> = [100, 200, 400]
        .iter()
        .map(|&n| page_bytes(&synthetic_run(dir.path(), n)).len() as f64)
        .collect();
    // Doubling the run adds twice what the previous doubling added (fixed overhead aside).
    let ratio = (sizes[2] - sizes[1]) / (sizes[1] - sizes[0]);
    assert!((1.9..=2.1).contains(&ratio), "sizes {sizes:?}, ratio {ratio}");
    let per_cluster = (sizes[2] - sizes[1]) / 200.0;
    // Three documents of ~650 bytes of text each, plus their rows, removals and diffs.
    assert!(per_cluster < 3.0 * 650.0 * 1.6, "{per_cluster} bytes per cluster");
}

#[test]
fn the_same_run_gives_the_same_page() {
    let dir = tempfile::tempdir().unwrap();
    let run = synthetic_run(dir.path(), 30);
    assert_eq!(page_bytes(&run), page_bytes(&run));
}

#[test]
fn a_folder_without_a_run_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = clean_news().arg("report").arg(dir.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot read the run") && stderr.contains("summary.json"), "{stderr}");
    assert!(!dir.path().join("report.html").exists());
}
