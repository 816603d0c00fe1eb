//! What `sleuthc graph` shows: a view of the deploy graph reduced to clusters (one
//! per environment and region), nodes and labelled edges, filtered, in a stable
//! order (the build order: environments as declared, their regions as listed, stacks
//! as declared, resources as declared). The DOT, Mermaid, JSON and order renderers
//! all read this one model.
//!
//! JSON schema (`graph_version` 1):
//!
//! ```text
//! { "graph_version": 1, "app": NAME, "view": "stacks" | "resources" | "pipeline",
//!   "clusters": [ { "id": "env/region", "label", "env", "region",
//!                   "groups": [ { "id", "label" } ] } ],     // stacks, in the resources view
//!              // pipeline view: { "id": "pipeline/stage", "label", "kind" }
//!   "nodes": [ { "id", "label", "cluster", "group"?, "kind", "detail", "wave"?,
//!                "run_order"? } ],
//!            // kind: "stack", "resource", "component", or "context" (read by a shown
//!            // stack, but left out by --region / --env); in the pipeline view
//!            // "source", "build", "approval", "deploy", "change_set", "execute"
//!   "edges": [ { "from", "to", "mechanism", "label" } ],    // from deploys before to
//!            // pipeline view mechanisms: "run_order", "stage"
//!   "waves": [ [node id, ...], ... ] }                      // stacks view only
//! ```
//!
//! Stack node ids are `env/region/stack`; resource node ids add `/LogicalId`, or
//! `/component:name` for a component instance when resources are collapsed (the
//! default).

use serde::Serialize;

use super::{instance_id, ResourceGraph, StackGraph};
use crate::expand::{DependencyKind, Expanded, StackInstance};
use crate::Map;

/// Which level of the graph to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Stacks,
    Resources,
    /// The stages and actions of the program's pipelines.
    Pipeline,
}

/// What to show: the level, filters (empty = all) and whether each component
/// instance's resources collapse into one node.
#[derive(Clone, Debug)]
pub struct Request {
    pub level: Level,
    pub envs: Vec<String>,
    pub regions: Vec<String>,
    pub stacks: Vec<String>,
    pub all_resources: bool,
}

#[derive(Debug, Serialize)]
pub struct GraphView {
    pub graph_version: u32,
    pub app: String,
    pub view: &'static str,
    pub clusters: Vec<Cluster>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waves: Option<Vec<Vec<String>>>,
}

#[derive(Debug, Serialize)]
pub struct Cluster {
    pub id: String,
    /// What a drawing calls it: `env · region`, or the stage name.
    pub label: String,
    /// Empty for a pipeline stage.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub env: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub region: String,
    /// A pipeline stage's kind: `source`, `build`, `approval` or `deploy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
}

/// A stack inside a cluster (resources view).
#[derive(Debug, Serialize)]
pub struct Group {
    pub id: String,
    pub label: String,
}

#[derive(Debug, Serialize)]
pub struct Node {
    pub id: String,
    pub label: String,
    pub cluster: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// `stack`, `resource` or `component`.
    pub kind: &'static str,
    /// The stack name, the resource type, or the component and its resource count.
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wave: Option<usize>,
    /// A pipeline action's runOrder in its stage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_order: Option<u32>,
}

#[derive(Debug, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// `import`, `get-stack-output`, `depends_on` between stacks; `ref`, `getatt`,
    /// `sub`, `depends_on` between resources (joined with `+` when several).
    pub mechanism: String,
    pub label: String,
}

/// How a renderer draws an edge: a strong read solid, a `Fn::GetStackOutput` read
/// dashed, an explicit `depends_on` dotted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeStyle {
    Solid,
    Dashed,
    Dotted,
}

impl Edge {
    pub fn style(&self) -> EdgeStyle {
        match self.mechanism.as_str() {
            "get-stack-output" | "cross-region" | "stage" => EdgeStyle::Dashed,
            "depends_on" => EdgeStyle::Dotted,
            _ => EdgeStyle::Solid,
        }
    }
}

impl Node {
    /// The node's text in a drawing: its label, then its wave (stacks) or its
    /// detail (resources), on a second line.
    pub fn caption(&self) -> String {
        match self.wave {
            Some(w) => format!("{}\nwave {w}", self.label),
            None => format!("{}\n{}", self.label, self.detail),
        }
    }
}

/// A stack's nodes inside a cluster (or the whole cluster's, with no group).
pub type NodeGroup<'v> = (Option<&'v Group>, Vec<usize>);

impl GraphView {
    /// What a drawing nests: each cluster, with its groups (stacks, in the resources
    /// view; else one unnamed group), each with the indices of its nodes.
    pub fn nesting(&self) -> Vec<(&Cluster, Vec<NodeGroup<'_>>)> {
        let members = |keep: &dyn Fn(&Node) -> bool| -> Vec<usize> {
            (0..self.nodes.len())
                .filter(|&i| keep(&self.nodes[i]))
                .collect()
        };
        self.clusters
            .iter()
            .map(|c| {
                let groups = if c.groups.is_empty() {
                    vec![(None, members(&|n| n.cluster == c.id))]
                } else {
                    c.groups
                        .iter()
                        .map(|g| {
                            (
                                Some(g),
                                members(&|n| n.group.as_deref() == Some(g.id.as_str())),
                            )
                        })
                        .collect()
                };
                (c, groups)
            })
            .collect()
    }
}

