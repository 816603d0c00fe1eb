//! The evaluator: runs stack and component bodies for one environment and region,
//! producing resources, outputs and cross-stack dependencies.

use std::collections::HashMap;

use indexmap::IndexMap;
use serde_json::{json, Value as Json};

use super::builtins::{self, pascal_case, Builtin};
use super::env::{AppInfo, EnvInfo};
use super::props;
use super::value::{Deploy, DeployShape, ResourceRef, Value};
use super::{CfnResource, Dependency, DependencyKind, StackInstance, StackOutput};
use crate::codes::Code;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::resolve::Checked;
use crate::span::Span;
use crate::syntax::ast::{self, BinOp, Expr, ExprKind, Statement, StrPart, UnOp};
use crate::types::{self, regions};

type InstanceKey = (String, String, String);

/// Outputs of a stack or component instance, by name, with the span of their value.
type Outputs = IndexMap<String, (Value, Span)>;

/// Components instantiating components deeper than this are reported.
const MAX_COMPONENT_DEPTH: usize = 32;

/// Longest string (bytes) or list (elements) a computation may build.
pub const MAX_VALUE_LEN: usize = 1 << 20;

/// Instances plus resources in one stack instance before expansion gives up: far
/// beyond CloudFormation's 500 resources, so only runaway fan-out reaches it.
const MAX_EXPANSION_WORK: usize = 5_000;

/// The reference that led to evaluating another stack: where, and how.
#[derive(Clone, Copy)]
struct Via {
    span: Span,
    /// "reads" for an output reference, "depends on" for `depends_on`.
    verb: &'static str,
}

enum State {
    InProgress,
    Done { outputs: Outputs },
    Failed,
}

/// Evaluates stack instances on demand (a cross-stack reference evaluates the stack
/// it reads first), remembering each one.
pub struct Expander<'a> {
    checked: &'a Checked,
    app: Option<&'a AppInfo>,
    params: &'a IndexMap<String, Value>,
    diags: Diagnostics,
    states: HashMap<InstanceKey, State>,
    instances: Vec<StackInstance>,
    /// Instances being evaluated, with the reference that led into each.
    chain: Vec<(InstanceKey, Option<Via>)>,
}

/// The stack instance under construction.
struct Frame<'e> {
    env: Option<&'e EnvInfo>,
    region: String,
    stack: String,
    resources: IndexMap<String, CfnResource>,
    depends_on: Vec<Dependency>,
    imports: Vec<String>,
    /// Component instances and resources made so far; expansion stops past
    /// [`MAX_EXPANSION_WORK`] instead of growing without bound.
    work: usize,
}

/// One body being run: a stack's, or a component instance's.
struct Body {
    module: usize,
    in_stack: bool,
    /// Logical-ID prefix: the PascalCase path of component instances.
    prefix: String,
    scopes: Vec<IndexMap<String, Value>>,
    outputs: Outputs,
    /// Names bound to component instances, for "no output" vs "no field" messages.
    instances: Vec<String>,
    /// Keyed resources by name, every key declared so far (in any loop or branch), so
    /// `subnet[az]` reaches them after the loops that made them.
    keyed: IndexMap<String, Value>,
    /// How many component instances enclose this body.
    depth: usize,
    /// Where this component instance was created, for labels on errors inside it.
    call_site: Option<(Span, String)>,
}

impl Body {
    /// Scopes first; then keyed resources declared anywhere in the body so far.
    fn lookup(&self, name: &str) -> Option<&Value> {
        self.scopes
            .iter()
            .rev()
            .find_map(|s| s.get(name))
            .or_else(|| self.keyed.get(name))
    }

    fn bind(&mut self, name: &str, v: Value) {
        if let Some(s) = self.scopes.last_mut() {
            s.insert(name.to_string(), v);
        }
    }
}

impl<'a> Expander<'a> {
    pub fn new(
        checked: &'a Checked,
        app: &'a AppInfo,
        params: &'a IndexMap<String, Value>,
    ) -> Self {
        Expander {
            checked,
            app: Some(app),
            params,
            diags: Diagnostics::default(),
            states: HashMap::new(),
            instances: Vec::new(),
            chain: Vec::new(),
        }
    }

