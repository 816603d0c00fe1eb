//! Resource options (`depends_on`, deletion and update policies, `metadata`,
//! `suppress`) and tags: the app's, the environment's and the resource's own, written in the form the
//! resource type's schema wants.

use crate::json::Value as Json;
use crate::Map;

use super::env::{AppInfo, EnvInfo};
use super::props::{secret_in, to_cfn, Path};
use super::value::{Fields, Value};
use super::CfnResource;
use crate::codes::Code;
use crate::diagnostics::{did_you_mean, Diagnostic};
use crate::schema::{Properties, ResourceSchema, Shape, Tagging};
use crate::span::Span;
use crate::syntax::ast;

/// The resource options: `depends_on`, `deletion_policy`, `update_replace_policy`,
/// `update_policy`, `creation_policy`, `metadata`, `suppress`.
pub(super) fn option(
    res: &mut CfnResource,
    entry: &ast::Entry,
    value: Value,
    diags: &mut Vec<Diagnostic>,
) {
    let span = entry.value.span;
    match entry.key.node.as_str() {
        "depends_on" => {
            let items = match value {
                Value::List(xs) => xs,
                other => vec![other],
            };
            for item in items {
                match item {
                    Value::Resource(r) => {
                        if !res.depends_on.contains(&r.logical_id) {
                            res.depends_on.push(r.logical_id.clone());
                        }
                    }
                    Value::ResourceMap(m) => {
                        for r in m.into_values() {
                            if !res.depends_on.contains(&r.logical_id) {
                                res.depends_on.push(r.logical_id.clone());
                            }
                        }
                    }
                    Value::Error => {}
                    other => diags.push(
                        Diagnostic::error(
                            Code::BadResourceOption,
                            span,
                            format!("`depends_on` lists resources, found {}", other.describe()),
                        )
                        .with_label("expected resources of this body")
                        .with_help(
                            "name the resources directly: `depends_on = [gateway_attachment]`",
                        ),
                    ),
                }
            }
        }
        key @ ("deletion_policy" | "update_replace_policy") => {
            let allowed: &[&str] = if key == "deletion_policy" {
                &["Delete", "Retain", "RetainExceptOnCreate", "Snapshot"]
            } else {
                &["Delete", "Retain", "Snapshot"]
            };
            match value {
                Value::Str(s) if allowed.contains(&s.as_str()) => {
                    if key == "deletion_policy" {
                        res.deletion_policy = Some(s);
                    } else {
                        res.update_replace_policy = Some(s);
                    }
                }
                other => {
                    let shown = if let Value::Str(s) = &other {
                        format!("\"{s}\"")
                    } else {
                        other.describe()
                    };
                    let mut d = Diagnostic::error(
                        Code::BadResourceOption,
                        span,
                        format!(
                            "`{key}` must be one of {}, found {shown}",
                            allowed.join(", ")
                        ),
                    )
                    .with_label("invalid policy");
                    if let Value::Str(s) = &other {
                        if let Some(best) = did_you_mean(s, allowed.iter().copied()) {
                            d = d.with_help(format!("did you mean \"{best}\"?"));
                        }
                    }
                    diags.push(d);
                }
            }
        }
        key @ ("update_policy" | "creation_policy") => {
            if let Some(d) = policy_problem(key, &res.type_name, &value, span) {
                diags.push(d);
                return;
            }
            match to_cfn(
                &iso_durations(value.clone()),
                &Shape::Json,
                &Path::Root(key),
            ) {
                Ok(j @ Json::Object(_)) => {
                    if key == "update_policy" {
                        res.update_policy = Some(j);
                    } else {
                        res.creation_policy = Some(j);
                    }
                }
                _ => diags.push(
                    Diagnostic::error(
                        Code::BadResourceOption,
                        span,
                        format!("`{key}` must be a record, found {}", value.describe()),
                    )
                    .with_label("expected `{ ... }` as CloudFormation documents it"),
                ),
            }
        }
        "metadata" => {
            if let Some(s) = value.secret_part() {
                diags.push(secret_in(
                    span,
                    "metadata",
                    "metadata is readable in clear text",
                    s.origin,
                    &s.what,
                ));
                return;
            }
            match to_cfn(&value, &Shape::Json, &Path::Root("metadata")) {
                Ok(Json::Object(mut m)) => {
                    // Suppressions go through `suppress`, which insists on a reason.
                    for tool in ["checkov", "cfn-lint"] {
                        if m.shift_remove(tool).is_some() {
                            diags.push(
                                Diagnostic::error(
                                    Code::BadSuppression,
                                    span,
                                    format!("`metadata` cannot set `{tool}`"),
                                )
                                .with_label("suppressions written by hand")
                                .with_help("list the checks in `suppress = { CHECK_ID = \"reason\" }`: it writes this key for the tool, and requires a reason for each"),
                            );
                        }
                    }
                    merge_metadata(res, m);
                }
                _ => diags.push(
                    Diagnostic::error(Code::BadResourceOption, span, "`metadata` must be a record")
                        .with_label("expected `{ ... }`"),
                ),
            }
        }
        "suppress" => {
            if let Some(m) = suppressions(value, &entry.value, diags) {
                merge_metadata(res, m);
            }
        }
        // Unknown options were reported by the static check.
        _ => {}
    }
}

