//! Applying profiles: a page loses the lines its site prints on every page, each removal
//! recorded with the evidence behind it.

use std::fmt;

use serde::Serialize;

use super::lines::{analyse, parts_of};
use super::profile::{LineClass, PagePart, SiteProfiles, TemplateKind, TemplateLine};
use super::site_key;
use crate::{Cleaned, Removal, RemovalClass};

/// Why one line was removed: the evidence behind a `site_template` [`Removal`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The 0-based line of the text before [`SiteProfiles::apply`].
    pub line: usize,
    /// The rule id (`site_template.line`, `.shape` or `.block`).
    pub rule: &'static str,
    /// The site whose profile removed it.
    pub site: String,
    /// The zone where the line stood.
    pub zone: PagePart,
    /// Documents of the site that print the line (for a block: that print its header).
    pub docs: u32,
    /// Documents the site's profile was learned from (copies not counted).
    pub site_docs: u64,
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} site={} zone={} docs={}/{}",
            self.rule,
            self.site,
            self.zone.as_str(),
            self.docs,
            self.site_docs
        )
    }
}
impl SiteProfiles {
    /// Removes the template lines of the document's site from its text, appends a
    /// [`Removal`] of class `site_template` per line (with `line` counted in the text as it
    /// was before), and returns the evidence for each, in line order.
    ///
    /// Kept lines keep their characters; where lines were removed, runs of blank lines are
    /// collapsed to one, blank lines at either end dropped and `\r\n` becomes `\n`. A document without a site, or
    /// of a site that learned nothing, is left as it is. Applying twice removes nothing more.
    pub fn apply(&self, doc: &mut Cleaned) -> Vec<Evidence> {
        let Some(site) = site_key(doc) else { return Vec::new() };
        let Some(profile) = self.sites.get(&site) else { return Vec::new() };
        if !profile.learned || profile.lines.is_empty() {
            return Vec::new();
        }
        let lines = analyse(&doc.text, &self.config);
        if lines.is_empty() {
            return Vec::new();
        }
        let hits: Vec<Option<&TemplateLine>> =
            lines.iter().map(|l| profile.lookup(TemplateKind::Line, l.hash)).collect();
        // Anchors as in learning: long lines the site does not repeat (a cross-site line
        // the profile knows is kept, but it is no anchor either).
        let anchors: Vec<bool> = lines
            .iter()
            .zip(&hits)
            .map(|(l, hit)| l.class == LineClass::Long && hit.is_none())
            .collect();
        let zones = parts_of(&anchors);
        // Without anchors the halves are a guess that would move as lines go: such a page
        // loses what is template at either edge, and that does not move.
        let edge_only = !anchors.contains(&true);
        let fits = |t: &TemplateLine, zone: PagePart| {
            if edge_only {
                t.is_template_in(PagePart::Head) || t.is_template_in(PagePart::Tail)
            } else {
                t.is_template_in(zone)
            }
        };

        // Decide per line: (rule, docs behind it).
        let mut decided: Vec<Option<(&'static str, u32)>> = vec![None; lines.len()];
        let mut block: Vec<usize> = Vec::new();
        let mut block_header: Option<u32> = None;
        let block_max = self.config.block_max_lines as usize;
        let close_block = |block: &mut Vec<usize>,
                           header: Option<u32>,
                           decided: &mut [Option<(&'static str, u32)>]| {
            if let Some(docs) = header {
                if block.len() <= block_max {
                    for &j in block.iter() {
                        decided[j] = Some(("site_template.block", docs));
                    }
                }
            }
            block.clear();
        };
        for (i, line) in lines.iter().enumerate() {
            let zone = zones[i];
            let mut template: Option<&TemplateLine> = None;
            if let Some(t) = hits[i].filter(|t| fits(t, zone)) {
                decided[i] = Some(("site_template.line", t.docs));
                template = Some(t);
            } else if let Some(shape) = line.shape {
                if let Some(t) =
                    profile.lookup(TemplateKind::Shape, shape).filter(|t| fits(t, zone))
                {
                    decided[i] = Some(("site_template.shape", t.docs));
                    template = Some(t);
                }
            }
            if zone != PagePart::Tail && !edge_only {
                continue;
            }
            match template {
                // Template lines never end a block: evergreen teasers, the subscribe prompt
                // and the legal links sit among and after the teasers.
                Some(t) => {
                    if block_header.is_none() && t.opens_block {
                        block_header = Some(t.docs);
                    }
                }
                None if block_header.is_some()
                    && line.class == LineClass::Fragment
                    && line.words <= self.config.block_max_words =>
                {
                    block.push(i);
                }
                // A sentence or a long line ends the run: what comes after it is no block.
                None => {
                    close_block(&mut block, block_header, &mut decided);
                    block_header = None;
                }
            }
        }
        close_block(&mut block, block_header, &mut decided);

        if decided.iter().all(Option::is_none) {
            return Vec::new();
        }
        let mut evidence = Vec::new();
        let mut removed_lines = vec![false; doc.text.split('\n').count()];
        for ((line, decision), zone) in lines.iter().zip(&decided).zip(&zones) {
            let Some((rule, docs)) = *decision else { continue };
            if let Some(slot) = removed_lines.get_mut(line.index) {
                *slot = true;
            }
            let why = Evidence {
                line: line.index,
                rule,
                site: site.clone(),
                zone: *zone,
                docs,
                site_docs: profile.stories(),
            };
            doc.removed.push(Removal {
                class: RemovalClass::SiteTemplate,
                rule: rule.to_owned(),
                text: line.raw.to_owned(),
                line: line.index,
                note: Some(why.to_string()),
            });
            evidence.push(why);
        }
        let mut text = String::with_capacity(doc.text.len());
        let mut pending_blank = false;
        for (i, raw) in doc.text.split('\n').enumerate() {
            if removed_lines.get(i).copied().unwrap_or(false) {
                continue;
            }
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            if raw.trim().is_empty() {
                pending_blank = !text.is_empty();
                continue;
            }
            if !text.is_empty() {
                text.push('\n');
                if pending_blank {
                    text.push('\n');
                }
            }
            pending_blank = false;
            text.push_str(raw);
        }
        doc.text = text;
        evidence
    }
}
