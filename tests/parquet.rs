//! Parquet in and out (#21): a crawl kept as Parquet gives the run JSON Lines gives, the
//! run's `documents.parquet` holds the records of `documents.jsonl`, and damaged files or
//! rows are failures, never panics. Inputs are generated here (the synthetic corpus).

#![cfg(feature = "parquet")]
// A test harness: a failure here should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type, UInt64Type};
use arrow_array::{
    Array, ArrayRef, BinaryArray, DictionaryArray, Int64Array, LargeStringArray, ListArray,
    RecordBatch, StringArray, StructArray,
};
use clean_news::input::{Failure, ReadDoc, Reader, Source};
use clean_news_synth::{Corpus, SynthConfig};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::properties::WriterProperties;
use serde_json::{Map, Value, json};

fn clean_news() -> Command {
    Command::new(env!("CARGO_BIN_EXE_clean-news"))
}

/// The synthetic corpus's documents as JSON records `{id,url,site,published,title,text|html}`;
/// every fifth is given as a small HTML page, so both bodies travel.
fn corpus(docs: u64) -> Vec<Value> {
    let config = SynthConfig { docs, seed: 21, sites: 6, ..SynthConfig::default() };
    Corpus::generate(&config)
        .enumerate()
        .map(|(i, (doc, _))| {
            let text = doc.body.as_text().unwrap().to_owned();
            let mut record = json!({ "id": doc.id, "url": doc.url, "site": doc.site,
                                     "published": doc.published, "title": doc.title });
            if i % 5 == 0 {
                let paragraphs: String =
                    text.lines().map(|line| format!("<p>{line}</p>\n")).collect();
                record["html"] = json!(format!(
                    "<html><body><nav><a href=\"/\">Home</a></nav><article>{paragraphs}\
                     </article></body></html>"
                ));
            } else {
                record["text"] = json!(text);
            }
            record
        })
        .collect()
}

fn write_jsonl(path: &Path, records: &[Value]) {
    let mut file = File::create(path).unwrap();
    for record in records {
        writeln!(file, "{record}").unwrap();
    }
}

/// A string column of the records' `field`, null where a record has none.
fn column_of(records: &[Value], field: &str) -> ArrayRef {
    Arc::new(records.iter().map(|r| r[field].as_str()).collect::<StringArray>())
}

