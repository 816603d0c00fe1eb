//! A stack instance as a CloudFormation template, serialised straight from the
//! expanded instance (no intermediate JSON tree), keys in CloudFormation's usual order.

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::expand::{CfnResource, StackInstance, StackOutput};

/// The template of one stack instance.
pub struct Template<'a>(pub &'a StackInstance);

impl Serialize for Template<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let inst = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("AWSTemplateFormatVersion", "2010-09-09")?;
        m.serialize_entry("Description", &inst.description)?;
        m.serialize_entry("Resources", &Resources(inst))?;
        if !inst.outputs.is_empty() {
            m.serialize_entry("Outputs", &Outputs(inst))?;
        }
        m.end()
    }
}

struct Resources<'a>(&'a StackInstance);

impl Serialize for Resources<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.resources.len()))?;
        for (id, r) in &self.0.resources {
            m.serialize_entry(id, &Resource(r))?;
        }
        m.end()
    }
}

struct Resource<'a>(&'a CfnResource);

impl Serialize for Resource<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("Type", &r.type_name)?;
        if !r.depends_on.is_empty() {
            m.serialize_entry("DependsOn", &r.depends_on)?;
        }
        if let Some(p) = &r.deletion_policy {
            m.serialize_entry("DeletionPolicy", p)?;
        }
        if let Some(p) = &r.update_replace_policy {
            m.serialize_entry("UpdateReplacePolicy", p)?;
        }
        if let Some(p) = &r.update_policy {
            m.serialize_entry("UpdatePolicy", p)?;
        }
        if let Some(p) = &r.creation_policy {
            m.serialize_entry("CreationPolicy", p)?;
        }
        if let Some(md) = &r.metadata {
            m.serialize_entry("Metadata", md)?;
        }
        if !r.properties.is_empty() {
            m.serialize_entry("Properties", &r.properties)?;
        }
        m.end()
    }
}

struct Outputs<'a>(&'a StackInstance);

impl Serialize for Outputs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let inst = self.0;
        let mut m = s.serialize_map(Some(inst.outputs.len()))?;
        for (name, out) in &inst.outputs {
            m.serialize_entry(
                &out.logical_id,
                &Output {
                    stack: &inst.stack,
                    name,
                    out,
                },
            )?;
        }
        m.end()
    }
}

struct Output<'a> {
    stack: &'a str,
    name: &'a str,
    out: &'a StackOutput,
}

impl Serialize for Output<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("Description", &format!("{}.{}", self.stack, self.name))?;
        m.serialize_entry("Value", &self.out.value)?;
        if let Some(e) = &self.out.export {
            m.serialize_entry("Export", &ExportName(e))?;
        }
        m.end()
    }
}

struct ExportName<'a>(&'a str);

impl Serialize for ExportName<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("Name", self.0)?;
        m.end()
    }
}
