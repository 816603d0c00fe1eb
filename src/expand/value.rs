//! Values computed while expanding a stack for one environment and region. A value
//! is either known at compile time, or a CloudFormation expression that only
//! CloudFormation can resolve at deploy time (`Deploy`), or a `Secret`.

use crate::json::Value as Json;
use crate::Map;
use std::rc::Rc;

use crate::span::Span;

/// Whether a deploy-time value is a single string or a list (an imported list is
/// `Fn::Split` over the exporter's `Fn::Join`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeployShape {
    Scalar,
    List,
}

/// A value only CloudFormation knows: its intrinsic form and where it came from.
/// The intrinsic and the words are shared: a binding is copied at every read, and
/// whatever writes the value into a template copies the intrinsic from here.
#[derive(Clone, Debug, PartialEq)]
pub struct Deploy {
    pub json: Rc<Json>,
    pub shape: DeployShape,
    /// The expression that made it, for "this value comes from ..." labels.
    pub origin: Span,
    /// What it is, in words: "the Ref of `vpc`", "an import of network.vpc_id".
    pub what: What,
}

/// What a deploy-time value is, for messages ("`vpc.Arn` comes from here"). The
/// common ones, a resource's `ref` and attributes, are written out only when a
/// message needs them: a build makes thousands of such values and reports on few.
#[derive(Clone, Debug, PartialEq)]
pub enum What {
    Text(Rc<str>),
    /// The Ref of a resource.
    Ref(ResourceRef),
    /// An attribute of a resource: its index in the type's schema's `attributes`
    /// (an index, not the name, keeps the value two words long).
    Attr(ResourceRef, u16),
}

impl From<String> for What {
    fn from(s: String) -> What {
        What::Text(s.into())
    }
}

impl From<&str> for What {
    fn from(s: &str) -> What {
        What::Text(s.into())
    }
}

/// "the Ref of `vpc`", "`vpc.Arn`", "an import of network.vpc_id".
impl std::fmt::Display for What {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            What::Text(t) => out.write_str(t),
            What::Ref(r) => write!(out, "the Ref of `{}`", r.name),
            What::Attr(r, i) => {
                let attr = crate::schema::SchemaDb::embedded()
                    .resource(&r.type_name)
                    .and_then(|s| s.attributes.get(usize::from(*i)))
                    .copied()
                    .unwrap_or("?");
                write!(out, "`{}.{attr}`", r.name)
            }
        }
    }
}

/// Another stack of the same environment, as the target of a reference: `network`,
/// `network["us-east-2"]` (another region), `weak(network)`.
#[derive(Clone, Debug, PartialEq)]
pub struct StackTarget {
    pub name: String,
    /// Another region of the environment; `None` for the referring stack's own.
    pub region: Option<String>,
    /// Read with `Fn::GetStackOutput` instead of an export and `Fn::ImportValue`
    /// (always, across regions).
    pub weak: bool,
}

impl StackTarget {
    pub fn new(name: &str) -> StackTarget {
        StackTarget {
            name: name.to_string(),
            region: None,
            weak: false,
        }
    }
}

/// A resource declared in the stack instance being expanded. Shared: a binding is
/// copied at every read, and a resource is read for each of its references, so a
/// copy is a count, not three strings.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceRef(Rc<ResourceNames>);

/// What a [`ResourceRef`] names.
#[derive(Debug, PartialEq)]
pub struct ResourceNames {
    pub logical_id: String,
    pub type_name: String,
    pub name: String,
    pub decl: Span,
}

impl ResourceRef {
    pub fn new(names: ResourceNames) -> ResourceRef {
        ResourceRef(Rc::new(names))
    }
}

impl std::ops::Deref for ResourceRef {
    type Target = ResourceNames;

    fn deref(&self) -> &ResourceNames {
        &self.0
    }
}

