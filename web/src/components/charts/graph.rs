//! `DependencyGraphChart`: who blocks whom, as boxes in layers by dependency
//! depth (blockers above the work that waits on them), with the chain behind
//! a deadline at risk highlighted.
//!
//! The layout is pure and tested natively. Layers: a depth-first pass orders
//! the nodes so that every edge not closing a cycle points forward, then each
//! node's layer is one below its deepest blocker (cycles are cut at the edge
//! that closes them, so the layout always ends). Within a layer nodes sit
//! near the mean position of their blockers; a layer wider than `per_row`
//! boxes wraps onto further rows, which keeps a phone layout two boxes wide.

use super::geometry::{polyline, Rect};

/// A box of the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphNode {
    /// Stable id (`team:Alpha`, `epic:PAY-1`).
    pub id: String,
    /// One or two short lines drawn in the box.
    pub lines: Vec<String>,
    /// Full description for assistive technology and hover.
    pub title: String,
    /// Part of the highlighted chain.
    pub highlighted: bool,
}

/// An arrow from the blocking node to the waiting one.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphEdge {
    /// Index of the blocking node.
    pub from: usize,
    /// Index of the waiting node.
    pub to: usize,
    /// Description ("Alpha blocks Bravo: A-1 blocks B-7").
    pub title: String,
    /// Part of the highlighted chain.
    pub highlighted: bool,
}

/// Sizes of the drawing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GraphStyle {
    /// Box width.
    pub node_width: f64,
    /// Box height.
    pub node_height: f64,
    /// Space between boxes of a row.
    pub gap_x: f64,
    /// Space between rows (room for the arrows).
    pub gap_y: f64,
    /// Boxes per row at most.
    pub per_row: usize,
    /// Space around the drawing.
    pub margin: f64,
}

impl GraphStyle {
    /// Laptops and projectors: up to five boxes a row.
    pub const WIDE: GraphStyle = GraphStyle {
        node_width: 150.0,
        node_height: 40.0,
        gap_x: 24.0,
        gap_y: 44.0,
        per_row: 5,
        margin: 8.0,
    };
    /// Phones: two boxes a row, drawn at about their own size in 375 px.
    pub const NARROW: GraphStyle = GraphStyle {
        node_width: 140.0,
        node_height: 40.0,
        gap_x: 16.0,
        gap_y: 40.0,
        per_row: 2,
        margin: 6.0,
    };
}

/// Where everything goes.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphLayout {
    /// One box per node, in node order.
    pub nodes: Vec<Rect>,
    /// One SVG path per edge, in edge order.
    pub edges: Vec<String>,
    /// Layer (dependency depth) of each node.
    pub layers: Vec<usize>,
    /// Drawing width.
    pub width: f64,
    /// Drawing height.
    pub height: f64,
}

/// Dependency depth of every node: 0 for nodes nothing blocks, else one more
/// than the deepest blocker; an edge closing a cycle is ignored.
pub fn depth_layers(n: usize, edges: &[(usize, usize)]) -> Vec<usize> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(from, to) in edges {
        if from < n && to < n && from != to {
            out[from].push(to);
        }
    }
    // Reverse post-order of a depth-first pass: every edge that does not
    // close a cycle goes from an earlier to a later position.
    let mut visited = vec![false; n];
    let mut post = Vec::with_capacity(n);
    for root in 0..n {
        if visited[root] {
            continue;
        }
        visited[root] = true;
        let mut stack = vec![(root, 0usize)];
        while let Some((node, next)) = stack.last_mut() {
            if let Some(&child) = out[*node].get(*next) {
                *next += 1;
                if !visited[child] {
                    visited[child] = true;
                    stack.push((child, 0));
                }
            } else {
                post.push(*node);
                stack.pop();
            }
        }
    }
    let order: Vec<usize> = post.into_iter().rev().collect();
    let mut position = vec![0usize; n];
    for (pos, &node) in order.iter().enumerate() {
        position[node] = pos;
    }
    let mut layer = vec![0usize; n];
    for &node in &order {
        for &child in &out[node] {
            if position[child] > position[node] {
                layer[child] = layer[child].max(layer[node] + 1);
            }
        }
    }
    layer
}

