//! Pipelines evaluated: every setting and option of a checked `pipeline` block
//! computed (params are in scope) and checked against its type, into the typed
//! [`PipelineDef`] that planning and emission read. The shape of the block (which
//! settings exist, step order, enumerations) was checked by `resolve`.

use crate::codes::Code;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::resolve::Checked;
use crate::span::Span;
use crate::syntax::ast::{self, Entry, Expr, ExprKind, PipelineStep};
use crate::types::Type;
use crate::Map;

use super::env::check_or_report;
use super::eval::Expander;
use super::value::Value;
use crate::pipeline::plan::{DeployMode, Rollout};

/// Approval timeouts CodePipeline accepts, in minutes: 5 minutes to 60 days.
const APPROVAL_TIMEOUT: std::ops::RangeInclusive<u64> = 5..=60 * 24 * 60;
/// CodeBuild build timeouts, in minutes.
const BUILD_TIMEOUT: std::ops::RangeInclusive<u64> = 5..=36 * 60;
/// CodePipeline's quota of actions in one stage.
pub const MAX_ACTIONS_PER_STAGE: usize = 50;

#[derive(Clone, Debug, PartialEq)]
pub struct PipelineDef {
    pub name: String,
    pub account: String,
    pub region: String,
    pub source: SourceDef,
    pub build: BuildDef,
    pub steps: Vec<StepDef>,
    /// `SUPERSEDED` (default) or `QUEUED`.
    pub execution_mode: &'static str,
    /// Deploy stages with more actions are split at runOrder boundaries (1..=50).
    pub max_actions_per_stage: usize,
    /// What the CloudFormation execution roles may do.
    pub execution_policy: ExecutionPolicy,
    /// `approvals = explicit`: a protected environment needs a written approval.
    pub explicit_approvals: bool,
    /// The whole block, and its name.
    pub span: Span,
    pub name_span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SourceDef {
    /// GitHub, Bitbucket or GitLab through a CodeStar connection.
    Connection {
        /// `GitHub`, `Bitbucket`, `GitLab`.
        provider: &'static str,
        repo: String,
        branch: String,
        connection: String,
        full_clone: bool,
    },
    CodeCommit {
        repo: String,
        branch: String,
    },
    S3 {
        bucket: String,
        key: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct BuildDef {
    pub image: String,
    pub compute: String,
    pub timeout_minutes: u64,
    /// The root `.sleuth` file, relative to the repository root.
    pub path: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StepDef {
    Stage {
        envs: Vec<String>,
        rollout: Rollout,
        deploy: DeployMode,
        span: Span,
    },
    Approve {
        approval: ApprovalDef,
        span: Span,
    },
}

/// The policy of the CloudFormation execution role in each target account and region.
#[derive(Clone, Debug, PartialEq)]
pub enum ExecutionPolicy {
    /// The handler permissions of the resource types deployed there (the default).
    Derived,
    /// `AdministratorAccess`.
    Admin,
    /// These managed policies.
    Managed(Vec<String>),
}

/// A manual approval step.
#[derive(Clone, Debug, PartialEq)]
pub struct ApprovalDef {
    pub label: String,
    /// E-mail addresses, subscribed to the step's SNS topic.
    pub notify: Vec<String>,
    /// `None`: CodePipeline's default (7 days).
    pub timeout_minutes: Option<u64>,
    pub review_url: Option<String>,
    pub custom_data: Option<String>,
}

/// Evaluates every pipeline of the program.
pub fn pipelines(
    checked: &Checked,
    params: &Map<String, Value>,
    diags: &mut Diagnostics,
) -> Vec<PipelineDef> {
    checked
        .pipelines
        .values()
        .filter_map(|p| {
            Eval {
                checked,
                params,
                diags,
            }
            .pipeline(p)
        })
        .collect()
}

struct Eval<'a> {
    checked: &'a Checked,
    params: &'a Map<String, Value>,
    diags: &'a mut Diagnostics,
}

impl Eval<'_> {
    /// `e` evaluated and checked against `ty`; `None` after reporting.
    fn typed(&mut self, e: &Expr, ty: &Type, what: &str) -> Option<Value> {
        let v = Expander::eval_global(self.checked, e, self.params, self.diags);
        let v = check_or_report(
            v,
            ty,
            e.span,
            Some(e),
            None,
            what,
            self.checked,
            self.params,
            self.diags,
        );
        (!v.is_error()).then_some(v)
    }

    fn string(&mut self, e: &Expr, ty: &Type, what: &str) -> Option<String> {
        match self.typed(e, ty, what)? {
            Value::Str(s) => Some(s),
            _ => {
                self.diags.push(
                    Diagnostic::error(
                        Code::DeployTime,
                        e.span,
                        format!("{what} must be known at compile time"),
                    )
                    .with_label("only known at deploy time"),
                );
                None
            }
        }
    }

    fn minutes(
        &mut self,
        e: &Expr,
        range: std::ops::RangeInclusive<u64>,
        what: &str,
    ) -> Option<u64> {
        let Value::Duration(seconds) = self.typed(e, &Type::Duration, what)? else {
            return None;
        };
        if seconds % 60 != 0 || !range.contains(&(seconds / 60)) {
            self.diags.push(
                Diagnostic::error(
                    Code::BadDuration,
                    e.span,
                    format!(
                        "{what} must be whole minutes from {} to {} minutes",
                        range.start(),
                        range.end()
                    ),
                )
                .with_label("out of range"),
            );
            return None;
        }
        Some(seconds / 60)
    }

    fn pipeline(&mut self, p: &ast::Pipeline) -> Option<PipelineDef> {
        let (mut account, mut region, mut source) = (None, None, None);
        let mut build = BuildDef {
            image: "aws/codebuild/amazonlinux-x86_64-standard:5.0".into(),
            compute: "BUILD_GENERAL1_SMALL".into(),
            timeout_minutes: 30,
            path: None,
        };
        let mut steps = Vec::new();
        let mut execution_mode = "SUPERSEDED";
        let mut max_actions_per_stage = MAX_ACTIONS_PER_STAGE;
        let mut execution_policy = ExecutionPolicy::Derived;
        let mut explicit_approvals = false;
        let mut ok = true;
        for step in &p.steps {
            match step {
                PipelineStep::Setting { name, value } => {
                    match name.node.as_str() {
                        "account" => account = self.string(value, &Type::AccountId, "`account`"),
                        "region" => region = self.string(value, &Type::Region, "`region`"),
                        "source" => source = self.source(value),
                        "execution_mode" => {
                            if matches!(&value.kind, ExprKind::Name(n) if n == "queued") {
                                execution_mode = "QUEUED";
                            }
                        }
                        "approvals" => {
                            explicit_approvals =
                                matches!(&value.kind, ExprKind::Name(n) if n == "explicit")
                        }
                        "execution_policy" => match &value.kind {
                            ExprKind::Name(n) if n == "admin" => {
                                execution_policy = ExecutionPolicy::Admin
                            }
                            ExprKind::Name(_) => {}
                            _ => match self.typed(
                                value,
                                &Type::List(Box::new(Type::Arn)),
                                "`execution_policy`",
                            ) {
                                Some(Value::List(xs)) if !xs.is_empty() => {
                                    execution_policy = ExecutionPolicy::Managed(
                                        xs.into_iter()
                                            .filter_map(|x| match x {
                                                Value::Str(s) => Some(s),
                                                _ => None,
                                            })
                                            .collect(),
                                    )
                                }
                                Some(_) => {
                                    self.diags.push(
                                    Diagnostic::error(
                                        Code::PipelineSetting,
                                        value.span,
                                        "`execution_policy` lists no policy",
                                    )
                                    .with_label("empty")
                                    .with_help("name managed policy ARNs, or write `derived` or `admin`"),
                                );
                                    ok = false;
                                }
                                None => ok = false,
                            },
                        },
                        "max_actions_per_stage" => {
                            match self.typed(value, &Type::Int, "`max_actions_per_stage`") {
                                Some(Value::Int(n))
                                    if (1..=MAX_ACTIONS_PER_STAGE as i64).contains(&n) =>
                                {
                                    max_actions_per_stage = n as usize
                                }
                                Some(_) => {
                                    self.diags.push(
                                Diagnostic::error(
                                    Code::PipelineSetting,
                                    value.span,
                                    format!("`max_actions_per_stage` must be from 1 to {MAX_ACTIONS_PER_STAGE}"),
                                )
                                .with_label("CodePipeline allows at most 50 actions in a stage"),
                            );
                                    ok = false;
                                }
                                None => ok = false,
                            }
                        }
                        // Checked by resolve; used when the pipeline is emitted.
                        _ => {}
                    }
                }
                PipelineStep::Settings { entries, .. } => {
                    for e in entries {
                        match e.key.node.as_str() {
                            "image" => {
                                build.image = self
                                    .string(&e.value, &Type::String, "`image`")
                                    .unwrap_or(build.image)
                            }
                            "compute" => {
                                build.compute = self
                                    .string(&e.value, &Type::String, "`compute`")
                                    .unwrap_or(build.compute)
                            }
                            "path" => build.path = self.string(&e.value, &Type::String, "`path`"),
                            "timeout" => {
                                build.timeout_minutes = self
                                    .minutes(&e.value, BUILD_TIMEOUT, "a build timeout")
                                    .unwrap_or(build.timeout_minutes)
                            }
                            _ => {}
                        }
                    }
                }
                PipelineStep::Stage {
                    envs,
                    options,
                    span,
                } => {
                    let rollout = option(options, "rollout").map_or(Rollout::Parallel, rollout);
                    let deploy = match option(options, "deploy").map(|e| &e.kind) {
                        Some(ExprKind::Name(n)) if n == "change_set" => DeployMode::ChangeSet,
                        _ => DeployMode::CreateUpdate,
                    };
                    steps.push(StepDef::Stage {
                        envs: envs.iter().map(|e| e.node.clone()).collect(),
                        rollout,
                        deploy,
                        span: *span,
                    });
                }
                PipelineStep::Approve {
                    label,
                    options,
                    span,
                } => {
                    let notify = match option(options, "notify") {
                        Some(e) => {
                            match self.typed(e, &Type::List(Box::new(Type::String)), "`notify`") {
                                Some(Value::List(xs)) => xs
                                    .into_iter()
                                    .filter_map(|x| match x {
                                        Value::Str(s) if s.contains('@') => Some(s),
                                        Value::Str(s) => {
                                            self.diags.push(
                                                Diagnostic::error(
                                                    Code::TypeMismatch,
                                                    e.span,
                                                    format!("`{s}` is not an e-mail address"),
                                                )
                                                .with_label("approvals notify e-mail addresses"),
                                            );
                                            ok = false;
                                            None
                                        }
                                        _ => None,
                                    })
                                    .collect(),
                                _ => Vec::new(),
                            }
                        }
                        None => Vec::new(),
                    };
                    let timeout_minutes = option(options, "timeout")
                        .and_then(|e| self.minutes(e, APPROVAL_TIMEOUT, "an approval timeout"));
                    let review_url = option(options, "review_url")
                        .and_then(|e| self.string(e, &Type::String, "`review_url`"));
                    let custom_data = option(options, "custom_data")
                        .and_then(|e| self.string(e, &Type::String, "`custom_data`"));
                    steps.push(StepDef::Approve {
                        approval: ApprovalDef {
                            label: label.node.clone(),
                            notify,
                            timeout_minutes,
                            review_url,
                            custom_data,
                        },
                        span: *span,
                    });
                }
            }
        }
        if !ok {
            return None;
        }
        Some(PipelineDef {
            name: p.name.node.clone(),
            account: account?,
            region: region?,
            source: source?,
            build,
            steps,
            execution_mode,
            max_actions_per_stage,
            execution_policy,
            explicit_approvals,
            span: p.span,
            name_span: p.name.span,
        })
    }

    fn source(&mut self, e: &Expr) -> Option<SourceDef> {
        let ExprKind::Call(callee, args) = &e.kind else {
            return None;
        };
        let ExprKind::Name(kind) = &callee.kind else {
            return None;
        };
        let arg = |this: &mut Self, name: &str, ty: &Type| -> Option<String> {
            let a = args
                .iter()
                .find(|a| a.name.as_ref().is_some_and(|n| n.node == name))?;
            this.string(&a.value, ty, &format!("`{name}`"))
        };
        let flag = |name: &str| {
            args.iter()
                .find(|a| a.name.as_ref().is_some_and(|n| n.node == name))
                .is_some_and(|a| matches!(a.value.kind, ExprKind::Bool(true)))
        };
        Some(match kind.as_str() {
            "github" | "bitbucket" | "gitlab" => SourceDef::Connection {
                provider: match kind.as_str() {
                    "github" => "GitHub",
                    "bitbucket" => "Bitbucket",
                    _ => "GitLab",
                },
                repo: arg(self, "repo", &Type::String)?,
                branch: arg(self, "branch", &Type::String).unwrap_or_else(|| "main".into()),
                connection: arg(self, "connection", &Type::Arn)?,
                full_clone: flag("full_clone"),
            },
            "codecommit" => SourceDef::CodeCommit {
                repo: arg(self, "repo", &Type::String)?,
                branch: arg(self, "branch", &Type::String).unwrap_or_else(|| "main".into()),
            },
            "s3" => SourceDef::S3 {
                bucket: arg(self, "bucket", &Type::String)?,
                key: arg(self, "key", &Type::String)?,
            },
            _ => return None,
        })
    }
}

fn option<'e>(options: &'e [Entry], key: &str) -> Option<&'e Expr> {
    options.iter().find(|o| o.key.node == key).map(|o| &o.value)
}

/// `parallel`, `sequential` or `waves(n)` (shape checked by resolve).
fn rollout(e: &Expr) -> Rollout {
    match &e.kind {
        ExprKind::Name(n) if n == "sequential" => Rollout::Sequential,
        ExprKind::Call(_, args) => match args.first().map(|a| &a.value.kind) {
            Some(ExprKind::Int(n)) if *n >= 1 => Rollout::Waves(*n as usize),
            _ => Rollout::Parallel,
        },
        _ => Rollout::Parallel,
    }
}
