//! Value shapes of resource properties: the `Shape` type, its decoding from the
//! binary records of the schema data (`compact`, read with `reader`), and `describe`
//! for diagnostics.

use crate::vecmap::VecMap;
use std::sync::OnceLock;

use super::compact::{
    SHAPE_BOOLEAN, SHAPE_ENUM, SHAPE_INTEGER, SHAPE_INT_ENUM, SHAPE_JSON, SHAPE_LIST, SHAPE_MAP,
    SHAPE_NUMBER, SHAPE_OBJECT, SHAPE_STRING, SHAPE_UNION,
};
use super::reader::Reader;

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
        properties: Properties,
        required: Vec<&'static str>,
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

impl Shape {
    /// Decodes one shape; an object's properties are decoded later, when asked for.
    /// `None` when the data is malformed at this level.
    pub(super) fn decode(r: &mut Reader) -> Option<Shape> {
        Some(match r.word()? {
            SHAPE_STRING => Shape::String,
            SHAPE_INTEGER => Shape::Integer,
            SHAPE_NUMBER => Shape::Number,
            SHAPE_BOOLEAN => Shape::Boolean,
            SHAPE_JSON => Shape::Json,
            SHAPE_LIST => Shape::List(Box::new(Shape::decode(r)?)),
            SHAPE_MAP => Shape::Map(Box::new(Shape::decode(r)?)),
            SHAPE_OBJECT => Shape::Object {
                properties: Properties::decode(r)?,
                required: r.strs()?,
            },
            SHAPE_ENUM => Shape::Enum(r.strs()?.into_iter().map(str::to_owned).collect()),
            SHAPE_INT_ENUM => {
                let n = r.count(8)?;
                Shape::IntEnum((0..n).map(|_| r.int()).collect::<Option<_>>()?)
            }
            SHAPE_UNION => {
                let n = r.count(4)?;
                Shape::Union((0..n).map(|_| Shape::decode(r)).collect::<Option<_>>()?)
            }
            _ => return None,
        })
    }

    /// Decodes `data`, which must hold exactly one shape.
    fn decode_whole(data: &'static [u8]) -> Option<Shape> {
        let mut r = Reader::new(data);
        Shape::decode(&mut r).filter(|_| r.is_done())
    }
}

/// An object's properties by name, in the file's order. Each property's shape is
/// decoded from its record the first time it is asked for: a program sets a few of a
/// type's properties, and decoding all of them (the launch template's nested options,
/// the bucket's dozens of configurations) was most of the cost of loading a type. The
/// names are borrowed from the schema data. Most objects have a handful of
/// properties: a `VecMap`, searched by comparing names, not hashing them.
#[derive(Clone, Debug, Default)]
pub struct Properties(VecMap<&'static str, Lazy>);

/// A property's record and, once asked for, its decoded shape.
#[derive(Clone, Debug)]
struct Lazy {
    data: &'static [u8],
    shape: OnceLock<Shape>,
}

impl Lazy {
    /// The decoded shape. A record that does not decode (never the case for the
    /// embedded data: `every_embedded_line_parses` checks it) accepts any JSON value.
    fn shape(&self) -> &Shape {
        self.shape
            .get_or_init(|| Shape::decode_whole(self.data).unwrap_or(Shape::Json))
    }
}

impl Properties {
    /// Decodes a count of properties, each a name and its shape's record (stepped
    /// over: decoded when first asked for).
    pub(super) fn decode(r: &mut Reader) -> Option<Properties> {
        let n = r.count(8)?;
        let mut out = VecMap::with_capacity(n);
        for _ in 0..n {
            let name = r.str()?;
            let len = r.count(1)?;
            let lazy = Lazy {
                data: r.bytes(len)?,
                shape: OnceLock::new(),
            };
            out.insert(name, lazy);
        }
        Some(Properties(out))
    }

    /// The shape of property `name`, decoded on first use.
    pub fn get(&self, name: &str) -> Option<&Shape> {
        self.0.get(name).map(Lazy::shape)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// The property's name as the schema spells it (borrowed from the schema text)
    /// and its shape, decoded on first use.
    pub fn get_key_value(&self, name: &str) -> Option<(&'static str, &Shape)> {
        self.0
            .get_key_value(name)
            .map(|(k, lazy)| (*k, lazy.shape()))
    }

    /// The property names, in the schema's order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &'static str> + '_ {
        self.0.keys().copied()
    }

    /// Every property with its shape (decoding each).
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&'static str, &Shape)> + '_ {
        self.0.iter().map(|(k, v)| (*k, v.shape()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Decodes every property at every depth, strictly (a property that does not
    /// decode is an error here, not a shape that accepts anything).
    #[cfg(test)]
    pub(crate) fn decode_all(&self) -> Result<(), String> {
        fn nested(shape: &Shape) -> Result<(), String> {
            match shape {
                Shape::List(item) | Shape::Map(item) => nested(item),
                Shape::Union(shapes) => shapes.iter().try_for_each(nested),
                Shape::Object { properties, .. } => properties.decode_all(),
                _ => Ok(()),
            }
        }
        for (name, lazy) in &self.0 {
            let shape = Shape::decode_whole(lazy.data)
                .ok_or_else(|| format!("property {name} does not decode"))?;
            nested(&shape).map_err(|e| format!("{name}.{e}"))?;
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::ops::Index<&str> for Properties {
    type Output = Shape;

    fn index(&self, name: &str) -> &Shape {
        match self.get(name) {
            Some(shape) => shape,
            None => panic!("no property `{name}`"),
        }
    }
}

/// Properties whose shapes are already known.
impl FromIterator<(&'static str, Shape)> for Properties {
    fn from_iter<I: IntoIterator<Item = (&'static str, Shape)>>(entries: I) -> Properties {
        Properties(
            entries
                .into_iter()
                .map(|(name, shape)| {
                    let lazy = Lazy {
                        data: &[],
                        shape: OnceLock::from(shape),
                    };
                    (name, lazy)
                })
                .collect(),
        )
    }
}

/// Equal when they have the same names in the same order and equal shapes.
impl PartialEq for Properties {
    fn eq(&self, other: &Properties) -> bool {
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

fn with_properties(properties: &Properties) -> String {
    if properties.is_empty() {
        return String::new();
    }
    let mut names: Vec<&str> = properties.keys().take(LIST_AT_MOST).collect();
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

    /// Encodes `s` as the build does (`compact`), then decodes it.
    fn parse(s: &str) -> Option<Shape> {
        let mut data = Vec::new();
        super::super::compact::encode_shape(s, false, &mut data).ok()?;
        Shape::decode_whole(Vec::leak(data))
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
                properties: [("Key", Shape::String), ("Value", Shape::String)]
                    .into_iter()
                    .collect(),
                required: vec!["Key"],
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
                properties: Properties::default(),
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
