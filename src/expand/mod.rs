//! Expansion: evaluates every stack for every selected environment and region into a
//! [`StackInstance`] holding plain CloudFormation resources and outputs. Component
//! calls are flattened here, cross-stack references become export/import pairs, and
//! value-level checks (types, schema shapes, secrets, compile-time-ness) happen here
//! with the values in hand. Errors are collected; nothing is thrown.

pub mod builtins;
mod env;
mod eval;
mod options;
mod pipeline;
mod props;
pub mod value;

use crate::json::Value as Json;
use crate::Map;

use crate::codes::Code;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::resolve::Checked;
use crate::span::Span;

pub use env::{AppInfo, Approval, EnvInfo};
pub use eval::export_name;
pub use pipeline::{ApprovalDef, BuildDef, ExecutionPolicy, PipelineDef, SourceDef, StepDef};

/// What the caller selects and overrides.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Only these environments (all when empty).
    pub envs: Vec<String>,
    /// Only these regions (all when empty).
    pub regions: Vec<String>,
    /// `--param name=value`, in order given.
    pub params: Vec<(String, String)>,
    /// The previous build's `manifest.json` (`graph::read_previous_manifest` of its
    /// text), to refuse removing exports in use.
    pub previous_manifest: Option<Result<crate::graph::PreviousManifest, String>>,
    /// `--allow-export-removal`: skip that check.
    pub allow_export_removal: bool,
    /// `--expect-pipeline NAME=DIGEST`: the digest of each deployed pipeline's
    /// declaration; a build whose pipeline differs fails (the pipeline's own build
    /// step passes it, so a stale pipeline never deploys).
    pub expect_pipelines: Vec<(String, String)>,
    /// `--ci github-actions`: a GitHub Actions workflow per pipeline, next to it.
    pub github_actions: bool,
}

/// One CloudFormation resource.
#[derive(Clone, Debug)]
pub struct CfnResource {
    pub type_name: String,
    pub properties: crate::json::Map,
    pub depends_on: Vec<String>,
    pub deletion_policy: Option<String>,
    pub update_replace_policy: Option<String>,
    pub update_policy: Option<Json>,
    pub creation_policy: Option<Json>,
    pub metadata: Option<Json>,
    /// Every reference to another resource of the template, where it is written.
    pub refs: Vec<ResourceDependency>,
    /// The stack-level component instance that made it: (instance, component).
    pub component: Option<(String, String)>,
    pub span: Span,
    /// Whether its properties may read something while CloudFormation deploys it: a
    /// dynamic reference (`{{resolve:...}}`), an SSM image id (`resolve:ssm:...`) or
    /// `Fn::GetStackOutput`. A superset, noted as each property is built (while its
    /// JSON is fresh in the cache), so that the execution roles' read permissions are
    /// looked for in these resources only.
    pub reads_at_deploy: bool,
}

/// Whether a string may read something while CloudFormation deploys it: a dynamic
/// reference (`{{resolve:...}}`) or an SSM image id (`resolve:ssm:...`). A superset
/// (any `{`), one byte scan for most strings, which hold neither form.
pub fn text_may_read(s: &str) -> bool {
    s.starts_with("resolve:") || s.contains('{')
}

/// The argument of `m` when `m` is the intrinsic `{"Fn::GetStackOutput": ...}`: an
/// object of that one key.
pub fn stack_output_read(m: &crate::json::Map) -> Option<&Json> {
    match m.iter().next() {
        Some((k, v)) if m.len() == 1 && k == "Fn::GetStackOutput" => Some(v),
        _ => None,
    }
}

/// How one resource refers to another of its template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefKind {
    /// `{"Ref": id}`.
    Ref,
    /// `{"Fn::GetAtt": [id, attribute]}`.
    GetAtt(String),
    /// `${id}` or `${id.Attribute}` in a `Fn::Sub` template.
    Sub,
    /// `DependsOn`.
    DependsOn,
}

impl RefKind {
    /// The mechanism, in a word, for graph labels.
    pub fn mechanism(&self) -> &'static str {
        match self {
            RefKind::Ref => "ref",
            RefKind::GetAtt(_) => "getatt",
            RefKind::Sub => "sub",
            RefKind::DependsOn => "depends_on",
        }
    }
}

#[derive(Clone, Debug)]
pub struct ResourceDependency {
    /// The logical ID referred to (a resource of the same template, or a name that is
    /// not a resource, such as a pseudo parameter: the graph keeps only resources).
    pub target: String,
    pub kind: RefKind,
    /// The property or option whose value holds the reference.
    pub span: Span,
}

/// A stack output, and its export when another stack imports it.
#[derive(Clone, Debug)]
pub struct StackOutput {
    pub logical_id: String,
    pub value: Json,
    pub export: Option<String>,
    pub span: Span,
}

/// Why one stack instance depends on another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DependencyKind {
    /// It imports an output through an export (`network.vpc_id`): CloudFormation
    /// then refuses to change or remove that output while it is imported.
    Import { output: String },
    /// It reads an output with `Fn::GetStackOutput` (`weak(network).vpc_id`, and every
    /// read from another region): no export, no lock.
    Read { output: String },
    /// `depends_on = [network]`.
    Explicit,
}

impl DependencyKind {
    /// The mechanism, in a word, for graph labels.
    pub fn mechanism(&self) -> &'static str {
        match self {
            DependencyKind::Import { .. } => "import",
            DependencyKind::Read { .. } => "get-stack-output",
            DependencyKind::Explicit => "depends_on",
        }
    }

    /// The output read, when the dependency reads one.
    pub fn output(&self) -> Option<&str> {
        match self {
            DependencyKind::Import { output } | DependencyKind::Read { output } => Some(output),
            DependencyKind::Explicit => None,
        }
    }
}

