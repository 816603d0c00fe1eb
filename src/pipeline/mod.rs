//! Pipelines (issue 4, in progress): the deploy plan of each stage, and the stages
//! laid out with their approvals. The typed
//! pipeline model, the CodePipeline and GitHub Actions emitters and their validations
//! follow docs/design/pipeline.md.

pub mod layout;
pub mod plan;
