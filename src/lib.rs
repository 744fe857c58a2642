//! `clean-news` turns what news scrapers leave behind into clean articles grouped by story.
//!
//! The pipeline (see `DESIGN.md`), one module per step, data flowing forward only:
//!
//! | step | module | in → out |
//! |---|---|---|
//! | 1 read | [`input`] | paths, stdin → [`Document`]s |
//! | 3 clean | [`normalize`], [`clean`] | text → [`Cleaned`] (text, [`Meta`], [`Removal`]s) |
//! | 4 site templates | [`clean::site`] | a batch → per-site profiles ([`SiteProfiles`], [`SiteLearner`]) → template lines removed |
//! | 5–8 find reposts | [`dedup`] | cleaned text → signatures → candidates → verified edges → clusters |
//! | 9 write | [`output`] | records → JSON Lines |
//!
//! [`pipeline`] wires the steps for the `clean-news` binary: [`pipeline::BatchCleaner`] streams
//! steps 1–3, [`pipeline::run`] is the whole pipeline. [`index`] remembers documents and site
//! profiles across runs; [`eval`] scores extraction and clustering against labelled sets;
//! [`report`] turns a run's output into one self-contained HTML page (what was removed, what
//! was merged); [`calendar`] converts the crate's times to dates.
//!
//! `ARCHITECTURE.md`, at the root of the repository, draws the nine steps with the module of
//! each and follows one document through them, function by function, from input to output.
//!
//! # Example
//!
//! ```
//! use clean_news::{Cleaner, Document};
//!
//! let cleaner = Cleaner::builder().build()?;
//! let page = "25.06.2024, 14:25 61571\n\nExperts talk rare minerals\n\n\
//!             Experts from five countries discussed the region's mineral resources on Monday.\n\n\
//!             Found an error in the text?\n\nSelect the error and press Ctrl + Enter.";
//! let cleaned = cleaner.clean(&Document::text("kt-1", page));
//! assert_eq!(cleaned.title.as_deref(), Some("Experts talk rare minerals"));
//! assert_eq!(cleaned.meta.views, Some(61571));
//! assert!(!cleaned.text.contains("Ctrl"));
//! # Ok::<(), clean_news::Error>(())
//! ```
#![deny(missing_docs)]

pub mod calendar;
mod charset;
pub mod clean;
pub mod dedup;
mod error;
pub mod eval;
pub mod index;
pub mod input;
mod model;
pub mod normalize;
pub mod output;
pub mod pipeline;
pub mod report;
pub mod story;

pub use clean::site::{SiteConfig, SiteLearner, SiteProfiles};
pub use clean::{Cleaner, CleanerBuilder};
pub use dedup::{DedupConfig, Deduper};
pub use error::{Error, ErrorKind};
pub use index::Index;
pub use model::{Body, Cleaned, Document, Meta, Removal, RemovalClass};
