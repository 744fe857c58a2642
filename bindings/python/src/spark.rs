//! The native stages of the Spark job (`python/clean_news/spark.py`): each takes an Arrow
//! record batch from `mapInArrow` and returns one, and each runs a step of the library's
//! batch core (`clean_news::pipeline::job`), the one `clean-news run` runs:
//!
//! | stage | in (columns) | core step | out (columns) |
//! |---|---|---|---|
//! | [`spark_clean`] | `pos`, `value` (a JSON Lines record) | `Cleaner::clean`, `fill_site` | `pos`, `site`, `doc` |
//! | [`spark_sign_sites`] | `pos`, `site`, `doc`, sorted by site | one [`Job`] per site: learn its templates, remove them, sign | `pos`, `id`, `site`, `published`, `text_hash`, `signature`, `bands`, `profile` |
//! | [`spark_components_of_keys`] | `pos`, `bands` (every document's, on the driver) | buckets joined by union-find | `pos`, `label` |
//! | [`spark_links`] (on the cluster, when the keys do not fit the driver) | `key`, `pos` (LSH keys), sorted by key | buckets as stars | `pos`, `head` |
//! | [`spark_cluster_components`] | `label`, `pos`, `id`, `site`, `published`, `text_hash`, `signature`, sorted by label | [`Signing::of_signed`] per component, then `cluster` | `pos`, `cluster`, `canonical`, `cluster_line` |
//! | [`spark_write_lines`] | `pos`, `doc`, `cluster`, `canonical`, in input order | the site profiles of stage 2 ([`SiteTemplates`]) applied as `Signing::sign` applies them | `line` |
//!
//! `doc` is a cleaned record as `clean-news run` spills it (one JSON object); `profile` is a
//! site's profile (JSON) on the first row of its site; `line` is the document's line of
//! `documents.jsonl` (the record, then `cluster` and `canonical`), and `cluster_line` the line
//! of `clusters.jsonl` on the canonical member of a cluster of two or more (null elsewhere):
//! the driver only concatenates them in input order, so the files are the CLI's byte for
//! byte. Texts cross a shuffle once (by site, to learn the templates); the components are
//! clustered from signatures alone, and the texts are written from the cleaned records in
//! their input order, templates removed again with the site profiles of stage 2 (the same
//! profiles, the same call as `Signing::sign`: the same texts). Band keys and text hashes
//! (unsigned 64-bit) travel as int64 with the same bits: Spark has no unsigned type, and they
//! are only compared for equality.
//!
//! Each call runs on one thread with the GIL released: Spark runs a task per core already.

use std::sync::{Arc, OnceLock};

use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, Int64Builder, ListBuilder, StringBuilder,
};
use arrow_array::{
    Array, ArrayRef, BinaryArray, BooleanArray, Int64Array, ListArray, RecordBatch, StringArray,
};
use clean_news::clean::site::SiteProfiles;
use clean_news::dedup::Deduper;
use clean_news::input::DEFAULT_MAX_DOC_BYTES;
use clean_news::output::JsonLinesWriter;
use clean_news::pipeline::job::{Job, JobConfig, Signed, Signing};
use clean_news::pipeline::run::fill_site;
use clean_news::{Cleaned, Cleaner, Document};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde_json::Value;

use crate::CleanNewsError;
use crate::arrow_io::{ArrowBatch, batch_of, column, import_batch};

/// The cleaner and deduplicator of this worker process, built once (building compiles the
/// rule automata: a task would otherwise pay it per batch).
fn engines() -> PyResult<&'static (Cleaner, Deduper)> {
    static ENGINES: OnceLock<Result<(Cleaner, Deduper), String>> = OnceLock::new();
    ENGINES
        .get_or_init(|| {
            let cleaner = Cleaner::builder().build().map_err(|e| e.to_string())?;
            let deduper = Deduper::builder().build().map_err(|e| e.to_string())?;
            Ok((cleaner, deduper))
        })
        .as_ref()
        .map_err(|e| CleanNewsError::new_err(e.clone()))
}

