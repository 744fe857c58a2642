//! Repost clustering and its scorer, through the public API only.
//!
//! - properties of [`Deduper`]: clusters do not depend on input order or thread count, and
//!   every member passed the accept rule against its cluster's canonical member;
//! - [`clean_news::eval`] agrees with `../shared/tools/score_clusters.py`, line for line and
//!   number for number, on a generated gold set and on the dev set. Those tests look for the
//!   shared folder at `$CLEAN_NEWS_SHARED` or `../shared` and skip (passing) when it or
//!   `python3` is absent.

#![allow(clippy::unwrap_used, clippy::print_stderr)] // a harness: fail loudly, say why it skips

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use clean_news::Cleaned;
use clean_news::dedup::{Clusters, Deduper};
use clean_news::eval::{ClusterGold, ClusterPrediction, score_clusters};
use proptest::prelude::*;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Stories with reposts (verbatim, truncated, lead only, with an intro, edited), two stories
/// sharing a paragraph, and documents without a time, with `seed` deciding everything.
fn corpus(seed: u64, stories: usize) -> Vec<Cleaned> {
    let mut rng = Rng(seed | 1);
    let vocab: Vec<String> = (0..400)
        .map(|_| (0..3 + rng.below(6)).map(|_| char::from(b'a' + rng.below(26) as u8)).collect())
        .collect();
    let words = |rng: &mut Rng, n: usize| -> String {
        (0..n).map(|_| vocab[rng.below(vocab.len())].as_str()).collect::<Vec<_>>().join(" ")
    };
    let paragraph = |rng: &mut Rng| {
        let n = 12 + rng.below(30);
        words(rng, n)
    };
    let mut docs = Vec::new();
    // A short stock paragraph that two different stories print (s % 5 == 3 and 4).
    let mut stock = words(&mut rng, 12);
    for s in 0..stories {
        let mut paras: Vec<String> = (0..3 + rng.below(6)).map(|_| paragraph(&mut rng)).collect();
        if s % 5 >= 3 {
            paras.push(stock.clone());
        }
        if s % 5 == 4 {
            stock = words(&mut rng, 12);
        }
        let day = format!("2005-02-{:02}T{:02}:00", 1 + s % 27, rng.below(24));
        let mut push = |id: String, text: String, published: Option<String>| {
            let mut doc = Cleaned { id, text, ..Cleaned::default() };
            doc.meta.published = published;
            docs.push(doc);
        };
        push(format!("s{s}"), paras.join("\n\n"), Some(day.clone()));
        for r in 0..rng.below(4) {
            let keep = 1 + rng.below(paras.len());
            let text = match rng.below(4) {
                0 => paras.join("\n\n"),
                1 => paras[..keep].join("\n\n"),
                2 => format!("{}\n\n{}", paragraph(&mut rng), paras[..keep].join("\n\n")),
                _ => paras.join("\n\n").replacen(' ', " said ", 3),
            };
            let published = (r != 1).then(|| format!("{day}:{:02}", 10 + r));
            push(format!("s{s}r{r}"), text, published);
        }
    }
    docs
}

/// The clusters as comparable data: (cluster id, canonical, sorted member ids).
fn shape(clusters: &Clusters) -> BTreeSet<(String, String, Vec<String>)> {
    clusters
        .clusters()
        .iter()
        .map(|c| {
            let mut ids: Vec<String> = c.members.iter().map(|m| m.id.clone()).collect();
            ids.sort();
            (c.id.clone(), c.canonical.clone(), ids)
        })
        .collect()
}

#[test]
fn reposts_join_their_original_and_other_stories_stay_apart() {
    let docs = corpus(7, 30);
    let clusters = Deduper::builder().build().unwrap().cluster(&docs);
    for (i, doc) in docs.iter().enumerate() {
        let cluster = clusters.cluster_of(i).unwrap();
        let story = doc.id.split('r').next().unwrap();
        // Every member of a cluster is a copy of the canonical story.
        assert!(
            cluster.members.iter().all(|m| m.id.split('r').next() == Some(story)),
            "{} in {:?}",
            doc.id,
            cluster.members
        );
    }
    assert!(clusters.multi().count() > 5);
}

