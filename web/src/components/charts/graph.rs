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
//! Edges are routed around the boxes (see [`layout`]): they run only through
//! the space between rows and the gaps between the boxes of a row.

use super::geometry::Rect;

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

/// One piece of an edge's path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Segment {
    /// A straight line from the first point to the second.
    Line((f64, f64), (f64, f64)),
    /// A cubic Bézier curve: start, two control points, end.
    Curve([(f64, f64); 4]),
}

impl Segment {
    /// The point at `t` (0 = start, 1 = end).
    pub fn at(&self, t: f64) -> (f64, f64) {
        match *self {
            Segment::Line(a, b) => (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t),
            Segment::Curve([a, b, c, d]) => {
                let u = 1.0 - t;
                let (wa, wb, wc, wd) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
                (
                    wa * a.0 + wb * b.0 + wc * c.0 + wd * d.0,
                    wa * a.1 + wb * b.1 + wc * c.1 + wd * d.1,
                )
            }
        }
    }
}

/// The SVG path of a route (empty for an empty route).
pub fn route_path(route: &[Segment]) -> String {
    use std::fmt::Write;
    let mut res = String::new();
    for (idx, segment) in route.iter().enumerate() {
        let start = match segment {
            Segment::Line(a, _) => *a,
            Segment::Curve(points) => points[0],
        };
        if idx == 0 {
            let _ = write!(res, "M{:.1} {:.1}", start.0, start.1);
        }
        match segment {
            Segment::Line(_, b) => {
                let _ = write!(res, " L{:.1} {:.1}", b.0, b.1);
            }
            Segment::Curve([_, b, c, d]) => {
                let _ = write!(
                    res,
                    " C{:.1} {:.1} {:.1} {:.1} {:.1} {:.1}",
                    b.0, b.1, c.0, c.1, d.0, d.1
                );
            }
        }
    }
    res
}

/// Where everything goes.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphLayout {
    /// One box per node, in node order.
    pub nodes: Vec<Rect>,
    /// One route per edge, in edge order (empty for a loop or a bad index).
    pub edges: Vec<Vec<Segment>>,
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

/// How an edge runs between the rows of its two boxes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Run {
    /// Bottom of the blocker to the top of a box in a lower row.
    Down,
    /// Top of the blocker to the bottom of a box in a higher row (a cycle).
    Up,
    /// Side to side between neighbours in one row.
    Beside,
    /// Bottom to bottom under the boxes between them, in one row.
    Under,
    /// Not drawn.
    None,
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
        director_core::sort::stable_by(&mut members, |a, b| {
            a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
        });
        for chunk in members.chunks(per_row) {
            for (column, (_, node)) in chunk.iter().enumerate() {
                slot[*node] = (column as f64 + 0.5) / chunk.len() as f64;
            }
            rows.push(chunk.iter().map(|(_, node)| *node).collect());
        }
    }
    let mut row_of = vec![0usize; n];
    let mut column_of = vec![0usize; n];
    for (row_index, row) in rows.iter().enumerate() {
        for (column, &node) in row.iter().enumerate() {
            row_of[node] = row_index;
            column_of[node] = column;
        }
    }
    let runs: Vec<Run> = edges
        .iter()
        .map(|&(from, to)| {
            if from >= n || to >= n || from == to {
                Run::None
            } else if row_of[to] > row_of[from] {
                Run::Down
            } else if row_of[to] < row_of[from] {
                Run::Up
            } else if column_of[from].abs_diff(column_of[to]) == 1 {
                Run::Beside
            } else {
                Run::Under
            }
        })
        .collect();
    // Room beside every row for edges passing it, and under the last row for
    // edges between its boxes.
    let pad_x = style.margin + style.gap_x / 2.0;
    let lane = style.gap_y * 0.6;
    let last_row = rows.len().saturating_sub(1);
    let under_last = edges
        .iter()
        .zip(&runs)
        .any(|(&(from, _), run)| *run == Run::Under && row_of[from] == last_row);
    let widest = rows.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let width = 2.0 * pad_x + widest as f64 * style.node_width + (widest - 1) as f64 * style.gap_x;
    let height = 2.0 * style.margin
        + rows.len() as f64 * style.node_height
        + rows.len().saturating_sub(1) as f64 * style.gap_y
        + if under_last { lane } else { 0.0 };
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
    let edges = route_edges(edges, &runs, &nodes, &rows, &row_of, style, lane);
    GraphLayout { nodes, edges, layers, width, height }
}

/// A port on a box side: the other end's x, the edge, and whether this end
/// is where the edge starts.
type Port = (f64, usize, bool);

