//! Choosing the article once the walk has collected the blocks: the best-scoring container
//! (weighed by how much prose against boilerplate it holds), grown to its lead and climbing
//! wrappers, then filtered (link lists, teasers, negative elements, loose short lines).
//! Every block left out is named with its reason, for the removals `dropped` records.

use super::*;
use crate::clean::html::Extracted;
use crate::clean::html::meta::JsonLd;
use dropped::LeftOut;

impl<'a> Walk<'a> {
    pub(in super::super) fn finish(mut self) -> Extracted {
        self.flush();
        let ld = JsonLd::parse(&self.raw.json_ld);
        self.mark_teaser_runs();
        self.mark_list_runs();
        let (chosen, negative_depth) = self.choose();
        // The last prose block of the chosen range: a box title before it is mid-article.
        let last_prose_index = chosen
            .clone()
            .rev()
            .find(|&i| {
                self.blocks
                    .get(i)
                    .is_some_and(|b| !self.is_filtered(b, negative_depth) && self.is_prose(b))
            })
            .unwrap_or(chosen.start);
        // Every block is kept or left out for a reason, recorded as a removal.
        let mut left_out: Vec<LeftOut> = Vec::new();
        let mut kept_index: Vec<usize> = Vec::new();
        for (i, b) in self.blocks.iter().enumerate() {
            let detector = if b.negative_depth > negative_depth {
                "html.negative_class"
            } else if !chosen.contains(&i) {
                "html.outside_article"
            } else if b.teaser {
                "html.teaser"
            } else if b.is_link_line() {
                "html.link_density"
            } else if b.loose && !b.in_list && b.chars <= MAX_LOOSE_LINE_CHARS && !self.is_prose(b)
            {
                "html.loose_line"
            } else if i < last_prose_index
                && self.is_box_title(i, b)
                && !self.teasers_follow(i, last_prose_index)
            {
                "html.box_title"
            } else {
                kept_index.push(i);
                continue;
            };
            left_out.push(LeftOut { block: i, detector });
        }
        // After the last paragraph come share prompts, tags and "more on this" lines.
        let last_prose = kept_index
            .iter()
            .rposition(|&i| self.blocks.get(i).is_some_and(|b| self.is_prose(b) || b.in_list))
            .map_or(kept_index.len(), |i| i + 1);
        for &block in kept_index.get(last_prose..).unwrap_or_default() {
            left_out.push(LeftOut { block, detector: "html.after_article" });
        }
        kept_index.truncate(last_prose);
        left_out.sort_by_key(|l| l.block);
        let kept: Vec<&Block> = kept_index.iter().filter_map(|&i| self.blocks.get(i)).collect();
        let mut lines: Vec<&str> = Vec::new();
        let mut text_chars = 0usize;
        for block in &kept {
            text_chars += block.chars;
            lines.push(&block.text);
        }
        let mut text = lines.join("\n");
        if let Some(body) = ld.article_body.as_deref() {
            let body_chars = body.chars().count();
            #[allow(clippy::cast_precision_loss)]
            let short = (text_chars as f32) < ARTICLE_BODY_SHARE * body_chars as f32;
            if short && body_chars >= 200 {
                // Paywalled pages show the lead and hide the body: the lead paragraphs the
                // page shows and the body does not hold go first.
                let flat_body = collapse_spaces(body);
                let mut lines: Vec<&str> = kept
                    .iter()
                    .filter(|b| self.is_prose(b) && !flat_body.contains(&collapse_spaces(&b.text)))
                    .map(|b| b.text.as_str())
                    .collect();
                lines.extend(body.lines().map(str::trim).filter(|l| !l.is_empty()));
                text = lines.join("\n");
            }
        }
        let removed = dropped::removals(
            std::mem::take(&mut self.skipped),
            &left_out,
            // The text is made: what was left out moves into the removals, uncopied.
            |i| self.blocks.get_mut(i).map(|b| std::mem::take(&mut b.text)),
            &kept_index,
        );
        let meta = self.raw.into_meta(ld, chosen);
        Extracted { text, meta, notes: Vec::new(), removed }
    }

