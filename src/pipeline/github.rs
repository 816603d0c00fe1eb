//! `sleuthc build --ci github-actions`: each pipeline as a GitHub Actions workflow
//! (`ci/github-actions/<pipeline>.yml`) with the same order as the CodePipeline.
//!
//! - job `build` runs `sleuthc build` and uploads `out/`;
//! - an approval becomes the required reviewers of the environments it guards: the
//!   stage after it deploys in one job (its region groups one after another), so one
//!   review releases it, and no job can reach those credentials without it;
//! - a deploy stage becomes a job per group of regions (its `rollout`), on the GitHub
//!   environment of the deployed environment (which scopes the OIDC role), with a
//!   matrix over the group's regions when they are independent, and one
//!   `aws cloudformation deploy` step per stack in runOrder;
//! - credentials come from OIDC: the bootstrap template of each account and region
//!   gains a role that trusts `token.actions.githubusercontent.com` for this
//!   repository's environments.
//!
//! The YAML is written here, not through a serializer: a fixed key order, every
//! string scalar JSON-quoted (valid YAML, never mistyped), no anchors.

use crate::expand::{ApprovalDef, Expanded, PipelineDef, SourceDef};

use super::declaration::{Action, Declaration, StageKind};
use super::names::{sanitize, Names};
use super::plan::StepKind;

/// The pinned major versions of the actions the workflow uses.
const CHECKOUT: &str = "actions/checkout@v4";
const UPLOAD: &str = "actions/upload-artifact@v4";
const DOWNLOAD: &str = "actions/download-artifact@v4";
const CREDENTIALS: &str = "aws-actions/configure-aws-credentials@v4";

/// Templates larger than this go through S3, which `aws cloudformation deploy` only
/// does with `--s3-bucket`.
pub const MAX_INLINE_TEMPLATE: usize = 51_200;

/// The repository (`owner/name`) a GitHub source names.
pub fn repository(def: &PipelineDef) -> Option<&str> {
    match &def.source {
        SourceDef::Connection {
            provider: "GitHub",
            repo,
            ..
        } => Some(repo),
        _ => None,
    }
}

/// `"text"`: a YAML double-quoted scalar (JSON's escapes are YAML's).
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// A job id: lower case, `-` between words.
fn job_id(s: &str) -> String {
    sanitize(s).to_ascii_lowercase().replace(['.', '@'], "-")
}

struct Job {
    id: String,
    lines: Vec<String>,
}

/// One deploy of one stack instance.
struct Deploy<'a> {
    action: &'a Action,
    stack: &'a str,
    stack_name: &'a str,
    region: &'a str,
    /// Regions of the instances it must deploy after.
    after_regions: Vec<&'a str>,
    account: &'a str,
    capabilities: String,
}

