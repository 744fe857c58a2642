//! Runs the deduplicator over a labelled near-duplicate set and writes `clusters.jsonl`.
//!
//! ```text
//! cargo run --release --example dedup_dev -- DOCS.jsonl OUT.jsonl [GOLD.jsonl] [TOML]
//! ../shared/tools/score_clusters.py ../shared/data/neardup/bbc-repost-dev OUT.jsonl
//! ```
//!
//! `DOCS.jsonl` holds `{"id","site","published","text"}` per page, site templates included.
//! Template removal (step 4, `clean::site`) is not this example's business, so it uses a
//! stand-in: drop every line found on 3 or more pages of the same site, the rule of the
//! baselines in `ANCHORS.md` §2. With `GOLD.jsonl` (`{"id","cluster"}`) it also prints how
//! many true pairs each LSH table found. `TOML` overrides `DedupConfig` fields
//! (`'min_shingles = 10'`).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::time::Instant;

use clean_news::Cleaned;
use clean_news::dedup::{DedupConfig, Deduper, FoundBy, Item, published_seconds};

/// Lines on at least this many pages of one site are template (the baselines' rule).
const TEMPLATE_MIN_PAGES: usize = 3;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [docs_path, out_path, rest @ ..] = args.as_slice() else {
        return Err("usage: dedup_dev DOCS.jsonl OUT.jsonl [GOLD.jsonl] [TOML]".into());
    };
    let gold_path = rest.first().filter(|p| !p.is_empty());
    let config: DedupConfig = match rest.get(1) {
        Some(toml_text) => toml::from_str(toml_text)?,
        None => DedupConfig::default(),
    };

    let mut pages = Vec::new();
    for line in BufReader::new(std::fs::File::open(docs_path)?).lines() {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        let field = |k: &str| match v.get(k) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        pages.push((field("id"), field("site"), field("published"), field("text")));
    }
    let docs = remove_templates(&pages);

    let deduper = Deduper::builder().config(config).build()?;
    let started = Instant::now();
    let clusters = deduper.cluster(&docs);
    let took = started.elapsed().as_secs_f64();
    eprintln!(
        "{} documents, {} clusters ({} of 2+) in {:.3} s: {:.0} docs/s",
        docs.len(),
        clusters.clusters().len(),
        clusters.multi().count(),
        took,
        docs.len() as f64 / took
    );

    if std::env::var_os("DEDUP_DEV_STAGES").is_some() {
        let t = Instant::now();
        let sigs: Vec<_> = docs.iter().map(|d| deduper.sign(&d.text)).collect();
        let signed = t.elapsed().as_secs_f64();
        let items: Vec<Item<'_>> = docs
            .iter()
            .zip(&sigs)
            .map(|(d, s)| {
                let mut item = Item::new(&d.id, s);
                item.published = d.meta.published.as_deref().and_then(published_seconds);
                item
            })
            .collect();
        let t = Instant::now();
        let edges = deduper.edges(&items);
        let edged = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let _ = deduper.cluster_items(&items);
        let clustered = t.elapsed().as_secs_f64();
        let n = docs.len() as f64;
        let bytes: usize = sigs.iter().map(|s| s.encoded_len()).sum();
        let shingles: usize = sigs.iter().map(|s| s.shingle_count() as usize).sum();
        eprintln!(
            "signature: {:.0} bytes encoded, {:.0} shingles on average",
            bytes as f64 / n,
            shingles as f64 / n
        );
        eprintln!(
            "sign {:.0} docs/s; candidates+verify {:.0} docs/s ({} edges); all of cluster_items {:.0} docs/s",
            n / signed,
            n / edged,
            edges.len(),
            n / clustered
        );
    }

    let mut out = BufWriter::new(std::fs::File::create(out_path)?);
    for cluster in clusters.multi() {
        serde_json::to_writer(&mut out, cluster)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;

    if let Some(gold_path) = gold_path {
        report_candidates(&deduper, &docs, gold_path)?;
    }
    if std::env::var_os("DEDUP_DEV_EXACT").is_some() {
        compare_with_all_pairs(&deduper, &docs, &clusters);
    }
    Ok(())
}

