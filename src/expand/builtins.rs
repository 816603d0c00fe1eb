//! Built-in functions. Most are computed at compile time; those given a deploy-time
//! value build the matching CloudFormation intrinsic (`Fn::Join`, `Fn::Select`).

use crate::json;
use crate::json::Value as Json;
use std::rc::Rc;

use super::value::{Deploy, DeployShape, StackTarget, Value, What};
use crate::codes::Code;
use crate::diagnostics::Diagnostic;
use crate::span::Span;
use crate::types::cidr::Cidr;
use crate::types::regions;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    Join,
    Split,
    Select,
    Length,
    Concat,
    CidrSubnet,
    AvailabilityZones,
    SsmParam,
    SecretRef,
    Cron,
    Rate,
    Seconds,
    Days,
    ToJson,
    Upper,
    Lower,
    Pascal,
    Base64,
    Weak,
}

impl Builtin {
    pub const ALL: &'static [Builtin] = &[
        Builtin::Join,
        Builtin::Split,
        Builtin::Select,
        Builtin::Length,
        Builtin::Concat,
        Builtin::CidrSubnet,
        Builtin::AvailabilityZones,
        Builtin::SsmParam,
        Builtin::SecretRef,
        Builtin::Cron,
        Builtin::Rate,
        Builtin::Seconds,
        Builtin::Days,
        Builtin::ToJson,
        Builtin::Upper,
        Builtin::Lower,
        Builtin::Pascal,
        Builtin::Base64,
        Builtin::Weak,
    ];

    pub fn name(self) -> &'static str {
        self.info().0
    }

    pub fn arity(self) -> usize {
        self.info().1
    }

    pub fn signature(self) -> &'static str {
        self.info().2
    }

    fn info(self) -> (&'static str, usize, &'static str) {
        match self {
            Builtin::Join => ("join", 2, "join(separator, list)"),
            Builtin::Split => ("split", 2, "split(separator, string)"),
            Builtin::Select => ("select", 2, "select(index, list)"),
            Builtin::Length => ("length", 1, "length(list)"),
            Builtin::Concat => ("concat", 2, "concat(list, list)"),
            Builtin::CidrSubnet => ("cidr_subnet", 3, "cidr_subnet(cidr, newbits, netnum)"),
            Builtin::AvailabilityZones => ("availability_zones", 1, "availability_zones(count)"),
            Builtin::SsmParam => ("ssm_param", 1, "ssm_param(\"/parameter/name\")"),
            Builtin::SecretRef => ("secret_ref", 2, "secret_ref(secret_resource, \"json-key\")"),
            Builtin::Cron => ("cron", 1, "cron(\"0 18 * * ? *\")"),
            Builtin::Rate => ("rate", 1, "rate(5m)"),
            Builtin::Seconds => ("seconds", 1, "seconds(duration)"),
            Builtin::Days => ("days", 1, "days(duration)"),
            Builtin::ToJson => ("to_json", 1, "to_json(value)"),
            Builtin::Upper => ("upper", 1, "upper(string)"),
            Builtin::Lower => ("lower", 1, "lower(string)"),
            Builtin::Pascal => ("pascal", 1, "pascal(string)"),
            Builtin::Base64 => ("base64", 1, "base64(string)"),
            Builtin::Weak => ("weak", 1, "weak(stack)"),
        }
    }

    pub fn from_name(name: &str) -> Option<Builtin> {
        Builtin::ALL.iter().copied().find(|b| b.name() == name)
    }
}

/// An argument with the span of its expression.
pub type Arg = (Value, Span);

fn wrong(b: Builtin, arg: &Arg, expected: &str) -> Diagnostic {
    Diagnostic::error(
        Code::TypeMismatch,
        arg.1,
        format!(
            "`{}` expects {expected}, found {}",
            b.name(),
            arg.0.describe()
        ),
    )
    .with_label(format!("expected {expected}"))
    .with_help(format!("call it as `{}`", b.signature()))
}

