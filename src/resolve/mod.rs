//! Resolution: collects the items of every loaded module into one program, binds
//! imports, resolves declared types, and checks every body's names and calls
//! statically (see `check`). Its output, [`Checked`], is what expansion consumes.

mod check;
pub mod load;
mod pipeline;

use crate::Map;

use crate::codes::Code;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::source::SourceMap;
use crate::span::Span;
use crate::syntax::ast;
use crate::types::Type;

pub use check::check_stdlib;
pub use load::{load, Parsed};

/// A declared parameter, field or component parameter with its resolved type.
#[derive(Clone, Debug)]
pub struct ParamDef {
    pub name: ast::Ident,
    pub ty: Type,
    pub default: Option<ast::Expr>,
}

#[derive(Debug)]
pub struct ComponentDef {
    pub name: ast::Ident,
    pub module: usize,
    pub params: Vec<ParamDef>,
    pub body: ast::Block,
    pub span: Span,
}

/// A program whose names are bound and whose declarations are checked.
#[derive(Debug)]
pub struct Checked {
    pub sources: SourceMap,
    pub app: Option<ast::App>,
    pub params: Vec<ParamDef>,
    pub fields: Vec<ParamDef>,
    pub envs: Vec<ast::EnvDecl>,
    pub environments_span: Option<Span>,
    pub stacks: Map<String, ast::Stack>,
    pub pipelines: Map<String, ast::Pipeline>,
    pub components: Vec<ComponentDef>,
    /// For each module, the components visible in it by name.
    pub scopes: Vec<Map<String, usize>>,
}