impl Request {
    fn keeps(&self, inst: &StackInstance) -> bool {
        (self.envs.is_empty() || self.envs.contains(&inst.env))
            && (self.regions.is_empty() || self.regions.contains(&inst.region))
            && (self.stacks.is_empty() || self.stacks.contains(&inst.stack))
    }
}

/// `--stack` names that no stack has, as errors with a did-you-mean.
pub fn check_request(
    ex: &Expanded,
    request: &Request,
    diags: &mut crate::diagnostics::Diagnostics,
) {
    let mut names: Vec<&str> = ex.stacks.iter().map(|i| i.stack.as_str()).collect();
    names.dedup();
    for s in &request.stacks {
        if !names.contains(&s.as_str()) {
            diags.push(
                crate::diagnostics::Diagnostic::error(
                    crate::codes::Code::UnknownName,
                    crate::expand::root_span(),
                    format!("--stack {s}: no such stack"),
                )
                .with_label("selected on the command line")
                .with_suggestion(s, names.iter().copied()),
            );
        }
    }
}

pub fn view(ex: &Expanded, graph: &StackGraph, request: &Request) -> GraphView {
    let kept: Vec<usize> = (0..ex.stacks.len())
        .filter(|&i| request.keeps(&ex.stacks[i]))
        .collect();
    let mut clusters: Vec<Cluster> = Vec::new();
    for &i in &kept {
        let inst = &ex.stacks[i];
        let id = cluster_id(inst);
        if !clusters.iter().any(|c| c.id == id) {
            clusters.push(Cluster {
                id,
                label: format!("{} · {}", inst.env, inst.region),
                env: inst.env.clone(),
                region: inst.region.clone(),
                kind: None,
                groups: Vec::new(),
            });
        }
    }
    let mut out = GraphView {
        graph_version: 1,
        app: ex.app.name.clone(),
        view: match request.level {
            Level::Stacks => "stacks",
            // The pipeline view is drawn by `pipeline::view`.
            Level::Resources | Level::Pipeline => "resources",
        },
        clusters,
        nodes: Vec::new(),
        edges: Vec::new(),
        waves: None,
    };
    match request.level {
        Level::Stacks => stacks_view(ex, graph, &kept, &mut out),
        Level::Resources | Level::Pipeline => {
            for &i in &kept {
                resources_view(&ex.stacks[i], request.all_resources, &mut out);
            }
        }
    }
    out
}

fn cluster_id(inst: &StackInstance) -> String {
    format!("{}/{}", inst.env, inst.region)
}

