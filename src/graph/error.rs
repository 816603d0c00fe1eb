//! The graph phase's errors, as data: what went wrong, with names and spans. Each
//! becomes a diagnostic in one place, `to_diagnostic`.

use crate::codes::Code;
use crate::diagnostics::Diagnostic;
use crate::span::Span;

/// One step of a cycle: `from` `how` `to`, written at `span`.
#[derive(Clone, Debug)]
pub struct Hop {
    pub from: String,
    pub to: String,
    /// "reads `vpc_id` of", "refers to", "depends on", ...
    pub how: String,
    pub span: Span,
}

/// How the export guard knows the export's output.
#[derive(Clone, Debug)]
pub enum RemovedOutput {
    /// The output is still declared (at `span`) but nothing imports it any more.
    NotImported { output: String, span: Span },
    /// No output of the stack gives the export; the stack is declared at `span`.
    Gone { span: Span },
}

#[derive(Clone, Debug)]
pub enum GraphError {
    /// Resources of one template that depend on each other in a circle. (Stack
    /// cycles are found, and reported, by expansion.)
    Cycle {
        hops: Vec<Hop>,
        /// "in environment `dev`", "in stack `network`".
        place: String,
    },
    /// An export the previous build's stacks import is no longer produced.
    ExportInUse {
        export: String,
        /// The importing stacks, as "`stack-name` (region)".
        importers: Vec<String>,
        stack: String,
        env: String,
        region: String,
        output: RemovedOutput,
    },
    /// The previous `manifest.json` could not be read.
    UnreadablePreviousManifest { reason: String, span: Span },
}

impl GraphError {
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            GraphError::Cycle { hops, place } => cycle(hops, place),
            GraphError::ExportInUse {
                export,
                importers,
                stack,
                env,
                region,
                output,
            } => {
                let (span, label, step_one) = match output {
                    RemovedOutput::NotImported { output, span } => (
                        *span,
                        "no longer exported: nothing in this build imports it".to_string(),
                        format!("add `exports = [\"{output}\"]` to stack `{stack}`"),
                    ),
                    RemovedOutput::Gone { span } => (
                        *span,
                        format!("no output of stack `{stack}` gives this export any more"),
                        format!("put the output back in stack `{stack}` and list it in `exports = [...]`"),
                    ),
                };
                Diagnostic::error(
                    Code::ExportInUse,
                    span,
                    format!(
                        "export `{export}` would be removed while the deployed stack {} imports it ({env}, {region})",
                        importers.join(", "),
                    ),
                )
                .with_label(label)
                .with_note("CloudFormation refuses to remove an export that a stack imports; the pipeline updates the exporting stack first, so this deploy would fail")
                .with_help(format!(
                    "remove it in two deploys: first {step_one}, build and deploy (the importer stops using it while the export stays); then remove it and deploy again. If the importing stack is being deleted, pass --allow-export-removal"
                ))
            }
            GraphError::UnreadablePreviousManifest { reason, span } => Diagnostic::warning(
                Code::ExportInUse,
                *span,
                format!("the previous manifest.json cannot be read ({reason}): removed exports are not checked"),
            )
            .with_label("checked against the output directory's manifest.json"),
        }
    }
}

/// "resources depend on each other in a cycle: A → B → A", with a label on each hop.
fn cycle(hops: &[Hop], place: &str) -> Diagnostic {
    let what = "resources";
    let help = "CloudFormation cannot create any of them first: remove one reference, or move it into a resource of its own (security groups that admit each other: an `AWS::EC2::SecurityGroupIngress` for one of the rules)";
    let Some(first) = hops.first() else {
        return Diagnostic::error(
            Code::StackCycle,
            crate::expand::root_span(),
            format!("{what} depend on each other in a cycle ({place})"),
        );
    };
    let mut names: Vec<&str> = hops.iter().map(|h| h.from.as_str()).collect();
    names.push(first.from.as_str());
    let message = if hops.len() == 1 {
        format!("`{}` depends on itself ({place})", first.from)
    } else {
        format!(
            "{what} depend on each other in a cycle: {} ({place})",
            names.join(" → ")
        )
    };
    let label = |h: &Hop| format!("`{}` {} `{}` here", h.from, h.how, h.to);
    let mut d = Diagnostic::error(Code::StackCycle, first.span, message).with_label(label(first));
    for h in &hops[1..] {
        d = d.with_secondary(h.span, label(h));
    }
    d.with_help(help)
}
