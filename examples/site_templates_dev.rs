//! Measures site-template learning (`clean_news::clean::site`) on a labelled dev set whose
//! pages keep their site's template, such as `bbc-repost-dev`:
//!
//! ```text
//! cargo run --release --example site_templates_dev -- ../shared/data/neardup/bbc-repost-dev/docs.jsonl
//! ```
//!
//! Input: JSON Lines with `id`, `site` and `text` (one block per line). The cleaner is not
//! run: each page becomes a `Cleaned` with its text as it is, so the figures are those of
//! this step alone. Profiles are learned from all pages, then applied to each.
//!
//! What it prints, per site and in total:
//!
//! - **clean edges**: the share of pages from which every header and footer template line
//!   is gone. Which lines those are comes from the page layout, not from the learner: the
//!   lines before the headline (edition, masthead, menu, section), the date line after it
//!   and the site's frequent lines that follow (byline, share line); and everything from
//!   the first line after the article that is on at least 90 % of the site's pages (the
//!   share line) to the end (comments, related header, teasers, subscribe, legal links,
//!   copyright).
//! - **body removed**: lines between header and footer that were removed, other than the
//!   site's frequent lines ("Advertisement"); **cross-site**: of those, lines that occur on
//!   two or more sites, and among them the paragraphs (sentences and lines of 12 words or
//!   more, the lines `clean::site` never learns across sites). The target is 0 paragraphs.
//!
//! Lines are compared with digit runs masked, so the site's date and comment-count lines
//! count as its frequent lines.
//!
//! Options: `--show N` prints the lines left on the first N pages that are not clean, and
//! every cross-site paragraph removed;
//! `--profiles FILE` saves the learned profiles.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;
use std::time::Instant;

use clean_news::Cleaned;
use clean_news::clean::site::{SiteConfig, SiteProfiles};
use clean_news::normalize::for_matching;

#[derive(serde::Deserialize)]
struct Page {
    id: String,
    site: String,
    #[serde(default)]
    title: Option<String>,
    text: String,
}

/// Lines on fewer pages than this are never the site's (on a site of three pages, one page
/// is a third).
const MIN_PAGES: usize = 2;
/// Lines on at least this share of a site's pages are part of every page's frame.
const UNIVERSAL_SHARE: f64 = 0.9;
/// Lines on at least this share of a site's pages are the site's, not the story's.
const FREQUENT_SHARE: f64 = 0.05;