/// Runs `work` on one rayon thread, without the GIL.
fn one_thread<T: Send>(py: Python<'_>, work: impl FnOnce() -> T + Send) -> PyResult<T> {
    static POOL: OnceLock<Result<rayon::ThreadPool, String>> = OnceLock::new();
    let pool = POOL
        .get_or_init(|| {
            rayon::ThreadPoolBuilder::new().num_threads(1).build().map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| CleanNewsError::new_err(format!("cannot start a thread: {e}")))?;
    Ok(py.detach(|| pool.install(work)))
}

fn err(message: String) -> PyErr {
    PyValueError::new_err(message)
}

/// A JSON Lines record as `clean-news run` reads it (`input::jsonl`): an object with an `id`
/// (string or number), optional `url`, `site`, `published`, `title` strings, and `text` or
/// `html`; the reader's notes go first in `meta.notes`.
fn read_record(line: &str, pos: i64) -> Result<(Document, Vec<String>), String> {
    let line = line.strip_prefix('\u{feff}').unwrap_or(line);
    if line.len() as u64 > DEFAULT_MAX_DOC_BYTES {
        return Err(format!("record {pos} is longer than max_doc_bytes ({DEFAULT_MAX_DOC_BYTES})"));
    }
    let value: Value =
        serde_json::from_str(line).map_err(|e| format!("record {pos}: not valid JSON: {e}"))?;
    let Value::Object(mut map) = value else {
        return Err(format!("record {pos}: bad record: expected a JSON object"));
    };
    let mut field = |name: &str| -> Result<Option<String>, String> {
        match map.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(format!("record {pos}: bad record: `{name}` must be a string")),
        }
    };
    let (url, site, published, title) =
        (field("url")?, field("site")?, field("published")?, field("title")?);
    let (text, html) = (field("text")?, field("html")?);
    let id = match map.remove("id") {
        Some(Value::String(id)) if !id.is_empty() => id,
        Some(Value::Number(n)) => n.to_string(),
        None | Some(Value::Null) | Some(Value::String(_)) => {
            return Err(format!(
                "record {pos} has no `id`: the Spark job needs one in every record"
            ));
        }
        Some(_) => return Err(format!("record {pos}: `id` must be a string or a number")),
    };
    let mut notes = Vec::new();
    let Some(body) = clean_news::input::body_of_record(text, html, &mut notes) else {
        return Err(format!("record {id:?}: record has neither `text` nor `html`"));
    };
    if body.is_empty() {
        notes.push("empty document".to_owned());
    }
    Ok((Document { id, url, site, published, title, body }, notes))
}

/// A cleaned record as `clean-news run` spills it: one JSON object, no line ending.
fn record_json(doc: &Cleaned) -> Result<String, String> {
    let mut out = JsonLinesWriter::new(Vec::with_capacity(doc.text.len() + 256));
    out.write_record(doc).map_err(|e| e.to_string())?;
    let mut bytes = out.into_inner();
    while bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

fn parse_doc(json: &str, pos: i64) -> Result<Cleaned, String> {
    serde_json::from_str(json).map_err(|e| format!("record {pos}: not a cleaned record: {e}"))
}

fn positions(batch: &RecordBatch) -> PyResult<&Int64Array> {
    let pos = column::<Int64Array>(batch, "pos")?;
    if pos.null_count() > 0 {
        return Err(err("column 'pos' has nulls".into()));
    }
    Ok(pos)
}

fn strings<'b>(batch: &'b RecordBatch, name: &str) -> PyResult<&'b StringArray> {
    column::<StringArray>(batch, name)
}

fn opt_str(array: &StringArray, i: usize) -> Option<&str> {
    array.is_valid(i).then(|| array.value(i))
}

