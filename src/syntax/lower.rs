//! Lowers pest pairs into the AST: one small function per grammar rule. Keyword
//! tokens (`kw_*`) are skipped by the cursor; everything else is taken in order.

use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::ast::*;
use super::Rule;
use crate::codes::Code;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::span::{FileId, Span, Spanned};

struct Lower<'d> {
    file: FileId,
    diags: &'d mut Diagnostics,
    /// How deeply expressions and blocks are nested here; bounded so that every later
    /// phase, which recurses over the tree, is bounded too.
    depth: usize,
}

/// Deepest nesting of expressions and blocks, and longest operator or postfix chain
/// (`a + b + ...`, `a.b.c...`): each builds one level of the tree.
pub const MAX_TREE_DEPTH: usize = 200;

/// Operator precedence, lowest first.
static PRATT: std::sync::LazyLock<PrattParser<Rule>> = std::sync::LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::or_op, Assoc::Left))
        .op(Op::infix(Rule::and_op, Assoc::Left))
        .op(Op::infix(Rule::eq_op, Assoc::Left) | Op::infix(Rule::ne_op, Assoc::Left))
        .op(Op::infix(Rule::lt_op, Assoc::Left)
            | Op::infix(Rule::le_op, Assoc::Left)
            | Op::infix(Rule::gt_op, Assoc::Left)
            | Op::infix(Rule::ge_op, Assoc::Left))
        .op(Op::infix(Rule::add_op, Assoc::Left) | Op::infix(Rule::sub_op, Assoc::Left))
        .op(Op::infix(Rule::mul_op, Assoc::Left))
        .op(Op::prefix(Rule::not_op) | Op::prefix(Rule::neg_op))
});

/// What ends an `if` chain (see `Lower::if_chain`).
enum ChainEnd<'i> {
    /// `else { .. }`: the block, or the expression in it.
    Else(Pair<'i, Rule>),
    /// No `else` (only statements may leave it out): an empty span at the chain's end.
    Missing(Span),
    /// A clause past `MAX_TREE_DEPTH`, reported: the span from its `if` to the end.
    TooDeep(Span),
}

/// The children of a pair in order, without keyword tokens.
struct Cursor<'i> {
    items: std::vec::IntoIter<Pair<'i, Rule>>,
    peeked: Option<Pair<'i, Rule>>,
}

impl<'i> Cursor<'i> {
    fn new(pair: Pair<'i, Rule>) -> Self {
        let items: Vec<_> = pair
            .into_inner()
            .filter(|p| !is_keyword(p.as_rule()))
            .collect();
        Cursor {
            items: items.into_iter(),
            peeked: None,
        }
    }

    fn next(&mut self) -> Option<Pair<'i, Rule>> {
        self.peeked.take().or_else(|| self.items.next())
    }

    fn peek_rule(&mut self) -> Option<Rule> {
        if self.peeked.is_none() {
            self.peeked = self.items.next();
        }
        self.peeked.as_ref().map(|p| p.as_rule())
    }

    /// The next child if it has this rule.
    fn take(&mut self, rule: Rule) -> Option<Pair<'i, Rule>> {
        if self.peek_rule() == Some(rule) {
            self.next()
        } else {
            None
        }
    }
}

fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_app
            | Rule::kw_import
            | Rule::kw_param
            | Rule::kw_environments
            | Rule::kw_fields
            | Rule::kw_env
            | Rule::kw_component
            | Rule::kw_stack
            | Rule::kw_let
            | Rule::kw_resource
            | Rule::kw_output
            | Rule::kw_if
            | Rule::kw_else
            | Rule::kw_for
            | Rule::kw_in
            | Rule::kw_resource_ty
            | Rule::kw_pipeline
            | Rule::kw_stage
            | Rule::kw_approve
            | Rule::EOI
    )
}

pub fn lower_file(file: FileId, pair: Pair<'_, Rule>, diags: &mut Diagnostics) -> Module {
    let mut l = Lower {
        file,
        diags,
        depth: 0,
    };
    let mut module = Module::default();
    let mut c = Cursor::new(pair);
    while let Some(p) = c.next() {
        if let Some(item) = l.item(p) {
            module.items.push(item);
        }
    }
    module
}