/// Adds keys to the resource's `Metadata`: `metadata` and `suppress` both write there,
/// in either order, and never the same keys (`metadata` may not set the tools' keys).
fn merge_metadata(res: &mut CfnResource, add: crate::json::Map) {
    if let Json::Object(into) = res
        .metadata
        .get_or_insert_with(|| Json::Object(Default::default()))
    {
        into.extend(add);
    }
}

/// Which tool a suppressed check id belongs to.
enum Tool {
    Checkov,
    CfnLint,
}

/// `CKV_AWS_18`, `CKV2_AWS_5`: checkov; `W3005`, `I3011`: cfn-lint; `E3012`: a cfn-lint
/// error, which is never suppressed (the template would be wrong).
fn tool_of(id: &str) -> Result<Tool, &'static str> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if let Some(rest) = id.strip_prefix("CKV_").or_else(|| id.strip_prefix("CKV2_")) {
        return match rest.rsplit_once('_') {
            Some((framework, n))
                if digits(n)
                    && !framework.is_empty()
                    && framework
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) =>
            {
                Ok(Tool::Checkov)
            }
            _ => Err("checkov ids look like `CKV_AWS_18` or `CKV2_AWS_5`"),
        };
    }
    match id.as_bytes().first() {
        Some(b'W' | b'I') if id.len() == 5 && digits(&id[1..]) => Ok(Tool::CfnLint),
        Some(b'E') if id.len() == 5 && digits(&id[1..]) => Err(
            "cfn-lint errors mean the template is wrong, and cannot be suppressed: fix the resource",
        ),
        _ => Err("name a checkov check (`CKV_AWS_18`) or a cfn-lint warning (`W3005`)"),
    }
}

/// `suppress = { CKV_AWS_18 = "reason", W3005 = "reason" }`: the checks a scanner must
/// not report for this resource, each with the reason, written where each tool reads
/// them (`Metadata.checkov.skip`, `Metadata.cfn-lint.config.ignore_checks`).
fn suppressions(
    value: Value,
    written: &ast::Expr,
    diags: &mut Vec<Diagnostic>,
) -> Option<crate::json::Map> {
    let span = written.span;
    // Each check's own key and reason, when written as a record literal.
    let at = |id: &str, reason: bool| match &written.kind {
        ast::ExprKind::Record(entries) => entries
            .iter()
            .find(|e| e.key.node == id)
            .map_or(span, |e| if reason { e.value.span } else { e.key.span }),
        _ => span,
    };
    let Value::Record(entries) = value else {
        if !matches!(value, Value::Error) {
            diags.push(
                Diagnostic::error(
                    Code::BadSuppression,
                    span,
                    format!("`suppress` takes a record of checks and reasons, found {}", value.describe()),
                )
                .with_label("expected `{ CHECK_ID = \"reason\" }`")
                .with_help("for example `suppress = { CKV_AWS_18 = \"access logs of this bucket would log themselves\" }`"),
            );
        }
        return None;
    };
    let mut checkov: Vec<(String, String)> = Vec::new();
    let mut cfn_lint = Vec::new();
    for (id, reason) in entries {
        let tool = match tool_of(&id) {
            Ok(tool) => tool,
            Err(help) => {
                diags.push(
                    Diagnostic::error(
                        Code::BadSuppression,
                        at(&id, false),
                        format!("`{id}` is not a check that can be suppressed"),
                    )
                    .with_label("unknown check id")
                    .with_help(help),
                );
                continue;
            }
        };
        let reason = match reason {
            Value::Str(s) if !s.trim().is_empty() => s.trim().to_string(),
            Value::Error => continue,
            other => {
                let found = match &other {
                    Value::Str(_) => "an empty string".to_string(),
                    Value::Deploy(_) | Value::Secret(_) => "a deploy-time value".to_string(),
                    v => v.describe(),
                };
                diags.push(
                    Diagnostic::error(
                        Code::BadSuppression,
                        at(&id, true),
                        format!("the suppression of `{id}` needs a reason, found {found}"),
                    )
                    .with_label("reason missing")
                    .with_help(format!(
                        "say why the check does not apply here: `{id} = \"...\"`; reviewers and the scanner's report show it"
                    )),
                );
                continue;
            }
        };
        match tool {
            Tool::Checkov => checkov.push((id, reason)),
            Tool::CfnLint => cfn_lint.push(Json::from(id)),
        }
    }
    let mut out = crate::json::Map::new();
    if !checkov.is_empty() {
        out.insert(
            "checkov",
            crate::emit::checkov_skip(checkov.iter().map(|(id, r)| (id.as_str(), r.as_str()))),
        );
    }
    if !cfn_lint.is_empty() {
        out.insert(
            "cfn-lint",
            crate::json!({ "config": { "ignore_checks": cfn_lint } }),
        );
    }
    Some(out)
}

