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
