//! The stages of one pipeline, laid out: each deploy stage's actions with their
//! runOrders (from [`super::plan`]), and the approvals, including the one a protected
//! environment (`approval = manual`) gets before its stage when the author wrote none.

use std::collections::HashSet;

use crate::codes::Code;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::expand::{Approval, ApprovalDef, Expanded, PipelineDef, StepDef};
use crate::graph::instance_id;
use crate::span::Span;

use super::plan::{plan_stage, DeployMode, Instance, PlanError, Step};

#[derive(Clone, Debug, PartialEq)]
pub enum LaidOut {
    Approve {
        approval: ApprovalDef,
        /// Inserted for a protected environment, not written.
        inserted: bool,
        /// The `approve` step, or the stage an inserted approval guards.
        span: Span,
    },
    Deploy {
        /// `Deploy-prod`, `Deploy-qa-perf`.
        name: String,
        envs: Vec<String>,
        deploy: DeployMode,
        /// Indices into `Expanded::stacks`, with runOrders.
        steps: Vec<Step>,
        span: Span,
    },
}

/// Lays out `def` over the build. Every environment the pipeline deploys must be in
/// the build (`--env` may not leave one out).
pub fn layout(def: &PipelineDef, ex: &Expanded, diags: &mut Diagnostics) -> Vec<LaidOut> {
    let ids: Vec<String> = ex.stacks.iter().map(instance_id).collect();
    let deps: Vec<Vec<String>> = ex
        .stacks
        .iter()
        .map(|inst| {
            inst.depends_on
                .iter()
                .map(|d| format!("{}/{}/{}", inst.env, d.region, d.stack))
                .collect()
        })
        .collect();
    let all: Vec<Instance<'_>> = ex
        .stacks
        .iter()
        .enumerate()
        .map(|(i, inst)| Instance {
            id: &ids[i],
            env: &inst.env,
            region: &inst.region,
            depends_on: &deps[i],
        })
        .collect();
    let mut deployed: HashSet<&str> = HashSet::new();
    let mut out = Vec::new();
    for (n, step) in def.steps.iter().enumerate() {
        match step {
            StepDef::Approve { approval, span } => out.push(LaidOut::Approve {
                approval: approval.clone(),
                inserted: false,
                span: *span,
            }),
            StepDef::Stage {
                envs,
                rollout,
                deploy,
                span,
            } => {
                let guarded = n > 0 && matches!(def.steps[n - 1], StepDef::Approve { .. });
                let protected: Vec<&str> = envs
                    .iter()
                    .filter(|e| {
                        ex.envs
                            .iter()
                            .any(|x| &x.name == *e && x.approval == Approval::Manual)
                    })
                    .map(String::as_str)
                    .collect();
                if !guarded && !protected.is_empty() && def.explicit_approvals {
                    diags.push(
                        Diagnostic::error(
                            Code::ProtectedUnguarded,
                            *span,
                            format!(
                                "{} {} protected (`approval = manual`), but no approval comes before this stage",
                                protected.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", "),
                                if protected.len() == 1 { "is" } else { "are" }
                            ),
                        )
                        .with_label("deploys without anyone approving")
                        .with_help("add `approve \"...\" { }` right before this stage (or drop `approvals = explicit` to have one inserted)"),
                    );
                } else if !guarded && !protected.is_empty() {
                    out.push(LaidOut::Approve {
                        approval: ApprovalDef {
                            label: format!("Approve {}", protected.join(", ")),
                            notify: Vec::new(),
                            timeout_minutes: None,
                            review_url: None,
                            custom_data: None,
                        },
                        inserted: true,
                        span: *span,
                    });
                }
                let stage: Vec<usize> = (0..all.len())
                    .filter(|&i| envs.iter().any(|e| e == all[i].env))
                    .collect();
                if stage.is_empty() {
                    diags.push(
                        Diagnostic::error(
                            Code::StageOrder,
                            *span,
                            format!("this stage deploys nothing in this build ({})", envs.join(", ")),
                        )
                        .with_label("no stack instance of its environments was built")
                        .with_help("build every environment the pipeline deploys: leave out `--env` and `--region`"),
                    );
                    continue;
                }
                let mut regions: Vec<&str> = Vec::new();
                for env in envs {
                    if let Some(e) = ex.envs.iter().find(|x| &x.name == env) {
                        for r in &e.regions {
                            if !regions.contains(&r.as_str()) {
                                regions.push(r);
                            }
                        }
                    }
                }
                let earlier = |id: &str| deployed.contains(id);
                match plan_stage(&all, &stage, &regions, *rollout, *deploy, &earlier) {
                    Ok(steps) => out.push(LaidOut::Deploy {
                        name: format!("Deploy-{}", envs.join("-")),
                        envs: envs.clone(),
                        deploy: *deploy,
                        steps,
                        span: *span,
                    }),
                    Err(errors) => {
                        for e in errors {
                            diags.push(plan_error(&e, &all, *span));
                        }
                    }
                }
                for &i in &stage {
                    deployed.insert(all[i].id);
                }
            }
        }
    }
    out
}

fn plan_error(e: &PlanError, all: &[Instance<'_>], stage: Span) -> Diagnostic {
    match e {
        PlanError::LaterGroup { reader, needed } => Diagnostic::error(
            Code::StageOrder,
            stage,
            format!(
                "`{}` needs `{}`, which this stage's rollout deploys later",
                all[*reader].id, all[*needed].id
            ),
        )
        .with_label("regions roll out in an order the dependency cannot follow")
        .with_help(
            "list the regions so the one read from comes first, or use `rollout = parallel`",
        ),
        PlanError::NotDeployedBefore { reader, needed } => Diagnostic::error(
            Code::StageOrder,
            stage,
            format!(
                "`{}` needs `{needed}`, which no earlier stage deploys",
                all[*reader].id
            ),
        )
        .with_label("deployed before what it reads")
        .with_help("deploy that environment in an earlier stage, or in this one"),
    }
}
