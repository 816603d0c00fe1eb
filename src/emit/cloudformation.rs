//! A stack instance as a CloudFormation template.

use serde_json::{Map, Value as Json};

use crate::expand::StackInstance;

pub fn template(inst: &StackInstance) -> Json {
    let mut t = Map::new();
    t.insert(
        "AWSTemplateFormatVersion".into(),
        Json::String("2010-09-09".into()),
    );
    t.insert("Description".into(), Json::String(inst.description.clone()));
    let mut resources = Map::new();
    for (id, r) in &inst.resources {
        let mut o = Map::new();
        o.insert("Type".into(), Json::String(r.type_name.clone()));
        if !r.depends_on.is_empty() {
            o.insert(
                "DependsOn".into(),
                Json::Array(r.depends_on.iter().cloned().map(Json::String).collect()),
            );
        }
        if let Some(p) = &r.deletion_policy {
            o.insert("DeletionPolicy".into(), Json::String(p.clone()));
        }
        if let Some(p) = &r.update_replace_policy {
            o.insert("UpdateReplacePolicy".into(), Json::String(p.clone()));
        }
        if let Some(p) = &r.update_policy {
            o.insert("UpdatePolicy".into(), p.clone());
        }
        if let Some(p) = &r.creation_policy {
            o.insert("CreationPolicy".into(), p.clone());
        }
        if let Some(m) = &r.metadata {
            o.insert("Metadata".into(), m.clone());
        }
        if !r.properties.is_empty() {
            o.insert(
                "Properties".into(),
                Json::Object(
                    r.properties
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                ),
            );
        }
        resources.insert(id.clone(), Json::Object(o));
    }
    t.insert("Resources".into(), Json::Object(resources));
    if !inst.outputs.is_empty() {
        let mut outputs = Map::new();
        for (name, out) in &inst.outputs {
            let mut o = Map::new();
            o.insert(
                "Description".into(),
                Json::String(format!("{}.{}", inst.stack, name)),
            );
            o.insert("Value".into(), out.value.clone());
            if let Some(e) = &out.export {
                let mut ex = Map::new();
                ex.insert("Name".into(), Json::String(e.clone()));
                o.insert("Export".into(), Json::Object(ex));
            }
            outputs.insert(out.logical_id.clone(), Json::Object(o));
        }
        t.insert("Outputs".into(), Json::Object(outputs));
    }
    Json::Object(t)
}
