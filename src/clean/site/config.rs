//! The learning parameters: what counts as evidence, and the bounds of memory. They are
//! saved with the profiles, so applying a profile analyses lines as learning did.

use serde::{Deserialize, Serialize};

use super::profile::{LineClass, PagePart, TemplateKind};
use crate::Error;

/// The learning parameters, saved with the profiles.
///
/// # Example
///
/// ```
/// use clean_news::clean::site::SiteConfig;
///
/// let config: SiteConfig = toml::from_str("min_docs = 5\nmin_site_docs = 50")?;
/// assert_eq!(config.min_docs, 5);
/// assert_eq!(config.long_line_words, SiteConfig::default().long_line_words);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteConfig {
    /// A line is template only if at least this many documents of the site (copies not
    /// counted) print it in the same zone. At least 2. Default `3`.
    pub min_docs: u32,
    /// Sites with fewer documents (copies not counted) learn nothing. Default `10`.
    pub min_site_docs: u32,
    /// Share of the site's documents needed for a fragment or shape in the head or tail,
    /// 0 to 1. Default `0.005`.
    pub min_share_fragment: f64,
    /// Share needed for sentences, long lines, and any line in the middle, 0 to 1.
    /// Default `0.25`.
    pub min_share_text: f64,
    /// Lines with at least this many words are long: anchors of the story, and protected
    /// when they occur on two sites. Default `12`.
    pub long_line_words: u32,
    /// Teaser lines in a block have at most this many words. Default `16`.
    pub block_max_words: u32,
    /// A block of more lines than this is not a teaser block and is kept. Default `12`.
    pub block_max_lines: u32,
    /// Most line hashes counted per site; beyond, the least-seen half is dropped. At least
    /// 1024. Default `50_000`.
    pub max_lines_per_site: u32,
    /// Share of documents used for counting, chosen by the hash of their id (0 < x ≤ 1).
    /// Long lines of every document still feed the cross-site check. Default `1.0`.
    pub sample_share: f64,
    /// Example strings saved per site for display. Default `32`.
    pub max_examples_per_site: u32,
}

impl Default for SiteConfig {
    fn default() -> SiteConfig {
        SiteConfig {
            min_docs: 3,
            min_site_docs: 10,
            min_share_fragment: 0.005,
            min_share_text: 0.25,
            long_line_words: 12,
            block_max_words: 16,
            block_max_lines: 12,
            max_lines_per_site: 50_000,
            sample_share: 1.0,
            max_examples_per_site: 32,
        }
    }
}

impl SiteConfig {
    /// Checks every value is in range.
    ///
    /// # Errors
    ///
    /// A `Config` error naming the first field out of range.
    pub fn validate(&self) -> Result<(), Error> {
        let share = |name: &str, x: f64, zero_ok: bool| {
            if x.is_finite() && x <= 1.0 && (x > 0.0 || (zero_ok && x == 0.0)) {
                Ok(())
            } else {
                Err(Error::config(format!("site templates: {name} must be in 0..=1, not {x}")))
            }
        };
        share("min_share_fragment", self.min_share_fragment, true)?;
        share("min_share_text", self.min_share_text, true)?;
        share("sample_share", self.sample_share, false)?;
        if self.min_docs < 2 {
            return Err(Error::config("site templates: min_docs must be at least 2"));
        }
        if self.long_line_words < 2 {
            return Err(Error::config("site templates: long_line_words must be at least 2"));
        }
        if self.max_lines_per_site < 1024 {
            return Err(Error::config("site templates: max_lines_per_site must be at least 1024"));
        }
        Ok(())
    }

    /// Documents needed for a line or shape of `class` in `zone`, on a site of `stories`
    /// documents.
    pub(super) fn needed(
        &self,
        kind: TemplateKind,
        class: LineClass,
        zone: PagePart,
        stories: u64,
    ) -> u64 {
        let share = match (kind, class, zone) {
            (TemplateKind::Line, LineClass::Fragment, PagePart::Head | PagePart::Tail) => {
                self.min_share_fragment
            }
            _ => self.min_share_text,
        };
        let by_share = (share * stories as f64).ceil();
        let by_share = if by_share.is_finite() { by_share as u64 } else { u64::MAX };
        by_share.max(u64::from(self.min_docs))
    }
}