fn stacks_view(ex: &Expanded, graph: &StackGraph, kept: &[usize], out: &mut GraphView) {
    let mut is_kept = vec![false; ex.instance_count()];
    for &i in kept {
        is_kept[i] = true;
    }
    // One edge per (producer, consumer, mechanism), labelled with what it carries. A
    // producer outside the selection (a region left out) is shown as context.
    let mut edges: Map<(usize, usize, &'static str), Vec<String>> = Map::default();
    let mut context: Vec<usize> = Vec::new();
    for &to in kept {
        for e in graph.graph.edges_directed(
            petgraph::graph::NodeIndex::new(to),
            petgraph::Direction::Incoming,
        ) {
            use petgraph::visit::EdgeRef;
            let from = graph.graph[e.source()];
            if !is_kept[from] {
                if from < ex.stacks.len() {
                    continue; // filtered out of the view
                }
                if !context.contains(&from) {
                    context.push(from);
                }
            }
            let kind = &e.weight().kind;
            let mechanism = match kind {
                DependencyKind::Read { .. }
                    if ex.instance(from).region != ex.instance(to).region =>
                {
                    "cross-region"
                }
                _ => kind.mechanism(),
            };
            let items = edges.entry((from, to, mechanism)).or_default();
            if let Some(o) = kind.output() {
                if !items.iter().any(|x| x == o) {
                    items.push(o.to_string());
                }
            }
        }
    }
    context.sort_unstable();
    for &i in kept.iter().chain(&context) {
        let inst = ex.instance(i);
        let cluster = cluster_id(inst);
        if !out.clusters.iter().any(|c| c.id == cluster) {
            out.clusters.push(Cluster {
                id: cluster.clone(),
                label: format!("{} · {}", inst.env, inst.region),
                env: inst.env.clone(),
                region: inst.region.clone(),
                kind: None,
                groups: Vec::new(),
            });
        }
        let selected = i < ex.stacks.len();
        out.nodes.push(Node {
            id: instance_id(inst),
            label: inst.stack.clone(),
            cluster,
            group: None,
            kind: if selected { "stack" } else { "context" },
            detail: if selected {
                inst.stack_name.clone()
            } else {
                format!("{} (not selected)", inst.stack_name)
            },
            wave: graph.wave(i),
            run_order: None,
        });
    }
    let mut list: Vec<_> = edges.into_iter().collect();
    list.sort_by_key(|((from, to, mechanism), _)| (*to, *from, *mechanism));
    for ((from, to, mechanism), outputs) in list {
        let label = if outputs.is_empty() {
            mechanism.to_string()
        } else {
            format!("{mechanism}: {}", outputs.join(", "))
        };
        out.edges.push(Edge {
            from: instance_id(ex.instance(from)),
            to: instance_id(ex.instance(to)),
            mechanism: mechanism.to_string(),
            label,
        });
    }
    // Wave numbers are the manifest's: a wave with nothing shown stays, empty.
    out.waves = Some(
        graph
            .waves()
            .into_iter()
            .map(|w| {
                w.into_iter()
                    .filter(|&i| is_kept[i])
                    .map(|i| instance_id(&ex.stacks[i]))
                    .collect::<Vec<_>>()
            })
            .collect(),
    );
}

fn resources_view(inst: &StackInstance, all: bool, out: &mut GraphView) {
    let stack_id = instance_id(inst);
    let cluster = cluster_id(inst);
    if let Some(c) = out.clusters.iter_mut().find(|c| c.id == cluster) {
        c.groups.push(Group {
            id: stack_id.clone(),
            label: inst.stack.clone(),
        });
    }
    // Node of each resource: itself, or its stack-level component instance.
    let node_of = |res: &crate::expand::CfnResource, logical_id: &str| match (&res.component, all) {
        // `:` never occurs in a logical ID, so the two kinds of node never share an id.
        (Some((instance, _)), false) => format!("{stack_id}/component:{instance}"),
        _ => format!("{stack_id}/{logical_id}"),
    };
    let mut nodes: Map<String, (String, &'static str, String, usize)> = Map::default();
    for (logical_id, res) in &inst.resources {
        let id = node_of(res, logical_id);
        let entry = nodes
            .entry(id)
            .or_insert_with(|| match (&res.component, all) {
                (Some((instance, component)), false) => {
                    (instance.clone(), "component", component.clone(), 0)
                }
                _ => (logical_id.clone(), "resource", res.type_name.clone(), 0),
            });
        entry.3 += 1;
    }
    for (id, (label, kind, detail, count)) in nodes {
        let detail = if kind == "component" {
            let plural = if count == 1 { "" } else { "s" };
            format!("{detail}, {count} resource{plural}")
        } else {
            detail
        };
        out.nodes.push(Node {
            id,
            label,
            cluster: cluster.clone(),
            group: Some(stack_id.clone()),
            kind,
            detail,
            wave: None,
            run_order: None,
        });
    }
    let graph = ResourceGraph::new(inst);
    let ids: Vec<String> = inst
        .resources
        .iter()
        .map(|(logical_id, res)| node_of(res, logical_id))
        .collect();
    let mut edges: Map<(String, String), Vec<&'static str>> = Map::default();
    for e in graph.graph.raw_edges() {
        let (from, to) = (&ids[e.source().index()], &ids[e.target().index()]);
        if from == to {
            continue; // inside one collapsed component
        }
        let kinds = edges.entry((from.clone(), to.clone())).or_default();
        let m = e.weight.kind.mechanism();
        if !kinds.contains(&m) {
            kinds.push(m);
        }
    }
    for ((from, to), mut kinds) in edges {
        kinds.sort_unstable();
        let mechanism = kinds.join("+");
        out.edges.push(Edge {
            from,
            to,
            label: mechanism.clone(),
            mechanism,
        });
    }
}

/// The waves for a person: one line per wave, each instance with what it waits for.
pub fn order_text(ex: &Expanded, graph: &StackGraph, request: &Request) -> String {
    let mut out = String::new();
    // Waves keep their numbers under filters: they are the manifest's.
    for (n, wave) in graph.waves().into_iter().enumerate() {
        let kept: Vec<usize> = wave
            .into_iter()
            .filter(|&i| request.keeps(&ex.stacks[i]))
            .collect();
        if kept.is_empty() {
            continue;
        }
        out.push_str(&format!("wave {}\n", n + 1));
        for i in kept {
            let id = instance_id(&ex.stacks[i]);
            let after: Vec<String> = graph
                .dependencies(i)
                .into_iter()
                .map(|d| {
                    let id = instance_id(ex.instance(d));
                    if d < ex.stacks.len() {
                        id
                    } else {
                        format!("{id} [not selected]")
                    }
                })
                .collect();
            if after.is_empty() {
                out.push_str(&format!("  {id}\n"));
            } else {
                out.push_str(&format!("  {id}  (after {})\n", after.join(", ")));
            }
        }
    }
    out
}