/// Lays out `n` nodes and `edges` (blocker, waiting) with `style`.
pub fn layout(n: usize, edges: &[(usize, usize)], style: GraphStyle) -> GraphLayout {
    let layers = depth_layers(n, edges);
    let depth = layers.iter().copied().max().map_or(0, |max| max + 1);
    let per_row = style.per_row.max(1);
    let mut blockers: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(from, to) in edges {
        if from < n && to < n && from != to {
            blockers[to].push(from);
        }
    }
    // Slot (column index, as a fraction of the row) of every placed node.
    let mut slot = vec![f64::NAN; n];
    let mut rows: Vec<Vec<usize>> = Vec::new();
    for depth_index in 0..depth {
        let mut members: Vec<(f64, usize)> = (0..n)
            .filter(|&node| layers[node] == depth_index)
            .map(|node| {
                let placed: Vec<f64> = blockers[node]
                    .iter()
                    .map(|&blocker| slot[blocker])
                    .filter(|value| value.is_finite())
                    .collect();
                let centre = if placed.is_empty() {
                    f64::INFINITY
                } else {
                    placed.iter().sum::<f64>() / placed.len() as f64
                };
                (centre, node)
            })
            .collect();
        members.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for chunk in members.chunks(per_row) {
            for (column, (_, node)) in chunk.iter().enumerate() {
                slot[*node] = (column as f64 + 0.5) / chunk.len() as f64;
            }
            rows.push(chunk.iter().map(|(_, node)| *node).collect());
        }
    }
    let widest = rows.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let width =
        2.0 * style.margin + widest as f64 * style.node_width + (widest - 1) as f64 * style.gap_x;
    let height = 2.0 * style.margin
        + rows.len() as f64 * style.node_height
        + rows.len().saturating_sub(1) as f64 * style.gap_y;
    let mut nodes = vec![Rect { x: 0.0, y: 0.0, width: 0.0, height: 0.0 }; n];
    for (row_index, row) in rows.iter().enumerate() {
        let row_width = row.len() as f64 * style.node_width + (row.len() - 1) as f64 * style.gap_x;
        let left = (width - row_width) / 2.0;
        let top = style.margin + row_index as f64 * (style.node_height + style.gap_y);
        for (column, &node) in row.iter().enumerate() {
            nodes[node] = Rect {
                x: left + column as f64 * (style.node_width + style.gap_x),
                y: top,
                width: style.node_width,
                height: style.node_height,
            };
        }
    }
    let edges = edges
        .iter()
        .map(|&(from, to)| match (nodes.get(from), nodes.get(to)) {
            (Some(a), Some(b)) if from != to => edge_path(a, b),
            _ => String::new(),
        })
        .collect();
    GraphLayout { nodes, edges, layers, width, height }
}

/// A curve from the bottom of `from` to the top of `to`; an edge that goes
/// back up (a cycle) or along a row leaves from the side instead, so it never
/// runs through the boxes it joins.
fn edge_path(from: &Rect, to: &Rect) -> String {
    let (fx, tx) = (from.x + from.width / 2.0, to.x + to.width / 2.0);
    if to.y > from.y + from.height {
        let (y1, y2) = (from.y + from.height, to.y);
        let bend = ((y2 - y1) / 2.0).max(12.0);
        format!(
            "M{fx:.1} {y1:.1} C{fx:.1} {:.1} {tx:.1} {:.1} {tx:.1} {y2:.1}",
            y1 + bend,
            y2 - bend
        )
    } else {
        let (x1, y1) = (from.x + from.width, from.y + from.height / 2.0);
        let (x2, y2) = (to.x + to.width, to.y + to.height / 2.0);
        let out = x1.max(x2) + 18.0;
        polyline(&[(x1, y1), (out, y1), (out, y2), (x2, y2)])
    }
}

