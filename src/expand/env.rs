//! The program-level values: params (with `--param` overrides), the app, and the
//! environments checked against their field schema.

use crate::Map;

use super::eval::Expander;
use super::root_span;
use super::value::{Fields, Value};
use crate::codes::Code;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::resolve::{Checked, ParamDef};
use crate::span::Span;
use crate::syntax::ast;
use crate::types::{self, Type};

/// The application: its name and the tags on every taggable resource.
#[derive(Clone, Debug)]
pub struct AppInfo {
    pub name: String,
    pub description: String,
    pub tags: Map<String, String>,
}

/// Whether a protected environment needs a manual approval before deploying.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Approval {
    None,
    Manual,
}

#[derive(Clone, Debug)]
pub struct EnvInfo {
    pub name: String,
    pub account: String,
    pub regions: Vec<String>,
    pub approval: Approval,
    /// Declared fields, with defaults applied.
    pub fields: Map<String, Value>,
    pub span: Span,
}

impl EnvInfo {
    /// One field of `env`, without building the record.
    pub fn field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "name" => Value::Str(self.name.clone()),
            "account" => Value::Str(self.account.clone()),
            _ => return self.fields.get(name).cloned(),
        })
    }

    /// `env` as a value: name, account, regions, approval and every field.
    pub fn value(&self) -> Value {
        let mut m = Fields::with_capacity(4 + self.fields.len());
        m.insert("name".to_string(), Value::Str(self.name.clone()));
        m.insert("account".to_string(), Value::Str(self.account.clone()));
        m.insert(
            "regions".to_string(),
            Value::List(self.regions.iter().cloned().map(Value::Str).collect()),
        );
        let approval = if self.approval == Approval::Manual {
            "manual"
        } else {
            "none"
        };
        m.insert("approval".to_string(), Value::Str(approval.to_string()));
        for (k, v) in &self.fields {
            m.insert(k.clone(), v.clone());
        }
        Value::Record(m)
    }
}

/// Evaluates params: `--param` overrides first, then defaults.
pub fn params(
    checked: &Checked,
    overrides: &[(String, String)],
    diags: &mut Diagnostics,
) -> Map<String, Value> {
    for (name, _) in overrides {
        if !checked.params.iter().any(|p| &p.name.node == name) {
            diags.push(
                Diagnostic::error(
                    Code::UnknownName,
                    root_span(),
                    format!("--param {name}: the program has no param `{name}`"),
                )
                .with_label("given on the command line")
                .with_suggestion(name, checked.params.iter().map(|p| p.name.node.as_str())),
            );
        }
    }
    let mut values = Map::default();
    for p in &checked.params {
        let given = overrides
            .iter()
            .rev()
            .find(|(n, _)| *n == p.name.node)
            .map(|(_, v)| v);
        let value = match (given, &p.default) {
            (Some(text), _) => match parse_override(text, &p.ty) {
                Ok(v) => v,
                Err(msg) => {
                    diags.push(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            p.name.span,
                            format!("--param {}={text}: {msg}", p.name.node),
                        )
                        .with_label(format!("declared as {}", p.ty.describe())),
                    );
                    Value::Error
                }
            },
            (None, Some(default)) => Expander::eval_global(checked, default, &values, diags),
            (None, None) => {
                diags.push(
                    Diagnostic::error(
                        Code::MissingItem,
                        p.name.span,
                        format!("param `{}` has no value", p.name.node),
                    )
                    .with_label("no default")
                    .with_help(format!(
                        "pass `--param {}=...` or give it a default",
                        p.name.node
                    )),
                );
                Value::Error
            }
        };
        // A value from the command line is reported at the param, not at its default.
        let span = match (given, &p.default) {
            (None, Some(d)) => d.span,
            _ => p.name.span,
        };
        let value = check_or_report(
            value,
            &p.ty,
            span,
            p.default.as_ref().filter(|_| given.is_none()),
            None,
            &format!("param `{}`", p.name.node),
            checked,
            &values,
            diags,
        );
        values.insert(p.name.node.clone(), value);
    }
    values
}

/// A command-line value as a value of the param's type.
fn parse_override(text: &str, ty: &Type) -> Result<Value, String> {
    match ty {
        Type::Int => text
            .parse()
            .map(Value::Int)
            .map_err(|_| "not an integer".to_string()),
        Type::Bool => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("expected `true` or `false`".into()),
        },
        Type::Optional(inner) => parse_override(text, inner),
        // `a,b,c`, each element read as the element type; an empty value is an empty list.
        Type::List(_) if text.trim().is_empty() => Ok(Value::List(Vec::new())),
        Type::List(elem) => text
            .split(',')
            .map(|s| parse_override(s.trim(), elem))
            .collect::<Result<_, _>>()
            .map(Value::List),
        Type::Duration => Err("durations cannot be overridden yet".into()),
        _ => Ok(Value::Str(text.to_string())),
    }
}

