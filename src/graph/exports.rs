//! The export-removal guard. CloudFormation refuses to change or delete an export that
//! another stack imports, so a build that drops an export which the deployed version
//! (the previous build's `manifest.json`) shows imported would fail its deploy: the
//! pipeline updates the exporter before the importer. The safe way is two deploys:
//! first the importer stops using it while the exporter keeps it (`exports = [...]`),
//! then the export goes.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::codes::Code;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::expand::{Expanded, StackInstance};

/// The parts of a previous manifest (any version) the guard reads.
#[derive(Deserialize)]
struct Previous {
    #[serde(default)]
    stacks: Vec<PreviousStack>,
}

#[derive(Deserialize)]
struct PreviousStack {
    env: String,
    region: String,
    stack: String,
    stack_name: String,
    #[serde(default)]
    exports: Vec<String>,
    #[serde(default)]
    imports: Vec<String>,
}

/// Reports every export that `previous` shows imported and this build no longer
/// produces. A previous manifest that cannot be read gives a warning, not a guess.
pub fn check_export_removal(previous: &str, ex: &Expanded, diags: &mut Diagnostics) {
    let root = crate::expand::root_span();
    let previous: Previous = match serde_json::from_str(previous) {
        Ok(p) => p,
        Err(e) => {
            diags.push(
                Diagnostic::warning(
                    Code::ExportInUse,
                    root,
                    format!("the previous manifest.json cannot be read ({e}): removed exports are not checked"),
                )
                .with_label("checked against the output directory's manifest.json"),
            );
            return;
        }
    };
    // Export name -> the previous stacks importing it, as "stack-name (region)".
    let mut importers: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for s in &previous.stacks {
        for e in &s.imports {
            importers
                .entry(e.as_str())
                .or_default()
                .push(format!("`{}` ({})", s.stack_name, s.region));
        }
    }
    for old in &previous.stacks {
        let Some(now) = ex
            .stacks
            .iter()
            .find(|i| i.env == old.env && i.region == old.region && i.stack == old.stack)
        else {
            continue; // not built this time: nothing changes for it
        };
        for export in &old.exports {
            let Some(users) = importers.get(export.as_str()) else {
                continue;
            };
            if now
                .outputs
                .values()
                .any(|o| o.export.as_ref() == Some(export))
            {
                continue;
            }
            diags.push(removal_error(now, export, users));
        }
    }
}

fn removal_error(now: &StackInstance, export: &str, users: &[String]) -> Diagnostic {
    let output = now
        .outputs
        .iter()
        .find(|(name, _)| crate::expand::export_name(&now.stack_name, name) == export);
    let (span, label, step_one) = match output {
        Some((name, o)) => (
            o.span,
            "no longer exported: nothing in this build imports it".to_string(),
            format!("add `exports = [\"{name}\"]` to stack `{}`", now.stack),
        ),
        None => (
            now.span,
            format!(
                "no output of stack `{}` gives this export any more",
                now.stack
            ),
            format!(
                "put the output back in stack `{}` and list it in `exports = [...]`",
                now.stack
            ),
        ),
    };
    Diagnostic::error(
        Code::ExportInUse,
        span,
        format!(
            "export `{export}` would be removed while the deployed stack {} imports it ({}, {})",
            users.join(", "),
            now.env,
            now.region
        ),
    )
    .with_label(label)
    .with_note("CloudFormation refuses to remove an export that a stack imports; the pipeline updates the exporting stack first, so this deploy would fail")
    .with_help(format!(
        "remove it in two deploys: first {step_one}, build and deploy (the importer stops using it while the export stays); then remove it and deploy again. If the importing stack is being deleted, pass --allow-export-removal"
    ))
}
