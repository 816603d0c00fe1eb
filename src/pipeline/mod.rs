//! Pipelines (docs/design/pipeline.md): each `pipeline` block laid out over the build
//! ([`layout`], with the runOrders of [`plan`]), turned into a CodePipeline
//! declaration ([`declaration`]) with deterministic physical names ([`names`]), and
//! emitted with the templates around it ([`templates`]): the pipeline template, the
//! declaration as `create-pipeline` takes it, a support template per extra region and
//! a bootstrap template per target account and region.

pub mod declaration;
pub mod github;
pub mod layout;
pub mod names;
pub mod plan;
pub mod templates;
pub mod view;

use serde::Serialize;

use crate::codes::Code;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::emit::{to_json, OutputFile};
use crate::expand::{Expanded, PipelineDef};
use crate::graph::instance_id;

use declaration::{Declaration, StageKind};
use names::Names;
use plan::StepKind;
use templates::{bootstrap_targets, PipelineInput};

/// Everything pipelines add to a build: files, and their manifest entries.
#[derive(Default)]
pub struct Emitted {
    pub files: Vec<OutputFile>,
    pub manifest: Vec<ManifestPipeline>,
}

/// How the build runs `sleuthc build` again inside the pipeline.
pub struct Rebuild<'a> {
    /// The root file as given on the command line (only its file name is used unless
    /// the pipeline says `build { path = ... }`).
    pub root_name: &'a str,
    pub params: &'a [(String, String)],
    /// `--expect-pipeline NAME=DIGEST`, checked against what this build declares.
    pub expect: &'a [(String, String)],
    /// `--ci github-actions`: also a workflow per pipeline, and OIDC roles.
    pub github_actions: bool,
}

/// The CodeBuild variable that holds the digest of the deployed declaration.
pub const DIGEST_VARIABLE: &str = "SLEUTH_PIPELINE_DIGEST";

/// `sha256:<hex>` of the concatenation of `parts` (without concatenating them): for a
/// pipeline, its declaration followed by the path and text of each support and
/// bootstrap template it needs.
pub fn digest(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
    }
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in hasher.finalize() {
        out.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        out.push(char::from_digit(u32::from(b & 15), 16).unwrap_or('0'));
    }
    out
}

/// Every pipeline of `ex` laid out, checked and declared, with the pipeline it comes
/// from and its physical names.
pub fn declarations<'e>(
    ex: &'e Expanded,
    diags: &mut Diagnostics,
) -> Vec<(Declaration, Names, &'e PipelineDef)> {
    let mut built = Vec::new();
    for def in &ex.pipelines {
        let laid = layout::layout(def, ex, diags);
        let names = Names::new(&ex.app.name, &def.name, &def.account, &def.region);
        let decl = declaration::build(def, &laid, ex, &names, diags);
        check_names(&decl, &names, def, diags);
        built.push((decl, names, def));
    }
    built
}

