//! The deploy graph, on two levels (petgraph):
//!
//! - stack instances (environment, region, stack), with an edge for every output one
//!   reads from another and every `depends_on`;
//! - the resources of each template, with an edge for every `Ref`, `Fn::GetAtt`,
//!   `Fn::Sub` variable and `DependsOn`.
//!
//! Edges point the way values flow and deploys go: from what must exist first to what
//! needs it. Each carries the kind and the source span of the reference that made it.
//! Cycles at either level become diagnostics that label every hop; the stack level
//! also gives the deploy waves, groups of instances that can deploy in parallel.

mod cycles;
pub mod error;
mod exports;
pub mod view;

use std::collections::HashMap;

use petgraph::algo::toposort;
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::diagnostics::Diagnostics;
use crate::expand::{DependencyKind, Expanded, RefKind, StackInstance};
use crate::span::Span;
use error::{GraphError, Hop};

pub use cycles::find_cycles;
pub use exports::{check_export_removal, read_previous_manifest, PreviousManifest};

/// Builds the stack graph and checks both levels for cycles; `None` when there is one.
pub fn check(ex: &Expanded, diags: &mut Diagnostics) -> Option<StackGraph> {
    // Stack-level cycles never get this far: expansion evaluates a stack before any
    // stack that reads it, so it meets every cycle first and reports it there, with
    // its hops. The waves stay empty for a cyclic graph all the same.
    let stacks = StackGraph::new(ex);
    let mut found = Diagnostics::default();
    for inst in &ex.stacks {
        ResourceGraph::new(inst).check(inst, &mut found);
    }
    let ok = !found.has_errors();
    diags.extend(found);
    ok.then_some(stacks)
}

/// `env/region/stack`: how the manifest, the graph views and the pipeline name an
/// instance.
pub fn instance_id(inst: &StackInstance) -> String {
    format!("{}/{}/{}", inst.env, inst.region, inst.stack)
}

/// Why one stack instance needs another first.
#[derive(Clone, Debug)]
pub struct StackEdge {
    pub kind: DependencyKind,
    pub span: Span,
}

/// The stack instances of one build and the ones they read outside the selection;
/// node weights number them as [`Expanded::instance`] does.
pub struct StackGraph {
    pub graph: DiGraph<usize, StackEdge>,
    /// Each instance's wave, 1-based: one more than the latest wave it depends on.
    /// Empty when the graph has a cycle.
    wave: Vec<usize>,
    /// How many of the nodes are selected instances (the rest are context).
    selected: usize,
}

impl StackGraph {
    /// Context instances (read by selected ones, left out by `--region`) are nodes
    /// too, so waves are numbered as in a build of everything: a wave depends only
    /// on an instance's ancestors, and expansion evaluated all of them.
    pub fn new(ex: &Expanded) -> StackGraph {
        let n = ex.instance_count();
        let mut graph = DiGraph::with_capacity(n, n);
        let mut index: HashMap<(&str, &str, &str), NodeIndex> = HashMap::new();
        for i in 0..n {
            let inst = ex.instance(i);
            let node = graph.add_node(i);
            index.insert((&inst.env, &inst.region, &inst.stack), node);
        }
        for i in 0..n {
            let inst = ex.instance(i);
            for d in &inst.depends_on {
                if let Some(&from) = index.get(&(&*inst.env, &*d.region, &*d.stack)) {
                    let edge = StackEdge {
                        kind: d.kind.clone(),
                        span: d.span,
                    };
                    graph.add_edge(from, NodeIndex::new(i), edge);
                }
            }
        }
        let wave = waves(&graph);
        StackGraph {
            graph,
            wave,
            selected: ex.stacks.len(),
        }
    }

    /// The wave of instance `i` (1-based), when the graph has no cycle.
    pub fn wave(&self, i: usize) -> Option<usize> {
        self.wave.get(i).copied()
    }

