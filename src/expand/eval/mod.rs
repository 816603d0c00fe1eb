//! The evaluator: runs stack and component bodies for one environment and region,
//! producing resources, outputs and cross-stack dependencies. This file owns the
//! state (stack instances, frames, bodies) and the instance bookkeeping; `stmt` runs
//! statements and `expr` evaluates expressions.

mod expr;
mod stmt;

use std::collections::HashMap;
use std::rc::Rc;

use crate::json::Value as Json;
use crate::Map;

use super::builtins::pascal_case;
use super::env::{AppInfo, EnvInfo};
use super::value::{Deploy, DeployShape, Fields, Value};
use super::{CfnResource, Dependency, StackInstance, StackOutput};
use crate::codes::Code;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::resolve::Checked;
use crate::span::Span;
use crate::syntax::ast::{self, Expr};
use crate::types::regions;

type InstanceKey = (String, String, String);

/// Outputs of a stack or component instance, by name, with the span of their value.
type Outputs = Map<String, (Value, Span)>;

/// Below this much free stack, evaluating another stack instance first grows the
/// stack by [`STACK_SEGMENT`].
const STACK_RED_ZONE: usize = 2 << 20;
const STACK_SEGMENT: usize = 32 << 20;

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
    params: &'a Map<String, Value>,
    diags: Diagnostics,
    states: HashMap<InstanceKey, State>,
    instances: Vec<StackInstance>,
    /// Instances being evaluated, with the reference that led into each.
    chain: Vec<(InstanceKey, Option<Via>)>,
    /// How many resources the last instance of each stack declared: the next
    /// instance's map starts that large instead of growing (and copying its
    /// resources) four or five times.
    stack_sizes: Map<&'a str, usize>,
}

/// The stack instance under construction.
struct Frame<'e> {
    env: Option<&'e EnvInfo>,
    region: String,
    stack: String,
    resources: Map<String, CfnResource>,
    depends_on: Vec<Dependency>,
    imports: Vec<String>,
    /// `exports = [...]`: output names to export whether imported or not.
    exports: Vec<(String, Span)>,
    /// Component instances and resources made so far; expansion stops past
    /// [`MAX_EXPANSION_WORK`] instead of growing without bound.
    work: usize,
}

/// One body being run: a stack's, or a component instance's.
struct Body<'a> {
    module: usize,
    in_stack: bool,
    /// Logical-ID prefix: the PascalCase path of component instances.
    prefix: String,
    /// Names borrowed from the program's syntax tree, which outlives the expansion.
    scopes: Scopes<'a>,
    outputs: Outputs,
    /// Names bound to component instances, for "no output" vs "no field" messages.
    instances: Vec<String>,
    /// Keyed resources by name, every key declared so far (in any loop or branch), so
    /// `subnet[az]` reaches them after the loops that made them.
    keyed: Map<String, Value>,
    /// How many component instances enclose this body.
    depth: usize,
    /// Where this component instance was created, for labels on errors inside it.
    call_site: Option<(Span, String)>,
    /// The stack-level component instance this body belongs to: (instance name,
    /// component name); `None` in a stack's own body.
    top: Option<(String, String)>,
}

impl<'e> Frame<'e> {
    fn new(env: Option<&'e EnvInfo>, region: &str, stack: &str) -> Self {
        Frame {
            env,
            region: region.to_string(),
            stack: stack.to_string(),
            resources: Map::default(),
            depends_on: Vec::new(),
            imports: Vec::new(),
            exports: Vec::new(),
            work: 0,
        }
    }
}

impl<'a> Body<'a> {
    fn new(
        module: usize,
        in_stack: bool,
        prefix: String,
        depth: usize,
        call_site: Option<(Span, String)>,
        names: usize,
    ) -> Self {
        Body {
            module,
            in_stack,
            prefix,
            // The first scope, with room for the names bound in it (a component's
            // parameters and its body's own names).
            scopes: Scopes::with_capacity(names),
            outputs: Map::default(),
            instances: Vec::new(),
            keyed: Map::default(),
            depth,
            call_site,
            top: None,
        }
    }

    /// Scopes first; then keyed resources declared anywhere in the body so far.
    fn lookup(&self, name: &str) -> Option<&Value> {
        self.scopes.get(name).or_else(|| self.keyed.get(name))
    }

    fn bind(&mut self, name: &'a str, v: Value) {
        self.scopes.bind(name, v);
    }
}