/// Lays out, checks and emits every pipeline of `ex`. A build restricted with
/// `--env` or `--region` emits no pipeline (a pipeline deploys everything), but still
/// checks them when the selection is whole.
pub fn emit(
    ex: &Expanded,
    rebuild: &Rebuild<'_>,
    selected: bool,
    diags: &mut Diagnostics,
) -> Emitted {
    if selected && !rebuild.expect.is_empty() {
        // Checking nothing would let a stale pipeline through.
        diags.push(
            Diagnostic::error(
                Code::PipelineOutOfDate,
                crate::expand::root_span(),
                "--expect-pipeline needs the whole build: --env and --region build no pipeline",
            )
            .with_label("selected on the command line")
            .with_help("leave out --env and --region, as the pipeline's own build step does"),
        );
    }
    if ex.pipelines.is_empty() || selected {
        return Emitted::default();
    }
    let app = ex.app.name.replace('_', "-");
    let tags: Vec<(String, String)> = ex
        .app
        .tags
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let built = declarations(ex, diags);
    for (name, _) in rebuild.expect {
        if !ex.pipelines.iter().any(|d| d.name == *name) {
            diags.push(
                Diagnostic::error(
                    Code::PipelineOutOfDate,
                    crate::expand::root_span(),
                    format!("--expect-pipeline {name}: this source has no such pipeline"),
                )
                .with_label("expected on the command line")
                .with_help("the pipeline was renamed or removed: deploy the new pipeline, or delete the old one")
                .with_suggestion(name, ex.pipelines.iter().map(|d| d.name.as_str())),
            );
        }
    }
    if diags.has_errors() {
        return Emitted::default();
    }

    let mut out = Emitted::default();
    if rebuild.github_actions {
        check_github(&built, ex, diags);
        if diags.has_errors() {
            return Emitted::default();
        }
    }
    let targets = bootstrap_targets(&built, ex, rebuild.github_actions);
    let mut bootstrap_files = Vec::new();
    let mut bootstrap_entries = Vec::new();
    let mut derived = templates::DerivedActions::default();
    for b in &targets {
        let span = built
            .iter()
            .find(|(_, n, _)| n.pipeline == b.pipelines[0].pipeline)
            .map_or(ex.pipelines[0].name_span, |(_, _, d)| d.name_span);
        let Some(t) = templates::bootstrap_template(b, &app, &tags, span, &mut derived, diags)
        else {
            continue;
        };
        let path = format!("bootstrap/{}-{}.template.json", b.account, b.region);
        let names = b.pipelines[0];
        bootstrap_entries.push(ManifestBootstrap {
            account: b.account.to_string(),
            region: b.region.to_string(),
            template: path.clone(),
            stack_name: names.bootstrap_stack(),
            deploy_role_arn: names.role_arn(b.account, &names.deploy_role(b.region)),
            cfn_exec_role_arn: names.role_arn(b.account, &names.exec_role(b.region)),
            capabilities: vec!["CAPABILITY_NAMED_IAM"],
        });
        bootstrap_files.push(OutputFile {
            path,
            contents: to_json(&t),
        });
    }

    // The bootstrap templates as a build without `--ci` writes them: what the
    // pipeline's own build step compares (below), whatever this build's options.
    let plain_owned: Option<Vec<OutputFile>> = rebuild.github_actions.then(|| {
        let mut scratch = Diagnostics::default();
        bootstrap_targets(&built, ex, false)
            .iter()
            .filter_map(|b| {
                let t = templates::bootstrap_template(
                    b,
                    &app,
                    &tags,
                    ex.pipelines[0].name_span,
                    &mut derived,
                    &mut scratch,
                )?;
                Some(OutputFile {
                    path: format!("bootstrap/{}-{}.template.json", b.account, b.region),
                    contents: to_json(&t),
                })
            })
            .collect()
    });
    let plain_bootstrap: &[OutputFile] = plain_owned.as_deref().unwrap_or(&bootstrap_files);

    for (decl, names, def) in &built {
        let path = def.build.path.clone().unwrap_or_else(|| {
            std::path::Path::new(rebuild.root_name)
                .file_name()
                .map_or_else(
                    || "envs.sleuth".into(),
                    |f| f.to_string_lossy().into_owned(),
                )
        });
        let mut command = vec![
            "sleuthc".to_string(),
            "build".into(),
            path,
            "-o".into(),
            "out".into(),
        ];
        for (k, v) in rebuild.params {
            command.push("--param".into());
            command.push(format!("{k}={v}"));
        }
        if rebuild.github_actions {
            let mut build = command
                .iter()
                .map(|a| templates::shell_quote(a))
                .collect::<Vec<_>>();
            build.extend(["--ci".into(), "github-actions".into()]);
            let mut bootstrap_parts: Vec<&str> = Vec::new();
            for f in bootstrap_files.iter().filter(|f| {
                decl.targets().any(|t| {
                    f.path == format!("bootstrap/{}-{}.template.json", t.account, t.region)
                })
            }) {
                bootstrap_parts.extend([f.path.as_str(), "\n", f.contents.as_str()]);
            }
            let workflow = github::workflow(
                def,
                decl,
                names,
                ex,
                &build.join(" "),
                &digest(&bootstrap_parts),
            );
            out.files.push(OutputFile {
                path: format!("ci/github-actions/{}.yml", def.name),
                contents: workflow,
            });
        }
        let mut ptags = tags.clone();
        ptags.push(("Pipeline".into(), def.name.clone()));
        let declaration = to_json(&decl.api(&ptags));
        let mut support_files = Vec::new();
        let mut support = Vec::new();
        for store in decl.stores.iter().filter(|s| s.region != def.region) {
            let path = format!(
                "pipeline/{}-support-{}.template.json",
                def.name, store.region
            );
            support_files.push(OutputFile {
                path: path.clone(),
                contents: to_json(&templates::support_template(
                    decl,
                    names,
                    &store.region,
                    &ptags,
                )),
            });
            support.push(ManifestSupport {
                region: store.region.clone(),
                template: path,
                stack_name: names.support_stack(&store.region),
            });
        }
        // What must be deployed before this pipeline runs as the source needs: its
        // declaration, its support templates, and the bootstrap templates of the
        // accounts and regions it deploys to (a new resource type changes what the
        // execution role may do).
        let mut setup_parts: Vec<&str> = vec![&declaration];
        for f in support_files
            .iter()
            .chain(plain_bootstrap.iter().filter(|f| {
                decl.targets().any(|t| {
                    f.path == format!("bootstrap/{}-{}.template.json", t.account, t.region)
                })
            }))
        {
            setup_parts.extend([f.path.as_str(), "\n", f.contents.as_str()]);
        }
        let digest = digest(&setup_parts);
        if let Some((_, want)) = rebuild.expect.iter().find(|(n, _)| *n == def.name) {
            if *want != digest {
                diags.push(
                    Diagnostic::error(
                        Code::PipelineOutOfDate,
                        def.name_span,
                        format!("pipeline `{}` is out of date: this source needs a different pipeline or roles", def.name),
                    )
                    .with_label(format!("declares {digest}; the deployed one is {want}"))
                    .with_help(format!(
                        "deploy the templates of the manifest's `setup` for `{}` first (bootstrap, support, then pipeline/{}.template.json)",
                        def.name, def.name
                    )),
                );
            }
        }
        let input = PipelineInput {
            def,
            decl,
            names,
            tags: &ptags,
            build_command: &command,
            digest: &digest,
        };
        let template_path = format!("pipeline/{}.template.json", def.name);
        let declaration_path = format!("pipeline/{}.pipeline.json", def.name);
        out.files.push(OutputFile {
            path: template_path.clone(),
            contents: to_json(&templates::pipeline_template(&input)),
        });
        out.files.push(OutputFile {
            path: declaration_path.clone(),
            contents: declaration,
        });
        out.files.extend(support_files);
        let bootstrap: Vec<ManifestBootstrap> = bootstrap_entries
            .iter()
            .filter(|e| {
                decl.targets()
                    .any(|t| t.account == e.account && t.region == e.region)
            })
            .cloned()
            .collect();
        let mut setup: Vec<Vec<String>> = Vec::new();
        setup.push(bootstrap.iter().map(|b| b.template.clone()).collect());
        if !support.is_empty() {
            setup.push(support.iter().map(|s| s.template.clone()).collect());
        }
        setup.push(vec![template_path.clone()]);
        out.manifest.push(ManifestPipeline {
            name: def.name.clone(),
            pipeline_name: decl.name.clone(),
            account: def.account.clone(),
            region: def.region.clone(),
            template: template_path,
            stack_name: names.stack_name(),
            capabilities: vec!["CAPABILITY_NAMED_IAM"],
            declaration: declaration_path,
            digest,
            artifact_stores: decl
                .stores
                .iter()
                .map(|s| ManifestStore {
                    region: s.region.clone(),
                    bucket: s.bucket.literal.clone(),
                    key_alias: names.key_alias(),
                })
                .collect(),
            support,
            bootstrap,
            setup,
            stages: decl.stages.iter().map(|s| stage_entry(s, ex)).collect(),
        });
    }
    out.files.extend(bootstrap_files);
    out
}

