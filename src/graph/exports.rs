//! The export-removal guard. CloudFormation refuses to change or delete an export that
//! another stack imports, so a build that drops an export which the deployed version
//! (the previous build's `manifest.json`) shows imported would fail its deploy: the
//! pipeline updates the exporter before the importer. The safe way is two deploys:
//! first the importer stops using it while the exporter keeps it (`exports = [...]`),
//! then the export goes.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::error::{GraphError, RemovedOutput};
use crate::diagnostics::Diagnostics;
use crate::expand::{Expanded, StackInstance};

/// The parts of a previous manifest (any version) the guard reads.
#[derive(Clone, Debug, Deserialize)]
pub struct PreviousManifest {
    #[serde(default)]
    stacks: Vec<PreviousStack>,
}

/// Reads the guard's part of a previous `manifest.json`; `Err` with serde_json's
/// reason when it cannot be read (the guard then warns rather than guesses).
/// The caller can drop the text at once: nothing borrows from it.
pub fn read_previous_manifest(text: &str) -> Result<PreviousManifest, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

#[derive(Clone, Debug, Deserialize)]
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
pub fn check_export_removal(
    previous: &Result<PreviousManifest, String>,
    ex: &Expanded,
    diags: &mut Diagnostics,
) {
    let previous = match previous {
        Ok(p) => p,
        Err(reason) => {
            let error = GraphError::UnreadablePreviousManifest {
                reason: reason.clone(),
                span: crate::expand::root_span(),
            };
            diags.push(error.to_diagnostic());
            return;
        }
    };
    // (environment, region, export name) -> the previous stacks importing it, as
    // "`stack-name` (region)": export names are scoped to an account and region.
    let mut importers: BTreeMap<(&str, &str, &str), Vec<String>> = BTreeMap::new();
    for s in &previous.stacks {
        for e in &s.imports {
            importers
                .entry((s.env.as_str(), s.region.as_str(), e.as_str()))
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
            let Some(users) =
                importers.get(&(old.env.as_str(), old.region.as_str(), export.as_str()))
            else {
                continue;
            };
            if now
                .outputs
                .values()
                .any(|o| o.export.as_ref() == Some(export))
            {
                continue;
            }
            diags.push(removal_error(now, export, users).to_diagnostic());
        }
    }
}

fn removal_error(now: &StackInstance, export: &str, users: &[String]) -> GraphError {
    let output = now
        .outputs
        .iter()
        .find(|(name, _)| crate::expand::export_name(&now.stack_name, name) == export);
    GraphError::ExportInUse {
        export: export.to_string(),
        importers: users.to_vec(),
        stack: now.stack.clone(),
        env: now.env.clone(),
        region: now.region.clone(),
        output: match output {
            Some((name, o)) => RemovedOutput::NotImported {
                output: name.clone(),
                span: o.span,
            },
            None => RemovedOutput::Gone { span: now.span },
        },
    }
}