/// Writes `columns` as a Parquet file with row groups of `group_rows` rows.
fn write_parquet(path: &Path, columns: Vec<(&str, ArrayRef)>, group_rows: usize) {
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let properties =
        WriterProperties::builder().set_max_row_group_row_count(Some(group_rows)).build();
    let mut writer =
        ArrowWriter::try_new(File::create(path).unwrap(), batch.schema(), Some(properties))
            .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

fn write_corpus_parquet(path: &Path, records: &[Value]) {
    let columns = ["id", "url", "site", "published", "title", "text", "html"]
        .map(|name| (name, column_of(records, name)))
        .to_vec();
    write_parquet(path, columns, 64);
}

fn run(input: &Path, out: &Path, extra: &[&str]) {
    let output = clean_news()
        .arg("run")
        .arg(input)
        .arg("-o")
        .arg(out)
        .args(["--quiet", "--no-index"])
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
}

fn read(path: &Path) -> Vec<Result<ReadDoc, Failure>> {
    Reader::builder().build().unwrap().read([Source::Path(path.to_owned())]).collect()
}

fn failure(item: &Result<ReadDoc, Failure>) -> &Failure {
    item.as_ref().err().unwrap_or_else(|| panic!("expected a failure, got {item:?}"))
}

#[test]
fn a_run_over_parquet_gives_the_run_over_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let records = corpus(400);
    write_jsonl(&dir.path().join("crawl.jsonl"), &records);
    write_corpus_parquet(&dir.path().join("crawl.parquet"), &records);
    run(&dir.path().join("crawl.jsonl"), &dir.path().join("from-jsonl"), &[]);
    run(&dir.path().join("crawl.parquet"), &dir.path().join("from-parquet"), &[]);

    for file in ["documents.jsonl", "clusters.jsonl", "errors.jsonl", "summary.json"] {
        let from_jsonl = fs::read_to_string(dir.path().join("from-jsonl").join(file)).unwrap();
        let from_parquet = fs::read_to_string(dir.path().join("from-parquet").join(file)).unwrap();
        assert!(from_jsonl == from_parquet, "{file} differs");
    }
    let summary: Value = serde_json::from_str(
        &fs::read_to_string(dir.path().join("from-jsonl/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(summary["cleaned"], 400);
    assert!(summary["multi_clusters"].as_u64().unwrap() > 10, "{summary}");
}

#[test]
fn documents_parquet_holds_the_records_of_documents_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let records = corpus(200);
    write_jsonl(&dir.path().join("crawl.jsonl"), &records);
    let out = dir.path().join("out");
    run(&dir.path().join("crawl.jsonl"), &out, &["--parquet"]);

    let from_json: Vec<Value> = fs::read_to_string(out.join("documents.jsonl"))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let from_parquet = parquet_records(&out.join("documents.parquet"));
    assert_eq!(from_parquet.len(), from_json.len());
    for (table, json) in from_parquet.iter().zip(&from_json) {
        assert_eq!(table, json);
    }
    // The records carry what there is to compare: metadata, removals, clusters.
    assert!(from_json.iter().any(|r| !r["removed"].as_array().unwrap().is_empty()));
    assert!(from_json.iter().any(|r| r["meta"].get("published").is_some()));
    assert!(from_json.iter().any(|r| r["canonical"] == false));
}

#[test]
fn a_run_without_parquet_removes_the_documents_parquet_of_an_earlier_run() {
    let dir = tempfile::tempdir().unwrap();
    write_jsonl(&dir.path().join("crawl.jsonl"), &corpus(20));
    let out = dir.path().join("out");
    run(&dir.path().join("crawl.jsonl"), &out, &["--parquet"]);
    assert!(out.join("documents.parquet").is_file());
    run(&dir.path().join("crawl.jsonl"), &out, &[]);
    assert!(!out.join("documents.parquet").exists());
}

#[test]
fn rows_without_an_id_or_a_body_are_failures_and_the_others_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rows.parquet");
    let ids: ArrayRef = Arc::new(StringArray::from(vec![Some("a"), None, Some("c"), Some("")]));
    let texts: ArrayRef =
        Arc::new(StringArray::from(vec![Some("First."), Some("Second."), None, Some("Fourth.")]));
    let html: ArrayRef = Arc::new(StringArray::from(vec![None, None, None, Some("<p>4</p>")]));
    write_parquet(&path, vec![("id", ids), ("text", texts), ("html", html)], 2);

    let items = read(&path);
    assert_eq!(items.len(), 4);
    let first = items[0].as_ref().unwrap();
    assert_eq!((first.doc.id.as_str(), first.doc.body.as_text()), ("a", Some("First.")));
    assert_eq!(failure(&items[1]).id.as_deref(), Some("rows.parquet:2"));
    assert_eq!(failure(&items[1]).error, "row 2: `id` is null or empty");
    assert_eq!(failure(&items[2]).id.as_deref(), Some("c"));
    assert_eq!(failure(&items[2]).error, "row 3: neither `text` nor `html`");
    assert_eq!(failure(&items[3]).error, "row 4: `id` is null or empty");
}

#[test]
fn a_file_without_an_id_column_numbers_its_rows_and_reads_other_column_types() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dataset.parquet");
    let text: ArrayRef = Arc::new(LargeStringArray::from(vec!["One.", "Two.", "Three."]));
    let site: ArrayRef = Arc::new(
        vec!["kt.kz", "akipress.org", "kt.kz"].into_iter().collect::<DictionaryArray<Int32Type>>(),
    );
    let title: ArrayRef = Arc::new(BinaryArray::from(vec![
        Some(b"Plain".as_slice()),
        Some(b"Bad \xff byte".as_slice()),
        None,
    ]));
    let extra: ArrayRef = Arc::new(Int64Array::from(vec![1, 2, 3]));
    write_parquet(
        &path,
        vec![("text", text), ("site", site), ("title", title), ("token_count", extra)],
        2,
    );

    let items = read(&path);
    let docs: Vec<&ReadDoc> = items.iter().map(|item| item.as_ref().unwrap()).collect();
    let ids: Vec<&str> = docs.iter().map(|d| d.doc.id.as_str()).collect();
    assert_eq!(ids, ["dataset.parquet:1", "dataset.parquet:2", "dataset.parquet:3"]);
    assert_eq!(docs[1].doc.site.as_deref(), Some("akipress.org"));
    assert_eq!(docs[2].doc.site.as_deref(), Some("kt.kz"));
    assert_eq!(docs[1].doc.title.as_deref(), Some("Bad \u{fffd} byte"));
    assert_eq!(docs[1].notes, ["`title` is not valid utf-8: decoded lossily"]);
    assert_eq!(docs[2].doc.title, None);

    // Integer ids read as JSON Lines reads numbers.
    let numbered = dir.path().join("numbered.parquet");
    let ids: ArrayRef = Arc::new(Int64Array::from(vec![7, 8]));
    let text: ArrayRef = Arc::new(StringArray::from(vec!["Seven.", "Eight."]));
    write_parquet(&numbered, vec![("id", ids), ("text", text)], 10);
    let items = read(&numbered);
    assert_eq!(items[1].as_ref().unwrap().doc.id, "8");
}

#[test]
fn files_that_cannot_be_read_as_documents_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let no_body = dir.path().join("no-body.parquet");
    let ids: ArrayRef = Arc::new(StringArray::from(vec!["a"]));
    write_parquet(&no_body, vec![("id", ids)], 10);
    assert_eq!(
        failure(&read(&no_body)[0]).error,
        "Parquet file has neither a `text` nor an `html` column"
    );

    let nested = dir.path().join("nested.parquet");
    let lists: ArrayRef =
        Arc::new(ListArray::from_iter_primitive::<Int64Type, _, _>(vec![Some(vec![Some(1)])]));
    write_parquet(&nested, vec![("text", lists)], 10);
    let items = read(&nested);
    let error = &failure(&items[0]).error;
    assert!(error.starts_with("column `text` has type List"), "{error}");

    let compressed = dir.path().join("crawl.parquet.gz");
    fs::write(&compressed, b"whatever").unwrap();
    assert!(failure(&read(&compressed)[0]).error.contains("cannot be read through .gz"));
}

