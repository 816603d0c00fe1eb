//! Statements: blocks, `let`, resources, outputs, `if`, `for`, component instances.

use crate::Map;

use super::*;
use crate::codes::Code;
use crate::diagnostics::Diagnostic;
use crate::expand::builtins::pascal_case;
use crate::expand::props;
use crate::expand::value::{ResourceNames, ResourceRef, Value};
use crate::expand::{Dependency, DependencyKind};
use crate::span::Span;
use crate::syntax::ast::{self, Expr, ExprKind, Statement};
use crate::types;

impl<'a> Expander<'a> {
    // ───────────── statements ─────────────

    pub(super) fn block(
        &mut self,
        f: &mut Frame,
        b: &mut Body<'a>,
        block: &'a ast::Block,
        stack_top: bool,
    ) {
        b.scopes.push();
        self.run_block(f, b, block, stack_top);
        b.scopes.pop();
    }

    /// Runs a block's statements in the innermost scope (a loop iteration's, so the
    /// loop can collect the keyed resources its body declared).
    pub(super) fn run_block(
        &mut self,
        f: &mut Frame,
        b: &mut Body<'a>,
        block: &'a ast::Block,
        stack_top: bool,
    ) {
        if f.work > MAX_EXPANSION_WORK {
            return;
        }
        for s in &block.statements {
            if let Statement::Resource(r) = s {
                if r.key.is_none() {
                    let rr = self.resource_ref(b, r, None);
                    b.bind(&r.name.node, Value::Resource(rr));
                }
            }
        }
        for s in &block.statements {
            self.statement(f, b, s, stack_top);
        }
    }

    pub(super) fn resource_ref(
        &self,
        b: &Body<'a>,
        r: &'a ast::Resource,
        key: Option<&str>,
    ) -> ResourceRef {
        let mut logical_id = format!("{}{}", b.prefix, pascal_case(&r.name.node));
        if let Some(k) = key {
            logical_id.push_str(&pascal_case(k));
        }
        ResourceRef::new(ResourceNames {
            logical_id,
            type_name: r.type_name.node.clone(),
            name: r.name.node.clone(),
            decl: r.name.span,
        })
    }

    pub(super) fn statement(
        &mut self,
        f: &mut Frame,
        b: &mut Body<'a>,
        s: &'a Statement,
        stack_top: bool,
    ) {
        match s {
            Statement::Let { name, value } => {
                let v = match &value.kind {
                    ExprKind::Call(callee, args) => match self.callee_component(b, callee) {
                        Some(id) => {
                            b.instances.push(name.node.clone());
                            self.instantiate(f, b, id, &name.node, value.span, args)
                        }
                        None => self.expr(f, b, value),
                    },
                    _ => self.expr(f, b, value),
                };
                b.bind(&name.node, v);
            }
            Statement::Output { name, value } => {
                let v = self.expr(f, b, value);
                if let Some((_, prev)) = b.outputs.get(&name.node) {
                    let d = Diagnostic::error(
                        Code::Duplicate,
                        name.span,
                        format!("output `{}` is defined twice", name.node),
                    )
                    .with_label("second definition")
                    .with_secondary(*prev, "first defined here")
                    .with_help("give each output its own name");
                    self.error(b, d);
                    return;
                }
                b.outputs.insert(name.node.clone(), (v, value.span));
            }
            Statement::Resource(r) => self.resource(f, b, r),
            Statement::If {
                cond,
                then,
                otherwise,
                ..
            } => match self.condition(f, b, cond, "an `if`") {
                Some(true) => self.block(f, b, then, false),
                Some(false) => {
                    if let Some(o) = otherwise {
                        self.block(f, b, o, false)
                    }
                }
                None => {}
            },
            Statement::For {
                index,
                var,
                iter,
                body,
                ..
            } => {
                let Some(items) = self.iterable(f, b, iter) else {
                    return;
                };
                for (i, item) in items.into_iter().enumerate() {
                    b.scopes.push();
                    if let Some(ix) = index {
                        b.bind(&ix.node, Value::Int(i as i64));
                    }
                    b.bind(&var.node, item);
                    self.run_block(f, b, body, false);
                    b.scopes.pop();
                }
            }
            Statement::Assign { name, value } if stack_top => match name.node.as_str() {
                "depends_on" => self.stack_depends_on(f, b, value),
                "exports" => self.stack_exports(f, b, value),
                _ => {}
            },
            Statement::Assign { .. } => {}
        }
    }

