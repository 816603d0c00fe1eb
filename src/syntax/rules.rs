//! Turns a pest error into a diagnostic, naming what was expected in words a person
//! uses. The `match` over rules is exhaustive on purpose: a new rule must get a phrase.

use super::Rule;
use crate::codes::Code;
use crate::diagnostics::Diagnostic;
use crate::span::{FileId, Span};

/// A human phrase for a grammar rule, as in "expected {phrase}".
fn phrase(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of file",
        Rule::WHITESPACE => "whitespace",
        Rule::comment_text => "a comment",
        Rule::ident_char => "a letter, digit or `_`",
        Rule::ident => "a name",
        Rule::type_name => "a resource type such as `AWS::S3::Bucket`",
        Rule::type_segment => "a resource type segment",
        Rule::kw_app => "`app`",
        Rule::kw_import => "`import`",
        Rule::kw_param => "`param`",
        Rule::kw_environments => "`environments`",
        Rule::kw_fields => "`fields`",
        Rule::kw_env => "`env`",
        Rule::kw_component => "`component`",
        Rule::kw_stack => "`stack`",
        Rule::kw_let => "`let`",
        Rule::kw_resource => "`resource`",
        Rule::kw_output => "`output`",
        Rule::kw_if => "`if`",
        Rule::kw_else => "`else`",
        Rule::kw_for => "`for`",
        Rule::kw_in => "`in`",
        Rule::kw_resource_ty => "`Resource`",
        Rule::kw_pipeline => "`pipeline`",
        Rule::kw_stage => "`stage`",
        Rule::kw_approve => "`approve`",
        Rule::file => "a file",
        Rule::item => {
            "an item (`app`, `import`, `param`, `environments`, `component`, `stack` or `pipeline`)"
        }
        Rule::app_item => "an `app` block",
        Rule::import_item => "an import",
        Rule::import_source => "a module path such as `std.network` or a quoted file path",
        Rule::std_path => "a module path such as `std.network.vpc`",
        Rule::import_names => "`.name` or `.{a, b}`",
        Rule::param_item => "a `param`",
        Rule::environments_item => "an `environments` block",
        Rule::fields_block => "a `fields { ... }` schema",
        Rule::typed_binding => "`name: Type`",
        Rule::env_decl => "an `env name { ... }`",
        Rule::component_item => "a component",
        Rule::stack_item => "a stack",
        Rule::pipeline_item => "a pipeline",
        Rule::pipeline_step => "a pipeline step (`stage`, `approve`) or setting (`name = value`)",
        Rule::stage_step => "`stage env`",
        Rule::stage_envs => "`[env, ...]`",
        Rule::approve_step => "`approve \"label\"`",
        Rule::settings_block => "`name { ... }`",
        Rule::block => "`{`",
        Rule::statement => "a statement (`let`, `resource`, `output`, `if`, `for`)",
        Rule::let_stmt => "`let`",
        Rule::resource_stmt => "a resource",
        Rule::resource_key => "`[key]`",
        Rule::output_stmt => "an output",
        Rule::if_stmt => "`if`",
        Rule::else_if => "`if`",
        Rule::cond => "a condition",
        Rule::for_stmt => "`for`",
        Rule::assign_stmt => "`name = value`",
        Rule::assign_op => "`=`",
        Rule::entries => "`{`",
        Rule::entry => "`Key = value`",
        Rule::ty => "a type",
        Rule::enum_ty => "a string enum such as `\"A\" | \"B\"`",
        Rule::optional_ty => "a type",
        Rule::question => "`?`",
        Rule::base_ty => "a type",
        Rule::list_ty => "a list type `[T]`",
        Rule::record_ty => "a record type `{ a: T }`",
        Rule::resource_ty => "`Resource<AWS::X::Y>`",
        Rule::named_ty => "a type name",
        Rule::expr => "an expression",
        Rule::postfix_expr => "an expression",
        Rule::postfix => "`.field`, `[index]` or `(arguments)`",
        Rule::field_access => "`.field`",
        Rule::index => "`[index]`",
        Rule::call => "`(`",
        Rule::arg => "an argument",
        Rule::arg_name => "an argument name",
        Rule::prefix_op => "`!` or `-`",
        Rule::not_op => "`!`",
        Rule::neg_op => "`-`",
        Rule::infix_op => "an operator",
        Rule::or_op => "`||`",
        Rule::and_op => "`&&`",
        Rule::eq_op => "`==`",
        Rule::ne_op => "`!=`",
        Rule::le_op => "`<=`",
        Rule::ge_op => "`>=`",
        Rule::lt_op => "`<`",
        Rule::gt_op => "`>`",
        Rule::add_op => "`+`",
        Rule::sub_op => "`-`",
        Rule::mul_op => "`*`",
        Rule::primary => "a value",
        Rule::paren => "`(`",
        Rule::if_expr => "`if`",
        Rule::else_if_expr => "`if`",
        Rule::list_comp => "a list comprehension",
        Rule::comp_filter => "`if`",
        Rule::list => "a list",
        Rule::record => "a record",
        Rule::true_lit => "`true`",
        Rule::false_lit => "`false`",
        Rule::none_lit => "`none`",
        Rule::duration => "a duration such as `7d`",
        Rule::int => "a number",
        Rule::number_with_unit => "a duration such as `7d`",
        Rule::plain_string => "a string without interpolation",
        Rule::plain_text => "text",
        Rule::string => "a string",
        Rule::str_text => "text",
        Rule::escape => "an escape",
        Rule::interpolation => "`${`",
        Rule::long_string => "a `\"\"\"` string",
        Rule::long_text => "text",
        Rule::long_escape => "`\\${`",
    }
}

