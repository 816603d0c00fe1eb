//! Syntax: the pest grammar (`grammar/sleuth.pest`) and its lowering into the AST.
//! pest types stay inside this module; callers get an [`ast::Module`] or diagnostics.

pub mod ast;
pub mod cache;
mod lower;
mod rules;

use pest::Parser;

use crate::codes::Code;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::span::{FileId, Span};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/sleuth.pest"]
struct SleuthParser;

/// Deepest bracket nesting accepted; deeper input is rejected before pest sees it,
/// so neither the parser nor later recursive phases can exhaust the stack.
pub const MAX_NESTING: usize = 128;

/// Parses one file. Syntax errors become diagnostics; the module is `None` then.
pub fn parse(file: FileId, text: &str, diags: &mut Diagnostics) -> Option<ast::Module> {
    if let Some(span) = too_deep(file, text) {
        diags.push(
            Diagnostic::error(
                Code::TooDeep,
                span,
                format!("brackets nested more than {MAX_NESTING} deep"),
            )
            .with_label("this bracket is too deep")
            .with_help("flatten the expression with `let` bindings"),
        );
        return None;
    }
    // Bounds the work pest may do on hostile input (backtracking) instead of hanging.
    pest::set_call_limit(std::num::NonZeroUsize::new(50_000_000));
    match SleuthParser::parse(Rule::file, text) {
        Ok(mut pairs) => {
            let file_pair = pairs.next()?;
            Some(lower::lower_file(file, file_pair, diags))
        }
        Err(e) => {
            diags.push(rules::syntax_error(file, text, e));
            None
        }
    }
}

/// The first bracket past [`MAX_NESTING`], skipping comments. Brackets inside strings
/// count too: interpolations nest (`"${"${...}"}"`), and a legitimate file never
/// leaves 128 brackets open.
fn too_deep(file: FileId, text: &str) -> Option<Span> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(Span::new(file, i, i + 1));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}