    /// `depends_on = [network, storage["eu-west-1"]]` at a stack's top level.
    fn stack_depends_on(&mut self, f: &mut Frame, b: &mut Body<'a>, value: &'a Expr) {
        for (item, span) in self.option_items(f, b, value) {
            match item {
                Value::Stack(target) => {
                    let Some(env) = f.env else { continue };
                    let region = target.region.clone().unwrap_or_else(|| f.region.clone());
                    if target.name == f.stack && region == f.region {
                        let d = Diagnostic::error(
                            Code::StackCycle,
                            span,
                            format!("stack `{}` depends on itself", target.name),
                        )
                        .with_label("self-reference");
                        self.error(b, d);
                        continue;
                    }
                    self.instance_via(
                        env,
                        &region,
                        &target.name,
                        Some(Via {
                            span,
                            verb: "depends on",
                        }),
                    );
                    f.depends_on.push(Dependency {
                        stack: target.name,
                        region,
                        kind: DependencyKind::Explicit,
                        span,
                    });
                }
                Value::Error => {}
                other => self.wrong_item(b, "depends_on", "stacks", span, &other),
            }
        }
    }

    /// `exports = ["vpc_id"]`: outputs exported even when no stack of this program
    /// imports them (for a two-step removal, or for stacks outside this program).
    fn stack_exports(&mut self, f: &mut Frame, b: &mut Body<'a>, value: &'a Expr) {
        for (item, span) in self.option_items(f, b, value) {
            match item {
                Value::Str(s) => f.exports.push((s, span)),
                Value::Error => {}
                other => self.wrong_item(b, "exports", "output names as strings", span, &other),
            }
        }
    }

    /// A stack option's items with their spans: the elements of a list, or the one
    /// value.
    fn option_items(
        &mut self,
        f: &mut Frame,
        b: &mut Body<'a>,
        value: &'a Expr,
    ) -> Vec<(Value, Span)> {
        if let ExprKind::List(xs) = &value.kind {
            return xs.iter().map(|x| (self.expr(f, b, x), x.span)).collect();
        }
        match self.expr(f, b, value) {
            Value::List(xs) => xs.into_iter().map(|x| (x, value.span)).collect(),
            other => vec![(other, value.span)],
        }
    }

    fn wrong_item(
        &mut self,
        b: &Body<'a>,
        option: &str,
        expected: &str,
        span: Span,
        found: &Value,
    ) {
        let d = Diagnostic::error(
            Code::TypeMismatch,
            span,
            format!("`{option}` lists {expected}, found {}", found.describe()),
        )
        .with_label(format!("expected {expected}"));
        self.error(b, d);
    }

    pub(super) fn callee_component(&self, b: &Body<'a>, callee: &'a Expr) -> Option<usize> {
        match &callee.kind {
            ExprKind::Name(n) if b.lookup(n).is_none() => {
                self.checked.scopes[b.module].get(n).copied()
            }
            _ => None,
        }
    }

    /// `if` conditions must be compile-time booleans.
    pub(super) fn condition(
        &mut self,
        f: &mut Frame,
        b: &mut Body<'a>,
        cond: &'a Expr,
        what: &str,
    ) -> Option<bool> {
        match self.expr(f, b, cond) {
            Value::Bool(x) => Some(x),
            Value::Error => None,
            Value::Deploy(d) => {
                let dg = Diagnostic::error(Code::DeployTime, cond.span, format!("the condition of {what} must be known at compile time"))
                    .with_label("only known at deploy time")
                    .with_secondary(d.origin, format!("{} comes from here", d.what))
                    .with_note("sleuthc decides `if` while compiling; CloudFormation resolves this value only when it deploys")
                    .with_help("decide on something known at compile time: `env.name`, an environment field, a param");
                self.error(b, dg);
                None
            }
            other => {
                let d = Diagnostic::error(
                    Code::TypeMismatch,
                    cond.span,
                    format!(
                        "the condition of {what} must be a Bool, found {}",
                        other.describe()
                    ),
                )
                .with_label("not a Bool");
                self.error(b, d);
                None
            }
        }
    }

