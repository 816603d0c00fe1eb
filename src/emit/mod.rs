//! Emission: turns expanded stack instances into output files (CloudFormation
//! templates and the manifest), and enforces CloudFormation's limits as compile
//! errors. Everything is serialised from ordered maps, 2-space pretty, newline-terminated.

pub mod cloudformation;
pub mod dot;
pub mod limits;
pub mod manifest;
pub mod mermaid;

use serde::Serialize;

/// One file to write, relative to the output directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub contents: String,
}

/// Pretty JSON with a trailing newline.
pub fn to_json<T: Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".to_string());
    s.push('\n');
    s
}