/// A record's fields by name, in order: a few each, so a [`VecMap`](crate::vecmap::VecMap).
pub type Fields = crate::vecmap::VecMap<String, Value>;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(String),
    Int(i64),
    Bool(bool),
    /// Seconds.
    Duration(u64),
    None,
    List(Vec<Value>),
    Record(Fields),
    Deploy(Deploy),
    /// A dynamic reference that must never become clear text.
    Secret(Deploy),
    Resource(ResourceRef),
    /// `r.Endpoint` on the way to `r.Endpoint.Address`.
    PartialAttr(ResourceRef, String),
    /// Resources declared with a key, by key.
    ResourceMap(Map<String, ResourceRef>),
    /// Another stack, for cross-stack references.
    Stack(StackTarget),
    Component(usize),
    Builtin(super::builtins::Builtin),
    /// The result of a failed expression: accepted silently so one mistake reports once.
    Error,
}

impl Value {
    /// A short description of the kind of value, for messages.
    pub fn describe(&self) -> String {
        match self {
            Value::Str(_) => "a String".into(),
            Value::Int(_) => "an Int".into(),
            Value::Bool(_) => "a Bool".into(),
            Value::Duration(_) => "a Duration".into(),
            Value::None => "`none`".into(),
            Value::List(_) => "a list".into(),
            Value::Record(_) => "a record".into(),
            Value::Deploy(d) if d.shape == DeployShape::List => "a deploy-time list".into(),
            Value::Deploy(_) => "a deploy-time String".into(),
            Value::Secret(_) => "a Secret".into(),
            Value::Resource(r) => format!("the resource `{}` ({})", r.name, r.type_name),
            Value::PartialAttr(r, a) => format!("part of an attribute path `{}.{a}`", r.name),
            Value::ResourceMap(_) => "a set of keyed resources".into(),
            Value::Stack(s) => match &s.region {
                Some(r) => format!("the stack `{}` in {r}", s.name),
                None => format!("the stack `{}`", s.name),
            },
            Value::Component(_) => "a component".into(),
            Value::Builtin(_) => "a built-in function".into(),
            Value::Error => "an erroneous value".into(),
        }
    }

    /// The first deploy-time part of a value, if any part of it is deploy-time.
    pub fn deploy_part(&self) -> Option<&Deploy> {
        match self {
            Value::Deploy(d) => Some(d),
            Value::List(xs) => xs.iter().find_map(Value::deploy_part),
            Value::Record(m) => m.values().find_map(Value::deploy_part),
            _ => None,
        }
    }

    /// The first secret inside a value, if any.
    pub fn secret_part(&self) -> Option<&Deploy> {
        match self {
            Value::Secret(d) => Some(d),
            Value::List(xs) => xs.iter().find_map(Value::secret_part),
            Value::Record(m) => m.values().find_map(Value::secret_part),
            _ => None,
        }
    }

    /// Plain data as JSON: strings, numbers, lists, records, and deploy-time parts as
    /// their intrinsics; `none` entries are left out. `None` for resources, stacks,
    /// secrets and the like. (`to_json` rejects deploy-time parts before calling this.)
    pub fn plain_json(&self) -> Option<Json> {
        Some(match self {
            Value::Str(s) => Json::from(s.clone()),
            Value::Int(n) => Json::from(*n),
            Value::Bool(b) => Json::Bool(*b),
            Value::Duration(s) => Json::from(*s),
            Value::Deploy(d) => Json::clone(&d.json),
            Value::List(xs) => Json::Array(
                xs.iter()
                    .filter(|x| !matches!(x, Value::None))
                    .map(Value::plain_json)
                    .collect::<Option<_>>()?,
            ),
            Value::Record(m) => {
                let mut out = crate::json::Map::with_capacity(m.len());
                for (k, x) in m {
                    if !matches!(x, Value::None) {
                        out.insert(k.clone(), x.plain_json()?);
                    }
                }
                Json::Object(out)
            }
            _ => return None,
        })
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Value::Error)
    }

    /// Whether an error (already reported) sits anywhere inside the value.
    pub fn has_error(&self) -> bool {
        match self {
            Value::Error => true,
            Value::List(xs) => xs.iter().any(Value::has_error),
            Value::Record(m) => m.values().any(Value::has_error),
            _ => false,
        }
    }
}