/// How many names a block binds itself (its `let`s and resources): room a body's
/// bindings start with, rather than growing from empty through four sizes.
pub(super) fn names_bound(block: &ast::Block) -> usize {
    block
        .statements
        .iter()
        .filter(|s| matches!(s, ast::Statement::Let { .. } | ast::Statement::Resource(_)))
        .count()
}

/// The names bound in a body's nested scopes (its own, then each block, loop
/// iteration and comprehension item inside it): one vector of bindings, innermost
/// last, and where each scope starts in it. A scope binds a handful of names, so a
/// search from the end beats hashing, and entering a block allocates nothing (a map
/// per block was two allocations). Past [`SMALL_SCOPES`] bindings (a body of
/// thousands of `let`s) the names are also indexed, so no program makes binding and
/// looking up names quadratic.
pub(super) struct Scopes<'a> {
    bindings: Vec<(&'a str, Value)>,
    starts: Vec<usize>,
    /// Once there are many bindings: each name's positions in `bindings`, innermost
    /// last.
    index: Option<rustc_hash::FxHashMap<&'a str, Vec<usize>>>,
}

/// How many bindings are searched one by one before they are indexed.
const SMALL_SCOPES: usize = 64;

impl<'a> Scopes<'a> {
    /// One scope, open, with room for `names` bindings.
    fn with_capacity(names: usize) -> Scopes<'a> {
        Scopes {
            bindings: Vec::with_capacity(names),
            starts: vec![0],
            index: None,
        }
    }

    /// Opens a scope inside the innermost one.
    pub(super) fn push(&mut self) {
        self.starts.push(self.bindings.len());
    }

    /// Closes the innermost scope, dropping what it bound.
    pub(super) fn pop(&mut self) {
        let Some(start) = self.starts.pop() else {
            return;
        };
        if let Some(index) = &mut self.index {
            for (name, _) in &self.bindings[start..] {
                if let Some(at) = index.get_mut(name) {
                    at.pop();
                }
            }
        }
        self.bindings.truncate(start);
    }

    /// The innermost binding of `name`.
    fn get(&self, name: &str) -> Option<&Value> {
        let at = match &self.index {
            Some(index) => index.get(name).and_then(|at| at.last()).copied(),
            None => self.bindings.iter().rposition(|(n, _)| *n == name),
        };
        at.map(|i| &self.bindings[i].1)
    }

    /// Binds `name` in the innermost scope, replacing its binding there if any.
    fn bind(&mut self, name: &'a str, v: Value) {
        let start = self.starts.last().copied().unwrap_or(0);
        let here = match &self.index {
            Some(index) => index.get(name).and_then(|at| at.last()).copied(),
            None => self.bindings[start..]
                .iter()
                .position(|(n, _)| *n == name)
                .map(|i| start + i),
        };
        match here.filter(|&i| i >= start) {
            Some(i) => self.bindings[i].1 = v,
            None => {
                self.bindings.push((name, v));
                let at = self.bindings.len() - 1;
                match &mut self.index {
                    Some(index) => index.entry(name).or_default().push(at),
                    None if at >= SMALL_SCOPES => {
                        let mut index: rustc_hash::FxHashMap<&'a str, Vec<usize>> =
                            Default::default();
                        for (i, (n, _)) in self.bindings.iter().enumerate() {
                            index.entry(*n).or_default().push(i);
                        }
                        self.index = Some(index);
                    }
                    None => {}
                }
            }
        }
    }
}

impl<'a> Expander<'a> {
    pub fn new(checked: &'a Checked, app: &'a AppInfo, params: &'a Map<String, Value>) -> Self {
        Expander::with_app(checked, Some(app), params)
    }

    fn with_app(
        checked: &'a Checked,
        app: Option<&'a AppInfo>,
        params: &'a Map<String, Value>,
    ) -> Self {
        Expander {
            checked,
            app,
            params,
            diags: Diagnostics::default(),
            states: HashMap::new(),
            stack_sizes: Map::default(),
            instances: Vec::new(),
            chain: Vec::new(),
        }
    }

