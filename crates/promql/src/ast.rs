//! klaxon's PromQL syntax tree.
//!
//! The parser crate's tree is converted into this one at once (`parse.rs`), so the engine, the
//! printer and the API depend only on these types. Durations and times are milliseconds.
//! `Display` prints an expression the way Prometheus reprints it (`display.rs`).

use model::matcher::Matcher;

/// The type an expression evaluates to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    Scalar,
    Vector,
    Matrix,
    String,
}

impl ValueType {
    /// The name Prometheus uses in messages and the API (`scalar`, `vector`, `matrix`, `string`).
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::Scalar => "scalar",
            ValueType::Vector => "vector",
            ValueType::Matrix => "matrix",
            ValueType::String => "string",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(f64),
    String(String),
    VectorSelector(VectorSelector),
    MatrixSelector(MatrixSelector),
    Subquery(Subquery),
    Paren(Box<Expr>),
    Unary(UnaryOp, Box<Expr>),
    Binary(Binary),
    Aggregate(Aggregate),
    Call(Call),
}

/// `@ <time>`, `@ start()`, `@ end()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// Milliseconds since the epoch.
    Time(i64),
    Start,
    End,
}

/// `name{matchers} [offset d] [@ t]`.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorSelector {
    /// The metric name when written outside the braces (or as `{"name"}`); also present as an
    /// `__name__` equality matcher in `matchers`.
    pub name: Option<String>,
    /// Every matcher, including the `__name__` one, in the order written.
    pub matchers: Vec<Matcher>,
    /// `offset` in ms; negative offsets look forward.
    pub offset: i64,
    pub at: Option<At>,
}

/// `selector[range]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MatrixSelector {
    pub selector: VectorSelector,
    /// Range in ms (> 0).
    pub range: i64,
}

/// `expr[range:step]`, with its own `offset` and `@`.
#[derive(Debug, Clone, PartialEq)]
pub struct Subquery {
    pub expr: Box<Expr>,
    pub range: i64,
    /// `None` when omitted: the engine's default subquery step.
    pub step: Option<i64>,
    pub offset: i64,
    pub at: Option<At>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Pos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Atan2,
    Eql,
    Neq,
    Gtr,
    Lss,
    Gte,
    Lte,
    And,
    Or,
    Unless,
}

impl BinOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Pow => "^",
            BinOp::Atan2 => "atan2",
            BinOp::Eql => "==",
            BinOp::Neq => "!=",
            BinOp::Gtr => ">",
            BinOp::Lss => "<",
            BinOp::Gte => ">=",
            BinOp::Lte => "<=",
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::Unless => "unless",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(self, BinOp::Eql | BinOp::Neq | BinOp::Gtr | BinOp::Lss | BinOp::Gte | BinOp::Lte)
    }

    pub fn is_set(self) -> bool {
        matches!(self, BinOp::And | BinOp::Or | BinOp::Unless)
    }
}

/// How the two sides of a vector-vector operation are matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cardinality {
    OneToOne,
    /// `group_left`
    ManyToOne,
    /// `group_right`
    OneToMany,
    /// Set operators.
    ManyToMany,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VectorMatching {
    pub card: Cardinality,
    /// `on(...)` when true, `ignoring(...)` when false (an absent clause is `ignoring()`).
    pub on: bool,
    /// The labels of `on(...)`/`ignoring(...)`.
    pub labels: Vec<String>,
    /// The labels of `group_left(...)`/`group_right(...)`.
    pub include: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Binary {
    pub op: BinOp,
    pub lhs: Box<Expr>,
    pub rhs: Box<Expr>,
    /// The `bool` modifier of a comparison.
    pub return_bool: bool,
    /// Present when both sides are vectors.
    pub matching: Option<VectorMatching>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggOp {
    Sum,
    Avg,
    Count,
    Min,
    Max,
    Group,
    Stddev,
    Stdvar,
    Topk,
    Bottomk,
    CountValues,
    Quantile,
    Limitk,
    LimitRatio,
}

impl AggOp {
    pub fn as_str(self) -> &'static str {
        match self {
            AggOp::Sum => "sum",
            AggOp::Avg => "avg",
            AggOp::Count => "count",
            AggOp::Min => "min",
            AggOp::Max => "max",
            AggOp::Group => "group",
            AggOp::Stddev => "stddev",
            AggOp::Stdvar => "stdvar",
            AggOp::Topk => "topk",
            AggOp::Bottomk => "bottomk",
            AggOp::CountValues => "count_values",
            AggOp::Quantile => "quantile",
            AggOp::Limitk => "limitk",
            AggOp::LimitRatio => "limit_ratio",
        }
    }

    /// Whether the operator takes a parameter before the vector.
    pub fn has_param(self) -> bool {
        matches!(
            self,
            AggOp::Topk
                | AggOp::Bottomk
                | AggOp::CountValues
                | AggOp::Quantile
                | AggOp::Limitk
                | AggOp::LimitRatio
        )
    }
}

/// `by (...)` / `without (...)`. No clause reads as `by ()` (`without: false`, no labels), as
/// upstream parses it; [`Aggregate::has_grouping`] says whether a clause was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grouping {
    pub without: bool,
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub op: AggOp,
    pub expr: Box<Expr>,
    pub param: Option<Box<Expr>>,
    pub grouping: Grouping,
    /// Whether the grouping clause was written at all (printing keeps `sum(x)` as written).
    pub has_grouping: bool,
    /// Where the aggregation starts; `args` are `[parameter, expression]` (the parameter's
    /// entry is `None` when there is none).
    pub pos: Positions,
}

/// A function call; `name` is the canonical (lower-case) function name.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: String,
    pub args: Vec<Expr>,
    /// Where the call and each argument start.
    pub pos: Positions,
}

/// A 1-based line and byte column in the query text, as Prometheus prints positions.
pub type LineCol = (u32, u32);

/// Where a node and its arguments start in the query text, for the ` (line:col)` Prometheus
/// appends to annotations. Known for parsed expressions, `None` for built ones.
///
/// Positions are not part of an expression's meaning: two `Positions` always compare equal,
/// so the same expression written with other spacing is still the same expression.
#[derive(Debug, Clone, Default)]
pub struct Positions {
    pub node: Option<LineCol>,
    pub args: Vec<Option<LineCol>>,
}

impl PartialEq for Positions {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Positions {}

impl Positions {
    /// The start of argument `i`, when known.
    pub fn arg(&self, i: usize) -> Option<LineCol> {
        self.args.get(i).copied().flatten()
    }
}

impl Expr {
    /// The type the expression evaluates to.
    pub fn value_type(&self) -> ValueType {
        match self {
            Expr::Number(_) => ValueType::Scalar,
            Expr::String(_) => ValueType::String,
            Expr::VectorSelector(_) => ValueType::Vector,
            Expr::MatrixSelector(_) | Expr::Subquery(_) => ValueType::Matrix,
            Expr::Paren(e) | Expr::Unary(_, e) => e.value_type(),
            Expr::Binary(b) => {
                if b.lhs.value_type() == ValueType::Scalar
                    && b.rhs.value_type() == ValueType::Scalar
                {
                    ValueType::Scalar
                } else {
                    ValueType::Vector
                }
            }
            Expr::Aggregate(_) => ValueType::Vector,
            Expr::Call(c) => {
                crate::signatures::lookup(&c.name).map(|s| s.ret).unwrap_or(ValueType::Vector)
            }
        }
    }
}