/// Stage 1, per batch of input lines: parses and cleans each record and gives it its site.
#[pyfunction]
pub fn spark_clean(py: Python<'_>, batch: &Bound<'_, PyAny>) -> PyResult<ArrowBatch> {
    let batch = import_batch(batch)?;
    let (cleaner, _) = engines()?;
    let pos = positions(&batch)?;
    let lines = strings(&batch, "value")?;
    let out = one_thread(py, || -> Result<RecordBatch, String> {
        let mut out_pos = Int64Builder::new();
        let mut sites = StringBuilder::new();
        let mut docs = StringBuilder::new();
        for i in 0..batch.num_rows() {
            let line = opt_str(lines, i).unwrap_or("");
            // As the CLI reads JSON Lines: a line of white space is no record.
            if line.bytes().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            let (doc, notes) = read_record(line, pos.value(i))?;
            let mut cleaned = cleaner.clean(&doc);
            if !notes.is_empty() {
                let mut all = notes;
                all.append(&mut cleaned.meta.notes);
                cleaned.meta.notes = all;
            }
            fill_site(&mut cleaned);
            out_pos.append_value(pos.value(i));
            sites.append_option(cleaned.meta.site.as_deref());
            docs.append_value(record_json(&cleaned)?);
        }
        batch_of(vec![
            ("pos", Arc::new(out_pos.finish()) as ArrayRef),
            ("site", Arc::new(sites.finish())),
            ("doc", Arc::new(docs.finish())),
        ])
        .map_err(|e| e.to_string())
    })?;
    Ok(ArrowBatch::new(out.map_err(err)?))
}

/// Stage 2, per partition sorted by site (then input position): each run of one site is one
/// batch for [`Job`] — its templates learned and removed, its documents signed.
#[pyfunction]
pub fn spark_sign_sites(py: Python<'_>, batch: &Bound<'_, PyAny>) -> PyResult<ArrowBatch> {
    let batch = import_batch(batch)?;
    let (_, deduper) = engines()?;
    let pos = positions(&batch)?;
    let sites = strings(&batch, "site")?;
    let docs = strings(&batch, "doc")?;
    let out = one_thread(py, || -> Result<RecordBatch, String> {
        let lib = |e: clean_news::Error| e.to_string();
        let n = batch.num_rows();
        let mut ids = StringBuilder::new();
        let mut site_col = StringBuilder::new();
        let mut published = Int64Builder::new();
        let mut text_hashes = Int64Builder::new();
        let mut signatures = BinaryBuilder::new();
        let mut bands = ListBuilder::new(Int64Builder::new());
        let mut profiles = StringBuilder::new();
        let mut start = 0;
        while start < n {
            let site = opt_str(sites, start);
            let mut end = start + 1;
            while end < n && opt_str(sites, end) == site {
                end += 1;
            }
            let mut part = (start..end)
                .map(|i| parse_doc(docs.value(i), pos.value(i)))
                .collect::<Result<Vec<Cleaned>, String>>()?;
            let mut job = Job::new(deduper, None, JobConfig::default()).map_err(lib)?;
            job.learn(&mut part);
            let mut signing = job.templates().map_err(lib)?;
            signing.sign(&mut part).map_err(lib)?;
            // The site's profile, on its first row: the writing stage removes the same
            // template lines from the texts it writes.
            let profile = signing.profiles().and_then(|p| p.split_by_site().next());
            let mut profile = profile.map(|p| p.to_json());
            for k in 0..part.len() {
                let signed = signing
                    .signed(k)
                    .ok_or_else(|| format!("document {k} of a site was not signed"))?;
                ids.append_value(&signed.id);
                site_col.append_option(signed.site.as_deref());
                published.append_option(signed.published);
                text_hashes.append_value(signed.text_hash as i64);
                signatures.append_value(signed.signature.to_bytes());
                let keys = deduper.band_keys(&signed.signature);
                bands.values().append_slice(&keys.iter().map(|&k| k as i64).collect::<Vec<_>>());
                bands.append(true);
                profiles.append_option(profile.take());
            }
            start = end;
        }
        let pos: ArrayRef = Arc::new(pos.clone());
        batch_of(vec![
            ("pos", pos),
            ("id", Arc::new(ids.finish())),
            ("site", Arc::new(site_col.finish())),
            ("published", Arc::new(published.finish())),
            ("text_hash", Arc::new(text_hashes.finish())),
            ("signature", Arc::new(signatures.finish())),
            ("bands", Arc::new(bands.finish())),
            ("profile", Arc::new(profiles.finish())),
        ])
        .map_err(|e| e.to_string())
    })?;
    Ok(ArrowBatch::new(out.map_err(CleanNewsError::new_err)?))
}