/// The policies CloudFormation defines, and the resource types each applies to.
const UPDATE_POLICIES: &[(&str, &[&str])] = &[
    (
        "AutoScalingRollingUpdate",
        &["AWS::AutoScaling::AutoScalingGroup"],
    ),
    (
        "AutoScalingReplacingUpdate",
        &["AWS::AutoScaling::AutoScalingGroup"],
    ),
    (
        "AutoScalingScheduledAction",
        &["AWS::AutoScaling::AutoScalingGroup"],
    ),
    ("CodeDeployLambdaAliasUpdate", &["AWS::Lambda::Alias"]),
    (
        "EnableVersionUpgrade",
        &[
            "AWS::OpenSearchService::Domain",
            "AWS::Elasticsearch::Domain",
        ],
    ),
    (
        "UseOnlineResharding",
        &["AWS::ElastiCache::ReplicationGroup"],
    ),
];
const CREATION_POLICIES: &[(&str, &[&str])] = &[
    (
        "AutoScalingCreationPolicy",
        &["AWS::AutoScaling::AutoScalingGroup"],
    ),
    (
        "ResourceSignal",
        &[
            "AWS::AutoScaling::AutoScalingGroup",
            "AWS::EC2::Instance",
            "AWS::CloudFormation::WaitCondition",
            "AWS::AppStream::Fleet",
        ],
    ),
    ("StartFleet", &["AWS::AppStream::Fleet"]),
];

/// An unknown policy key, or a policy on a type it does not apply to.
fn policy_problem(option: &str, type_name: &str, value: &Value, span: Span) -> Option<Diagnostic> {
    let table = if option == "update_policy" {
        UPDATE_POLICIES
    } else {
        CREATION_POLICIES
    };
    let Value::Record(m) = value else { return None };
    for key in m.keys() {
        match table.iter().find(|(k, _)| k == key) {
            None => {
                return Some(
                    Diagnostic::error(
                        Code::BadResourceOption,
                        span,
                        format!("`{option}` has no policy `{key}`"),
                    )
                    .with_label("unknown policy")
                    .with_suggestion(key, table.iter().map(|(k, _)| *k))
                    .with_note(format!(
                        "{option} policies: {}",
                        table.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
                    )),
                )
            }
            Some((_, types)) if !types.contains(&type_name) => {
                return Some(
                    Diagnostic::error(
                        Code::BadResourceOption,
                        span,
                        format!("`{key}` does not apply to `{type_name}`"),
                    )
                    .with_label(format!("`{option}` policy for another resource type"))
                    .with_note(format!("`{key}` applies to {}", types.join(", "))),
                )
            }
            Some(_) => {}
        }
    }
    None
}

/// Durations inside policies become ISO 8601 (`5m` → `PT5M`), the form they document.
fn iso_durations(v: Value) -> Value {
    match v {
        Value::Duration(secs) => {
            let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
            let mut out = String::from("PT");
            if h > 0 {
                out.push_str(&format!("{h}H"));
            }
            if m > 0 {
                out.push_str(&format!("{m}M"));
            }
            if s > 0 || secs == 0 {
                out.push_str(&format!("{s}S"));
            }
            Value::Str(out)
        }
        Value::List(xs) => Value::List(xs.into_iter().map(iso_durations).collect()),
        Value::Record(m) => {
            Value::Record(m.into_iter().map(|(k, v)| (k, iso_durations(v))).collect())
        }
        other => other,
    }
}

