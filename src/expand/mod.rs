//! Expansion: evaluates every stack for every selected environment and region into a
//! [`StackInstance`] holding plain CloudFormation resources and outputs. Component
//! calls are flattened here, cross-stack references become export/import pairs, and
//! value-level checks (types, schema shapes, secrets, compile-time-ness) happen here
//! with the values in hand. Errors are collected; nothing is thrown.

pub mod builtins;
mod env;
mod eval;
mod options;
mod props;
pub mod value;

use crate::Map;
use serde_json::Value as Json;

use crate::codes::Code;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::resolve::Checked;
use crate::span::Span;

pub use env::{AppInfo, Approval, EnvInfo};

/// What the caller selects and overrides.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Only these environments (all when empty).
    pub envs: Vec<String>,
    /// Only these regions (all when empty).
    pub regions: Vec<String>,
    /// `--param name=value`, in order given.
    pub params: Vec<(String, String)>,
}

/// One CloudFormation resource.
#[derive(Clone, Debug)]
pub struct CfnResource {
    pub type_name: String,
    pub properties: Map<String, Json>,
    pub depends_on: Vec<String>,
    pub deletion_policy: Option<String>,
    pub update_replace_policy: Option<String>,
    pub update_policy: Option<Json>,
    pub creation_policy: Option<Json>,
    pub metadata: Option<Json>,
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
    /// It imports an output (`network.vpc_id`).
    Import { output: String },
    /// `depends_on = [network]`.
    Explicit,
}

#[derive(Clone, Debug)]
pub struct Dependency {
    pub stack: String,
    pub kind: DependencyKind,
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
    pub span: Span,
}

/// Every stack instance of the selected environments and regions, in a stable order:
/// environments as declared, their regions as listed, stacks as declared.
#[derive(Debug)]
pub struct Expanded {
    pub app: AppInfo,
    pub envs: Vec<EnvInfo>,
    pub stacks: Vec<StackInstance>,
}

pub fn expand(checked: &Checked, options: &Options) -> (Option<Expanded>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let root = root_span();
    let params = env::params(checked, &options.params, &mut diags);
    let app = env::app(checked, &params, &mut diags);
    let envs = env::environments(checked, &params, &mut diags);
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
    let (stacks, eval_diags) = ex.finish(&envs, &selected);
    diags.extend(eval_diags);
    if diags.has_errors() {
        return (None, diags);
    }
    (Some(Expanded { app, envs, stacks }), diags)
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