/// What a GitHub Actions workflow needs: a GitHub repository (the OIDC subjects name
/// it), and templates `aws cloudformation deploy` can pass inline.
fn check_github(
    built: &[(Declaration, Names, &PipelineDef)],
    ex: &Expanded,
    diags: &mut Diagnostics,
) {
    for (decl, _, def) in built {
        if github::repository(def).is_none() {
            diags.push(
                Diagnostic::error(
                    Code::CiWorkflow,
                    def.name_span,
                    format!("--ci github-actions: pipeline `{}` has no GitHub source", def.name),
                )
                .with_label("its source is not `github(...)`")
                .with_help("the workflow's OIDC role trusts the GitHub repository it runs in: use `source = github(repo: \"owner/name\", ...)`"),
            );
            continue;
        }
        let mut seen = Vec::new();
        for t in decl.targets() {
            if seen.contains(&t.instance) {
                continue;
            }
            seen.push(t.instance);
            let inst = &ex.stacks[t.instance];
            let size = crate::emit::to_json(&crate::emit::cloudformation::Template(inst)).len();
            if size > github::MAX_INLINE_TEMPLATE {
                diags.push(
                    Diagnostic::error(
                        Code::CiWorkflow,
                        inst.span,
                        format!(
                            "--ci github-actions: the template of `{}` is {size} bytes; `aws cloudformation deploy` passes at most {} without an S3 bucket",
                            crate::graph::instance_id(inst),
                            github::MAX_INLINE_TEMPLATE
                        ),
                    )
                    .with_label("this stack")
                    .with_help("split the stack, or deploy it with the CodePipeline, which passes it from the artifact store"),
                );
            }
        }
    }
}

