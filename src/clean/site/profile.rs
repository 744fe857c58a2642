//! The profile format: what was learned per site, and the JSON file it is saved as
//! (`format` and `version` first, hashes as hex strings, sites by name, lines by count).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::config::SiteConfig;
use super::learn::SiteLearner;
use crate::{Cleaned, Error};

/// The version of the profiles file format; a file of another version is refused on load.
pub const FORMAT_VERSION: u32 = 1;

/// What a profiles file says it is.
const FORMAT_NAME: &str = "clean-news site profiles";

/// Where on a page a line stands, relative to the story's anchor lines (the long lines
/// the site does not repeat). Called a *zone* in the profile file and the removal notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PagePart {
    /// Before the story's first paragraph.
    Head,
    /// Between the story's first and last paragraphs.
    Middle,
    /// After the story's last paragraph.
    Tail,
}

impl PagePart {
    pub(super) const ALL: [PagePart; 3] = [PagePart::Head, PagePart::Middle, PagePart::Tail];

    pub(super) fn index(self) -> usize {
        match self {
            PagePart::Head => 0,
            PagePart::Middle => 1,
            PagePart::Tail => 2,
        }
    }

    /// The snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            PagePart::Head => "head",
            PagePart::Middle => "middle",
            PagePart::Tail => "tail",
        }
    }
}
/// How much evidence a line needs (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineClass {
    /// Short, not ending a sentence.
    Fragment,
    /// Short, ending with `.` or `!` (an ellipsis is no end).
    Sentence,
    /// At least `long_line_words` words.
    Long,
}

/// Whether a learned entry is a line or a shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateKind {
    /// The exact line (in matching form).
    Line,
    /// The line with digits and month and weekday names masked.
    Shape,
}

/// One learned template line or shape of a site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateLine {
    /// xxh3 of the matching form (for shapes: of the shape, with the shape seed), as 16 hex
    /// digits in the file.
    #[serde(with = "hex_u64")]
    pub hash: u64,
    /// Line or shape.
    pub kind: TemplateKind,
    /// The evidence class of the line.
    pub class: LineClass,
    /// The zones where it is template.
    pub zones: Vec<PagePart>,
    /// Documents of the site (copies not counted) that print it.
    pub docs: u32,
    /// Of those, how many print it in the head, middle and tail.
    pub zone_docs: [u32; 3],
    /// Whether it heads a teaser block.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub opens_block: bool,
    /// A sentence or long line that met the rule but is printed on other sites too: story
    /// text, never removed (listed so pages are zoned as they were when learning).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cross_site: bool,
    /// An example of the line as printed, for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl TemplateLine {
    pub(super) fn is_template_in(&self, zone: PagePart) -> bool {
        self.zones.contains(&zone)
    }
}

/// What was learned about one site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteProfile {
    /// The site key (see [`site_key`](super::site_key)).
    pub site: String,
    /// Documents of the site that were counted.
    pub docs: u64,
    /// Of those, how many were copies of earlier pages of the site (not counted further).
    pub copies: u64,
    /// Whether the site had enough documents to learn from.
    pub learned: bool,
    /// When the table overflowed: lines seen on fewer documents than this may be missing.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pruned_below: u32,
    /// Sentences and long lines that met the rule but occur on other sites too (listed with
    /// `cross_site`, never removed).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub refused_cross_site: u32,
    /// Learned lines and shapes, most frequent first.
    pub lines: Vec<TemplateLine>,
    #[serde(skip)]
    pub(super) index: HashMap<(TemplateKind, u64), usize>,
}

fn is_zero(x: &u32) -> bool {
    *x == 0
}

impl SiteProfile {
    pub(super) fn build_index(&mut self) {
        self.index = self.lines.iter().enumerate().map(|(i, l)| ((l.kind, l.hash), i)).collect();
    }

    pub(super) fn lookup(&self, kind: TemplateKind, hash: u64) -> Option<&TemplateLine> {
        self.index.get(&(kind, hash)).and_then(|&i| self.lines.get(i))
    }