    /// The block range of the best container, and the negative depth of the
    /// container that holds it (blocks under a deeper negative element are not article).
    fn choose(&self) -> (std::ops::Range<usize>, u32) {
        let mut best: Option<(usize, f32)> = None;
        let mut budget = MAX_SCORED_BLOCKS;
        for (i, c) in self.candidates.iter().enumerate() {
            budget = budget.saturating_sub(c.blocks.len());
            if budget == 0 {
                break;
            }
            // Readability's score (commas, length, paragraphs near the container) says how
            // article-like its text is; the objective says how much of it is article and
            // how little else. Either alone picks comment threads or rating tables.
            let s = c.score * self.objective(c).max(0.0).powf(OBJECTIVE_POWER);
            if best.is_none_or(|(_, b)| s > b) {
                best = Some((i, s));
            }
        }
        let Some((mut best, _)) = best else { return (0..self.blocks.len(), 0) };
        // A page with little prose (a table of results, a product sheet, a short post):
        // the element the markup calls the article holds it, whatever it scores.
        if self.candidates.get(best).is_none_or(|c| self.objective(c) < MIN_PROSE_OBJECTIVE) {
            if let Some(named) = self.named_container() {
                best = named;
            }
        }
        // Climb to the enclosing container while what it adds is more prose than other
        // text: an article split into sections, a lead outside the body's wrapper. A
        // wrapper that adds only a few short lines (a section heading) is looked past: the
        // container above it may hold the rest of the article.
        let mut climbs = 0;
        let mut outer: Option<std::ops::Range<usize>> = None;
        let mut at = best;
        while climbs < MAX_CLIMB_LEVELS {
            let Some(current) = self.candidates.get(at) else { break };
            let enclosing = self.candidates.iter().enumerate().skip(at + 1).find(|(_, c)| {
                c.blocks.start <= current.blocks.start && c.blocks.end >= current.blocks.end
            });
            let Some((index, parent)) = enclosing else { break };
            if parent.negative_depth != current.negative_depth {
                // The article in a negative wrapper (a paywall, an "ad-free" box): its
                // lead may stand outside it.
                if outer.is_none() {
                    outer = Some(parent.blocks.clone());
                }
                break;
            }
            at = index;
            // A wrapper around the same blocks stands for them.
            if parent.blocks == current.blocks {
                if best + 1 == index
                    || self.candidates.get(best).is_some_and(|c| c.blocks == parent.blocks)
                {
                    best = index;
                }
                continue;
            }
            climbs += 1;
            let Some(chosen) = self.candidates.get(best) else { break };
            if self.objective(parent) > CLIMB_GAIN * self.objective(chosen) {
                best = index;
                outer = None;
                continue;
            }
            outer = Some(parent.blocks.clone());
            let added = self
                .kept_chars(&parent.blocks, parent.negative_depth)
                .saturating_sub(self.kept_chars(&chosen.blocks, chosen.negative_depth));
            if added > MAX_LOOK_PAST_CHARS {
                break;
            }
        }
        let Some(top) = self.candidates.get(best) else { return (0..self.blocks.len(), 0) };
        // The lead often stands in its own wrapper just before the body's, after a byline,
        // a date or a photo credit: take the prose blocks before the container, inside the
        // one that encloses it. After the article come author boxes, subscription pitches
        // and related lists, prose as often as not: nothing is taken after it.
        // The lead is looked for inside the nearest enclosing element that holds anything
        // before the body (the parent may only add comments after it).
        let mut floor = outer.as_ref().map_or(top.blocks.start, |o| o.start);
        if floor == top.blocks.start {
            if let Some(enclosing) = self.candidates.iter().skip(best + 1).find(|c| {
                c.blocks.start < top.blocks.start
                    && c.blocks.end >= top.blocks.end
                    && c.negative_depth <= top.negative_depth
            }) {
                floor = enclosing.blocks.start;
            }
        }
        let start = self.lead_start(top.blocks.start, floor, top.negative_depth);
        (start..top.blocks.end, top.negative_depth)
    }

