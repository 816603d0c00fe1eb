//! Resource properties: evaluated values checked against the CloudFormation schema
//! shape and converted to template JSON in one pass; tags; resource options.

use crate::json;
use crate::json::Value as Json;

use super::env::{AppInfo, EnvInfo};
use super::options::{option, tags};
use super::value::{DeployShape, ResourceRef, Value, What};
use super::{CfnResource, RefKind, ResourceDependency};
use crate::codes::Code;
use crate::diagnostics::{did_you_mean, Diagnostic};
use crate::schema::{SchemaDb, Shape};
use crate::span::Span;
use crate::syntax::ast::{self, Expr, ExprKind};

pub struct Built {
    pub resource: Option<CfnResource>,
    pub diags: Vec<Diagnostic>,
}

/// Why a value does not fit a schema shape, at a path inside the property.
pub(super) struct PropError {
    code: Code,
    path: String,
    message: String,
    help: Option<String>,
    origin: Option<(Span, What)>,
}

pub fn build_resource(
    r: &ast::Resource,
    rr: &ResourceRef,
    values: Vec<(&ast::Entry, Value)>,
    region: &str,
    env: Option<&EnvInfo>,
    app: Option<&AppInfo>,
) -> Built {
    let mut diags = Vec::new();
    let db = SchemaDb::embedded();
    // Unknown types were reported by the static check.
    let Some(schema) = db.resource(&r.type_name.node) else {
        return Built {
            resource: None,
            diags,
        };
    };
    if !region.is_empty() && !schema.available_in(db, region) {
        diags.push(
            Diagnostic::error(Code::NotInRegion, r.type_name.span, format!("`{}` is not available in {region}", r.type_name.node))
                .with_label(format!("not offered in {region}"))
                .with_help(format!("guard it with `if region != \"{region}\" {{ ... }}` or deploy this stack to other regions")),
        );
    }
    let mut res = CfnResource {
        type_name: r.type_name.node.clone(),
        // One per entry (a few are options), and the tags.
        properties: json::Map::with_capacity(values.len() + 1),
        depends_on: Vec::new(),
        deletion_policy: None,
        update_replace_policy: None,
        update_policy: None,
        creation_policy: None,
        metadata: None,
        refs: Vec::new(),
        component: None,
        span: r.span,
        reads_at_deploy: false,
    };
    let mut user_tags: Option<(Value, Span)> = None;
    let mut user_tags_span = None;
    let mut left_out: Vec<&str> = Vec::new();
    for (entry, value) in values {
        let key = entry.key.node.as_str();
        if value.has_error() {
            continue; // reported where it happened; its shape would only mislead
        }
        // The name as the schema spells it: borrowed from the embedded data, so the
        // template's key is not a copy.
        let Some((key, shape)) = schema.properties.get_key_value(key) else {
            // Not a property: a resource option (`depends_on`, ...) when lower-case;
            // anything else was reported by the static check.
            if key.starts_with(|c: char| c.is_ascii_lowercase()) {
                let before = res.depends_on.len();
                option(&mut res, entry, value, &mut diags);
                for target in &res.depends_on[before..] {
                    res.refs.push(ResourceDependency {
                        target: target.clone(),
                        kind: RefKind::DependsOn,
                        span: entry.value.span,
                    });
                }
            }
            continue;
        };
        if matches!(value, Value::None) {
            left_out.push(key);
            continue;
        }
        if key == "UserData" || key.ends_with("UserData") {
            if let Some(s) = value.secret_part() {
                diags.push(secret_in(
                    entry.value.span,
                    "user data",
                    "anyone who can describe the instance can read user data",
                    s.origin,
                    &s.what,
                ));
                continue;
            }
        }
        if schema.tagging.property() == Some(key) {
            user_tags = Some((value, entry.value.span));
            user_tags_span = Some(entry.value.span);
            continue;
        }
        match to_cfn(&value, shape, &Path::Root(key)) {
            Ok(json) => {
                res.reads_at_deploy |=
                    value_references(&value, &json, entry.value.span, &mut res.refs);
                res.properties.insert(key, json);
            }
            Err(e) => diags.push(prop_diag(e, entry, &r.type_name.node)),
        }
    }
    if let Some(tags) = tags(schema, env, app, user_tags, &mut diags) {
        let span = user_tags_span.unwrap_or(r.span);
        let mut found = Vec::new();
        res.reads_at_deploy |= references(&tags, span, &mut found);
        merge_references(&mut res.refs, found);
        let prop = schema.tagging.property().unwrap_or("Tags");
        res.properties.insert(prop, tags);
    }
    // References in options are dependencies too (CloudFormation follows a `Ref` in
    // `Metadata` or a policy just as in a property).
    let mut found = Vec::new();
    for (key, json) in [
        ("metadata", &res.metadata),
        ("update_policy", &res.update_policy),
        ("creation_policy", &res.creation_policy),
    ] {
        if let Some(json) = json {
            let span = r
                .entries
                .iter()
                .find(|e| e.key.node == key)
                .map_or(r.span, |e| e.value.span);
            // `reads_at_deploy` is about properties only (its own documentation says so).
            references(json, span, &mut found);
        }
    }
    merge_references(&mut res.refs, found);
    // Written but `none` (an optional left out) counts as missing.
    let missing: Vec<&str> = schema
        .required
        .iter()
        .copied()
        .filter(|p| left_out.contains(p))
        .collect();
    if !missing.is_empty() {
        let list = crate::diagnostics::code_list(&missing);
        diags.push(
            Diagnostic::error(
                Code::MissingProperty,
                r.name.span,
                format!("required {list} of `{}` is `none` here", rr.name),
            )
            .with_label("declared here")
            .with_help("pass a value: a required property cannot be left out"),
        );
    }
    Built {
        resource: Some(res),
        diags,
    }
}