#[test]
fn clusters_serialise_as_the_cli_writes_them() {
    let docs = corpus(3, 4);
    let clusters = Deduper::builder().build().unwrap().cluster(&docs);
    let cluster = clusters.multi().next().unwrap();
    let json = serde_json::to_value(cluster).unwrap();
    assert_eq!(json["cluster"], cluster.id.as_str());
    assert_eq!(json["canonical"], json["members"][0]["id"]);
    assert!(json["members"][1]["containment"].as_f64().unwrap() >= 0.5);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn clusters_do_not_depend_on_input_order(seed in any::<u64>(), rotate in 0usize..50) {
        let docs = corpus(seed, 12);
        let deduper = Deduper::builder().build().unwrap();
        let mut shuffled = docs.clone();
        let len = shuffled.len();
        shuffled.rotate_left(rotate % len);
        shuffled.reverse();
        prop_assert_eq!(shape(&deduper.cluster(&docs)), shape(&deduper.cluster(&shuffled)));
    }

    #[test]
    fn clusters_do_not_depend_on_thread_count(seed in any::<u64>()) {
        let docs = corpus(seed, 12);
        let deduper = Deduper::builder().build().unwrap();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| deduper.cluster(&docs))
        };
        prop_assert_eq!(run(1), run(4));
    }

    #[test]
    fn every_member_passed_the_accept_rule_against_the_canonical(seed in any::<u64>()) {
        let docs = corpus(seed, 12);
        let deduper = Deduper::builder().build().unwrap();
        let clusters = deduper.cluster(&docs);
        let sign = |id: &str| deduper.sign(&docs.iter().find(|d| d.id == id).unwrap().text);
        for cluster in clusters.multi() {
            let centre = sign(&cluster.canonical);
            for member in &cluster.members[1..] {
                let sig = sign(&member.id);
                prop_assert!(deduper.verify(&sig, &centre).accepted,
                    "{} joined {} with containment {}", member.id, cluster.canonical, member.containment);
            }
        }
    }
}

/// The shared folder (`$CLEAN_NEWS_SHARED`, else `../shared`) if it and `python3` are there.
fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("CLEAN_NEWS_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let has_python =
        Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success());
    if dir.join("tools/score_clusters.py").exists() && has_python {
        Some(dir)
    } else {
        eprintln!("skipped: no ../shared/tools/score_clusters.py or no python3");
        None
    }
}

