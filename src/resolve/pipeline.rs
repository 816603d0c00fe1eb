//! Static checks of `pipeline` blocks: settings and their required ones, the source
//! constructor and its arguments, stage environments, stage and approval options,
//! and the order of steps (an approval must guard a stage that follows it; an
//! environment is deployed by one stage). Values are checked like any expression;
//! the enumerations (`rollout = waves(1)`, `execution_mode = queued`) are checked here.

use crate::codes::Code;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::span::Span;
use crate::syntax::ast::{self, Entry, Expr, ExprKind, PipelineStep};

use super::Checked;

/// `name = value` settings of a pipeline, and whether each is required.
const SETTINGS: &[(&str, bool)] = &[
    ("account", true),
    ("region", true),
    ("source", true),
    ("execution_mode", false),
    ("max_actions_per_stage", false),
    ("execution_policy", false),
    ("approvals", false),
];
/// `name { ... }` groups of settings, with their keys.
const BLOCKS: &[(&str, &[&str])] = &[("build", &["image", "compute", "timeout", "path"])];
const STAGE_OPTIONS: &[&str] = &["rollout", "deploy"];
const APPROVAL_OPTIONS: &[&str] = &["notify", "timeout", "review_url", "custom_data"];
/// Not `parallel`: concurrent executions would update the same stacks at once.
const EXECUTION_MODES: &[&str] = &["superseded", "queued"];
const DEPLOY_MODES: &[&str] = &["create_update", "change_set"];

/// Source constructors: name, then (parameter, required).
const SOURCES: &[(&str, &[(&str, bool)])] = &[
    ("github", CONNECTION_ARGS),
    ("bitbucket", CONNECTION_ARGS),
    ("gitlab", CONNECTION_ARGS),
    ("codecommit", &[("repo", true), ("branch", false)]),
    ("s3", &[("bucket", true), ("key", true)]),
];
const CONNECTION_ARGS: &[(&str, bool)] = &[
    ("repo", true),
    ("connection", true),
    ("branch", false),
    ("full_clone", false),
];

