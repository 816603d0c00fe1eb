//! The types of `.sleuth` and the check of a value against a declared type,
//! including literal refinement (regions, CIDRs, account ids, ARNs, enums).

pub mod cidr;
pub mod regions;

use crate::Map;

use crate::codes::Code;
use crate::diagnostics::{did_you_mean, Diagnostic};
use crate::expand::value::{DeployShape, Fields, Value};
use crate::span::Span;
use crate::syntax::ast::TypeExpr;

/// A resolved type.
#[derive(Clone, Debug)]
pub enum Type {
    String,
    Int,
    Bool,
    Duration,
    Region,
    AccountId,
    Cidr,
    Arn,
    Secret,
    Json,
    List(Box<Type>),
    Record(Map<String, (Type, Option<crate::syntax::ast::Expr>)>),
    Optional(Box<Type>),
    Enum(Vec<String>),
    Resource(String),
    /// A type that failed to resolve; accepts anything.
    Error,
}

pub const NAMED_TYPES: &[&str] = &[
    "String",
    "Int",
    "Bool",
    "Duration",
    "Region",
    "AccountId",
    "Cidr",
    "Arn",
    "Secret",
    "Json",
];

impl Type {
    /// Resolves a written type. Unknown names become `Type::Error` plus a diagnostic.
    pub fn from_expr(t: &TypeExpr, diags: &mut Vec<Diagnostic>) -> Type {
        match t {
            TypeExpr::Named(n) => match n.node.as_str() {
                "String" => Type::String,
                "Int" => Type::Int,
                "Bool" => Type::Bool,
                "Duration" => Type::Duration,
                "Region" => Type::Region,
                "AccountId" => Type::AccountId,
                "Cidr" => Type::Cidr,
                "Arn" => Type::Arn,
                "Secret" => Type::Secret,
                "Json" => Type::Json,
                other => {
                    let alias = match other.to_ascii_lowercase().as_str() {
                        "integer" | "int" | "number" | "i64" => Some("Int"),
                        "boolean" | "bool" => Some("Bool"),
                        "str" | "string" => Some("String"),
                        "list" | "array" => Some("[T]"),
                        _ => None,
                    };
                    let mut d = Diagnostic::error(
                        Code::UnknownName,
                        n.span,
                        format!("unknown type `{other}`"),
                    )
                    .with_label("not a type");
                    d = match alias {
                        Some(a) => d.with_help(format!("did you mean `{a}`?")),
                        None => d.with_suggestion(other, NAMED_TYPES.iter().copied()),
                    };
                    diags.push(d);
                    Type::Error
                }
            },
            TypeExpr::List(inner, _) => Type::List(Box::new(Type::from_expr(inner, diags))),
            TypeExpr::Optional(inner, _) => Type::Optional(Box::new(Type::from_expr(inner, diags))),
            TypeExpr::Enum(values, _) => {
                Type::Enum(values.iter().map(|v| v.node.clone()).collect())
            }
            TypeExpr::Resource(name, _) => Type::Resource(name.node.clone()),
            TypeExpr::Record(fields, _) => Type::Record(
                fields
                    .iter()
                    .map(|f| {
                        (
                            f.name.node.clone(),
                            (Type::from_expr(&f.ty, diags), f.default.clone()),
                        )
                    })
                    .collect(),
            ),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Type::String => "String".into(),
            Type::Int => "Int".into(),
            Type::Bool => "Bool".into(),
            Type::Duration => "Duration".into(),
            Type::Region => "Region".into(),
            Type::AccountId => "AccountId".into(),
            Type::Cidr => "Cidr".into(),
            Type::Arn => "Arn".into(),
            Type::Secret => "Secret".into(),
            Type::Json => "Json".into(),
            Type::List(t) => format!("[{}]", t.describe()),
            Type::Record(fields) => {
                let parts: Vec<String> = fields
                    .iter()
                    .map(|(k, (t, _))| format!("{k}: {}", t.describe()))
                    .collect();
                format!("{{ {} }}", parts.join(", "))
            }
            Type::Optional(t) => format!("{}?", t.describe()),
            Type::Enum(vs) => vs
                .iter()
                .map(|v| format!("\"{v}\""))
                .collect::<Vec<_>>()
                .join(" | "),
            Type::Resource(t) => format!("Resource<{t}>"),
            Type::Error => "?".into(),
        }
    }

