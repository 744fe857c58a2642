//! Cleaned documents as a Parquet table (feature `parquet`): what `documents.jsonl` holds,
//! one row per document, for the data tools that read Parquet (pandas, polars, DuckDB,
//! Hugging Face datasets, datatrove).
//!
//! - **The JSON record's shape.** Columns `id`, `title`, `text`, then `meta` as a *struct*
//!   with the fields of [`Meta`] (lists for `authors`, `sources`, `notes`) and `removed` as a
//!   *list of structs* `{class, rule, text, line, note}`; a run adds `cluster`, `canonical`
//!   and `seen_before`. A struct rather than flattened `meta_*` columns so that a row reads
//!   back as the JSON record does (`meta.language` in DuckDB and polars, `row["meta"]` in
//!   Python), with no naming scheme to learn, and so a field added to [`Meta`] is one field
//!   added here. Absent values are nulls; `seen_before` is always written (`false` where the
//!   JSON omits it).
//! - **Streaming.** Rows are buffered 256 at a time, handed to the `parquet`
//!   writer, which encodes and compresses (zstd) them into pages at once; a row group is
//!   closed every [`ROW_GROUP_ROWS`] rows or once its encoded size passes
//!   [`ROW_GROUP_BYTES`]. So memory stays bounded by one row group, whatever the number of
//!   documents, and readers can stream the file back a row group at a time.
//! - **Written whole.** The writer writes into any `Write`; the pipeline gives it an
//!   [`AtomicFile`](super::AtomicFile), so the file appears with its footer or not at all.
//!
//! # Cost
//!
//! Measured on a 2-core machine shared with other builds (load average about 10), so the
//! CPU seconds say more than the wall-clock ones:
//!
//! - **Build.** A release build of the crate without the feature, from nothing: 1,165 s
//!   wall, 245 s user CPU. Adding the feature to it afterwards (the `arrow` and `parquet`
//!   crates, then the crate and its whole-program LTO again): 758 s wall, 282 s user CPU,
//!   where rebuilding the crate and its LTO alone takes 333 s wall, 163 s user CPU: the
//!   `arrow` and `parquet` crates cost about 120 s of CPU once, and are cached after.
//!   A debug build: adding the feature to an existing build took 131 s wall, 68 s user CPU.
//! - **Run.** `clean-news run --no-index` on the near-duplicate dev set (4,182 pages,
//!   11 MB), release build, three runs each: from JSON Lines 3.4–3.6 s wall, 0.89–0.91 s
//!   CPU; from the same rows as Parquet (written by pyarrow, snappy) 3.3–3.7 s wall,
//!   0.92–0.94 s CPU; with `--parquet` as well 3.6–3.8 s wall, 0.97–1.03 s CPU. Both inputs
//!   give byte-identical `documents.jsonl` and `clusters.jsonl`. `documents.parquet` is
//!   3.7 MB beside the 14.2 MB of `documents.jsonl`.

use std::io::{self, Write};
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, ListBuilder, StringBuilder, StructBuilder, UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;

use crate::{Cleaned, Error, Meta, Removal};

/// Rows buffered before they are encoded.
const BATCH_ROWS: usize = 256;

/// Rows per row group at most.
pub const ROW_GROUP_ROWS: usize = 8192;

/// Encoded bytes after which a row group is closed early.
pub const ROW_GROUP_BYTES: usize = 64 * 1024 * 1024;

/// Where a document landed in a run: the columns `documents.parquet` adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement<'a> {
    /// The cluster's id.
    pub cluster: &'a str,
    /// Whether the document is its cluster's canonical member.
    pub canonical: bool,
    /// Whether the index held the document before this run.
    pub seen_before: bool,
    /// Its story, when the run grouped stories (a writer made by
    /// [`placed`](ParquetWriter::placed) with stories has the column).
    pub story: Option<&'a str>,
}

/// Writes cleaned documents as Parquet, a row group at a time.
///
/// # Example
///
/// ```
/// use clean_news::Cleaned;
/// use clean_news::output::parquet::ParquetWriter;
///
/// let mut out = ParquetWriter::new(Vec::new())?;
/// out.write_cleaned(&Cleaned { id: "a".into(), text: "Hi.".into(), ..Cleaned::default() })?;
/// let bytes = out.finish()?;
/// assert_eq!(&bytes[..4], b"PAR1");
/// # Ok::<(), clean_news::Error>(())
/// ```
pub struct ParquetWriter<W: Write + Send> {
    writer: ArrowWriter<W>,
    schema: SchemaRef,
    columns: Columns,
    buffered: usize,
}