/// Stage 3 on the cluster, per partition of `(key, pos)` rows sorted by key (then position): each run of
/// one key is an LSH bucket, and every member but the first is linked to the first (a star:
/// n - 1 links, not n²). Links are deduplicated within the partition (a pair shares many
/// keys).
#[pyfunction]
pub fn spark_links(py: Python<'_>, batch: &Bound<'_, PyAny>) -> PyResult<ArrowBatch> {
    let batch = import_batch(batch)?;
    let pos = positions(&batch)?;
    let keys = column::<Int64Array>(&batch, "key")?;
    if keys.null_count() > 0 {
        return Err(err("column 'key' has nulls".into()));
    }
    let out = one_thread(py, || {
        let (keys, pos) = (keys.values(), pos.values());
        let mut links: Vec<(i64, i64)> = Vec::new();
        let mut start = 0;
        while start < keys.len() {
            let mut end = start + 1;
            while end < keys.len() && keys[end] == keys[start] {
                end += 1;
            }
            let head = pos[start..end].iter().copied().min().unwrap_or(pos[start]);
            links.extend(pos[start..end].iter().filter(|&&p| p != head).map(|&p| (p, head)));
            start = end;
        }
        links.sort_unstable();
        links.dedup();
        let (from, to): (Vec<i64>, Vec<i64>) = links.into_iter().unzip();
        batch_of(vec![
            ("pos", Arc::new(Int64Array::from(from)) as ArrayRef),
            ("head", Arc::new(Int64Array::from(to)) as ArrayRef),
        ])
    })?;
    Ok(ArrowBatch::new(out?))
}

/// Stage 3 on the driver, while the keys fit its memory: candidates and components at once: each document's
/// LSH keys (`pos`, `bands`), every bucket joined by union-find. Gives `pos`, `label` (the
/// smallest position of the document's component) for the documents that share a key with
/// another; every other document is its own component.
#[pyfunction]
pub fn spark_components_of_keys(py: Python<'_>, batch: &Bound<'_, PyAny>) -> PyResult<ArrowBatch> {
    let batch = import_batch(batch)?;
    let pos = positions(&batch)?;
    let bands = column::<ListArray>(&batch, "bands")?;
    let keys = bands
        .values()
        .as_any()
        .downcast_ref::<Int64Array>()
        .ok_or_else(|| err("column 'bands' is not a list of int64".into()))?;
    let out = one_thread(py, || {
        let offsets = bands.value_offsets();
        let mut posts: Vec<(i64, u32)> = Vec::with_capacity(keys.len());
        for row in 0..batch.num_rows() {
            if bands.is_null(row) {
                continue;
            }
            let (from, to) = (offsets[row] as usize, offsets[row + 1] as usize);
            posts.extend(keys.values()[from..to].iter().map(|&k| (k, row as u32)));
        }
        posts.sort_unstable();
        let positions = pos.values();
        let mut parent: Vec<u32> = (0..batch.num_rows() as u32).collect();
        fn root(parent: &mut [u32], mut x: u32) -> u32 {
            while parent[x as usize] != x {
                let up = parent[parent[x as usize] as usize];
                parent[x as usize] = up;
                x = up;
            }
            x
        }
        for bucket in posts.chunk_by(|a, b| a.0 == b.0) {
            let first = bucket[0].1;
            for &(_, row) in &bucket[1..] {
                let (a, b) = (root(&mut parent, first), root(&mut parent, row));
                if a != b {
                    // The root is the smaller position: it labels the component.
                    let (low, high) = match positions[a as usize] <= positions[b as usize] {
                        true => (a, b),
                        false => (b, a),
                    };
                    parent[high as usize] = low;
                }
            }
        }
        drop(posts);
        let (mut from, mut label) = (Vec::new(), Vec::new());
        for row in 0..batch.num_rows() as u32 {
            let r = root(&mut parent, row);
            if r != row {
                from.push(positions[row as usize]);
                label.push(positions[r as usize]);
            }
        }
        batch_of(vec![
            ("pos", Arc::new(Int64Array::from(from)) as ArrayRef),
            ("label", Arc::new(Int64Array::from(label)) as ArrayRef),
        ])
    })?;
    Ok(ArrowBatch::new(out?))
}

