//! The Python face of `clean-news`: the same cleaner, signatures, verification and
//! clustering as the Rust library and the CLI, called from Python (and from the Spark job in
//! `python/clean_news/spark.py`). The Rust library stays the one implementation; this crate
//! only converts records and errors at the border.
//!
//! Records cross the border as plain Python values (dicts, lists, strings, numbers) shaped
//! like the CLI's JSON Lines, so what Python sees and what `clean-news clean` writes are the
//! same objects. Input is checked field by field: a wrong type, a missing id, invalid UTF-8
//! bytes or a document over the size limit raise `TypeError`/`ValueError` naming the field,
//! never a crash. Long work (`clean_batch`, `cluster`) runs on rayon threads with the GIL
//! released.
//!
//! The batch steps (`remove_templates`, `cluster_cleaned`, `cluster`) run through
//! `clean_news::pipeline::job`, the core `clean-news run` runs. The Spark job's stages
//! (`spark`) take and return Arrow record batches instead of Python values (`arrow_io`: the
//! Arrow C data interface, no copy), so its records never become Python objects.

use clean_news::dedup::Deduper;
use clean_news::input::DEFAULT_MAX_DOC_BYTES;
use clean_news::pipeline::job::{Job, JobConfig};
use clean_news::{Body, Cleaned, Cleaner, Document};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use rayon::prelude::*;
use serde_json::Value;

mod arrow_io;
mod spark;

create_exception!(
    _native,
    CleanNewsError,
    PyException,
    "An error of the clean-news library (a bad pack, a bad configuration), with the message the CLI prints."
);

fn library_error(err: clean_news::Error) -> PyErr {
    CleanNewsError::new_err(err.to_string())
}

/// A JSON value as the Python object `json.loads` would give.
fn to_py(py: Python<'_>, value: &Value) -> PyResult<Py<PyAny>> {
    Ok(match value {
        Value::Null => py.None(),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any().unbind(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.into_pyobject(py)?.into_any().unbind(),
            (None, Some(u), _) => u.into_pyobject(py)?.into_any().unbind(),
            (_, _, Some(f)) => PyFloat::new(py, f).into_any().unbind(),
            _ => py.None(),
        },
        Value::String(s) => PyString::new(py, s).into_any().unbind(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any().unbind()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_py(py, v)?)?;
            }
            dict.into_any().unbind()
        }
    })
}

/// A Python value (dicts with string keys, lists, tuples, str, int, float, bool, None) as JSON.
fn from_py(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    if obj.is_none() {
        Ok(Value::Null)
    } else if let Ok(b) = obj.downcast::<PyBool>() {
        Ok(Value::Bool(b.is_true()))
    } else if obj.is_instance_of::<PyInt>() {
        match obj.extract::<i64>() {
            Ok(i) => Ok(Value::from(i)),
            Err(_) => Ok(Value::from(obj.extract::<u64>().map_err(|_| {
                PyValueError::new_err(format!("{what}: integer out of the 64-bit range"))
            })?)),
        }
    } else if let Ok(f) = obj.downcast::<PyFloat>() {
        Ok(serde_json::Number::from_f64(f.value()).map_or(Value::Null, Value::Number))
    } else if let Ok(s) = obj.downcast::<PyString>() {
        Ok(Value::String(s.to_cow()?.into_owned()))
    } else if let Ok(d) = obj.downcast::<PyDict>() {
        let mut map = serde_json::Map::new();
        for (k, v) in d.iter() {
            let key = k
                .downcast::<PyString>()
                .map_err(|_| PyTypeError::new_err(format!("{what}: dict keys must be str")))?;
            let key = key.to_cow()?.into_owned();
            let value = from_py(&v, &format!("{what}.{key}"))?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    } else if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            out.push(from_py(&item?, &format!("{what}[{i}]"))?);
        }
        Ok(Value::Array(out))
    } else {
        Err(PyTypeError::new_err(format!(
            "{what}: cannot convert a value of type {}",
            obj.get_type().name()?
        )))
    }
}