    /// Where the chosen blocks start once the lead before them is taken: up to
    /// [`MAX_LEAD_BLOCKS`] prose blocks back from `start`, not before `floor`. Between two
    /// of them may stand up to [`MAX_LEAD_FILTERED`] blocks under negative elements (share
    /// buttons, a photo caption, an author box) and [`MAX_LEAD_GAP`] short lines or link
    /// lines (a byline, a date); a longer line, or the title of a box of links
    /// ("Related"), ends the search.
    fn lead_start(&self, start: usize, floor: usize, negative_depth: u32) -> usize {
        let mut start = start;
        let mut at = start;
        let mut prose = 0;
        let mut gap = 0;
        let mut filtered = 0;
        while prose < MAX_LEAD_BLOCKS && at > floor {
            at -= 1;
            let Some(b) = self.blocks.get(at) else { break };
            if b.negative_depth > negative_depth {
                // A caption, a share bar, an author box between the lead and the body:
                // passed, as the output leaves them out anyway.
                filtered += 1;
                if filtered > MAX_LEAD_FILTERED {
                    break;
                }
                continue;
            }
            if self.is_prose(b) && !b.teaser {
                prose += 1;
                gap = 0;
                filtered = 0;
                start = at;
                continue;
            }
            // Link lines and teasers count: a list of them is another box. A short line
            // over such a list is that box's title ("Related"): the lead is not past it.
            gap += 1;
            let filtered_here = self.is_filtered(b, negative_depth);
            let box_title = !filtered_here && self.titles_link_box(at, b);
            if gap > MAX_LEAD_GAP || box_title || (b.chars > MAX_GAP_LINE_CHARS && !filtered_here) {
                break;
            }
        }
        start
    }

    /// Teaser lists without a wrapper per item: three or more headline links in a row,
    /// each followed at once by a paragraph (its summary), with at most a few short lines
    /// (dates, rubrics) before the next headline. An article does not alternate link
    /// lines and paragraphs three times.
    fn mark_teaser_runs(&mut self) {
        let is_link = Block::is_link_line;
        let mut i = 0;
        while i < self.blocks.len() {
            // Collect a run of pairs starting at i.
            let mut pairs = 0;
            let mut at = i;
            let mut end = i;
            while let (Some(link), Some(summary)) = (self.blocks.get(at), self.blocks.get(at + 1)) {
                // A headline is a phrase (or a line of Chinese), not a bare address
                // (`example.org/2015/08/goods`) or a lone word (`Video`).
                let text = link.text.trim();
                let phrase = text.contains(char::is_whitespace)
                    || (!text.contains(['.', '/']) && text.chars().any(|c| u32::from(c) >= 0x2E80));
                let headline = is_link(link) && phrase;
                if !headline || is_link(summary) || !self.is_prose(summary) {
                    break;
                }
                pairs += 1;
                end = at + 2;
                // Short lines up to the next headline.
                let mut next = end;
                while next - end < MAX_TEASER_GAP
                    && self
                        .blocks
                        .get(next)
                        .is_some_and(|b| !is_link(b) && b.chars <= MAX_BOX_TITLE_CHARS)
                {
                    next += 1;
                }
                at = next;
            }
            if pairs >= MIN_CARDS as usize {
                for b in self.blocks.get_mut(i..end).unwrap_or_default() {
                    b.teaser = true;
                }
                i = end;
            } else {
                i += 1;
            }
        }
    }

    /// Runs of [`MIN_LIST_LINES`] or more short lines in a row, neither links nor prose.
    fn mark_list_runs(&mut self) {
        let short = |b: &Block| {
            !b.is_link_box_line()
                && b.chars <= MAX_GAP_LINE_CHARS
                && !(b.chars >= MIN_SCORED_CHARS && b.has_punctuation)
        };
        let mut i = 0;
        while i < self.blocks.len() {
            let mut end = i;
            while self.blocks.get(end).is_some_and(|b| {
                short(b) && self.blocks.get(i).is_some_and(|f| f.negative_depth == b.negative_depth)
            }) {
                end += 1;
            }
            if end - i >= MIN_LIST_LINES {
                for b in self.blocks.get_mut(i..end).unwrap_or_default() {
                    b.in_list = true;
                }
            }
            i = end.max(i + 1);
        }
    }

    /// The candidate the markup calls the article (see [`Candidate::named`]), outside any
    /// negative element and with text to keep: the most specific name first, then the
    /// most text.
    fn named_container(&self) -> Option<usize> {
        self.candidates
            .iter()
            .enumerate()
            .filter(|(_, c)| c.named > 0 && c.negative_depth == 0)
            .map(|(i, c)| (i, c.named, self.kept_chars(&c.blocks, 0)))
            .filter(|(_, _, kept)| *kept >= MIN_NAMED_CHARS)
            .max_by_key(|(i, named, kept)| (*named, *kept, std::cmp::Reverse(*i)))
            .map(|(i, _, _)| i)
    }