fn compile_time(b: Builtin, arg: &Arg) -> Option<Diagnostic> {
    let d = arg.0.deploy_part()?;
    Some(
        Diagnostic::error(
            Code::DeployTime,
            arg.1,
            format!("`{}` needs a value known at compile time", b.name()),
        )
        .with_label("only known at deploy time")
        .with_secondary(d.origin, format!("{} comes from here", d.what)),
    )
}

/// Evaluates a built-in call. `args` has already been checked for count.
// A failed call is rare and ends in a diagnostic: not worth boxing it.
#[allow(clippy::result_large_err)]
pub fn call(b: Builtin, args: Vec<Arg>, span: Span, region: &str) -> Result<Value, Diagnostic> {
    let v = call_unchecked(b, args, span, region)?;
    let len = match &v {
        Value::Str(s) => s.len(),
        Value::List(xs) => xs.len(),
        _ => 0,
    };
    if len > super::eval::MAX_VALUE_LEN {
        return Err(Diagnostic::error(
            Code::BadOperand,
            span,
            format!(
                "`{}` would build a value longer than {} elements or bytes",
                b.name(),
                super::eval::MAX_VALUE_LEN
            ),
        )
        .with_label("too large")
        .with_note("a CloudFormation template is at most 1 MB"));
    }
    Ok(v)
}

