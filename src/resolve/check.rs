//! Static checks of every stack and component body of the program, whether or not it
//! is ever instantiated: names resolve (with did-you-mean), resource types and their
//! top-level properties exist in the CloudFormation schemas, required properties are
//! present, GetAtt attributes exist, and calls pass the right arguments. The standard
//! library's bodies, which do not depend on the program, are checked by its tests
//! through [`check_stdlib`].
//! Value-level checks (types of computed values, nested properties) happen during
//! expansion, where the values are known.

use crate::Map;

use super::Checked;
use crate::codes::Code;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::expand::builtins::Builtin;

/// Options a stack body sets at its top level (`depends_on = [network]`).
pub const STACK_OPTIONS: &[&str] = &["depends_on", "exports"];
use crate::schema::SchemaDb;
use crate::source::Origin;
use crate::span::Span;
use crate::syntax::ast::{self, Expr, ExprKind, Statement, StrPart};

/// Resource options: lowercase keys in a resource body.
pub const RESOURCE_OPTIONS: &[&str] = &[
    "depends_on",
    "deletion_policy",
    "update_replace_policy",
    "update_policy",
    "creation_policy",
    "metadata",
    "suppress",
];
/// Names every stack and component body can use.
pub const GLOBALS: &[&str] = &["app", "env", "region", "aws", "default_tags"];

#[derive(Clone, Debug)]
enum Binding {
    Local,
    Resource(String),
    Component(usize),
}

struct Checker<'a> {
    program: &'a Checked,
    diags: &'a mut Diagnostics,
    module: usize,
    in_stack: bool,
    scopes: Vec<Map<String, (Binding, Span)>>,
    loop_depth: usize,
    /// Component-to-component instantiations seen: (caller, callee, call span).
    calls: Vec<(usize, usize, Span)>,
    /// The component whose body is being checked.
    current: Option<usize>,
}

pub fn check_program(program: &Checked, diags: &mut Diagnostics) {
    for stack in program.stacks.values() {
        let mut c = Checker {
            program,
            diags,
            module: 0,
            in_stack: true,
            scopes: Vec::new(),
            loop_depth: 0,
            calls: Vec::new(),
            current: None,
        };
        c.scopes.push(keyed_resources(&stack.body));
        c.block(&stack.body, true);
    }
    for pipeline in program.pipelines.values() {
        // Values in a pipeline see what the top level sees: params, `app`.
        super::pipeline::check_pipeline(program, pipeline, diags, &mut |e, d| {
            let mut c = Checker {
                program,
                diags: d,
                module: 0,
                in_stack: false,
                scopes: vec![Map::default()],
                loop_depth: 0,
                calls: Vec::new(),
                current: None,
            };
            c.expr(e);
        });
    }
    // The standard library's bodies are checked by its tests (`check_stdlib`), not in
    // every build: nothing in them depends on the program that imports them (a
    // component sees its parameters, its module's imports and the globals), and they
    // can only call one another. They were most of this phase's work: 40 KB of stdlib
    // source against the fleet's 6.5 KB.
    let calls = check_components(program, diags, |source| *source == Origin::User);
    recursive_components(program, &calls, diags);
    for p in program.params.iter().chain(&program.fields) {
        if let Some(d) = &p.default {
            let mut c = Checker {
                program,
                diags,
                module: 0,
                in_stack: false,
                scopes: Vec::new(),
                loop_depth: 0,
                calls: Vec::new(),
                current: None,
            };
            c.expr(d);
        }
    }
}