impl<W: Write + Send> std::fmt::Debug for ParquetWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetWriter").field("buffered", &self.buffered).finish()
    }
}

impl<W: Write + Send> ParquetWriter<W> {
    /// A writer of cleaned documents: `id`, `title`, `text`, `meta`, `removed`.
    ///
    /// # Errors
    ///
    /// An `Io` error when the file header cannot be written.
    pub fn new(out: W) -> Result<ParquetWriter<W>, Error> {
        ParquetWriter::create(out, false, false)
    }

    /// A writer of a run's documents: the columns of [`new`](Self::new) and `cluster`,
    /// `canonical`, `seen_before`; rows are written with [`write_placed`](Self::write_placed).
    ///
    /// # Errors
    ///
    /// An `Io` error when the file header cannot be written.
    pub fn with_clusters(out: W) -> Result<ParquetWriter<W>, Error> {
        ParquetWriter::create(out, true, false)
    }

    /// A writer of a run's documents as [`with_clusters`](Self::with_clusters) makes, and,
    /// when `stories`, a last column `story` (a run that groups stories, #20).
    ///
    /// # Errors
    ///
    /// An `Io` error when the file header cannot be written.
    pub fn placed(out: W, stories: bool) -> Result<ParquetWriter<W>, Error> {
        ParquetWriter::create(out, true, stories)
    }

    fn create(out: W, clustered: bool, stories: bool) -> Result<ParquetWriter<W>, Error> {
        let mut schema = schema(clustered);
        if stories {
            let mut fields: Vec<Field> = schema.fields().iter().map(|f| (**f).clone()).collect();
            fields.push(Field::new("story", text(), true));
            schema = Arc::new(Schema::new(fields));
        }
        let properties = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .build();
        let writer = ArrowWriter::try_new(out, Arc::clone(&schema), Some(properties))
            .map_err(write_error)?;
        let columns = Columns::new(clustered, stories);
        Ok(ParquetWriter { writer, schema, columns, buffered: 0 })
    }

    /// Writes one cleaned document (a writer made with [`with_clusters`](Self::with_clusters)
    /// leaves its cluster columns null).
    ///
    /// # Errors
    ///
    /// An `Io` error when writing fails.
    pub fn write_cleaned(&mut self, cleaned: &Cleaned) -> Result<(), Error> {
        self.columns.push(cleaned, None);
        self.row_added()
    }

    /// Writes one document of a run with its cluster.
    ///
    /// # Errors
    ///
    /// An `Io` error when writing fails.
    pub fn write_placed(
        &mut self,
        cleaned: &Cleaned,
        placement: Placement<'_>,
    ) -> Result<(), Error> {
        self.columns.push(cleaned, Some(placement));
        self.row_added()
    }

    fn row_added(&mut self) -> Result<(), Error> {
        self.buffered += 1;
        if self.buffered >= BATCH_ROWS {
            self.write_batch()?;
        }
        Ok(())
    }

    fn write_batch(&mut self) -> Result<(), Error> {
        if self.buffered == 0 {
            return Ok(());
        }
        let batch = self.columns.finish(&self.schema)?;
        self.buffered = 0;
        self.writer.write(&batch).map_err(write_error)?;
        if self.writer.in_progress_size() >= ROW_GROUP_BYTES {
            self.writer.flush().map_err(write_error)?;
        }
        Ok(())
    }

    /// Writes the rows still buffered and the footer, and returns the inner writer.
    ///
    /// # Errors
    ///
    /// An `Io` error when writing fails.
    pub fn finish(mut self) -> Result<W, Error> {
        self.write_batch()?;
        self.writer.into_inner().map_err(write_error)
    }
}

fn write_error(err: ParquetError) -> Error {
    Error::io(None, "cannot write Parquet", io::Error::other(err))
}

fn text() -> DataType {
    DataType::Utf8
}

fn text_list() -> DataType {
    DataType::List(Arc::new(Field::new("item", text(), true)))
}

/// The fields of [`Meta`], in its order.
fn meta_fields() -> Fields {
    Fields::from(vec![
        Field::new("published", text(), true),
        Field::new("views", DataType::UInt64, true),
        Field::new("authors", text_list(), true),
        Field::new("sources", text_list(), true),
        Field::new("dateline", text(), true),
        Field::new("language", text(), true),
        Field::new("canonical_url", text(), true),
        Field::new("site", text(), true),
        Field::new("site_name", text(), true),
        Field::new("description", text(), true),
        Field::new("non_article", text(), true),
        Field::new("notes", text_list(), true),
    ])
}