/// Checks a value against its declared type; on failure reports at the offending part
/// of `expr` (when given), with `code` replacing a plain type mismatch.
#[allow(clippy::too_many_arguments)]
pub(super) fn check_or_report(
    value: Value,
    ty: &Type,
    span: Span,
    expr: Option<&ast::Expr>,
    code: Option<Code>,
    what: &str,
    checked: &Checked,
    params: &Map<String, Value>,
    diags: &mut Diagnostics,
) -> Value {
    let mut sub = Diagnostics::default();
    let result = {
        let mut defaults = |e: &ast::Expr| Expander::eval_global(checked, e, params, &mut sub);
        types::check(value, ty, "", &mut defaults)
    };
    diags.extend(sub);
    match result {
        Ok(v) => v,
        Err(m) => {
            // Environment fields report their own code for a plain type mismatch.
            let code = match code {
                Some(c) if m.code == Code::TypeMismatch => c,
                _ => m.code,
            };
            let mut d = super::props::mismatch_diagnostic(m, what, ty, span, expr);
            d.code = code;
            diags.push(d);
            Value::Error
        }
    }
}

pub fn app(
    checked: &Checked,
    params: &Map<String, Value>,
    diags: &mut Diagnostics,
) -> Option<AppInfo> {
    let Some(app) = &checked.app else {
        diags.push(
            Diagnostic::error(Code::MissingItem, root_span(), "the program has no `app`")
                .with_label("expected an `app` block")
                .with_help("add `app my_app { tags = { Project = \"my-app\" } }`: its name prefixes every stack name"),
        );
        return None;
    };
    let mut info = AppInfo {
        name: app.name.node.replace('_', "-"),
        description: String::new(),
        tags: Map::default(),
    };
    if !app.name.node.starts_with(|c: char| c.is_ascii_alphabetic()) {
        diags.push(
            Diagnostic::error(
                Code::TypeMismatch,
                app.name.span,
                "the app name must start with a letter",
            )
            .with_label("stack names start with it"),
        );
    }
    for e in &app.entries {
        let v = Expander::eval_global(checked, &e.value, params, diags);
        match (e.key.node.as_str(), v) {
            (_, Value::Error) => {}
            ("description", Value::Str(s)) => info.description = s,
            ("tags", Value::Record(m)) => {
                for (k, v) in m {
                    match v {
                        Value::Str(s) => {
                            info.tags.insert(k, s);
                        }
                        other => diags.push(
                            Diagnostic::error(
                                Code::TypeMismatch,
                                e.value.span,
                                format!("tag `{k}` must be a String, found {}", other.describe()),
                            )
                            .with_label("app tags are plain strings"),
                        ),
                    }
                }
            }
            (key @ ("description" | "tags"), other) => diags.push(
                Diagnostic::error(
                    Code::TypeMismatch,
                    e.value.span,
                    format!(
                        "`{key}` expects {}, found {}",
                        if key == "tags" {
                            "a record of strings"
                        } else {
                            "a String"
                        },
                        other.describe()
                    ),
                )
                .with_label("wrong type"),
            ),
            (key, _) => diags.push(
                Diagnostic::error(
                    Code::UnknownName,
                    e.key.span,
                    format!("`app` has no setting `{key}`"),
                )
                .with_label("unknown setting")
                .with_suggestion(key, ["description", "tags"]),
            ),
        }
    }
    Some(info)
}