pub fn resolve(mut parsed: Parsed) -> (Checked, Diagnostics) {
    let mut diags = Diagnostics::default();
    let mut type_diags = Vec::new();
    let mut checked = Checked {
        sources: parsed.sources,
        app: None,
        params: Vec::new(),
        fields: Vec::new(),
        envs: Vec::new(),
        environments_span: None,
        stacks: Map::default(),
        pipelines: Map::default(),
        components: Vec::new(),
        scopes: vec![Map::default(); parsed.modules.len()],
    };
    // The items move into `checked` (a program's ASTs are not copied): components
    // first, so imports can bind to them; the other items, with their index in their
    // module, after.
    let mut others: Vec<Vec<(usize, ast::Item)>> = Vec::with_capacity(parsed.modules.len());
    for (m, module) in parsed.modules.iter_mut().enumerate() {
        let mut rest = Vec::new();
        for (i, item) in std::mem::take(&mut module.ast.items)
            .into_iter()
            .enumerate()
        {
            let ast::Item::Component(c) = item else {
                rest.push((i, item));
                continue;
            };
            let params = c
                .params
                .into_iter()
                .map(|p| ParamDef {
                    ty: Type::from_expr(&p.ty, &mut type_diags),
                    name: p.name,
                    default: p.default,
                })
                .collect();
            let id = checked.components.len();
            declare(
                &mut checked.scopes[m],
                &c.name,
                id,
                &checked.components,
                &mut diags,
            );
            checked.components.push(ComponentDef {
                name: c.name,
                module: m,
                params,
                body: c.body,
                span: c.span,
            });
        }
        others.push(rest);
    }
    for (m, items) in others.into_iter().enumerate() {
        let module = &parsed.modules[m];
        for (i, item) in items {
            match item {
                ast::Item::Import(imp) => {
                    let Some(&target) = module.import_targets.get(&i) else {
                        continue;
                    };
                    for name in &imp.names {
                        match checked.scopes[target].get(&name.node).copied() {
                            Some(id) if checked.components[id].module == target => declare(
                                &mut checked.scopes[m],
                                name,
                                id,
                                &checked.components,
                                &mut diags,
                            ),
                            _ => {
                                let candidates: Vec<&str> = checked.scopes[target]
                                    .iter()
                                    .filter(|(_, id)| checked.components[**id].module == target)
                                    .map(|(n, _)| n.as_str())
                                    .collect();
                                let mut d = Diagnostic::error(
                                    Code::UnknownImport,
                                    name.span,
                                    format!(
                                        "`{}` has no component `{}`",
                                        parsed.modules[target].key, name.node
                                    ),
                                )
                                .with_label("not found in that module")
                                .with_suggestion(&name.node, candidates.iter().copied());
                                if d.help.is_none() && !candidates.is_empty() {
                                    d = d.with_help(format!(
                                        "it defines {}",
                                        crate::diagnostics::code_list(candidates)
                                    ));
                                }
                                diags.push(d);
                            }
                        }
                    }
                }
                // Moved into `checked.components` above.
                ast::Item::Component(_) => {}
                other if m != 0 => {
                    diags.push(
                        Diagnostic::error(Code::UnknownImport, item_span(&other), "an imported file may only define components")
                            .with_label("not allowed in an imported file")
                            .with_help("move `app`, `param`, `environments` and `stack` items into the file you compile"),
                    );
                }
                ast::Item::App(a) => {
                    if let Some(prev) = &checked.app {
                        diags.push(duplicate("app", &a.name, prev.name.span));
                    } else {
                        checked.app = Some(a);
                    }
                }
                ast::Item::Param(p) => {
                    if let Some(prev) = checked
                        .params
                        .iter()
                        .find(|x| x.name.node == p.binding.name.node)
                    {
                        diags.push(duplicate("param", &p.binding.name, prev.name.span));
                        continue;
                    }
                    if check::GLOBALS.contains(&p.binding.name.node.as_str()) {
                        diags.push(
                            Diagnostic::error(
                                Code::Duplicate,
                                p.binding.name.span,
                                format!(
                                    "`{}` is built in and cannot be a param",
                                    p.binding.name.node
                                ),
                            )
                            .with_label("shadows the built-in name"),
                        );
                    }
                    let ty = Type::from_expr(&p.binding.ty, &mut type_diags);
                    checked.params.push(ParamDef {
                        name: p.binding.name,
                        ty,
                        default: p.binding.default,
                    });
                }
                ast::Item::Environments(e) => {
                    if let Some(prev) = checked.environments_span {
                        diags.push(
                            Diagnostic::error(
                                Code::Duplicate,
                                e.span,
                                "a second `environments` block",
                            )
                            .with_label("second block")
                            .with_secondary(prev, "first block")
                            .with_help("declare every environment in one block"),
                        );
                        continue;
                    }
                    checked.environments_span = Some(e.span);
                    for f in e.fields {
                        if ["name", "account", "regions", "approval"]
                            .contains(&f.name.node.as_str())
                        {
                            diags.push(
                                Diagnostic::error(
                                    Code::EnvField,
                                    f.name.span,
                                    format!("`{}` is a built-in environment field", f.name.node),
                                )
                                .with_label("already defined for every environment")
                                .with_help("choose another name for this field"),
                            );
                            continue;
                        }
                        let ty = Type::from_expr(&f.ty, &mut type_diags);
                        checked.fields.push(ParamDef {
                            name: f.name,
                            ty,
                            default: f.default,
                        });
                    }
                    for env in e.envs {
                        if let Some(prev) =
                            checked.envs.iter().find(|x| x.name.node == env.name.node)
                        {
                            diags.push(duplicate("environment", &env.name, prev.name.span));
                        } else {
                            checked.envs.push(env);
                        }
                    }
                }
                ast::Item::Stack(s) => {
                    if check::GLOBALS.contains(&s.name.node.as_str()) {
                        // Inside stacks the stack would win, and `app.name` would read
                        // an output of it.
                        diags.push(
                            Diagnostic::error(
                                Code::Duplicate,
                                s.name.span,
                                format!("`{}` is built in and cannot be a stack name", s.name.node),
                            )
                            .with_label("shadows the built-in name in every stack")
                            .with_help("choose another name, such as `web` or `service`"),
                        );
                    }
                    if let Some(prev) = checked.stacks.get(&s.name.node) {
                        diags.push(duplicate("stack", &s.name, prev.name.span));
                    } else {
                        checked.stacks.insert(s.name.node.clone(), s);
                    }
                }
                ast::Item::Pipeline(p) => {
                    if let Some(prev) = checked.pipelines.get(&p.name.node) {
                        diags.push(duplicate("pipeline", &p.name, prev.name.span));
                    } else {
                        checked.pipelines.insert(p.name.node.clone(), p);
                    }
                }
            }
        }
    }
    for d in type_diags {
        diags.push(d);
    }
    check::check_program(&checked, &mut diags);
    (checked, diags)
}

fn declare(
    scope: &mut Map<String, usize>,
    name: &ast::Ident,
    id: usize,
    comps: &[ComponentDef],
    diags: &mut Diagnostics,
) {
    if let Some(&prev) = scope.get(&name.node) {
        if prev != id {
            diags.push(duplicate("component", name, comps[prev].name.span));
        }
        return;
    }
    scope.insert(name.node.clone(), id);
}

fn duplicate(what: &str, name: &ast::Ident, prev: Span) -> Diagnostic {
    Diagnostic::error(
        Code::Duplicate,
        name.span,
        format!("{what} `{}` is defined twice", name.node),
    )
    .with_label("second definition")
    .with_secondary(prev, "first defined here")
    .with_help(format!("rename one of the two {what}s"))
}

fn item_span(item: &ast::Item) -> Span {
    match item {
        ast::Item::App(a) => a.span,
        ast::Item::Import(i) => i.span,
        ast::Item::Param(p) => p.span,
        ast::Item::Environments(e) => e.span,
        ast::Item::Component(c) => c.span,
        ast::Item::Stack(s) => s.span,
        ast::Item::Pipeline(p) => p.span,
    }
}