/// Checks the bodies of the components whose source file's origin is `checked`; the
/// component-to-component calls they make.
fn check_components(
    program: &Checked,
    diags: &mut Diagnostics,
    checked: impl Fn(&Origin) -> bool,
) -> Vec<(usize, usize, Span)> {
    let mut calls = Vec::new();
    for (id, comp) in program.components.iter().enumerate() {
        if !checked(&program.sources.get(comp.span.file).origin) {
            continue;
        }
        let mut c = Checker {
            program,
            diags,
            module: comp.module,
            in_stack: false,
            scopes: Vec::new(),
            loop_depth: 0,
            calls: Vec::new(),
            current: None,
        };
        c.current = Some(id);
        let mut params = Map::default();
        for p in &comp.params {
            c.not_builtin(&p.name);
            if let Some(d) = &p.default {
                c.expr(d);
            }
            if let Some((_, prev)) =
                params.insert(p.name.node.clone(), (Binding::Local, p.name.span))
            {
                c.diags.push(
                    Diagnostic::error(
                        Code::Duplicate,
                        p.name.span,
                        format!("parameter `{}` is declared twice", p.name.node),
                    )
                    .with_label("second declaration")
                    .with_secondary(prev, "first declared here"),
                );
            }
        }
        c.scopes.push(params);
        c.scopes.push(keyed_resources(&comp.body));
        c.block(&comp.body, false);
        calls.append(&mut c.calls);
    }
    calls
}

/// Checks every component body of the standard library that `program` loaded, as a
/// build checks the program's own (`check_program` leaves these out).
pub fn check_stdlib(program: &Checked, diags: &mut Diagnostics) {
    let calls = check_components(program, diags, |source| *source == Origin::Stdlib);
    recursive_components(program, &calls, diags);
}