    /// Evaluates an expression outside any stack: param defaults, env fields, app settings.
    pub fn eval_global(
        checked: &Checked,
        e: &Expr,
        params: &IndexMap<String, Value>,
        diags: &mut Diagnostics,
    ) -> Value {
        let mut ex = Expander {
            checked,
            app: None,
            params,
            diags: Diagnostics::default(),
            states: HashMap::new(),
            instances: Vec::new(),
            chain: Vec::new(),
        };
        let mut frame = Frame {
            env: None,
            region: String::new(),
            stack: String::new(),
            resources: IndexMap::new(),
            depends_on: Vec::new(),
            imports: Vec::new(),
            work: 0,
        };
        let mut body = Body {
            module: 0,
            in_stack: false,
            prefix: String::new(),
            scopes: vec![IndexMap::new()],
            outputs: IndexMap::new(),
            instances: Vec::new(),
            keyed: IndexMap::new(),
            depth: 0,
            call_site: None,
        };
        let v = ex.expr(&mut frame, &mut body, e);
        diags.extend(ex.diags);
        v
    }

    fn error(&mut self, body: &Body, d: Diagnostic) {
        let d = match &body.call_site {
            Some((span, name))
                if d.span.file != span.file || !d.secondary.iter().any(|l| l.span == *span) =>
            {
                d.with_secondary(*span, format!("in this instance of `{name}`"))
            }
            _ => d,
        };
        self.diags.push(d);
    }

    /// Evaluates one stack instance unless already done; returns its outputs.
    pub fn instance(&mut self, env: &EnvInfo, region: &str, stack: &str) -> Option<&Outputs> {
        self.instance_via(env, region, stack, None)
    }

    fn instance_via(
        &mut self,
        env: &EnvInfo,
        region: &str,
        stack: &str,
        via: Option<Via>,
    ) -> Option<&Outputs> {
        let key = (env.name.clone(), region.to_string(), stack.to_string());
        match self.states.get(&key) {
            Some(State::InProgress) => {
                self.report_cycle(&key, via);
                return None;
            }
            Some(State::Failed) => return None,
            Some(State::Done { .. }) => {}
            None => {
                self.states.insert(key.clone(), State::InProgress);
                self.chain.push((key.clone(), via));
                let result = self.run_stack(env, region, stack);
                self.chain.pop();
                let state = match result {
                    Some((inst, outputs)) => {
                        self.instances.push(inst);
                        State::Done { outputs }
                    }
                    None => State::Failed,
                };
                self.states.insert(key.clone(), state);
            }
        }
        match self.states.get(&key) {
            Some(State::Done { outputs, .. }) => Some(outputs),
            _ => None,
        }
    }

    fn report_cycle(&mut self, key: &InstanceKey, via: Option<Via>) {
        let start = self.chain.iter().position(|(k, _)| k == key).unwrap_or(0);
        let mut names: Vec<&str> = self.chain[start..]
            .iter()
            .map(|(k, _)| k.2.as_str())
            .collect();
        names.push(&key.2);
        let span = via.map_or_else(|| self.checked.stacks[&key.2].name.span, |v| v.span);
        let verb = via.map_or("reads", |v| v.verb);
        let mut d = Diagnostic::error(
            Code::StackCycle,
            span,
            format!(
                "stacks depend on each other in a cycle: {} (in {} {})",
                names.join(" → "),
                key.0,
                key.1
            ),
        )
        .with_label(format!(
            "`{}` {verb} `{}` here",
            self.chain.last().map_or("", |c| c.0 .2.as_str()),
            key.2
        ));
        for (i, (k, v)) in self.chain.iter().enumerate().skip(start + 1) {
            if let Some(v) = v {
                let from = &self.chain[i - 1].0 .2;
                d = d.with_secondary(v.span, format!("`{from}` {} `{}` here", v.verb, k.2));
            }
        }
        self.diags
            .push(d.with_help("move the shared resources into a separate stack that both read"));
    }