    /// Evaluates an expression outside any stack: param defaults, env fields, app settings.
    pub fn eval_global(
        checked: &Checked,
        e: &'a Expr,
        params: &Map<String, Value>,
        diags: &mut Diagnostics,
    ) -> Value {
        let mut ex = Expander::with_app(checked, None, params);
        let mut frame = Frame::new(None, "", "");
        let mut body = Body::new(0, false, String::new(), 0, None, 0);
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
                // One stack's evaluation is bounded (tree depth, component nesting);
                // chains of stacks are not, so each link gets room of its own.
                let result = stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || {
                    self.run_stack(env, region, stack)
                });
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
        let cycle: Vec<&InstanceKey> = self.chain[start..].iter().map(|(k, _)| k).collect();
        // Regions are named only when the cycle crosses regions.
        let regional = cycle.iter().any(|k| k.1 != key.1);
        let name = |k: &InstanceKey| {
            if regional {
                format!("{} ({})", k.2, k.1)
            } else {
                k.2.clone()
            }
        };
        let mut names: Vec<String> = cycle.iter().map(|k| name(k)).collect();
        names.push(name(key));

        let span = via.map_or_else(|| self.checked.stacks[&key.2].name.span, |v| v.span);
        let verb = via.map_or("reads", |v| v.verb);
        let last = self.chain.last().map(|c| name(&c.0)).unwrap_or_default();
        let mut d = Diagnostic::error(
            Code::StackCycle,
            span,
            // The same in every environment and region: reported once.
            format!(
                "stacks depend on each other in a cycle: {}",
                names.join(" → ")
            ),
        )
        .with_label(format!("`{last}` {verb} `{}` here", name(key)));
        let mut only_depends_on = verb == "depends on";
        for (i, (k, v)) in self.chain.iter().enumerate().skip(start + 1) {
            if let Some(v) = v {
                let from = name(&self.chain[i - 1].0);
                d = d.with_secondary(v.span, format!("`{from}` {} `{}` here", v.verb, name(k)));
                only_depends_on &= v.verb == "depends on";
            }
        }
        let d = if only_depends_on {
            d.with_help("remove one of these `depends_on`: together they ask for an order that cannot exist")
        } else {
            d.with_help("move what both need into a third stack that both read")
                .with_note("a stack is evaluated whole before a stack that reads it, so even a read of an output known at compile time ties the two; such a value can be a `param` or an environment field instead")
        };
        self.diags.push(d);
    }

    fn run_stack(
        &mut self,
        env: &EnvInfo,
        region: &str,
        stack: &str,
    ) -> Option<(StackInstance, Outputs)> {
        let checked = self.checked;
        let (name, decl) = checked.stacks.get_key_value(stack)?;
        let app = self.app?;
        let mut frame = Frame::new(Some(env), region, stack);
        let size = self.stack_sizes.get(name.as_str()).copied();
        frame.resources.reserve(size.unwrap_or(0));
        let mut body = Body::new(0, true, String::new(), 0, None, names_bound(&decl.body));
        self.block(&mut frame, &mut body, &decl.body, true);
        let stack_name = super::stack_name(&app.name, &env.name, stack);
        let mut outputs = Map::default();
        let mut ids: Map<String, (&str, Span)> = Map::default();
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
        let mut kept_exports = Vec::new();
        for (name, span) in &frame.exports {
            if outputs.contains_key(name) {
                if !kept_exports.contains(name) {
                    kept_exports.push(name.clone());
                }
            } else if !body.outputs.contains_key(name) {
                let d = Diagnostic::error(
                    Code::UnknownOutput,
                    *span,
                    format!("`exports` names `{name}`, which is not an output of stack `{stack}`"),
                )
                .with_label("unknown output")
                .with_suggestion(name, body.outputs.keys().map(String::as_str))
                .with_help(
                    "an export needs its output: keep `output name = ...` while it is exported",
                );
                self.error(&body, d);
            }
        }
        self.stack_sizes.insert(name, frame.resources.len());
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
            kept_exports,
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
                Value::Str(s) => Some(Json::from(s.clone())),
                Value::Int(n) => Some(Json::from(n.to_string())),
                Value::Bool(b) => Some(Json::from(b.to_string())),
                Value::Duration(s) => Some(Json::from(s.to_string())),
                Value::Deploy(d) if d.shape == DeployShape::Scalar => Some(Json::clone(&d.json)),
                _ => None,
            }
        };
        if matches!(value, Value::Error)
            || matches!(value, Value::List(xs) if xs.iter().any(Value::is_error))
        {
            return None;
        }
        let json = match value {
            Value::Deploy(d) if d.shape == DeployShape::List => {
                object! { "Fn::Join" => vec![Json::from(","), Json::clone(&d.json)] }
            }
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
                    Some(p) if p.iter().all(Json::is_string) => Json::from(
                        p.iter()
                            .filter_map(Json::as_str)
                            .collect::<Vec<_>>()
                            .join(","),
                    ),
                    Some(p) => object! { "Fn::Join" => vec![Json::from(","), Json::Array(p)] },
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
    ) -> (Vec<StackInstance>, Vec<StackInstance>, Diagnostics) {
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
        let instances = std::mem::take(&mut self.instances);
        // A read from another region evaluates that region's stack even when
        // `--region` leaves it out: it is needed for the value and the deploy order,
        // not built.
        let (mut instances, mut context): (Vec<_>, Vec<_>) = instances
            .into_iter()
            .partition(|i| order(i).1 != usize::MAX);
        instances.sort_by_key(order);
        context.sort_by(|a, b| {
            let (ea, _, sa) = order(a);
            let (eb, _, sb) = order(b);
            (ea, &a.region, sa).cmp(&(eb, &b.region, sb))
        });
        // Exports are decided after every importer has run. Export names are scoped
        // to an account and region, and an environment is one account: a stack
        // exports what a stack of its environment and region imports.
        let imported: std::collections::BTreeSet<(&str, &str, &str)> = instances
            .iter()
            .flat_map(|i| {
                i.imports
                    .iter()
                    .map(move |e| (i.env.as_str(), i.region.as_str(), e.as_str()))
            })
            .collect();
        let mut exported: Vec<Vec<String>> = Vec::with_capacity(instances.len());
        for inst in &instances {
            let prefix = &inst.stack_name;
            exported.push(
                inst.outputs
                    .keys()
                    .filter(|name| {
                        let export = export_name(prefix, name);
                        imported.contains(&(
                            inst.env.as_str(),
                            inst.region.as_str(),
                            export.as_str(),
                        )) || inst.kept_exports.contains(name)
                    })
                    .cloned()
                    .collect(),
            );
        }
        for (inst, names) in instances.iter_mut().zip(exported) {
            let prefix = inst.stack_name.clone();
            for (name, out) in inst.outputs.iter_mut() {
                let export = export_name(&prefix, name);
                if names.contains(name) {
                    out.export = Some(export);
                }
            }
        }
        (instances, context, self.diags)
    }
}