/// The stand-in for site-template removal: lines on `TEMPLATE_MIN_PAGES` pages of a site go.
fn remove_templates(pages: &[(String, String, String, String)]) -> Vec<Cleaned> {
    let mut count: HashMap<(&str, &str), usize> = HashMap::new();
    for (_, site, _, text) in pages {
        let mut seen: Vec<&str> = text.lines().map(str::trim).collect();
        seen.sort_unstable();
        seen.dedup();
        for line in seen {
            *count.entry((site.as_str(), line)).or_default() += 1;
        }
    }
    pages
        .iter()
        .map(|(id, site, published, text)| {
            let kept: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| {
                    // Pages without a site have no template to learn.
                    !l.is_empty()
                        && (site.is_empty() || count[&(site.as_str(), *l)] < TEMPLATE_MIN_PAGES)
                })
                .collect();
            let mut doc = Cleaned { id: id.clone(), text: kept.join("\n\n"), ..Cleaned::default() };
            doc.meta.published = Some(published.clone());
            doc.meta.site = Some(site.clone());
            doc
        })
        .collect()
}

/// Checks every pair exactly (quadratic) and counts the accepted pairs LSH did not propose,
/// and among them those between a centre and a later document outside its cluster: the only
/// misses that could change the clusters.
fn compare_with_all_pairs(
    deduper: &Deduper,
    docs: &[Cleaned],
    clusters: &clean_news::dedup::Clusters,
) {
    use rayon::prelude::*;
    let sigs: Vec<_> = docs.par_iter().map(|d| deduper.sign(&d.text)).collect();
    let items: Vec<Item<'_>> = docs.iter().zip(&sigs).map(|(d, s)| Item::new(&d.id, s)).collect();
    let proposed: std::collections::HashSet<(usize, usize)> =
        deduper.edges(&items).iter().map(|e| (e.a, e.b)).collect();
    let time = |i: usize| docs[i].meta.published.clone().unwrap_or_default();
    let missed: Vec<(usize, usize)> = (0..docs.len())
        .into_par_iter()
        .flat_map_iter(|a| {
            let (sigs, proposed) = (&sigs, &proposed);
            (a + 1..docs.len()).filter_map(move |b| {
                (deduper.verify(&sigs[a], &sigs[b]).accepted && !proposed.contains(&(a, b)))
                    .then_some((a, b))
            })
        })
        .collect();
    let harmful = missed
        .iter()
        .filter(|&&(a, b)| {
            let (first, later) = if time(a) <= time(b) { (a, b) } else { (b, a) };
            let centre = clusters.cluster_of(first).is_some_and(|c| c.canonical == docs[first].id);
            let together = clusters.cluster_of(first).map(|c| &c.id)
                == clusters.cluster_of(later).map(|c| &c.id);
            if centre && !together {
                let (sa, sb) = (sigs[first].shingle_count(), sigs[later].shingle_count());
                let v = deduper.verify(&sigs[first], &sigs[later]);
                let (j, c) = (v.jaccard, v.containment);
                eprintln!(
                    "  centre {} later {} sizes {} {} J {j:.3} C {c:.3}",
                    docs[first].id, docs[later].id, sa, sb
                );
            }
            centre && !together
        })
        .count();
    eprintln!(
        "all pairs: {} accepted pairs not proposed by LSH, {harmful} of them to a centre",
        missed.len()
    );
}