/// Collapses the many rules pest lists into a short, de-duplicated phrase list.
fn expected_list(rules: &[Rule]) -> String {
    let mut phrases: Vec<&str> = Vec::new();
    for r in rules {
        let p = phrase(*r);
        if !phrases.contains(&p) {
            phrases.push(p);
        }
    }
    // After an operand, the short tokens that could continue it (`(`, `{`, operators)
    // say less than the longer phrases; they are left out. (Until operators were
    // looked for by their first character, this was decided by the number of phrases,
    // which the eleven operators always made large.)
    if phrases
        .iter()
        .any(|p| p.contains("an operator") || p.starts_with("`.field`"))
    {
        phrases.retain(|p| !p.starts_with('`') || p.len() > 6);
    }
    match phrases.len() {
        0 => "something else".to_string(),
        1 => phrases[0].to_string(),
        n if n <= 6 => format!("{} or {}", phrases[..n - 1].join(", "), phrases[n - 1]),
        _ => format!("{}, or another token", phrases[..6].join(", ")),
    }
}

pub fn syntax_error(file: FileId, text: &str, e: pest::error::Error<Rule>) -> Diagnostic {
    let (start, end) = match e.location {
        pest::error::InputLocation::Pos(p) => (p, p),
        pest::error::InputLocation::Span((s, e)) => (s, e),
    };
    if let pest::error::ErrorVariant::CustomError { message } = &e.variant {
        // Only the call limit produces custom errors.
        let span = Span::new(file, start, end);
        return Diagnostic::error(
            Code::TooDeep,
            span,
            format!("the parser gave up: {message}"),
        )
        .with_label("while reading here")
        .with_help("simplify or split the file");
    }
    // Point at the whole offending token, not just its first byte.
    let token_end = text[start.min(text.len())..]
        .char_indices()
        .find(|(_, c)| c.is_whitespace())
        .map_or(text.len(), |(i, _)| start + i)
        .max(end)
        .min(text.len());
    let token = &text[start.min(text.len())..token_end];
    let span = Span::new(file, start, token_end.max(start));
    // `if if a { b } else { c } { ... }`: the grammar keeps a condition's operands from
    // being bare `if` expressions (they would nest without brackets).
    let bare_if = matches!(&e.variant,
        pest::error::ErrorVariant::ParsingError { negatives, .. } if negatives.contains(&Rule::kw_if));
    if bare_if && token.starts_with("if") {
        return Diagnostic::error(
            Code::Syntax,
            Span::new(file, start, start + 2),
            "an `if` expression in a condition must be in parentheses",
        )
        .with_label("this `if` is part of the condition")
        .with_help("write `(if a { b } else { c })`, or bind it first with `let`");
    }
    let found = if token.is_empty() {
        "end of file".to_string()
    } else {
        format!("`{}`", shorten(token))
    };
    let expected = match &e.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => expected_list(positives),
        pest::error::ErrorVariant::CustomError { .. } => String::new(),
    };
    let mut d = Diagnostic::error(
        Code::Syntax,
        span,
        format!("expected {expected}, found {found}"),
    )
    .with_label(format!("expected {expected}"));
    let word: String = token
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    const KEYWORDS: &[&str] = &[
        "import",
        "param",
        "environments",
        "stack",
        "component",
        "resource",
        "output",
        "let",
        "if",
        "else",
        "for",
        "in",
        "true",
        "false",
        "none",
    ];
    if token.starts_with(':') && expected.contains("`=`") {
        d = d.with_help("values are assigned with `=`");
    } else if token.starts_with('=') && !token.starts_with("==") {
        d = d.with_help("named arguments are written `name: value`; compare with `==`");
    } else if KEYWORDS.contains(&word.as_str()) && expected.contains("a name") {
        d = d.with_help(format!(
            "`{word}` is a keyword and cannot be used as a name"
        ));
    } else if text[..start.min(text.len())]
        .rsplit('\n')
        .next()
        .is_some_and(|line| line.matches('"').count() % 2 == 1)
    {
        d = d.with_help("a string on this line is not closed: add the missing `\"`");
    }
    d
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(20).collect();
    if s.chars().count() > 20 {
        out.push('…');
    }
    out
}
