//! CloudFormation quotas, checked at compile time.

use std::collections::BTreeMap;

use crate::codes::Code;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::expand::StackInstance;

pub const MAX_RESOURCES: usize = 500;
pub const MAX_OUTPUTS: usize = 200;
pub const MAX_INLINE_BODY: usize = 51_200;
pub const MAX_S3_BODY: usize = 1_000_000;
pub const MAX_LOGICAL_ID: usize = 255;
pub const MAX_STACK_NAME: usize = 128;
pub const MAX_EXPORT_NAME: usize = 255;
pub const MAX_DYNAMIC_REFS: usize = 60;
pub const MAX_DESCRIPTION: usize = 1024;

/// Checks one template; `body` is its serialised JSON.
pub fn check_template(inst: &StackInstance, body: &str, diags: &mut Diagnostics) {
    let at = format!("{} in {} {}", inst.stack, inst.env, inst.region);
    let err = |code: Code, msg: String| {
        Diagnostic::error(code, inst.span, msg).with_label(format!("stack `{}`", inst.stack))
    };
    if inst.resources.is_empty() {
        diags.push(err(Code::EmptyStack, format!("{at} has no resources; CloudFormation needs at least one"))
            .with_help("add a resource that exists in every environment, or move conditional resources into another stack"));
    }
    if inst.resources.len() > MAX_RESOURCES {
        diags.push(
            err(
                Code::TooManyResources,
                format!(
                    "{at} has {} resources; CloudFormation allows {MAX_RESOURCES}",
                    inst.resources.len()
                ),
            )
            .with_help("split the stack into several stacks"),
        );
    }
    if inst.outputs.len() > MAX_OUTPUTS {
        diags.push(err(
            Code::TooManyOutputs,
            format!(
                "{at} has {} outputs; CloudFormation allows {MAX_OUTPUTS}",
                inst.outputs.len()
            ),
        ));
    }
    if body.len() > MAX_S3_BODY {
        diags.push(err(Code::TemplateTooLarge, format!("the template of {at} is {} bytes; CloudFormation accepts at most {MAX_S3_BODY}", body.len()))
            .with_help("split the stack"));
    }
    if inst.stack_name.len() > MAX_STACK_NAME {
        diags.push(err(
            Code::NameTooLong,
            format!(
                "stack name `{}` is {} characters; the limit is {MAX_STACK_NAME}",
                inst.stack_name,
                inst.stack_name.len()
            ),
        ));
    }
    for (id, r) in &inst.resources {
        if id.len() > MAX_LOGICAL_ID {
            diags.push(
                Diagnostic::error(
                    Code::NameTooLong,
                    r.span,
                    format!(
                        "logical ID `{}…` is {} characters; the limit is {MAX_LOGICAL_ID}",
                        &id[..40],
                        id.len()
                    ),
                )
                .with_label("this resource"),
            );
        }
    }
    let dynamic = memchr::memmem::find_iter(body.as_bytes(), b"{{resolve:").count();
    if dynamic > MAX_DYNAMIC_REFS {
        diags.push(err(Code::TooManyDynamicRefs, format!("the template of {at} has {dynamic} dynamic references; the limit is {MAX_DYNAMIC_REFS}")));
    }
    if inst.description.len() > MAX_DESCRIPTION {
        diags.push(
            err(
                Code::NameTooLong,
                format!(
                    "the description of {at} is {} bytes; CloudFormation allows {MAX_DESCRIPTION}",
                    inst.description.len()
                ),
            )
            .with_help("shorten the app's `description`"),
        );
    }
    for out in inst.outputs.values() {
        if out.logical_id.len() > MAX_LOGICAL_ID {
            diags.push(
                Diagnostic::error(
                    Code::NameTooLong,
                    out.span,
                    format!(
                        "an output's logical ID is {} characters; the limit is {MAX_LOGICAL_ID}",
                        out.logical_id.len()
                    ),
                )
                .with_label("this output"),
            );
        }
        if let Some(e) = &out.export {
            if e.len() > MAX_EXPORT_NAME {
                diags.push(
                    Diagnostic::error(
                        Code::NameTooLong,
                        out.span,
                        format!("export name `{e}` is longer than {MAX_EXPORT_NAME}"),
                    )
                    .with_label("this output"),
                );
            }
        }
    }
}

/// Stack names must be unique per account and region.
pub fn check_stack_names(instances: &[StackInstance], diags: &mut Diagnostics) {
    let mut seen: BTreeMap<(&str, &str, &str), &StackInstance> = BTreeMap::new();
    for inst in instances {
        if let Some(prev) = seen.insert((&inst.account, &inst.region, &inst.stack_name), inst) {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateStackName,
                    inst.span,
                    format!("stack `{}` of env `{}` and stack `{}` of env `{}` are both named `{}` in {} {}", inst.stack, inst.env, prev.stack, prev.env, inst.stack_name, inst.account, inst.region),
                )
                .with_label("this stack")
                .with_secondary(prev.span, "and this one")
                .with_help("rename a stack or an environment"),
            );
        }
    }
}

/// Export names must be unique per account and region.
pub fn check_exports(instances: &[StackInstance], diags: &mut Diagnostics) {
    let mut seen: BTreeMap<(&str, &str, &str), &StackInstance> = BTreeMap::new();
    for inst in instances {
        for out in inst.outputs.values() {
            let Some(e) = &out.export else { continue };
            if let Some(prev) = seen.insert((&inst.account, &inst.region, e), inst) {
                diags.push(
                    Diagnostic::error(Code::DuplicateExport, out.span, format!("export `{e}` is defined by two stacks in {} {}", inst.account, inst.region))
                        .with_label(format!("exported by {}", inst.stack_name))
                        .with_secondary(prev.span, format!("also exported by {}", prev.stack_name))
                        .with_help("export names are <app>-<env>-<stack>-<output>: rename a stack or an output"),
                );
            }
        }
    }
}