/// The fields of [`Removal`].
fn removal_fields() -> Fields {
    Fields::from(vec![
        Field::new("class", text(), false),
        Field::new("rule", text(), false),
        Field::new("text", text(), false),
        Field::new("line", DataType::UInt64, false),
        Field::new("note", text(), true),
    ])
}

/// The table's schema; `clustered` adds a run's columns.
pub fn schema(clustered: bool) -> SchemaRef {
    let removal = DataType::Struct(removal_fields());
    let mut fields = vec![
        Field::new("id", text(), false),
        Field::new("title", text(), true),
        Field::new("text", text(), false),
        Field::new("meta", DataType::Struct(meta_fields()), false),
        Field::new("removed", DataType::List(Arc::new(Field::new("item", removal, true))), false),
    ];
    if clustered {
        fields.push(Field::new("cluster", text(), true));
        fields.push(Field::new("canonical", DataType::Boolean, true));
        fields.push(Field::new("seen_before", DataType::Boolean, true));
    }
    Arc::new(Schema::new(fields))
}

/// The columns of the rows buffered, as arrow builders.
struct Columns {
    id: StringBuilder,
    title: StringBuilder,
    text: StringBuilder,
    meta: StructBuilder,
    removed: ListBuilder<StructBuilder>,
    placement: Option<(StringBuilder, BooleanBuilder, BooleanBuilder)>,
    story: Option<StringBuilder>,
}

impl Columns {
    fn new(clustered: bool, stories: bool) -> Columns {
        Columns {
            id: StringBuilder::new(),
            title: StringBuilder::new(),
            text: StringBuilder::new(),
            meta: StructBuilder::from_fields(meta_fields(), BATCH_ROWS),
            removed: ListBuilder::new(StructBuilder::from_fields(removal_fields(), BATCH_ROWS))
                .with_field(Arc::new(Field::new("item", DataType::Struct(removal_fields()), true))),
            placement: clustered
                .then(|| (StringBuilder::new(), BooleanBuilder::new(), BooleanBuilder::new())),
            story: stories.then(StringBuilder::new),
        }
    }

    fn push(&mut self, cleaned: &Cleaned, placement: Option<Placement<'_>>) {
        self.id.append_value(&cleaned.id);
        self.title.append_option(cleaned.title.as_deref());
        self.text.append_value(&cleaned.text);
        push_meta(&mut self.meta, &cleaned.meta);
        let removals = self.removed.values();
        for removal in &cleaned.removed {
            push_removal(removals, removal);
        }
        self.removed.append(true);
        if let Some((cluster, canonical, seen_before)) = &mut self.placement {
            cluster.append_option(placement.map(|p| p.cluster));
            canonical.append_option(placement.map(|p| p.canonical));
            seen_before.append_option(placement.map(|p| p.seen_before));
        }
        if let Some(story) = &mut self.story {
            story.append_option(placement.and_then(|p| p.story));
        }
    }

    /// The buffered rows as a batch; the builders are emptied.
    fn finish(&mut self, schema: &SchemaRef) -> Result<RecordBatch, Error> {
        let mut arrays: Vec<ArrayRef> = vec![
            Arc::new(self.id.finish()),
            Arc::new(self.title.finish()),
            Arc::new(self.text.finish()),
            Arc::new(self.meta.finish()),
            Arc::new(self.removed.finish()),
        ];
        if let Some((cluster, canonical, seen_before)) = &mut self.placement {
            arrays.push(Arc::new(cluster.finish()));
            arrays.push(Arc::new(canonical.finish()));
            arrays.push(Arc::new(seen_before.finish()));
        }
        if let Some(story) = &mut self.story {
            arrays.push(Arc::new(story.finish()));
        }
        RecordBatch::try_new(Arc::clone(schema), arrays)
            .map_err(|err| Error::io(None, "cannot write Parquet", io::Error::other(err)))
    }
}

/// The `n`th field builder of a struct builder, of type `B`. The fields are built here from
/// [`meta_fields`] and [`removal_fields`], so a wrong type is a bug in this file.
#[allow(clippy::expect_used)]
fn field<B: arrow_array::builder::ArrayBuilder>(builder: &mut StructBuilder, n: usize) -> &mut B {
    builder.field_builder::<B>(n).expect("field builder matches the schema")
}

fn push_list(builder: &mut StructBuilder, n: usize, values: &[String]) {
    let list = field::<ListBuilder<Box<dyn arrow_array::builder::ArrayBuilder>>>(builder, n);
    push_strings(list, values);
}

#[allow(clippy::expect_used)]
fn push_strings(
    list: &mut ListBuilder<Box<dyn arrow_array::builder::ArrayBuilder>>,
    values: &[String],
) {
    let items =
        list.values().as_any_mut().downcast_mut::<StringBuilder>().expect("a list of strings");
    for value in values {
        items.append_value(value);
    }
    list.append(true);
}