/// Highlight for the chain at risk (vermillion) against plain blue.
const CHAIN: &str = "#D55E00";
const PLAIN: &str = "#0072B2";

/// The inside of the graph's `<svg>` laid out with `style`: arrow heads
/// (ids prefixed with `name`, unique in the page), edges, then boxes, each
/// with its description for assistive technology and hover. Returns the
/// markup and the drawing's size.
pub fn graph_markup(
    nodes: &[GraphNode],
    edges: &[GraphEdge],
    style: GraphStyle,
    name: &str,
) -> (String, f64, f64) {
    use std::fmt::Write;

    use super::export::escape;

    let pairs: Vec<(usize, usize)> = edges.iter().map(|edge| (edge.from, edge.to)).collect();
    let placed = layout(nodes.len(), &pairs, style);
    let name = escape(name);
    let mut out = String::with_capacity(4096);
    let _ = write!(out, "<defs>");
    for (id, colour) in [("arrow", PLAIN), ("arrow-chain", CHAIN)] {
        let _ = write!(
            out,
            "<marker id=\"{id}-{name}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" \
             orient=\"auto-start-reverse\"><path d=\"M0 0 L10 5 L0 10 Z\" fill=\"{colour}\"></path></marker>"
        );
    }
    let _ = write!(out, "</defs>");
    for (edge, path) in edges.iter().zip(&placed.edges) {
        if path.is_empty() {
            continue;
        }
        let (class, colour, marker, width, opacity) = if edge.highlighted {
            ("graph-edge chain", CHAIN, "arrow-chain", "2.5", "1")
        } else {
            ("graph-edge", PLAIN, "arrow", "1.2", "0.55")
        };
        let title = escape(&edge.title);
        let _ = write!(
            out,
            "<path class=\"{class}\" data-testid=\"graph-edge\" d=\"{path}\" fill=\"none\" stroke=\"{colour}\" \
             stroke-width=\"{width}\" stroke-opacity=\"{opacity}\" marker-end=\"url(#{marker}-{name})\" tabindex=\"0\" \
             role=\"img\" aria-label=\"{title}\"><title>{title}</title></path>"
        );
    }
    for (node, rect) in nodes.iter().zip(&placed.nodes) {
        let (class, fill, stroke, width) = if node.highlighted {
            ("graph-node chain", "#fbe3d3", CHAIN, "2.5")
        } else {
            ("graph-node", "#ffffff", "#8a97a6", "1")
        };
        let title = escape(&node.title);
        let _ = write!(
            out,
            "<g class=\"{class}\" data-testid=\"graph-node\" data-node-id=\"{}\" tabindex=\"0\" role=\"img\" aria-label=\"{title}\">\
             <title>{title}</title><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"6\" fill=\"{fill}\" \
             stroke=\"{stroke}\" stroke-width=\"{width}\"></rect>",
            escape(&node.id),
            rect.x,
            rect.y,
            rect.width,
            rect.height
        );
        let lines = node.lines.len().max(1) as f64;
        let first_y = rect.y + rect.height / 2.0 - (lines - 1.0) * 6.5 + 4.0;
        for (idx, line) in node.lines.iter().enumerate() {
            let class = if idx == 0 { "graph-label strong" } else { "graph-label" };
            let _ = write!(
                out,
                "<text class=\"{class}\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                rect.x + rect.width / 2.0,
                first_y + idx as f64 * 13.0,
                escape(line)
            );
        }
        out.push_str("</g>");
    }
    (out, placed.width, placed.height)
}

