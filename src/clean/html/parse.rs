//! html5ever under a node budget: the parse stops, with nothing, once the tree it builds holds
//! more nodes than the page may cost.
//!
//! The pre-parse pass ([`super::strip`]) bounds what each token can cost the parser; this
//! module bounds the sum, whatever slipped past the pass's estimates. The tree builder cannot
//! be stopped from inside (its sink has no way to fail), so the page is fed in slices of
//! [`SLICE_BYTES`] and the count is read between them; once over, the sink builds nothing more
//! (every new node is one placeholder, every change to the tree is ignored), so the slice
//! being parsed costs time but no memory.

use std::borrow::Cow;
use std::cell::{Cell, Ref};

use ego_tree::NodeId;
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{Attribute, QualName};
use scraper::{Html, HtmlTreeSink, Node};

/// How much of the page the parser reads between two looks at the count. Small enough that a
/// slice cannot build much past the budget, large enough that the looks cost nothing.
const SLICE_BYTES: usize = 16 * 1024;

/// Parses a page as a browser with scripting off would (the content of `<noscript>` becomes
/// elements, where sites that build the page with script put the article for crawlers), or
/// stops with `None` once the tree holds more than `max_nodes` nodes.
pub(super) fn parse(html: &str, max_nodes: usize) -> Option<Html> {
    let opts = html5ever::driver::ParseOpts {
        tree_builder: html5ever::tree_builder::TreeBuilderOpts {
            scripting_enabled: false,
            ..Default::default()
        },
        ..Default::default()
    };
    let sink = BoundedSink {
        inner: HtmlTreeSink::new(Html::new_document()),
        nodes: Cell::new(0),
        max_nodes,
        placeholder: Cell::new(None),
    };
    let mut parser = html5ever::driver::parse_document(sink, opts);
    let mut rest = html;
    while !rest.is_empty() {
        let mut cut = SLICE_BYTES.min(rest.len());
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        let (slice, after) = rest.split_at(cut);
        parser.process(StrTendril::from_slice(slice));
        if parser.tokenizer.sink.sink.is_over() {
            return None;
        }
        rest = after;
    }
    parser.finish()
}

/// scraper's tree sink, counting the nodes it creates.
struct BoundedSink {
    inner: HtmlTreeSink,
    nodes: Cell<usize>,
    max_nodes: usize,
    /// The one node handed out for every node asked for once over budget.
    placeholder: Cell<Option<NodeId>>,
}

impl BoundedSink {
    fn is_over(&self) -> bool {
        self.nodes.get() > self.max_nodes
    }

    /// Counts a node about to be created; `false` once over budget.
    fn count(&self) -> bool {
        self.nodes.set(self.nodes.get().saturating_add(1));
        !self.is_over()
    }

    fn placeholder(&self) -> NodeId {
        if let Some(id) = self.placeholder.get() {
            return id;
        }
        let name = QualName::new(None, html5ever::ns!(html), html5ever::local_name!("span"));
        let id = self.inner.create_element(name, Vec::new(), ElementFlags::default());
        self.placeholder.set(Some(id));
        id
    }
}

impl TreeSink for BoundedSink {
    type Handle = NodeId;
    /// The page's tree, or `None` when it went over budget.
    type Output = Option<Html>;
    type ElemName<'a> = Ref<'a, QualName>;

    fn finish(self) -> Option<Html> {
        let over = self.is_over();
        let html = self.inner.finish();
        (!over).then_some(html)
    }

    // scraper keeps parse errors; nothing reads them here, and a hostile page makes millions.
    fn parse_error(&self, _msg: Cow<'static, str>) {}

    fn get_document(&self) -> NodeId {
        self.inner.get_document()
    }

    fn elem_name<'a>(&'a self, target: &'a NodeId) -> Ref<'a, QualName> {
        self.inner.elem_name(target)
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> NodeId {
        if self.count() {
            self.inner.create_element(name, attrs, flags)
        } else {
            self.placeholder()
        }
    }

    fn create_comment(&self, text: StrTendril) -> NodeId {
        if self.count() { self.inner.create_comment(text) } else { self.placeholder() }
    }

    fn create_pi(&self, target: StrTendril, data: StrTendril) -> NodeId {
        if self.count() { self.inner.create_pi(target, data) } else { self.placeholder() }
    }

    fn append(&self, parent: &NodeId, child: NodeOrText<NodeId>) {
        if matches!(child, NodeOrText::AppendText(_)) && !self.count() || self.is_over() {
            return;
        }
        // ego-tree panics on a node appended to itself.
        if matches!(child, NodeOrText::AppendNode(id) if id == *parent) {
            return;
        }
        self.inner.append(parent, child);
    }

    fn append_based_on_parent_node(
        &self,
        element: &NodeId,
        prev_element: &NodeId,
        child: NodeOrText<NodeId>,
    ) {
        let has_parent =
            self.inner.0.borrow().tree.get(*element).is_some_and(|node| node.parent().is_some());
        if has_parent {
            self.append_before_sibling(element, child);
        } else {
            self.append(prev_element, child);
        }
    }

    fn append_doctype_to_document(
        &self,
        name: StrTendril,
        public_id: StrTendril,
        system_id: StrTendril,
    ) {
        if self.count() {
            self.inner.append_doctype_to_document(name, public_id, system_id);
        }
    }

    /// A template's contents, or the template itself when it has none (the tree builder may
    /// have moved them away; scraper's sink would panic).
    fn get_template_contents(&self, target: &NodeId) -> NodeId {
        let html = self.inner.0.borrow();
        let contents = html.tree.get(*target).and_then(|node| node.first_child());
        match contents {
            Some(child) if matches!(child.value(), Node::Fragment) => child.id(),
            _ => *target,
        }
    }

    fn same_node(&self, x: &NodeId, y: &NodeId) -> bool {
        x == y
    }

    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.inner.set_quirks_mode(mode);
    }

    fn append_before_sibling(&self, sibling: &NodeId, new_node: NodeOrText<NodeId>) {
        if matches!(new_node, NodeOrText::AppendText(_)) && !self.count() || self.is_over() {
            return;
        }
        if matches!(new_node, NodeOrText::AppendNode(id) if id == *sibling) {
            return;
        }
        self.inner.append_before_sibling(sibling, new_node);
    }

    fn add_attrs_if_missing(&self, target: &NodeId, attrs: Vec<Attribute>) {
        if !self.is_over() {
            self.inner.add_attrs_if_missing(target, attrs);
        }
    }

    fn remove_from_parent(&self, target: &NodeId) {
        if !self.is_over() {
            self.inner.remove_from_parent(target);
        }
    }

    fn reparent_children(&self, node: &NodeId, new_parent: &NodeId) {
        if !self.is_over() && node != new_parent {
            self.inner.reparent_children(node, new_parent);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_within_budget_is_parsed_whole() {
        let page = format!("<p>{}</p>", "word ".repeat(10_000));
        let html = parse(&page, 100).unwrap();
        assert!(html.root_element().text().any(|t| t.contains("word word")));
    }

    #[test]
    fn a_page_over_budget_stops() {
        let page = "<div>x</div>".repeat(10_000);
        assert!(parse(&page, 1_000).is_none());
        assert!(parse(&page, 21_000).is_some());
    }

    #[test]
    fn the_budget_holds_across_slices() {
        // Every slice alone is within budget; the page is not.
        let page = "<div>x</div>".repeat(SLICE_BYTES);
        assert!(parse(&page, 5 * SLICE_BYTES / 12).is_none());
    }
}
