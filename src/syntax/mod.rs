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

/// Deepest bracket nesting accepted; deeper input is rejected before pest sees it.
/// Nesting without brackets (operator chains, `else if`) is bounded while lowering
/// (`lower::MAX_TREE_DEPTH`), so later phases' recursion is bounded too.
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
    // The grammar recurses only through brackets, at most `MAX_NESTING` deep (checked
    // above): pest and the lowering then need under 1 MiB of stack in a debug build
    // (`tests/robustness.rs`, `nesting_to_the_limit_parses`), half that optimised. A
    // thread with less left (a test's has 2 MiB) parses on a stack segment of its own.
    stacker::maybe_grow(PARSE_STACK, 4 * PARSE_STACK, || {
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
    })
}

/// The stack a parse may need, with room to spare: see [`parse`].
const PARSE_STACK: usize = 2 << 20;

/// The first bracket or interpolation past [`MAX_NESTING`], before pest sees the text.
/// Strings are scanned as strings: `"((("` opens nothing, `"#"` is no comment, and
/// each `${` inside a string opens a nested expression until its matching `}`.
fn too_deep(file: FileId, text: &str) -> Option<Span> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mode {
        /// Code; the number of `{` opened in this code segment.
        Code(usize),
        Str,
        Long,
    }
    let b = text.as_bytes();
    let mut modes = vec![Mode::Code(0)];
    let mut depth = 0usize;
    let mut i = 0;
    let open = |depth: &mut usize, at: usize| {
        *depth += 1;
        (*depth > MAX_NESTING).then(|| Span::new(file, at, at + 1))
    };
    while i < b.len() {
        let mode = *modes.last().unwrap_or(&Mode::Code(0));
        match mode {
            Mode::Code(braces) => match b[i] {
                b'#' => {
                    while i < b.len() && b[i] != b'\n' {
                        i += 1;
                    }
                }
                b'"' if b[i..].starts_with(b"\"\"\"") => {
                    modes.push(Mode::Long);
                    i += 2;
                }
                b'"' => modes.push(Mode::Str),
                b'(' | b'[' => {
                    if let Some(s) = open(&mut depth, i) {
                        return Some(s);
                    }
                }
                b'{' => {
                    if let Some(s) = open(&mut depth, i) {
                        return Some(s);
                    }
                    if let Some(Mode::Code(n)) = modes.last_mut() {
                        *n += 1;
                    }
                }
                b')' | b']' => depth = depth.saturating_sub(1),
                b'}' => {
                    depth = depth.saturating_sub(1);
                    if braces == 0 && modes.len() > 1 {
                        modes.pop(); // the end of an interpolation
                    } else if let Some(Mode::Code(n)) = modes.last_mut() {
                        *n = n.saturating_sub(1);
                    }
                }
                _ => {}
            },
            Mode::Str => match b[i] {
                b'\\' => i += 1,
                b'"' | b'\n' => {
                    modes.pop();
                }
                b'$' if b.get(i + 1) == Some(&b'{') => {
                    if let Some(s) = open(&mut depth, i) {
                        return Some(s);
                    }
                    modes.push(Mode::Code(0));
                    i += 1;
                }
                _ => {}
            },
            Mode::Long => {
                if b[i..].starts_with(b"\\${") {
                    i += 2;
                } else if b[i..].starts_with(b"\"\"\"") {
                    modes.pop();
                    i += 2;
                } else if b[i..].starts_with(b"${") {
                    if let Some(s) = open(&mut depth, i) {
                        return Some(s);
                    }
                    modes.push(Mode::Code(0));
                    i += 1;
                }
            }
        }
        i += 1;
    }
    None
}
