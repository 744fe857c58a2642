//! Step 3: the text cleaner. (API settled; implementation in progress.)

pub mod site;

use std::path::PathBuf;
use std::sync::Arc;

use crate::{Cleaned, Document, Error};

/// Cleans documents: removes boilerplate, moves headers and bylines to metadata.
#[derive(Debug, Clone)]
pub struct Cleaner {
    inner: Arc<()>,
}

/// Builds a [`Cleaner`].
#[derive(Debug, Clone, Default)]
pub struct CleanerBuilder {
    packs: Option<Vec<String>>,
    pack_files: Vec<PathBuf>,
}

impl Cleaner {
    /// A builder with the default configuration: every built-in pack.
    pub fn builder() -> CleanerBuilder {
        CleanerBuilder::default()
    }

    /// Cleans one document. Never fails and never panics: a document that cannot be
    /// understood comes back with its text as it was.
    pub fn clean(&self, doc: &Document) -> Cleaned {
        let _ = &self.inner;
        Cleaned { id: doc.id.clone(), text: doc.body.as_text().unwrap_or("").to_owned(), ..Cleaned::default() }
    }
}

impl CleanerBuilder {
    /// Use only these built-in packs (by name: `common`, `en`, `ru`, …).
    pub fn packs<I, S>(&mut self, names: I) -> &mut CleanerBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.packs = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Also load a user or site pack from a TOML file.
    pub fn pack_file(&mut self, path: impl Into<PathBuf>) -> &mut CleanerBuilder {
        self.pack_files.push(path.into());
        self
    }

    /// Parses and compiles the packs.
    ///
    /// # Errors
    ///
    /// A pack that cannot be found, read, parsed or validated.
    pub fn build(&self) -> Result<Cleaner, Error> {
        if let Some(bad) = self.packs.iter().flatten().find(|p| !["common", "en", "ru"].contains(&p.as_str())) {
            return Err(Error::pack(bad.clone(), None, "no built-in pack of that name"));
        }
        Ok(Cleaner { inner: Arc::new(()) })
    }
}
