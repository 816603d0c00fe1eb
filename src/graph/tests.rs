use super::*;

/// A graph of `n` nodes with the given edges (from, to).
fn graph(n: usize, edges: &[(usize, usize)]) -> DiGraph<usize, ()> {
    let mut g = DiGraph::new();
    for i in 0..n {
        g.add_node(i);
    }
    for &(a, b) in edges {
        g.add_edge(NodeIndex::new(a), NodeIndex::new(b), ());
    }
    g
}

/// The nodes a cycle visits, starting at its first edge's source.
fn nodes(g: &DiGraph<usize, ()>, cycle: &[petgraph::graph::EdgeIndex]) -> Vec<usize> {
    cycle
        .iter()
        .map(|&e| g[g.edge_endpoints(e).unwrap().0])
        .collect()
}

#[test]
fn waves_are_longest_paths() {
    // 0 -> 1 -> 3, 0 -> 2, 2 -> 3, 4 alone
    let g = graph(5, &[(0, 1), (1, 3), (0, 2), (2, 3)]);
    assert_eq!(waves(&g), vec![1, 2, 2, 3, 1]);
    // a chain is as many waves as it is long
    let chain = graph(4, &[(2, 3), (1, 2), (0, 1)]);
    assert_eq!(waves(&chain), vec![1, 2, 3, 4]);
    // no edges: one wave
    assert_eq!(waves(&graph(3, &[])), vec![1, 1, 1]);
}

#[test]
fn waves_of_a_cyclic_graph_are_empty() {
    assert!(waves(&graph(2, &[(0, 1), (1, 0)])).is_empty());
}

#[test]
fn acyclic_graphs_have_no_cycles() {
    assert!(find_cycles(&graph(4, &[(0, 1), (1, 2), (0, 2), (2, 3)])).is_empty());
    assert!(find_cycles(&graph(0, &[])).is_empty());
}

#[test]
fn one_two_and_three_hop_cycles() {
    let g = graph(1, &[(0, 0)]);
    let c = find_cycles(&g);
    assert_eq!(c.len(), 1);
    assert_eq!(nodes(&g, &c[0]), vec![0]);

    let g = graph(3, &[(0, 1), (1, 0), (1, 2)]);
    let c = find_cycles(&g);
    assert_eq!(c.len(), 1);
    assert_eq!(nodes(&g, &c[0]), vec![0, 1]);

    let g = graph(4, &[(3, 0), (0, 1), (1, 2), (2, 0)]);
    let c = find_cycles(&g);
    assert_eq!(c.len(), 1);
    assert_eq!(nodes(&g, &c[0]), vec![0, 1, 2]);
}

#[test]
fn the_shortest_cycle_of_a_component_is_reported() {
    // 0 -> 1 -> 2 -> 3 -> 0 and the shortcut 1 -> 0
    let g = graph(4, &[(0, 1), (1, 2), (2, 3), (3, 0), (1, 0)]);
    let c = find_cycles(&g);
    assert_eq!(c.len(), 1, "one component, one report");
    assert_eq!(nodes(&g, &c[0]), vec![0, 1]);
}

#[test]
fn separate_components_report_separately_in_node_order() {
    let g = graph(5, &[(3, 4), (4, 3), (0, 1), (1, 0), (2, 2)]);
    let c = find_cycles(&g);
    let starts: Vec<usize> = c.iter().map(|c| nodes(&g, c)[0]).collect();
    assert_eq!(starts, vec![0, 2, 3]);
}

#[test]
fn edges_of_a_cycle_chain_end_to_end() {
    let g = graph(6, &[(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 0), (2, 4)]);
    for cycle in find_cycles(&g) {
        for w in cycle.windows(2) {
            let (_, to) = g.edge_endpoints(w[0]).unwrap();
            let (from, _) = g.edge_endpoints(w[1]).unwrap();
            assert_eq!(to, from);
        }
        let first = g.edge_endpoints(cycle[0]).unwrap().0;
        let last = g.edge_endpoints(*cycle.last().unwrap()).unwrap().1;
        assert_eq!(first, last, "closed");
        assert_eq!(cycle.len(), 5, "the shortcut 2 -> 4 is taken");
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn arbitrary_graph() -> impl Strategy<Value = DiGraph<usize, ()>> {
        (0usize..12).prop_flat_map(|n| {
            let edge = (0..n.max(1), 0..n.max(1));
            proptest::collection::vec(edge, 0..(n * 3 + 1)).prop_map(move |edges| {
                let edges: Vec<(usize, usize)> =
                    edges.into_iter().filter(|&(a, b)| a < n && b < n).collect();
                graph(n, &edges)
            })
        })
    }

    proptest! {
        /// Cycles are found exactly when there is no topological order; each is a
        /// closed chain of real edges, visiting no node twice.
        #[test]
        fn cycles_match_toposort(g in arbitrary_graph()) {
            let cycles = find_cycles(&g);
            prop_assert_eq!(cycles.is_empty(), petgraph::algo::toposort(&g, None).is_ok());
            for cycle in &cycles {
                let mut seen = std::collections::HashSet::new();
                for (i, &e) in cycle.iter().enumerate() {
                    let (from, to) = g.edge_endpoints(e).unwrap();
                    let (next_from, _) = g.edge_endpoints(cycle[(i + 1) % cycle.len()]).unwrap();
                    prop_assert_eq!(to, next_from, "edges chain, and the last closes the cycle");
                    prop_assert!(seen.insert(from), "a node twice");
                }
            }
        }

        /// Every edge goes to a later wave; wave 1 is exactly the nodes without
        /// incoming edges.
        #[test]
        fn waves_respect_every_edge(g in arbitrary_graph()) {
            let w = waves(&g);
            if petgraph::algo::toposort(&g, None).is_err() {
                prop_assert!(w.is_empty());
                return Ok(());
            }
            for e in g.raw_edges() {
                prop_assert!(w[e.source().index()] < w[e.target().index()]);
            }
            for n in g.node_indices() {
                let has_incoming = g.neighbors_directed(n, Direction::Incoming).next().is_some();
                prop_assert_eq!(w[n.index()] == 1, !has_incoming);
            }
        }
    }
}