/// The workflow of one pipeline.
pub fn workflow(
    def: &PipelineDef,
    decl: &Declaration,
    names: &Names,
    ex: &Expanded,
    build_command: &str,
    bootstrap_digest: &str,
) -> String {
    let branch = match &def.source {
        SourceDef::Connection { branch, .. } | SourceDef::CodeCommit { branch, .. } => branch,
        SourceDef::S3 { .. } => "main",
    };
    let mut jobs: Vec<Job> = vec![Job {
        id: "build".into(),
        lines: vec![
            "    runs-on: ubuntu-latest".into(),
            "    steps:".into(),
            format!("      - uses: {CHECKOUT}"),
            "      - name: Install sleuthc".into(),
            format!(
                "        run: {}",
                q(&format!(
                    "cargo install --locked sleuthc --version {}",
                    env!("CARGO_PKG_VERSION")
                ))
            ),
            "      - name: Build the templates".into(),
            format!("        run: {}", q(build_command)),
            // Like --expect-pipeline for the CodePipeline: a source that needs another
            // workflow stops here, before deploying in a stale order.
            "      - name: Check that this workflow is current".into(),
            format!(
                "        run: {}",
                q(&format!(
                    "cmp out/ci/github-actions/{0}.yml .github/workflows/{0}.yml",
                    def.name
                ))
            ),
            format!("      - uses: {UPLOAD}"),
            "        with:".into(),
            "          name: templates".into(),
            "          path: out/".into(),
        ],
    }];
    let mut previous: Vec<String> = vec!["build".into()];
    let mut pending: Option<&ApprovalDef> = None;
    let mut guarded: Vec<&str> = Vec::new();
    for stage in &decl.stages {
        match &stage.kind {
            StageKind::Source | StageKind::Build => {}
            // An approval is the required reviewers of the environments it guards:
            // the job that deploys them waits for one review (see the deploy stage).
            StageKind::Approval { approval, .. } => pending = Some(approval),
            StageKind::Deploy { envs, .. } => {
                let approval = pending.take();
                let mut stage_jobs = Vec::new();
                for env in envs {
                    let deploys: Vec<Deploy<'_>> = stage
                        .actions
                        .iter()
                        .filter_map(|a| {
                            let t = a.target.as_ref()?;
                            let inst = &ex.stacks[t.instance];
                            // `aws cloudformation deploy` creates and executes the
                            // change set in one step.
                            let one = t.step != StepKind::CreateChangeSet;
                            (inst.env == *env && one).then(|| Deploy {
                                action: a,
                                stack: &inst.stack,
                                stack_name: &inst.stack_name,
                                region: &inst.region,
                                after_regions: inst
                                    .depends_on
                                    .iter()
                                    .map(|d| d.region.as_str())
                                    .collect(),
                                account: &inst.account,
                                capabilities: super::declaration::capabilities(inst).join(" "),
                            })
                        })
                        .collect();
                    // A guarded environment deploys in one job, its region groups one
                    // after another, so one review releases all of it.
                    let groups = if approval.is_some() {
                        let mut all: Vec<&Deploy<'_>> = deploys.iter().collect();
                        all.sort_by_key(|d| d.action.run_order);
                        vec![all]
                    } else {
                        region_groups(&deploys)
                    };
                    let base = if envs.len() > 1 {
                        format!("{}-{}", job_id(&stage.name), job_id(env))
                    } else {
                        job_id(&stage.name)
                    };
                    let mut needs_now = previous.clone();
                    for (k, group) in groups.iter().enumerate() {
                        let id = if groups.len() > 1 {
                            format!("{base}-{}", k + 1)
                        } else {
                            base.clone()
                        };
                        let mut lines =
                            deploy_job(env, group, &needs_now, names, approval.is_none());
                        if let Some(a) = approval {
                            guarded.push(env.as_str());
                            lines.insert(
                                0,
                                format!(
                                    "    name: {}",
                                    q(&format!("{} (after approval: {})", stage.name, a.label))
                                ),
                            );
                            if a.timeout_minutes.is_some() || !a.notify.is_empty() {
                                lines.insert(1, format!(
                                    "    # CodePipeline: {}notify {}; on GitHub, the environment's required reviewers are notified.",
                                    a.timeout_minutes.map(|m| format!("timeout {m} minutes, ")).unwrap_or_default(),
                                    if a.notify.is_empty() { "nobody".to_string() } else { a.notify.join(", ") }
                                ));
                            }
                        }
                        jobs.push(Job {
                            id: id.clone(),
                            lines,
                        });
                        needs_now = vec![id.clone()];
                        if k + 1 == groups.len() {
                            stage_jobs.push(id);
                        }
                    }
                }
                previous = stage_jobs;
            }
        }
    }

    let mut out = String::new();
    out.push_str(&format!(
        "# Generated by sleuthc {} from pipeline `{}` of app `{}`: the same stages and order\n",
        env!("CARGO_PKG_VERSION"),
        def.name,
        names.app
    ));
    out.push_str(&format!(
        "# as the CodePipeline. Copy it to .github/workflows/{}.yml. Before the first run:\n",
        def.name
    ));
    out.push_str(
        "# - deploy every bootstrap/<account>-<region>.template.json of this build (with\n",
    );
    out.push_str(
        "#   --ci github-actions): it holds the role this workflow assumes through OIDC,\n",
    );
    out.push_str(
        "#   and needs the account's token.actions.githubusercontent.com OIDC provider;\n",
    );
    // In the text, so that `cmp` in the build job also notices roles that changed.
    out.push_str(&format!(
        "#   this workflow needs the bootstrap templates {bootstrap_digest};\n"
    ));
    let envs: Vec<&str> = decl
        .stages
        .iter()
        .filter_map(|s| match &s.kind {
            StageKind::Deploy { envs, .. } => Some(envs.iter().map(String::as_str)),
            _ => None,
        })
        .flatten()
        .collect();
    out.push_str(&format!(
        "# - create the GitHub environments {}, each limited to deployments from branch {branch}\n",
        envs.join(", ")
    ));
    out.push_str(
        "#   (the deploy roles trust any job on them: that limit keeps other branches out);\n",
    );
    if !guarded.is_empty() {
        out.push_str(&format!(
            "# - give {} the approvers as required reviewers: its jobs wait for one review.\n",
            guarded.join(", ")
        ));
    }
    out.push_str(&format!("name: {}\n", q(&decl.name)));
    out.push_str("on:\n  push:\n    branches:\n");
    out.push_str(&format!("      - {}\n", q(branch)));
    out.push_str("  workflow_dispatch: {}\n");
    out.push_str("permissions:\n  contents: read\n");
    out.push_str(&format!(
        "concurrency:\n  group: {}\n  cancel-in-progress: false\n",
        q(&decl.name)
    ));
    out.push_str("jobs:\n");
    for job in jobs {
        out.push_str(&format!("  {}:\n", job.id));
        for l in job.lines {
            out.push_str(&l);
            out.push('\n');
        }
    }
    out
}

fn needs(previous: &[String]) -> String {
    format!(
        "    needs: [{}]",
        previous.iter().map(|p| q(p)).collect::<Vec<_>>().join(", ")
    )
}