/// Which edges join consecutive nodes of a chain. `chain` lists the waiting
/// node first and then each blocker in turn, so the edge from `chain[i + 1]`
/// to `chain[i]` is part of it.
pub fn chain_edges(edges: &[(usize, usize)], chain: &[usize]) -> Vec<bool> {
    edges
        .iter()
        .map(|&(from, to)| chain.windows(2).any(|pair| pair[0] == to && pair[1] == from))
        .collect()
}

/// `text` cut to `max_chars` characters with an ellipsis.
pub fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut res: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    res.push('…');
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overlaps(a: &Rect, b: &Rect) -> bool {
        a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
    }

    fn assert_no_overlap(layout: &GraphLayout) {
        for (i, a) in layout.nodes.iter().enumerate() {
            assert!(a.x >= 0.0 && a.x + a.width <= layout.width, "node {i} leaves the drawing");
            assert!(a.y >= 0.0 && a.y + a.height <= layout.height, "node {i} leaves the drawing");
            for (j, b) in layout.nodes.iter().enumerate().skip(i + 1) {
                assert!(!overlaps(a, b), "nodes {i} and {j} overlap: {a:?} {b:?}");
            }
        }
    }

    #[test]
    fn blockers_sit_above_what_waits_on_them() {
        // 0 blocks 1, 1 blocks 2, 0 blocks 2; 3 stands alone.
        let edges = [(0, 1), (1, 2), (0, 2)];
        assert_eq!(depth_layers(4, &edges), vec![0, 1, 2, 0]);
        let layout = layout(4, &edges, GraphStyle::WIDE);
        assert!(layout.nodes[0].y < layout.nodes[1].y);
        assert!(layout.nodes[1].y < layout.nodes[2].y);
        assert_eq!(layout.nodes[0].y, layout.nodes[3].y);
        assert_no_overlap(&layout);
    }

    #[test]
    fn cycles_are_cut_and_still_laid_out() {
        let edges = [(0, 1), (1, 2), (2, 0)];
        let layers = depth_layers(3, &edges);
        assert_eq!(layers, vec![0, 1, 2]);
        let layout = layout(3, &edges, GraphStyle::WIDE);
        assert_no_overlap(&layout);
        // The edge back up leaves from the side, right of both boxes.
        assert!(layout.edges[2].starts_with('M'));
        assert!(!layout.edges[2].contains('C'));
    }

    #[test]
    fn wide_layers_wrap_so_a_phone_layout_stays_narrow() {
        // One blocker holding up nine teams.
        let edges: Vec<(usize, usize)> = (1..10).map(|to| (0, to)).collect();
        let narrow = layout(10, &edges, GraphStyle::NARROW);
        assert_no_overlap(&narrow);
        assert!(narrow.width <= 2.0 * 140.0 + 16.0 + 12.0 + 1e-9, "width {}", narrow.width);
        assert!(narrow.width <= 343.0, "fits a 375 px phone's content width");
        let wide = layout(10, &edges, GraphStyle::WIDE);
        assert_no_overlap(&wide);
        assert!(wide.height < narrow.height);
    }

    #[test]
    fn many_unrelated_nodes_never_overlap() {
        let edges: Vec<(usize, usize)> =
            (0..40).map(|i| (i, (i * 7 + 3) % 40)).filter(|(a, b)| a != b).collect();
        for style in [GraphStyle::WIDE, GraphStyle::NARROW] {
            let layout = layout(40, &edges, style);
            assert_eq!(layout.nodes.len(), 40);
            assert_eq!(layout.edges.len(), edges.len());
            assert_no_overlap(&layout);
        }
    }

    #[test]
    fn same_input_same_layout() {
        let edges = [(2, 0), (3, 0), (1, 3)];
        assert_eq!(layout(4, &edges, GraphStyle::WIDE), layout(4, &edges, GraphStyle::WIDE));
    }

    #[test]
    fn downward_edges_join_bottom_to_top() {
        let layout = layout(2, &[(0, 1)], GraphStyle::WIDE);
        let (a, b) = (layout.nodes[0], layout.nodes[1]);
        let start = format!("M{:.1} {:.1}", a.x + a.width / 2.0, a.y + a.height);
        let end = format!("{:.1} {:.1}", b.x + b.width / 2.0, b.y);
        assert!(layout.edges[0].starts_with(&start), "{}", layout.edges[0]);
        assert!(layout.edges[0].ends_with(&end), "{}", layout.edges[0]);
    }

    #[test]
    fn the_chain_marks_only_its_own_links() {
        // 2 blocks 1 blocks 0; 3 blocks 0 but is not on the chain.
        let edges = [(1, 0), (2, 1), (3, 0), (0, 1)];
        assert_eq!(chain_edges(&edges, &[0, 1, 2]), vec![true, true, false, false]);
        assert_eq!(chain_edges(&edges, &[0]), vec![false; 4]);
    }

    #[test]
    fn long_labels_are_cut_with_an_ellipsis() {
        assert_eq!(truncate("Payments", 20), "Payments");
        assert_eq!(truncate("Checkout redesign phase two", 10), "Checkout …");
    }

    #[test]
    fn the_markup_names_every_box_and_arrow_and_marks_the_chain() {
        let node = |id: &str, highlighted| GraphNode {
            id: id.to_owned(),
            lines: vec![id.to_owned()],
            title: format!("Team {id} & co"),
            highlighted,
        };
        let nodes = vec![node("a", true), node("b", true), node("c", false)];
        let edges = vec![
            GraphEdge { from: 0, to: 1, title: "a blocks b".to_owned(), highlighted: true },
            GraphEdge { from: 2, to: 1, title: "c blocks b".to_owned(), highlighted: false },
        ];
        let (markup, width, height) = graph_markup(&nodes, &edges, GraphStyle::NARROW, "t");
        assert_eq!(markup.matches("data-testid=\"graph-node\"").count(), 3);
        assert_eq!(markup.matches("data-testid=\"graph-edge\"").count(), 2);
        assert_eq!(markup.matches("class=\"graph-edge chain\"").count(), 1);
        assert_eq!(markup.matches("class=\"graph-node chain\"").count(), 2);
        assert!(markup.contains("aria-label=\"Team a &amp; co\""));
        assert!(markup.contains("url(#arrow-chain-t)") && markup.contains("id=\"arrow-chain-t\""));
        assert!(width <= 343.0 && height > 0.0);
    }

    #[test]
    fn an_empty_graph_is_a_tiny_drawing() {
        let layout = layout(0, &[], GraphStyle::WIDE);
        assert!(layout.nodes.is_empty());
        assert!(layout.width > 0.0);
    }
}