impl Checker<'_> {
    fn lookup(&self, name: &str) -> Option<Binding> {
        for scope in self.scopes.iter().rev() {
            if let Some((b, _)) = scope.get(name) {
                return Some(b.clone());
            }
        }
        if let Some(&id) = self.program.scopes[self.module].get(name) {
            return Some(Binding::Component(id));
        }
        let stack_level = self.in_stack
            && (self.program.stacks.contains_key(name)
                || self.program.params.iter().any(|p| p.name.node == name));
        if stack_level || GLOBALS.contains(&name) || Builtin::from_name(name).is_some() {
            return Some(Binding::Local);
        }
        None
    }

    fn candidates(&self) -> Vec<String> {
        let mut v: Vec<String> = self.scopes.iter().flat_map(|s| s.keys().cloned()).collect();
        v.extend(self.program.scopes[self.module].keys().cloned());
        if self.in_stack {
            v.extend(self.program.stacks.keys().cloned());
            v.extend(self.program.params.iter().map(|p| p.name.node.clone()));
        }
        v.extend(GLOBALS.iter().map(|s| s.to_string()));
        v.extend(Builtin::ALL.iter().map(|b| b.name().to_string()));
        v
    }

    fn bind(&mut self, name: &ast::Ident, b: Binding) {
        self.not_builtin(name);
        let scope = self.scopes.last_mut().expect("a scope is open");
        if let Some((_, prev)) = scope.get(&name.node) {
            if *prev != name.span {
                let prev = *prev;
                self.diags.push(
                    Diagnostic::error(
                        Code::Duplicate,
                        name.span,
                        format!("`{}` is defined twice in this body", name.node),
                    )
                    .with_label("second definition")
                    .with_secondary(prev, "first defined here")
                    .with_help("names in a body must be unique: logical IDs are derived from them"),
                );
            }
            return;
        }
        scope.insert(name.node.clone(), (b, name.span));
    }

    /// `env`, `region`, `app`, `aws` and `default_tags` cannot be redefined: shadowing
    /// them would silently change what every later use means.
    fn not_builtin(&mut self, name: &ast::Ident) {
        if GLOBALS.contains(&name.node.as_str()) {
            self.diags.push(
                Diagnostic::error(
                    Code::Duplicate,
                    name.span,
                    format!("`{}` is built in and cannot be redefined", name.node),
                )
                .with_label("shadows the built-in name")
                .with_help("choose another name"),
            );
        }
    }

    /// The scope of a `for` body or comprehension: its index and variable.
    fn push_loop_scope(&mut self, index: Option<&ast::Ident>, var: &ast::Ident) {
        let mut scope = Map::default();
        for v in index.into_iter().chain([var]) {
            self.not_builtin(v);
            scope.insert(v.node.clone(), (Binding::Local, v.span));
        }
        self.scopes.push(scope);
    }

    fn block(&mut self, block: &ast::Block, stack_top: bool) {
        self.scopes.push(Map::default());
        // Resources are visible throughout their body, before and after their declaration.
        for s in &block.statements {
            if let Statement::Resource(r) = s {
                self.bind(&r.name, Binding::Resource(r.type_name.node.clone()));
            }
        }
        for s in &block.statements {
            self.statement(s, stack_top);
        }
        self.scopes.pop();
    }

    fn statement(&mut self, s: &Statement, stack_top: bool) {
        match s {
            Statement::Let { name, value } => {
                self.expr(value);
                self.bind(name, Binding::Local);
            }
            Statement::Output { name, value } => {
                self.expr(value);
                if self.loop_depth > 0 {
                    self.diags.push(
                        Diagnostic::error(Code::Duplicate, name.span, format!("output `{}` is inside a `for`", name.node))
                            .with_label("every iteration would define it again")
                            .with_help("collect the values with a comprehension after the loop: `output ids = [for x in xs: r[x].ref]`"),
                    );
                }
            }
            Statement::Resource(r) => self.resource(r),
            Statement::If {
                cond,
                then,
                otherwise,
                ..
            } => {
                self.expr(cond);
                self.block(then, false);
                if let Some(b) = otherwise {
                    self.block(b, false);
                }
            }
            Statement::For {
                index,
                var,
                iter,
                body,
                ..
            } => {
                self.expr(iter);
                self.push_loop_scope(index.as_ref(), var);
                self.loop_depth += 1;
                self.block(body, false);
                self.loop_depth -= 1;
                self.scopes.pop();
            }
            Statement::Assign { name, value } => {
                self.expr(value);
                if !(stack_top && STACK_OPTIONS.contains(&name.node.as_str())) {
                    let where_ = if stack_top { "a stack" } else { "this body" };
                    self.diags.push(
                        Diagnostic::error(Code::BadResourceOption, name.span, format!("`{}` is not an option of {where_}", name.node))
                            .with_label("unknown option")
                            .with_help(if self.in_stack {
                                "a stack body accepts `depends_on = [other_stack]` and `exports = [\"output\"]` at its top level; use `let` to name a value"
                            } else {
                                "use `let` to name a value"
                            }),
                    );
                }
            }
        }
    }

    fn resource(&mut self, r: &ast::Resource) {
        if let Some(k) = &r.key {
            self.expr(k);
        }
        for e in &r.entries {
            self.expr(&e.value);
        }
        let db = SchemaDb::embedded();
        let Some(schema) = db.resource(&r.type_name.node) else {
            self.diags.push(
                Diagnostic::error(
                    Code::UnknownResourceType,
                    r.type_name.span,
                    format!("unknown resource type `{}`", r.type_name.node),
                )
                .with_label("not in the CloudFormation schemas")
                .with_suggestion(&r.type_name.node, db.type_names()),
            );
            return;
        };
        let mut seen: Map<&str, Span> = Map::default();
        for e in &r.entries {
            let key = e.key.node.as_str();
            if let Some(prev) = seen.insert(key, e.key.span) {
                self.diags.push(
                    Diagnostic::error(Code::Duplicate, e.key.span, format!("`{key}` is set twice"))
                        .with_label("second value")
                        .with_secondary(prev, "first set here"),
                );
            }
            let is_option = key.starts_with(|c: char| c.is_ascii_lowercase());
            if is_option && !schema.properties.contains_key(key) {
                if !RESOURCE_OPTIONS.contains(&key) {
                    self.diags.push(
                        Diagnostic::error(
                            Code::BadResourceOption,
                            e.key.span,
                            format!("unknown resource option `{key}`"),
                        )
                        .with_label("not a resource option")
                        .with_suggestion(key, RESOURCE_OPTIONS.iter().copied())
                        .with_note(format!(
                            "lowercase keys are options: {}",
                            RESOURCE_OPTIONS.join(", ")
                        )),
                    );
                }
            } else if !schema.properties.contains_key(key) {
                self.diags.push(
                    Diagnostic::error(
                        Code::UnknownProperty,
                        e.key.span,
                        format!("`{}` has no property `{key}`", r.type_name.node),
                    )
                    .with_label("unknown property")
                    .with_suggestion(key, schema.properties.keys()),
                );
            }
        }
        let missing: Vec<&str> = schema
            .required
            .iter()
            .copied()
            .filter(|p| !seen.contains_key(p))
            .collect();
        if !missing.is_empty() {
            let list = crate::diagnostics::code_list(&missing);
            self.diags.push(
                Diagnostic::error(
                    Code::MissingProperty,
                    r.name.span,
                    format!(
                        "resource `{}` ({}) is missing required {} {list}",
                        r.name.node,
                        r.type_name.node,
                        if missing.len() == 1 {
                            "property"
                        } else {
                            "properties"
                        }
                    ),
                )
                .with_label("declared here")
                .with_help(format!(
                    "add {}",
                    missing
                        .iter()
                        .map(|m| format!("`{m} = ...`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Int(_)
            | ExprKind::Bool(_)
            | ExprKind::None
            | ExprKind::Duration(_)
            | ExprKind::Error => {}
            ExprKind::Str(parts) => {
                for p in parts {
                    if let StrPart::Expr(x) = p {
                        self.expr(x);
                    }
                }
            }
            ExprKind::List(xs) => xs.iter().for_each(|x| self.expr(x)),
            ExprKind::Record(entries) => entries.iter().for_each(|en| self.expr(&en.value)),
            ExprKind::Name(n) => {
                if self.lookup(n).is_none() {
                    let cands = self.candidates();
                    let mut d =
                        Diagnostic::error(Code::UnknownName, e.span, format!("unknown name `{n}`"))
                            .with_label("not defined here")
                            .with_suggestion(n, cands.iter().map(String::as_str));
                    if !self.in_stack
                        && (self.program.stacks.contains_key(n)
                            || self.program.params.iter().any(|p| &p.name.node == n))
                    {
                        d = d.with_help(format!("`{n}` is visible in stacks, not inside components: pass it as a parameter"));
                    }
                    self.diags.push(d);
                }
            }
            ExprKind::Field(base, field) => {
                self.expr(base);
                if let ExprKind::Name(n) = &base.kind {
                    if let Some(Binding::Resource(t)) = self.lookup(n) {
                        self.attribute(&t, n, field);
                    }
                }
            }
            ExprKind::Index(a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Call(callee, args) => {
                self.expr(callee);
                for a in args {
                    self.expr(&a.value);
                }
                if let ExprKind::Name(n) = &callee.kind {
                    match self.lookup(n) {
                        Some(Binding::Component(id)) => {
                            if let Some(caller) = self.current {
                                self.calls.push((caller, id, e.span));
                            }
                            self.component_args(id, e.span, args)
                        }
                        Some(Binding::Local) if self.scopes.iter().all(|s| !s.contains_key(n)) => {
                            if let Some(b) = Builtin::from_name(n) {
                                self.builtin_args(b, e.span, args);
                            }
                        }
                        _ => {}
                    }
                }
            }
            ExprKind::Binary(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Unary(_, a) => self.expr(a),
            ExprKind::If(c, a, b) => {
                self.expr(c);
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Comprehension {
                index,
                var,
                iter,
                filter,
                body,
            } => {
                self.expr(iter);
                self.push_loop_scope(index.as_ref(), var);
                if let Some(f) = filter {
                    self.expr(f);
                }
                self.expr(body);
                self.scopes.pop();
            }
        }
    }

    fn attribute(&mut self, type_name: &str, resource: &str, field: &ast::Ident) {
        let Some(schema) = SchemaDb::embedded().resource(type_name) else {
            return;
        };
        let f = field.node.as_str();
        let prefix = format!("{f}.");
        if f == "ref"
            || schema
                .attributes
                .iter()
                .any(|a| *a == f || a.starts_with(&prefix))
        {
            return;
        }
        let mut cands: Vec<&str> = schema.attributes.clone();
        cands.push("ref");
        let mut d = Diagnostic::error(
            Code::UnknownAttribute,
            field.span,
            format!("`{type_name}` has no attribute `{f}`"),
        )
        .with_label(format!("`{resource}.{f}` is not a GetAtt attribute"))
        .with_suggestion(f, cands.iter().copied());
        if d.help.is_none() {
            d = d.with_help(format!(
                "`{resource}.ref` is its Ref; its attributes are {}",
                if schema.attributes.is_empty() {
                    "none".to_string()
                } else {
                    crate::diagnostics::code_list(&schema.attributes)
                }
            ));
        }
        self.diags.push(d);
    }

    fn component_args(&mut self, id: usize, span: Span, args: &[ast::Arg]) {
        let comp = &self.program.components[id];
        let mut given: Map<&str, Span> = Map::default();
        for a in args {
            let Some(name) = &a.name else {
                self.diags.push(
                    Diagnostic::error(
                        Code::BadArguments,
                        a.value.span,
                        format!("`{}` takes named arguments", comp.name.node),
                    )
                    .with_label("positional argument")
                    .with_help(format!(
                        "write `name: value`; its parameters are {}",
                        comp.params
                            .iter()
                            .map(|p| format!("`{}`", p.name.node))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                );
                continue;
            };
            if let Some(prev) = given.insert(&name.node, name.span) {
                self.diags.push(
                    Diagnostic::error(
                        Code::BadArguments,
                        name.span,
                        format!("argument `{}` is given twice", name.node),
                    )
                    .with_label("second value")
                    .with_secondary(prev, "first given here"),
                );
            }
            if !comp.params.iter().any(|p| p.name.node == name.node) {
                self.diags.push(
                    Diagnostic::error(
                        Code::BadArguments,
                        name.span,
                        format!("`{}` has no parameter `{}`", comp.name.node, name.node),
                    )
                    .with_label("unknown argument")
                    .with_secondary(comp.name.span, "component defined here")
                    .with_suggestion(&name.node, comp.params.iter().map(|p| p.name.node.as_str())),
                );
            }
        }
        // With positional arguments the missing list would only repeat the first error.
        if args.iter().any(|a| a.name.is_none()) {
            return;
        }
        let missing: Vec<&str> = comp
            .params
            .iter()
            .filter(|p| {
                p.default.is_none()
                    && !matches!(p.ty, crate::types::Type::Optional(_))
                    && !given.contains_key(p.name.node.as_str())
            })
            .map(|p| p.name.node.as_str())
            .collect();
        if !missing.is_empty() {
            self.diags.push(
                Diagnostic::error(
                    Code::BadArguments,
                    span,
                    format!(
                        "call to `{}` is missing {}",
                        comp.name.node,
                        crate::diagnostics::code_list(&missing)
                    ),
                )
                .with_label("missing arguments")
                .with_secondary(comp.name.span, "component defined here"),
            );
        }
    }

    fn builtin_args(&mut self, b: Builtin, span: Span, args: &[ast::Arg]) {
        if let Some(named) = args.iter().find_map(|a| a.name.as_ref()) {
            self.diags.push(
                Diagnostic::error(
                    Code::BadArguments,
                    named.span,
                    format!("`{}` takes positional arguments", b.name()),
                )
                .with_label("named argument")
                .with_help(format!("call it as `{}`", b.signature())),
            );
        }
        if args.len() != b.arity() {
            self.diags.push(
                Diagnostic::error(
                    Code::BadArguments,
                    span,
                    format!(
                        "`{}` takes {} argument{}, found {}",
                        b.name(),
                        b.arity(),
                        if b.arity() == 1 { "" } else { "s" },
                        args.len()
                    ),
                )
                .with_label("wrong number of arguments")
                .with_help(format!("call it as `{}`", b.signature())),
            );
        }
    }
}

/// A component that instantiates itself, directly or through others, would expand
/// without end (or exponentially until a depth limit): report each cycle once.
fn recursive_components(
    program: &Checked,
    calls: &[(usize, usize, Span)],
    diags: &mut Diagnostics,
) {
    let n = program.components.len();
    let mut reported = vec![false; n];
    for start in 0..n {
        // Depth-first search for a path from `start` back to itself.
        let mut stack: Vec<(usize, Vec<(usize, Span)>)> = vec![(start, Vec::new())];
        let mut seen = vec![false; n];
        while let Some((at, path)) = stack.pop() {
            for &(_, to, span) in calls.iter().filter(|(f, _, _)| *f == at) {
                let mut next = path.clone();
                next.push((to, span));
                if to == start {
                    if !path.iter().any(|(c, _)| reported[*c]) && !reported[start] {
                        reported[start] = true;
                        let names: Vec<&str> = std::iter::once(start)
                            .chain(next.iter().map(|(c, _)| *c))
                            .map(|c| program.components[c].name.node.as_str())
                            .collect();
                        let mut d = Diagnostic::error(
                            Code::RecursiveComponent,
                            next[0].1,
                            format!(
                                "component `{}` instantiates itself: {}",
                                program.components[start].name.node,
                                names.join(" → ")
                            ),
                        )
                        .with_label("this instance starts the cycle");
                        for (c, s) in next.iter().skip(1) {
                            d = d.with_secondary(
                                *s,
                                format!("instantiates `{}`", program.components[*c].name.node),
                            );
                        }
                        diags.push(d.with_help("components cannot be recursive: their instances are expanded while compiling"));
                    }
                } else if !seen[to] {
                    seen[to] = true;
                    stack.push((to, next));
                }
            }
        }
    }
}

/// Keyed resources declared anywhere in a body (in loops, in branches): reachable by
/// key from the whole body, `subnet[az]`.
fn keyed_resources(block: &ast::Block) -> Map<String, (Binding, Span)> {
    fn walk(block: &ast::Block, out: &mut Map<String, (Binding, Span)>) {
        for s in &block.statements {
            match s {
                Statement::Resource(r) if r.key.is_some() => {
                    out.entry(r.name.node.clone())
                        .or_insert((Binding::Local, r.name.span));
                }
                Statement::If {
                    then, otherwise, ..
                } => {
                    walk(then, out);
                    if let Some(o) = otherwise {
                        walk(o, out);
                    }
                }
                Statement::For { body, .. } => walk(body, out),
                _ => {}
            }
        }
    }
    let mut out = Map::default();
    walk(block, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{LoadError, SourceLoader, SourceMap};

    struct NoFiles;

    impl SourceLoader for NoFiles {
        fn load(&self, path: &str) -> Result<String, LoadError> {
            Err(LoadError::Io(format!("{path}: no files here")))
        }
    }

    /// A program with a component body that names nothing known, checked as the
    /// program's own and then as if its file were the standard library's.
    #[test]
    fn builds_leave_the_stdlibs_bodies_to_check_stdlib() {
        let src =
            "component broken() { let x = nowhere }\nstack s { resource t: AWS::SNS::Topic {} }\n";
        let (parsed, load_diags) = crate::resolve::load("p.sleuth", src.to_string(), &NoFiles);
        assert!(!load_diags.has_errors());
        let (mut checked, diags) = crate::resolve::resolve(parsed);
        let unknown = |d: Diagnostics| {
            d.into_vec()
                .iter()
                .filter(|d| d.code == Code::UnknownName)
                .count()
        };
        assert_eq!(unknown(diags), 1, "the program's own component is checked");

        let mut as_stdlib = SourceMap::default();
        for (_, file) in checked.sources.files() {
            as_stdlib.add(file.name.clone(), file.text.to_string(), Origin::Stdlib);
        }
        checked.sources = as_stdlib;
        let mut build = Diagnostics::default();
        check_program(&checked, &mut build);
        assert_eq!(unknown(build), 0, "a build leaves the stdlib's bodies out");
        let mut stdlib = Diagnostics::default();
        check_stdlib(&checked, &mut stdlib);
        assert_eq!(unknown(stdlib), 1, "check_stdlib checks them");
    }
}