    fn run_stack(
        &mut self,
        env: &EnvInfo,
        region: &str,
        stack: &str,
    ) -> Option<(StackInstance, Outputs)> {
        let checked = self.checked;
        let decl = &checked.stacks[stack];
        let app = self.app?;
        let mut frame = Frame {
            env: Some(env),
            region: region.to_string(),
            stack: stack.to_string(),
            resources: IndexMap::new(),
            depends_on: Vec::new(),
            imports: Vec::new(),
            work: 0,
        };
        let mut body = Body {
            module: 0,
            in_stack: true,
            prefix: String::new(),
            scopes: Vec::new(),
            outputs: IndexMap::new(),
            instances: Vec::new(),
            keyed: IndexMap::new(),
            depth: 0,
            call_site: None,
        };
        self.block(&mut frame, &mut body, &decl.body, true);
        let stack_name = super::stack_name(&app.name, &env.name, stack);
        let mut outputs = IndexMap::new();
        let mut ids: IndexMap<String, (&str, Span)> = IndexMap::new();
        for (name, (value, span)) in &body.outputs {
            let logical_id = pascal_case(name);
            if !logical_id.starts_with(|c: char| c.is_ascii_alphabetic()) {
                let d = Diagnostic::error(
                    Code::LogicalIdClash,
                    *span,
                    format!("output `{name}` does not give a valid logical ID"),
                )
                .with_label("output names need letters or digits, starting with a letter");
                self.error(&body, d);
                continue;
            }
            if let Some((other, prev)) = ids.get(&logical_id) {
                let d = Diagnostic::error(
                    Code::LogicalIdClash,
                    *span,
                    format!("outputs `{name}` and `{other}` both become `{logical_id}`"),
                )
                .with_label("this output")
                .with_secondary(*prev, "clashes with this one")
                .with_help("rename one of the outputs");
                self.error(&body, d);
                continue;
            }
            ids.insert(logical_id.clone(), (name, *span));
            if let Some(json) = self.output_json(&body, value, *span) {
                outputs.insert(
                    name.clone(),
                    StackOutput {
                        logical_id,
                        value: json,
                        export: None,
                        span: *span,
                    },
                );
            }
        }
        let inst = StackInstance {
            env: env.name.clone(),
            account: env.account.clone(),
            region: region.to_string(),
            stack: stack.to_string(),
            stack_name,
            description: if app.description.is_empty() {
                format!("{} {} stack for {} in {region}", app.name, stack, env.name)
            } else {
                format!("{} ({stack}, {}, {region})", app.description, env.name)
            },
            resources: frame.resources,
            outputs,
            depends_on: frame.depends_on,
            imports: frame.imports,
            span: decl.name.span,
        };
        Some((inst, body.outputs))
    }

    /// A stack output's CloudFormation value: outputs are strings, lists are joined.
    fn output_json(&mut self, body: &Body, value: &Value, span: Span) -> Option<Json> {
        if let Some(s) = value.secret_part() {
            let d = Diagnostic::error(Code::SecretLeak, span, "a Secret cannot be a stack output")
                .with_label("outputs are shown in clear text by `describe-stacks`")
                .with_secondary(s.origin, format!("{} comes from here", s.what))
                .with_help("output the secret's ARN instead and read the value where it is needed");
            self.error(body, d);
            return None;
        }
        let scalar = |v: &Value| -> Option<Json> {
            match v {
                Value::Str(s) => Some(Json::String(s.clone())),
                Value::Int(n) => Some(Json::String(n.to_string())),
                Value::Bool(b) => Some(Json::String(b.to_string())),
                Value::Duration(s) => Some(Json::String(s.to_string())),
                Value::Deploy(d) if d.shape == DeployShape::Scalar => Some(d.json.clone()),
                _ => None,
            }
        };
        if matches!(value, Value::Error)
            || matches!(value, Value::List(xs) if xs.iter().any(Value::is_error))
        {
            return None;
        }
        let json = match value {
            Value::Deploy(d) if d.shape == DeployShape::List => json!({"Fn::Join": [",", d.json]}),
            Value::List(xs)
                if xs
                    .iter()
                    .any(|x| matches!(x, Value::Str(s) if s.contains(','))) =>
            {
                let d = Diagnostic::error(
                    Code::TypeMismatch,
                    span,
                    "an element of this list output contains `,`",
                )
                .with_label("list outputs are joined with `,` and split again where they are read")
                .with_help("output the elements separately, or use another separator with `join`");
                self.error(body, d);
                return None;
            }
            Value::List(xs) => {
                let parts: Option<Vec<Json>> = xs.iter().map(scalar).collect();
                match parts {
                    Some(p) if p.iter().all(Json::is_string) => Json::String(
                        p.iter()
                            .filter_map(Json::as_str)
                            .collect::<Vec<_>>()
                            .join(","),
                    ),
                    Some(p) => json!({"Fn::Join": [",", p]}),
                    None => Json::Null,
                }
            }
            v => scalar(v).unwrap_or(Json::Null),
        };
        if json.is_null() {
            let d = Diagnostic::error(
                Code::TypeMismatch,
                span,
                format!(
                    "a stack output must be a string or a list of strings, found {}",
                    value.describe()
                ),
            )
            .with_label("not representable as a CloudFormation output");
            self.error(body, d);
            return None;
        }
        Some(json)
    }