    /// The selected instances of each wave, in build order. A wave whose instances
    /// are all outside the selection is an empty list, so numbers stay the same.
    pub fn waves(&self) -> Vec<Vec<usize>> {
        let mut out: Vec<Vec<usize>> = Vec::new();
        for (i, &w) in self.wave.iter().enumerate() {
            if i >= self.selected {
                break;
            }
            if out.len() < w {
                out.resize_with(w, Vec::new);
            }
            out[w - 1].push(i);
        }
        out
    }

    /// The instances `i` depends on, each once, in build order.
    pub fn dependencies(&self, i: usize) -> Vec<usize> {
        let mut deps: Vec<usize> = self
            .graph
            .edges_directed(NodeIndex::new(i), Direction::Incoming)
            .map(|e| self.graph[e.source()])
            .collect();
        deps.sort_unstable();
        deps.dedup();
        deps
    }
}

/// Longest-path layering: wave 1 has no dependencies. Empty when there is a cycle.
fn waves<N, E>(graph: &DiGraph<N, E>) -> Vec<usize> {
    let Ok(order) = toposort(graph, None) else {
        return Vec::new();
    };
    let mut wave = vec![1; graph.node_count()];
    for node in order {
        let w = graph
            .neighbors_directed(node, Direction::Incoming)
            .map(|p| wave[p.index()] + 1)
            .max()
            .unwrap_or(1);
        wave[node.index()] = w;
    }
    wave
}

/// Why one resource needs another first.
#[derive(Clone, Debug)]
pub struct ResourceEdge<'a> {
    pub kind: &'a RefKind,
    pub span: Span,
}

/// The resources of one template; node weights are logical IDs.
pub struct ResourceGraph<'a> {
    pub graph: DiGraph<&'a str, ResourceEdge<'a>>,
}

impl<'a> ResourceGraph<'a> {
    /// References to names that are not resources of the template (parameters,
    /// pseudo parameters) are not edges.
    pub fn new(inst: &'a StackInstance) -> ResourceGraph<'a> {
        let mut graph = DiGraph::with_capacity(inst.resources.len(), inst.resources.len());
        for id in inst.resources.keys() {
            graph.add_node(id.as_str());
        }
        for (i, res) in inst.resources.values().enumerate() {
            for r in &res.refs {
                if let Some(j) = inst.resources.get_index_of(&r.target) {
                    let edge = ResourceEdge {
                        kind: &r.kind,
                        span: r.span,
                    };
                    graph.add_edge(NodeIndex::new(j), NodeIndex::new(i), edge);
                }
            }
        }
        ResourceGraph { graph }
    }

    /// One diagnostic per cycle, each hop labelled at its reference.
    pub fn check(&self, inst: &StackInstance, diags: &mut Diagnostics) {
        for cycle in find_cycles(&self.graph) {
            let hops = hops(&self.graph, &cycle, |e| Hop {
                from: self.graph[e.to].to_string(),
                to: self.graph[e.from].to_string(),
                how: match e.weight.kind {
                    RefKind::Ref => "refers to".into(),
                    RefKind::GetAtt(attr) => format!("reads `{attr}` of"),
                    RefKind::Sub => "names (in `Fn::Sub`)".into(),
                    RefKind::DependsOn => "depends on".into(),
                },
                span: e.weight.span,
            });
            let error = GraphError::Cycle {
                hops,
                place: format!("in stack `{}`", inst.stack),
            };
            diags.push(error.to_diagnostic());
        }
    }
}

/// An edge of a cycle, as `hops` hands it to its caller.
struct CycleEdge<'g, E> {
    from: NodeIndex,
    to: NodeIndex,
    weight: &'g E,
}

/// The hops of a cycle in reading order. Edges run from what deploys first to what
/// needs it, so a person reads them backwards: "compute reads network".
fn hops<N, E>(
    graph: &DiGraph<N, E>,
    cycle: &[EdgeIndex],
    hop: impl Fn(CycleEdge<E>) -> Hop,
) -> Vec<Hop> {
    cycle
        .iter()
        .rev()
        .filter_map(|&e| {
            let (from, to) = graph.edge_endpoints(e)?;
            Some(hop(CycleEdge {
                from,
                to,
                weight: &graph[e],
            }))
        })
        .collect()
}

#[cfg(test)]
mod tests;