/// The references of one property: each at the expression that made it where the
/// value remembers one (`lb.GroupId`), else at the whole property value; and whether
/// the property may read something at deploy time (as [`references`]).
fn value_references(
    value: &Value,
    json: &Json,
    whole: Span,
    out: &mut Vec<ResourceDependency>,
) -> bool {
    fn precise(v: &Value, out: &mut Vec<ResourceDependency>) {
        match v {
            Value::Deploy(d) | Value::Secret(d) => {
                references(&d.json, d.origin, out);
            }
            Value::List(xs) => xs.iter().for_each(|x| precise(x, out)),
            Value::Record(m) => m.values().for_each(|x| precise(x, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    precise(value, &mut found);
    let reads = references(json, whole, &mut found);
    merge_references(out, found);
    reads
}

/// Adds `found` to `out`, keeping the first (most precise) span of each target and kind.
fn merge_references(out: &mut Vec<ResourceDependency>, found: Vec<ResourceDependency>) {
    for d in found {
        if !out.iter().any(|o| o.target == d.target && o.kind == d.kind) {
            out.push(d);
        }
    }
}

/// Collects the references in a property value: `Ref`, `Fn::GetAtt`, and the
/// variables of `Fn::Sub` templates (except `${!literal}` and the ones the
/// substitution map defines). Returns, from the same walk, whether the value may read
/// something at deploy time (`CfnResource::reads_at_deploy`), by the same tests as
/// the bootstrap templates' walk for read permissions.
///
/// A target already in `out` by the same mechanism is not added again, whatever its
/// span: every caller merges what it finds with [`merge_references`], which keeps the
/// first of each anyway, and this way a reference found twice (at the expression that
/// made it, then in the whole property) is not copied twice.
fn references(json: &Json, span: Span, out: &mut Vec<ResourceDependency>) -> bool {
    /// `RefKind` borrowed: an attribute's name is copied only for a new dependency.
    #[derive(Clone, Copy)]
    enum Kind<'j> {
        Ref,
        GetAtt(&'j str),
        Sub,
    }
    fn push(out: &mut Vec<ResourceDependency>, target: &str, kind: Kind<'_>, span: Span) {
        let same = |d: &RefKind| match (kind, d) {
            (Kind::Ref, RefKind::Ref) | (Kind::Sub, RefKind::Sub) => true,
            (Kind::GetAtt(a), RefKind::GetAtt(b)) => a == b,
            _ => false,
        };
        if !out.iter().any(|d| d.target == target && same(&d.kind)) {
            out.push(ResourceDependency {
                target: target.to_string(),
                kind: match kind {
                    Kind::Ref => RefKind::Ref,
                    Kind::GetAtt(a) => RefKind::GetAtt(a.to_string()),
                    Kind::Sub => RefKind::Sub,
                },
                span,
            });
        }
    }
    match json {
        Json::String(s) => super::text_may_read(s),
        Json::Object(o) => {
            let mut reads = super::stack_output_read(o).is_some();
            for (key, v) in o {
                match (key.as_str(), v) {
                    ("Ref", Json::String(id)) => push(out, id, Kind::Ref, span),
                    ("Fn::GetAtt", Json::Array(a)) => {
                        if let [Json::String(id), Json::String(attr)] = a.as_slice() {
                            push(out, id, Kind::GetAtt(attr), span);
                        }
                    }
                    ("Fn::Sub", Json::String(t)) => {
                        for id in sub_variables(t) {
                            push(out, id, Kind::Sub, span);
                        }
                    }
                    ("Fn::Sub", Json::Array(a)) => {
                        if let Some(Json::String(t)) = a.first() {
                            let defined = a.get(1).and_then(Json::as_object);
                            for id in sub_variables(t) {
                                if !defined.is_some_and(|m| m.contains_key(id)) {
                                    push(out, id, Kind::Sub, span);
                                }
                            }
                        }
                    }
                    _ => {}
                }
                reads |= references(v, span, out);
            }
            reads
        }
        Json::Array(a) => {
            let mut reads = false;
            for v in a {
                reads |= references(v, span, out);
            }
            reads
        }
        _ => false,
    }
}

/// The logical IDs a `Fn::Sub` template names: `${Id}` and `${Id.Attribute}`.
fn sub_variables(template: &str) -> impl Iterator<Item = &str> {
    // Each `$` found with memchr, then `{` after it: a two-byte pattern is searched
    // with the general substring algorithm, several times slower on short strings.
    template.match_indices('$').filter_map(move |(at, _)| {
        let rest = template[at + 1..].strip_prefix('{')?;
        let end = rest.find('}')?;
        let var = &rest[..end];
        if var.starts_with('!') {
            return None; // `${!Literal}`
        }
        let id = var.split('.').next().unwrap_or(var);
        (!id.is_empty() && !id.contains("::")).then_some(id)
    })
}

pub(super) fn secret_in(
    span: Span,
    place: &str,
    why: &str,
    origin: Span,
    what: &What,
) -> Diagnostic {
    Diagnostic::error(Code::SecretLeak, span, format!("a Secret cannot be used in {place}"))
        .with_label(why.to_string())
        .with_secondary(origin, format!("{what} comes from here"))
        .with_help("pass the secret's ARN and read the value at run time, e.g. `aws secretsmanager get-secret-value --secret-id ...`")
}

/// Where a value sits inside a property, built without allocating; formatted
/// (`LaunchTemplateData.BlockDeviceMappings[0].Ebs`) only when there is an error.
#[derive(Clone, Copy)]
pub(super) enum Path<'a> {
    Root(&'a str),
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    /// The first property name on the path (from the root) that satisfies `f`.
    fn find_key(&self, f: &dyn Fn(&str) -> bool) -> Option<String> {
        let (here, parent) = match self {
            Path::Root(k) => (Some(*k), None),
            Path::Key(p, k) => (Some(*k), Some(*p)),
            Path::Index(p, _) => (None, Some(*p)),
        };
        parent
            .and_then(|p| p.find_key(f))
            .or_else(|| here.filter(|k| f(k)).map(str::to_string))
    }
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Path::Root(k) => write!(out, "{k}"),
            Path::Key(p, k) => write!(out, "{p}.{k}"),
            Path::Index(p, i) => write!(out, "{p}[{i}]"),
        }
    }
}

/// Converts a value to template JSON, checking it against the schema shape.
pub(super) fn to_cfn(v: &Value, shape: &Shape, path: &Path<'_>) -> Result<Json, PropError> {
    let err = |code: Code, message: String| PropError {
        code,
        path: path.to_string(),
        message,
        help: None,
        origin: None,
    };
    let mismatch = || {
        err(
            Code::PropertyType,
            format!(
                "`{path}` expects {}, found {}",
                shape.describe(),
                v.describe()
            ),
        )
    };
    if let Value::Secret(d) = v {
        // Clear-text places, at any depth: user data, tags, tag specifications.
        let exposed = path.find_key(&|seg| {
            seg.ends_with("UserData") || seg == "Tags" || seg == "TagSpecifications"
        });
        if let Some(seg) = exposed {
            let place = if seg.ends_with("UserData") {
                "user data"
            } else {
                "a tag"
            };
            return Err(PropError {
                origin: Some((d.origin, d.what.clone())),
                help: Some("pass the secret's ARN and read the value at run time, e.g. `aws secretsmanager get-secret-value --secret-id ...`".into()),
                ..err(Code::SecretLeak, format!("a Secret cannot be used in {place} (`{path}`): it would be readable in clear text"))
            });
        }
    }
    match (v, shape) {
        // A deploy-time list never fits a scalar, and a `Ref` (always one string) never
        // fits a list; other attributes' shapes are not known, so they pass.
        (
            Value::Deploy(d),
            Shape::String | Shape::Integer | Shape::Number | Shape::Boolean | Shape::Enum(_),
        ) if d.shape == DeployShape::List => Err(PropError {
            origin: Some((d.origin, d.what.clone())),
            ..mismatch()
        }),
        (Value::Deploy(d), Shape::List(_))
            if d.shape == DeployShape::Scalar && d.json.get("Ref").is_some() =>
        {
            Err(PropError {
                origin: Some((d.origin, d.what.clone())),
                help: Some("wrap it in a list: `[x.ref]`".into()),
                ..mismatch()
            })
        }
        (Value::Deploy(_), _) => match v {
            Value::Deploy(d) => Ok(Json::clone(&d.json)),
            _ => Err(mismatch()),
        },
        (Value::Secret(d), Shape::String | Shape::Json) => Ok(Json::clone(&d.json)),
        (Value::Secret(d), Shape::Union(alts))
            if alts.iter().any(|a| matches!(a, Shape::String)) =>
        {
            Ok(Json::clone(&d.json))
        }
        (Value::Secret(d), _) => Err(PropError {
            origin: Some((d.origin, d.what.clone())),
            ..err(
                Code::SecretLeak,
                format!("a Secret cannot be used as {}", shape.describe()),
            )
        }),
        (Value::Resource(r), _) => Err(PropError {
            help: Some(format!(
                "use `{}.ref` for its Ref, or an attribute such as `{}.Arn`",
                r.name, r.name
            )),
            ..mismatch()
        }),
        (_, Shape::Union(alts)) => {
            let preferred = alts.iter().find(|a| kind_matches(v, a)).or(alts.first());
            match preferred {
                Some(a) => to_cfn(v, a, path),
                None => Ok(v.plain_json().unwrap_or(Json::Null)),
            }
        }
        (_, Shape::Json) => v.plain_json().ok_or_else(mismatch),
        (Value::Str(s), Shape::Enum(allowed)) => {
            if allowed.contains(s) {
                Ok(Json::from(s.clone()))
            } else {
                let help = did_you_mean(s, allowed.iter().map(String::as_str))
                    .map(|b| format!("did you mean \"{b}\"?"));
                let shown: Vec<String> = allowed
                    .iter()
                    .take(12)
                    .map(|a| format!("\"{a}\""))
                    .collect();
                let more = if allowed.len() > 12 { ", ..." } else { "" };
                Err(PropError {
                    help: help.or_else(|| Some(format!("allowed: {}{more}", shown.join(", ")))),
                    ..err(
                        Code::PropertyEnum,
                        format!("`{path}` does not allow \"{s}\""),
                    )
                })
            }
        }
        (Value::Str(s), Shape::String) => Ok(Json::from(s.clone())),
        (Value::Int(n), Shape::String) => Ok(Json::from(n.to_string())),
        (Value::Bool(b), Shape::String) => Ok(Json::from(b.to_string())),
        (Value::Duration(s), Shape::String) => Ok(Json::from(s.to_string())),
        (Value::Int(n), Shape::Enum(allowed)) => {
            let s = n.to_string();
            if allowed.contains(&s) {
                Ok(Json::from(s))
            } else {
                Err(err(
                    Code::PropertyEnum,
                    format!("`{path}` does not allow {n}"),
                ))
            }
        }
        (Value::Int(_) | Value::Str(_), Shape::IntEnum(allowed))
            if !allowed.iter().any(|a| Some(*a) == int_of(v)) =>
        {
            let shown = if let Value::Int(n) = v {
                n.to_string()
            } else {
                v.describe()
            };
            let nearest = int_of(v).and_then(|n| {
                allowed
                    .iter()
                    .min_by_key(|a| (*a - n).unsigned_abs())
                    .copied()
            });
            Err(PropError {
                help: Some(match nearest {
                    Some(a) => format!(
                        "the nearest allowed value is {a}; allowed: {}",
                        shape.describe().trim_start_matches("one of ")
                    ),
                    None => shape.describe(),
                }),
                ..err(
                    Code::PropertyEnum,
                    format!("`{path}` does not allow {shown}"),
                )
            })
        }
        (Value::Int(n), Shape::IntEnum(_)) => Ok(json!(n)),
        (Value::Str(s), Shape::IntEnum(_)) => Ok(json!(s.parse::<i64>().unwrap_or(0))),
        (Value::Duration(secs), Shape::IntEnum(allowed)) if allowed.contains(&(*secs as i64)) => {
            Ok(json!(secs))
        }
        (Value::Int(n), Shape::Integer | Shape::Number) => Ok(json!(n)),
        (Value::Duration(s), Shape::Integer | Shape::Number) => Ok(json!(s)),
        (Value::Str(s), Shape::Integer) if s.parse::<i64>().is_ok() => {
            Ok(json!(s.parse::<i64>().unwrap_or(0)))
        }
        (Value::Str(s), Shape::Number) if s.parse::<f64>().is_ok_and(f64::is_finite) => {
            Ok(serde_json::from_str::<json::Number>(s)
                .map_or_else(|_| Json::from(s.clone()), Json::Number))
        }
        (Value::Bool(b), Shape::Boolean) => Ok(json!(b)),
        (Value::List(xs), Shape::List(item)) => {
            let mut out = Vec::with_capacity(xs.len());
            for (i, x) in xs.iter().enumerate() {
                if matches!(x, Value::None | Value::Error) {
                    continue;
                }
                out.push(to_cfn(x, item, &Path::Index(path, i))?);
            }
            Ok(Json::Array(out))
        }
        (Value::Record(m), Shape::Map(item)) => {
            let mut out = crate::json::Map::with_capacity(m.len());
            for (k, x) in m {
                if matches!(x, Value::None | Value::Error) {
                    continue;
                }
                out.insert(k.clone(), to_cfn(x, item, &Path::Key(path, k))?);
            }
            Ok(Json::Object(out))
        }
        (
            Value::Record(m),
            Shape::Object {
                properties,
                required,
            },
        ) => {
            let mut out = crate::json::Map::with_capacity(m.len());
            for (k, x) in m {
                let sub = Path::Key(path, k);
                // The name as the schema spells it, borrowed: the template's key is
                // not a copy.
                let Some((name, s)) = properties.get_key_value(k) else {
                    let help = did_you_mean(k, properties.keys())
                        .map(|b| format!("did you mean `{b}`?"))
                        .or_else(|| {
                            Some(format!(
                                "its properties are {}",
                                properties
                                    .keys()
                                    .map(|p| format!("`{p}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ))
                        });
                    return Err(PropError {
                        path: sub.to_string(),
                        help,
                        ..err(
                            Code::UnknownProperty,
                            format!("`{path}` has no property `{k}`"),
                        )
                    });
                };
                if matches!(x, Value::None | Value::Error) {
                    continue;
                }
                out.insert(name, to_cfn(x, s, &sub)?);
            }
            let missing: Vec<&str> = required
                .iter()
                .copied()
                .filter(|k| !out.contains_key(*k))
                .collect();
            if !missing.is_empty() && !m.values().any(Value::is_error) {
                let list = crate::diagnostics::code_list(&missing);
                return Err(PropError {
                    help: Some(format!("add {list}")),
                    ..err(
                        Code::MissingProperty,
                        format!("`{path}` is missing required {list}"),
                    )
                });
            }
            Ok(Json::Object(out))
        }
        (Value::Error, _) | (Value::None, _) => Ok(Json::Null),
        _ => {
            let mut e = mismatch();
            if let (Value::List(_), Shape::String) = (v, shape) {
                e.help = Some("join the list: `join(\",\", xs)`".into());
            } else if let (Value::Str(s), Shape::Boolean | Shape::Integer | Shape::Number) =
                (v, shape)
            {
                e.help = Some(format!("write it without quotes, not \"{s}\""));
            }
            Err(e)
        }
    }
}

/// An integer value, or a string holding one.
fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Int(n) => Some(*n),
        Value::Str(s) => s.parse().ok(),
        _ => None,
    }
}

fn kind_matches(v: &Value, s: &Shape) -> bool {
    matches!(
        (v, s),
        (Value::Str(_), Shape::String | Shape::Enum(_))
            | (
                Value::Int(_),
                Shape::Integer | Shape::Number | Shape::IntEnum(_)
            )
            | (Value::Bool(_), Shape::Boolean)
            | (Value::List(_), Shape::List(_))
            | (Value::Record(_), Shape::Object { .. } | Shape::Map(_))
    )
}

fn prop_diag(e: PropError, entry: &ast::Entry, type_name: &str) -> Diagnostic {
    // Paths start with the property itself (`Prop[0].Sub`): locate the rest in its value.
    let rest = e.path.strip_prefix(entry.key.node.as_str()).unwrap_or("");
    let span = locate(&entry.value, rest, e.code == Code::UnknownProperty);
    let mut d = Diagnostic::error(e.code, span, e.message).with_label(format!("in `{type_name}`"));
    if let Some(h) = e.help {
        d = d.with_help(h);
    }
    if let Some((s, w)) = e.origin {
        d = d.with_secondary(s, format!("{w} comes from here"));
    }
    d
}

/// The diagnostic for a value that does not fit its declared type: at the offending
/// part of `expr` when the value was written there, else at `span`.
pub(super) fn mismatch_diagnostic(
    m: crate::types::Mismatch,
    what: &str,
    ty: &crate::types::Type,
    span: Span,
    expr: Option<&Expr>,
) -> Diagnostic {
    let at = if m.path.is_empty() {
        String::new()
    } else {
        format!(" (at `{}`)", m.path)
    };
    let span = expr.map_or(span, |e| find_span(e, &m.path));
    let mut d = Diagnostic::error(m.code, span, format!("{what}: {}{at}", m.message))
        .with_label(format!("expected {}", ty.describe()));
    if let Some(h) = m.help {
        d = d.with_help(h);
    }
    if let Some((s, w)) = m.origin {
        d = d.with_secondary(s, format!("{w} comes from here"));
    }
    d
}

/// The span of the part of a literal at `path` (`A.B[2].C`), as deep as the literal goes.
pub fn find_span(expr: &Expr, path: &str) -> Span {
    locate(expr, path, false)
}

/// Like [`find_span`]; with `key`, a path ending in a record key gives the key's span.
fn locate(expr: &Expr, path: &str, key: bool) -> Span {
    let mut cur = expr;
    let mut key_span = None;
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        let (name, indices) = match seg.find('[') {
            Some(i) => (&seg[..i], &seg[i..]),
            None => (seg, ""),
        };
        if !name.is_empty() {
            let ExprKind::Record(entries) = &cur.kind else {
                return cur.span;
            };
            match entries.iter().find(|e| e.key.node == name) {
                Some(e) => {
                    cur = &e.value;
                    key_span = Some(e.key.span);
                }
                None => return cur.span,
            }
        }
        for idx in indices.split(['[', ']']).filter(|s| !s.is_empty()) {
            let (ExprKind::List(xs), Ok(i)) = (&cur.kind, idx.parse::<usize>()) else {
                return cur.span;
            };
            match xs.get(i) {
                Some(x) => {
                    cur = x;
                    key_span = None;
                }
                None => return cur.span,
            }
        }
    }
    match key_span {
        Some(k) if key => k,
        _ => cur.span,
    }
}

/// An interpolated string with deploy-time parts: `Fn::Sub` when every part is a Ref
/// or GetAtt (readable), else `Fn::Join`.
pub fn sub_or_join(pieces: Vec<Json>) -> Json {
    let mut template = String::new();
    let mut simple = true;
    for p in &pieces {
        match p {
            Json::String(s) => template.push_str(&s.replace("${", "${!")),
            Json::Object(o) => match (o.get("Ref"), o.get("Fn::GetAtt")) {
                (Some(Json::String(r)), None) if o.len() == 1 => {
                    template.push_str(&format!("${{{r}}}"))
                }
                (None, Some(Json::Array(a))) if o.len() == 1 && a.len() == 2 => {
                    match (&a[0], &a[1]) {
                        (Json::String(l), Json::String(attr)) => {
                            template.push_str(&format!("${{{l}.{attr}}}"))
                        }
                        _ => simple = false,
                    }
                }
                _ => simple = false,
            },
            _ => simple = false,
        }
    }
    if simple {
        object! { "Fn::Sub" => template }
    } else {
        object! { "Fn::Join" => vec![Json::from(""), Json::Array(pieces)] }
    }
}

#[cfg(test)]
mod tests {
    use super::sub_variables;

    #[test]
    fn sub_variables_names_the_logical_ids_a_template_reads() {
        fn ids(t: &str) -> Vec<&str> {
            sub_variables(t).collect()
        }
        assert_eq!(ids("${Bucket}/${Role.Arn}"), ["Bucket", "Role"]);
        assert_eq!(ids("arn:${AWS::Partition}:s3:::${Bucket}/*"), ["Bucket"]);
        assert_eq!(ids("${!Literal} $${Twice} $ {NotOne} $"), ["Twice"]);
        assert_eq!(ids("é${Ünïcode}ß${Open"), ["Ünïcode"]);
        assert!(ids("${} plain").is_empty());
    }
}