    /// Whether a value of this type must be known at compile time.
    fn compile_time_only(&self) -> bool {
        matches!(
            self,
            Type::Region
                | Type::AccountId
                | Type::Bool
                | Type::Int
                | Type::Duration
                | Type::Enum(_)
        )
    }
}

/// Why a value does not fit a type. `path` locates the offending part (`[2].port`).
#[derive(Debug)]
pub struct Mismatch {
    pub code: Code,
    pub path: String,
    pub message: String,
    pub help: Option<String>,
    /// Where a deploy-time or secret value came from.
    pub origin: Option<(Span, crate::expand::value::What)>,
}

impl Mismatch {
    fn new(code: Code, path: &str, message: String) -> Mismatch {
        Mismatch {
            code,
            path: path.to_string(),
            message,
            help: None,
            origin: None,
        }
    }

    /// Places a mismatch found inside a value under `prefix` (`a.b`, `[2]`).
    fn under(mut self, prefix: &str) -> Mismatch {
        self.path = match self.path.chars().next() {
            None => prefix.to_string(),
            Some('[') => format!("{prefix}{}", self.path),
            Some(_) => format!("{prefix}.{}", self.path),
        };
        self
    }

    fn help(mut self, h: impl Into<String>) -> Mismatch {
        self.help = Some(h.into());
        self
    }
}