/// An optional string field of a record: absent or None is None.
fn optional_str(record: &Bound<'_, PyDict>, field: &str, id: &str) -> PyResult<Option<String>> {
    match record.get_item(field)? {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => match v.downcast::<PyString>() {
            Ok(s) => Ok(Some(s.to_cow()?.into_owned())),
            Err(_) => Err(PyTypeError::new_err(format!(
                "record {id:?}: field '{field}' must be str or None, not {}",
                v.get_type().name()?
            ))),
        },
    }
}

/// The body of a record: `text` or `html`, as str or UTF-8 bytes, within `limit` bytes.
fn body(record: &Bound<'_, PyDict>, id: &str, limit: u64) -> PyResult<Body> {
    for field in ["text", "html"] {
        let Some(value) = record.get_item(field)? else { continue };
        if value.is_none() {
            continue;
        }
        let size = if let Ok(s) = value.downcast::<PyString>() {
            s.len()? as u64
        } else if let Ok(b) = value.downcast::<PyBytes>() {
            b.as_bytes().len() as u64
        } else {
            return Err(PyTypeError::new_err(format!(
                "record {id:?}: field '{field}' must be str or bytes, not {}",
                value.get_type().name()?
            )));
        };
        if size > limit {
            return Err(PyValueError::new_err(format!(
                "record {id:?}: '{field}' is {size} bytes, over the limit of {limit} \
                 (max_doc_bytes)"
            )));
        }
        let content = if let Ok(s) = value.downcast::<PyString>() {
            s.to_cow()
                .map_err(|_| {
                    PyValueError::new_err(format!(
                        "record {id:?}: '{field}' holds characters that are not valid Unicode \
                         (lone surrogates)"
                    ))
                })?
                .into_owned()
        } else {
            let bytes = value.downcast::<PyBytes>()?.as_bytes();
            match std::str::from_utf8(bytes) {
                Ok(s) => s.to_owned(),
                Err(e) => {
                    return Err(PyValueError::new_err(format!(
                        "record {id:?}: '{field}' is not valid UTF-8 (at byte {}); decode it \
                         first, e.g. bytes.decode('utf-8', 'replace')",
                        e.valid_up_to()
                    )));
                }
            }
        };
        return Ok(if field == "text" { Body::Text(content) } else { Body::Html(content) });
    }
    Err(PyValueError::new_err(format!("record {id:?} has neither 'text' nor 'html'")))
}

/// A record (`{"id","url","site","published","title","text"|"html"}`) as a [`Document`].
fn document(obj: &Bound<'_, PyAny>, limit: u64) -> PyResult<Document> {
    let record = obj.downcast::<PyDict>().map_err(|_| {
        let kind = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
        PyTypeError::new_err(format!("a record must be a dict, not {kind}"))
    })?;
    let id = match record.get_item("id")? {
        Some(v) if v.is_instance_of::<PyString>() => {
            v.downcast::<PyString>()?.to_cow()?.into_owned()
        }
        Some(v) if v.is_instance_of::<PyInt>() && !v.is_instance_of::<PyBool>() => {
            v.str()?.to_cow()?.into_owned()
        }
        Some(v) if !v.is_none() => {
            return Err(PyTypeError::new_err(format!(
                "a record's 'id' must be str or int, not {}",
                v.get_type().name()?
            )));
        }
        _ => return Err(PyValueError::new_err("a record needs an 'id'")),
    };
    Ok(Document {
        url: optional_str(record, "url", &id)?,
        site: optional_str(record, "site", &id)?,
        published: optional_str(record, "published", &id)?,
        title: optional_str(record, "title", &id)?,
        body: body(record, &id, limit)?,
        id,
    })
}

