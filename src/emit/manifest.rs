//! `manifest.json`: every artifact with its environment, account, region, stack,
//! template path, dependencies, deploy wave and exports. The pipeline and deploy
//! tooling read it; `sleuthc build` reads the previous one to guard exports.

use serde::Serialize;

use super::limits::MAX_INLINE_BODY;
use crate::expand::{Expanded, StackInstance};
use crate::graph::{instance_id, StackGraph};
use crate::pipeline::declaration::capabilities;
use crate::pipeline::ManifestPipeline;

/// Version 2 added `id`, `wave`, `waves` and instance ids in `depends_on`; version 3
/// `capabilities` per stack, `pipelines` and `files`.
pub const MANIFEST_VERSION: u32 = 3;

#[derive(Serialize)]
pub struct Manifest<'a> {
    pub manifest_version: u32,
    pub app: &'a str,
    pub compiler: &'static str,
    pub resource_schemas: &'a str,
    pub environments: Vec<ManifestEnv<'a>>,
    pub stacks: Vec<ManifestStack<'a>>,
    /// Stack instance ids by deploy wave: every instance of a wave can deploy in
    /// parallel once the earlier waves are done.
    pub waves: Vec<Vec<String>>,
    /// Every pipeline, with its files, setup order and stages.
    pub pipelines: Vec<ManifestPipeline>,
    /// Every file of the build but this manifest, in the order written: what a later
    /// build may replace.
    pub files: Vec<String>,
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
    /// `env/region/stack`.
    pub id: String,
    pub env: &'a str,
    pub account: &'a str,
    pub region: &'a str,
    pub stack: &'a str,
    pub stack_name: &'a str,
    pub template: String,
    /// Ids of the stack instances (same environment) that must deploy first.
    pub depends_on: Vec<String>,
    /// 1-based: one more than the latest wave among `depends_on`.
    pub wave: usize,
    pub exports: Vec<&'a str>,
    pub imports: &'a [String],
    pub resources: usize,
    pub template_bytes: usize,
    /// What CloudFormation must be told to create the template's IAM resources.
    pub capabilities: Vec<&'static str>,
    /// Over 51,200 bytes: must be uploaded to S3 and passed by URL.
    pub upload_to_s3: bool,
}

pub fn template_path(inst: &StackInstance) -> String {
    format!("{}/{}/{}.template.json", inst.env, inst.region, inst.stack)
}

pub fn manifest<'a>(
    ex: &'a Expanded,
    graph: &StackGraph,
    sizes: &[usize],
    schemas: &'a str,
    pipelines: Vec<ManifestPipeline>,
    files: Vec<String>,
) -> Manifest<'a> {
    let app = ex.app.name.as_str();
    let ids: Vec<String> = ex.stacks.iter().map(instance_id).collect();
    Manifest {
        manifest_version: MANIFEST_VERSION,
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
            .enumerate()
            .map(|(i, (inst, &size))| {
                // Instances outside this build (left out by `--region`) too.
                let mut deps: Vec<String> = Vec::new();
                for d in &inst.depends_on {
                    let id = format!("{}/{}/{}", inst.env, d.region, d.stack);
                    if !deps.contains(&id) {
                        deps.push(id);
                    }
                }
                deps.sort_by_key(|id| ids.iter().position(|x| x == id));
                ManifestStack {
                    id: ids[i].clone(),
                    env: &inst.env,
                    account: &inst.account,
                    region: &inst.region,
                    stack: &inst.stack,
                    stack_name: &inst.stack_name,
                    template: template_path(inst),
                    depends_on: deps,
                    wave: graph.wave(i).unwrap_or(1),
                    exports: inst
                        .outputs
                        .values()
                        .filter_map(|o| o.export.as_deref())
                        .collect(),
                    imports: &inst.imports,
                    resources: inst.resources.len(),
                    template_bytes: size,
                    capabilities: capabilities(inst),
                    upload_to_s3: size > MAX_INLINE_BODY,
                }
            })
            .collect(),
        waves: graph
            .waves()
            .into_iter()
            .map(|w| w.into_iter().map(|i| ids[i].clone()).collect())
            .collect(),
        pipelines,
        files,
    }
}
