//! Parquet input: a table with a row per document, as data teams keep crawls (Common Crawl
//! derivatives, Hugging Face datasets, datatrove and text-dedup outputs).
//!
//! - **Columns.** `id`, `url`, `site`, `published`, `title` and `text` or `html`, looked up
//!   by name; every other column is left unread (only the wanted columns are decoded). All
//!   are optional except a body: a file with neither `text` nor `html` is one failure. Values
//!   may be strings (`string`, `large_string`, `string_view`, dictionary-encoded strings),
//!   bytes (decoded as UTF-8, lossily with a note) or, for `id`, integers.
//! - **Rows, as JSON Lines records.** A file without an `id` column gives ids
//!   `<file>:<row>` (rows counted from 1), as JSON Lines does for records without one. In a
//!   file *with* an `id` column a null or empty id is a failure for that row: a column with
//!   holes is damaged data, and a made-up id would hide it. A row whose `text` and `html`
//!   are both null is a failure; one with both uses `text`, with a note. A failure costs
//!   that row only.
//! - **Bounded memory.** Rows are decoded a few at a time ([`BATCH_ROWS`]) while the reader
//!   walks the row groups page by page, so a file of any size needs memory for its footer,
//!   the pages in flight and one small batch. A value larger than
//!   [`Config::max_doc_bytes`](super::Config::max_doc_bytes) is a failure for its row.
//! - **Damage.** A file whose footer cannot be read (truncated, not Parquet) is one failure;
//!   a page that cannot be decoded ends the rest of the file with one failure naming the
//!   first row lost, as a corrupt gzip stream does. The `parquet` crate has panicked on
//!   hostile files in the past; a panic inside it is caught and becomes that failure too,
//!   so the batch goes on.
//!
//! Parquet needs to seek (its index is at the end), so it is read from files only, never
//! from stdin or through `.gz`/`.zst`.

use std::any::Any;
use std::borrow::Cow;
use std::fs::File;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchReader};
use arrow_schema::DataType;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use super::{Failure, Item, Limits, ReadDoc, body_of_record};
use crate::Document;

/// Rows decoded at a time. News pages are 10–200 KB of HTML, so a batch is a few MB.
const BATCH_ROWS: usize = 64;

/// The columns read, in the order of [`Row`]'s fields.
const COLUMNS: [&str; 7] = ["id", "url", "site", "published", "title", "text", "html"];

/// A Parquet file being read batch by batch.
pub(super) struct ParquetRows {
    pub(super) path: String,
    /// The name default ids are made of: `<name>:<row>`.
    name: String,
    batches: Option<ParquetRecordBatchReader>,
    batch: Option<RecordBatch>,
    /// Row of the current batch to read next.
    next_in_batch: usize,
    /// Rows read so far in the file (the next row's number minus one).
    rows_before: u64,
    has_id: bool,
}

impl ParquetRows {
    /// Opens a Parquet file: reads its footer and checks that it has a body column.
    pub(super) fn open(file: File, path: String, name: String) -> Result<ParquetRows, String> {
        let opened = guarded(|| -> Result<ParquetRecordBatchReader, String> {
            let builder = ParquetRecordBatchReaderBuilder::try_new(file)
                .map_err(|err| format!("not a readable Parquet file: {err}"))?;
            let fields = builder.schema().fields();
            let wanted: Vec<usize> = fields
                .iter()
                .enumerate()
                .filter(|(_, field)| COLUMNS.contains(&field.name().as_str()))
                .map(|(i, _)| i)
                .collect();
            let mask = ProjectionMask::roots(builder.parquet_schema(), wanted);
            builder
                .with_projection(mask)
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(|err| format!("not a readable Parquet file: {err}"))
        })?;
        let schema = opened.schema();
        let has = |name: &str| schema.column_with_name(name).is_some();
        if !has("text") && !has("html") {
            return Err("Parquet file has neither a `text` nor an `html` column".to_owned());
        }
        for field in schema.fields() {
            if !readable_as_text(field.data_type()) {
                return Err(format!(
                    "column `{}` has type {}, expected strings",
                    field.name(),
                    field.data_type()
                ));
            }
        }
        Ok(ParquetRows {
            path,
            name,
            has_id: has("id"),
            batches: Some(opened),
            batch: None,
            next_in_batch: 0,
            rows_before: 0,
        })
    }

