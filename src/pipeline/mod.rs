//! The pipeline, wired for the `clean-news` binary.
//!
//! - [`BatchCleaner`] (`batch`): steps 1–3 as a stream — read, clean in parallel, write in
//!   input order. `clean-news clean` is this alone.
//! - [`run`]: the whole pipeline, `clean-news run` — the batch cleaner, then site templates
//!   (step 4), reposts (steps 5–8) and the run's output files (step 9).
//! - [`ids`]: one id, one text — what a repeated id means (a document seen again, or a new
//!   version under a derived id), decided as the batch cleaner writes.

mod batch;
pub mod ids;
pub mod run;

pub use batch::{BatchCleaner, BatchCleanerBuilder, CHUNK_BYTES, CHUNK_DOCS, CleanRun, Summary};