/// The export name of a stack output: `<stack name>-<output>`, kebab-case.
pub fn export_name(stack_name: &str, output: &str) -> String {
    format!("{stack_name}-{}", output.replace('_', "-"))
}

fn record2(k: String, v: Value) -> Value {
    Value::Record(Fields::from_iter([
        ("key".to_string(), Value::Str(k)),
        ("value".to_string(), v),
    ]))
}

fn args_expr<'e>(args: &'e [ast::Arg], name: &str) -> Option<&'e Expr> {
    args.iter()
        .find(|a| a.name.as_ref().is_some_and(|n| n.node == name))
        .map(|a| &a.value)
}

/// The fields of `aws`, in order.
const AWS_FIELDS: [&str; 6] = [
    "account_id",
    "region",
    "partition",
    "url_suffix",
    "stack_name",
    "stack_id",
];

/// `aws`: pseudo parameters, resolved at compile time where the target is known.
fn aws_value(env: &EnvInfo, region: &str, span: Span) -> Value {
    Value::Record(
        AWS_FIELDS
            .iter()
            .filter_map(|n| Some((n.to_string(), aws_field(env, region, n, span)?)))
            .collect(),
    )
}

/// One field of `aws` (what `aws.region` reads without building the whole record);
/// `None` for a name `aws` does not have.
pub(super) fn aws_field(env: &EnvInfo, region: &str, name: &str, span: Span) -> Option<Value> {
    let deploy = |json: Json, what: &str| {
        Value::Deploy(Deploy {
            json: Rc::new(json),
            shape: DeployShape::Scalar,
            origin: span,
            what: what.into(),
        })
    };
    let partition = regions::partition(region);
    Some(match name {
        "account_id" => Value::Str(env.account.clone()),
        "region" => Value::Str(region.to_string()),
        "partition" => Value::Str(partition.to_string()),
        "url_suffix" => Value::Str(
            if partition == "aws-cn" {
                "amazonaws.com.cn"
            } else {
                "amazonaws.com"
            }
            .to_string(),
        ),
        "stack_name" => deploy(object! { "Ref" => "AWS::StackName" }, "`aws.stack_name`"),
        "stack_id" => deploy(object! { "Ref" => "AWS::StackId" }, "`aws.stack_id`"),
        _ => return None,
    })
}
