//! The pipeline declaration: stages and actions with their configuration, built once
//! from the laid-out stages and rendered twice, as the `Stages` of the
//! `AWS::CodePipeline::Pipeline` resource (PascalCase, `Ref` and `Fn::GetAtt` to the
//! template's own resources) and as the input of `aws codepipeline create-pipeline
//! --cli-input-json` (camelCase, literal strings only). [`Val`] holds both forms of a
//! value.
//!
//! Building checks what CodePipeline checks only at deploy time: name patterns and
//! lengths, actions per stage (splitting a stage that has too many at a runOrder
//! boundary), stages per pipeline, runOrders, configuration lengths, and that every
//! action region has an artifact store.

use crate::json;
use crate::json::{Map as JsonMap, Value as Json};

use crate::codes::Code;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::expand::{ApprovalDef, Expanded, PipelineDef, SourceDef, StackInstance};
use crate::span::Span;

use super::layout::LaidOut;
use super::names::{pipeline_name_problem, sanitize, Names};
use super::plan::{DeployMode, StepKind};

/// CodePipeline quotas.
const MAX_STAGES: usize = 50;
const MAX_ACTIONS: usize = 500;
const MAX_RUN_ORDER: u32 = 999;
const MAX_CONFIG_VALUE: usize = 1000;

/// The source and build artifacts.
pub const SOURCE_ARTIFACT: &str = "Source";
pub const BUILD_ARTIFACT: &str = "Build";

/// One value, as the template writes it and as the API declaration writes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Val {
    pub cfn: Json,
    pub literal: String,
}

impl Val {
    pub fn lit(s: impl Into<String>) -> Val {
        let s = s.into();
        Val {
            cfn: Json::from(s.clone()),
            literal: s,
        }
    }

    /// `{"Ref": id}` in the template, `literal` in the declaration.
    pub fn by_ref(id: impl Into<json::Str>, literal: impl Into<String>) -> Val {
        Val {
            cfn: object! { "Ref" => id.into() },
            literal: literal.into(),
        }
    }