/// Checks one pipeline; `value` checks an expression as the rest of the program does.
pub fn check_pipeline(
    program: &Checked,
    p: &ast::Pipeline,
    diags: &mut Diagnostics,
    value: &mut dyn FnMut(&Expr, &mut Diagnostics),
) {
    let mut seen: Vec<(&str, Span)> = Vec::new();
    let mut staged: Vec<(&str, Span)> = Vec::new();
    let mut pending_approval: Option<Span> = None;
    for step in &p.steps {
        match step {
            PipelineStep::Setting { name, value: v } => {
                let key = name.node.as_str();
                if !SETTINGS.iter().any(|(s, _)| *s == key) {
                    diags.push(unknown_setting(name));
                    continue;
                }
                if let Some((_, prev)) = seen.iter().find(|(s, _)| *s == key) {
                    diags.push(twice(name, *prev));
                    continue;
                }
                seen.push((key, name.span));
                match key {
                    "source" => source(v, diags, value),
                    "execution_mode" => enumeration(v, "an execution mode", EXECUTION_MODES, diags),
                    // `auto`: a protected environment gets an approval; `explicit`:
                    // one without a written approval is an error.
                    "approvals" => {
                        enumeration(v, "an approvals policy", &["auto", "explicit"], diags)
                    }
                    // `derived`, `admin`, or a list of managed policy ARNs.
                    "execution_policy" if matches!(v.kind, ExprKind::Name(_)) => {
                        enumeration(v, "an execution policy", &["derived", "admin"], diags)
                    }
                    _ => value(v, diags),
                }
            }
            PipelineStep::Settings { name, entries, .. } => {
                let Some((_, keys)) = BLOCKS.iter().find(|(b, _)| *b == name.node) else {
                    diags.push(unknown_setting(name));
                    continue;
                };
                options(entries, keys, &format!("`{}`", name.node), diags, value);
            }
            PipelineStep::Stage {
                envs,
                options: opts,
                span,
            } => {
                for env in envs {
                    if !program.envs.iter().any(|e| e.name.node == env.node) {
                        diags.push(
                            Diagnostic::error(
                                Code::UnknownName,
                                env.span,
                                format!("no environment `{}`", env.node),
                            )
                            .with_label("not declared in `environments`")
                            .with_suggestion(
                                &env.node,
                                program.envs.iter().map(|e| e.name.node.as_str()),
                            ),
                        );
                    } else if let Some((_, prev)) = staged.iter().find(|(e, _)| *e == env.node) {
                        diags.push(
                            Diagnostic::error(
                                Code::EnvStagedTwice,
                                env.span,
                                format!("environment `{}` is deployed by two stages", env.node),
                            )
                            .with_label("second stage")
                            .with_secondary(*prev, "first deployed here")
                            .with_help("deploy each environment in one stage; list several environments in one stage with `stage [a, b]`"),
                        );
                    } else {
                        staged.push((env.node.as_str(), env.span));
                    }
                }
                for o in opts {
                    match o.key.node.as_str() {
                        "rollout" => rollout(&o.value, diags, value),
                        "deploy" => enumeration(&o.value, "a deploy mode", DEPLOY_MODES, diags),
                        _ => {}
                    }
                }
                options_known(opts, STAGE_OPTIONS, "a stage", diags);
                pending_approval = None;
                let _ = span;
            }
            PipelineStep::Approve {
                options: opts,
                span,
                ..
            } => {
                if let Some(prev) = pending_approval {
                    diags.push(
                        Diagnostic::error(
                            Code::ApprovalGuardsNothing,
                            *span,
                            "two approvals in a row",
                        )
                        .with_label("second approval")
                        .with_secondary(prev, "the first one, which already guards the next stage")
                        .with_help("merge them: one approval step can notify several addresses"),
                    );
                }
                pending_approval = Some(*span);
                options(opts, APPROVAL_OPTIONS, "an approval", diags, value);
            }
        }
    }
    if let Some(span) = pending_approval {
        diags.push(
            Diagnostic::error(
                Code::ApprovalGuardsNothing,
                span,
                "this approval guards nothing: no stage follows it",
            )
            .with_label("last step of the pipeline")
            .with_help("an approval goes before the stage it guards: move it above that `stage`"),
        );
    }
    for (key, required) in SETTINGS {
        if *required && !seen.iter().any(|(s, _)| s == key) {
            diags.push(
                Diagnostic::error(
                    Code::PipelineSetting,
                    p.name.span,
                    format!("pipeline `{}` has no `{key}`", p.name.node),
                )
                .with_label(format!("`{key}` missing"))
                .with_help(match *key {
                    "account" => "add `account = \"111111111111\"`: the account the pipeline lives in",
                    "region" => "add `region = \"us-east-2\"`: the region the pipeline lives in",
                    _ => "add `source = github(repo: \"owner/name\", connection: \"arn:aws:codestar-connections:...\")`",
                }),
            );
        }
    }
}

/// `source = github(repo: "...", connection: "...")`.
fn source(v: &Expr, diags: &mut Diagnostics, value: &mut dyn FnMut(&Expr, &mut Diagnostics)) {
    let names = SOURCES.iter().map(|(s, _)| *s);
    let ExprKind::Call(callee, args) = &v.kind else {
        diags.push(
            Diagnostic::error(
                Code::PipelineSetting,
                v.span,
                "a pipeline source is a call such as `github(...)`",
            )
            .with_label("not a source")
            .with_help(format!("one of {}", crate::diagnostics::code_list(names))),
        );
        return;
    };
    let ExprKind::Name(kind) = &callee.kind else {
        diags.push(
            Diagnostic::error(
                Code::PipelineSetting,
                callee.span,
                "unknown pipeline source",
            )
            .with_label("not a source"),
        );
        return;
    };
    let Some((_, params)) = SOURCES.iter().find(|(s, _)| s == kind) else {
        diags.push(
            Diagnostic::error(
                Code::PipelineSetting,
                callee.span,
                format!("unknown pipeline source `{kind}`"),
            )
            .with_label("not a source")
            .with_suggestion(kind, names),
        );
        return;
    };
    for a in args {
        value(&a.value, diags);
        match &a.name {
            None => diags.push(
                Diagnostic::error(
                    Code::BadArguments,
                    a.value.span,
                    format!("`{kind}` takes named arguments"),
                )
                .with_label("unnamed")
                .with_help(format!(
                    "name it: one of {}",
                    crate::diagnostics::code_list(params.iter().map(|(p, _)| *p))
                )),
            ),
            Some(n) if !params.iter().any(|(p, _)| *p == n.node) => diags.push(
                Diagnostic::error(
                    Code::BadArguments,
                    n.span,
                    format!("`{kind}` has no argument `{}`", n.node),
                )
                .with_label("unknown argument")
                .with_suggestion(&n.node, params.iter().map(|(p, _)| *p)),
            ),
            Some(_) => {}
        }
    }
    for (p, required) in *params {
        if *required
            && !args
                .iter()
                .any(|a| a.name.as_ref().is_some_and(|n| n.node == *p))
        {
            diags.push(
                Diagnostic::error(Code::BadArguments, v.span, format!("`{kind}` needs `{p}`"))
                    .with_label(format!("`{p}` missing")),
            );
        }
    }
}