#[test]
fn a_value_larger_than_max_doc_bytes_fails_its_row_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.parquet");
    let ids: ArrayRef = Arc::new(StringArray::from(vec!["small", "big", "after"]));
    let big = "x".repeat(5000);
    let text: ArrayRef = Arc::new(StringArray::from(vec!["Short.", big.as_str(), "Short too."]));
    write_parquet(&path, vec![("id", ids), ("text", text)], 10);
    let reader = Reader::builder().max_doc_bytes(1000).build().unwrap();
    let items: Vec<_> = reader.read([Source::Path(path)]).collect();
    assert!(items[0].is_ok() && items[2].is_ok());
    assert_eq!(failure(&items[1]).id.as_deref(), Some("big"));
    assert!(failure(&items[1]).error.contains("larger than max_doc_bytes"));
}

#[test]
fn damaged_parquet_files_are_failures_and_the_next_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.parquet");
    let records = corpus(60);
    write_corpus_parquet(&good, &records);
    let bytes = fs::read(&good).unwrap();
    let after = dir.path().join("z-after.jsonl");
    fs::write(&after, "{\"id\":\"after\",\"text\":\"Still read.\"}\n").unwrap();

    let mut damaged: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), Vec::new()),
        ("not parquet".into(), b"id,text\na,hello\n".to_vec()),
        ("magic only".into(), b"PAR1PAR1".to_vec()),
    ];
    for cut in [4, 100, bytes.len() / 2, bytes.len() - 9, bytes.len() - 1] {
        damaged.push((format!("cut at {cut}"), bytes[..cut].to_vec()));
    }
    // Bytes overwritten inside the column data: pages that no longer decode.
    for at in (8..bytes.len() - 2000).step_by(bytes.len() / 12) {
        let mut broken = bytes.clone();
        for byte in &mut broken[at..at + 64] {
            *byte ^= 0x5a;
        }
        damaged.push((format!("garbled at {at}"), broken));
    }
    for (what, broken) in damaged {
        let path = dir.path().join("damaged.parquet");
        fs::write(&path, &broken).unwrap();
        let items: Vec<_> = Reader::builder()
            .build()
            .unwrap()
            .read([Source::Path(path), Source::Path(after.clone())])
            .collect();
        let last = items.last().unwrap().as_ref().unwrap();
        assert_eq!(last.doc.id, "after", "{what}: the file after was not read");
        let failures: Vec<&Failure> = items.iter().filter_map(|i| i.as_ref().err()).collect();
        for failure in &failures {
            assert!(failure.path.ends_with("damaged.parquet"), "{what}: {failure}");
            assert!(!failure.error.is_empty());
        }
        if what == "empty" || what == "not parquet" || what.starts_with("cut") {
            assert_eq!(items.len(), 2, "{what}: {items:?}");
            assert!(failures[0].error.starts_with("not a readable Parquet file"), "{what}");
        }
    }
}

/// The rows of a `documents.parquet` as the JSON records `documents.jsonl` writes (absent
/// values and empty lists left out, `seen_before` only when true).
fn parquet_records(path: &Path) -> Vec<Value> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let mut records = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        for row in 0..batch.num_rows() {
            let mut record = Map::new();
            for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
                if let Some(value) = json_of(column, row) {
                    if field.name() == "seen_before" && value == false {
                        continue;
                    }
                    record.insert(field.name().clone(), value);
                } else if field.name() == "title" {
                    record.insert("title".into(), Value::Null);
                }
            }
            records.push(Value::Object(record));
        }
    }
    records
}

fn json_of(column: &ArrayRef, row: usize) -> Option<Value> {
    use arrow_schema::DataType;
    if column.is_null(row) {
        return None;
    }
    Some(match column.data_type() {
        DataType::Utf8 => json!(column.as_string::<i32>().value(row)),
        DataType::UInt64 => json!(column.as_primitive::<UInt64Type>().value(row)),
        DataType::Boolean => json!(column.as_boolean().value(row)),
        DataType::List(field) => {
            let items = column.as_list::<i32>().value(row);
            let values: Vec<Value> = (0..items.len()).filter_map(|i| json_of(&items, i)).collect();
            // Lists of `meta` are left out when empty; `removed` never is.
            if values.is_empty() && matches!(field.data_type(), DataType::Utf8) {
                return None;
            }
            Value::Array(values)
        }
        DataType::Struct(fields) => {
            let array: &StructArray = column.as_struct();
            let mut map = Map::new();
            for (field, child) in fields.iter().zip(array.columns()) {
                if let Some(value) = json_of(child, row) {
                    map.insert(field.name().clone(), value);
                }
            }
            Value::Object(map)
        }
        other => panic!("unexpected column type {other}"),
    })
}