    /// `{"Fn::GetAtt": [id, attr]}` in the template, `literal` in the declaration.
    pub fn get_att(id: &'static str, attr: &'static str, literal: impl Into<String>) -> Val {
        Val {
            cfn: object! { "Fn::GetAtt" => vec![id, attr] },
            literal: literal.into(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Declaration {
    pub name: String,
    pub role: Val,
    pub execution_mode: &'static str,
    /// One per region where actions run, the pipeline's region first.
    pub stores: Vec<Store>,
    pub stages: Vec<Stage>,
}

#[derive(Clone, Debug)]
pub struct Store {
    pub region: String,
    pub bucket: Val,
    pub key: Val,
}

#[derive(Clone, Debug)]
pub struct Stage {
    pub name: String,
    pub kind: StageKind,
    pub actions: Vec<Action>,
    /// Where the stage is written: its `stage` or `approve` step, or the pipeline's
    /// name for the source and build stages.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StageKind {
    Source,
    Build,
    Approval {
        /// The environments of the stage it guards.
        guards: Vec<String>,
        inserted: bool,
        approval: ApprovalDef,
    },
    Deploy {
        envs: Vec<String>,
        mode: DeployMode,
    },
}

#[derive(Clone, Debug)]
pub struct Action {
    pub name: String,
    pub category: &'static str,
    pub provider: &'static str,
    pub run_order: u32,
    pub configuration: Vec<(&'static str, Val)>,
    pub inputs: Vec<&'static str>,
    pub outputs: Vec<&'static str>,
    /// Deploy actions: the stack's region, account and the deploy role assumed there.
    pub target: Option<Target>,
    pub timeout_minutes: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct Target {
    /// Index into `Expanded::stacks`.
    pub instance: usize,
    pub region: String,
    pub account: String,
    pub role_arn: String,
    pub step: StepKind,
}

/// The logical id of an approval's topic: the stage name's words capitalised.
pub fn topic_id(stage: &str) -> String {
    let mut id: String = stage
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|c| c.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect();
    id.push_str("Topic");
    id
}

/// The capabilities a stack's template needs: `CAPABILITY_IAM` for IAM resources,
/// `CAPABILITY_NAMED_IAM` when one of them has a custom name.
pub fn capabilities(inst: &StackInstance) -> Vec<&'static str> {
    const IAM: &[(&str, &str)] = &[
        ("AWS::IAM::AccessKey", ""),
        ("AWS::IAM::Group", "GroupName"),
        ("AWS::IAM::InstanceProfile", "InstanceProfileName"),
        ("AWS::IAM::ManagedPolicy", "ManagedPolicyName"),
        ("AWS::IAM::Policy", ""),
        ("AWS::IAM::Role", "RoleName"),
        ("AWS::IAM::User", "UserName"),
        ("AWS::IAM::UserToGroupAddition", ""),
    ];
    let mut iam = false;
    let mut named = false;
    for r in inst.resources.values() {
        if let Some((_, name)) = IAM.iter().find(|(t, _)| *t == r.type_name) {
            iam = true;
            named |= !name.is_empty() && r.properties.contains_key(*name);
        }
    }
    match (iam, named) {
        (_, true) => vec!["CAPABILITY_NAMED_IAM"],
        (true, false) => vec!["CAPABILITY_IAM"],
        _ => Vec::new(),
    }
}

/// Builds the declaration of `def`, laid out as `laid`.
pub fn build(
    def: &PipelineDef,
    laid: &[LaidOut],
    ex: &Expanded,
    names: &Names,
    diags: &mut Diagnostics,
) -> Declaration {
    let mut stages = vec![source_stage(def), build_stage(names, def.name_span)];
    for (k, step) in laid.iter().enumerate() {
        match step {
            LaidOut::Approve {
                approval,
                inserted,
                span,
            } => {
                let name = sanitize(&approval.label);
                let guards = match laid.get(k + 1) {
                    Some(LaidOut::Deploy { envs, .. }) => envs.clone(),
                    _ => Vec::new(),
                };
                stages.push(approval_stage(
                    name, approval, *inserted, guards, names, *span,
                ));
            }
            LaidOut::Deploy {
                name,
                envs,
                deploy,
                steps,
                span,
            } => {
                let mut actions: Vec<Action> = Vec::new();
                for s in steps {
                    // A person reviews the change sets of a runOrder before they run.
                    if s.kind == StepKind::ExecuteChangeSet
                        && !actions.iter().any(|a| a.run_order == s.run_order - 1)
                    {
                        let change_set = format!("sleuthc-{}", def.name);
                        actions.push(review_action(s.run_order - 1, &actions, &change_set));
                    }
                    actions.push(deploy_action(
                        def,
                        ex,
                        names,
                        envs.len() > 1,
                        s.instance,
                        s.run_order,
                        s.kind,
                    ));
                }
                actions.sort_by_key(|a| a.run_order);
                let kind = StageKind::Deploy {
                    envs: envs.clone(),
                    mode: *deploy,
                };
                split(name, kind, actions, def, *span, diags, &mut stages);
            }
        }
    }
    let decl = Declaration {
        name: names.pipeline_name(),
        role: Val::get_att(
            "PipelineRole",
            "Arn",
            names.role_arn(&names.account, &names.pipeline_role()),
        ),
        execution_mode: def.execution_mode,
        stores: stores(def, &stages, names),
        stages,
    };
    check(&decl, def.name_span, diags);
    decl
}

fn source_stage(def: &PipelineDef) -> Stage {
    let span = def.name_span;
    let (provider, configuration) = match &def.source {
        SourceDef::Connection {
            repo,
            branch,
            connection,
            full_clone,
            ..
        } => (
            "CodeStarSourceConnection",
            vec![
                ("ConnectionArn", Val::lit(connection.clone())),
                ("FullRepositoryId", Val::lit(repo.clone())),
                ("BranchName", Val::lit(branch.clone())),
                (
                    "OutputArtifactFormat",
                    Val::lit(if *full_clone {
                        "CODEBUILD_CLONE_REF"
                    } else {
                        "CODE_ZIP"
                    }),
                ),
            ],
        ),
        SourceDef::CodeCommit { repo, branch } => (
            "CodeCommit",
            vec![
                ("RepositoryName", Val::lit(repo.clone())),
                ("BranchName", Val::lit(branch.clone())),
                // Changes arrive through the EventBridge rule of the pipeline template.
                ("PollForSourceChanges", Val::lit("false")),
            ],
        ),
        SourceDef::S3 { bucket, key } => (
            "S3",
            vec![
                ("S3Bucket", Val::lit(bucket.clone())),
                ("S3ObjectKey", Val::lit(key.clone())),
                // Polling needs no CloudTrail trail or bucket notification set up.
                ("PollForSourceChanges", Val::lit("true")),
            ],
        ),
    };
    Stage {
        span,
        name: "Source".into(),
        kind: StageKind::Source,
        actions: vec![Action {
            name: "Source".into(),
            category: "Source",
            provider,
            run_order: 1,
            configuration,
            inputs: Vec::new(),
            outputs: vec![SOURCE_ARTIFACT],
            target: None,
            timeout_minutes: None,
        }],
    }
}

fn build_stage(names: &Names, span: Span) -> Stage {
    Stage {
        span,
        name: "Build".into(),
        kind: StageKind::Build,
        actions: vec![Action {
            name: "Synth".into(),
            category: "Build",
            provider: "CodeBuild",
            run_order: 1,
            configuration: vec![("ProjectName", Val::by_ref("SynthProject", names.project()))],
            inputs: vec![SOURCE_ARTIFACT],
            outputs: vec![BUILD_ARTIFACT],
            target: None,
            timeout_minutes: None,
        }],
    }
}

fn approval_stage(
    name: String,
    approval: &ApprovalDef,
    inserted: bool,
    guards: Vec<String>,
    names: &Names,
    span: Span,
) -> Stage {
    let mut configuration = Vec::new();
    if !approval.notify.is_empty() {
        let topic = names.topic(&name);
        configuration.push((
            "NotificationArn",
            Val::by_ref(topic_id(&name), names.arn("sns", &names.region, &topic)),
        ));
    }
    let custom = approval.custom_data.clone().unwrap_or_else(|| {
        if inserted {
            format!("Deploy {}: approval = manual", guards.join(", "))
        } else {
            approval.label.clone()
        }
    });
    configuration.push(("CustomData", Val::lit(custom)));
    if let Some(url) = &approval.review_url {
        configuration.push(("ExternalEntityLink", Val::lit(url.clone())));
    }
    Stage {
        span,
        name: name.clone(),
        kind: StageKind::Approval {
            guards,
            inserted,
            approval: approval.clone(),
        },
        actions: vec![Action {
            name,
            category: "Approval",
            provider: "Manual",
            run_order: 1,
            configuration,
            inputs: Vec::new(),
            outputs: Vec::new(),
            target: None,
            timeout_minutes: approval.timeout_minutes,
        }],
    }
}

/// The manual approval between creating the change sets of a runOrder and executing
/// them, naming the change sets to read.
fn review_action(run_order: u32, actions: &[Action], change_set: &str) -> Action {
    let stacks: Vec<String> = actions
        .iter()
        .filter(|a| a.run_order + 1 == run_order)
        .filter_map(|a| {
            let stack = a.configuration.iter().find(|(k, _)| *k == "StackName")?;
            Some(format!(
                "{} ({})",
                stack.1.literal,
                a.target.as_ref()?.region
            ))
        })
        .collect();
    let mut custom = format!(
        "Review change set {change_set} of {}, then approve to execute it.",
        stacks.join(", ")
    );
    if custom.len() > MAX_CONFIG_VALUE {
        custom = format!(
            "Review change set {change_set} of the {} stacks created at runOrder {}, then approve to execute them.",
            stacks.len(),
            run_order - 1
        );
    }
    Action {
        name: format!("Review-changes-{run_order}"),
        category: "Approval",
        provider: "Manual",
        run_order,
        configuration: vec![("CustomData", Val::lit(custom))],
        inputs: Vec::new(),
        outputs: Vec::new(),
        target: None,
        timeout_minutes: None,
    }
}

fn deploy_action(
    def: &PipelineDef,
    ex: &Expanded,
    names: &Names,
    several_envs: bool,
    instance: usize,
    run_order: u32,
    step: StepKind,
) -> Action {
    let inst = &ex.stacks[instance];
    let mut name = format!("{}@{}", inst.stack, inst.region);
    if several_envs {
        name = format!("{}.{name}", inst.env);
    }
    let template = Val::lit(format!(
        "{BUILD_ARTIFACT}::{}",
        crate::emit::manifest::template_path(inst)
    ));
    let exec_role = Val::lit(names.role_arn(&inst.account, &names.exec_role(&inst.region)));
    let caps = capabilities(inst).join(",");
    let change_set = Val::lit(format!("sleuthc-{}", def.name));
    let mut configuration = Vec::new();
    let mut inputs = vec![BUILD_ARTIFACT];
    match step {
        StepKind::Deploy | StepKind::CreateChangeSet => {
            let mode = if step == StepKind::Deploy {
                "CREATE_UPDATE"
            } else {
                name.push_str(".changes");
                "CHANGE_SET_REPLACE"
            };
            configuration.push(("ActionMode", Val::lit(mode)));
            configuration.push(("StackName", Val::lit(inst.stack_name.clone())));
            if step == StepKind::CreateChangeSet {
                configuration.push(("ChangeSetName", change_set));
            }
            configuration.push(("TemplatePath", template));
            if !caps.is_empty() {
                configuration.push(("Capabilities", Val::lit(caps)));
            }
            configuration.push(("RoleArn", exec_role));
        }
        StepKind::ExecuteChangeSet => {
            configuration.push(("ActionMode", Val::lit("CHANGE_SET_EXECUTE")));
            configuration.push(("StackName", Val::lit(inst.stack_name.clone())));
            configuration.push(("ChangeSetName", change_set));
            inputs.clear();
        }
    }
    Action {
        name,
        category: "Deploy",
        provider: "CloudFormation",
        run_order,
        configuration,
        inputs,
        outputs: Vec::new(),
        target: Some(Target {
            instance,
            region: inst.region.clone(),
            account: inst.account.clone(),
            role_arn: names.role_arn(&inst.account, &names.deploy_role(&inst.region)),
            step,
        }),
        timeout_minutes: None,
    }
}

/// Adds the deploy stage `name`, split at runOrder boundaries into `name-1`,
/// `name-2`, ... when it has more actions than the pipeline allows per stage.
fn split(
    name: &str,
    kind: StageKind,
    actions: Vec<Action>,
    def: &PipelineDef,
    span: Span,
    diags: &mut Diagnostics,
    stages: &mut Vec<Stage>,
) {
    let limit = def.max_actions_per_stage;
    if actions.len() <= limit {
        stages.push(Stage {
            name: name.to_string(),
            kind,
            actions,
            span,
        });
        return;
    }
    // Layers of equal runOrder, in order.
    let mut layers: Vec<Vec<Action>> = Vec::new();
    for a in actions {
        match layers.last_mut() {
            Some(l) if l[0].run_order == a.run_order => l.push(a),
            _ => layers.push(vec![a]),
        }
    }
    if let Some(widest) = layers.iter().map(Vec::len).max().filter(|&w| w > limit) {
        diags.push(
            Diagnostic::error(
                Code::PipelineQuota,
                span,
                format!(
                    "stage `{name}` would run {widest} actions at once; a stage holds at most {limit}"
                ),
            )
            .with_label(format!("{widest} actions at the same runOrder"))
            .with_help(
                "roll the stage out in waves of fewer regions (`rollout = waves(n)`), or deploy its environments in separate stages",
            ),
        );
        return;
    }
    let mut parts: Vec<Vec<Action>> = vec![Vec::new()];
    for layer in layers {
        let last = parts.last_mut().expect("one part");
        if !last.is_empty() && last.len() + layer.len() > limit {
            parts.push(layer);
        } else {
            last.extend(layer);
        }
    }
    for (k, mut part) in parts.into_iter().enumerate() {
        let base = part[0].run_order - 1;
        for a in &mut part {
            a.run_order -= base;
        }
        stages.push(Stage {
            name: format!("{name}-{}", k + 1),
            kind: kind.clone(),
            actions: part,
            span,
        });
    }
}

/// An artifact store in the pipeline's region, then one in every other region where
/// a deploy action runs (in first-use order). Other regions' keys are read from
/// their support stacks.
fn stores(def: &PipelineDef, stages: &[Stage], names: &Names) -> Vec<Store> {
    let mut regions: Vec<&str> = vec![&def.region];
    for a in stages.iter().flat_map(|s| &s.actions) {
        if let Some(t) = &a.target {
            if !regions.contains(&t.region.as_str()) {
                regions.push(&t.region);
            }
        }
    }
    regions
        .into_iter()
        .map(|r| {
            let bucket = names.bucket(r);
            let alias = names.key_alias_arn(r);
            if r == def.region {
                Store {
                    region: r.to_string(),
                    bucket: Val::by_ref("ArtifactBucket", bucket),
                    key: Val::get_att("ArtifactKey", "Arn", alias),
                }
            } else {
                Store {
                    region: r.to_string(),
                    bucket: Val::lit(bucket),
                    key: Val {
                        cfn: json!({ "Fn::GetStackOutput": {
                            "StackName": names.support_stack(r),
                            "OutputName": "ArtifactKeyArn",
                            "Region": r.to_string(),
                        }}),
                        literal: alias,
                    },
                }
            }
        })
        .collect()
}

/// CodePipeline's rules that no tool checks before deploy.
fn check(decl: &Declaration, span: Span, diags: &mut Diagnostics) {
    let mut report = |code: Code, at: Span, message: String, help: &str| {
        let label = if at == span {
            "in this pipeline"
        } else {
            "in this step"
        };
        diags.push(
            Diagnostic::error(code, at, message)
                .with_label(label)
                .with_help(help.to_string()),
        );
    };
    if let Some(p) = pipeline_name_problem(&decl.name) {
        report(
            Code::PipelineName,
            span,
            format!("the pipeline name `{}` {p}", decl.name),
            "pipelines are named `<app>-<pipeline>`: shorten the app or pipeline name",
        );
    }
    if decl.stages.len() > MAX_STAGES {
        report(
            Code::PipelineQuota,
            span,
            format!(
                "{} stages; a pipeline holds at most {MAX_STAGES}",
                decl.stages.len()
            ),
            "deploy several environments in one stage (`stage [qa, perf]`), or split the pipeline",
        );
    }
    let actions: usize = decl.stages.iter().map(|s| s.actions.len()).sum();
    if actions > MAX_ACTIONS {
        report(
            Code::PipelineQuota,
            span,
            format!("{actions} actions; a pipeline holds at most {MAX_ACTIONS}"),
            "split the pipeline: one per account, or one per group of environments",
        );
    }
    let mut seen: Vec<&str> = Vec::new();
    for stage in &decl.stages {
        if let Some(p) = pipeline_name_problem(&stage.name) {
            report(
                Code::PipelineName,
                stage.span,
                format!("the stage name `{}` {p}", stage.name),
                "stage names come from approval labels: use letters, digits and spaces, at most 100 characters",
            );
        }
        if seen.contains(&stage.name.as_str()) {
            report(
                Code::PipelineName,
                stage.span,
                format!("two stages are named `{}`", stage.name),
                "approval labels name their stages: give each approval its own label",
            );
        }
        seen.push(&stage.name);
        for a in &stage.actions {
            // An approval's action is named like its stage, reported above.
            if let Some(p) = pipeline_name_problem(&a.name).filter(|_| a.name != stage.name) {
                report(
                    Code::PipelineName,
                    stage.span,
                    format!("the action name `{}` in stage `{}` {p}", a.name, stage.name),
                    "deploy actions are named `<stack>@<region>`: shorten the stack name",
                );
            }
            if a.run_order > MAX_RUN_ORDER {
                report(
                    Code::PipelineQuota,
                    stage.span,
                    format!(
                        "action `{}` would run at runOrder {}; at most {MAX_RUN_ORDER}",
                        a.name, a.run_order
                    ),
                    "roll the stage out in fewer, larger waves",
                );
            }
            for (key, v) in &a.configuration {
                if v.literal.is_empty() || v.literal.len() > MAX_CONFIG_VALUE {
                    report(
                        Code::ActionConfiguration,
                        stage.span,
                        format!(
                            "`{key}` of action `{}` is {} characters long; CodePipeline takes 1 to {MAX_CONFIG_VALUE}",
                            a.name,
                            v.literal.len()
                        ),
                        "shorten the value (custom data, review links and repository names are configuration values)",
                    );
                }
            }
        }
    }
}

impl Declaration {
    /// The `Stages` of the `AWS::CodePipeline::Pipeline` resource.
    pub fn cfn_stages(&self) -> Json {
        Json::Array(
            self.stages
                .iter()
                .map(|s| stage_json(s, Form::Cfn))
                .collect(),
        )
    }

    /// `ArtifactStores` of the resource (or `None` when `ArtifactStore` will do).
    pub fn cfn_store(&self) -> (&'static str, Json) {
        let one = |s: &Store| {
            object! {
                "Type" => "S3",
                "Location" => s.bucket.cfn.clone(),
                "EncryptionKey" => object! { "Type" => "KMS", "Id" => s.key.cfn.clone() },
            }
        };
        if self.stores.len() == 1 {
            ("ArtifactStore", one(&self.stores[0]))
        } else {
            (
                "ArtifactStores",
                Json::Array(
                    self.stores
                        .iter()
                        .map(|s| object! { "Region" => &s.region, "ArtifactStore" => one(s) })
                        .collect(),
                ),
            )
        }
    }

    /// The input of `aws codepipeline create-pipeline --cli-input-json`.
    pub fn api(&self, tags: &[(String, String)]) -> Json {
        let one = |s: &Store| {
            json!({
                "type": "S3",
                "location": &s.bucket.literal,
                "encryptionKey": { "id": &s.key.literal, "type": "KMS" },
            })
        };
        let mut p = JsonMap::new();
        p.insert("name", json!(&self.name));
        p.insert("roleArn", json!(&self.role.literal));
        if self.stores.len() == 1 {
            p.insert("artifactStore", one(&self.stores[0]));
        } else {
            let stores: JsonMap = self
                .stores
                .iter()
                .map(|s| (s.region.clone(), one(s)))
                .collect();
            p.insert("artifactStores", Json::Object(stores));
        }
        p.insert(
            "stages",
            Json::Array(
                self.stages
                    .iter()
                    .map(|s| stage_json(s, Form::Api))
                    .collect(),
            ),
        );
        p.insert("version", json!(1));
        p.insert("executionMode", json!(self.execution_mode));
        p.insert("pipelineType", json!("V2"));
        object! {
            "pipeline" => p,
            "tags" => tags.iter().map(|(k, v)| json!({ "key": k, "value": v })).collect::<Vec<_>>(),
        }
    }

    /// What CodePipeline's structure rules (and cfn-lint's E3700-E3703) would refuse,
    /// as text; empty for every declaration `build` makes. Source actions only and all
    /// in the first stage; every input artifact produced by an earlier stage or a
    /// lower runOrder; output names unique; `TemplatePath` reading an input; stage
    /// names unique; action names unique in a stage; every action region with a store;
    /// the configuration each action type requires.
    pub fn structure_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut produced: Vec<(&str, usize, u32)> = Vec::new();
        let mut stage_names: Vec<&str> = Vec::new();
        if self.stages.len() < 2 {
            problems.push(format!("{} stages; at least 2", self.stages.len()));
        }
        for (k, stage) in self.stages.iter().enumerate() {
            if stage_names.contains(&stage.name.as_str()) {
                problems.push(format!("stage `{}` twice", stage.name));
            }
            stage_names.push(&stage.name);
            let mut action_names: Vec<&str> = Vec::new();
            for a in &stage.actions {
                let at = format!("{}/{}", stage.name, a.name);
                if action_names.contains(&a.name.as_str()) {
                    problems.push(format!("action `{at}` twice"));
                }
                action_names.push(&a.name);
                if (a.category == "Source") != (k == 0) {
                    problems.push(format!(
                        "`{at}`: sources belong in the first stage, and only there"
                    ));
                }
                for input in &a.inputs {
                    let earlier = produced
                        .iter()
                        .any(|(n, s, r)| n == input && (*s < k || *r < a.run_order));
                    if !earlier {
                        problems.push(format!(
                            "`{at}` reads `{input}` before any action produces it"
                        ));
                    }
                }
                let mode = a
                    .configuration
                    .iter()
                    .find(|(key, _)| *key == "ActionMode")
                    .map(|(_, v)| v.literal.as_str());
                for key in required_configuration(a.provider, mode) {
                    if !a.configuration.iter().any(|(k, _)| k == key) {
                        problems.push(format!("`{at}` has no `{key}`, which {} needs", a.provider));
                    }
                }
                if let Some((_, v)) = a
                    .configuration
                    .iter()
                    .find(|(key, _)| *key == "TemplatePath")
                {
                    let artifact = v.literal.split("::").next().unwrap_or("");
                    if !a.inputs.contains(&artifact) {
                        problems.push(format!(
                            "`{at}` takes its template from `{artifact}`, not an input"
                        ));
                    }
                }
                for output in &a.outputs {
                    if produced.iter().any(|(n, _, _)| n == output) {
                        problems.push(format!("`{at}` produces `{output}` again"));
                    }
                    produced.push((output, k, a.run_order));
                }
                if let Some(t) = &a.target {
                    if !self.stores.iter().any(|s| s.region == t.region) {
                        problems.push(format!(
                            "`{at}` runs in {} without an artifact store",
                            t.region
                        ));
                    }
                }
            }
        }
        problems
    }

    /// Every deploy action's target, in stage order.
    pub fn targets(&self) -> impl Iterator<Item = &Target> {
        self.stages
            .iter()
            .flat_map(|s| &s.actions)
            .filter_map(|a| a.target.as_ref())
    }
}

/// The configuration each action type requires (the CodePipeline action reference),
/// by provider and, for CloudFormation, action mode.
fn required_configuration(provider: &str, mode: Option<&str>) -> &'static [&'static str] {
    match (provider, mode) {
        ("CodeStarSourceConnection", _) => &["ConnectionArn", "FullRepositoryId", "BranchName"],
        ("CodeCommit", _) => &["RepositoryName", "BranchName"],
        ("S3", _) => &["S3Bucket", "S3ObjectKey"],
        ("CodeBuild", _) => &["ProjectName"],
        ("CloudFormation", Some("CREATE_UPDATE")) => {
            &["ActionMode", "StackName", "TemplatePath", "RoleArn"]
        }
        ("CloudFormation", Some("CHANGE_SET_REPLACE")) => &[
            "ActionMode",
            "StackName",
            "ChangeSetName",
            "TemplatePath",
            "RoleArn",
        ],
        ("CloudFormation", Some("CHANGE_SET_EXECUTE")) => {
            &["ActionMode", "StackName", "ChangeSetName"]
        }
        ("CloudFormation", _) => &["ActionMode", "StackName"],
        _ => &[],
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Form {
    Cfn,
    Api,
}

fn stage_json(s: &Stage, form: Form) -> Json {
    let key = |pascal: &'static str, camel: &'static str| match form {
        Form::Cfn => pascal,
        Form::Api => camel,
    };
    let actions: Vec<Json> = s
        .actions
        .iter()
        .map(|a| {
            let mut m = JsonMap::with_capacity(9);
            m.insert(key("Name", "name"), json!(&a.name));
            m.insert(
                key("ActionTypeId", "actionTypeId"),
                object! {
                    key("Category", "category") => a.category,
                    key("Owner", "owner") => "AWS",
                    key("Provider", "provider") => a.provider,
                    key("Version", "version") => "1",
                },
            );
            if !a.configuration.is_empty() {
                let config: JsonMap = a
                    .configuration
                    .iter()
                    .map(|(k, v)| {
                        let v = match form {
                            Form::Cfn => v.cfn.clone(),
                            Form::Api => Json::from(v.literal.clone()),
                        };
                        (k.to_string(), v)
                    })
                    .collect();
                m.insert(key("Configuration", "configuration"), Json::Object(config));
            }
            let artifacts = |names: &[&str]| {
                Json::Array(
                    names
                        .iter()
                        .map(|n| object! { key("Name", "name") => n.to_string() })
                        .collect(),
                )
            };
            if !a.inputs.is_empty() {
                m.insert(
                    key("InputArtifacts", "inputArtifacts"),
                    artifacts(&a.inputs),
                );
            }
            if !a.outputs.is_empty() {
                m.insert(
                    key("OutputArtifacts", "outputArtifacts"),
                    artifacts(&a.outputs),
                );
            }
            if let Some(t) = &a.target {
                m.insert(key("Region", "region"), json!(&t.region));
                m.insert(key("RoleArn", "roleArn"), json!(&t.role_arn));
            }
            m.insert(key("RunOrder", "runOrder"), json!(a.run_order));
            if let Some(t) = a.timeout_minutes {
                m.insert(key("TimeoutInMinutes", "timeoutInMinutes"), json!(t));
            }
            Json::Object(m)
        })
        .collect();
    object! { key("Name", "name") => &s.name, key("Actions", "actions") => actions }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(
        name: &str,
        category: &'static str,
        inputs: Vec<&'static str>,
        outputs: Vec<&'static str>,
    ) -> Action {
        Action {
            name: name.into(),
            category,
            provider: "X",
            run_order: 1,
            configuration: Vec::new(),
            inputs,
            outputs,
            target: None,
            timeout_minutes: None,
        }
    }

    fn stage(name: &str, actions: Vec<Action>) -> Stage {
        Stage {
            name: name.into(),
            kind: StageKind::Build,
            actions,
            span: Span::new(crate::span::FileId(0), 0, 0),
        }
    }

    #[test]
    fn structure_problems_are_found() {
        let decl = |stages| Declaration {
            name: "p".into(),
            role: Val::lit("r"),
            execution_mode: "SUPERSEDED",
            stores: Vec::new(),
            stages,
        };
        let good = decl(vec![
            stage(
                "Source",
                vec![action("Source", "Source", vec![], vec!["Source"])],
            ),
            stage(
                "Build",
                vec![action("Synth", "Build", vec!["Source"], vec!["Build"])],
            ),
        ]);
        assert!(
            good.structure_problems().is_empty(),
            "{:?}",
            good.structure_problems()
        );
        let bad = decl(vec![
            stage(
                "Source",
                vec![action("Synth", "Build", vec!["Build"], vec!["Source"])],
            ),
            stage(
                "Source",
                vec![
                    action("Source", "Source", vec![], vec!["Source"]),
                    action("Source", "Build", vec![], vec![]),
                ],
            ),
        ]);
        let problems = bad.structure_problems().join("\n");
        for want in [
            "before any action produces it",
            "stage `Source` twice",
            "action `Source/Source` twice",
            "sources belong",
            "produces `Source` again",
        ] {
            assert!(problems.contains(want), "{want}: {problems}");
        }
        let mut deploy = good.clone();
        deploy.stages[1].actions[0].provider = "CloudFormation";
        deploy.stages[1].actions[0]
            .configuration
            .push(("ActionMode", Val::lit("CREATE_UPDATE")));
        let missing = deploy.structure_problems().join("\n");
        assert!(
            missing.contains("has no `StackName`") && missing.contains("has no `RoleArn`"),
            "{missing}"
        );
        let mut no_template = good.clone();
        no_template.stages[1].actions[0]
            .configuration
            .push(("TemplatePath", Val::lit("Other::a.json")));
        assert!(no_template.structure_problems()[0].contains("not an input"));
    }

    #[test]
    fn topic_ids_are_camel_case() {
        assert_eq!(topic_id("Promote-to-prod"), "PromoteToProdTopic");
        assert_eq!(topic_id("Approve-prod"), "ApproveProdTopic");
    }
}
