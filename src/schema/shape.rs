//! Value shapes of resource properties: the `Shape` type, its decoding from the
//! compact JSON codes of `schema/cfn.schemas`, and `describe` for diagnostics.

use crate::Map;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Unexpected, Visitor};

/// The shape a property value must have, reduced from the CloudFormation resource
/// schema (patterns, lengths and ranges are dropped).
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    String,
    Integer,
    Number,
    Boolean,
    /// Anything: free-form JSON, or a schema too deep or recursive to spell out.
    Json,
    List(Box<Shape>),
    /// An object with arbitrary keys whose values have the inner shape.
    Map(Box<Shape>),
    Object {
        properties: Map<String, Shape>,
        required: Vec<String>,
    },
    /// A string restricted to these values.
    Enum(Vec<String>),
    /// An integer restricted to these values (`RetentionInDays`).
    IntEnum(Vec<i64>),
    /// Any one of these shapes.
    Union(Vec<Shape>),
}

/// How many names or values `describe` lists before eliding the rest.
const LIST_AT_MOST: usize = 5;

impl Shape {
    /// A short human phrase: "a string", "a list of strings",
    /// `one of "gp2", "gp3"`, "an object with properties A, B, ...".
    pub fn describe(&self) -> String {
        match self {
            Shape::String => "a string".into(),
            Shape::Integer => "an integer".into(),
            Shape::Number => "a number".into(),
            Shape::Boolean => "a boolean".into(),
            Shape::Json => "any JSON value".into(),
            Shape::List(item) => format!("a list of {}", item.plural()),
            Shape::Map(value) => format!("a map of {}", value.plural()),
            Shape::Object { properties, .. } => {
                format!("an object{}", with_properties(properties))
            }
            Shape::Enum(values) => format!("one of {}", quoted(values)),
            Shape::IntEnum(values) => format!("one of {}", numbers(values)),
            Shape::Union(shapes) => {
                let parts: Vec<String> = shapes.iter().map(Shape::describe).collect();
                join_or(&parts)
            }
        }
    }

    /// The plural phrase used after "a list of" / "a map of".
    fn plural(&self) -> String {
        match self {
            Shape::String => "strings".into(),
            Shape::Integer => "integers".into(),
            Shape::Number => "numbers".into(),
            Shape::Boolean => "booleans".into(),
            Shape::Json => "JSON values".into(),
            Shape::List(item) => format!("lists of {}", item.plural()),
            Shape::Map(value) => format!("maps of {}", value.plural()),
            Shape::Object { properties, .. } => format!("objects{}", with_properties(properties)),
            Shape::Enum(values) => format!("strings (one of {})", quoted(values)),
            Shape::IntEnum(values) => format!("integers (one of {})", numbers(values)),
            Shape::Union(_) => format!("values that are {}", self.describe()),
        }
    }
}

/// A map key of the compact format, decoded without allocating.
enum Code {
    List,
    Map,
    Object,
    Required,
    Enum,
    IntEnum,
    Union,
    Other,
}

struct CodeVisitor;

impl<'de> Visitor<'de> for CodeVisitor {
    type Value = Code;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a shape code")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Code, E> {
        Ok(match v {
            "l" => Code::List,
            "m" => Code::Map,
            "o" => Code::Object,
            "r" => Code::Required,
            "e" => Code::Enum,
            "ie" => Code::IntEnum,
            "u" => Code::Union,
            _ => Code::Other,
        })
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Code, D::Error> {
        d.deserialize_str(CodeVisitor)
    }
}

struct ShapeVisitor;

impl<'de> Visitor<'de> for ShapeVisitor {
    type Value = Shape;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a compact shape")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Shape, E> {
        match v {
            "s" => Ok(Shape::String),
            "i" => Ok(Shape::Integer),
            "n" => Ok(Shape::Number),
            "b" => Ok(Shape::Boolean),
            "j" => Ok(Shape::Json),
            other => Err(E::invalid_value(Unexpected::Str(other), &self)),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        let mut shape = None;
        let mut required = None;
        while let Some(code) = map.next_key::<Code>()? {
            if shape.is_some() && !matches!(code, Code::Required) {
                return Err(de::Error::custom("two shape codes in one shape"));
            }
            match code {
                Code::List => shape = Some(Shape::List(Box::new(map.next_value()?))),
                Code::Map => shape = Some(Shape::Map(Box::new(map.next_value()?))),
                Code::Enum => shape = Some(Shape::Enum(map.next_value()?)),
                Code::IntEnum => shape = Some(Shape::IntEnum(map.next_value()?)),
                Code::Union => shape = Some(Shape::Union(map.next_value()?)),
                Code::Object => {
                    let Properties(properties) = map.next_value()?;
                    shape = Some(Shape::Object {
                        properties,
                        required: Vec::new(),
                    });
                }
                Code::Required => required = Some(map.next_value::<Vec<String>>()?),
                Code::Other => return Err(de::Error::custom("unknown shape code")),
            }
        }
        match (shape, required) {
            (Some(Shape::Object { properties, .. }), required) => Ok(Shape::Object {
                properties,
                required: required.unwrap_or_default(),
            }),
            (Some(shape), None) => Ok(shape),
            _ => Err(de::Error::custom("malformed shape")),
        }
    }
}