pub fn environments(
    checked: &Checked,
    params: &Map<String, Value>,
    diags: &mut Diagnostics,
) -> Option<Vec<EnvInfo>> {
    if checked.environments_span.is_none() || checked.envs.is_empty() {
        diags.push(
            Diagnostic::error(Code::MissingItem, checked.environments_span.unwrap_or_else(root_span), "the program declares no environment")
                .with_label("expected at least one `env`")
                .with_help("add `environments { env dev { account = \"111111111111\", regions = [\"us-east-1\"] } }`"),
        );
        return None;
    }
    let builtin = [
        ParamDef {
            name: ident("account"),
            ty: Type::AccountId,
            default: None,
        },
        ParamDef {
            name: ident("regions"),
            ty: Type::List(Box::new(Type::Region)),
            default: None,
        },
    ];
    let mut out = Vec::new();
    for decl in &checked.envs {
        let mut given: Map<&str, &ast::Entry> = Map::default();
        for e in &decl.entries {
            if let Some(prev) = given.insert(&e.key.node, e) {
                diags.push(
                    Diagnostic::error(
                        Code::Duplicate,
                        e.key.span,
                        format!("`{}` is set twice in env `{}`", e.key.node, decl.name.node),
                    )
                    .with_label("second value")
                    .with_secondary(prev.key.span, "first set here"),
                );
            }
        }
        let mut info = EnvInfo {
            name: decl.name.node.clone(),
            account: String::new(),
            regions: Vec::new(),
            approval: Approval::None,
            fields: Map::default(),
            span: decl.span,
        };
        let mut names: Vec<&str> = vec!["account", "regions", "approval"];
        names.extend(checked.fields.iter().map(|f| f.name.node.as_str()));
        let mut misspelt: Vec<&str> = Vec::new();
        for (key, entry) in &given {
            let known = *key == "approval"
                || builtin
                    .iter()
                    .chain(&checked.fields)
                    .any(|f| f.name.node == *key);
            if !known {
                if let Some(best) = crate::diagnostics::did_you_mean(key, names.iter().copied()) {
                    misspelt.push(best);
                }
                let names = names.clone();
                diags.push(
                    Diagnostic::error(
                        Code::EnvField,
                        entry.key.span,
                        format!(
                            "env `{}` sets `{key}`, which is not a field",
                            decl.name.node
                        ),
                    )
                    .with_label("unknown field")
                    .with_suggestion(key, names)
                    .with_note(
                        "declare it in `fields { ... }` to give every environment this field",
                    ),
                );
            }
        }
        if let Some(a) = given.get("approval") {
            info.approval = match &a.value.kind {
                ast::ExprKind::Name(n) if n == "manual" => Approval::Manual,
                ast::ExprKind::Name(n) if n == "none" => Approval::None,
                ast::ExprKind::None => Approval::None,
                _ => {
                    diags.push(
                        Diagnostic::error(
                            Code::EnvField,
                            a.value.span,
                            "`approval` is `manual` or `none`",
                        )
                        .with_label("not an approval kind"),
                    );
                    Approval::None
                }
            };
        }
        for f in builtin.iter().chain(&checked.fields) {
            let value = match (given.get(f.name.node.as_str()), &f.default) {
                (Some(e), _) => {
                    let v = Expander::eval_global(checked, &e.value, params, diags);
                    let what = format!("env `{}` field `{}`", decl.name.node, f.name.node);
                    let what = what.as_str();
                    let mut sub = Diagnostics::default();
                    let v = check_field(v, f, &e.value, what, checked, params, &mut sub);
                    let failed = sub.has_errors();
                    diags.extend(sub);
                    if failed {
                        continue;
                    }
                    v
                }
                (None, Some(d)) => Expander::eval_global(checked, d, params, diags),
                (None, None) if matches!(f.ty, Type::Optional(_)) => Value::None,
                (None, None) => {
                    // A misspelt key already got "did you mean" for this field.
                    if !misspelt.contains(&f.name.node.as_str()) {
                        let mut d = Diagnostic::error(
                            Code::EnvField,
                            decl.name.span,
                            format!(
                                "env `{}` is missing field `{}`",
                                decl.name.node, f.name.node
                            ),
                        )
                        .with_label(format!("needs `{} = ...`", f.name.node));
                        if f.name.span != root_span() {
                            d = d.with_secondary(
                                f.name.span,
                                format!("`{}: {}` declared here", f.name.node, f.ty.describe()),
                            );
                        }
                        diags.push(d);
                    }
                    continue;
                }
            };
            match (f.name.node.as_str(), &value) {
                ("account", Value::Str(s)) if std::ptr::eq(f, &builtin[0]) => {
                    info.account = s.clone()
                }
                ("regions", Value::List(rs)) if std::ptr::eq(f, &builtin[1]) => {
                    info.regions =
                        regions_of(rs, decl, given.get("regions").map(|e| e.value.span), diags);
                }
                _ => {
                    info.fields.insert(f.name.node.clone(), value);
                }
            }
        }
        out.push(info);
    }
    Some(out)
}

fn check_field(
    v: Value,
    f: &ParamDef,
    expr: &ast::Expr,
    what: &str,
    checked: &Checked,
    params: &Map<String, Value>,
    diags: &mut Diagnostics,
) -> Value {
    let span = expr.span;
    let r = check_or_report(
        v,
        &f.ty,
        span,
        Some(expr),
        Some(Code::EnvField),
        what,
        checked,
        params,
        diags,
    );
    if let Some(d) = r.deploy_part() {
        diags.push(
            Diagnostic::error(
                Code::DeployTime,
                span,
                format!("{what} must be known at compile time"),
            )
            .with_label("only known at deploy time")
            .with_secondary(d.origin, format!("{} comes from here", d.what)),
        );
    }
    r
}

fn regions_of(
    rs: &[Value],
    decl: &ast::EnvDecl,
    span: Option<Span>,
    diags: &mut Diagnostics,
) -> Vec<String> {
    let span = span.unwrap_or(decl.name.span);
    let mut out: Vec<String> = Vec::new();
    for r in rs {
        if let Value::Str(s) = r {
            if out.contains(s) {
                diags.push(
                    Diagnostic::error(
                        Code::EnvField,
                        span,
                        format!("env `{}` lists region `{s}` twice", decl.name.node),
                    )
                    .with_label("duplicate region"),
                );
            } else {
                out.push(s.clone());
            }
        }
    }
    if rs.is_empty() {
        diags.push(
            Diagnostic::error(
                Code::EnvField,
                span,
                format!("env `{}` has no regions", decl.name.node),
            )
            .with_label("empty list")
            .with_help("list at least one region, e.g. `regions = [\"us-east-1\"]`"),
        );
    }
    out
}

fn ident(name: &str) -> ast::Ident {
    crate::span::Spanned::new(name.to_string(), root_span())
}