    pub(super) fn next_item(&mut self, limits: Limits) -> Option<Item> {
        loop {
            if let Some(batch) = &self.batch {
                if self.next_in_batch < batch.num_rows() {
                    let row = self.next_in_batch;
                    self.next_in_batch += 1;
                    self.rows_before = self.rows_before.saturating_add(1);
                    let item = self.row(batch, row, self.rows_before, limits);
                    return Some(item);
                }
                self.batch = None;
            }
            let batches = self.batches.as_mut()?;
            let next = guarded(|| batches.next().transpose().map_err(|err| err.to_string()));
            match next {
                Ok(Some(batch)) => {
                    self.batch = Some(batch);
                    self.next_in_batch = 0;
                }
                Ok(None) => {
                    self.batches = None;
                    return None;
                }
                Err(err) => {
                    self.batches = None;
                    let first_lost = self.rows_before.saturating_add(1);
                    return Some(Err(Failure {
                        path: self.path.clone(),
                        id: Some(self.name.clone()),
                        error: format!("rows from {first_lost} on cannot be read: {err}"),
                    }));
                }
            }
        }
    }

    /// One row as a document or a failure. `number` counts rows from 1 over the file.
    fn row(&self, batch: &RecordBatch, row: usize, number: u64, limits: Limits) -> Item {
        let default_id = format!("{}:{number}", self.name);
        let mut notes = Vec::new();
        let mut failure = None;
        let mut get = |column: &str| -> Option<String> {
            let array = batch.column_by_name(column)?;
            match text_at(array, row) {
                Value::Null => None,
                Value::Text(text) => {
                    if text.len() > limits.max_doc_bytes {
                        failure.get_or_insert_with(|| {
                            format!("row {number}: `{column}` {}", limits.too_large())
                        });
                        return None;
                    }
                    Some(text.into_owned())
                }
                Value::Lossy(text) => {
                    notes.push(format!("`{column}` is not valid utf-8: decoded lossily"));
                    Some(text)
                }
            }
        };
        let id = get("id");
        let url = get("url");
        let site = get("site");
        let published = get("published");
        let title = get("title");
        let text = get("text");
        let html = get("html");
        let id = match id {
            Some(id) if !id.is_empty() => id,
            _ if !self.has_id => default_id.clone(),
            _ => {
                return Err(self.fail(&default_id, format!("row {number}: `id` is null or empty")));
            }
        };
        if let Some(error) = failure {
            return Err(self.fail(&id, error));
        }
        let Some(body) = body_of_record(text, html, &mut notes) else {
            return Err(self.fail(&id, format!("row {number}: neither `text` nor `html`")));
        };
        let doc = Document { id, url, site, published, title, body };
        Ok(ReadDoc { doc, path: self.path.clone(), notes })
    }

    fn fail(&self, id: &str, error: String) -> Failure {
        Failure { path: self.path.clone(), id: Some(id.to_owned()), error }
    }
}

/// A cell read as text.
enum Value<'a> {
    Null,
    Text(Cow<'a, str>),
    /// Bytes that were not valid UTF-8, decoded with replacement characters.
    Lossy(String),
}

/// Whether [`text_at`] can read a column of this type.
fn readable_as_text(data_type: &DataType) -> bool {
    match data_type {
        DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Null => true,
        DataType::Dictionary(_, values) => {
            matches!(values.as_ref(), DataType::Utf8 | DataType::LargeUtf8)
        }
        _ => false,
    }
}