/// The physical names a pipeline gives its resources, checked before any deploy.
fn check_names(decl: &Declaration, n: &Names, def: &PipelineDef, diags: &mut Diagnostics) {
    let mut problems: Vec<(String, String)> = Vec::new();
    let mut check = |what: &str, name: String, problem: Option<String>| {
        if let Some(p) = problem {
            problems.push((format!("{what} `{name}`"), p));
        }
    };
    check(
        "the pipeline stack name",
        n.stack_name(),
        names::stack_name_problem(&n.stack_name()),
    );
    check(
        "the bootstrap stack name",
        n.bootstrap_stack(),
        names::stack_name_problem(&n.bootstrap_stack()),
    );
    check(
        "the pipeline role name",
        n.pipeline_role(),
        names::role_name_problem(&n.pipeline_role()),
    );
    check(
        "the build role name",
        n.synth_role(),
        names::role_name_problem(&n.synth_role()),
    );
    check(
        "the key alias",
        n.key_alias(),
        names::alias_problem(&n.key_alias()),
    );
    check(
        "the CodeBuild project name",
        n.project(),
        names::project_problem(&n.project()),
    );
    for s in &decl.stores {
        let bucket = n.bucket(&s.region);
        check(
            "the artifact bucket name",
            bucket.clone(),
            names::bucket_name_problem(&bucket),
        );
        if s.region != def.region {
            let stack = n.support_stack(&s.region);
            check(
                "the support stack name",
                stack.clone(),
                names::stack_name_problem(&stack),
            );
        }
    }
    for t in decl.targets() {
        check(
            "the deploy role name",
            n.deploy_role(&t.region),
            names::role_name_problem(&n.deploy_role(&t.region)),
        );
        check(
            "the execution role name",
            n.exec_role(&t.region),
            names::role_name_problem(&n.exec_role(&t.region)),
        );
    }
    for s in &decl.stages {
        if let StageKind::Approval { approval, .. } = &s.kind {
            if !approval.notify.is_empty() {
                check(
                    "the topic name",
                    n.topic(&s.name),
                    names::topic_problem(&n.topic(&s.name)),
                );
            }
        }
    }
    problems.dedup();
    for (what, p) in problems {
        diags.push(
            Diagnostic::error(Code::GeneratedName, def.name_span, format!("{what} {p}"))
                .with_label("generated from the app and pipeline names")
                .with_help("shorten the app name or the pipeline name"),
        );
    }
}

