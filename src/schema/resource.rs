//! One resource type's facts (`ResourceSchema`, `Tagging`) and their decoding from
//! the type's record (`compact`, the binary form of its line in `schema/cfn.schemas`).

use super::compact::{ALL_REGIONS, TAG_LIST, TAG_MAP, TAG_NONE};
use super::reader::Reader;
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

    /// Decodes a type's record; `None` when anything but the property shapes
    /// (decoded when first asked for) is malformed, or the record is empty (a line
    /// that did not encode).
    pub(crate) fn from_record(
        type_name: &'static str,
        data: &'static [u8],
        region_count: usize,
    ) -> Option<Self> {
        let mut r = Reader::new(data);
        let tagging = r.word()?;
        let property = r.str()?;
        let tagging = match tagging {
            TAG_NONE => Tagging::None,
            TAG_LIST => Tagging::List { property },
            TAG_MAP => Tagging::Map { property },
            _ => return None,
        };
        let regions = match r.word()? {
            ALL_REGIONS => None,
            n => {
                let n = usize::try_from(n).ok().filter(|&n| n <= region_count)?;
                let mut indices = Vec::with_capacity(n);
                for _ in 0..n {
                    let i = u16::try_from(r.word()?)
                        .ok()
                        .filter(|&i| usize::from(i) < region_count)?;
                    indices.push(i);
                }
                Some(indices)
            }
        };
        let required = r.strs()?;
        let attributes = r.strs()?;
        let properties = Properties::decode(&mut r)?;
        r.is_done().then_some(ResourceSchema {
            type_name,
            properties,
            required,
            attributes,
            tagging,
            regions,
        })
    }
}