    pub(super) fn iterable(
        &mut self,
        f: &mut Frame,
        b: &mut Body<'a>,
        iter: &'a Expr,
    ) -> Option<Vec<Value>> {
        match self.expr(f, b, iter) {
            Value::List(xs) => Some(xs),
            Value::Record(m) => Some(m.into_iter().map(|(k, v)| record2(k, v)).collect()),
            Value::Error => None,
            Value::Deploy(d) => {
                let dg = Diagnostic::error(Code::DeployTime, iter.span, "`for` needs a list known at compile time")
                    .with_label("only known at deploy time")
                    .with_secondary(d.origin, format!("{} comes from here", d.what))
                    .with_note("the number of resources must be known while compiling; CloudFormation resolves this value only when it deploys");
                self.error(b, dg);
                None
            }
            other => {
                let d = Diagnostic::error(
                    Code::TypeMismatch,
                    iter.span,
                    format!("`for` needs a list, found {}", other.describe()),
                )
                .with_label("not a list");
                self.error(b, d);
                None
            }
        }
    }

    pub(super) fn instantiate(
        &mut self,
        f: &mut Frame,
        b: &mut Body<'a>,
        id: usize,
        instance: &str,
        span: Span,
        args: &'a [ast::Arg],
    ) -> Value {
        let checked = self.checked;
        let comp = &checked.components[id];
        f.work += 1;
        if f.work == MAX_EXPANSION_WORK + 1 {
            let d = Diagnostic::error(
                Code::TooManyResources,
                span,
                format!("stack `{}` expands to more than {MAX_EXPANSION_WORK} component instances and resources", f.stack),
            )
            .with_label("expansion stopped here")
            .with_help("CloudFormation allows 500 resources per template: split the stack, or instantiate fewer components");
            self.error(b, d);
        }
        if f.work > MAX_EXPANSION_WORK {
            return Value::Error;
        }
        if b.depth >= MAX_COMPONENT_DEPTH {
            let d = Diagnostic::error(
                Code::BadArguments,
                span,
                format!("components nested more than {MAX_COMPONENT_DEPTH} deep"),
            )
            .with_label(format!("instance of `{}`", comp.name.node))
            .with_help(
                "a component that instantiates itself, directly or through others, never ends",
            );
            self.error(b, d);
            return Value::Error;
        }
        let mut given: Map<&str, (Value, Span)> = Map::default();
        for a in args {
            let v = self.expr(f, b, &a.value);
            if let Some(n) = &a.name {
                given.insert(&n.node, (v, a.value.span));
            }
        }
        // Its parameters are bound in its first scope (its body's names in the next).
        let mut callee = Body::new(
            comp.module,
            false,
            format!("{}{}", b.prefix, pascal_case(instance)),
            b.depth + 1,
            Some((span, comp.name.node.clone())),
            comp.params.len() + names_bound(&comp.body),
        );
        callee.top = Some(
            b.top
                .clone()
                .unwrap_or_else(|| (instance.to_string(), comp.name.node.clone())),
        );
        for p in &comp.params {
            let (value, vspan, passed) = match given.shift_remove(p.name.node.as_str()) {
                Some((v, s)) => (v, s, true),
                None => match &p.default {
                    Some(d) => {
                        let v = self.expr(f, &mut callee, d);
                        (v, d.span, false)
                    }
                    None if matches!(p.ty, types::Type::Optional(_)) => (Value::None, span, false),
                    // Reported by the static check.
                    None => (Value::Error, span, false),
                },
            };
            let value = self.check_type(
                f,
                &mut callee,
                value,
                &p.ty,
                vspan,
                &|| format!("argument `{}` of `{}`", p.name.node, comp.name.node),
                passed,
                &args_expr(args, &p.name.node),
            );
            callee.bind(&p.name.node, value);
        }
        self.block(f, &mut callee, &comp.body, false);
        Value::Record(
            callee
                .outputs
                .into_iter()
                .map(|(k, (v, _))| (k, v))
                .collect(),
        )
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn check_type(
        &mut self,
        f: &mut Frame,
        b: &mut Body<'a>,
        value: Value,
        ty: &'a types::Type,
        span: Span,
        what: &dyn Fn() -> String,
        passed: bool,
        expr: &Option<&'a Expr>,
    ) -> Value {
        let result = {
            let mut defaults = |e: &'a Expr| self.expr(f, b, e);
            types::check(value, ty, "", &mut defaults)
        };
        match result {
            Ok(v) => v,
            Err(m) => {
                let mut d = props::mismatch_diagnostic(m, &what(), ty, span, *expr);
                if !passed {
                    d = d.with_note("this is the parameter's default value");
                }
                self.error(b, d);
                Value::Error
            }
        }
    }

    pub(super) fn resource(&mut self, f: &mut Frame, b: &mut Body<'a>, r: &'a ast::Resource) {
        f.work += 1;
        if f.work > MAX_EXPANSION_WORK {
            // Over the limit: the E0500 for the template reports it.
            return;
        }
        let rr = match &r.key {
            None => match b.lookup(&r.name.node) {
                Some(Value::Resource(rr)) => rr.clone(),
                _ => self.resource_ref(b, r, None),
            },
            Some(k) => {
                let key = match self.expr(f, b, k) {
                    Value::Str(s) => s,
                    Value::Int(n) => n.to_string(),
                    Value::Error => return,
                    Value::Deploy(d) => {
                        let dg = Diagnostic::error(
                            Code::DeployTime,
                            k.span,
                            "a resource key must be known at compile time",
                        )
                        .with_label("only known at deploy time")
                        .with_secondary(d.origin, format!("{} comes from here", d.what))
                        .with_note(
                            "the key becomes part of the logical ID, which is fixed when compiling",
                        );
                        self.error(b, dg);
                        return;
                    }
                    other => {
                        let d = Diagnostic::error(
                            Code::TypeMismatch,
                            k.span,
                            format!(
                                "a resource key must be a String or Int, found {}",
                                other.describe()
                            ),
                        )
                        .with_label("invalid key");
                        self.error(b, d);
                        return;
                    }
                };
                let rr = self.resource_ref(b, r, Some(&key));
                // Inside the loop, `name[key]` reaches this iteration's resource; after
                // it, every key made so far.
                if let Value::ResourceMap(all) = b
                    .keyed
                    .entry(r.name.node.clone())
                    .or_insert_with(|| Value::ResourceMap(Map::default()))
                {
                    all.insert(key.clone(), rr.clone());
                }
                b.bind(
                    &r.name.node,
                    Value::ResourceMap(Map::from_iter([(key, rr.clone())])),
                );

                rr
            }
        };
        if !rr.logical_id.starts_with(|c: char| c.is_ascii_alphabetic())
            || r.key.is_some()
                && rr.logical_id == format!("{}{}", b.prefix, pascal_case(&r.name.node))
        {
            let d = Diagnostic::error(
                Code::LogicalIdClash,
                r.name.span,
                format!(
                    "`{}` does not give a valid logical ID (`{}`)",
                    r.name.node, rr.logical_id
                ),
            )
            .with_label("logical IDs need letters or digits, starting with a letter")
            .with_help("use a name (and keys) with letters and digits");
            self.error(b, d);
            return;
        }
        if let Some(existing) = f.resources.get(&rr.logical_id) {
            let d = Diagnostic::error(
                Code::LogicalIdClash,
                r.name.span,
                format!("logical ID `{}` is produced twice", rr.logical_id),
            )
            .with_label("this resource")
            .with_secondary(existing.span, "also produces it")
            .with_help("rename one of the resources or component instances");
            self.error(b, d);
            return;
        }
        let mut values = Vec::with_capacity(r.entries.len());
        for e in &r.entries {
            let v = self.expr(f, b, &e.value);
            values.push((e, v));
        }
        let region = f.region.clone();
        let env = f.env;
        let app = self.app;
        let built = props::build_resource(r, &rr, values, &region, env, app);
        for d in built.diags {
            self.error(b, d);
        }
        if let Some(mut res) = built.resource {
            res.component = b.top.clone();
            if let Some(own) = res.refs.iter().find(|d| d.target == rr.logical_id) {
                let d = Diagnostic::error(
                    Code::StackCycle,
                    own.span,
                    format!("resource `{}` refers to itself", rr.name),
                )
                .with_label(format!("`{}` names `{}` here", rr.name, rr.name))
                .with_secondary(r.name.span, "the resource")
                .with_help("CloudFormation cannot create a resource that depends on itself");
                self.error(b, d);
                return;
            }
            f.resources.insert(rr.logical_id.clone(), res);
        }
    }
}