/// App tags, then `Environment`, then the resource's own tags (which win).
pub(super) fn tags(
    schema: &ResourceSchema,
    env: Option<&EnvInfo>,
    app: Option<&AppInfo>,
    user: Option<(Value, Span)>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Json> {
    let prop = schema.tagging.property()?;
    let app_tags = app.map_or(0, |a| a.tags.len());
    let mut merged = crate::json::Map::with_capacity(app_tags + 1);
    // Per-tag fields besides Key and Value, by tag key.
    let mut extras: Map<String, crate::json::Map> = Map::default();
    if let Some(app) = app {
        for (k, v) in &app.tags {
            merged.insert(k.clone(), Json::from(v.clone()));
        }
    }
    if let Some(env) = env {
        merged.insert("Environment", Json::from(env.name.clone()));
    }
    if let Some((value, span)) = user {
        if let Some(s) = value.secret_part() {
            diags.push(secret_in(
                span,
                "a tag",
                "tags are visible to anyone who can list resources",
                s.origin,
                &s.what,
            ));
        } else {
            // The CloudFormation list form `[{ Key = "k", Value = "v" }]` is accepted too,
            // with the type's other per-tag fields (Auto Scaling's `PropagateAtLaunch`).
            let item_fields: Option<&Properties> = match schema.properties.get(prop) {
                Some(Shape::List(item)) => match item.as_ref() {
                    Shape::Object { properties, .. } => Some(properties),
                    _ => None,
                },
                _ => None,
            };
            let value = match value {
                Value::List(items) => {
                    let mut m = Fields::default();
                    let mut ok = true;
                    for item in items {
                        let Value::Record(mut r) = item else {
                            ok = false;
                            continue;
                        };
                        let (Some(Value::Str(k)), Some(v)) =
                            (r.shift_remove("Key"), r.shift_remove("Value"))
                        else {
                            ok = false;
                            continue;
                        };
                        if m.contains_key(&k) {
                            diags.push(
                                Diagnostic::error(
                                    Code::Duplicate,
                                    span,
                                    format!("tag `{k}` is given twice"),
                                )
                                .with_label("duplicate tag"),
                            );
                        }
                        for (field, fv) in r {
                            match item_fields.and_then(|f| f.get(&field)) {
                                Some(shape) => match to_cfn(&fv, shape, &Path::Root(&field)) {
                                    Ok(j) => {
                                        extras.entry(k.clone()).or_default().insert(field, j);
                                    }
                                    Err(_) => diags.push(
                                        Diagnostic::error(
                                            Code::PropertyType,
                                            span,
                                            format!(
                                                "tag field `{field}` expects {}",
                                                shape.describe()
                                            ),
                                        )
                                        .with_label("wrong type"),
                                    ),
                                },
                                None => diags.push(
                                    Diagnostic::error(
                                        Code::UnknownProperty,
                                        span,
                                        format!(
                                            "tags of this resource type have no field `{field}`"
                                        ),
                                    )
                                    .with_label("unknown tag field")
                                    .with_suggestion(
                                        &field,
                                        item_fields.into_iter().flat_map(|f| f.keys()),
                                    ),
                                ),
                            }
                        }
                        m.insert(k, v);
                    }
                    if ok {
                        Value::Record(m)
                    } else {
                        Value::List(Vec::new())
                    }
                }
                other => other,
            };
            match value {
                Value::Record(m) => {
                    for (k, v) in m {
                        if matches!(v, Value::None) {
                            continue;
                        }
                        if k.is_empty() {
                            diags.push(Diagnostic::error(Code::PropertyType, span, "a tag key cannot be empty").with_label("empty key"));
                            continue;
                        }
                        match to_cfn(&v, &Shape::String, &Path::Root(&k)) {
                            Ok(j) => {
                                merged.shift_remove(k.as_str());
                                merged.insert(k, j);
                            }
                            Err(_) => diags.push(
                                Diagnostic::error(Code::PropertyType, span, format!("tag `{k}` must be a string, found {}", v.describe()))
                                    .with_label("tag values are strings"),
                            ),
                        }
                    }
                }
                other => diags.push(
                    Diagnostic::error(Code::PropertyType, span, format!("`{prop}` takes a record of tags, found {}", other.describe()))
                        .with_label("expected `{ Key = \"value\" }` or `[{ Key = \"k\", Value = \"v\" }]`")
                        .with_note("sleuthc writes tags in the form the resource type wants (a Key/Value list or a map)"),
                ),
            }
        }
    }
    if merged.is_empty() {
        return None;
    }
    match &schema.tagging {
        Tagging::Map { .. } => Some(Json::Object(merged)),
        Tagging::List { .. } => {
            // Some list forms require more fields per tag (Auto Scaling: PropagateAtLaunch).
            let extra_required: Vec<&str> = match schema.properties.get(prop) {
                Some(Shape::List(item)) => match item.as_ref() {
                    Shape::Object { required, .. } => required
                        .iter()
                        .copied()
                        .filter(|k| *k != "Key" && *k != "Value")
                        .collect(),
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            };
            let list = merged
                .into_iter()
                .map(|(k, v)| {
                    let own = extras.shift_remove(k.as_str()).unwrap_or_default();
                    let mut o =
                        crate::json::Map::with_capacity(2 + own.len() + extra_required.len());
                    o.insert("Key", Json::from(k));
                    o.insert("Value", v);
                    o.extend(own);
                    for extra in &extra_required {
                        o.get_or_insert_with(*extra, || Json::Bool(true));
                    }
                    Json::Object(o)
                })
                .collect();
            Some(Json::Array(list))
        }
        Tagging::None => None,
    }
}