    /// Consumes the expander: instances in a stable order, exports filled in.
    pub fn finish(
        mut self,
        envs: &[EnvInfo],
        selected: &[(usize, String)],
    ) -> (Vec<StackInstance>, Diagnostics) {
        let order = |i: &StackInstance| {
            let e = envs
                .iter()
                .position(|x| x.name == i.env)
                .unwrap_or(usize::MAX);
            let r = selected
                .iter()
                .position(|(se, sr)| *se == e && *sr == i.region)
                .unwrap_or(usize::MAX);
            let s = self
                .checked
                .stacks
                .get_index_of(&i.stack)
                .unwrap_or(usize::MAX);
            (e, r, s)
        };
        let mut instances = std::mem::take(&mut self.instances);
        instances.sort_by_key(order);
        // Exports are decided after every importer has run.
        let imported: std::collections::BTreeSet<String> = instances
            .iter()
            .flat_map(|i| i.imports.iter().cloned())
            .collect();
        for inst in &mut instances {
            let prefix = inst.stack_name.clone();
            for (name, out) in inst.outputs.iter_mut() {
                let export = export_name(&prefix, name);
                if imported.contains(&export) {
                    out.export = Some(export);
                }
            }
        }
        (instances, self.diags)
    }

    // ───────────── statements ─────────────

    fn block(&mut self, f: &mut Frame, b: &mut Body, block: &ast::Block, stack_top: bool) {
        b.scopes.push(IndexMap::new());
        self.run_block(f, b, block, stack_top);
        b.scopes.pop();
    }