#[derive(Default)]
struct SiteFigures {
    pages: usize,
    learned: bool,
    clean: usize,
    edge_lines: usize,
    edge_left: usize,
    frequent_body: usize,
    frequent_body_removed: usize,
    body_removed: usize,
    cross_site_removed: usize,
    cross_site_paragraphs_removed: usize,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut path = None;
    let mut show = 0usize;
    let mut profiles_out = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--show" => show = args.next().ok_or("--show needs N")?.parse()?,
            "--profiles" => profiles_out = Some(args.next().ok_or("--profiles needs FILE")?),
            _ => path = Some(arg),
        }
    }
    let path = path.ok_or("usage: site_templates_dev DOCS.jsonl [--show N] [--profiles FILE]")?;
    let reader = std::io::BufReader::new(std::fs::File::open(&path)?);
    let mut pages = Vec::new();
    for line in reader.lines() {
        let line = line?;
        if !line.trim().is_empty() {
            pages.push(serde_json::from_str::<Page>(&line)?);
        }
    }

    // The layout oracle's per-site line frequencies (raw lines, counted once per page).
    let mut site_pages: HashMap<&str, usize> = HashMap::new();
    let mut line_pages: HashMap<(&str, String), usize> = HashMap::new();
    let mut line_sites: HashMap<String, HashSet<&str>> = HashMap::new();
    for p in &pages {
        *site_pages.entry(&p.site).or_default() += 1;
        let distinct: std::collections::BTreeSet<String> =
            p.text.split('\n').map(digits_masked).collect();
        for l in distinct {
            *line_pages.entry((&p.site, l)).or_default() += 1;
        }
        for l in p.text.split('\n') {
            line_sites.entry(for_matching(l)).or_default().insert(&p.site);
        }
    }
    let share = |site: &str, line: &str| {
        let n = line_pages.get(&(site, digits_masked(line))).copied().unwrap_or(0);
        if n < MIN_PAGES {
            0.0
        } else {
            n as f64 / site_pages.get(site).copied().unwrap_or(1) as f64
        }
    };

    let docs: Vec<Cleaned> = pages
        .iter()
        .map(|p| {
            let mut c = Cleaned { id: p.id.clone(), text: p.text.clone(), ..Cleaned::default() };
            c.meta.site = Some(p.site.clone());
            c
        })
        .collect();
    let start = Instant::now();
    let profiles = SiteProfiles::learn(&docs, &SiteConfig::default())?;
    let learn_secs = start.elapsed().as_secs_f64();
    if let Some(out) = &profiles_out {
        profiles.save(out)?;
    }
    let start = Instant::now();
    let cleaned: Vec<Cleaned> = docs
        .into_iter()
        .map(|mut d| {
            profiles.apply(&mut d);
            d
        })
        .collect();
    let apply_secs = start.elapsed().as_secs_f64();

    let mut figures: BTreeMap<&str, SiteFigures> = BTreeMap::new();
    let mut no_layout = 0usize;
    let mut shown = 0usize;
    for (page, doc) in pages.iter().zip(&cleaned) {
        let site = page.site.as_str();
        let f = figures.entry(site).or_default();
        f.pages += 1;
        f.learned = profiles.site(site).is_some_and(|p| p.learned);
        let lines: Vec<&str> = page.text.split('\n').collect();
        let Some((body_start, footer_start)) = layout(page, &lines, |l| share(site, l)) else {
            no_layout += 1;
            continue;
        };
        let removed: HashSet<usize> = doc.removed.iter().map(|r| r.line).collect();
        let title = lines.iter().position(|l| is_headline(page, l)).unwrap_or(0);
        let edges: Vec<usize> =
            (0..body_start).filter(|&i| i != title).chain(footer_start..lines.len()).collect();
        let left: Vec<usize> = edges.iter().copied().filter(|i| !removed.contains(i)).collect();
        f.edge_lines += edges.len();
        f.edge_left += left.len();
        if left.is_empty() {
            f.clean += 1;
        } else if shown < show {
            shown += 1;
            println!("{} ({site}) keeps:", page.id);
            for i in &left {
                println!("    {i:>3} {}", lines[*i]);
            }
        }
        for (i, line) in lines.iter().enumerate().take(footer_start).skip(body_start) {
            let frequent = share(site, line) >= FREQUENT_SHARE;
            if frequent {
                f.frequent_body += 1;
                f.frequent_body_removed += usize::from(removed.contains(&i));
            } else if removed.contains(&i) {
                f.body_removed += 1;
                let sites = line_sites.get(&for_matching(line)).map_or(0, HashSet::len);
                if sites >= 2 {
                    f.cross_site_removed += 1;
                    if is_paragraph(line) {
                        f.cross_site_paragraphs_removed += 1;
                        if show > 0 {
                            println!("{} ({site}) lost cross-site paragraph {i}: {line}", page.id);
                        }
                    }
                }
            }
        }
    }

    println!(
        "{:<28} {:>5} {:>7} {:>11} {:>12} {:>10} {:>12} {:>10} {:>10}",
        "site",
        "pages",
        "learned",
        "clean edges",
        "edge lines",
        "ads gone",
        "body removed",
        "cross-site",
        "paragraphs"
    );
    let mut total = SiteFigures::default();
    let mut learned_total = SiteFigures::default();
    for (site, f) in &figures {
        println!(
            "{:<28} {:>5} {:>7} {:>10.1}% {:>5}/{:<6} {:>4}/{:<5} {:>12} {:>10} {:>10}",
            site,
            f.pages,
            if f.learned { "yes" } else { "no" },
            100.0 * f.clean as f64 / f.pages.max(1) as f64,
            f.edge_lines - f.edge_left,
            f.edge_lines,
            f.frequent_body_removed,
            f.frequent_body,
            f.body_removed,
            f.cross_site_removed,
            f.cross_site_paragraphs_removed
        );
        for t in [&mut total].into_iter().chain(f.learned.then_some(&mut learned_total)) {
            t.pages += f.pages;
            t.clean += f.clean;
            t.edge_lines += f.edge_lines;
            t.edge_left += f.edge_left;
            t.body_removed += f.body_removed;
            t.cross_site_removed += f.cross_site_removed;
            t.cross_site_paragraphs_removed += f.cross_site_paragraphs_removed;
        }
    }
    let pct = |f: &SiteFigures| 100.0 * f.clean as f64 / f.pages.max(1) as f64;
    println!(
        "\nsites that learned: {} pages, {:.2}% with clean edges, edge lines removed {}/{}",
        learned_total.pages,
        pct(&learned_total),
        learned_total.edge_lines - learned_total.edge_left,
        learned_total.edge_lines
    );
    println!("all sites:          {} pages, {:.2}% with clean edges", total.pages, pct(&total));
    println!(
        "body lines removed: {}; of which on two or more sites: {} ({} paragraphs, {} short \
         fragments); pages without a layout: {}",
        total.body_removed,
        total.cross_site_removed,
        total.cross_site_paragraphs_removed,
        total.cross_site_removed - total.cross_site_paragraphs_removed,
        no_layout
    );
    println!(
        "learn {:.3} s, apply {:.3} s ({:.0} pages/s)",
        learn_secs,
        apply_secs,
        pages.len() as f64 / apply_secs.max(1e-9)
    );
    Ok(())
}

/// Whether `line` is the page's headline (the title, maybe with a site suffix).
fn is_headline(page: &Page, line: &str) -> bool {
    let Some(title) = page.title.as_deref() else { return false };
    !line.is_empty()
        && (title == line
            || title
                .strip_prefix(line)
                .is_some_and(|rest| rest.starts_with(" | ") || rest.starts_with(" - ")))
}

/// Where the article starts and the footer starts, from the layout of the dev set's pages:
/// headline, date line, the site's frequent lines (byline, share), article, then the first
/// line of the site's frame.
fn layout(page: &Page, lines: &[&str], share: impl Fn(&str) -> f64) -> Option<(usize, usize)> {
    let title = lines.iter().position(|l| is_headline(page, l))?;
    let mut body_start = title + 2;
    while body_start < lines.len() && share(lines[body_start]) >= FREQUENT_SHARE {
        body_start += 1;
    }
    let footer_start = (body_start..lines.len()).find(|&i| share(lines[i]) >= UNIVERSAL_SHARE)?;
    Some((body_start.min(footer_start), footer_start))
}

/// A line with its digit runs replaced by `0`: counts and times vary from page to page.
fn digits_masked(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        if c.is_ascii_digit() {
            if !out.ends_with('0') {
                out.push('0');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A paragraph in the sense of the rule "never across sites": a sentence or a long line
/// (what `clean::site` calls `sentence` and `long`, with its default of 12 words).
fn is_paragraph(line: &str) -> bool {
    let matching = for_matching(line);
    let words = clean_news::normalize::words(&matching).count();
    let end = matching.trim_end_matches(['"', '\'', ')', ']', ' ']);
    words >= 12 || end.ends_with(['.', '!', '…'])
}