impl Lower<'_> {
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.file, s.start(), s.end())
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Spanned::new(pair.as_str().to_string(), self.span(&pair))
    }

    fn item(&mut self, p: Pair<'_, Rule>) -> Option<Item> {
        Some(match p.as_rule() {
            Rule::app_item => Item::App(self.app(p)),
            Rule::import_item => Item::Import(self.import(p)),
            Rule::param_item => Item::Param(self.param(p)),
            Rule::environments_item => Item::Environments(self.environments(p)),
            Rule::component_item => Item::Component(self.component(p)),
            Rule::stack_item => Item::Stack(self.stack(p)),
            Rule::pipeline_item => Item::Pipeline(self.pipeline(p)),
            _ => return None,
        })
    }

    fn app(&mut self, p: Pair<'_, Rule>) -> App {
        let span = self.span(&p);
        let mut c = Cursor::new(p);
        let name = self.ident(c.next().expect("grammar: app name"));
        let entries = self.entries(c.next().expect("grammar: app entries"));
        App {
            name,
            entries,
            span,
        }
    }

    fn import(&mut self, p: Pair<'_, Rule>) -> Import {
        let span = self.span(&p);
        let mut c = Cursor::new(p);
        let src = c.next().expect("grammar: import source");
        let mut names = c.next().map(|n| self.import_names(n)).unwrap_or_default();
        let source = match src.as_rule() {
            Rule::std_path => {
                let mut segs: Vec<Ident> = Cursor::new(src).items.map(|s| self.ident(s)).collect();
                // `std.network.vpc` imports `vpc` from `std.network`.
                if names.is_empty() && segs.len() > 2 {
                    names.push(segs.pop().expect("len > 2"));
                } else if names.is_empty() {
                    let path_span = segs
                        .first()
                        .zip(segs.last())
                        .map_or(span, |(a, b)| a.span.to(b.span));
                    self.diags.push(
                        Diagnostic::error(Code::UnknownImport, path_span, "this import names no component")
                            .with_label("imports nothing")
                            .with_help("name what to import: `import std.network.vpc` or `import std.network.{vpc, security_group}`"),
                    );
                }
                ImportSource::Std(segs)
            }
            _ => ImportSource::File(self.plain_string(src)),
        };
        Import {
            source,
            names,
            span,
        }
    }

    fn import_names(&mut self, p: Pair<'_, Rule>) -> Vec<Ident> {
        Cursor::new(p).items.map(|i| self.ident(i)).collect()
    }

    fn param(&mut self, p: Pair<'_, Rule>) -> Param {
        let span = self.span(&p);
        let mut c = Cursor::new(p);
        let name = self.ident(c.next().expect("grammar: param name"));
        let ty = self.ty(c.next().expect("grammar: param type"));
        let default = c.next().map(|e| self.expr(e));
        Param {
            binding: TypedBinding { name, ty, default },
            span,
        }
    }

    fn typed_binding(&mut self, p: Pair<'_, Rule>) -> TypedBinding {
        let mut c = Cursor::new(p);
        let name = self.ident(c.next().expect("grammar: binding name"));
        let ty = self.ty(c.next().expect("grammar: binding type"));
        let default = c.next().map(|e| self.expr(e));
        TypedBinding { name, ty, default }
    }

    fn environments(&mut self, p: Pair<'_, Rule>) -> Environments {
        let span = self.span(&p);
        let mut c = Cursor::new(p);
        let fields = match c.take(Rule::fields_block) {
            Some(f) => Cursor::new(f)
                .items
                .map(|b| self.typed_binding(b))
                .collect(),
            None => Vec::new(),
        };
        let mut envs = Vec::new();
        while let Some(e) = c.next() {
            envs.push(self.env_decl(e));
        }
        Environments { fields, envs, span }
    }

    fn env_decl(&mut self, p: Pair<'_, Rule>) -> EnvDecl {
        let span = self.span(&p);
        let mut c = Cursor::new(p);
        let name = self.ident(c.next().expect("grammar: env name"));
        let entries = self.entries(c.next().expect("grammar: env entries"));
        EnvDecl {
            name,
            entries,
            span,
        }
    }

    fn component(&mut self, p: Pair<'_, Rule>) -> Component {
        let span = self.span(&p);
        let mut c = Cursor::new(p);
        let name = self.ident(c.next().expect("grammar: component name"));
        let mut params = Vec::new();
        while let Some(b) = c.take(Rule::typed_binding) {
            params.push(self.typed_binding(b));
        }
        let body = self.block(c.next().expect("grammar: component body"));
        Component {
            name,
            params,
            body,
            span,
        }
    }

    fn stack(&mut self, p: Pair<'_, Rule>) -> Stack {
        let span = self.span(&p);
        let mut c = Cursor::new(p);
        let name = self.ident(c.next().expect("grammar: stack name"));
        let body = self.block(c.next().expect("grammar: stack body"));
        Stack { name, body, span }
    }

    fn pipeline(&mut self, p: Pair<'_, Rule>) -> Pipeline {
        let span = self.span(&p);
        let mut c = Cursor::new(p);
        let name = self.ident(c.next().expect("grammar: pipeline name"));
        let mut steps = Vec::new();
        while let Some(s) = c.next() {
            steps.push(self.pipeline_step(s));
        }
        Pipeline { name, steps, span }
    }

    fn pipeline_step(&mut self, p: Pair<'_, Rule>) -> PipelineStep {
        // From the keyword to the last token: pest's span would take in the whitespace
        // it skipped looking for the optional `{ ... }`.
        let span = {
            let whole = self.span(&p);
            let end = p
                .clone()
                .into_inner()
                .last()
                .map_or(whole.end, |last| self.span(&last).end);
            Span::new(self.file, whole.start as usize, end as usize)
        };
        match p.as_rule() {
            Rule::stage_step => {
                let mut c = Cursor::new(p);
                let first = c.next().expect("grammar: stage environments");
                let envs = match first.as_rule() {
                    Rule::stage_envs => Cursor::new(first).items.map(|i| self.ident(i)).collect(),
                    _ => vec![self.ident(first)],
                };
                let options = c.next().map(|e| self.entries(e)).unwrap_or_default();
                PipelineStep::Stage {
                    envs,
                    options,
                    span,
                }
            }
            Rule::approve_step => {
                let mut c = Cursor::new(p);
                let label = self.plain_string(c.next().expect("grammar: approval label"));
                let options = c.next().map(|e| self.entries(e)).unwrap_or_default();
                PipelineStep::Approve {
                    label,
                    options,
                    span,
                }
            }
            Rule::settings_block => {
                let mut c = Cursor::new(p);
                let name = self.ident(c.next().expect("grammar: settings name"));
                let entries = self.entries(c.next().expect("grammar: settings entries"));
                PipelineStep::Settings {
                    name,
                    entries,
                    span,
                }
            }
            _ => match self.assign_stmt(p) {
                Statement::Assign { name, value } => PipelineStep::Setting { name, value },
                _ => unreachable!("assign_stmt lowers to an assignment"),
            },
        }
    }

    fn block(&mut self, p: Pair<'_, Rule>) -> Block {
        if self.too_deep(&p, 0) {
            return Block::default();
        }
        self.depth += 1;
        let statements = Cursor::new(p).items.map(|s| self.statement(s)).collect();
        self.depth -= 1;
        Block { statements }
    }

    /// Whether `extra` more levels here would pass [`MAX_TREE_DEPTH`]; reported once.
    fn too_deep(&mut self, p: &Pair<'_, Rule>, extra: usize) -> bool {
        if self.depth + extra < MAX_TREE_DEPTH {
            return false;
        }
        let start = p.as_span().start();
        self.diags.push(
            Diagnostic::error(
                Code::TooDeep,
                Span::new(self.file, start, start + 1),
                format!("nested more than {MAX_TREE_DEPTH} levels deep"),
            )
            .with_label("too deep")
            .with_help("flatten it with `let` bindings"),
        );
        true
    }

    fn statement(&mut self, p: Pair<'_, Rule>) -> Statement {
        match p.as_rule() {
            Rule::let_stmt => self.let_stmt(p),
            Rule::resource_stmt => Statement::Resource(self.resource(p)),
            Rule::output_stmt => self.output_stmt(p),
            Rule::if_stmt => self.if_stmt(p),
            Rule::for_stmt => self.for_stmt(p),
            _ => self.assign_stmt(p),
        }
    }

    fn let_stmt(&mut self, p: Pair<'_, Rule>) -> Statement {
        let mut c = Cursor::new(p);
        let name = self.ident(c.next().expect("grammar: let name"));
        self.assign_op(c.next().expect("grammar: let ="));
        let value = self.expr(c.next().expect("grammar: let value"));
        Statement::Let { name, value }
    }

    fn output_stmt(&mut self, p: Pair<'_, Rule>) -> Statement {
        let mut c = Cursor::new(p);
        let name = self.ident(c.next().expect("grammar: output name"));
        self.assign_op(c.next().expect("grammar: output ="));
        let value = self.expr(c.next().expect("grammar: output value"));
        Statement::Output { name, value }
    }

    fn assign_stmt(&mut self, p: Pair<'_, Rule>) -> Statement {
        let mut c = Cursor::new(p);
        let name = self.ident(c.next().expect("grammar: option name"));
        self.assign_op(c.next().expect("grammar: option ="));
        let value = self.expr(c.next().expect("grammar: option value"));
        Statement::Assign { name, value }
    }

    fn resource(&mut self, p: Pair<'_, Rule>) -> Resource {
        let span = self.span(&p);
        let mut c = Cursor::new(p);
        let name = self.ident(c.next().expect("grammar: resource name"));
        let key = c.take(Rule::resource_key).map(|k| {
            let mut kc = Cursor::new(k);
            self.expr(kc.next().expect("grammar: resource key"))
        });
        let type_name = self.ident(c.next().expect("grammar: resource type"));
        let entries = self.entries(c.next().expect("grammar: resource body"));
        Resource {
            name,
            key,
            type_name,
            entries,
            span,
        }
    }

    /// `if a { .. } else if b { .. } else { .. }`: the `else if`s nest in the tree.
    fn if_stmt(&mut self, p: Pair<'_, Rule>) -> Statement {
        let (mut clauses, otherwise) =
            self.if_chain(p, Rule::else_if, Self::block, |this, end| match end {
                ChainEnd::Else(e) => Some(this.block(e)),
                ChainEnd::Missing(_) => None,
                ChainEnd::TooDeep(_) => Some(Block::default()),
            });
        let (cond, then, span) = clauses.pop().expect("if_chain: the first clause");
        let last = Statement::If {
            cond,
            then,
            otherwise,
            span,
        };
        clauses
            .into_iter()
            .rev()
            .fold(last, |inner, (cond, then, span)| Statement::If {
                cond,
                then,
                otherwise: Some(Block {
                    statements: vec![inner],
                }),
                span,
            })
    }

    /// The clauses of an `if` chain, which the grammar repeats (`if a {..} else if b
    /// {..} ... else {..}`, each `else if` a `clause_rule`), each lowered one level
    /// deeper than the one before, with the span from its `if` to the chain's end; then
    /// what ends the chain, lowered at the last clause's depth. A clause past
    /// [`MAX_TREE_DEPTH`] is reported, and it and the rest of the chain left out.
    fn if_chain<'i, T, E>(
        &mut self,
        p: Pair<'i, Rule>,
        clause_rule: Rule,
        mut then: impl FnMut(&mut Self, Pair<'i, Rule>) -> T,
        end: impl FnOnce(&mut Self, ChainEnd<'i>) -> E,
    ) -> (Vec<(Expr, T, Span)>, E) {
        let (start, chain_end) = (p.as_span().start(), p.as_span().end());
        let depth = self.depth;
        let mut c = Cursor::new(p);
        let mut clauses = Vec::new();
        let mut clause = |this: &mut Self, c: &mut Cursor<'i>, start| {
            let cond = this.expr(c.next().expect("grammar: if condition"));
            let body = then(this, c.next().expect("grammar: if body"));
            clauses.push((cond, body, Span::new(this.file, start, chain_end)));
        };
        clause(self, &mut c, start);
        let last = loop {
            let Some(e) = c.next() else {
                break ChainEnd::Missing(Span::new(self.file, chain_end, chain_end));
            };
            if e.as_rule() != clause_rule {
                break ChainEnd::Else(e);
            }
            let start = e.as_span().start();
            if self.too_deep(&e, 1) {
                break ChainEnd::TooDeep(Span::new(self.file, start, chain_end));
            }
            self.depth += 1;
            clause(self, &mut Cursor::new(e), start);
        };
        let otherwise = end(self, last);
        self.depth = depth;
        (clauses, otherwise)
    }

    fn for_stmt(&mut self, p: Pair<'_, Rule>) -> Statement {
        let span = self.span(&p);
        let mut c = Cursor::new(p);
        let first = self.ident(c.next().expect("grammar: for variable"));
        let (index, var) = match c.take(Rule::ident) {
            Some(second) => (Some(first), self.ident(second)),
            None => (None, first),
        };
        let iter = self.expr(c.next().expect("grammar: for iterable"));
        let body = self.block(c.next().expect("grammar: for body"));
        Statement::For {
            index,
            var,
            iter,
            body,
            span,
        }
    }

    /// `=` is right; `:` is accepted so the rest of the file is checked, and reported.
    fn assign_op(&mut self, p: Pair<'_, Rule>) {
        if p.as_str() == ":" {
            let span = self.span(&p);
            self.diags.push(
                Diagnostic::error(Code::UseEquals, span, "expected `=`, found `:`")
                    .with_label("use `=` here")
                    .with_help(
                        "values are assigned with `=`; `:` is for types and named arguments",
                    ),
            );
        }
    }

    fn entries(&mut self, p: Pair<'_, Rule>) -> Vec<Entry> {
        Cursor::new(p).items.map(|e| self.entry(e)).collect()
    }

    fn entry(&mut self, p: Pair<'_, Rule>) -> Entry {
        let mut c = Cursor::new(p);
        let k = c.next().expect("grammar: entry key");
        let key = match k.as_rule() {
            Rule::plain_string => self.plain_string(k),
            _ => self.ident(k),
        };
        self.assign_op(c.next().expect("grammar: entry ="));
        let value = self.expr(c.next().expect("grammar: entry value"));
        Entry { key, value }
    }

    fn plain_string(&mut self, p: Pair<'_, Rule>) -> Spanned<String> {
        let span = self.span(&p);
        let text = p
            .into_inner()
            .next()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default();
        Spanned::new(text, span)
    }

    // ───────────── types ─────────────

    fn ty(&mut self, p: Pair<'_, Rule>) -> TypeExpr {
        let inner = Cursor::new(p).next().expect("grammar: type body");
        match inner.as_rule() {
            Rule::enum_ty => {
                let span = self.span(&inner);
                let values = Cursor::new(inner)
                    .items
                    .map(|s| self.plain_string(s))
                    .collect();
                TypeExpr::Enum(values, span)
            }
            _ => self.optional_ty(inner),
        }
    }

    fn optional_ty(&mut self, p: Pair<'_, Rule>) -> TypeExpr {
        let span = self.span(&p);
        let mut c = Cursor::new(p);
        let base = self.base_ty(c.next().expect("grammar: base type"));
        match c.take(Rule::question) {
            Some(_) => TypeExpr::Optional(Box::new(base), span),
            None => base,
        }
    }

    fn base_ty(&mut self, p: Pair<'_, Rule>) -> TypeExpr {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::list_ty => {
                let inner = Cursor::new(p).next().expect("grammar: list element type");
                TypeExpr::List(Box::new(self.ty(inner)), span)
            }
            Rule::record_ty => {
                let fields = Cursor::new(p)
                    .items
                    .map(|b| self.typed_binding(b))
                    .collect();
                TypeExpr::Record(fields, span)
            }
            Rule::resource_ty => {
                let t = Cursor::new(p).next().expect("grammar: resource type name");
                TypeExpr::Resource(self.ident(t), span)
            }
            _ => {
                let name = Cursor::new(p).next().expect("grammar: type name");
                TypeExpr::Named(self.ident(name))
            }
        }
    }

    // ───────────── expressions ─────────────

    fn expr(&mut self, p: Pair<'_, Rule>) -> Expr {
        // Operator chains build a tree as deep as they are long.
        let operators = p
            .clone()
            .into_inner()
            .filter(|x| x.as_rule() != Rule::postfix_expr)
            .count();
        if self.too_deep(&p, 1 + operators) {
            return Expr {
                kind: ExprKind::Error,
                span: self.span(&p),
            };
        }
        self.depth += 1 + operators;
        // Most expressions are one operand: no need for the Pratt parser's machinery.
        let e = match p.clone().into_inner().next() {
            Some(operand) if operators == 0 => self.postfix_expr(operand),
            _ => self.operators(p),
        };
        self.depth -= 1 + operators;
        e
    }

    fn operators(&mut self, p: Pair<'_, Rule>) -> Expr {
        let file = self.file;
        PRATT
            .map_primary(|prim| self.postfix_expr(prim))
            .map_prefix(move |op, rhs| {
                let s = op.as_span();
                let span = Span::new(file, s.start(), s.end()).to(rhs.span);
                let op = if op.as_rule() == Rule::not_op {
                    UnOp::Not
                } else {
                    UnOp::Neg
                };
                Expr {
                    kind: ExprKind::Unary(op, Box::new(rhs)),
                    span,
                }
            })
            .map_infix(|lhs, op, rhs| {
                let op = match op.as_rule() {
                    Rule::or_op => BinOp::Or,
                    Rule::and_op => BinOp::And,
                    Rule::eq_op => BinOp::Eq,
                    Rule::ne_op => BinOp::Ne,
                    Rule::lt_op => BinOp::Lt,
                    Rule::le_op => BinOp::Le,
                    Rule::gt_op => BinOp::Gt,
                    Rule::ge_op => BinOp::Ge,
                    Rule::add_op => BinOp::Add,
                    Rule::sub_op => BinOp::Sub,
                    _ => BinOp::Mul,
                };
                let span = lhs.span.to(rhs.span);
                Expr {
                    kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                    span,
                }
            })
            .parse(p.into_inner())
    }

    fn postfix_expr(&mut self, p: Pair<'_, Rule>) -> Expr {
        let postfixes = p.clone().into_inner().count().saturating_sub(1);
        if self.too_deep(&p, postfixes) {
            return Expr {
                kind: ExprKind::Error,
                span: self.span(&p),
            };
        }
        let mut c = Cursor::new(p);
        let mut e = self.primary(c.next().expect("grammar: primary"));
        while let Some(op) = c.next() {
            let span = e.span.to(self.span(&op));
            let kind = match op.as_rule() {
                Rule::field_access => {
                    let name = self.ident(Cursor::new(op).next().expect("grammar: field name"));
                    ExprKind::Field(Box::new(e), name)
                }
                Rule::index => {
                    let i = self.expr(Cursor::new(op).next().expect("grammar: index"));
                    ExprKind::Index(Box::new(e), Box::new(i))
                }
                _ => ExprKind::Call(Box::new(e), self.call_args(op)),
            };
            e = Expr { kind, span };
        }
        e
    }

    fn call_args(&mut self, p: Pair<'_, Rule>) -> Vec<Arg> {
        let args: Vec<_> = Cursor::new(p).items.collect();
        args.into_iter()
            .map(|a| {
                let mut c = Cursor::new(a);
                let name = c
                    .take(Rule::arg_name)
                    .map(|n| self.ident(Cursor::new(n).next().expect("grammar: arg name")));
                let value = self.expr(c.next().expect("grammar: arg value"));
                Arg { name, value }
            })
            .collect()
    }

    fn primary(&mut self, p: Pair<'_, Rule>) -> Expr {
        let span = self.span(&p);
        let kind = match p.as_rule() {
            Rule::int => match p.as_str().parse::<i64>() {
                Ok(n) => ExprKind::Int(n),
                Err(_) => {
                    self.diags.push(
                        Diagnostic::error(Code::TypeMismatch, span, "integer literal is too large")
                            .with_label("does not fit in 64 bits"),
                    );
                    ExprKind::Error
                }
            },
            Rule::duration => self.duration(&p, span),
            Rule::number_with_unit => {
                let text = p.as_str();
                let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
                let unit = &text[digits.len()..];
                let fix = match unit.to_ascii_lowercase().as_str() {
                    "sec" | "secs" | "second" | "seconds" => Some("s"),
                    "min" | "mins" | "minute" | "minutes" => Some("m"),
                    "hr" | "hrs" | "hour" | "hours" => Some("h"),
                    "day" | "days" => Some("d"),
                    _ => None,
                };
                let mut d = Diagnostic::error(
                    Code::BadDuration,
                    span,
                    format!("unknown duration unit `{unit}`"),
                )
                .with_label("durations end in s, m, h or d");
                d = match fix {
                    Some(u) => d.with_help(format!("write `{digits}{u}`")),
                    None => d.with_help("write a duration such as `30s`, `5m`, `2h` or `7d`"),
                };
                self.diags.push(d);
                ExprKind::Error
            }
            Rule::true_lit => ExprKind::Bool(true),
            Rule::false_lit => ExprKind::Bool(false),
            Rule::none_lit => ExprKind::None,
            Rule::ident => ExprKind::Name(p.as_str().to_string()),
            Rule::string => ExprKind::Str(self.string_parts(p, false)),
            Rule::long_string => ExprKind::Str(self.string_parts(p, true)),
            Rule::list => ExprKind::List(Cursor::new(p).items.map(|e| self.expr(e)).collect()),
            Rule::record => ExprKind::Record(self.entries(p)),
            Rule::paren => {
                return self.expr(Cursor::new(p).next().expect("grammar: parenthesised"))
            }
            Rule::if_expr => return self.if_expr(p),
            Rule::list_comp => self.list_comp(p),
            _ => ExprKind::Error,
        };
        Expr { kind, span }
    }

    /// `if a { x } else if b { y } else { z }` as a value: the `else if`s nest as in
    /// [`Lower::if_stmt`], an error in their place past [`MAX_TREE_DEPTH`].
    fn if_expr(&mut self, p: Pair<'_, Rule>) -> Expr {
        let (clauses, otherwise) =
            self.if_chain(p, Rule::else_if_expr, Self::expr, |this, end| match end {
                ChainEnd::Else(e) => this.expr(e),
                ChainEnd::TooDeep(span) | ChainEnd::Missing(span) => Expr {
                    kind: ExprKind::Error,
                    span,
                },
            });
        clauses
            .into_iter()
            .rev()
            .fold(otherwise, |otherwise, (cond, then, span)| Expr {
                kind: ExprKind::If(Box::new(cond), Box::new(then), Box::new(otherwise)),
                span,
            })
    }

    fn duration(&mut self, p: &Pair<'_, Rule>, span: Span) -> ExprKind {
        let s = p.as_str();
        let (digits, unit) = s.split_at(s.len() - 1);
        let mult = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            _ => 86400,
        };
        match digits.parse::<u64>().ok().and_then(|n| n.checked_mul(mult)) {
            Some(secs) => ExprKind::Duration(secs),
            None => {
                self.diags.push(
                    Diagnostic::error(Code::BadDuration, span, "duration is too large")
                        .with_label("here"),
                );
                ExprKind::Error
            }
        }
    }

    fn list_comp(&mut self, p: Pair<'_, Rule>) -> ExprKind {
        let mut c = Cursor::new(p);
        let first = self.ident(c.next().expect("grammar: comprehension variable"));
        let (index, var) = match c.take(Rule::ident) {
            Some(second) => (Some(first), self.ident(second)),
            None => (None, first),
        };
        let iter = Box::new(self.expr(c.next().expect("grammar: comprehension iterable")));
        let filter = c
            .take(Rule::comp_filter)
            .map(|f| Box::new(self.expr(Cursor::new(f).next().expect("grammar: filter"))));
        let body = Box::new(self.expr(c.next().expect("grammar: comprehension body")));
        ExprKind::Comprehension {
            index,
            var,
            iter,
            filter,
            body,
        }
    }

    fn string_parts(&mut self, p: Pair<'_, Rule>, long: bool) -> Vec<StrPart> {
        let mut parts: Vec<StrPart> = Vec::new();
        let push_text = |parts: &mut Vec<StrPart>, t: &str| match parts.last_mut() {
            Some(StrPart::Text(s)) => s.push_str(t),
            _ => parts.push(StrPart::Text(t.to_string())),
        };
        for part in Cursor::new(p).items {
            match part.as_rule() {
                Rule::str_text | Rule::long_text => push_text(&mut parts, part.as_str()),
                Rule::long_escape => push_text(&mut parts, "${"),
                Rule::escape => {
                    let text = match &part.as_str()[1..] {
                        "n" => "\n",
                        "t" => "\t",
                        "\"" => "\"",
                        "\\" => "\\",
                        "$" => "$",
                        other => {
                            let span = self.span(&part);
                            self.diags.push(
                                Diagnostic::error(Code::BadEscape, span, format!("unknown escape `\\{other}`"))
                                    .with_label("not a known escape")
                                    .with_help("use `\\\\` for a backslash; known escapes are \\n \\t \\\" \\\\ \\$"),
                            );
                            ""
                        }
                    };
                    push_text(&mut parts, text);
                }
                _ => {
                    let e = self.expr(
                        Cursor::new(part)
                            .next()
                            .expect("grammar: interpolated expression"),
                    );
                    parts.push(StrPart::Expr(e));
                }
            }
        }
        if long {
            dedent(&mut parts);
        }
        parts
    }
}