/// One stack instance needs another of the same environment deployed first.
#[derive(Clone, Debug)]
pub struct Dependency {
    pub stack: String,
    /// The other instance's region (the same region unless read across regions).
    pub region: String,
    pub kind: DependencyKind,
    /// The reference in the source.
    pub span: Span,
}

/// One stack for one environment and region.
#[derive(Clone, Debug)]
pub struct StackInstance {
    pub env: String,
    pub account: String,
    pub region: String,
    pub stack: String,
    /// `<app>-<env>-<stack>`.
    pub stack_name: String,
    pub description: String,
    pub resources: Map<String, CfnResource>,
    pub outputs: Map<String, StackOutput>,
    pub depends_on: Vec<Dependency>,
    /// Export names this stack imports.
    pub imports: Vec<String>,
    /// Outputs exported by `exports = [...]`, imported or not.
    pub kept_exports: Vec<String>,
    pub span: Span,
}

/// Every stack instance of the selected environments and regions, in a stable order:
/// environments as declared, their regions as listed, stacks as declared.
#[derive(Debug)]
pub struct Expanded {
    pub app: AppInfo,
    pub envs: Vec<EnvInfo>,
    /// The instances to build.
    pub stacks: Vec<StackInstance>,
    /// Instances outside the selection that selected ones read (a region left out by
    /// `--region`): evaluated for their values and their place in the deploy order,
    /// never emitted.
    pub context: Vec<StackInstance>,
    /// The program's pipelines, evaluated.
    pub pipelines: Vec<PipelineDef>,
}

impl Expanded {
    /// Instance `i` of `stacks` followed by `context`, as the stack graph numbers them.
    pub fn instance(&self, i: usize) -> &StackInstance {
        self.stacks
            .get(i)
            .unwrap_or_else(|| &self.context[i - self.stacks.len()])
    }

    /// How many instances the stack graph has: `stacks`, then `context`.
    pub fn instance_count(&self) -> usize {
        self.stacks.len() + self.context.len()
    }
}

pub fn expand(checked: &Checked, options: &Options) -> (Option<Expanded>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let root = root_span();
    let params = env::params(checked, &options.params, &mut diags);
    let app = env::app(checked, &params, &mut diags);
    let envs = env::environments(checked, &params, &mut diags);
    let pipelines = pipeline::pipelines(checked, &params, &mut diags);
    if checked.stacks.is_empty() {
        diags.push(
            Diagnostic::error(Code::MissingItem, root, "the program declares no stack")
                .with_label("nothing to build")
                .with_help("add `stack name { ... }` with the resources to deploy"),
        );
    }
    let (Some(app), Some(envs)) = (app, envs) else {
        return (None, diags);
    };
    if diags.has_errors() {
        return (None, diags);
    }
    let selected = match select(&envs, options, root, &mut diags) {
        Some(s) => s,
        None => return (None, diags),
    };
    let mut ex = eval::Expander::new(checked, &app, &params);
    for (e, region) in &selected {
        for stack in checked.stacks.keys() {
            ex.instance(&envs[*e], region, stack);
        }
    }
    let (stacks, context, eval_diags) = ex.finish(&envs, &selected);
    diags.extend(eval_diags);
    if diags.has_errors() {
        return (None, diags);
    }
    (
        Some(Expanded {
            app,
            envs,
            stacks,
            context,
            pipelines,
        }),
        diags,
    )
}

/// The (environment index, region) pairs to build, after `--env` / `--region`.
fn select(
    envs: &[EnvInfo],
    options: &Options,
    root: Span,
    diags: &mut Diagnostics,
) -> Option<Vec<(usize, String)>> {
    for name in &options.envs {
        if !envs.iter().any(|e| &e.name == name) {
            diags.push(
                Diagnostic::error(
                    Code::UnknownName,
                    root,
                    format!("--env {name}: no such environment"),
                )
                .with_label("selected on the command line")
                .with_suggestion(name, envs.iter().map(|e| e.name.as_str())),
            );
        }
    }
    for r in &options.regions {
        if !envs.iter().any(|e| e.regions.contains(r)) {
            diags.push(
                Diagnostic::error(
                    Code::BadRegion,
                    root,
                    format!("--region {r}: no environment deploys to this region"),
                )
                .with_label("selected on the command line")
                .with_suggestion(
                    r,
                    envs.iter()
                        .flat_map(|e| e.regions.iter().map(String::as_str)),
                ),
            );
        }
    }
    if diags.has_errors() {
        return None;
    }
    let mut out = Vec::new();
    for (i, e) in envs.iter().enumerate() {
        if !options.envs.is_empty() && !options.envs.contains(&e.name) {
            continue;
        }
        for r in &e.regions {
            if options.regions.is_empty() || options.regions.contains(r) {
                out.push((i, r.clone()));
            }
        }
    }
    if out.is_empty() {
        diags.push(
            Diagnostic::error(
                Code::UnknownName,
                root,
                "--env and --region together select no environment and region",
            )
            .with_label("nothing to build")
            .with_help("every selected environment must deploy to at least one selected region"),
        );
        return None;
    }
    Some(out)
}

/// The CloudFormation stack name of a stack in an environment: `<app>-<env>-<stack>`,
/// underscores as hyphens (stack names allow letters, digits and hyphens only).
pub fn stack_name(app: &str, env: &str, stack: &str) -> String {
    format!(
        "{app}-{}-{}",
        env.replace('_', "-"),
        stack.replace('_', "-")
    )
}

/// The start of the root file: where problems with no place in the source point
/// (command-line options, a missing `app`).
pub(crate) fn root_span() -> Span {
    Span::new(crate::span::FileId(0), 0, 0)
}