fn stage_entry(s: &declaration::Stage, ex: &Expanded) -> ManifestStage {
    let (kind, envs, deploy, guards, timeout_minutes, notify) = match &s.kind {
        StageKind::Source => ("source", Vec::new(), None, Vec::new(), None, Vec::new()),
        StageKind::Build => ("build", Vec::new(), None, Vec::new(), None, Vec::new()),
        StageKind::Approval {
            guards, approval, ..
        } => (
            "approval",
            Vec::new(),
            None,
            guards.clone(),
            approval.timeout_minutes,
            approval.notify.clone(),
        ),
        StageKind::Deploy { envs, mode } => (
            "deploy",
            envs.clone(),
            Some(match mode {
                plan::DeployMode::CreateUpdate => "create_update",
                plan::DeployMode::ChangeSet => "change_set",
            }),
            Vec::new(),
            None,
            Vec::new(),
        ),
    };
    ManifestStage {
        name: s.name.clone(),
        kind,
        envs,
        deploy,
        guards,
        timeout_minutes,
        notify,
        actions: s
            .actions
            .iter()
            .map(|a| ManifestAction {
                name: a.name.clone(),
                run_order: a.run_order,
                step: a.target.as_ref().map(|t| match t.step {
                    StepKind::Deploy => "deploy",
                    StepKind::CreateChangeSet => "create_change_set",
                    StepKind::ExecuteChangeSet => "execute_change_set",
                }),
                stack_id: a
                    .target
                    .as_ref()
                    .map(|t| instance_id(&ex.stacks[t.instance])),
                account: a.target.as_ref().map(|t| t.account.clone()),
                region: a.target.as_ref().map(|t| t.region.clone()),
            })
            .collect(),
    }
}

/// A pipeline in `manifest.json`.
#[derive(Clone, Debug, Serialize)]
pub struct ManifestPipeline {
    pub name: String,
    pub pipeline_name: String,
    pub account: String,
    pub region: String,
    pub template: String,
    pub stack_name: String,
    pub capabilities: Vec<&'static str>,
    /// The `create-pipeline --cli-input-json` file.
    pub declaration: String,
    /// `sha256:` of the declaration, support and bootstrap templates (as a build
    /// without `--ci` writes them): what `--expect-pipeline` compares.
    pub digest: String,
    pub artifact_stores: Vec<ManifestStore>,
    pub support: Vec<ManifestSupport>,
    pub bootstrap: Vec<ManifestBootstrap>,
    /// Templates to deploy before the pipeline works, in order; each inner list may
    /// deploy in parallel.
    pub setup: Vec<Vec<String>>,
    pub stages: Vec<ManifestStage>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ManifestStore {
    pub region: String,
    pub bucket: String,
    pub key_alias: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ManifestSupport {
    pub region: String,
    pub template: String,
    pub stack_name: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ManifestBootstrap {
    pub account: String,
    pub region: String,
    pub template: String,
    pub stack_name: String,
    pub deploy_role_arn: String,
    pub cfn_exec_role_arn: String,
    pub capabilities: Vec<&'static str>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ManifestStage {
    pub name: String,
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub envs: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub guards: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_minutes: Option<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<String>,
    pub actions: Vec<ManifestAction>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ManifestAction {
    pub name: String,
    pub run_order: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stack_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}
