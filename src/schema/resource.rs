//! One resource type's facts (`ResourceSchema`, `Tagging`) and their decoding from
//! a type's line in `schema/cfn.schemas`.

use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::shape::Properties;
use super::SchemaDb;

/// What the compiler knows about one CloudFormation resource type.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceSchema {
    pub type_name: &'static str,
    /// Settable properties in schema order (read-only ones are left out: they are
    /// GetAtt attributes, and cfn-lint rejects them in templates), each decoded on
    /// first use.
    pub properties: Properties,
    /// Properties that must always be set.
    pub required: Vec<&'static str>,
    /// Names accepted by `Fn::GetAtt`, sorted. Nested ones are dotted
    /// (`Endpoint.Address`); a name ending in `.*` (`Outputs.*`) stands for any
    /// `Outputs.<name>`; use [`ResourceSchema::has_attribute`].
    pub attributes: Vec<&'static str>,
    pub tagging: Tagging,
    /// Indices into [`SchemaDb::regions`] offering the type; `None` = everywhere.
    regions: Option<Vec<u16>>,
}

/// How a resource type takes tags.
#[derive(Clone, Debug, PartialEq)]
pub enum Tagging {
    None,
    /// `property` is a list of `{Key, Value}`.
    List {
        property: &'static str,
    },
    /// `property` is a map of string to string.
    Map {
        property: &'static str,
    },
}

impl Tagging {
    /// The tag property's name, when the type is taggable.
    pub fn property(&self) -> Option<&'static str> {
        match self {
            Tagging::None => None,
            Tagging::List { property } | Tagging::Map { property } => Some(property),
        }
    }
}

impl ResourceSchema {
    /// Whether `region` offers the type. An unknown region offers nothing.
    pub fn available_in(&self, db: &SchemaDb, region: &str) -> bool {
        let Some(index) = db.region_index(region) else {
            return false;
        };
        match &self.regions {
            None => true,
            Some(indices) => indices.binary_search(&index).is_ok(),
        }
    }

    /// The regions offering the type, in the database's sorted order.
    pub fn regions<'a>(&'a self, db: &'a SchemaDb) -> Vec<&'a str> {
        match &self.regions {
            None => db.regions().iter().map(String::as_str).collect(),
            Some(indices) => indices
                .iter()
                .filter_map(|&i| db.regions().get(usize::from(i)).map(String::as_str))
                .collect(),
        }
    }

    /// Whether `Fn::GetAtt` accepts `name` (handles `Outputs.*` style patterns).
    pub fn has_attribute(&self, name: &str) -> bool {
        if self.attributes.binary_search_by(|a| (*a).cmp(name)).is_ok() {
            return true;
        }
        self.attributes.iter().any(|a| {
            a.strip_suffix('*').is_some_and(|prefix| {
                prefix.ends_with('.') && name.len() > prefix.len() && name.starts_with(prefix)
            })
        })
    }

    /// Decodes the JSON part of a type's line; `None` when anything but the property
    /// shapes (decoded when first asked for) is malformed.
    pub(crate) fn from_line(
        type_name: &'static str,
        json: &'static str,
        region_count: usize,
    ) -> Option<Self> {
        let raw: RawResource = serde_json::from_str(json).ok()?;
        let property = raw.tag_property.unwrap_or("Tags");
        let tagging = match raw.tagging {
            None => Tagging::None,
            Some("l") => Tagging::List { property },
            Some("m") => Tagging::Map { property },
            Some(_) => return None,
        };
        let regions = match raw.regions {
            None => None,
            Some(indices) => {
                let mut out = Vec::with_capacity(indices.len());
                for i in indices {
                    let i = u16::try_from(i)
                        .ok()
                        .filter(|&i| usize::from(i) < region_count)?;
                    out.push(i);
                }
                out.sort_unstable();
                out.dedup();
                Some(out)
            }
        };
        let mut attributes = raw.attributes;
        attributes.sort();
        Some(ResourceSchema {
            type_name,
            properties: raw.properties?,
            required: raw.required,
            attributes,
            tagging,
            regions,
        })
    }
}

/// A type's line as written, before validation.
#[derive(Default)]
struct RawResource {
    properties: Option<Properties>,
    required: Vec<&'static str>,
    attributes: Vec<&'static str>,
    tagging: Option<&'static str>,
    tag_property: Option<&'static str>,
    regions: Option<Vec<u64>>,
}

struct RawResourceVisitor;

impl Visitor<'static> for RawResourceVisitor {
    type Value = RawResource;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a resource type entry")
    }

    fn visit_map<A: MapAccess<'static>>(self, mut map: A) -> Result<RawResource, A::Error> {
        let mut raw = RawResource::default();
        while let Some(key) = map.next_key::<&'static str>()? {
            match key {
                "p" => raw.properties = Some(map.next_value()?),
                "r" => raw.required = map.next_value()?,
                "a" => raw.attributes = map.next_value()?,
                "t" => raw.tagging = Some(map.next_value()?),
                "tp" => raw.tag_property = Some(map.next_value()?),
                "g" => raw.regions = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(raw)
    }
}

impl Deserialize<'static> for RawResource {
    fn deserialize<D: Deserializer<'static>>(d: D) -> Result<RawResource, D::Error> {
        d.deserialize_map(RawResourceVisitor)
    }
}