/// One document of a component, as stage 2 signed it.
struct Member {
    pos: i64,
    signed: Signed,
}

/// Stage 4, per partition sorted by component label (then input position): each component
/// is clustered by the core ([`Signing::of_signed`], `cluster`); each document gets its
/// cluster and canonical flag and, on a canonical member, its cluster's line of
/// `clusters.jsonl`.
#[pyfunction]
pub fn spark_cluster_components(py: Python<'_>, batch: &Bound<'_, PyAny>) -> PyResult<ArrowBatch> {
    let batch = import_batch(batch)?;
    let (_, deduper) = engines()?;
    let pos = positions(&batch)?;
    let labels = column::<Int64Array>(&batch, "label")?;
    let ids = strings(&batch, "id")?;
    let sites = strings(&batch, "site")?;
    let published = column::<Int64Array>(&batch, "published")?;
    let text_hashes = column::<Int64Array>(&batch, "text_hash")?;
    let signatures = column::<BinaryArray>(&batch, "signature")?;
    let out = one_thread(py, || -> Result<RecordBatch, String> {
        let n = batch.num_rows();
        let mut out_pos = Int64Builder::new();
        let mut clusters = StringBuilder::new();
        let mut canonicals = BooleanBuilder::new();
        let mut cluster_lines = StringBuilder::new();
        let mut start = 0;
        while start < n {
            let label = labels.value(start);
            let mut end = start + 1;
            while end < n && labels.value(end) == label {
                end += 1;
            }
            let mut members = (start..end)
                .map(|i| -> Result<Member, String> {
                    Ok(Member {
                        pos: pos.value(i),
                        signed: Signed {
                            id: ids.value(i).to_owned(),
                            site: opt_str(sites, i).map(str::to_owned),
                            published: published.is_valid(i).then(|| published.value(i)),
                            text_hash: text_hashes.value(i) as u64,
                            signature: deduper
                                .decode(signatures.value(i))
                                .map_err(|e| e.to_string())?,
                        },
                    })
                })
                .collect::<Result<Vec<Member>, _>>()?;
            // Input order inside the component: the clusters' member order depends on it.
            members.sort_by_key(|m| m.pos);
            let placed =
                Signing::of_signed(deduper, members.iter().map(|m| m.signed.clone())).cluster();
            for (k, member) in members.iter().enumerate() {
                let placement = placed
                    .placement(k)
                    .ok_or_else(|| format!("document {} was not placed", member.pos))?;
                out_pos.append_value(member.pos);
                clusters.append_value(placement.cluster);
                canonicals.append_value(placement.canonical);
                let multi = placed
                    .clusters()
                    .cluster_of(k)
                    .filter(|c| placement.canonical && c.members.len() > 1);
                match multi {
                    Some(cluster) => {
                        let mut out = JsonLinesWriter::new(Vec::new());
                        out.write_record(cluster).map_err(|e| e.to_string())?;
                        let mut bytes = out.into_inner();
                        while bytes.last() == Some(&b'\n') {
                            bytes.pop();
                        }
                        cluster_lines.append_value(String::from_utf8_lossy(&bytes));
                    }
                    None => cluster_lines.append_null(),
                }
            }
            start = end;
        }
        batch_of(vec![
            ("pos", Arc::new(out_pos.finish()) as ArrayRef),
            ("cluster", Arc::new(clusters.finish())),
            ("canonical", Arc::new(canonicals.finish())),
            ("cluster_line", Arc::new(cluster_lines.finish())),
        ])
        .map_err(|e| e.to_string())
    })?;
    Ok(ArrowBatch::new(out.map_err(CleanNewsError::new_err)?))
}

