//! `manifest.json`: every artifact with its environment, account, region, stack,
//! template path, dependencies and exports. The pipeline and deploy tooling read it.

use serde::Serialize;

use super::limits::MAX_INLINE_BODY;
use crate::expand::{Expanded, StackInstance};

#[derive(Serialize)]
pub struct Manifest<'a> {
    pub manifest_version: u32,
    pub app: &'a str,
    pub compiler: &'static str,
    pub resource_schemas: &'a str,
    pub environments: Vec<ManifestEnv<'a>>,
    pub stacks: Vec<ManifestStack<'a>>,
}

#[derive(Serialize)]
pub struct ManifestEnv<'a> {
    pub name: &'a str,
    pub account: &'a str,
    pub regions: &'a [String],
    pub approval: &'static str,
}

#[derive(Serialize)]
pub struct ManifestStack<'a> {
    pub env: &'a str,
    pub account: &'a str,
    pub region: &'a str,
    pub stack: &'a str,
    pub stack_name: &'a str,
    pub template: String,
    /// Stack names (same environment and region) that must deploy first.
    pub depends_on: Vec<String>,
    pub exports: Vec<&'a str>,
    pub imports: &'a [String],
    pub resources: usize,
    pub template_bytes: usize,
    /// Over 51,200 bytes: must be uploaded to S3 and passed by URL.
    pub upload_to_s3: bool,
}

pub fn template_path(inst: &StackInstance) -> String {
    format!("{}/{}/{}.template.json", inst.env, inst.region, inst.stack)
}

pub fn manifest<'a>(ex: &'a Expanded, sizes: &[usize], schemas: &'a str) -> Manifest<'a> {
    let app = ex.app.name.as_str();
    Manifest {
        manifest_version: 1,
        app,
        compiler: concat!("sleuthc ", env!("CARGO_PKG_VERSION")),
        resource_schemas: schemas,
        environments: ex
            .envs
            .iter()
            .map(|e| ManifestEnv {
                name: &e.name,
                account: &e.account,
                regions: &e.regions,
                approval: if e.approval == crate::expand::Approval::Manual {
                    "manual"
                } else {
                    "none"
                },
            })
            .collect(),
        stacks: ex
            .stacks
            .iter()
            .zip(sizes)
            .map(|(inst, &size)| {
                let mut deps: Vec<String> = Vec::new();
                for d in &inst.depends_on {
                    let name = crate::expand::stack_name(app, &inst.env, &d.stack);
                    if !deps.contains(&name) {
                        deps.push(name);
                    }
                }
                ManifestStack {
                    env: &inst.env,
                    account: &inst.account,
                    region: &inst.region,
                    stack: &inst.stack,
                    stack_name: &inst.stack_name,
                    template: template_path(inst),
                    depends_on: deps,
                    exports: inst
                        .outputs
                        .values()
                        .filter_map(|o| o.export.as_deref())
                        .collect(),
                    imports: &inst.imports,
                    resources: inst.resources.len(),
                    template_bytes: size,
                    upload_to_s3: size > MAX_INLINE_BODY,
                }
            })
            .collect(),
    }
}