/// `rollout = parallel | sequential | waves(n)`.
fn rollout(v: &Expr, diags: &mut Diagnostics, value: &mut dyn FnMut(&Expr, &mut Diagnostics)) {
    if let ExprKind::Call(callee, args) = &v.kind {
        if matches!(&callee.kind, ExprKind::Name(n) if n == "waves") {
            match args.as_slice() {
                [a] if a.name.is_none() => match a.value.kind {
                    ExprKind::Int(n) if n >= 1 => {}
                    ExprKind::Int(_) => diags.push(
                        Diagnostic::error(
                            Code::BadArguments,
                            a.value.span,
                            "a wave holds at least one region",
                        )
                        .with_label("must be 1 or more"),
                    ),
                    _ => value(&a.value, diags),
                },
                _ => diags.push(
                    Diagnostic::error(
                        Code::BadArguments,
                        v.span,
                        "`waves` takes one number: the regions per wave",
                    )
                    .with_label("expected `waves(n)`"),
                ),
            }
            return;
        }
    }
    enumeration(
        v,
        "a rollout (`parallel`, `sequential` or `waves(n)`)",
        &["parallel", "sequential"],
        diags,
    );
}

/// A bare name from `allowed`.
/// A setting or block no pipeline has, with the known ones.
fn unknown_setting(name: &ast::Ident) -> Diagnostic {
    unknown(
        name,
        "pipeline setting",
        SETTINGS
            .iter()
            .map(|(s, _)| *s)
            .chain(BLOCKS.iter().map(|(b, _)| *b)),
    )
}

fn enumeration(v: &Expr, what: &str, allowed: &[&str], diags: &mut Diagnostics) {
    match &v.kind {
        ExprKind::Name(n) if allowed.contains(&n.as_str()) => {}
        ExprKind::Name(n) => diags.push(
            Diagnostic::error(Code::NotInEnum, v.span, format!("`{n}` is not {what}"))
                .with_label("not allowed here")
                .with_suggestion(n, allowed.iter().copied())
                .with_note(format!(
                    "allowed: {}",
                    crate::diagnostics::code_list(allowed.iter().copied())
                )),
        ),
        _ => diags.push(
            Diagnostic::error(Code::NotInEnum, v.span, format!("expected {what}"))
                .with_label("not a name")
                .with_note(format!(
                    "allowed: {}",
                    crate::diagnostics::code_list(allowed.iter().copied())
                )),
        ),
    }
}

/// Options whose values are plain expressions; unknown keys reported.
fn options(
    entries: &[Entry],
    known: &[&str],
    what: &str,
    diags: &mut Diagnostics,
    value: &mut dyn FnMut(&Expr, &mut Diagnostics),
) {
    for e in entries {
        if known.contains(&e.key.node.as_str()) {
            value(&e.value, diags);
        }
    }
    options_known(entries, known, what, diags);
}

fn options_known(entries: &[Entry], known: &[&str], what: &str, diags: &mut Diagnostics) {
    for e in entries {
        if !known.contains(&e.key.node.as_str()) {
            diags.push(
                Diagnostic::error(
                    Code::PipelineSetting,
                    e.key.span,
                    format!("`{}` is not an option of {what}", e.key.node),
                )
                .with_label("unknown option")
                .with_suggestion(&e.key.node, known.iter().copied())
                .with_note(format!(
                    "options: {}",
                    crate::diagnostics::code_list(known.iter().copied())
                )),
            );
        }
    }
}

fn unknown<'a>(
    name: &ast::Ident,
    what: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Diagnostic {
    Diagnostic::error(
        Code::PipelineSetting,
        name.span,
        format!("unknown {what} `{}`", name.node),
    )
    .with_label("not a pipeline setting")
    .with_suggestion(&name.node, candidates)
}

fn twice(name: &ast::Ident, prev: Span) -> Diagnostic {
    Diagnostic::error(
        Code::Duplicate,
        name.span,
        format!("`{}` is set twice", name.node),
    )
    .with_label("second setting")
    .with_secondary(prev, "first set here")
}
