//! Cycle extraction: one shortest cycle per strongly connected component, so a
//! diagnostic can name every hop (a bare "cycle detected" helps nobody).

use std::collections::VecDeque;

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

/// For every strongly connected component with a cycle (two or more nodes, or one
/// node with an edge to itself), the edges of one shortest cycle through its
/// lowest-numbered node, in order. Components come in the order of those nodes, so
/// the result depends only on the graph, never on hashing.
pub fn find_cycles<N, E>(graph: &DiGraph<N, E>) -> Vec<Vec<EdgeIndex>> {
    let mut out: Vec<(NodeIndex, Vec<EdgeIndex>)> = Vec::new();
    for scc in tarjan_scc(graph) {
        let Some(&start) = scc.iter().min() else {
            continue;
        };
        let cyclic = scc.len() > 1 || graph.find_edge(start, start).is_some();
        if !cyclic {
            continue;
        }
        let mut member = vec![false; graph.node_count()];
        for n in &scc {
            member[n.index()] = true;
        }
        if let Some(path) = shortest_cycle(graph, start, &member) {
            out.push((start, path));
        }
    }
    out.sort_by_key(|(start, _)| *start);
    out.into_iter().map(|(_, path)| path).collect()
}

/// Breadth-first from `start` inside the component back to `start`; among equal
/// lengths, the lowest edge indices win (edges are visited in index order).
fn shortest_cycle<N, E>(
    graph: &DiGraph<N, E>,
    start: NodeIndex,
    member: &[bool],
) -> Option<Vec<EdgeIndex>> {
    let mut via: Vec<Option<EdgeIndex>> = vec![None; graph.node_count()];
    let mut seen = vec![false; graph.node_count()];
    let mut queue = VecDeque::from([start]);
    seen[start.index()] = true;
    while let Some(node) = queue.pop_front() {
        let mut edges: Vec<_> = graph.edges(node).collect();
        edges.sort_by_key(|e| e.id());
        for e in edges {
            let next = e.target();
            if !member[next.index()] {
                continue;
            }
            if next == start {
                let mut path = vec![e.id()];
                let mut at = node;
                while at != start {
                    let back = via[at.index()]?;
                    path.push(back);
                    at = graph.edge_endpoints(back)?.0;
                }
                path.reverse();
                return Some(path);
            }
            if !seen[next.index()] {
                seen[next.index()] = true;
                via[next.index()] = Some(e.id());
                queue.push_back(next);
            }
        }
    }
    None
}
