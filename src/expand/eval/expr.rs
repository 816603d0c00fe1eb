//! Expressions: names, fields and attributes, cross-stack references, operators,
//! indexing, calls and string interpolation.

use crate::json::Value as Json;
use std::fmt::Write as _;
use std::rc::Rc;

use super::*;
use crate::codes::Code;
use crate::diagnostics::Diagnostic;
use crate::expand::builtins::{self, Builtin};
use crate::expand::props;
use crate::expand::value::{Deploy, DeployShape, Fields, ResourceRef, StackTarget, Value, What};
use crate::expand::{Dependency, DependencyKind};
use crate::span::Span;
use crate::syntax::ast::{self, BinOp, Expr, ExprKind, Statement, StrPart, UnOp};

impl<'a> Expander<'a> {
    // ───────────── expressions ─────────────

    pub(super) fn expr(&mut self, f: &mut Frame, b: &mut Body<'a>, e: &'a Expr) -> Value {
        match &e.kind {
            ExprKind::Int(n) => Value::Int(*n),
            ExprKind::Bool(x) => Value::Bool(*x),
            ExprKind::None => Value::None,
            ExprKind::Duration(s) => Value::Duration(*s),
            ExprKind::Error => Value::Error,
            ExprKind::Str(parts) => self.interpolate(f, b, parts, e.span),
            ExprKind::List(xs) => Value::List(xs.iter().map(|x| self.expr(f, b, x)).collect()),
            ExprKind::Record(entries) => {
                let mut m = Fields::with_capacity(entries.len());
                for en in entries {
                    let v = self.expr(f, b, &en.value);
                    m.insert(en.key.node.clone(), v);
                }
                Value::Record(m)
            }
            ExprKind::Name(n) => self.name(f, b, n, e.span),
            ExprKind::Field(base, field) => {
                // `env.x` and `aws.x` are read directly instead of building the whole
                // record (an unknown field still goes the long way, for its diagnostic).
                if let (ExprKind::Name(n), Some(env)) = (&base.kind, f.env) {
                    if n == "env" && self.builtin(b, n) {
                        if let Some(v) = env.field(&field.node) {
                            return v;
                        }
                    }
                    if n == "aws" && self.app.is_some() && self.builtin(b, n) {
                        if let Some(v) = super::aws_field(env, &f.region, &field.node, base.span) {
                            return v;
                        }
                    }
                }
                // `a.b.c` over local records: clone the leaf, not the records on the way.
                if let Some(v) = local_path(b, e) {
                    return v.clone();
                }
                // `vpc.id` of a local resource: its attribute, without a copy of it.
                if let ExprKind::Name(n) = &base.kind {
                    if let Some(Value::Resource(r)) = b.lookup(n) {
                        return self.attribute(b, r, &field.node, field.span, e.span);
                    }
                }
                let v = self.expr(f, b, base);
                let instance =
                    matches!(&base.kind, ExprKind::Name(n) if b.instances.iter().any(|i| i == n));
                self.field(f, b, v, field, e.span, instance)
            }
            ExprKind::Index(base, index) => {
                let v = self.expr(f, b, base);
                let i = self.expr(f, b, index);
                if let Value::Stack(target) = v {
                    return self.stack_in(f, b, target, i, index.span);
                }
                self.index(b, v, i, index.span)
            }
            ExprKind::Call(callee, args) => {
                if self.callee_component(b, callee).is_some() {
                    let d = Diagnostic::error(Code::BadArguments, e.span, "a component instance must be bound with `let`")
                        .with_label("unnamed component instance")
                        .with_help("write `let name = component(...)`: the name becomes part of its resources' logical IDs");
                    self.error(b, d);
                    return Value::Error;
                }
                let callee_v = self.expr(f, b, callee);
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    let v = self.expr(f, b, &a.value);
                    vals.push((v, a.value.span));
                }
                match callee_v {
                    Value::Builtin(bi) => match builtins::call(bi, vals, e.span, &f.region) {
                        Ok(v) => v,
                        Err(d) => {
                            self.error(b, d);
                            Value::Error
                        }
                    },
                    Value::Error => Value::Error,
                    other => {
                        let d = Diagnostic::error(
                            Code::BadOperand,
                            callee.span,
                            format!("{} cannot be called", other.describe()),
                        )
                        .with_label("not a function");
                        self.error(b, d);
                        Value::Error
                    }
                }
            }
            ExprKind::Unary(op, x) => {
                let v = self.expr(f, b, x);
                match (op, v) {
                    (_, Value::Error) => Value::Error,
                    (UnOp::Not, Value::Bool(x)) => Value::Bool(!x),
                    (UnOp::Neg, Value::Int(n)) => Value::Int(n.wrapping_neg()),
                    (_, other) => self.operand_error(
                        b,
                        x.span,
                        if *op == UnOp::Not { "!" } else { "-" },
                        &other,
                    ),
                }
            }
            ExprKind::Binary(op, l, r) => self.binary(f, b, *op, l, r),
            ExprKind::If(c, t, o) => match self.condition(f, b, c, "an `if` expression") {
                Some(true) => self.expr(f, b, t),
                Some(false) => self.expr(f, b, o),
                None => Value::Error,
            },
            ExprKind::Comprehension {
                index,
                var,
                iter,
                filter,
                body,
            } => {
                let Some(items) = self.iterable(f, b, iter) else {
                    return Value::Error;
                };
                let mut out = Vec::new();
                for (i, item) in items.into_iter().enumerate() {
                    b.scopes.push();
                    if let Some(ix) = index {
                        b.bind(&ix.node, Value::Int(i as i64));
                    }
                    b.bind(&var.node, item);
                    let keep = match filter {
                        Some(fl) => self.condition(f, b, fl, "a comprehension filter"),
                        None => Some(true),
                    };
                    if keep == Some(true) {
                        let v = self.expr(f, b, body);
                        out.push(v);
                    }
                    b.scopes.pop();
                    // A failed filter makes the whole list unknown, not a shorter list.
                    if keep.is_none() {
                        return Value::Error;
                    }
                }
                Value::List(out)
            }
        }
    }

    /// Strings and lists beyond any template's size: `s = s + s` repeated must end in a
    /// diagnostic, not in exhausted memory.
    pub(super) fn too_large(&mut self, b: &Body<'a>, span: Span) -> Value {
        let d = Diagnostic::error(
            Code::BadOperand,
            span,
            format!("this value would be longer than {MAX_VALUE_LEN} elements or bytes"),
        )
        .with_label("too large")
        .with_note("a CloudFormation template is at most 1 MB");
        self.error(b, d);
        Value::Error
    }

    pub(super) fn operand_error(&mut self, b: &Body<'a>, span: Span, op: &str, v: &Value) -> Value {
        let mut d = Diagnostic::error(
            Code::BadOperand,
            span,
            format!("`{op}` cannot be applied to {}", v.describe()),
        )
        .with_label("invalid operand");
        if let Some(dp) = v.deploy_part() {
            d = Diagnostic::error(
                Code::DeployTime,
                span,
                format!("`{op}` needs values known at compile time"),
            )
            .with_label("only known at deploy time")
            .with_secondary(dp.origin, format!("{} comes from here", dp.what));
        }
        self.error(b, d);
        Value::Error
    }

    /// Does `n` name the built-in of that name here, not a binding, component, stack
    /// or param (the order `name` looks them up in)?
    fn builtin(&self, b: &Body<'a>, n: &str) -> bool {
        let stack = b.in_stack && self.checked.stacks.contains_key(n);
        b.lookup(n).is_none()
            && !self.checked.scopes[b.module].contains_key(n)
            && !stack
            && !self.params.contains_key(n)
    }

    pub(super) fn name(&mut self, f: &mut Frame, b: &mut Body<'a>, n: &str, span: Span) -> Value {
        if let Some(v) = b.lookup(n) {
            return v.clone();
        }
        if let Some(&id) = self.checked.scopes[b.module].get(n) {
            return Value::Component(id);
        }
        if b.in_stack {
            if self.checked.stacks.contains_key(n) {
                return Value::Stack(StackTarget::new(n));
            }
            if let Some(v) = self.params.get(n) {
                return v.clone();
            }
        } else if f.env.is_none() {
            if let Some(v) = self.params.get(n) {
                return v.clone();
            }
        }
        match n {
            "env" | "region" | "aws" | "app" | "default_tags" => match (f.env, self.app) {
                (Some(env), Some(app)) => match n {
                    "env" => env.value(),
                    "region" => Value::Str(f.region.clone()),
                    "app" => Value::Record(Fields::from_iter([
                        ("name".to_string(), Value::Str(app.name.clone())),
                        (
                            "tags".to_string(),
                            Value::Record(
                                app.tags
                                    .iter()
                                    .map(|(k, v)| (k.clone(), Value::Str(v.clone())))
                                    .collect(),
                            ),
                        ),
                    ])),
                    "default_tags" => {
                        let mut tags: Fields = app
                            .tags
                            .iter()
                            .map(|(k, v)| (k.clone(), Value::Str(v.clone())))
                            .collect();
                        tags.insert("Environment", Value::Str(env.name.clone()));
                        Value::Record(tags)
                    }
                    _ => aws_value(env, &f.region, span),
                },
                _ => {
                    let d = Diagnostic::error(
                        Code::UnknownName,
                        span,
                        format!("`{n}` is only available inside stacks and components"),
                    )
                    .with_label("not available here");
                    self.error(b, d);
                    Value::Error
                }
            },
            _ => match Builtin::from_name(n) {
                Some(bi) => Value::Builtin(bi),
                None => {
                    let d = Diagnostic::error(Code::UnknownName, span, format!("`{n}` is not available here"))
                        .with_label("not defined at this point")
                        .with_note("`let` bindings are visible after their statement; resources declared inside `if` blocks only inside them");
                    self.error(b, d);
                    Value::Error
                }
            },
        }
    }

    /// `.name` on a value; `instance` says the value is a component instance (its outputs).
    pub(super) fn field(
        &mut self,
        f: &mut Frame,
        b: &mut Body<'a>,
        v: Value,
        field: &'a ast::Ident,
        span: Span,
        instance: bool,
    ) -> Value {
        let name = field.node.as_str();
        match v {
            Value::Error => Value::Error,
            Value::Record(mut m) => match m.shift_remove(name) {
                Some(x) => x,
                None => {
                    let keys: Vec<String> = m.keys().cloned().collect();
                    let (code, what) = if instance {
                        (Code::UnknownOutput, "output")
                    } else {
                        (Code::BadOperand, "field")
                    };
                    let d = Diagnostic::error(code, field.span, format!("no {what} `{name}`"))
                        .with_label("not here")
                        .with_suggestion(name, keys.iter().map(String::as_str))
                        .with_note(format!(
                            "available: {}",
                            if keys.is_empty() {
                                "none".into()
                            } else {
                                keys.join(", ")
                            }
                        ));
                    self.error(b, d);
                    Value::Error
                }
            },
            Value::Resource(r) => self.attribute(b, &r, name, field.span, span),
            Value::PartialAttr(r, path) => {
                self.attribute(b, &r, &format!("{path}.{name}"), field.span, span)
            }
            Value::Stack(s) => self.cross_stack(f, b, &s, field, span),
            other => self.operand_error(b, field.span, &format!(".{name}"), &other),
        }
    }

    pub(super) fn attribute(
        &mut self,
        b: &Body<'a>,
        r: &ResourceRef,
        attr: &str,
        field_span: Span,
        span: Span,
    ) -> Value {
        if attr == "ref" {
            return Value::Deploy(Deploy {
                json: Rc::new(object! { "Ref" => &r.logical_id }),
                shape: DeployShape::Scalar,
                origin: span,
                what: What::Ref(r.clone()),
            });
        }
        let schema = crate::schema::SchemaDb::embedded().resource(&r.type_name);
        let attrs: &[&str] = schema.map_or(&[], |s| &s.attributes);
        let named = attrs
            .iter()
            .position(|a| *a == attr)
            .and_then(|i| u16::try_from(i).ok());
        if named.is_some() || schema.is_some_and(|s| s.has_attribute(attr)) {
            // The schema's own spelling of a named attribute is borrowed, not copied.
            let name = match named {
                Some(i) => Json::from(attrs[usize::from(i)]),
                None => Json::from(attr.to_string()),
            };
            return Value::Deploy(Deploy {
                json: Rc::new(object! { "Fn::GetAtt" => vec![Json::from(&r.logical_id), name] }),
                shape: DeployShape::Scalar,
                origin: span,
                what: match named {
                    Some(i) => What::Attr(r.clone(), i),
                    None => format!("`{}.{attr}`", r.name).into(),
                },
            });
        }
        let prefix = format!("{attr}.");
        if attrs.iter().any(|a| a.starts_with(&prefix)) {
            return Value::PartialAttr(r.clone(), attr.to_string());
        }
        if schema.is_some() {
            let d = Diagnostic::error(
                Code::UnknownAttribute,
                field_span,
                format!("`{}` has no attribute `{attr}`", r.type_name),
            )
            .with_label("not a GetAtt attribute")
            .with_suggestion(attr, attrs.iter().copied());
            self.error(b, d);
        }
        Value::Error
    }

    /// `network.vpc_id`: an output of another stack instance of this environment, in
    /// this region (an export and `Fn::ImportValue`, or `Fn::GetStackOutput` when weak)
    /// or in another region (`Fn::GetStackOutput` with its region). A compile-time
    /// output is inlined.
    pub(super) fn cross_stack(
        &mut self,
        f: &mut Frame,
        b: &mut Body<'a>,
        target: &StackTarget,
        field: &'a ast::Ident,
        span: Span,
    ) -> Value {
        let Some(env) = f.env else {
            return Value::Error;
        };
        let stack = target.name.as_str();
        let region = target.region.clone().unwrap_or_else(|| f.region.clone());
        if stack == f.stack && region == f.region {
            let d = Diagnostic::error(
                Code::StackCycle,
                span,
                format!("stack `{stack}` reads its own output `{}`", field.node),
            )
            .with_label("self-reference")
            .with_help("inside a stack, use the value directly instead of the stack output");
            self.error(b, d);
            return Value::Error;
        }
        let Some(outputs) = self.instance_via(
            env,
            &region,
            stack,
            Some(Via {
                span,
                verb: "reads",
            }),
        ) else {
            return Value::Error;
        };
        let Some((value, _)) = outputs.get(&field.node).cloned() else {
            let names: Vec<String> = outputs.keys().cloned().collect();
            let decl = &self.checked.stacks[stack];
            // Declared, but under an `if` or in a `for` that is empty here?
            let d = match output_decl(&decl.body, &field.node) {
                Some(declared) => Diagnostic::error(
                    Code::UnknownOutput,
                    field.span,
                    format!(
                        "stack `{stack}` has no output `{}` in {} {region}",
                        field.node, env.name
                    ),
                )
                .with_label("not output here")
                .with_secondary(
                    declared,
                    format!("declared here, under a condition or loop that does not produce it in {} {region}", env.name),
                )
                .with_help("read it only where it exists (an `if` around the read), or output it in every environment and region"),
                None => Diagnostic::error(
                    Code::UnknownOutput,
                    field.span,
                    format!("stack `{stack}` has no output `{}`", field.node),
                )
                .with_label("unknown output")
                .with_suggestion(&field.node, names.iter().map(String::as_str))
                .with_secondary(decl.name.span, format!("stack `{stack}` declared here")),
            };
            self.error(b, d);
            return Value::Error;
        };
        if value.deploy_part().is_none() && value.secret_part().is_none() {
            // Known at compile time: inlined, so no export and no deploy dependency.
            return value;
        }
        let weak = target.weak || region != f.region;
        let output = field.node.clone();
        let kind = if weak {
            DependencyKind::Read { output }
        } else {
            DependencyKind::Import { output }
        };
        if !f
            .depends_on
            .iter()
            .any(|dp| dp.stack == stack && dp.region == region && dp.kind == kind)
        {
            f.depends_on.push(Dependency {
                stack: stack.to_string(),
                region: region.clone(),
                kind,
                span,
            });
        }
        let is_list = matches!(value, Value::List(_))
            || matches!(&value, Value::Deploy(d) if d.shape == DeployShape::List);
        let app = self.app.map_or("", |a| a.name.as_str());
        let producer = crate::expand::stack_name(app, &env.name, stack);
        let place = if region == f.region {
            String::new()
        } else {
            format!(" in {region}")
        };
        let what = format!("the output `{stack}.{}`{place}", field.node);
        if weak {
            if is_list {
                let d = Diagnostic::error(
                    Code::WeakListOutput,
                    span,
                    format!(
                        "the list output `{stack}.{}` cannot be read with `Fn::GetStackOutput`",
                        field.node
                    ),
                )
                .with_label(if region == f.region {
                    "a weak read of a list"
                } else {
                    "a read from another region"
                })
                .with_note("CloudFormation's `Fn::Split` does not accept `Fn::GetStackOutput`, so the joined list cannot be split again")
                .with_help(format!(
                    "output the items you need one by one (`output first = xs[0]`){}",
                    if region == f.region && !target.weak {
                        ""
                    } else if region == f.region {
                        ", or drop `weak(...)` to import the list"
                    } else {
                        ", or read the list in its own region"
                    }
                ));
                self.error(b, d);
                return Value::Error;
            }
            let mut args = crate::json::Map::new();
            args.insert("StackName", Json::from(producer));
            args.insert("OutputName", Json::from(pascal_case(&field.node)));
            if region != f.region {
                args.insert("Region", Json::from(region));
            }
            return Value::Deploy(Deploy {
                json: Rc::new(object! { "Fn::GetStackOutput" => args }),
                shape: DeployShape::Scalar,
                origin: span,
                what: what.into(),
            });
        }
        let export = export_name(&producer, &field.node);
        if !f.imports.contains(&export) {
            f.imports.push(export.clone());
        }
        let import = object! { "Fn::ImportValue" => &export };
        if is_list {
            Value::Deploy(Deploy {
                json: Rc::new(object! { "Fn::Split" => vec![Json::from(","), import] }),
                shape: DeployShape::List,
                origin: span,
                what: what.into(),
            })
        } else {
            Value::Deploy(Deploy {
                json: Rc::new(import),
                shape: DeployShape::Scalar,
                origin: span,
                what: what.into(),
            })
        }
    }

    /// `network["us-east-2"]`: the stack in another region of this environment.
    pub(super) fn stack_in(
        &mut self,
        f: &Frame,
        b: &Body<'a>,
        target: StackTarget,
        index: Value,
        span: Span,
    ) -> Value {
        let Some(env) = f.env else {
            return Value::Error;
        };
        let name = match index {
            Value::Str(s) => s,
            Value::Error => return Value::Error,
            other => {
                let d = match other.deploy_part() {
                    Some(dp) => Diagnostic::error(
                        Code::DeployTime,
                        span,
                        "a stack's region must be known at compile time",
                    )
                    .with_label("only known at deploy time")
                    .with_secondary(dp.origin, format!("{} comes from here", dp.what)),
                    None => Diagnostic::error(
                        Code::TypeMismatch,
                        span,
                        format!("a stack is indexed by a region, found {}", other.describe()),
                    )
                    .with_label("expected a region such as \"us-east-2\""),
                };
                self.error(b, d);
                return Value::Error;
            }
        };
        if env.regions.contains(&name) {
            let region = (name != f.region).then_some(name);
            return Value::Stack(StackTarget { region, ..target });
        }
        let other_env = self.checked.envs.iter().any(|e| e.name.node == name);
        let d = if other_env {
            Diagnostic::error(
                Code::OutsideEnvironment,
                span,
                format!(
                    "`{name}` is an environment: a stack reads only the stacks of its own environment",
                ),
            )
            .with_label("a stack is indexed by one of its environment's regions")
            .with_note("environments deploy separately, often to other accounts, and in their own pipeline stages; a reference would tie their deploys together")
            .with_help("pass the value in as a `param` or an environment field, or publish it to SSM in that environment and read it with `ssm_param(\"/name\")`")
        } else if regions::is_region(&name) {
            Diagnostic::error(
                Code::OutsideEnvironment,
                span,
                format!("environment `{}` does not deploy to {name}", env.name),
            )
            .with_label("not one of this environment's regions")
            .with_help(format!(
                "`{}` deploys to {}; add {name} to its `regions`, or read a stack in one of them",
                env.name,
                env.regions.join(", ")
            ))
        } else {
            Diagnostic::error(
                Code::BadRegion,
                span,
                format!("`{name}` is not a region of environment `{}`", env.name),
            )
            .with_label("unknown region")
            .with_suggestion(&name, env.regions.iter().map(String::as_str))
        };
        self.error(b, d);
        Value::Error
    }

    pub(super) fn index(&mut self, b: &Body<'a>, v: Value, i: Value, span: Span) -> Value {
        match (v, i) {
            (Value::Error, _) | (_, Value::Error) => Value::Error,
            (Value::List(xs), Value::Int(n)) => {
                match usize::try_from(n).ok().and_then(|n| xs.get(n)) {
                    Some(x) => x.clone(),
                    None => {
                        let d = Diagnostic::error(
                            Code::BadOperand,
                            span,
                            format!("index {n} is out of range for a list of {}", xs.len()),
                        )
                        .with_label("out of range");
                        self.error(b, d);
                        Value::Error
                    }
                }
            }
            (Value::Deploy(_), Value::Int(n)) if n < 0 => {
                let d = Diagnostic::error(Code::BadOperand, span, format!("index {n} is negative"))
                    .with_label("indexes start at 0");
                self.error(b, d);
                Value::Error
            }
            (Value::Deploy(d), Value::Int(n)) if d.shape == DeployShape::List => {
                Value::Deploy(Deploy {
                    json: Rc::new(
                        object! { "Fn::Select" => vec![Json::from(n), Json::clone(&d.json)] },
                    ),
                    shape: DeployShape::Scalar,
                    origin: span,
                    what: d.what,
                })
            }
            (Value::Record(m), Value::Str(k)) => match m.get(&k) {
                Some(x) => x.clone(),
                None => {
                    let d = Diagnostic::error(Code::BadOperand, span, format!("no key \"{k}\""))
                        .with_label("missing key")
                        .with_suggestion(&k, m.keys().map(String::as_str));
                    self.error(b, d);
                    Value::Error
                }
            },
            (Value::ResourceMap(m), key @ (Value::Str(_) | Value::Int(_))) => {
                let k = match key {
                    Value::Str(s) => s,
                    Value::Int(n) => n.to_string(),
                    _ => String::new(),
                };
                match m.get(&k) {
                    Some(r) => Value::Resource(r.clone()),
                    None => {
                        let d = Diagnostic::error(
                            Code::BadOperand,
                            span,
                            format!("no resource with key \"{k}\""),
                        )
                        .with_label("unknown key")
                        .with_suggestion(&k, m.keys().map(String::as_str));
                        self.error(b, d);
                        Value::Error
                    }
                }
            }
            (v, i) => {
                let what = if i.deploy_part().is_some() { i } else { v };
                self.operand_error(b, span, "[]", &what)
            }
        }
    }

    pub(super) fn binary(
        &mut self,
        f: &mut Frame,
        b: &mut Body<'a>,
        op: BinOp,
        l: &'a Expr,
        r: &'a Expr,
    ) -> Value {
        // `&&` and `||` short-circuit, so `x != none && x.y` is safe.
        if matches!(op, BinOp::And | BinOp::Or) {
            let lv = self.condition(f, b, l, &format!("`{}`", op.symbol()));
            return match (op, lv) {
                (_, None) => Value::Error,
                (BinOp::And, Some(false)) => Value::Bool(false),
                (BinOp::Or, Some(true)) => Value::Bool(true),
                _ => match self.condition(f, b, r, &format!("`{}`", op.symbol())) {
                    Some(x) => Value::Bool(x),
                    None => Value::Error,
                },
            };
        }
        let lv = self.expr(f, b, l);
        let rv = self.expr(f, b, r);
        let span = l.span.to(r.span);
        match (op, lv, rv) {
            (_, Value::Error, _) | (_, _, Value::Error) => Value::Error,
            // Comparing with `none` asks whether a value was given, which is known now.
            (BinOp::Eq | BinOp::Ne, a, c)
                if matches!(a, Value::None) || matches!(c, Value::None) =>
            {
                let same = matches!(a, Value::None) && matches!(c, Value::None);
                Value::Bool(if op == BinOp::Eq { same } else { !same })
            }
            (BinOp::Eq | BinOp::Ne, a, c) => {
                if let Some(d) = a
                    .deploy_part()
                    .or(c.deploy_part())
                    .or(a.secret_part())
                    .or(c.secret_part())
                    .cloned()
                {
                    let dg = Diagnostic::error(Code::DeployTime, span, format!("`{}` compares a value only known at deploy time", op.symbol()))
                        .with_label("cannot be decided while compiling")
                        .with_secondary(d.origin, format!("{} comes from here", d.what))
                        .with_help("compare values known at compile time: `env.name`, an environment field, a param");
                    self.error(b, dg);
                    return Value::Error;
                }
                let eq = a == c;
                Value::Bool(if op == BinOp::Eq { eq } else { !eq })
            }
            (BinOp::Add, Value::Int(x), Value::Int(y)) => Value::Int(x.saturating_add(y)),
            (BinOp::Sub, Value::Int(x), Value::Int(y)) => Value::Int(x.saturating_sub(y)),
            (BinOp::Mul, Value::Int(x), Value::Int(y)) => Value::Int(x.saturating_mul(y)),
            (BinOp::Add, Value::Duration(x), Value::Duration(y)) => {
                Value::Duration(x.saturating_add(y))
            }
            (BinOp::Add, Value::Str(x), Value::Str(y)) if x.len() + y.len() > MAX_VALUE_LEN => {
                self.too_large(b, span)
            }
            (BinOp::Add, Value::List(x), Value::List(y)) if x.len() + y.len() > MAX_VALUE_LEN => {
                self.too_large(b, span)
            }
            (BinOp::Add, Value::Str(x), Value::Str(y)) => Value::Str(x + &y),
            (BinOp::Add, Value::List(mut x), Value::List(y)) => {
                x.extend(y);
                Value::List(x)
            }
            (BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge, Value::Int(x), Value::Int(y)) => {
                Value::Bool(match op {
                    BinOp::Lt => x < y,
                    BinOp::Le => x <= y,
                    BinOp::Gt => x > y,
                    _ => x >= y,
                })
            }
            (
                BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge,
                Value::Duration(x),
                Value::Duration(y),
            ) => Value::Bool(match op {
                BinOp::Lt => x < y,
                BinOp::Le => x <= y,
                BinOp::Gt => x > y,
                _ => x >= y,
            }),
            (_, a, c) => {
                if a.deploy_part().is_some() || c.deploy_part().is_some() {
                    let bad = if a.deploy_part().is_some() { a } else { c };
                    return self.operand_error(b, span, op.symbol(), &bad);
                }
                let d = Diagnostic::error(
                    Code::TypeMismatch,
                    span,
                    format!(
                        "`{}` cannot combine {} and {}",
                        op.symbol(),
                        a.describe(),
                        c.describe()
                    ),
                )
                .with_label("mismatched operands")
                .with_help(
                    if matches!(
                        (&a, &c),
                        (Value::Str(_), Value::Int(_)) | (Value::Int(_), Value::Str(_))
                    ) {
                        "use interpolation to build strings: \"name-${n}\""
                    } else {
                        "both sides must have the same type"
                    },
                );
                self.error(b, d);
                Value::Error
            }
        }
    }

    pub(super) fn interpolate(
        &mut self,
        f: &mut Frame,
        b: &mut Body<'a>,
        parts: &'a [StrPart],
        span: Span,
    ) -> Value {
        // Room for the literal text and a short value per `${...}`: most strings are
        // made in one allocation instead of growing from empty (1,400 regrowths in
        // the fleet's build).
        let room: usize = parts
            .iter()
            .map(|p| match p {
                StrPart::Text(t) => t.len(),
                StrPart::Expr(_) => 24,
            })
            .sum();
        let mut text = String::with_capacity(room);
        let mut pieces: Vec<Json> = Vec::new();
        let mut origin: Option<(Span, What)> = None;
        for p in parts {
            match p {
                StrPart::Text(t) => text.push_str(t),
                StrPart::Expr(e) => match self.expr(f, b, e) {
                    Value::Str(s) => text.push_str(&s),
                    Value::Int(n) => {
                        let _ = write!(text, "{n}");
                    }
                    Value::Bool(x) => text.push_str(if x { "true" } else { "false" }),
                    Value::Error => return Value::Error,
                    Value::Deploy(d) if d.shape == DeployShape::Scalar => {
                        if !text.is_empty() {
                            pieces.push(Json::from(std::mem::take(&mut text)));
                        }
                        origin.get_or_insert((d.origin, d.what.clone()));
                        pieces.push(Json::clone(&d.json));
                    }
                    Value::Secret(d) => {
                        let dg = Diagnostic::error(Code::SecretLeak, e.span, "a Secret cannot be interpolated into a string")
                            .with_label("the secret would be part of a plain string")
                            .with_secondary(d.origin, format!("{} comes from here", d.what))
                            .with_help("pass the secret's ARN and read it at run time, or pass the Secret itself to a property");
                        self.error(b, dg);
                        return Value::Error;
                    }
                    other => {
                        let d = Diagnostic::error(
                            Code::TypeMismatch,
                            e.span,
                            format!("cannot interpolate {} into a string", other.describe()),
                        )
                        .with_label("not a string, number or bool")
                        .with_help(
                            if matches!(other, Value::Resource(_)) {
                                "use `.ref` or an attribute such as `.Arn`"
                            } else {
                                "use `join(sep, list)` for lists, `to_json(x)` for records"
                            },
                        );
                        self.error(b, d);
                        return Value::Error;
                    }
                },
            }
        }
        if text.len() > MAX_VALUE_LEN {
            return self.too_large(b, span);
        }
        match origin {
            None => Value::Str(text),
            Some((o, what)) => {
                if !text.is_empty() {
                    pieces.push(Json::from(text));
                }
                Value::Deploy(Deploy {
                    json: Rc::new(props::sub_or_join(pieces)),
                    shape: DeployShape::Scalar,
                    origin: o.to(span),
                    what,
                })
            }
        }
    }
}

/// The value of a name, or a chain of record fields from a name, bound in the body's
/// scopes, borrowed; `None` when any step is not a local record field (the caller
/// then evaluates it in full, with its diagnostics).
fn local_path<'v>(b: &'v Body<'_>, e: &Expr) -> Option<&'v Value> {
    match &e.kind {
        ExprKind::Name(n) => b.lookup(n),
        ExprKind::Field(base, field) => match local_path(b, base)? {
            Value::Record(m) => m.get(field.node.as_str()),
            _ => None,
        },
        _ => None,
    }
}

/// Where a stack body declares output `name`, at any depth of `if` and `for`.
fn output_decl(block: &ast::Block, name: &str) -> Option<Span> {
    block.statements.iter().find_map(|s| match s {
        Statement::Output { name: n, .. } if n.node == name => Some(n.span),
        Statement::If {
            then, otherwise, ..
        } => output_decl(then, name)
            .or_else(|| otherwise.as_ref().and_then(|o| output_decl(o, name))),
        Statement::For { body, .. } => output_decl(body, name),
        _ => None,
    })
}