/// Runs the reference scorer and checks our text report and JSON against it.
fn agree_with_python(shared: &Path, gold_dir: &Path, pred: &Path) {
    let script = shared.join("tools/score_clusters.py");
    let run = |json: bool| {
        let mut cmd = Command::new("python3");
        cmd.arg(&script);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.arg(gold_dir).arg(pred).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let gold = ClusterGold::read(gold_dir).unwrap();
    let report = score_clusters(&gold, &ClusterPrediction::read(pred, &gold).unwrap());
    assert_eq!(report.to_text(), run(false));
    let python_json = run(true);
    let object = python_json.rsplit_once("SUMMARY").unwrap().0;
    let want: serde_json::Value = serde_json::from_str(object).unwrap();
    let got = serde_json::to_value(&report).unwrap();
    assert_json_close(&got, &want, "$");
}

fn assert_json_close(got: &serde_json::Value, want: &serde_json::Value, at: &str) {
    use serde_json::Value;
    match (got, want) {
        (Value::Number(g), Value::Number(w)) => {
            let (g, w) = (g.as_f64().unwrap(), w.as_f64().unwrap());
            assert!((g - w).abs() <= 1e-12 * w.abs().max(1.0), "{at}: {g} != {w}");
        }
        (Value::Object(g), Value::Object(w)) => {
            assert_eq!(g.keys().collect::<Vec<_>>(), w.keys().collect::<Vec<_>>(), "{at}");
            for (k, v) in w {
                assert_json_close(&g[k], v, &format!("{at}.{k}"));
            }
        }
        (Value::Array(g), Value::Array(w)) => {
            assert_eq!(g.len(), w.len(), "{at}");
            for (i, (g, w)) in g.iter().zip(w).enumerate() {
                assert_json_close(g, w, &format!("{at}[{i}]"));
            }
        }
        _ => assert_eq!(got, want, "{at}"),
    }
}

#[test]
fn eval_agrees_with_the_reference_scorer_on_a_generated_set() {
    let Some(shared) = shared() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(42);
    let transforms = ["verbatim", "truncated", "lead_teaser", "light_edit", "singleton"];
    let (mut gold, mut docs, mut clusters) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..120 {
        let cluster = rng.below(40);
        let t = if cluster >= 30 { "singleton" } else { transforms[rng.below(4)] };
        let cluster = if t == "singleton" { 100 + i } else { cluster };
        gold.push(format!(
            r#"{{"id":"d{i:03}","cluster":"c{cluster}","story":"s","transform":"{t}"}}"#
        ));
        // Mostly right, some moved, a few merged, some left out (singletons by default).
        let pred = match rng.below(10) {
            0 => Some(format!("c{}", rng.below(40))),
            1 => None,
            2 => Some("c0".to_owned()),
            _ => Some(format!("c{cluster}")),
        };
        if let Some(p) = &pred {
            docs.push(format!(r#"{{"id":"d{i:03}","cluster":"{p}"}}"#));
            clusters.push((p.clone(), format!("d{i:03}")));
        } else if i % 3 == 0 {
            docs.push(format!(r#"{{"id":"d{i:03}","cluster":null}}"#));
        }
    }
    docs.push(r#"{"id":"nobody","cluster":"c1"}"#.to_owned());
    docs.push(r#"{"id":"d001","cluster":"c9"}"#.to_owned());
    let hard = [
        r#"{"a":"d001","b":"d002","kind":"same_site_teaser"}"#,
        r#"{"a":"d003","b":"d004","kind":"related_story"}"#,
        r#"{"a":"d005","b":"nobody","kind":"related_story"}"#,
        r#"{"a":"d006","b":"d007","kind":"same_site_teaser"}"#,
        r#"{"a":"d008","b":"d009"}"#,
    ];
    std::fs::write(dir.path().join("gold.jsonl"), gold.join("\n")).unwrap();
    std::fs::write(dir.path().join("hard_negatives.jsonl"), hard.join("\n")).unwrap();
    let documents = dir.path().join("documents.jsonl");
    std::fs::write(&documents, docs.join("\n")).unwrap();
    agree_with_python(&shared, dir.path(), &documents);

    // The same prediction as clusters.jsonl, members as objects and as plain ids.
    clusters.sort();
    let mut rows = Vec::new();
    for (p, ids) in clusters.chunk_by(|a, b| a.0 == b.0).map(|run| (&run[0].0, run)) {
        let members: Vec<String> = ids
            .iter()
            .enumerate()
            .map(
                |(k, (_, id))| {
                    if k % 2 == 0 { format!(r#"{{"id":"{id}"}}"#) } else { format!(r#""{id}""#) }
                },
            )
            .collect();
        rows.push(format!(
            r#"{{"cluster":"{p}","canonical":"{}","members":[{}]}}"#,
            ids[0].1,
            members.join(",")
        ));
    }
    rows.push(r#"{"canonical":"d010","members":["d010","d011"]}"#.to_owned());
    let pred_dir = tempfile::tempdir().unwrap();
    std::fs::write(pred_dir.path().join("clusters.jsonl"), rows.join("\n")).unwrap();
    agree_with_python(&shared, dir.path(), pred_dir.path());
}

#[test]
fn eval_agrees_with_the_reference_scorer_on_the_dev_set() {
    let Some(shared) = shared() else { return };
    let gold_dir = shared.join("data/neardup/bbc-repost-dev");
    let Ok(text) = std::fs::read_to_string(gold_dir.join("gold.jsonl")) else { return };
    // The gold clusters with every seventh document moved to its neighbour's cluster.
    let mut rows = Vec::new();
    let mut previous = String::new();
    for (i, line) in text.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let (id, cluster) = (v["id"].as_str().unwrap(), v["cluster"].as_str().unwrap().to_owned());
        let p = if i % 7 == 3 { previous.clone() } else { cluster.clone() };
        rows.push(format!(r#"{{"id":"{id}","cluster":"{p}"}}"#));
        previous = cluster;
    }
    let dir = tempfile::tempdir().unwrap();
    let pred = dir.path().join("documents.jsonl");
    std::fs::write(&pred, rows.join("\n")).unwrap();
    agree_with_python(&shared, &gold_dir, &pred);
}

#[test]
fn an_incremental_run_equals_a_one_shot_run() {
    use clean_news::dedup::{Item, Prior, published_seconds};
    let docs = corpus(11, 40);
    let deduper = Deduper::builder().build().unwrap();
    let one_shot = shape(&deduper.cluster(&docs));

    // Day one: the dated documents of the first 20 days; day two: the rest (undated ones come
    // last in the clustering order, so they belong to the second run).
    let time = |d: &Cleaned| d.meta.published.as_deref().and_then(published_seconds);
    let cut = published_seconds("2005-02-21").unwrap();
    let (first, second): (Vec<&Cleaned>, Vec<&Cleaned>) =
        docs.iter().partition(|d| time(d).is_some_and(|t| t < cut));
    let sigs: Vec<_> = docs.iter().map(|d| deduper.sign(&d.text)).collect();
    fn item_of<'a>(d: &'a Cleaned, sig: &'a clean_news::dedup::Signature) -> Item<'a> {
        let mut item = Item::new(&d.id, sig);
        item.published = d.meta.published.as_deref().and_then(published_seconds);
        item
    }
    let sig_of = |d: &Cleaned| &sigs[docs.iter().position(|x| x.id == d.id).unwrap()];
    let day_one =
        deduper.cluster_items(&first.iter().map(|d| item_of(d, sig_of(d))).collect::<Vec<_>>());
    let remembered: Vec<(String, String, bool)> = first
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let c = day_one.cluster_of(i).unwrap();
            (d.id.clone(), c.id.clone(), c.canonical == d.id)
        })
        .collect();
    let mut items: Vec<Item<'_>> = first
        .iter()
        .zip(&remembered)
        .map(|(d, (_, cluster, canonical))| {
            let mut it = item_of(d, sig_of(d));
            it.prior = Some(Prior { cluster, canonical: *canonical });
            it
        })
        .collect();
    items.extend(second.iter().map(|d| item_of(d, sig_of(d))));
    let day_two = deduper.cluster_items(&items);
    assert_eq!(shape(&day_two), one_shot);
    // Some of day two's documents joined clusters remembered from day one.
    let old: BTreeSet<&str> = remembered.iter().map(|(_, c, _)| c.as_str()).collect();
    assert!(
        (first.len()..items.len())
            .any(|i| old.contains(day_two.cluster_of(i).unwrap().id.as_str()))
    );
}

#[test]
fn odd_texts_never_panic() {
    let deduper = Deduper::builder().build().unwrap();
    let texts = [
        "",
        "\n\n\n",
        "<",
        "&#x;",
        "a",
        "\u{feff}\u{200b}",
        &"word ".repeat(20_000),
        "ǅ\u{301}\u{302}",
    ];
    let docs: Vec<Cleaned> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| Cleaned { id: format!("{i}"), text: (*t).to_owned(), ..Cleaned::default() })
        .collect();
    let clusters = deduper.cluster(&docs);
    assert_eq!(clusters.documents(), docs.len());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_text_signs_and_any_bytes_decode_without_panic(text in any::<String>(),
                                                          bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let deduper = Deduper::builder().build().unwrap();
        let sig = deduper.sign(&text);
        prop_assert_eq!(deduper.decode(&sig.to_bytes()).unwrap(), sig);
        let _ = deduper.decode(&bytes);
    }
}

#[test]
fn signatures_are_bounded_whatever_the_text_length_and_survive_encoding() {
    let deduper = Deduper::builder().build().unwrap();
    let mut rng = Rng(11);
    let long: String = (0..400)
        .map(|_| (0..50).map(|_| format!("w{}", rng.below(5000))).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n\n");
    let sig = deduper.sign(&long);
    assert!(sig.shingle_count() > 15_000);
    let bytes = sig.to_bytes();
    assert!(bytes.len() < 1024, "{} bytes", bytes.len());
    assert!(sig.heap_bytes() < 1024);
    let back = deduper.decode(&bytes).unwrap();
    assert_eq!(back, sig);
    // A truncated copy of it is found and accepted from the decoded signature alone.
    let cut: String = long.chars().take(long.len() / 3).collect();
    let copy = deduper.sign(&cut);
    let v = deduper.verify(&copy, &back);
    assert!(v.accepted && v.containment > 0.8, "{v:?}");
    assert!(deduper.band_keys(&copy).iter().any(|k| deduper.band_keys(&back).contains(k)));
}