    /// Runs a block's statements in the innermost scope (a loop iteration's, so the
    /// loop can collect the keyed resources its body declared).
    fn run_block(&mut self, f: &mut Frame, b: &mut Body, block: &ast::Block, stack_top: bool) {
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

    fn resource_ref(&self, b: &Body, r: &ast::Resource, key: Option<&str>) -> ResourceRef {
        let mut logical_id = format!("{}{}", b.prefix, pascal_case(&r.name.node));
        if let Some(k) = key {
            logical_id.push_str(&pascal_case(k));
        }
        ResourceRef {
            logical_id,
            type_name: r.type_name.node.clone(),
            name: r.name.node.clone(),
            decl: r.name.span,
        }
    }

    fn statement(&mut self, f: &mut Frame, b: &mut Body, s: &Statement, stack_top: bool) {
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
                    b.scopes.push(IndexMap::new());
                    if let Some(ix) = index {
                        b.bind(&ix.node, Value::Int(i as i64));
                    }
                    b.bind(&var.node, item);
                    self.run_block(f, b, body, false);
                    b.scopes.pop();
                }
            }
            Statement::Assign { name, value } => {
                if stack_top && name.node == "depends_on" {
                    let v = self.expr(f, b, value);
                    let items = match v {
                        Value::List(xs) => xs,
                        other => vec![other],
                    };
                    for item in items {
                        match item {
                            Value::Stack(s) => {
                                if let Some(env) = f.env {
                                    self.instance_via(
                                        env,
                                        &f.region.clone(),
                                        &s,
                                        Some(Via {
                                            span: value.span,
                                            verb: "depends on",
                                        }),
                                    );
                                }
                                f.depends_on.push(Dependency {
                                    stack: s,
                                    kind: DependencyKind::Explicit,
                                    span: value.span,
                                });
                            }
                            Value::Error => {}
                            other => {
                                let d = Diagnostic::error(
                                    Code::TypeMismatch,
                                    value.span,
                                    format!(
                                        "`depends_on` lists stacks, found {}",
                                        other.describe()
                                    ),
                                )
                                .with_label("expected stack names");
                                self.error(b, d);
                            }
                        }
                    }
                }
            }
        }
    }

    fn callee_component(&self, b: &Body, callee: &Expr) -> Option<usize> {
        match &callee.kind {
            ExprKind::Name(n) if b.lookup(n).is_none() => {
                self.checked.scopes[b.module].get(n).copied()
            }
            _ => None,
        }
    }

    /// `if` conditions must be compile-time booleans.
    fn condition(&mut self, f: &mut Frame, b: &mut Body, cond: &Expr, what: &str) -> Option<bool> {
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

    fn iterable(&mut self, f: &mut Frame, b: &mut Body, iter: &Expr) -> Option<Vec<Value>> {
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

    fn instantiate(
        &mut self,
        f: &mut Frame,
        b: &mut Body,
        id: usize,
        instance: &str,
        span: Span,
        args: &[ast::Arg],
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
        let mut given: IndexMap<&str, (Value, Span)> = IndexMap::new();
        for a in args {
            let v = self.expr(f, b, &a.value);
            if let Some(n) = &a.name {
                given.insert(&n.node, (v, a.value.span));
            }
        }
        let mut callee = Body {
            module: comp.module,
            in_stack: false,
            prefix: format!("{}{}", b.prefix, pascal_case(instance)),
            scopes: vec![IndexMap::new()],
            outputs: IndexMap::new(),
            instances: Vec::new(),
            keyed: IndexMap::new(),
            depth: b.depth + 1,
            call_site: Some((span, comp.name.node.clone())),
        };
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
    fn check_type(
        &mut self,
        f: &mut Frame,
        b: &mut Body,
        value: Value,
        ty: &types::Type,
        span: Span,
        what: &dyn Fn() -> String,
        passed: bool,
        expr: &Option<&Expr>,
    ) -> Value {
        let result = {
            let mut defaults = |e: &Expr| self.expr(f, b, e);
            types::check(value, ty, "", &mut defaults)
        };
        match result {
            Ok(v) => v,
            Err(m) => {
                let at = if m.path.is_empty() {
                    String::new()
                } else {
                    format!(" (at `{}`)", m.path)
                };
                let span = expr.map(|e| props::find_span(e, &m.path)).unwrap_or(span);
                let mut d =
                    Diagnostic::error(m.code, span, format!("{}: {}{at}", what(), m.message))
                        .with_label(format!("expected {}", ty.describe()));
                if let Some(h) = m.help {
                    d = d.with_help(h);
                }
                if let Some((s, w)) = m.origin {
                    d = d.with_secondary(s, format!("{w} comes from here"));
                }
                if !passed {
                    d = d.with_note("this is the parameter's default value");
                }
                self.error(b, d);
                Value::Error
            }
        }
    }

    fn resource(&mut self, f: &mut Frame, b: &mut Body, r: &ast::Resource) {
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
                    .or_insert_with(|| Value::ResourceMap(IndexMap::new()))
                {
                    all.insert(key.clone(), rr.clone());
                }
                b.bind(
                    &r.name.node,
                    Value::ResourceMap(IndexMap::from([(key, rr.clone())])),
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
        if let Some(res) = built.resource {
            f.resources.insert(rr.logical_id.clone(), res);
        }
    }

    // ───────────── expressions ─────────────

    fn expr(&mut self, f: &mut Frame, b: &mut Body, e: &Expr) -> Value {
        match &e.kind {
            ExprKind::Int(n) => Value::Int(*n),
            ExprKind::Bool(x) => Value::Bool(*x),
            ExprKind::None => Value::None,
            ExprKind::Duration(s) => Value::Duration(*s),
            ExprKind::Error => Value::Error,
            ExprKind::Str(parts) => self.interpolate(f, b, parts, e.span),
            ExprKind::List(xs) => Value::List(xs.iter().map(|x| self.expr(f, b, x)).collect()),
            ExprKind::Record(entries) => {
                let mut m = IndexMap::new();
                for en in entries {
                    let v = self.expr(f, b, &en.value);
                    m.insert(en.key.node.clone(), v);
                }
                Value::Record(m)
            }
            ExprKind::Name(n) => self.name(f, b, n, e.span),
            ExprKind::Field(base, field) => {
                // `env.x` is read directly instead of building the whole `env` record.
                if let (ExprKind::Name(n), Some(env)) = (&base.kind, f.env) {
                    if n == "env" && b.lookup(n).is_none() {
                        if let Some(v) = env.field(&field.node) {
                            return v;
                        }
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
                    b.scopes.push(IndexMap::new());
                    if let Some(ix) = index {
                        b.bind(&ix.node, Value::Int(i as i64));
                    }
                    b.bind(&var.node, item);
                    let keep = match filter {
                        Some(fl) => self
                            .condition(f, b, fl, "a comprehension filter")
                            .unwrap_or(false),
                        None => true,
                    };
                    if keep {
                        let v = self.expr(f, b, body);
                        out.push(v);
                    }
                    b.scopes.pop();
                }
                Value::List(out)
            }
        }
    }

    /// Strings and lists beyond any template's size: `s = s + s` repeated must end in a
    /// diagnostic, not in exhausted memory.
    fn too_large(&mut self, b: &Body, span: Span) -> Value {
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

    fn operand_error(&mut self, b: &Body, span: Span, op: &str, v: &Value) -> Value {
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

    fn name(&mut self, f: &mut Frame, b: &mut Body, n: &str, span: Span) -> Value {
        if let Some(v) = b.lookup(n) {
            return v.clone();
        }
        if let Some(&id) = self.checked.scopes[b.module].get(n) {
            return Value::Component(id);
        }
        if b.in_stack {
            if self.checked.stacks.contains_key(n) {
                return Value::Stack(n.to_string());
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
                    "app" => Value::Record(IndexMap::from([
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
                        let mut tags: IndexMap<String, Value> = app
                            .tags
                            .iter()
                            .map(|(k, v)| (k.clone(), Value::Str(v.clone())))
                            .collect();
                        tags.insert("Environment".into(), Value::Str(env.name.clone()));
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
    fn field(
        &mut self,
        f: &mut Frame,
        b: &mut Body,
        v: Value,
        field: &ast::Ident,
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
            Value::Resource(r) => self.attribute(b, r, name, field.span, span),
            Value::PartialAttr(r, path) => {
                self.attribute(b, r, &format!("{path}.{name}"), field.span, span)
            }
            Value::Stack(s) => self.cross_stack(f, b, &s, field, span),
            other => self.operand_error(b, field.span, &format!(".{name}"), &other),
        }
    }

    fn attribute(
        &mut self,
        b: &Body,
        r: ResourceRef,
        attr: &str,
        field_span: Span,
        span: Span,
    ) -> Value {
        if attr == "ref" {
            return Value::Deploy(Deploy {
                json: json!({"Ref": r.logical_id}),
                shape: DeployShape::Scalar,
                origin: span,
                what: format!("the Ref of `{}`", r.name),
            });
        }
        let schema = crate::schema::SchemaDb::embedded().resource(&r.type_name);
        let attrs: Vec<String> = schema.map(|s| s.attributes.clone()).unwrap_or_default();
        if attrs.iter().any(|a| a == attr) || schema.is_some_and(|s| s.has_attribute(attr)) {
            return Value::Deploy(Deploy {
                json: json!({"Fn::GetAtt": [r.logical_id, attr]}),
                shape: DeployShape::Scalar,
                origin: span,
                what: format!("`{}.{attr}`", r.name),
            });
        }
        let prefix = format!("{attr}.");
        if attrs.iter().any(|a| a.starts_with(&prefix)) {
            return Value::PartialAttr(r, attr.to_string());
        }
        if schema.is_some() {
            let d = Diagnostic::error(
                Code::UnknownAttribute,
                field_span,
                format!("`{}` has no attribute `{attr}`", r.type_name),
            )
            .with_label("not a GetAtt attribute")
            .with_suggestion(attr, attrs.iter().map(String::as_str));
            self.error(b, d);
        }
        Value::Error
    }

    fn cross_stack(
        &mut self,
        f: &mut Frame,
        b: &mut Body,
        stack: &str,
        field: &ast::Ident,
        span: Span,
    ) -> Value {
        let Some(env) = f.env else {
            return Value::Error;
        };
        if stack == f.stack {
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
        let region = f.region.clone();
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
            let d = Diagnostic::error(
                Code::UnknownOutput,
                field.span,
                format!("stack `{stack}` has no output `{}`", field.node),
            )
            .with_label("unknown output")
            .with_suggestion(&field.node, names.iter().map(String::as_str))
            .with_secondary(
                self.checked.stacks[stack].name.span,
                format!("stack `{stack}` declared here"),
            );
            self.error(b, d);
            return Value::Error;
        };
        if !f.depends_on.iter().any(|dp| {
            dp.stack == stack
                && dp.kind
                    == (DependencyKind::Import {
                        output: field.node.clone(),
                    })
        }) {
            f.depends_on.push(Dependency {
                stack: stack.to_string(),
                kind: DependencyKind::Import {
                    output: field.node.clone(),
                },
                span,
            });
        }
        if value.deploy_part().is_none() && value.secret_part().is_none() {
            // Known at compile time: inline it, no export needed.
            return value;
        }
        let app = self.app.map_or("", |a| a.name.as_str());
        let producer = super::stack_name(app, &env.name, stack);
        let export = export_name(&producer, &field.node);
        if !f.imports.contains(&export) {
            f.imports.push(export.clone());
        }
        let import = json!({"Fn::ImportValue": export});
        let is_list = matches!(value, Value::List(_))
            || matches!(&value, Value::Deploy(d) if d.shape == DeployShape::List);
        let what = format!("the import of `{stack}.{}`", field.node);
        if is_list {
            Value::Deploy(Deploy {
                json: json!({"Fn::Split": [",", import]}),
                shape: DeployShape::List,
                origin: span,
                what,
            })
        } else {
            Value::Deploy(Deploy {
                json: import,
                shape: DeployShape::Scalar,
                origin: span,
                what,
            })
        }
    }

    fn index(&mut self, b: &Body, v: Value, i: Value, span: Span) -> Value {
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
                    json: json!({"Fn::Select": [n, d.json]}),
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

    fn binary(&mut self, f: &mut Frame, b: &mut Body, op: BinOp, l: &Expr, r: &Expr) -> Value {
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

    fn interpolate(&mut self, f: &mut Frame, b: &mut Body, parts: &[StrPart], span: Span) -> Value {
        let mut text = String::new();
        let mut pieces: Vec<Json> = Vec::new();
        let mut origin: Option<(Span, String)> = None;
        for p in parts {
            match p {
                StrPart::Text(t) => text.push_str(t),
                StrPart::Expr(e) => match self.expr(f, b, e) {
                    Value::Str(s) => text.push_str(&s),
                    Value::Int(n) => text.push_str(&n.to_string()),
                    Value::Bool(x) => text.push_str(&x.to_string()),
                    Value::Error => return Value::Error,
                    Value::Deploy(d) if d.shape == DeployShape::Scalar => {
                        if !text.is_empty() {
                            pieces.push(Json::String(std::mem::take(&mut text)));
                        }
                        origin.get_or_insert((d.origin, d.what.clone()));
                        pieces.push(d.json);
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
                    pieces.push(Json::String(text));
                }
                Value::Deploy(Deploy {
                    json: props::sub_or_join(pieces),
                    shape: DeployShape::Scalar,
                    origin: o.to(span),
                    what,
                })
            }
        }
    }
}

/// The export name of a stack output: `<stack name>-<output>`, kebab-case.
pub fn export_name(stack_name: &str, output: &str) -> String {
    format!("{stack_name}-{}", output.replace('_', "-"))
}

fn record2(k: String, v: Value) -> Value {
    Value::Record(IndexMap::from([
        ("key".to_string(), Value::Str(k)),
        ("value".to_string(), v),
    ]))
}

fn args_expr<'e>(args: &'e [ast::Arg], name: &str) -> Option<&'e Expr> {
    args.iter()
        .find(|a| a.name.as_ref().is_some_and(|n| n.node == name))
        .map(|a| &a.value)
}

/// `aws`: pseudo parameters, resolved at compile time where the target is known.
fn aws_value(env: &EnvInfo, region: &str, span: Span) -> Value {
    let deploy = |json: Json, what: &str| {
        Value::Deploy(Deploy {
            json,
            shape: DeployShape::Scalar,
            origin: span,
            what: what.to_string(),
        })
    };
    let partition = regions::partition(region);
    let suffix = if partition == "aws-cn" {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    Value::Record(IndexMap::from([
        ("account_id".to_string(), Value::Str(env.account.clone())),
        ("region".to_string(), Value::Str(region.to_string())),
        ("partition".to_string(), Value::Str(partition.to_string())),
        ("url_suffix".to_string(), Value::Str(suffix.to_string())),
        (
            "stack_name".to_string(),
            deploy(json!({"Ref": "AWS::StackName"}), "`aws.stack_name`"),
        ),
        (
            "stack_id".to_string(),
            deploy(json!({"Ref": "AWS::StackId"}), "`aws.stack_id`"),
        ),
    ]))
}