fn records(obj: &Bound<'_, PyAny>, limit: u64) -> PyResult<Vec<Document>> {
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyDict>() {
        return Err(PyTypeError::new_err("records must be an iterable of dicts"));
    }
    let mut out = Vec::new();
    for item in
        obj.try_iter().map_err(|_| PyTypeError::new_err("records must be an iterable of dicts"))?
    {
        out.push(document(&item?, limit)?);
    }
    Ok(out)
}

/// A cleaned record (what `clean` returns) back as [`Cleaned`].
fn cleaned(obj: &Bound<'_, PyAny>) -> PyResult<Cleaned> {
    if !obj.is_instance_of::<PyDict>() {
        return Err(PyTypeError::new_err("a cleaned record must be a dict"));
    }
    let value = from_py(obj, "cleaned record")?;
    serde_json::from_value(value)
        .map_err(|e| PyValueError::new_err(format!("not a cleaned record: {e}")))
}

fn cleaned_list(obj: &Bound<'_, PyAny>) -> PyResult<Vec<Cleaned>> {
    let mut out = Vec::new();
    for item in obj.try_iter().map_err(|_| PyTypeError::new_err("expected an iterable of dicts"))? {
        out.push(cleaned(&item?)?);
    }
    Ok(out)
}

fn cleaned_to_py(py: Python<'_>, doc: &Cleaned) -> PyResult<Py<PyAny>> {
    let value = serde_json::to_value(doc)
        .map_err(|e| PyValueError::new_err(format!("cannot encode record {}: {e}", doc.id)))?;
    to_py(py, &value)
}

/// Runs `work` on `threads` rayon threads (the global pool when None), without the GIL.
fn off_the_gil<T: Send>(
    py: Python<'_>,
    threads: Option<usize>,
    work: impl FnOnce() -> T + Send,
) -> PyResult<T> {
    match threads {
        None => Ok(py.detach(work)),
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n.max(1))
                .build()
                .map_err(|e| CleanNewsError::new_err(format!("cannot start threads: {e}")))?;
            Ok(py.detach(|| pool.install(work)))
        }
    }
}

/// The text cleaner. `Cleaner(packs=None, pack_files=None, max_doc_bytes=16 MiB)`.
///
/// `packs`: names of built-in packs (default: all); `pack_files`: TOML packs to add.
#[pyclass(name = "Cleaner", module = "clean_news._native", frozen)]
struct PyCleaner {
    cleaner: Cleaner,
    max_doc_bytes: u64,
}

#[pymethods]
impl PyCleaner {
    #[new]
    #[pyo3(signature = (packs=None, pack_files=None, max_doc_bytes=None))]
    fn new(
        packs: Option<Vec<String>>,
        pack_files: Option<Vec<String>>,
        max_doc_bytes: Option<u64>,
    ) -> PyResult<PyCleaner> {
        let mut builder = Cleaner::builder();
        if let Some(packs) = packs {
            builder.packs(packs);
        }
        for file in pack_files.unwrap_or_default() {
            builder.pack_file(file);
        }
        Ok(PyCleaner {
            cleaner: builder.build().map_err(library_error)?,
            max_doc_bytes: max_doc_bytes.unwrap_or(DEFAULT_MAX_DOC_BYTES),
        })
    }

    /// Cleans one record; returns `{"id","title","text","meta","removed"}` as `clean-news
    /// clean` writes it.
    fn clean(&self, py: Python<'_>, record: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let doc = document(record, self.max_doc_bytes)?;
        let cleaned = py.detach(|| self.cleaner.clean(&doc));
        cleaned_to_py(py, &cleaned)
    }