/// Decodes one compact shape (`"s"`, `{"l": ...}`, ...); unknown codes are errors.
impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Shape, D::Error> {
        d.deserialize_any(ShapeVisitor)
    }
}

/// `{name: shape}` in the file's order.
pub(crate) struct Properties(pub(crate) Map<String, Shape>);

struct PropertiesVisitor;

impl<'de> Visitor<'de> for PropertiesVisitor {
    type Value = Properties;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map of property shapes")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Properties, A::Error> {
        // Read first, then sized exactly: the map lives as long as the process, and
        // JSON gives no count ahead (a guess of 8 entries left most objects, of one to
        // three properties, in blocks of 896 bytes).
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<String, Shape>()? {
            entries.push(entry);
        }
        let mut out = Map::with_capacity_and_hasher(entries.len(), Default::default());
        out.extend(entries);
        Ok(Properties(out))
    }
}

impl<'de> Deserialize<'de> for Properties {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Properties, D::Error> {
        d.deserialize_map(PropertiesVisitor)
    }
}

fn with_properties(properties: &Map<String, Shape>) -> String {
    if properties.is_empty() {
        return String::new();
    }
    let mut names: Vec<&str> = properties
        .keys()
        .take(LIST_AT_MOST)
        .map(String::as_str)
        .collect();
    if properties.len() > LIST_AT_MOST {
        names.push("...");
    }
    format!(" with properties {}", names.join(", "))
}

fn quoted(values: &[String]) -> String {
    let mut parts: Vec<String> = values
        .iter()
        .take(LIST_AT_MOST)
        .map(|v| format!("{v:?}"))
        .collect();
    if values.len() > LIST_AT_MOST {
        parts.push(format!("... ({} values)", values.len()));
    }
    parts.join(", ")
}

fn numbers(values: &[i64]) -> String {
    let mut parts: Vec<String> = values
        .iter()
        .take(LIST_AT_MOST * 3)
        .map(i64::to_string)
        .collect();
    if values.len() > LIST_AT_MOST * 3 {
        parts.push(format!("... ({} values)", values.len()));
    }
    parts.join(", ")
}

fn join_or(parts: &[String]) -> String {
    match parts {
        [] => "nothing".into(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Option<Shape> {
        serde_json::from_str(s).ok()
    }

    #[test]
    fn describes_shapes() {
        assert_eq!(Shape::String.describe(), "a string");
        assert_eq!(
            Shape::List(Box::new(Shape::String)).describe(),
            "a list of strings"
        );
        assert_eq!(
            Shape::Enum(vec!["gp2".into(), "gp3".into()]).describe(),
            "one of \"gp2\", \"gp3\""
        );
        let u = Shape::Union(vec![Shape::Map(Box::new(Shape::Json)), Shape::String]);
        assert_eq!(u.describe(), "a map of JSON values or a string");
        let obj = parse(r#"{"o": {"Key": "s", "Value": "s"}, "r": ["Key"]}"#).unwrap();
        assert_eq!(
            obj,
            Shape::Object {
                properties: [
                    ("Key".to_string(), Shape::String),
                    ("Value".to_string(), Shape::String)
                ]
                .into_iter()
                .collect(),
                required: vec!["Key".into()],
            }
        );
        assert_eq!(obj.describe(), "an object with properties Key, Value");
        assert_eq!(
            Shape::List(Box::new(obj)).describe(),
            "a list of objects with properties Key, Value"
        );
        let many: Vec<String> = (0..8).map(|i| format!("v{i}")).collect();
        assert!(Shape::Enum(many).describe().ends_with("... (8 values)"));
    }

    #[test]
    fn decodes_codes_and_rejects_garbage() {
        assert_eq!(
            parse(r#"{"u":["s","i"]}"#),
            Some(Shape::Union(vec![Shape::String, Shape::Integer]))
        );
        assert_eq!(
            parse(r#"{"m":{"l":"b"}}"#),
            Some(Shape::Map(Box::new(Shape::List(Box::new(Shape::Boolean)))))
        );
        assert_eq!(
            parse(r#"{"e":["a","b"]}"#),
            Some(Shape::Enum(vec!["a".into(), "b".into()]))
        );
        assert_eq!(
            parse(r#"{"o":{}}"#),
            Some(Shape::Object {
                properties: Map::default(),
                required: vec![]
            })
        );
        // property order is the file's, not sorted
        let Some(Shape::Object { properties, .. }) = parse(r#"{"o":{"Z":"s","A":"i"}}"#) else {
            panic!("object")
        };
        assert_eq!(properties.keys().collect::<Vec<_>>(), ["Z", "A"]);
        for bad in [
            r#""x""#,
            r#"{"e":[1]}"#,
            r#"{"q":"s"}"#,
            "3",
            "{}",
            r#"{"l":"s","r":[]}"#,
            "[]",
            "null",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