/// The site templates of the batch, as stage 2 learned them site by site (one profile JSON
/// each), merged once per worker process for [`spark_write_lines`].
#[pyclass(name = "SiteTemplates", module = "clean_news._native", frozen)]
pub struct SiteTemplates {
    profiles: SiteProfiles,
}

#[pymethods]
impl SiteTemplates {
    #[new]
    fn new(profiles: Vec<String>) -> PyResult<SiteTemplates> {
        let mut merged = SiteProfiles::empty();
        for json in &profiles {
            let one = SiteProfiles::from_json(json).map_err(crate::library_error)?;
            merged = merged.merged_with(one);
        }
        Ok(SiteTemplates { profiles: merged })
    }

    /// How many sites have a profile.
    fn __len__(&self) -> usize {
        self.profiles.sites().count()
    }
}

/// Stage 5, per batch of cleaned records in input order with their placement (`pos`, `doc`,
/// `cluster`, `canonical`): removes each document's site template, as stage 2 did before
/// signing it, and gives its line of `documents.jsonl` (`line`).
#[pyfunction]
pub fn spark_write_lines(
    py: Python<'_>,
    batch: &Bound<'_, PyAny>,
    templates: &SiteTemplates,
) -> PyResult<ArrowBatch> {
    let batch = import_batch(batch)?;
    let pos = positions(&batch)?;
    let docs = strings(&batch, "doc")?;
    let clusters = strings(&batch, "cluster")?;
    let canonicals = column::<BooleanArray>(&batch, "canonical")?;
    let profiles = &templates.profiles;
    let out = one_thread(py, || -> Result<RecordBatch, String> {
        let mut lines = StringBuilder::new();
        for i in 0..batch.num_rows() {
            let cluster = opt_str(clusters, i)
                .ok_or_else(|| format!("record {} was not placed", pos.value(i)))?;
            let mut doc = parse_doc(docs.value(i), pos.value(i))?;
            profiles.apply(&mut doc);
            let record = record_json(&doc)?;
            lines.append_value(placed_line(&record, cluster, canonicals.value(i))?);
        }
        batch_of(vec![("line", Arc::new(lines.finish()) as ArrayRef)]).map_err(|e| e.to_string())
    })?;
    Ok(ArrowBatch::new(out.map_err(CleanNewsError::new_err)?))
}

/// The line of `documents.jsonl` for a cleaned record (`{…}`, as spilled) placed in
/// `cluster`: the record's fields, then `cluster` and `canonical`, as `clean-news run` splices
/// them.
fn placed_line(record: &str, cluster: &str, canonical: bool) -> Result<String, String> {
    let body = record
        .strip_suffix('}')
        .filter(|b| b.len() > 1)
        .ok_or_else(|| "a cleaned record is not a JSON object".to_owned())?;
    let cluster = serde_json::to_string(cluster).map_err(|e| e.to_string())?;
    Ok(format!("{body},\"cluster\":{cluster},\"canonical\":{canonical}}}"))
}