fn push_meta(builder: &mut StructBuilder, meta: &Meta) {
    field::<StringBuilder>(builder, 0).append_option(meta.published.as_deref());
    field::<UInt64Builder>(builder, 1).append_option(meta.views);
    push_list(builder, 2, &meta.authors);
    push_list(builder, 3, &meta.sources);
    field::<StringBuilder>(builder, 4).append_option(meta.dateline.as_deref());
    field::<StringBuilder>(builder, 5).append_option(meta.language.as_deref());
    field::<StringBuilder>(builder, 6).append_option(meta.canonical_url.as_deref());
    field::<StringBuilder>(builder, 7).append_option(meta.site.as_deref());
    field::<StringBuilder>(builder, 8).append_option(meta.site_name.as_deref());
    field::<StringBuilder>(builder, 9).append_option(meta.description.as_deref());
    field::<StringBuilder>(builder, 10).append_option(meta.non_article.as_deref());
    push_list(builder, 11, &meta.notes);
    builder.append(true);
}

fn push_removal(builder: &mut StructBuilder, removal: &Removal) {
    field::<StringBuilder>(builder, 0).append_value(removal.class.as_str());
    field::<StringBuilder>(builder, 1).append_value(&removal.rule);
    field::<StringBuilder>(builder, 2).append_value(&removal.text);
    field::<UInt64Builder>(builder, 3).append_value(removal.line as u64);
    field::<StringBuilder>(builder, 4).append_option(removal.note.as_deref());
    builder.append(true);
}

#[cfg(test)]
mod tests {
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    use super::*;
    use crate::RemovalClass;

    fn document(n: usize) -> Cleaned {
        Cleaned {
            id: format!("doc-{n}"),
            title: (n % 2 == 0).then(|| format!("Title {n}")),
            text: format!("Text of document {n}."),
            meta: Meta {
                authors: vec!["A. Writer".into(); n % 3],
                views: Some(n as u64),
                ..Meta::default()
            },
            removed: vec![
                Removal {
                    class: RemovalClass::Share,
                    rule: "share.row".into(),
                    text: "Share this".into(),
                    line: 3,
                    note: None,
                };
                n % 4
            ],
        }
    }

    fn read_back(bytes: Vec<u8>) -> (Vec<RecordBatch>, usize) {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&bytes).unwrap();
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        let row_groups = builder.metadata().num_row_groups();
        (builder.build().unwrap().map(Result::unwrap).collect(), row_groups)
    }

    #[test]
    fn rows_cross_batches_and_row_groups_in_order() {
        let mut out = ParquetWriter::new(Vec::new()).unwrap();
        let count = ROW_GROUP_ROWS + BATCH_ROWS + 7;
        for n in 0..count {
            out.write_cleaned(&document(n)).unwrap();
        }
        let (batches, row_groups) = read_back(out.finish().unwrap());
        assert_eq!(row_groups, 2);
        let ids: Vec<String> = batches
            .iter()
            .flat_map(|b| {
                let ids = b.column_by_name("id").unwrap().as_string::<i32>().clone();
                (0..ids.len()).map(move |i| ids.value(i).to_owned())
            })
            .collect();
        assert_eq!(ids.len(), count);
        assert!(ids.iter().enumerate().all(|(n, id)| *id == format!("doc-{n}")));
    }

    #[test]
    fn meta_is_a_struct_and_removed_a_list_of_structs() {
        let mut out = ParquetWriter::with_clusters(Vec::new()).unwrap();
        out.write_placed(
            &document(3),
            Placement { cluster: "c-1", canonical: true, seen_before: false, story: None },
        )
        .unwrap();
        out.write_cleaned(&document(4)).unwrap();
        let (batches, _) = read_back(out.finish().unwrap());
        let batch = &batches[0];
        assert_eq!(batch.schema(), schema(true));
        let meta = batch.column_by_name("meta").unwrap().as_struct();
        let authors = meta.column_by_name("authors").unwrap().as_list::<i32>();
        assert_eq!(authors.value(0).len(), 0);
        assert_eq!(authors.value(1).len(), 1);
        let removed = batch.column_by_name("removed").unwrap().as_list::<i32>();
        let first = removed.value(0);
        let rules = first.as_struct().column_by_name("rule").unwrap().as_string::<i32>();
        assert_eq!((rules.len(), rules.value(0)), (3, "share.row"));
        let cluster = batch.column_by_name("cluster").unwrap().as_string::<i32>();
        assert_eq!(cluster.value(0), "c-1");
        assert!(cluster.is_null(1));
    }
}
