//! The abstract syntax tree of one `.sleuth` file. Every node carries its span; no
//! pest type appears here. The AST is serialisable so the embedded standard library
//! can ship pre-parsed (see `syntax::cache`).

use serde::{Deserialize, Serialize};

use crate::span::{Span, Spanned};

pub type Ident = Spanned<String>;

/// A parsed file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Module {
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Item {
    App(App),
    Import(Import),
    Param(Param),
    Environments(Environments),
    Component(Component),
    Stack(Stack),
    Pipeline(Pipeline),
}

/// `pipeline name { ... }`: settings and steps in the order written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pipeline {
    pub name: Ident,
    pub steps: Vec<PipelineStep>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum PipelineStep {
    /// `account = "111111111111"`, `source = github(...)`.
    Setting { name: Ident, value: Expr },
    /// `build { image = "..." }`.
    Settings {
        name: Ident,
        entries: Vec<Entry>,
        span: Span,
    },
    /// `stage prod { rollout = waves(1) }`: the environments it deploys.
    Stage {
        envs: Vec<Ident>,
        options: Vec<Entry>,
        span: Span,
    },
    /// `approve "Promote to prod" { notify = [...] }`.
    Approve {
        label: Spanned<String>,
        options: Vec<Entry>,
        span: Span,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct App {
    pub name: Ident,
    pub entries: Vec<Entry>,
    pub span: Span,
}

/// Where an import comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ImportSource {
    /// `std.network`: the module path after `std`.
    Std(Vec<Ident>),
    /// `"./file.sleuth"`
    File(Spanned<String>),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Import {
    pub source: ImportSource,
    pub names: Vec<Ident>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Param {
    pub binding: TypedBinding,
    pub span: Span,
}

/// `name: Type = default`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TypedBinding {
    pub name: Ident,
    pub ty: TypeExpr,
    pub default: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Environments {
    pub fields: Vec<TypedBinding>,
    pub envs: Vec<EnvDecl>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnvDecl {
    pub name: Ident,
    pub entries: Vec<Entry>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Component {
    pub name: Ident,
    pub params: Vec<TypedBinding>,
    pub body: Block,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stack {
    pub name: Ident,
    pub body: Block,
    pub span: Span,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Block {
    pub statements: Vec<Statement>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Statement {
    Let {
        name: Ident,
        value: Expr,
    },
    Resource(Resource),
    Output {
        name: Ident,
        value: Expr,
    },
    If {
        cond: Expr,
        then: Block,
        otherwise: Option<Block>,
        span: Span,
    },
    For {
        index: Option<Ident>,
        var: Ident,
        iter: Expr,
        body: Block,
        span: Span,
    },
    Assign {
        name: Ident,
        value: Expr,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub name: Ident,
    pub key: Option<Expr>,
    pub type_name: Spanned<String>,
    pub entries: Vec<Entry>,
    pub span: Span,
}

/// `Key = value`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub key: Ident,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TypeExpr {
    Named(Ident),
    List(Box<TypeExpr>, Span),
    Record(Vec<TypedBinding>, Span),
    Resource(Spanned<String>, Span),
    Optional(Box<TypeExpr>, Span),
    Enum(Vec<Spanned<String>>, Span),
}

impl TypeExpr {
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named(i) => i.span,
            TypeExpr::List(_, s)
            | TypeExpr::Record(_, s)
            | TypeExpr::Resource(_, s)
            | TypeExpr::Optional(_, s)
            | TypeExpr::Enum(_, s) => *s,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "||",
            BinOp::And => "&&",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnOp {
    Not,
    Neg,
}

/// One part of an interpolated string.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum StrPart {
    Text(String),
    Expr(Expr),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ExprKind {
    Int(i64),
    Bool(bool),
    None,
    /// Seconds.
    Duration(u64),
    Str(Vec<StrPart>),
    List(Vec<Expr>),
    Record(Vec<Entry>),
    Name(String),
    Field(Box<Expr>, Ident),
    Index(Box<Expr>, Box<Expr>),
    Call(Box<Expr>, Vec<Arg>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Unary(UnOp, Box<Expr>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    Comprehension {
        index: Option<Ident>,
        var: Ident,
        iter: Box<Expr>,
        filter: Option<Box<Expr>>,
        body: Box<Expr>,
    },
    /// A node that failed to lower; later phases accept it silently.
    Error,
}
