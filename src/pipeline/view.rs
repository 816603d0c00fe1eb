//! `sleuthc graph --view pipeline`: the stages of every pipeline as clusters, their
//! actions as nodes, and the order CodePipeline runs them in as edges (every action
//! of one runOrder before every action of the next; a stage's last runOrder before
//! the next stage's first). Filters keep the deploy actions of the selected
//! environments, regions and stacks, and every source, build and approval action.
//!
//! Node ids are `<pipeline>/<stage>/<action>`; cluster ids `<pipeline>/<stage>`.

use crate::expand::{Expanded, PipelineDef};
use crate::graph::view::{Cluster, Edge, GraphView, Node, Request};

use super::declaration::{Action, Declaration, Stage, StageKind};
use super::names::Names;
use super::plan::StepKind;

fn kind(stage: &Stage, a: &Action) -> &'static str {
    if a.category == "Approval" {
        return "approval";
    }
    match (&stage.kind, &a.target) {
        (StageKind::Source, _) => "source",
        (StageKind::Build, _) => "build",
        (StageKind::Approval { .. }, _) => "approval",
        (_, Some(t)) => match t.step {
            StepKind::Deploy => "deploy",
            StepKind::CreateChangeSet => "change_set",
            StepKind::ExecuteChangeSet => "execute",
        },
        _ => "deploy",
    }
}

fn keeps(request: &Request, ex: &Expanded, a: &Action) -> bool {
    match &a.target {
        Some(t) => {
            let inst = &ex.stacks[t.instance];
            (request.envs.is_empty() || request.envs.contains(&inst.env))
                && (request.regions.is_empty() || request.regions.contains(&inst.region))
                && (request.stacks.is_empty() || request.stacks.contains(&inst.stack))
        }
        None => true,
    }
}

/// The actions of `stage` that `request` keeps.
fn shown<'s>(stage: &'s Stage, request: &Request, ex: &Expanded) -> Vec<&'s Action> {
    stage
        .actions
        .iter()
        .filter(|a| keeps(request, ex, a))
        .collect()
}

/// What a node says under its name.
fn detail(stage: &Stage, a: &Action, names: &Names) -> String {
    let mut d = format!("runOrder {}", a.run_order);
    match (&stage.kind, &a.target) {
        (_, Some(t)) => d.push_str(&format!(" · {} {}", t.account, t.region)),
        (StageKind::Source, _) => {
            if let Some((_, v)) = a
                .configuration
                .iter()
                .find(|(k, _)| matches!(*k, "FullRepositoryId" | "RepositoryName" | "S3Bucket"))
            {
                d.push_str(&format!(" · {} {}", a.provider, v.literal));
            }
        }
        (StageKind::Build, _) => d.push_str(&format!(" · CodeBuild {}", names.project())),
        (StageKind::Approval { approval, .. }, _) => {
            if let Some(m) = approval.timeout_minutes {
                d.push_str(&format!(" · timeout {}", minutes(m)));
            }
        }
        _ => {}
    }
    d
}

/// `4320` as `3d`, `90` as `90m`.
fn minutes(m: u64) -> String {
    if m.is_multiple_of(24 * 60) {
        format!("{}d", m / (24 * 60))
    } else if m.is_multiple_of(60) {
        format!("{}h", m / 60)
    } else {
        format!("{m}m")
    }
}

pub fn view(
    app: &str,
    built: &[(Declaration, Names, &PipelineDef)],
    ex: &Expanded,
    request: &Request,
) -> GraphView {
    let mut out = GraphView {
        graph_version: 1,
        app: app.to_string(),
        view: "pipeline",
        clusters: Vec::new(),
        nodes: Vec::new(),
        edges: Vec::new(),
        waves: None,
    };
    for (decl, names, def) in built {
        // The last runOrder layer shown so far, which the next layer follows.
        let mut previous: Vec<String> = Vec::new();
        for stage in &decl.stages {
            let cluster = format!("{}/{}", def.name, stage.name);
            let label = if built.len() > 1 {
                format!("{} · {}", def.name, stage.name)
            } else {
                stage.name.clone()
            };
            let actions = shown(stage, request, ex);
            if actions.is_empty() {
                continue;
            }
            out.clusters.push(Cluster {
                id: cluster.clone(),
                label,
                env: String::new(),
                region: String::new(),
                kind: Some(stage_kind(stage)),
                groups: Vec::new(),
            });
            let mut layer: Vec<String> = Vec::new();
            let mut layer_order = 0;
            let mut first_layer = true;
            for a in actions {
                let id = format!("{cluster}/{}", a.name);
                if a.run_order != layer_order && !layer.is_empty() {
                    link(&mut out, &previous, &layer, first_layer);
                    previous = std::mem::take(&mut layer);
                    first_layer = false;
                }
                layer_order = a.run_order;
                out.nodes.push(Node {
                    id: id.clone(),
                    label: a.name.clone(),
                    cluster: cluster.clone(),
                    group: None,
                    kind: kind(stage, a),
                    detail: detail(stage, a, names),
                    wave: None,
                    run_order: Some(a.run_order),
                });
                layer.push(id);
            }
            link(&mut out, &previous, &layer, first_layer);
            previous = layer;
        }
    }
    out
}

fn stage_kind(stage: &Stage) -> &'static str {
    match stage.kind {
        StageKind::Source => "source",
        StageKind::Build => "build",
        StageKind::Approval { .. } => "approval",
        StageKind::Deploy { .. } => "deploy",
    }
}

/// Every action of `from` runs before every action of `to`: the next runOrder of a
/// stage, or (`stage`) the first runOrder of the next stage.
fn link(out: &mut GraphView, from: &[String], to: &[String], stage: bool) {
    let mechanism = if stage { "stage" } else { "run_order" };
    for f in from {
        for t in to {
            out.edges.push(Edge {
                from: f.clone(),
                to: t.clone(),
                mechanism: mechanism.into(),
                label: String::new(),
            });
        }
    }
}

/// The pipelines for a person: each stage with its actions by runOrder.
pub fn order_text(
    built: &[(Declaration, Names, &PipelineDef)],
    ex: &Expanded,
    request: &Request,
) -> String {
    let mut out = String::new();
    for (decl, names, def) in built {
        out.push_str(&format!(
            "pipeline {} ({}, {})\n",
            decl.name, def.account, def.region
        ));
        for stage in &decl.stages {
            let actions = shown(stage, request, ex);
            if actions.is_empty() {
                continue;
            }
            let note = match &stage.kind {
                StageKind::Approval {
                    guards, inserted, ..
                } => {
                    let why = if *inserted {
                        ", inserted: approval = manual"
                    } else {
                        ""
                    };
                    format!("  approval before {}{why}", guards.join(", "))
                }
                _ => String::new(),
            };
            out.push_str(&format!("stage {}{note}\n", stage.name));
            for a in actions {
                out.push_str(&format!(
                    "  {:>3}  {:<28} {}\n",
                    a.run_order,
                    a.name,
                    detail(stage, a, names)
                        .split(" · ")
                        .skip(1)
                        .collect::<Vec<_>>()
                        .join(" · ")
                ));
            }
        }
    }
    // Columns end where their text does.
    out.lines()
        .map(|l| l.trim_end().to_string() + "\n")
        .collect()
}

#[cfg(test)]
mod tests {
    use super::minutes;

    #[test]
    fn durations_read_as_written() {
        assert_eq!(minutes(4320), "3d");
        assert_eq!(minutes(120), "2h");
        assert_eq!(minutes(90), "90m");
    }
}