/// The deploys of a stage grouped as its rollout deploys them: regions whose
/// runOrders overlap deploy together.
fn region_groups<'d>(deploys: &'d [Deploy<'d>]) -> Vec<Vec<&'d Deploy<'d>>> {
    let mut regions: Vec<(&str, u32, u32)> = Vec::new();
    for d in deploys {
        let o = d.action.run_order;
        match regions.iter_mut().find(|(r, _, _)| *r == d.region) {
            Some((_, lo, hi)) => {
                *lo = (*lo).min(o);
                *hi = (*hi).max(o);
            }
            None => regions.push((d.region, o, o)),
        }
    }
    regions.sort_by_key(|(_, lo, _)| *lo);
    let mut groups: Vec<(Vec<&str>, u32)> = Vec::new();
    for (r, lo, hi) in regions {
        match groups.last_mut() {
            Some((rs, end)) if lo <= *end => {
                rs.push(r);
                *end = (*end).max(hi);
            }
            _ => groups.push((vec![r], hi)),
        }
    }
    groups
        .into_iter()
        .map(|(rs, _)| {
            let mut g: Vec<&Deploy<'_>> =
                deploys.iter().filter(|d| rs.contains(&d.region)).collect();
            g.sort_by_key(|d| d.action.run_order);
            g
        })
        .collect()
}

/// The job deploying `group`: a matrix over its regions when `matrix` allows and they
/// are independent, else one step after another in runOrder.
fn deploy_job(
    env: &str,
    group: &[&Deploy<'_>],
    previous: &[String],
    names: &Names,
    matrix: bool,
) -> Vec<String> {
    let mut lines = vec![
        needs(previous),
        "    runs-on: ubuntu-latest".into(),
        format!("    environment: {}", q(env)),
        "    permissions:".into(),
        "      contents: read".into(),
        "      id-token: write".into(),
    ];
    let mut regions: Vec<&str> = Vec::new();
    for d in group {
        if !regions.contains(&d.region) {
            regions.push(d.region);
        }
    }
    // A matrix when every region deploys the same stacks in the same order and no
    // region waits for another (matrix legs run independently).
    let per_region = |r: &str| -> Vec<&str> {
        group
            .iter()
            .filter(|d| d.region == r)
            .map(|d| d.stack)
            .collect()
    };
    let independent = group.iter().all(|d| {
        d.after_regions
            .iter()
            .all(|r| *r == d.region || !regions.contains(r))
    });
    let same = matrix
        && independent
        && regions
            .iter()
            .all(|r| per_region(r) == per_region(regions[0]));
    let download = [
        format!("      - uses: {DOWNLOAD}"),
        "        with:".into(),
        "          name: templates".into(),
        "          path: out".into(),
    ];
    if same && regions.len() > 1 {
        lines.push("    strategy:".into());
        // A cancelled leg would leave its CloudFormation update running unattended.
        lines.push("      fail-fast: false".into());
        lines.push("      matrix:".into());
        lines.push("        include:".into());
        for r in &regions {
            let d = group
                .iter()
                .find(|d| d.region == *r)
                .expect("a deploy in the region");
            lines.push(format!("          - region: {}", q(r)));
            lines.push(format!(
                "            role: {}",
                q(&names.role_arn(d.account, &names.github_role(r)))
            ));
            lines.push(format!(
                "            exec_role: {}",
                q(&names.role_arn(d.account, &names.exec_role(r)))
            ));
        }
        lines.push("    steps:".into());
        lines.extend(download);
        lines.extend(credentials("${{ matrix.role }}", "${{ matrix.region }}"));
        for d in group.iter().filter(|d| d.region == regions[0]) {
            lines.extend(deploy_step(
                d,
                d.stack,
                "${{ matrix.region }}",
                "${{ matrix.exec_role }}",
                env,
            ));
        }
    } else {
        lines.push("    steps:".into());
        lines.extend(download);
        let mut current = "";
        for d in group {
            if d.region != current {
                let role = names.role_arn(d.account, &names.github_role(d.region));
                lines.extend(credentials(&role, d.region));
                current = d.region;
            }
            let exec = names.role_arn(d.account, &names.exec_role(d.region));
            let name = format!("{}@{}", d.stack, d.region);
            lines.extend(deploy_step(d, &name, d.region, &exec, env));
        }
    }
    lines
}

fn credentials(role: &str, region: &str) -> Vec<String> {
    vec![
        format!("      - uses: {CREDENTIALS}"),
        "        with:".into(),
        format!("          role-to-assume: {}", q(role)),
        format!("          aws-region: {}", q(region)),
    ]
}

fn deploy_step(
    d: &Deploy<'_>,
    name: &str,
    region: &str,
    exec_role: &str,
    env: &str,
) -> Vec<String> {
    let mut cmd = format!(
        "aws cloudformation deploy --region {region} --stack-name {} --template-file out/{env}/{region}/{}.template.json --role-arn {exec_role}",
        d.stack_name, d.stack
    );
    if !d.capabilities.is_empty() {
        cmd.push_str(&format!(" --capabilities {}", d.capabilities));
    }
    cmd.push_str(" --no-fail-on-empty-changeset");
    vec![
        format!("      - name: {}", q(name)),
        format!("        run: {}", q(&cmd)),
    ]
}