/// Routes every edge: it leaves and enters at a side of its boxes (several
/// edges on one side spread along it, ordered by where their other end is,
/// so they do not cross there), crosses the space between rows on a curve
/// that stays within that space, and passes any row in between through the
/// gap between two boxes (or beside the row) nearest to its straight line.
/// Nothing but the space between boxes is ever crossed.
fn route_edges(
    edges: &[(usize, usize)],
    runs: &[Run],
    nodes: &[Rect],
    rows: &[Vec<usize>],
    row_of: &[usize],
    style: GraphStyle,
    lane: f64,
) -> Vec<Vec<Segment>> {
    let centre = |node: usize| nodes[node].x + nodes[node].width / 2.0;
    // Ports on each box's top (0) and bottom (1) side: (other end's x, edge
    // index, this end is the start).
    let mut sides: Vec<[Vec<Port>; 2]> = vec![[Vec::new(), Vec::new()]; nodes.len()];
    for (idx, (&(from, to), run)) in edges.iter().zip(runs).enumerate() {
        let (from_side, to_side) = match run {
            Run::Down => (1, 0),
            Run::Up => (0, 1),
            Run::Under => (1, 1),
            Run::Beside | Run::None => continue,
        };
        sides[from][from_side].push((centre(to), idx, true));
        sides[to][to_side].push((centre(from), idx, false));
    }
    let mut start_x = vec![0.0; edges.len()];
    let mut end_x = vec![0.0; edges.len()];
    for (node, mut ports) in sides
        .into_iter()
        .enumerate()
        .flat_map(|(node, [top, bottom])| [(node, top), (node, bottom)])
    {
        director_core::sort::stable_by(&mut ports, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let rect = nodes[node];
        let count = ports.len() as f64;
        for (k, (_, idx, is_start)) in ports.into_iter().enumerate() {
            let x = rect.x + rect.width * (k as f64 + 1.0) / (count + 1.0);
            if is_start {
                start_x[idx] = x;
            } else {
                end_x[idx] = x;
            }
        }
    }
    // Gaps a row can be passed through: left of each box and right of the last.
    let corridors: Vec<Vec<f64>> = rows
        .iter()
        .map(|row| {
            let mut res: Vec<f64> =
                row.iter().map(|&node| nodes[node].x - style.gap_x / 2.0).collect();
            if let Some(&last) = row.last() {
                res.push(nodes[last].x + nodes[last].width + style.gap_x / 2.0);
            }
            res
        })
        .collect();
    // Edges already through each gap of each row.
    let mut used: Vec<Vec<usize>> = corridors.iter().map(|gaps| vec![0; gaps.len()]).collect();
    let max_offset = (style.gap_x / 2.0 - 2.0).max(0.0);
    let top = |row: usize| style.margin + row as f64 * (style.node_height + style.gap_y);
    let bottom = |row: usize| top(row) + style.node_height;
    let curve = |a: (f64, f64), b: (f64, f64)| {
        let middle = (a.1 + b.1) / 2.0;
        Segment::Curve([a, (a.0, middle), (b.0, middle), b])
    };
    edges
        .iter()
        .zip(runs)
        .enumerate()
        .map(|(idx, (&(from, to), run))| match run {
            Run::None => Vec::new(),
            Run::Beside => {
                let (a, b) = (nodes[from], nodes[to]);
                // Two opposite edges between neighbours run side by side.
                let rightwards = a.x < b.x;
                let y = a.y + a.height / 2.0 + if rightwards { -5.0 } else { 5.0 };
                let (x1, x2) = if rightwards { (a.x + a.width, b.x) } else { (a.x, b.x + b.width) };
                vec![Segment::Line((x1, y), (x2, y))]
            }
            Run::Under => {
                let y = bottom(row_of[from]);
                let (x1, x2) = (start_x[idx], end_x[idx]);
                // Both ends at `y`: the curve dips three quarters of the
                // control distance, staying inside the lane under the row.
                let dip = lane / 0.75;
                vec![Segment::Curve([(x1, y), (x1, y + dip), (x2, y + dip), (x2, y)])]
            }
            Run::Down | Run::Up => {
                let down = *run == Run::Down;
                let (first, last) = (row_of[from], row_of[to]);
                let (leave, enter) =
                    if down { (bottom(first), top(last)) } else { (top(first), bottom(last)) };
                let (sx, tx) = (start_x[idx], end_x[idx]);
                let between: Vec<usize> = if down {
                    (first + 1..last).collect()
                } else {
                    (last + 1..first).rev().collect()
                };
                let span = first.abs_diff(last) as f64;
                let mut res = Vec::with_capacity(2 * between.len() + 1);
                let mut at = (sx, leave);
                for (step, &row) in between.iter().enumerate() {
                    let ideal = sx + (tx - sx) * (step as f64 + 1.0) / span;
                    let Some((corridor, x)) = corridors[row]
                        .iter()
                        .copied()
                        .enumerate()
                        .min_by(|a, b| (a.1 - ideal).abs().total_cmp(&(b.1 - ideal).abs()))
                    else {
                        continue;
                    };
                    // Edges sharing a gap run side by side within it.
                    let count = &mut used[row][corridor];
                    let k = *count as f64;
                    *count += 1;
                    let shift = ((k + 1.0) / 2.0).floor() * 3.0;
                    let offset = if count.is_multiple_of(2) { shift } else { -shift };
                    let x = x + offset.clamp(-max_offset, max_offset);
                    let (near, far) =
                        if down { (top(row), bottom(row)) } else { (bottom(row), top(row)) };
                    res.push(curve(at, (x, near)));
                    res.push(Segment::Line((x, near), (x, far)));
                    at = (x, far);
                }
                res.push(curve(at, (tx, enter)));
                res
            }
        })
        .collect()
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
    for (edge, route) in edges.iter().zip(&placed.edges) {
        if route.is_empty() {
            continue;
        }
        let path = route_path(route);
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

    /// True when the segment from `p` to `q` enters the inside of `rect`
    /// (clipping the segment to the box, Liang–Barsky).
    fn segment_enters(p: (f64, f64), q: (f64, f64), rect: &Rect) -> bool {
        let (dx, dy) = (q.0 - p.0, q.1 - p.1);
        let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
        for (step, room) in [
            (-dx, p.0 - rect.x),
            (dx, rect.x + rect.width - p.0),
            (-dy, p.1 - rect.y),
            (dy, rect.y + rect.height - p.1),
        ] {
            if step == 0.0 {
                if room <= 0.0 {
                    return false;
                }
            } else {
                let t = room / step;
                if step < 0.0 {
                    t0 = t0.max(t);
                } else {
                    t1 = t1.min(t);
                }
            }
        }
        t0 < t1
    }

    /// Every edge, followed in fine steps, stays out of every box but its
    /// own two, and out of the inside of those.
    fn assert_routes_avoid_boxes(layout: &GraphLayout, edges: &[(usize, usize)]) {
        const STEPS: usize = 400;
        for (idx, (route, &(from, to))) in layout.edges.iter().zip(edges).enumerate() {
            if from == to {
                continue;
            }
            assert!(!route.is_empty(), "edge {idx} ({from}→{to}) is not drawn");
            for segment in route {
                for step in 0..STEPS {
                    let p = segment.at(step as f64 / STEPS as f64);
                    let q = segment.at((step + 1) as f64 / STEPS as f64);
                    for (node, rect) in layout.nodes.iter().enumerate() {
                        // The two ends touch their own boxes' sides only.
                        let inset = if node == from || node == to { 1.0 } else { -1.0 };
                        let rect = Rect {
                            x: rect.x + inset,
                            y: rect.y + inset,
                            width: rect.width - 2.0 * inset,
                            height: rect.height - 2.0 * inset,
                        };
                        assert!(
                            !segment_enters(p, q, &rect),
                            "edge {idx} ({from}→{to}) runs through node {node} at {p:?}: {}",
                            route_path(route)
                        );
                    }
                    for point in [p, q] {
                        assert!(
                            point.0 >= -1e-9
                                && point.0 <= layout.width + 1e-9
                                && point.1 >= -1e-9
                                && point.1 <= layout.height + 1e-9,
                            "edge {idx} leaves the drawing at {point:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_box_test_sees_a_line_through_a_box_and_not_one_beside_it() {
        let rect = Rect { x: 10.0, y: 10.0, width: 20.0, height: 10.0 };
        assert!(segment_enters((0.0, 15.0), (40.0, 15.0), &rect));
        assert!(segment_enters((20.0, 0.0), (20.0, 30.0), &rect));
        assert!(!segment_enters((0.0, 5.0), (40.0, 5.0), &rect));
        assert!(!segment_enters((31.0, 0.0), (31.0, 30.0), &rect));
    }

    #[test]
    fn an_edge_over_a_layer_goes_around_the_box_in_its_way() {
        // 0 → 1 → 2 and 0 → 2: drawn straight, 0 → 2 would cross 1, which
        // sits right between them.
        let edges = [(0, 1), (1, 2), (0, 2)];
        for style in [GraphStyle::WIDE, GraphStyle::NARROW] {
            let layout = layout(3, &edges, style);
            assert_eq!(layout.nodes[0].x, layout.nodes[1].x, "the boxes stand in one column");
            assert_eq!(layout.nodes[1].x, layout.nodes[2].x);
            assert_routes_avoid_boxes(&layout, &edges);
            // Over row 1 it runs down the gap beside box 1.
            let long = &layout.edges[2];
            assert_eq!(long.len(), 3, "curve, straight past row 1, curve");
            let Segment::Line(a, b) = long[1] else { panic!("{long:?}") };
            assert_eq!(a.0, b.0);
            let box_1 = layout.nodes[1];
            assert!(a.0 < box_1.x || a.0 > box_1.x + box_1.width, "x {}", a.0);
            assert_eq!((a.1, b.1), (box_1.y, box_1.y + box_1.height));
        }
    }

    #[test]
    fn edges_from_one_box_leave_from_separate_points_in_the_order_of_their_targets() {
        let edges = [(0, 2), (0, 1), (0, 3)];
        let layout = layout(4, &edges, GraphStyle::WIDE);
        let starts: Vec<f64> = layout.edges.iter().map(|route| route[0].at(0.0).0).collect();
        let targets: Vec<f64> = edges.iter().map(|&(_, to)| layout.nodes[to].x).collect();
        for i in 0..3 {
            for j in 0..3 {
                if targets[i] < targets[j] {
                    assert!(starts[i] < starts[j], "{starts:?} for targets at {targets:?}");
                }
            }
        }
        assert_routes_avoid_boxes(&layout, &edges);
    }

    #[test]
    fn cycles_within_a_row_go_beside_or_under_the_boxes() {
        // A layer of four wrapped two a row on a phone; 2 ⇄ 3 and 1 → 4 → 1
        // are cycles, so some edges join boxes of one row.
        let edges = [(0, 1), (0, 2), (0, 3), (0, 4), (2, 3), (3, 2), (1, 4), (4, 1)];
        for style in [GraphStyle::WIDE, GraphStyle::NARROW] {
            let layout = layout(5, &edges, style);
            assert_no_overlap(&layout);
            assert_routes_avoid_boxes(&layout, &edges);
        }
        // Three in a row where the outer two are joined: under the middle one.
        let edges = [(0, 1), (0, 2), (0, 3), (1, 3), (3, 1)];
        let layout = layout(4, &edges, GraphStyle::WIDE);
        assert_routes_avoid_boxes(&layout, &edges);
    }

    #[test]
    fn long_chains_on_a_phone_pass_every_row_between_boxes() {
        // Nine teams waiting on 0, and a chain 1 → 5 → 9 down the wrapped rows.
        let mut edges: Vec<(usize, usize)> = (1..10).map(|to| (0, to)).collect();
        edges.extend([(1, 10), (10, 11), (0, 11), (2, 11), (11, 0)]);
        for style in [GraphStyle::WIDE, GraphStyle::NARROW] {
            let layout = layout(12, &edges, style);
            assert_no_overlap(&layout);
            assert_routes_avoid_boxes(&layout, &edges);
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
        assert_routes_avoid_boxes(&layout, &edges);
        // The edge back up leaves from the top of 2 and enters 0 from below.
        let back = &layout.edges[2];
        let (start, end) = (back[0].at(0.0), back[back.len() - 1].at(1.0));
        assert_eq!(start.1, layout.nodes[2].y);
        assert_eq!(end.1, layout.nodes[0].y + layout.nodes[0].height);
    }

    #[test]
    fn wide_layers_wrap_so_a_phone_layout_stays_narrow() {
        // One blocker holding up nine teams.
        let edges: Vec<(usize, usize)> = (1..10).map(|to| (0, to)).collect();
        let narrow = layout(10, &edges, GraphStyle::NARROW);
        assert_no_overlap(&narrow);
        // Two boxes, the gap between them and a gap's room beside each.
        assert!(
            narrow.width <= 2.0 * 140.0 + 16.0 + 2.0 * (6.0 + 8.0) + 1e-9,
            "width {}",
            narrow.width
        );
        assert!(narrow.width <= 343.0, "fits a 375 px phone's content width");
        assert_routes_avoid_boxes(&narrow, &edges);
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
            assert_routes_avoid_boxes(&layout, &edges);
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
        let path = route_path(&layout.edges[0]);
        let start = format!("M{:.1} {:.1}", a.x + a.width / 2.0, a.y + a.height);
        let end = format!("{:.1} {:.1}", b.x + b.width / 2.0, b.y);
        assert!(path.starts_with(&start), "{path}");
        assert!(path.ends_with(&end), "{path}");
        assert_eq!(path.matches('C').count(), 1, "one curve between neighbouring rows: {path}");
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