/// The cell at `row`, as text. Types [`readable_as_text`] refuses read as null.
fn text_at(array: &ArrayRef, row: usize) -> Value<'_> {
    if row >= array.len() || array.is_null(row) {
        return Value::Null;
    }
    let bytes = |bytes: &[u8]| match std::str::from_utf8(bytes) {
        Ok(text) => Value::Text(Cow::Owned(text.to_owned())),
        Err(_) => Value::Lossy(String::from_utf8_lossy(bytes).into_owned()),
    };
    let number = |n: String| Value::Text(Cow::Owned(n));
    match array.data_type() {
        DataType::Utf8 => Value::Text(Cow::Borrowed(array.as_string::<i32>().value(row))),
        DataType::LargeUtf8 => Value::Text(Cow::Borrowed(array.as_string::<i64>().value(row))),
        DataType::Utf8View => Value::Text(Cow::Borrowed(array.as_string_view().value(row))),
        DataType::Binary => bytes(array.as_binary::<i32>().value(row)),
        DataType::LargeBinary => bytes(array.as_binary::<i64>().value(row)),
        DataType::BinaryView => bytes(array.as_binary_view().value(row)),
        DataType::Int8 => number(array.as_primitive::<Int8Type>().value(row).to_string()),
        DataType::Int16 => number(array.as_primitive::<Int16Type>().value(row).to_string()),
        DataType::Int32 => number(array.as_primitive::<Int32Type>().value(row).to_string()),
        DataType::Int64 => number(array.as_primitive::<Int64Type>().value(row).to_string()),
        DataType::UInt8 => number(array.as_primitive::<UInt8Type>().value(row).to_string()),
        DataType::UInt16 => number(array.as_primitive::<UInt16Type>().value(row).to_string()),
        DataType::UInt32 => number(array.as_primitive::<UInt32Type>().value(row).to_string()),
        DataType::UInt64 => number(array.as_primitive::<UInt64Type>().value(row).to_string()),
        DataType::Dictionary(_, _) => dictionary_text(array, row),
        _ => Value::Null,
    }
}

/// A dictionary-encoded string cell (pandas categoricals, pyarrow's `dictionary` columns).
fn dictionary_text(array: &ArrayRef, row: usize) -> Value<'_> {
    let Some(dictionary) = array.as_any_dictionary_opt() else {
        return Value::Null;
    };
    let key = dictionary.normalized_keys().get(row).copied();
    let values: &Arc<dyn Array> = dictionary.values();
    match key {
        Some(key) if key < values.len() => match text_at(values, key) {
            Value::Text(text) => Value::Text(Cow::Owned(text.into_owned())),
            other => other,
        },
        _ => Value::Null,
    }
}

/// Runs `f`, turning a panic inside the `parquet` crate into an error message.
fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => Err(format!("damaged Parquet data ({})", panic_message(payload.as_ref()))),
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "the decoder panicked".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use arrow_array::{DictionaryArray, StringArray, UInt16Array};

    use super::*;

    fn text(value: Value<'_>) -> Option<String> {
        match value {
            Value::Null => None,
            Value::Text(text) => Some(text.into_owned()),
            Value::Lossy(text) => Some(format!("lossy {text}")),
        }
    }

    #[test]
    fn dictionary_cells_read_through_their_keys() {
        let keys = UInt16Array::from(vec![Some(1), None, Some(0)]);
        let values = Arc::new(StringArray::from(vec!["kt.kz", "akipress.org"]));
        let array: ArrayRef = Arc::new(DictionaryArray::try_new(keys, values).unwrap());
        assert!(readable_as_text(array.data_type()));
        let cells: Vec<Option<String>> = (0..3).map(|row| text(text_at(&array, row))).collect();
        assert_eq!(cells, [Some("akipress.org".into()), None, Some("kt.kz".into())]);
    }

    #[test]
    fn nested_and_float_columns_are_not_text() {
        assert!(!readable_as_text(&DataType::Float64));
        assert!(!readable_as_text(&DataType::Dictionary(
            Box::new(DataType::Int32),
            Box::new(DataType::Int64)
        )));
        assert!(readable_as_text(&DataType::Null));
    }

    #[test]
    fn a_panic_in_the_decoder_becomes_a_message() {
        let caught = guarded::<()>(|| panic!("index out of bounds"));
        assert_eq!(caught.unwrap_err(), "damaged Parquet data (index out of bounds)");
    }
}
