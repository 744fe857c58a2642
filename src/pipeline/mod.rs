//! The pipeline, wired for the `clean-news` binary.
//!
//! - [`BatchCleaner`] (`batch`): steps 1–3 as a stream — read, clean in parallel, write in
//!   input order. `clean-news clean` is this alone.
//! - [`job`]: the batch steps (site templates, signing, the index's priors, clustering) as
//!   one library type, [`Job`](job::Job), fed the cleaned documents chunk by chunk: the core
//!   that `run`, the Python binding and the Spark job share.
//! - [`run`]: the whole pipeline, `clean-news run` — the batch cleaner and the job in three
//!   passes over the batch, spilling cleaned records to the output folder between them
//!   (`spill`), so that memory is bounded by a budget, not by the input, then the run's
//!   output files (step 9).
//! - `stories`: with `--stories`, each document's story evidence (pass 2), the grouping of
//!   the batch's clusters into stories, and `stories.jsonl` (pass 3).
//! - [`ids`]: one id, one text — what a repeated id means (a document seen again, or a new
//!   version under a derived id), decided as the batch cleaner writes.

mod batch;
pub mod ids;
pub mod job;
pub mod run;
mod spill;
mod stories;

pub use batch::{BatchCleaner, BatchCleanerBuilder, CHUNK_BYTES, CHUNK_DOCS, CleanRun, Summary};