#[cfg(target_arch = "wasm32")]
pub use view::DependencyGraphChart;

/// The component, in the browser only.
#[cfg(target_arch = "wasm32")]
pub mod view {
    use leptos::prelude::*;

    use super::super::export::escape;
    use super::{graph_markup, GraphEdge, GraphNode, GraphStyle};

    /// The graph drawn with `style`; `name` tells instances apart (arrow ids).
    #[component]
    pub fn DependencyGraphChart(
        /// Boxes.
        nodes: Vec<GraphNode>,
        /// Arrows.
        edges: Vec<GraphEdge>,
        /// Sizes.
        style: GraphStyle,
        /// Unique name of this drawing in the page.
        #[prop(into)]
        name: String,
        /// Accessible title.
        #[prop(into)]
        title: String,
    ) -> impl IntoView {
        let (markup, width, height) = graph_markup(&nodes, &edges, style, &name);
        let markup = format!("<title>{}</title>{markup}", escape(&title));
        view! {
            <svg
                class="chart graph"
                viewBox=format!("0 0 {width:.0} {height:.0}")
                width=format!("{width:.0}")
                height=format!("{height:.0}")
                role="img"
                aria-label=title
                data-testid="dependency-graph"
                data-layout=name
                inner_html=markup
            ></svg>
        }
    }
}