    /// Whether a short line stands over a list of links or teasers ("Related", "Auch
    /// interessant"): inside the article it is that box's title, and left in the text it
    /// would end the article for the text cleaner.
    fn is_box_title(&self, index: usize, b: &Block) -> bool {
        b.chars <= MAX_BOX_TITLE_CHARS
            && !self.is_prose(b)
            && !b.in_list
            && self.titles_link_box(index, b)
    }

    /// Whether the block at `index` stands right over a link or teaser line and has no
    /// digit (a date or a byline with a number over a photo credit is no box title).
    fn titles_link_box(&self, index: usize, b: &Block) -> bool {
        !b.text.contains(|c: char| c.is_ascii_digit())
            && self.blocks.get(index + 1).is_some_and(Block::is_link_box_line)
    }

    /// Whether, after the box that starts at `title`, links and paragraphs alternate
    /// again before `end`: teasers with summaries of several paragraphs, which the title
    /// ("See also") introduces and the text cleaner cuts.
    fn teasers_follow(&self, title: usize, end: usize) -> bool {
        let is_link = Block::is_link_box_line;
        // Past the box itself.
        let mut at = title + 1;
        while self.blocks.get(at).is_some_and(is_link) {
            at += 1;
        }
        let mut pairs = 0;
        while at + 1 < end {
            if let (Some(link), Some(next)) = (self.blocks.get(at), self.blocks.get(at + 1)) {
                if is_link(link) && !is_link(next) && self.is_prose(next) {
                    pairs += 1;
                }
            }
            at += 1;
        }
        pairs >= 2
    }

    /// The characters of the blocks in `range` that the output would keep.
    fn kept_chars(&self, range: &std::ops::Range<usize>, negative_depth: u32) -> usize {
        let blocks = self.blocks.get(range.clone()).unwrap_or_default();
        blocks.iter().filter(|b| !self.is_filtered(b, negative_depth)).map(|b| b.chars).sum()
    }

    /// Whether the output leaves a block out when the chosen container has this negative
    /// depth: link lists, teasers, elements more negative than the container.
    fn is_filtered(&self, b: &Block, negative_depth: u32) -> bool {
        b.is_link_box_line() || b.negative_depth > negative_depth
    }

    pub(super) fn is_prose(&self, b: &Block) -> bool {
        b.chars >= MIN_SCORED_CHARS
            && !b.is_link_line()
            && (b.chars >= PROSE_CHARS || b.has_punctuation)
    }

    /// How much article a container holds: its prose characters (blocks long enough, not
    /// link lists, not under a negative element inside it) less the characters of
    /// everything else it holds, times its class weight.
    fn objective(&self, c: &Candidate) -> f32 {
        let mut good = 0usize;
        let mut bad = 0usize;
        let mut filtered = 0usize;
        let mut listed = 0usize;
        for b in self.blocks.get(c.blocks.clone()).unwrap_or_default() {
            if b.negative_depth > c.negative_depth || b.is_link_box_line() {
                filtered += b.chars;
                continue;
            }
            if b.in_list {
                listed += b.chars;
                continue;
            }
            let g = if self.is_prose(b) { b.chars - b.link_chars } else { 0 };
            good += g;
            bad += b.chars - g;
        }
        #[allow(clippy::cast_precision_loss)]
        let score = good as f32
            - BAD_TEXT_COST * bad as f32
            - FILTERED_TEXT_COST * filtered as f32
            - LIST_TEXT_COST * listed as f32;
        if score <= 0.0 {
            return score;
        }
        score * c.weight * negative_factor(c.negative_depth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentence_punctuation_needs_a_space_after() {
        assert!(has_sentence_punctuation("It rained. Then it stopped"));
        assert!(has_sentence_punctuation("Yes, it did"));
        assert!(has_sentence_punctuation("It rained."));
        assert!(has_sentence_punctuation("下雨了，然后停了"));
        assert!(!has_sentence_punctuation("04.01.2012tiulkin1288458"));
        assert!(!has_sentence_punctuation("Source: drunov.ru"));
    }
}
