//! How many formatting elements (`b`, `i`, `font`, ...) the parser may have to open again,
//! estimated from above while the tags stream past, so that the pre-parse pass can stop
//! handing it more.
//!
//! # Why
//!
//! html5ever keeps the browsers' *list of active formatting elements*: a `<b>` left open when
//! its paragraph closes is re-created ("reconstructed") inside every later paragraph, with
//! its attributes. `<b class=c1><p>x <b class=c2><p>x ...` makes paragraph *n* re-create
//! *n* elements: 80,000 of them (2.2 MB) ask for billions of nodes, and the process dies on a
//! failed 8 GB allocation. Only identical elements are limited (three, "Noah's Ark").
//!
//! [`OpenFormatting`] counts formatting start tags handed to the parser and takes one off for
//! an end tag of the same name that can close it. It leans towards counting more than the
//! parser holds: entries the parser may clear (at a cell's end) stay counted, and an end tag
//! only closes what was opened inside the same scope boundary (`td`, `table`, `object`,
//! `template`, MathML and SVG integration points...), as the parser's "in scope" test and its
//! list markers have it. Counting more (an unclosed `<font>` in each of many cells) costs
//! nothing but formatting: the pass then leaves out further formatting start tags, their
//! text kept. It is an estimate, not the parser's algorithm: markup it reads otherwise than
//! the parser still meets the node budget of the parse (the `parse` module).
//!
//! `a` is not counted: a new `<a>` closes the open one, so the parser never holds two past a
//! marker.

/// The formatting elements of the HTML standard but `a` (see the module docs).
const FORMATTING: [&[u8]; 13] = [
    b"b", b"big", b"code", b"em", b"font", b"i", b"nobr", b"s", b"small", b"strike", b"strong",
    b"tt", b"u",
];

/// Which formatting element a (lower-case) tag name is.
pub(super) fn formatting_kind(name: &[u8]) -> Option<usize> {
    FORMATTING.iter().position(|f| *f == name)
}

/// Elements that bound the parser's scope for an end tag, or push a marker on its list of
/// formatting elements: an end tag inside one never closes a formatting element outside it.
pub(super) fn is_scope_boundary(name: &[u8]) -> bool {
    matches!(
        name,
        b"applet"
            | b"caption"
            | b"marquee"
            | b"object"
            | b"table"
            | b"td"
            | b"th"
            | b"template"
            | b"mi"
            | b"mo"
            | b"mn"
            | b"ms"
            | b"mtext"
            | b"annotation-xml"
            | b"foreignobject"
            | b"desc"
            | b"title"
    )
}

/// The formatting elements opened inside one scope boundary and not closed yet.
#[derive(Debug, Clone, Default)]
struct Level {
    open: [u32; FORMATTING.len()],
    /// Scope boundaries opened inside this level that hold no open formatting element yet:
    /// a page of a million `<td>`s costs one number, not a million levels.
    empty_inside: u32,
}

impl Level {
    fn is_empty(&self) -> bool {
        self.open.iter().all(|&n| n == 0)
    }
}

/// The estimate: see the module docs.
#[derive(Debug, Clone)]
pub(super) struct OpenFormatting {
    /// The outermost level first; never empty. Every level but the first holds an open
    /// element, so there are at most `open + 1`.
    levels: Vec<Level>,
    open: usize,
}

impl Default for OpenFormatting {
    fn default() -> OpenFormatting {
        OpenFormatting { levels: vec![Level::default()], open: 0 }
    }
}

impl OpenFormatting {
    /// How many formatting elements the parser may hold open or have to re-create.
    pub(super) fn open(&self) -> usize {
        self.open
    }

    /// A formatting start tag handed to the parser.
    pub(super) fn start(&mut self, kind: usize) {
        let Some(top) = self.levels.last_mut() else { return };
        if top.empty_inside > 0 {
            // The innermost boundary gets its first open element: it becomes a level.
            top.empty_inside -= 1;
            self.levels.push(Level::default());
        }
        if let Some(n) = self.levels.last_mut().and_then(|l| l.open.get_mut(kind)) {
            *n += 1;
            self.open += 1;
        }
    }

    /// A formatting end tag handed to the parser: it closes one opened in the same scope.
    pub(super) fn end(&mut self, kind: usize) {
        let Some(top) = self.levels.last_mut() else { return };
        if top.empty_inside > 0 {
            return;
        }
        if let Some(n) = top.open.get_mut(kind).filter(|n| **n > 0) {
            *n -= 1;
            self.open -= 1;
        }
        if self.levels.len() > 1 && self.levels.last().is_some_and(Level::is_empty) {
            self.levels.pop();
            if let Some(parent) = self.levels.last_mut() {
                parent.empty_inside += 1;
            }
        }
    }

    /// A scope boundary's start tag.
    pub(super) fn boundary_start(&mut self) {
        if let Some(top) = self.levels.last_mut() {
            top.empty_inside = top.empty_inside.saturating_add(1);
        }
    }

    /// A scope boundary's end tag: what was opened inside and is still counted stays
    /// counted, in the enclosing level (the parser may or may not have cleared it).
    pub(super) fn boundary_end(&mut self) {
        let Some(top) = self.levels.last_mut() else { return };
        if top.empty_inside > 0 {
            top.empty_inside -= 1;
            return;
        }
        if self.levels.len() == 1 {
            return;
        }
        let Some(closed) = self.levels.pop() else { return };
        let Some(parent) = self.levels.last_mut() else { return };
        if parent.empty_inside > 0 {
            // The enclosing boundary held nothing yet: it takes the counts over.
            parent.empty_inside -= 1;
            self.levels.push(Level { open: closed.open, empty_inside: 0 });
        } else {
            for (n, m) in parent.open.iter_mut().zip(closed.open) {
                *n += m;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b() -> usize {
        formatting_kind(b"b").unwrap()
    }

    #[test]
    fn a_closed_element_is_no_longer_counted() {
        let mut f = OpenFormatting::default();
        f.start(b());
        f.start(b());
        f.end(b());
        assert_eq!(f.open(), 1);
        f.end(formatting_kind(b"i").unwrap());
        assert_eq!(f.open(), 1);
    }

    #[test]
    fn an_end_tag_inside_a_boundary_does_not_close_what_is_outside() {
        let mut f = OpenFormatting::default();
        f.start(b());
        f.boundary_start();
        f.end(b());
        assert_eq!(f.open(), 1);
        f.boundary_end();
        f.end(b());
        assert_eq!(f.open(), 0);
    }

    #[test]
    fn what_a_cell_left_open_stays_counted_after_it() {
        let mut f = OpenFormatting::default();
        for _ in 0..3 {
            f.boundary_start();
            f.start(b());
            f.boundary_end();
        }
        assert_eq!(f.open(), 3);
        // Outside the cells, end tags close them.
        for _ in 0..3 {
            f.end(b());
        }
        assert_eq!(f.open(), 0);
    }

    #[test]
    fn many_empty_boundaries_cost_no_levels() {
        let mut f = OpenFormatting::default();
        for _ in 0..100_000 {
            f.boundary_start();
        }
        f.start(b());
        f.end(b());
        assert_eq!(f.levels.len(), 1);
        assert_eq!(f.open(), 0);
    }
}