/// Removes a leading newline and the common indentation of a `"""` string's lines.
fn dedent(parts: &mut [StrPart]) {
    if let Some(StrPart::Text(first)) = parts.first_mut() {
        if let Some(rest) = first.strip_prefix('\n') {
            *first = rest.to_string();
        } else if let Some(rest) = first.strip_prefix("\r\n") {
            *first = rest.to_string();
        }
    }
    // Indentation is measured on text at line starts only.
    let mut min_indent: Option<usize> = None;
    let mut at_line_start = true;
    for part in parts.iter() {
        match part {
            StrPart::Text(t) => {
                for (i, line) in t.split('\n').enumerate() {
                    if i > 0 {
                        at_line_start = true;
                    }
                    if at_line_start {
                        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
                        let blank = line.trim().is_empty() && i + 1 < t.split('\n').count();
                        if !blank && !line.is_empty() {
                            min_indent = Some(min_indent.map_or(indent, |m| m.min(indent)));
                        }
                    }
                    at_line_start = false;
                }
            }
            StrPart::Expr(_) => {
                if at_line_start {
                    min_indent = Some(0);
                }
                at_line_start = false;
            }
        }
    }
    let n = min_indent.unwrap_or(0);
    let mut at_line_start = true;
    for part in parts.iter_mut() {
        match part {
            StrPart::Text(t) => {
                let mut out = String::with_capacity(t.len());
                for (i, line) in t.split('\n').enumerate() {
                    if i > 0 {
                        out.push('\n');
                        at_line_start = true;
                    }
                    if at_line_start {
                        let strip = line.len() - line.trim_start_matches([' ', '\t']).len();
                        out.push_str(&line[strip.min(n)..]);
                    } else {
                        out.push_str(line);
                    }
                    at_line_start = false;
                }
                *t = out;
            }
            StrPart::Expr(_) => at_line_start = false,
        }
    }
    // The closing `"""` on its own line leaves trailing spaces after the last newline.
    if let Some(StrPart::Text(last)) = parts.last_mut() {
        if let Some(pos) = last.rfind('\n') {
            if last[pos + 1..].trim().is_empty() {
                last.truncate(pos + 1);
            }
        }
    }
}