#[allow(clippy::result_large_err)]
fn call_unchecked(
    b: Builtin,
    args: Vec<Arg>,
    span: Span,
    region: &str,
) -> Result<Value, Diagnostic> {
    if args.len() != b.arity() || args.iter().any(|a| a.0.is_error()) {
        return Ok(Value::Error);
    }
    if let Some(a) = args.iter().find(|a| a.0.secret_part().is_some()) {
        if b != Builtin::Select && b != Builtin::Concat {
            return Err(Diagnostic::error(
                Code::SecretLeak,
                a.1,
                format!("a Secret cannot be passed to `{}`", b.name()),
            )
            .with_label("secret value")
            .with_help("secrets can only flow into resource properties"));
        }
    }
    let arg = |i: usize| &args[i];
    match b {
        Builtin::Join => {
            let sep = match &arg(0).0 {
                Value::Str(s) => s.clone(),
                _ => return Err(wrong(b, arg(0), "a String separator")),
            };
            match &arg(1).0 {
                // Known at compile time: joined now, numbers and bools as text.
                Value::List(xs)
                    if xs
                        .iter()
                        .all(|x| matches!(x, Value::Str(_) | Value::Int(_) | Value::Bool(_))) =>
                {
                    Ok(Value::Str(
                        xs.iter()
                            .map(|x| match x {
                                Value::Str(s) => s.clone(),
                                Value::Int(n) => n.to_string(),
                                Value::Bool(v) => v.to_string(),
                                _ => String::new(),
                            })
                            .collect::<Vec<_>>()
                            .join(&sep),
                    ))
                }
                Value::List(xs) => {
                    let mut parts = Vec::new();
                    for x in xs {
                        match x {
                            Value::Str(s) => parts.push(Json::from(s.clone())),
                            Value::Deploy(d) if d.shape == DeployShape::Scalar => {
                                parts.push(Json::clone(&d.json))
                            }
                            Value::Int(n) => parts.push(Json::from(n.to_string())),
                            _ => return Err(wrong(b, arg(1), "a list of strings")),
                        }
                    }
                    Ok(deploy(
                        object! { "Fn::Join" => vec![Json::from(sep), Json::Array(parts)] },
                        span,
                        "a joined string",
                    ))
                }
                Value::Deploy(d) if d.shape == DeployShape::List => Ok(deploy(
                    object! { "Fn::Join" => vec![Json::from(sep), Json::clone(&d.json)] },
                    span,
                    "a joined string",
                )),
                _ => Err(wrong(b, arg(1), "a list")),
            }
        }
        Builtin::Split => {
            let sep = match &arg(0).0 {
                Value::Str(s) if !s.is_empty() => s.clone(),
                _ => return Err(wrong(b, arg(0), "a non-empty String separator")),
            };
            match &arg(1).0 {
                Value::Str(s) => Ok(Value::List(
                    s.split(sep.as_str())
                        .map(|p| Value::Str(p.to_string()))
                        .collect(),
                )),
                Value::Deploy(d) if d.shape == DeployShape::Scalar => Ok(Value::Deploy(Deploy {
                    json: Rc::new(object! { "Fn::Split" => vec![Json::from(sep), Json::clone(&d.json)] }),
                    shape: DeployShape::List,
                    origin: span,
                    what: format!("a split of {}", d.what).into(),
                })),
                _ => Err(wrong(b, arg(1), "a String")),
            }
        }
        Builtin::Select => {
            let Value::Int(i) = arg(0).0 else {
                return Err(wrong(b, arg(0), "an Int index"));
            };
            if i < 0 {
                return Err(Diagnostic::error(
                    Code::BadOperand,
                    arg(0).1,
                    format!("index {i} is negative"),
                )
                .with_label("indexes start at 0"));
            }
            match &arg(1).0 {
                Value::List(xs) => match usize::try_from(i).ok().and_then(|i| xs.get(i)) {
                    Some(v) => Ok(v.clone()),
                    None => Err(Diagnostic::error(
                        Code::BadOperand,
                        arg(0).1,
                        format!("index {i} is out of range for a list of {}", xs.len()),
                    )
                    .with_label("out of range")),
                },
                Value::Deploy(d) if d.shape == DeployShape::List => Ok(deploy(
                    object! { "Fn::Select" => vec![Json::from(i), Json::clone(&d.json)] },
                    span,
                    "an element of a deploy-time list",
                )),
                _ => Err(wrong(b, arg(1), "a list")),
            }
        }
        Builtin::Length => match &arg(0).0 {
            Value::List(xs) => Ok(Value::Int(xs.len() as i64)),
            Value::Str(s) => Ok(Value::Int(s.chars().count() as i64)),
            _ => Err(compile_time(b, arg(0)).unwrap_or_else(|| wrong(b, arg(0), "a list"))),
        },
        Builtin::Concat => match (&arg(0).0, &arg(1).0) {
            (Value::List(a), Value::List(c)) => {
                Ok(Value::List(a.iter().chain(c).cloned().collect()))
            }
            (Value::List(_), _) => Err(wrong(b, arg(1), "a list")),
            _ => Err(wrong(b, arg(0), "a list")),
        },
        Builtin::CidrSubnet => {
            if let Some(d) = args.iter().find_map(|a| compile_time(b, a)) {
                return Err(d);
            }
            let Value::Str(c) = &arg(0).0 else {
                return Err(wrong(b, arg(0), "a Cidr"));
            };
            let cidr = Cidr::parse(c).map_err(|e| {
                Diagnostic::error(
                    Code::BadCidr,
                    arg(0).1,
                    format!("`{c}` is not a valid CIDR block: {}", e.reason),
                )
                .with_label("invalid CIDR")
            })?;
            let (Value::Int(newbits), Value::Int(netnum)) = (&arg(1).0, &arg(2).0) else {
                return Err(wrong(
                    b,
                    if matches!(arg(1).0, Value::Int(_)) {
                        arg(2)
                    } else {
                        arg(1)
                    },
                    "an Int",
                ));
            };
            let (Ok(newbits), Ok(netnum)) = (u8::try_from(*newbits), u32::try_from(*netnum)) else {
                return Err(Diagnostic::error(
                    Code::BadOperand,
                    span,
                    "subnet numbers must be small non-negative integers",
                )
                .with_label("here"));
            };
            cidr.subnet(newbits, netnum)
                .map(|s| Value::Str(s.to_string()))
                .map_err(|m| {
                    Diagnostic::error(
                        Code::BadCidr,
                        span,
                        format!("cannot carve this subnet: {m}"),
                    )
                    .with_label("here")
                })
        }
        Builtin::AvailabilityZones => {
            let Value::Int(n) = arg(0).0 else {
                return Err(compile_time(b, arg(0)).unwrap_or_else(|| wrong(b, arg(0), "an Int")));
            };
            let zones = regions::availability_zones(region);
            if n < 1 || n as usize > zones.len() {
                return Err(Diagnostic::error(
                    Code::BadOperand,
                    arg(0).1,
                    format!(
                        "{region} has {} availability zones; {n} were asked for",
                        zones.len()
                    ),
                )
                .with_label(format!("between 1 and {}", zones.len())));
            }
            Ok(Value::List(
                zones.into_iter().take(n as usize).map(Value::Str).collect(),
            ))
        }
        Builtin::SsmParam => match &arg(0).0 {
            Value::Str(name) if name.starts_with('/') || !name.is_empty() => Ok(deploy(
                Json::from(format!("{{{{resolve:ssm:{name}}}}}")),
                span,
                format!("the SSM parameter `{name}`"),
            )),
            _ => Err(wrong(b, arg(0), "a parameter name")),
        },
        Builtin::SecretRef => {
            let Value::Resource(r) = &arg(0).0 else {
                return Err(wrong(b, arg(0), "an AWS::SecretsManager::Secret resource"));
            };
            if r.type_name != "AWS::SecretsManager::Secret" {
                return Err(wrong(b, arg(0), "an AWS::SecretsManager::Secret resource"));
            }
            let Value::Str(key) = &arg(1).0 else {
                return Err(wrong(b, arg(1), "a String key"));
            };
            if key.is_empty()
                || !key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.+=@/".contains(c))
            {
                return Err(Diagnostic::error(
                    Code::TypeMismatch,
                    arg(1).1,
                    format!("`{key}` cannot be a secret's JSON key in a dynamic reference"),
                )
                .with_label("letters, digits and _-.+=@/ only"));
            }
            let json = json!({"Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": &r.logical_id}, format!(":SecretString:{key}}}}}")]]});
            Ok(Value::Secret(Deploy {
                json: Rc::new(json),
                shape: DeployShape::Scalar,
                origin: span,
                what: format!("the secret `{}`", r.name).into(),
            }))
        }
        Builtin::Cron => {
            let Value::Str(expr) = &arg(0).0 else {
                return Err(compile_time(b, arg(0)).unwrap_or_else(|| wrong(b, arg(0), "a String")));
            };
            check_cron(expr).map_err(|m| {
                Diagnostic::error(Code::TypeMismatch, arg(0).1, format!("invalid cron expression: {m}"))
                    .with_label("six fields: minutes hours day-of-month month day-of-week year")
                    .with_help("EventBridge cron needs `?` in day-of-month or day-of-week, e.g. \"0 18 * * ? *\"")
            })?;
            Ok(Value::Str(format!("cron({expr})")))
        }
        Builtin::Rate => {
            let Value::Duration(secs) = arg(0).0 else {
                return Err(wrong(b, arg(0), "a Duration such as `5m`"));
            };
            if secs == 0 {
                return Err(Diagnostic::error(
                    Code::BadDuration,
                    arg(0).1,
                    "a rate of zero never fires",
                )
                .with_label("must be at least 1m"));
            }
            let (n, unit) = if secs % 86400 == 0 {
                (secs / 86400, "day")
            } else if secs % 3600 == 0 {
                (secs / 3600, "hour")
            } else if secs % 60 == 0 {
                (secs / 60, "minute")
            } else {
                return Err(Diagnostic::error(
                    Code::BadDuration,
                    arg(0).1,
                    "EventBridge rates are whole minutes, hours or days",
                )
                .with_label("not whole minutes"));
            };
            Ok(Value::Str(format!(
                "rate({n} {unit}{})",
                if n == 1 { "" } else { "s" }
            )))
        }
        Builtin::Seconds | Builtin::Days => {
            let Value::Duration(secs) = arg(0).0 else {
                return Err(wrong(b, arg(0), "a Duration"));
            };
            let n = if b == Builtin::Days {
                secs / 86400
            } else {
                secs
            };
            i64::try_from(n).map(Value::Int).map_err(|_| {
                Diagnostic::error(Code::BadDuration, arg(0).1, "this duration is too long")
                    .with_label("does not fit in an Int")
            })
        }
        Builtin::ToJson => {
            if let Some(d) = compile_time(b, arg(0)) {
                return Err(d.with_help("build the string with interpolation instead, e.g. \"{\\\"id\\\": \\\"${x.ref}\\\"}\""));
            }
            let j = arg(0)
                .0
                .plain_json()
                .ok_or_else(|| wrong(b, arg(0), "plain data (strings, numbers, lists, records)"))?;
            Ok(Value::Str(serde_json::to_string(&j).unwrap_or_default()))
        }
        Builtin::Upper | Builtin::Lower | Builtin::Pascal => {
            let Value::Str(s) = &arg(0).0 else {
                return Err(compile_time(b, arg(0)).unwrap_or_else(|| wrong(b, arg(0), "a String")));
            };
            Ok(Value::Str(match b {
                Builtin::Upper => s.to_uppercase(),
                Builtin::Lower => s.to_lowercase(),
                _ => pascal_case(s),
            }))
        }
        Builtin::Base64 => match &arg(0).0 {
            Value::Str(s) => Ok(deploy(
                object! { "Fn::Base64" => s.to_string() },
                span,
                "a base64-encoded string",
            )),
            Value::Deploy(d) if d.shape == DeployShape::Scalar => Ok(deploy(
                object! { "Fn::Base64" => Json::clone(&d.json) },
                span,
                "a base64-encoded string",
            )),
            _ => Err(wrong(b, arg(0), "a String")),
        },
        Builtin::Weak => match &arg(0).0 {
            Value::Stack(target) => Ok(Value::Stack(StackTarget {
                weak: true,
                ..target.clone()
            })),
            _ => Err(wrong(b, arg(0), "a stack").with_note(
                "`weak` applies to another stack (`weak(network).vpc_id`); values of this stack, component outputs included, need no cross-stack read",
            )),
        },
    }
}