/// Checks `value` against `ty`, returning the value with defaults of record types
/// filled in. `defaults` evaluates a record field's default expression.
pub fn check<'t>(
    value: Value,
    ty: &'t Type,
    path: &str,
    defaults: &mut dyn FnMut(&'t crate::syntax::ast::Expr) -> Value,
) -> Result<Value, Mismatch> {
    if value.is_error() || matches!(ty, Type::Error) {
        return Ok(value);
    }
    if let Value::Secret(d) = &value {
        return match ty {
            Type::Secret | Type::Json => Ok(value),
            Type::Optional(inner) if matches!(**inner, Type::Secret) => Ok(value),
            _ => {
                let mut m = Mismatch::new(Code::SecretLeak, path, format!("a Secret cannot be used as {}", ty.describe()))
                    .help("declare the parameter as `Secret`, or pass the secret's ARN instead of its value");
                m.origin = Some((d.origin, d.what.clone()));
                Err(m)
            }
        };
    }
    if let Value::Deploy(d) = &value {
        if ty.compile_time_only() {
            let mut m = Mismatch::new(
                Code::DeployTime,
                path,
                format!("a {} must be known at compile time, but this value is only known at deploy time", ty.describe()),
            );
            m.origin = Some((d.origin, d.what.clone()));
            return Err(m);
        }
    }
    let mismatch = |v: &Value| {
        Mismatch::new(
            Code::TypeMismatch,
            path,
            format!("expected {}, found {}", ty.describe(), v.describe()),
        )
    };
    match ty {
        Type::Json => Ok(value),
        Type::Optional(inner) => match value {
            Value::None => Ok(Value::None),
            v => check(v, inner, path, defaults),
        },
        Type::String => match &value {
            Value::Str(_) => Ok(value),
            Value::Deploy(d) if d.shape == DeployShape::Scalar => Ok(value),
            _ => Err(mismatch(&value)),
        },
        Type::Arn => match &value {
            Value::Str(s) if s.starts_with("arn:") => Ok(value),
            Value::Str(s) => {
                Err(
                    Mismatch::new(Code::TypeMismatch, path, format!("`{s}` is not an ARN"))
                        .help("ARNs look like `arn:aws:service:region:account:resource`"),
                )
            }
            Value::Deploy(d) if d.shape == DeployShape::Scalar => Ok(value),
            _ => Err(mismatch(&value)),
        },
        Type::Cidr => match &value {
            Value::Str(s) => match cidr::Cidr::parse(s) {
                Ok(_) => Ok(value),
                Err(e) => {
                    let mut m = Mismatch::new(
                        Code::BadCidr,
                        path,
                        format!("`{s}` is not a valid CIDR block: {}", e.reason),
                    );
                    m.help = e.suggestion.map(|s| format!("did you mean `{s}`?"));
                    Err(m)
                }
            },
            Value::Deploy(d) if d.shape == DeployShape::Scalar => Ok(value),
            _ => Err(mismatch(&value)),
        },
        Type::Region => match &value {
            Value::Str(s) if regions::is_region(s) => Ok(value),
            Value::Str(s) => {
                let mut m =
                    Mismatch::new(Code::BadRegion, path, format!("`{s}` is not an AWS region"));
                m.help = did_you_mean(s, regions::all().iter().map(String::as_str))
                    .map(|r| format!("did you mean `{r}`?"));
                Err(m)
            }
            _ => Err(mismatch(&value)),
        },
        Type::AccountId => match &value {
            Value::Str(s) if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) => Ok(value),
            Value::Str(s) => Err(Mismatch::new(
                Code::BadAccount,
                path,
                format!(
                    "`{s}` is not an AWS account id: it has {} characters, not 12 digits",
                    s.chars().count()
                ),
            )
            .help("account ids are exactly 12 digits, written as a string")),
            Value::Int(n) => {
                Err(
                    Mismatch::new(Code::BadAccount, path, "account ids must be strings".into())
                        .help(format!("write it as \"{n:012}\" so leading zeros survive")),
                )
            }
            _ => Err(mismatch(&value)),
        },
        Type::Int => match value {
            Value::Int(_) => Ok(value),
            _ => Err(mismatch(&value)),
        },
        Type::Bool => match value {
            Value::Bool(_) => Ok(value),
            _ => Err(mismatch(&value)),
        },
        Type::Duration => match value {
            Value::Duration(_) => Ok(value),
            Value::Str(ref s) => Err(mismatch(&value).help(format!(
                "write a duration literal such as `7d`, not \"{s}\""
            ))),
            _ => Err(mismatch(&value)),
        },
        Type::Secret => Err(Mismatch::new(
            Code::TypeMismatch,
            path,
            format!("expected a Secret, found {}", value.describe()),
        )
        .help("make one with `secret_ref(secret_resource, \"key\")`")),
        Type::Enum(allowed) => match &value {
            Value::Str(s) if allowed.contains(s) => Ok(value),
            Value::Str(s) => {
                let list = allowed
                    .iter()
                    .map(|v| format!("\"{v}\""))
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut m = Mismatch::new(
                    Code::NotInEnum,
                    path,
                    format!("\"{s}\" is not one of {list}"),
                );
                m.help = did_you_mean(s, allowed.iter().map(String::as_str))
                    .map(|r| format!("did you mean \"{r}\"?"));
                Err(m)
            }
            _ => Err(mismatch(&value)),
        },
        Type::Resource(t) => match &value {
            Value::Resource(r) if &r.type_name == t => Ok(value),
            _ => Err(mismatch(&value)),
        },
        Type::List(elem) => match value {
            Value::List(xs) => {
                let mut out = Vec::with_capacity(xs.len());
                for (i, x) in xs.into_iter().enumerate() {
                    // Paths are only built on the way out of an error.
                    out.push(
                        check(x, elem, "", defaults)
                            .map_err(|m| m.under(&format!("{path}[{i}]")))?,
                    );
                }
                Ok(Value::List(out))
            }
            Value::Deploy(ref d) if d.shape == DeployShape::List && !elem.compile_time_only() => {
                Ok(value)
            }
            _ => Err(mismatch(&value)),
        },
        Type::Record(fields) => match value {
            Value::Record(mut m) => {
                let mut out = Fields::with_capacity(fields.len());
                for (k, (fty, default)) in fields {
                    let sub = |m: Mismatch| {
                        m.under(&if path.is_empty() {
                            k.clone()
                        } else {
                            format!("{path}.{k}")
                        })
                    };
                    match m.shift_remove(k) {
                        Some(v) => {
                            out.insert(k.clone(), check(v, fty, "", defaults).map_err(sub)?);
                        }
                        None => match default {
                            Some(e) => {
                                let v = defaults(e);
                                out.insert(k.clone(), check(v, fty, "", defaults).map_err(sub)?);
                            }
                            None if matches!(fty, Type::Optional(_)) => {
                                out.insert(k.clone(), Value::None);
                            }
                            None => {
                                return Err(Mismatch::new(
                                    Code::TypeMismatch,
                                    path,
                                    format!("missing field `{k}`"),
                                )
                                .help(format!("add `{k} = ...` of type {}", fty.describe())))
                            }
                        },
                    }
                }
                if let Some((k, _)) = m.first() {
                    let mut mm =
                        Mismatch::new(Code::TypeMismatch, path, format!("unknown field `{k}`"));
                    mm.help = did_you_mean(k, fields.keys().map(String::as_str))
                        .map(|r| format!("did you mean `{r}`?"));
                    return Err(mm);
                }
                Ok(Value::Record(out))
            }
            _ => Err(mismatch(&value)),
        },
        Type::Error => Ok(value),
    }
}