    /// Documents counted for the decision (not copies).
    pub fn stories(&self) -> u64 {
        self.docs.saturating_sub(self.copies)
    }
}

/// Learned templates of every site, ready to apply, save and load.
///
/// # Example
///
/// ```
/// use clean_news::Cleaned;
/// use clean_news::clean::site::{SiteConfig, SiteProfiles};
///
/// let page = |i: usize| {
///     let mut doc = Cleaned::default();
///     doc.id = format!("p{i}");
///     doc.meta.site = Some("example.com".into());
///     doc.text = format!(
///         "Example News | Sign in\n\nStory number {i} opened with a long first paragraph \
///          about the events of day {i} in the city.\n\nShare this story"
///     );
///     doc
/// };
/// let batch: Vec<Cleaned> = (0..20).map(page).collect();
/// let profiles = SiteProfiles::learn(&batch, &SiteConfig::default())?;
/// let mut doc = page(99);
/// profiles.apply(&mut doc);
/// assert!(doc.text.starts_with("Story number 99"));
/// assert_eq!(doc.removed.len(), 2);
/// assert_eq!(doc.removed[0].rule, "site_template.line");
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "ProfilesFile", try_from = "ProfilesFile")]
pub struct SiteProfiles {
    pub(super) config: SiteConfig,
    pub(super) documents: u64,
    pub(super) sites: BTreeMap<String, SiteProfile>,
}

/// The file form of [`SiteProfiles`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfilesFile {
    format: String,
    version: u32,
    config: SiteConfig,
    documents: u64,
    sites: Vec<SiteProfile>,
}

impl From<SiteProfiles> for ProfilesFile {
    fn from(p: SiteProfiles) -> ProfilesFile {
        ProfilesFile {
            format: FORMAT_NAME.to_owned(),
            version: FORMAT_VERSION,
            config: p.config,
            documents: p.documents,
            sites: p.sites.into_values().collect(),
        }
    }
}

impl TryFrom<ProfilesFile> for SiteProfiles {
    type Error = String;

    fn try_from(file: ProfilesFile) -> Result<SiteProfiles, String> {
        if file.format != FORMAT_NAME {
            return Err(format!("not a site profiles file (format {:?})", file.format));
        }
        if file.version != FORMAT_VERSION {
            return Err(format!(
                "site profiles format version {}, this build reads {FORMAT_VERSION}: learn the \
                 profiles again",
                file.version
            ));
        }
        let mut sites = BTreeMap::new();
        for mut site in file.sites {
            site.build_index();
            sites.insert(site.site.clone(), site);
        }
        Ok(SiteProfiles { config: file.config, documents: file.documents, sites })
    }
}
impl SiteProfiles {
    /// Learns the profiles of every site in one batch (see [`SiteLearner`] to learn from a
    /// stream of batches).
    ///
    /// # Errors
    ///
    /// A `Config` error when `config` is out of range.
    pub fn learn(docs: &[Cleaned], config: &SiteConfig) -> Result<SiteProfiles, Error> {
        let mut learner = SiteLearner::new(config)?;
        learner.add_batch(docs);
        Ok(learner.finish())
    }

    /// These profiles with `newer` laid over them: a site that learned something in `newer`
    /// takes its new profile, every other site keeps the one it had. This is how a run
    /// started with `--site-profiles` keeps what earlier batches taught about sites that are
    /// absent, or too few, in its own batch.
    #[must_use]
    pub fn merged_with(mut self, newer: SiteProfiles) -> SiteProfiles {
        for (site, profile) in newer.sites {
            let keep_old = !profile.learned && self.sites.get(&site).is_some_and(|p| p.learned);
            if !keep_old {
                self.sites.insert(site, profile);
            }
        }
        self.documents = self.documents.saturating_add(newer.documents);
        self.config = newer.config;
        self
    }