    /// Cleans many records in parallel with the GIL released; results in input order.
    #[pyo3(signature = (records, threads=None))]
    fn clean_batch(
        &self,
        py: Python<'_>,
        records: &Bound<'_, PyAny>,
        threads: Option<usize>,
    ) -> PyResult<Py<PyList>> {
        let docs = self::records(records, self.max_doc_bytes)?;
        let cleaner = &self.cleaner;
        let out: Vec<Cleaned> =
            off_the_gil(py, threads, || docs.par_iter().map(|d| cleaner.clean(d)).collect())?;
        let list = PyList::empty(py);
        for doc in &out {
            list.append(cleaned_to_py(py, doc)?)?;
        }
        Ok(list.unbind())
    }
}

fn deduper() -> PyResult<Deduper> {
    Deduper::builder().build().map_err(library_error)
}

fn text_arg(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    if let Ok(s) = obj.downcast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    if let Ok(b) = obj.downcast::<PyBytes>() {
        return std::str::from_utf8(b.as_bytes()).map(str::to_owned).map_err(|e| {
            PyValueError::new_err(format!(
                "{what} is not valid UTF-8 (at byte {})",
                e.valid_up_to()
            ))
        });
    }
    Err(PyTypeError::new_err(format!("{what} must be str, not {}", obj.get_type().name()?)))
}

/// The signature of a cleaned text: exact hash, SimHash, MinHash band hashes, lead shingles,
/// passage hashes, LSH band keys, word and shingle counts.
#[pyfunction]
fn signatures(py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let text = text_arg(text, "text")?;
    let deduper = deduper()?;
    let sig = py.detach(|| deduper.sign(&text));
    let value = serde_json::json!({
        "words": sig.words(),
        "exact": sig.exact(),
        "simhash": sig.simhash(),
        "minhash_bands": sig.bands(),
        "lead_shingles": sig.lead(),
        "passages": sig.passages(),
        "shingles": sig.shingle_count(),
        "band_keys": deduper.band_keys(&sig),
    });
    to_py(py, &value)
}

/// Verifies a pair of cleaned texts as clustering does:
/// `{"jaccard", "containment", "lead_containment", "accepted"}`.
#[pyfunction]
fn verify(py: Python<'_>, a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let (a, b) = (text_arg(a, "a")?, text_arg(b, "b")?);
    let deduper = deduper()?;
    let v = py.detach(|| deduper.verify(&deduper.sign(&a), &deduper.sign(&b)));
    to_py(py, &serde_json::json!(v))
}

/// Learns the site templates of a batch of cleaned records and removes them: what `clean-news
/// run` does between cleaning and signing (`pipeline::job`, the CLI's core). Returns the
/// records, templates removed.
#[pyfunction]
#[pyo3(signature = (cleaned_records, threads=None))]
fn remove_templates(
    py: Python<'_>,
    cleaned_records: &Bound<'_, PyAny>,
    threads: Option<usize>,
) -> PyResult<Py<PyList>> {
    let mut docs = cleaned_list(cleaned_records)?;
    let deduper = deduper()?;
    off_the_gil(py, threads, || -> Result<(), clean_news::Error> {
        let mut job = Job::new(&deduper, None, JobConfig::default())?;
        job.learn(&mut docs);
        // The profiles the job decided, applied as its signing applies them; nothing is
        // signed here (`cluster_cleaned` signs).
        if let Some(profiles) = job.templates()?.profiles() {
            docs.par_iter_mut().for_each(|doc| {
                profiles.apply(doc);
            });
        }
        Ok(())
    })?
    .map_err(library_error)?;
    let list = PyList::empty(py);
    for doc in &docs {
        list.append(cleaned_to_py(py, doc)?)?;
    }
    Ok(list.unbind())
}