fn deploy(json: Json, origin: Span, what: impl Into<What>) -> Value {
    Value::Deploy(Deploy {
        json: Rc::new(json),
        shape: DeployShape::Scalar,
        origin,
        what: what.into(),
    })
}

/// `public_subnet` → `PublicSubnet`, `us-east-2a` → `UsEast2a`.
pub fn pascal_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for part in s.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

/// EventBridge cron: six fields, and exactly one of day-of-month / day-of-week is `?`.
fn check_cron(expr: &str) -> Result<(), String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    if fields.len() != 6 {
        return Err(format!("{} fields, EventBridge needs 6", fields.len()));
    }
    let allowed = |f: &str, extra: &str| {
        f.chars()
            .all(|c| c.is_ascii_alphanumeric() || ",-*/".contains(c) || extra.contains(c))
    };
    let names = [
        "minutes",
        "hours",
        "day-of-month",
        "month",
        "day-of-week",
        "year",
    ];
    for (i, f) in fields.iter().enumerate() {
        let extra = match i {
            2 => "?LW",
            4 => "?L#",
            _ => "",
        };
        if !allowed(f, extra) {
            return Err(format!(
                "the {} field `{f}` has characters cron does not allow",
                names[i]
            ));
        }
    }
    if (fields[2] == "?") == (fields[4] == "?") {
        return Err("exactly one of day-of-month and day-of-week must be `?`".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal() {
        assert_eq!(pascal_case("public_subnet"), "PublicSubnet");
        assert_eq!(pascal_case("us-east-2a"), "UsEast2a");
        assert_eq!(pascal_case("myBucket"), "MyBucket");
    }

    #[test]
    fn cron_fields() {
        assert!(check_cron("0 18 * * ? *").is_ok());
        assert!(check_cron("0 18 * * *").is_err());
        assert!(check_cron("0 18 * * * *").is_err());
    }
}