    /// The profile of each site as profiles of its own (holding that site alone, with the
    /// site's documents as its count), in site order: how the index stores them, one record
    /// a site, so that a run rewrites only the sites it saw. [`merged_with`](Self::merged_with)
    /// joins them back.
    pub fn split_by_site(&self) -> impl Iterator<Item = SiteProfiles> + '_ {
        self.sites.values().map(|profile| SiteProfiles {
            config: self.config.clone(),
            documents: profile.docs,
            sites: BTreeMap::from([(profile.site.clone(), profile.clone())]),
        })
    }

    /// No profiles: [`apply`](Self::apply) removes nothing.
    pub fn empty() -> SiteProfiles {
        SiteProfiles { config: SiteConfig::default(), documents: 0, sites: BTreeMap::new() }
    }

    /// The configuration the profiles were learned with.
    pub fn config(&self) -> &SiteConfig {
        &self.config
    }

    /// Documents seen while learning (with a site).
    pub fn documents(&self) -> u64 {
        self.documents
    }

    /// The profile of one site.
    pub fn site(&self, site: &str) -> Option<&SiteProfile> {
        self.sites.get(site)
    }

    /// Every profile, by site name.
    pub fn sites(&self) -> impl Iterator<Item = &SiteProfile> {
        self.sites.values()
    }

    /// The profiles as JSON (pretty-printed; one file per run, loadable with
    /// [`from_json`](Self::from_json)).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads profiles from JSON.
    ///
    /// # Errors
    ///
    /// A `Parse` error when the text is not a profiles file of this format version.
    pub fn from_json(json: &str) -> Result<SiteProfiles, Error> {
        serde_json::from_str(json).map_err(|e| Error::parse("site profiles", e.to_string()))
    }

    /// Writes the profiles to a JSON file.
    ///
    /// # Errors
    ///
    /// An `Io` error when the file cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        std::fs::write(path, self.to_json())
            .map_err(|e| Error::io(Some(path.to_owned()), "cannot write site profiles", e))
    }

    /// Reads profiles from a JSON file.
    ///
    /// # Errors
    ///
    /// An `Io` error when the file cannot be read, a `Parse` error when it is not a profiles
    /// file of this format version.
    pub fn load(path: impl AsRef<Path>) -> Result<SiteProfiles, Error> {
        let path = path.as_ref();
        let json = std::fs::read_to_string(path)
            .map_err(|e| Error::io(Some(path.to_owned()), "cannot read site profiles", e))?;
        serde_json::from_str(&json)
            .map_err(|e| Error::parse(path.display().to_string(), e.to_string()))
    }
}

impl fmt::Display for SiteProfiles {
    /// A human summary: one line per site, then its learned lines with their examples.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} sites, {} documents (site profiles format {FORMAT_VERSION})",
            self.sites.len(),
            self.documents
        )?;
        for p in self.sites.values() {
            let shapes = p.lines.iter().filter(|l| l.kind == TemplateKind::Shape).count();
            let cross = p.lines.iter().filter(|l| l.cross_site).count();
            let blocks = p.lines.iter().filter(|l| l.opens_block).count();
            writeln!(
                f,
                "\n{}: {} docs ({} copies), {}",
                p.site,
                p.docs,
                p.copies,
                if p.learned {
                    format!(
                        "{} lines, {shapes} shapes, {blocks} block headers, {cross} cross-site \
                         lines kept",
                        p.lines.len() - shapes - cross
                    )
                } else {
                    "too few documents to learn".to_owned()
                }
            )?;
            for l in p.lines.iter().filter(|l| l.text.is_some() && !l.cross_site) {
                let zones: Vec<&str> = l.zones.iter().map(|z| z.as_str()).collect();
                writeln!(
                    f,
                    "  {:>6} {:<5} {:<11} {}{}",
                    l.docs,
                    if l.kind == TemplateKind::Shape { "shape" } else { "line" },
                    zones.join(","),
                    l.text.as_deref().unwrap_or(""),
                    if l.opens_block { "  [block]" } else { "" }
                )?;
            }
        }
        Ok(())
    }
}
/// Hashes as 16 hex digits: JSON numbers above 2^53 lose precision in many readers.
mod hex_u64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(x: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{x:016x}"))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let s = String::deserialize(d)?;
        u64::from_str_radix(&s, 16).map_err(serde::de::Error::custom)
    }
}
