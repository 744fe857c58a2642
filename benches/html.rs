//! HTML extraction throughput (`clean::html::extract`, and `Cleaner::clean` on HTML), in
//! bytes per second.
//!
//! Inputs: a synthetic news page written here (site chrome, an article of 12 paragraphs, a
//! comment thread, a footer), and, when it has been unpacked into `target/eval-data`, the
//! first 100 pages of the trafilatura evaluation set (skipped otherwise: no eval data is
//! kept in the repository).
//!
//! `cargo bench --bench html`; compare with `--save-baseline before` / `--baseline before`.
#![allow(clippy::unwrap_used)] // bench setup: built-in packs always build

use std::hint::black_box;

use clean_news::clean::html;
use clean_news::input::{Reader, Source};
use clean_news::{Body, Cleaner, Document};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn synthetic_page() -> String {
    let mut page = String::from(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Bridge closed as river rises | Valley Times</title>\
         <meta property=\"article:published_time\" content=\"2024-06-25T14:25:00+01:00\">\
         <script>window.dataLayer = [];</script><style>body{margin:0}</style></head><body>\
         <header><nav><ul>",
    );
    for i in 0..40 {
        page.push_str(&format!("<li><a href=\"/section/{i}\">Section {i}</a></li>"));
    }
    page.push_str("</ul></nav></header><main><article><h1>Bridge closed as river rises</h1>");
    for i in 0..12 {
        page.push_str(&format!(
            "<p>Paragraph {i}: the river rose by two metres overnight, and the town closed its \
             lower bridge, officials said on <a href=\"/t\">Tuesday</a>, adding that residents \
             on the east bank should move their cars before noon.</p>"
        ));
    }
    page.push_str("<div class=\"share\"><a href=#>Facebook</a><a href=#>X</a></div></article>");
    page.push_str("<section id=\"comments\">");
    for i in 0..30 {
        page.push_str(&format!(
            "<div class=comment><p>Reader {i}: thanks, I live there, and it was wet.</p></div>"
        ));
    }
    page.push_str("</section></main><footer><p>© Valley Times. All rights reserved.</p></footer></body></html>");
    page
}

fn eval_pages() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/eval-data/trafilatura-eval/html");
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    // Read as `clean-news` reads them, so the charset is decoded the production way.
    let Ok(reader) = Reader::builder().build() else { return Vec::new() };
    reader
        .read(paths.into_iter().take(100).map(Source::Path))
        .filter_map(|item| match item.ok()?.doc.body {
            Body::Html(html) => Some(html),
            Body::Text(_) => None,
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let page = synthetic_page();
    let cleaner = Cleaner::builder().build().unwrap();
    let mut group = c.benchmark_group("html");
    group.throughput(Throughput::Bytes(page.len() as u64));
    group.bench_function("extract/synthetic", |b| b.iter(|| html::extract(black_box(&page))));
    let doc = Document::html("synthetic", page.clone());
    group.bench_function("clean/synthetic", |b| b.iter(|| cleaner.clean(black_box(&doc))));
    let pages = eval_pages();
    if !pages.is_empty() {
        let bytes: usize = pages.iter().map(String::len).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.sample_size(10);
        group.bench_function("extract/trafilatura-eval-100", |b| {
            b.iter(|| {
                for p in &pages {
                    black_box(html::extract(p));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