/// Clusters cleaned records (templates already removed) as `clean-news run --no-index`
/// does, through the same core (`pipeline::job`: a page that is no article is signed empty
/// and stays alone); returns every cluster, singletons included, as `clusters.jsonl` writes
/// them.
#[pyfunction]
#[pyo3(signature = (cleaned_records, threads=None))]
fn cluster_cleaned(
    py: Python<'_>,
    cleaned_records: &Bound<'_, PyAny>,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let mut docs = cleaned_list(cleaned_records)?;
    let deduper = deduper()?;
    let placed = off_the_gil(py, threads, || -> Result<_, clean_news::Error> {
        let config = JobConfig { learn_templates: false, ..JobConfig::default() };
        let mut job = Job::new(&deduper, None, config)?;
        job.learn(&mut docs);
        let mut signing = job.templates()?;
        signing.sign(&mut docs)?;
        Ok(signing.cluster())
    })?
    .map_err(library_error)?;
    let value = serde_json::to_value(placed.clusters().clusters())
        .map_err(|e| PyValueError::new_err(format!("cannot encode clusters: {e}")))?;
    to_py(py, &value)
}

/// The whole one-machine job on raw records, as `clean-news run --no-index`: clean, learn and
/// remove site templates, cluster. Returns one dict per record, in input order, as
/// `documents.jsonl` writes them (cleaned fields plus `cluster` and `canonical`).
#[pyfunction]
#[pyo3(signature = (records, threads=None, templates=true))]
fn cluster(
    py: Python<'_>,
    records: &Bound<'_, PyAny>,
    threads: Option<usize>,
    templates: bool,
) -> PyResult<Py<PyList>> {
    let docs = self::records(records, DEFAULT_MAX_DOC_BYTES)?;
    let cleaner = Cleaner::builder().build().map_err(library_error)?;
    let deduper = deduper()?;
    // The batch steps of `clean-news run`, through the same core (`pipeline::job`).
    let (cleaned, placed) = off_the_gil(py, threads, || -> Result<_, clean_news::Error> {
        let mut cleaned: Vec<Cleaned> = docs.par_iter().map(|d| cleaner.clean(d)).collect();
        let config = JobConfig { learn_templates: templates, ..JobConfig::default() };
        let mut job = Job::new(&deduper, None, config)?;
        job.learn(&mut cleaned);
        let mut signing = job.templates()?;
        signing.sign(&mut cleaned)?;
        Ok((cleaned, signing.cluster()))
    })?
    .map_err(library_error)?;
    let list = PyList::empty(py);
    for (i, doc) in cleaned.iter().enumerate() {
        let mut value = serde_json::to_value(doc)
            .map_err(|e| PyValueError::new_err(format!("cannot encode record {}: {e}", doc.id)))?;
        if let (Some(placement), Value::Object(map)) = (placed.placement(i), &mut value) {
            map.insert("cluster".into(), Value::String(placement.cluster.to_owned()));
            map.insert("canonical".into(), Value::Bool(placement.canonical));
        }
        list.append(to_py(py, &value)?)?;
    }
    Ok(list.unbind())
}

/// The native half of the `clean_news` package.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyCleaner>()?;
    m.add("CleanNewsError", m.py().get_type::<CleanNewsError>())?;
    m.add_function(wrap_pyfunction!(signatures, m)?)?;
    m.add_function(wrap_pyfunction!(verify, m)?)?;
    m.add_function(wrap_pyfunction!(remove_templates, m)?)?;
    m.add_function(wrap_pyfunction!(cluster_cleaned, m)?)?;
    m.add_function(wrap_pyfunction!(cluster, m)?)?;
    m.add_class::<arrow_io::ArrowBatch>()?;
    m.add_function(wrap_pyfunction!(spark::spark_clean, m)?)?;
    m.add_function(wrap_pyfunction!(spark::spark_sign_sites, m)?)?;
    m.add_function(wrap_pyfunction!(spark::spark_links, m)?)?;
    m.add_function(wrap_pyfunction!(spark::spark_components_of_keys, m)?)?;
    m.add_function(wrap_pyfunction!(spark::spark_cluster_components, m)?)?;
    m.add_class::<spark::SiteTemplates>()?;
    m.add_function(wrap_pyfunction!(spark::spark_write_lines, m)?)?;
    Ok(())
}
