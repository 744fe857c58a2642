//! The overview's charts, drawn as inline SVG by hand.
//!
//! Three kinds of chart are needed (a histogram, horizontal bars stacked by class, a
//! timeline of dots), each a few dozen elements: writing the SVG directly costs less than a
//! plotting crate and its font handling, and the output is plain text that tests can read.
//! Charts shrink with their container (`viewBox` and a stylesheet `max-width`); the page's stylesheet
//! gives them fonts and colours for text, the class colours are [`PALETTE`].
//!
//! Every label is scraped text (a title, a site) and goes through [`escape`]; links are
//! built from numbers only.

use std::fmt::Write;

use super::markup::{count, escape, shorten};

/// One colour per removal class, in the order of [`crate::RemovalClass::ALL`]; the page's
/// stylesheet uses the same ones for the class labels of the documents view.
pub(crate) const PALETTE: [&str; 16] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac", "#3b3eac", "#d37295", "#8cd17d", "#b6992d", "#499894", "#79706e",
];

/// The colour of class number `class`.
pub(crate) fn colour(class: usize) -> &'static str {
    PALETTE.get(class).copied().unwrap_or("#888888")
}

/// Longest label drawn, in characters.
const LABEL_CHARS: usize = 34;

/// A vertical bar chart of counts, one bar per labelled bin.
pub(crate) fn histogram(bins: &[(String, u64)], caption: &str) -> String {
    const WIDTH: u64 = 720;
    const HEIGHT: u64 = 220;
    const TOP: u64 = 22;
    const BOTTOM: u64 = 40;
    let max = bins.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let slot = WIDTH / (bins.len() as u64).max(1);
    let plot = HEIGHT - TOP - BOTTOM;
    let mut svg = open(WIDTH, HEIGHT, caption);
    for (i, (label, n)) in bins.iter().enumerate() {
        let x = i as u64 * slot;
        let h = if *n == 0 { 0 } else { (n.saturating_mul(plot) / max).max(1) };
        let y = TOP + plot - h;
        let _ = write!(
            svg,
            r#"<g class="bin"><title>{label}: {c}</title><rect x="{x0}" y="{y}" width="{w}" height="{h}" class="bar"/><text x="{cx}" y="{ty}" class="num" text-anchor="middle">{c}</text><text x="{cx}" y="{ly}" text-anchor="middle">{label}</text></g>"#,
            label = escape(label),
            c = count(*n),
            x0 = x + 6,
            w = slot.saturating_sub(12),
            cx = x + slot / 2,
            ty = y.saturating_sub(5),
            ly = HEIGHT - BOTTOM + 18,
        );
    }
    let _ = write!(
        svg,
        r#"<line x1="0" y1="{b}" x2="{WIDTH}" y2="{b}" class="axis"/></svg>"#,
        b = TOP + plot
    );
    svg
}

/// One row of a bar chart: a label and its parts, `(class, count)`.
#[derive(Debug, Clone)]
pub(crate) struct Bar {
    pub(crate) label: String,
    pub(crate) parts: Vec<(usize, u64)>,
}