/// For every pair of one gold cluster whose exact containment passes the accept rule: which
/// tables proposed it.
fn report_candidates(
    deduper: &Deduper,
    docs: &[Cleaned],
    gold_path: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut gold: HashMap<String, String> = HashMap::new();
    for line in BufReader::new(std::fs::File::open(gold_path)?).lines() {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        let get = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or_default().to_owned();
        gold.insert(get("id"), get("cluster"));
    }
    let sigs: Vec<_> = docs.iter().map(|d| deduper.sign(&d.text)).collect();
    let items: Vec<Item<'_>> = docs
        .iter()
        .zip(&sigs)
        .map(|(d, s)| {
            let mut item = Item::new(&d.id, s);
            item.published = d.meta.published.as_deref().and_then(published_seconds);
            item
        })
        .collect();
    let edges = deduper.edges(&items);
    let found: HashMap<(usize, usize), FoundBy> =
        edges.iter().map(|e| ((e.a, e.b), e.found_by)).collect();
    let mut by_cluster: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, d) in docs.iter().enumerate() {
        if let Some(c) = gold.get(&d.id) {
            by_cluster.entry(c).or_default().push(i);
        }
    }
    let (mut total, mut any) = (0usize, 0usize);
    let show_misses = std::env::var_os("DEDUP_DEV_MISSES").is_some();
    let mut alone: BTreeMap<&str, usize> = BTreeMap::new();
    let mut with: BTreeMap<&str, usize> = BTreeMap::new();
    for members in by_cluster.values() {
        for (x, &a) in members.iter().enumerate() {
            for &b in &members[x + 1..] {
                let (sa, sb) = (sigs[a].shingle_count(), sigs[b].shingle_count());
                let v = deduper.verify(&sigs[a], &sigs[b]);
                if !v.accepted {
                    continue;
                }
                total += 1;
                let f = found.get(&(a.min(b), a.max(b))).copied().unwrap_or_default();
                if !f.is_empty() {
                    any += 1;
                } else if show_misses {
                    // The share of MinHash bands where the two signatures agree.
                    let est = |x: &[u32], y: &[u32]| {
                        let same = x.iter().zip(y).filter(|(p, q)| p == q).count();
                        same as f64 / x.len().min(y.len()).max(1) as f64
                    };
                    let (j, c) = (v.jaccard, v.containment);
                    eprintln!(
                        "miss {} {} sizes {sa} {sb} J {j:.3} C {c:.3} bands agreeing {:.3}",
                        docs[a].id,
                        docs[b].id,
                        est(sigs[a].bands(), sigs[b].bands()),
                    );
                }
                for name in f.names() {
                    *with.entry(name).or_default() += 1;
                }
                let names: Vec<_> = f.names().collect();
                if let [only] = names.as_slice() {
                    *alone.entry(only).or_default() += 1;
                }
            }
        }
    }
    if std::env::var_os("DEDUP_DEV_PAIRS").is_some() {
        // Every accepted candidate pair: same gold story or not, and its scores.
        for e in edges.iter().filter(|e| e.accepted) {
            let same = gold.contains_key(&docs[e.a].id)
                && gold.get(&docs[e.a].id) == gold.get(&docs[e.b].id);
            let v = deduper.verify(&sigs[e.a], &sigs[e.b]);
            eprintln!(
                "pair {} {} {} sizes {} {} J {:.3} C {:.3} lead {:.3}",
                if same { "same" } else { "diff" },
                docs[e.a].id,
                docs[e.b].id,
                sigs[e.a].shingle_count(),
                sigs[e.b].shingle_count(),
                v.jaccard,
                v.containment,
                v.lead_containment
            );
        }
    }
    let accepted = edges.iter().filter(|e| e.accepted).count();
    eprintln!("candidates {} (accepted {accepted})", edges.len());
    eprintln!("true pairs passing the accept rule: {total}; proposed by any table: {any}");
    for (name, n) in &with {
        let only = alone.get(name).copied().unwrap_or(0);
        eprintln!("  {name:8} {n:6} ({:.4}), only by it {only}", *n as f64 / total.max(1) as f64);
    }
    Ok(())
}