/// Horizontal bars, each stacked from coloured parts, with the total after the bar and, when
/// `legend`, a legend of the classes that appear.
pub(crate) fn bars(rows: &[Bar], names: &[&str], caption: &str, legend: bool) -> String {
    const WIDTH: u64 = 720;
    const LABEL: u64 = 230;
    const ROW: u64 = 22;
    const PLOT: u64 = 400;
    let totals: Vec<u64> =
        rows.iter().map(|r| r.parts.iter().fold(0u64, |s, (_, n)| s.saturating_add(*n))).collect();
    let max = totals.iter().copied().max().unwrap_or(0).max(1);
    let mut used: Vec<usize> =
        rows.iter().flat_map(|r| r.parts.iter().filter(|p| p.1 > 0).map(|p| p.0)).collect();
    used.sort_unstable();
    used.dedup();
    let legend_rows = if legend && used.len() > 1 { used.len().div_ceil(4) as u64 } else { 0 };
    let height = rows.len() as u64 * ROW + 8 + legend_rows * 20;
    let mut svg = open(WIDTH, height, caption);
    for (i, (row, total)) in rows.iter().zip(&totals).enumerate() {
        let y = i as u64 * ROW + 4;
        let _ = write!(
            svg,
            r#"<g class="row"><title>{full}: {t}</title><text x="{lx}" y="{ty}" text-anchor="end">{label}</text>"#,
            full = escape(&row.label),
            t = count(*total),
            lx = LABEL - 8,
            ty = y + 14,
            label = escape(&shorten(&row.label, LABEL_CHARS)),
        );
        let mut x = LABEL;
        for &(class, n) in &row.parts {
            let w = n.saturating_mul(PLOT) / max;
            if w == 0 {
                continue;
            }
            let _ = write!(
                svg,
                r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}"><title>{name}: {c}</title></rect>"#,
                h = ROW - 6,
                fill = colour(class),
                name = escape(names.get(class).copied().unwrap_or("?")),
                c = count(n),
            );
            x += w;
        }
        let _ = write!(
            svg,
            r#"<text x="{nx}" y="{ty}" class="num">{t}</text></g>"#,
            nx = x + 6,
            ty = y + 14,
            t = count(*total)
        );
    }
    if legend_rows > 0 {
        let top = rows.len() as u64 * ROW + 12;
        for (i, &class) in used.iter().enumerate() {
            let x = (i % 4) as u64 * 180;
            let y = top + (i / 4) as u64 * 20;
            let _ = write!(
                svg,
                r#"<rect x="{x}" y="{y}" width="12" height="12" fill="{fill}"/><text x="{tx}" y="{ty}">{name}</text>"#,
                fill = colour(class),
                tx = x + 18,
                ty = y + 11,
                name = escape(names.get(class).copied().unwrap_or("?")),
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// One story of the timeline: a label, the cluster it links to, and when each copy appeared
/// (`true` for the canonical one).
#[derive(Debug, Clone)]
pub(crate) struct Story {
    pub(crate) label: String,
    pub(crate) cluster: usize,
    pub(crate) copies: usize,
    pub(crate) times: Vec<(i64, bool)>,
}

/// Steps between the ticks of the timeline's axis, in seconds, and how to name them.
const TICK_STEPS: [(i64, &str); 10] = [
    (600, "min"),
    (1800, "min"),
    (3600, "h"),
    (3 * 3600, "h"),
    (6 * 3600, "h"),
    (12 * 3600, "h"),
    (86_400, "d"),
    (2 * 86_400, "d"),
    (7 * 86_400, "d"),
    (30 * 86_400, "d"),
];

/// The stories on one axis of time since each story's first copy: a dot per copy (the
/// canonical one larger), a line from the first to the last, and when the first appeared.
///
/// Stories are days or months apart while their reposts follow within hours, so a common
/// calendar axis would draw each story as one dot; time since the first copy shows how
/// each story spread, and the first copy's date is written beside it.
pub(crate) fn timeline(stories: &[Story], caption: &str) -> String {
    const WIDTH: i64 = 1000;
    const LABEL: i64 = 300;
    const NOTE: i64 = 230;
    const ROW: i64 = 24;
    const AXIS: i64 = 34;
    let spread = |s: &Story| {
        let first = s.times.iter().map(|t| t.0).min()?;
        let last = s.times.iter().map(|t| t.0).max()?;
        Some((first, last.saturating_sub(first)))
    };
    let longest = stories.iter().filter_map(|s| spread(s).map(|x| x.1)).max().unwrap_or(0);
    let (step, unit) = TICK_STEPS
        .iter()
        .copied()
        .find(|(step, _)| longest / step <= 5)
        .unwrap_or((longest.saturating_add(4) / 5, "d"));
    let step = step.max(1);
    let ticks = longest.saturating_add(step - 1) / step;
    let range = ticks.max(1).saturating_mul(step) as f64;
    let plot = (WIDTH - LABEL - NOTE - 20) as f64;
    let x_of = |offset: i64| LABEL as f64 + offset as f64 / range * plot;
    let height = stories.len() as i64 * ROW + AXIS + 6;
    let mut svg = open(WIDTH as u64, height.max(0) as u64, caption);
    for (i, story) in stories.iter().enumerate() {
        let y = i as i64 * ROW + ROW / 2 + 4;
        let _ = write!(
            svg,
            r##"<g class="story"><a href="#/cluster/{c}"><title>{full}</title><text x="{lx}" y="{ty}" text-anchor="end" class="link">{label}</text></a>"##,
            c = story.cluster,
            full = escape(&story.label),
            lx = LABEL - 10,
            ty = y + 4,
            label = escape(&shorten(&story.label, LABEL_CHARS + 8)),
        );
        let note = match spread(story) {
            Some((first, last)) => {
                let _ = write!(
                    svg,
                    r#"<line x1="{:.1}" y1="{y}" x2="{:.1}" y2="{y}" class="span"/>"#,
                    x_of(0),
                    x_of(last)
                );
                for &(t, canonical) in &story.times {
                    let offset = t.saturating_sub(first);
                    let _ = write!(
                        svg,
                        r#"<circle cx="{:.1}" cy="{y}" r="{}" class="{}"><title>{}</title></circle>"#,
                        x_of(offset),
                        if canonical { 6 } else { 4 },
                        if canonical { "first" } else { "copy" },
                        format_time(t),
                    );
                }
                format!("{} copies · first {}", story.copies, format_time(first))
            }
            None => format!("{} copies · no dates", story.copies),
        };
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" class="muted">{note}</text></g>"#,
            WIDTH - NOTE,
            y + 4
        );
    }
    let axis_y = stories.len() as i64 * ROW + 8;
    let _ = write!(
        svg,
        r#"<line x1="{LABEL}" y1="{axis_y}" x2="{:.1}" y2="{axis_y}" class="axis"/>"#,
        x_of(ticks.max(1).saturating_mul(step))
    );
    for k in 0..=ticks.max(1) {
        let offset = k.saturating_mul(step);
        let x = x_of(offset);
        let per_unit = match unit {
            "min" => 60,
            "h" => 3600,
            _ => 86_400,
        };
        let label =
            if k == 0 { "first copy".to_owned() } else { format!("+{} {unit}", offset / per_unit) };
        let _ = write!(
            svg,
            r#"<line x1="{x:.1}" y1="{axis_y}" x2="{x:.1}" y2="{}" class="axis"/><text x="{x:.1}" y="{}" text-anchor="middle" class="muted">{label}</text>"#,
            axis_y + 5,
            axis_y + 20,
        );
    }
    svg.push_str("</svg>");
    svg
}

fn open(width: u64, height: u64, caption: &str) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" role="img" aria-label="{caption}" class="chart">"#,
        caption = escape(caption)
    )
}

/// `YYYY-MM-DD HH:MM` of a time in seconds since 1970 (the crate's times carry no zone).
pub(crate) fn format_time(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    let (y, m, d) = crate::calendar::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", of_day / 3600, of_day % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::published_seconds;

    #[test]
    fn times_format_back_to_their_date() {
        for iso in ["1970-01-01T00:00", "2005-03-04T04:30", "2024-02-29T23:59", "1969-12-31T12:00"]
        {
            let seconds = published_seconds(iso).unwrap();
            assert_eq!(format_time(seconds), iso.replace('T', " "));
        }
    }

    #[test]
    fn chart_labels_are_escaped() {
        let rows = vec![Bar { label: "<script>alert(1)</script>".into(), parts: vec![(0, 3)] }];
        let svg = bars(&rows, &["header"], "by site", true);
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!svg.contains("<script"));
        let story = Story {
            label: "\"><img src=x onerror=alert(1)>".into(),
            cluster: 3,
            copies: 2,
            times: vec![(0, true), (7200, false)],
        };
        let svg = timeline(&[story], "stories");
        assert!(!svg.contains("<img"));
        assert!(svg.contains("href=\"#/cluster/3\""));
    }

    #[test]
    fn histogram_draws_a_bar_per_bin_and_empty_bins_flat() {
        let svg = histogram(&[("1".into(), 10), ("2".into(), 0), ("3+".into(), 5)], "sizes");
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains(r#"height="0""#));
    }

    #[test]
    fn a_timeline_without_dates_says_so() {
        let story = Story { label: "t".into(), cluster: 0, copies: 2, times: vec![] };
        assert!(timeline(&[story], "s").contains("no dates"));
    }
}
