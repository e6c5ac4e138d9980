//! One statement that reads rows of several tables at once (`UNION ALL`), so that a screen
//! needing five kinds of row costs one round trip instead of five.
//!
//! The statement's columns are slots that the branches share by type: each branch puts each
//! of its columns in a slot of the column's type that it has not used yet, and gives a typed
//! `NULL` for the slots it leaves empty; the branch's number comes first. Each row is read
//! back as the model of its own branch, by the positions of its columns ([`ByPosition`]).
//! The plan's statement has 26 slots on PostgreSQL (28 with the family in front), where
//! slots are typed, and 16 on SQLite, where they are not, against 49 columns when tables
//! shared only columns of one name: every row carries every slot, and SQLite's driver copies
//! each value of each row.
//! The statement's shape depends only on the branches, never on how many rows or ids there
//! are, so the database prepares it once; a [`Template`] also writes its SQL out only once
//! per process.
//!
//! Rows that several branches hang from (a plan's outcomes, say) are described once as a set
//! ([`Union::share`], [`Union::share_under`]), which branches read as their rows
//! ([`Union::branch_of`], [`Union::branch_under`]) and conditions look in
//! ([`Shared::column`]). On PostgreSQL a set is read once, named (`WITH`): it otherwise looks
//! the rows up again for each branch (the plan screen's open plan fifteen times). SQLite,
//! in the process, looks rows up by key for next to nothing, but materialises a `WITH` set
//! used twice, and each `IN (SELECT …)`, in a table of its own, built on every run (a new
//! B-tree, its pages zeroed, and a 10 KB Bloom filter for each `IN`): there a set is written
//! in where it is used. On both, the rows under a set are joined to it ([`Union::share_under`],
//! [`Union::branch_under`]): by `IN`, PostgreSQL made the set's keys unique on every run.
use crate::error::AppResult;
use sea_orm::sea_query::{
    Alias, ColumnType, CommonTableExpression, Condition, Expr, ExprTrait, Order, Query,
    SelectStatement, SimpleExpr, UnionType, WithClause,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, IdenStatic, Iterable,
    QueryResult, Statement, Value,
};
use std::sync::{Arc, OnceLock};
use uuid::Uuid;

mod by_position;
pub use by_position::ByPosition;
use by_position::Checks;

const BRANCH: &str = "branch";

/// One table's part of the statement.
struct Branch {
    table: Alias,
    /// Column name and type, in the entity's declaration order.
    columns: Vec<(String, ColumnType)>,
    /// Where the rows come from, when not from the table itself.
    from: Option<Source>,
    condition: Condition,
}

/// Where a set's (or its branch's) rows come from.
#[derive(Clone)]
enum Source {
    /// A set read once, by its name (`WITH`).
    Named(Alias),
    /// Written in: the table, joined to the sets it hangs from, and the set's conditions;
    /// no columns yet.
    Written(Box<SelectStatement>),
}

/// A statement under construction: add branches, then [`Union::rows`].
pub struct Union {
    branches: Vec<Branch>,
    /// Sets of rows read once and named (`WITH name AS (…)`), for branches and conditions
    /// that need the same rows: PostgreSQL otherwise looks them up again for each.
    shared: Vec<(Alias, SelectStatement)>,
    backend: DatabaseBackend,
    /// Sets are written in where they are used rather than named (see the module).
    written_in: bool,
}

/// A set of rows of one table that a [`Union`] reads once: a branch can be its rows
/// ([`Union::branch_of`]) and a condition can look in it ([`Shared::column`]).
#[derive(Clone)]
pub struct Shared {
    table: Alias,
    source: Source,
}

impl Shared {
    /// The values of `column` in the set, as a subquery.
    pub fn column(&self, column: impl IdenStatic) -> SelectStatement {
        let column = Alias::new(column.as_str());
        match &self.source {
            Source::Named(name) => Query::select().column(column).from(name.clone()).to_owned(),
            Source::Written(from) => from
                .as_ref()
                .clone()
                .column((self.table.clone(), column))
                .to_owned(),
        }
    }
}

/// The rows of a union, each tagged with the number of its branch (from 0, in the order
/// the branches were added).
pub struct Rows {
    layout: Arc<Layout>,
    rows: Vec<(usize, QueryResult)>,
}

/// The statement's columns: slots shared by type, and where each branch's columns are.
#[derive(Debug, PartialEq)]
struct Layout {
    /// Each slot's typed `NULL`, in order (after the branch's number).
    slots: Vec<String>,
    /// For each branch, its column names with the slot each is in, in the entity's order.
    branches: Vec<Vec<(String, usize)>>,
}

impl Layout {
    fn slot_name(slot: usize) -> Alias {
        Alias::new(format!("c{slot}"))
    }
}

impl Union {
    /// A union for `backend`, which decides how sets are read (see the module).
    pub fn new(backend: DatabaseBackend) -> Self {
        Self {
            branches: vec![],
            shared: vec![],
            backend,
            written_in: backend == DatabaseBackend::Sqlite,
        }
    }

    /// Adds the rows of `E` that meet `condition`; returns the branch's number.
    pub fn branch<E: EntityTrait>(&mut self, condition: Condition) -> usize {
        let columns = E::Column::iter()
            .map(|c| (c.as_str().to_owned(), c.def().get_column_type().clone()))
            .collect();
        self.branches.push(Branch {
            table: Alias::new(E::default().table_name()),
            columns,
            from: None,
            condition,
        });
        self.branches.len() - 1
    }

    /// Reads the rows of `E` that meet `condition` once, as a set named `name` that
    /// branches and conditions of the statement share (where sets are written in: the table
    /// and the condition, wherever the set is used).
    pub fn share<E: EntityTrait>(&mut self, name: &str, condition: Condition) -> Shared {
        let table = Alias::new(E::default().table_name());
        if self.written_in {
            let from = Query::select()
                .from(E::default())
                .cond_where(condition)
                .to_owned();
            return Shared {
                table,
                source: Source::Written(Box::new(from)),
            };
        }
        self.named(name, Self::select_of::<E>(condition), table)
    }

    /// Every column of the rows of `E` that meet `condition`.
    fn select_of<E: EntityTrait>(condition: Condition) -> SelectStatement {
        Query::select()
            .columns(E::Column::iter())
            .from(E::default())
            .cond_where(condition)
            .to_owned()
    }

    /// Every column of `E`, named with its table, added to `from` (`E` joined to a set).
    fn columns_of<E: EntityTrait>(mut from: SelectStatement) -> SelectStatement {
        from.columns(E::Column::iter().map(|c| (E::default(), c)));
        from
    }

    /// `select` as a set named `name`, of rows of `table`.
    fn named(&mut self, name: &str, select: SelectStatement, table: Alias) -> Shared {
        let name = Alias::new(name);
        self.shared.push((name.clone(), select));
        Shared {
            table,
            source: Source::Named(name),
        }
    }

    /// Reads the rows of `E` whose `column` holds a value of `key` in `parent` (a key of
    /// the parent's rows, so that each row of `E` comes once), `E` joined to the parent's
    /// rows, as a set named `name` (where sets are written in, the join is written in where
    /// the set is used: the parent's conditions must name its columns with its table, as
    /// `ColumnTrait`'s do).
    pub fn share_under<E: EntityTrait>(
        &mut self,
        name: &str,
        column: E::Column,
        parent: &Shared,
        key: impl IdenStatic,
    ) -> Shared {
        let table = Alias::new(E::default().table_name());
        let joined = Self::under::<E>(column, parent, key);
        if self.written_in {
            return Shared {
                table,
                source: Source::Written(Box::new(joined)),
            };
        }
        self.named(name, Self::columns_of::<E>(joined), table)
    }

    /// As [`Union::share_under`], keeping of each group of rows that agree on the columns
    /// `kind` only the one with the greatest `latest`. Where sets are named (PostgreSQL)
    /// the set is read `DISTINCT ON` the kind, which sorts the few rows under the parent;
    /// where they are written in (SQLite, which has no `DISTINCT ON`), a row is kept when
    /// no later one of its kind exists (NULLs of a kind's column count as alike).
    pub fn share_latest_under<E: EntityTrait>(
        &mut self,
        name: &str,
        column: E::Column,
        parent: &Shared,
        key: impl IdenStatic,
        kind: &[E::Column],
        latest: E::Column,
    ) -> Shared {
        let table = Alias::new(E::default().table_name());
        let mut joined = Self::under::<E>(column, parent, key);
        if self.written_in {
            joined.and_where(no_later_of_its_kind::<E>(&table, kind, latest));
            return Shared {
                table,
                source: Source::Written(Box::new(joined)),
            };
        }
        let mut select = Self::columns_of::<E>(joined);
        let own = |c: &E::Column| (table.clone(), Alias::new(c.as_str()));
        select.distinct_on(kind.iter().map(own));
        for column in kind {
            select.order_by(own(column), Order::Asc);
        }
        select.order_by(own(&latest), Order::Desc);
        self.named(name, select, table)
    }

    /// Adds the rows of a shared set of `E` as a branch; returns the branch's number.
    pub fn branch_of<E: EntityTrait>(&mut self, shared: &Shared) -> usize {
        let branch = self.branch::<E>(Condition::all());
        self.branches[branch].from = Some(shared.source.clone());
        branch
    }

    /// Adds the rows of `E` whose `column` holds a value of `key` in `parent` (a key, as
    /// for [`Union::share_under`]) as a branch; returns the branch's number.
    pub fn branch_under<E: EntityTrait>(
        &mut self,
        column: E::Column,
        parent: &Shared,
        key: impl IdenStatic,
    ) -> usize {
        let joined = Self::under::<E>(column, parent, key);
        let branch = self.branch::<E>(Condition::all());
        self.branches[branch].from = Some(Source::Written(Box::new(joined)));
        branch
    }

    /// `E` joined to `parent`'s rows (no columns yet): to the parent's table, joins and
    /// conditions where it is written in, else to its named set. A join rather than
    /// `IN (SELECT key FROM set)`: PostgreSQL cannot know a set's keys unique, and makes
    /// them so (a hash aggregate) on every run before looking the rows up.
    fn under<E: EntityTrait>(
        column: E::Column,
        parent: &Shared,
        key: impl IdenStatic,
    ) -> SelectStatement {
        let table = Alias::new(E::default().table_name());
        let column = Expr::col((table.clone(), Alias::new(column.as_str())));
        let (mut from, parent_table) = match &parent.source {
            Source::Written(from) => (from.as_ref().clone(), parent.table.clone()),
            Source::Named(name) => (Query::select().from(name.clone()).to_owned(), name.clone()),
        };
        from.inner_join(
            table,
            column.equals((parent_table, Alias::new(key.as_str()))),
        );
        from
    }

    /// Puts each branch's columns in slots: the first slot of the column's type that the
    /// branch has not used yet, or a new one. (One column per table and name made PostgreSQL
    /// set up some 760 output expressions on every run of the plan's statement; one per name,
    /// 49 values on every row.)
    fn layout(&self) -> Layout {
        let mut slots: Vec<String> = vec![];
        let mut branches = Vec::with_capacity(self.branches.len());
        for branch in &self.branches {
            let mut used = vec![false; slots.len()];
            let mut placed = Vec::with_capacity(branch.columns.len());
            for (name, column_type) in &branch.columns {
                let null = typed_null(self.backend, column_type);
                let slot = match (0..slots.len()).find(|&s| !used[s] && slots[s] == null) {
                    Some(free) => free,
                    None => {
                        slots.push(null);
                        used.push(false);
                        slots.len() - 1
                    }
                };
                used[slot] = true;
                placed.push((name.clone(), slot));
            }
            branches.push(placed);
        }
        Layout { slots, branches }
    }

    fn select(&self, layout: &Layout, own: usize) -> SelectStatement {
        let branch = &self.branches[own];
        let placed = &layout.branches[own];
        let mut select = match &branch.from {
            // Under the table's name, so that its columns are named as in the table.
            Some(Source::Named(shared)) => Query::select()
                .from_as(shared.clone(), branch.table.clone())
                .to_owned(),
            // The set's table, joins and conditions, which the columns go ahead of.
            Some(Source::Written(from)) => from.as_ref().clone(),
            None => Query::select().from(branch.table.clone()).to_owned(),
        };
        let written = matches!(branch.from, Some(Source::Written(_)));
        select.expr_as(Expr::cust(own.to_string()), Alias::new(BRANCH));
        for (slot, null) in layout.slots.iter().enumerate() {
            let column = placed
                .iter()
                .zip(&branch.columns)
                .find(|((_, s), _)| *s == slot);
            match column {
                Some(((name, _), (_, column_type))) => select.expr_as(
                    self.as_slot(
                        Expr::col((branch.table.clone(), Alias::new(name))),
                        column_type,
                    ),
                    Layout::slot_name(slot),
                ),
                None => select.expr_as(Expr::cust(null.clone()), Layout::slot_name(slot)),
            };
        }
        if !(written && branch.condition.is_empty()) {
            select.cond_where(branch.condition.clone());
        }
        select
    }

    /// A column as its slot holds it. On PostgreSQL a text slot is `text`, and a column the
    /// entity does not declare `Text` (a `varchar`, an enum's name) is cast to it: a branch
    /// whose columns' types are not exactly the union's is planned as a subquery of its own,
    /// whose node and projection PostgreSQL sets up on every run (a tenth of the plan
    /// statement's CPU there). The cast costs nothing: the types are stored alike, and a
    /// `text` column cast to `text` is left as it is.
    fn as_slot(&self, column: Expr, column_type: &ColumnType) -> Expr {
        let text = pg_type(column_type) == "text" && *column_type != ColumnType::Text;
        if self.backend == DatabaseBackend::Postgres && text {
            column.cast_as(Alias::new("text"))
        } else {
            column
        }
    }

    /// The whole statement, or none when there are no branches.
    fn statement(&self) -> Option<Statement> {
        let backend = self.backend;
        let layout = self.layout();
        let mut statement = (!self.branches.is_empty()).then(|| self.select(&layout, 0))?;
        statement
            .unions((1..self.branches.len()).map(|i| (UnionType::All, self.select(&layout, i))));
        if self.shared.is_empty() {
            return Some(backend.build(&statement));
        }
        let mut with = WithClause::new();
        for (name, select) in &self.shared {
            with.cte(
                CommonTableExpression::new()
                    .table_name(name.clone())
                    .query(select.clone())
                    .to_owned(),
            );
        }
        Some(backend.build(&with.query(statement)))
    }
}

impl Rows {
    /// Tags each row with its branch, the statement's first column.
    fn tagged(layout: Arc<Layout>, rows: Vec<QueryResult>) -> AppResult<Self> {
        let mut tagged = Vec::with_capacity(rows.len());
        for (i, row) in rows.into_iter().enumerate() {
            let branch = <i32 as by_position::Field>::read(&row, 0, Checks::for_row(i))?;
            tagged.push((usize::try_from(branch).unwrap_or(usize::MAX), row));
        }
        Ok(Self {
            layout,
            rows: tagged,
        })
    }

    /// The rows of one branch, as models of its table, read by position: by name, the
    /// driver hashes every column name of every row (a sixth of the plan screen's CPU).
    /// The driver checks the column types on the branch's first row only: every row of the
    /// statement has the same.
    pub fn of<M: ByPosition>(&self, branch: usize) -> AppResult<Vec<M>> {
        let at = self.positions(branch, M::COLUMNS)?;
        self.rows
            .iter()
            .filter(|(b, _)| *b == branch)
            .enumerate()
            .map(|(i, (_, row))| Ok(M::read(row, &at, Checks::for_row(i))?))
            .collect()
    }

    /// Where each of `names` of `branch` is in the statement's rows.
    fn positions(&self, branch: usize, names: &[&str]) -> Result<Vec<usize>, DbErr> {
        let placed = self
            .layout
            .branches
            .get(branch)
            .ok_or_else(|| DbErr::Type(format!("the union has no branch {branch}")))?;
        names
            .iter()
            .map(|name| {
                placed
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, slot)| slot + 1)
                    .ok_or_else(|| DbErr::Type(format!("branch {branch} has no column {name}")))
            })
            .collect()
    }
}

/// No row of `table` later by `latest` agrees with this one on every column of `kind`
/// (NULLs alike).
fn no_later_of_its_kind<E: EntityTrait>(
    table: &Alias,
    kind: &[E::Column],
    latest: E::Column,
) -> SimpleExpr {
    let later = Alias::new("later");
    let column = |on: &Alias, c: &E::Column| Expr::col((on.clone(), Alias::new(c.as_str())));
    let mut same = Condition::all();
    for c in kind {
        same = same.add(
            Condition::any()
                .add(column(&later, c).equals((table.clone(), Alias::new(c.as_str()))))
                .add(
                    Condition::all()
                        .add(column(&later, c).is_null())
                        .add(column(table, c).is_null()),
                ),
        );
    }
    Expr::exists(
        Query::select()
            .expr(Expr::cust("1"))
            .from_as(E::default(), later.clone())
            .cond_where(same)
            .and_where(column(&later, &latest).gt(column(table, &latest)))
            .to_owned(),
    )
    .not()
}

/// Where a placeholder of a [`Template`] takes its value from.
#[derive(Clone)]
enum Slot {
    /// The run's argument of this number.
    Argument(usize),
    /// A value the statement always has (an enum's name, say).
    Fixed(Value),
}

/// A union whose shape depends only on its arguments' places, never on their values, so
/// that its SQL is written once per backend and each run only binds the arguments: building
/// the plan's nine-branch statement with sea-query cost more CPU than the database's answer.
pub struct Template {
    sql: String,
    slots: Vec<Slot>,
    layout: Arc<Layout>,
    arity: usize,
}

impl Template {
    /// Builds the union with a stand-in id for each of `arity` arguments, and records which
    /// argument each placeholder stands for.
    fn new(
        backend: DatabaseBackend,
        arity: usize,
        build: impl Fn(DatabaseBackend, &[Uuid]) -> Union,
    ) -> Self {
        // Ids no row has, told apart by their last bits.
        let stand_ins: Vec<Uuid> = (0..arity)
            .map(|i| Uuid::from_u128(0x7e4b_1a7e_0000_0000_0000_0000_0000_0000 | i as u128))
            .collect();
        let union = build(backend, &stand_ins);
        let layout = Arc::new(union.layout());
        let (sql, values) = match union.statement() {
            Some(built) => (built.sql, built.values.map(|v| v.0).unwrap_or_default()),
            None => (String::new(), vec![]),
        };
        let slots = values
            .into_iter()
            .map(|value| match &value {
                Value::Uuid(Some(id)) => stand_ins
                    .iter()
                    .position(|s| s == id)
                    .map_or(Slot::Fixed(value), Slot::Argument),
                _ => Slot::Fixed(value),
            })
            .collect();
        let (sql, slots) = written_in(backend, &sql, slots, 0);
        Self {
            sql,
            slots,
            layout,
            arity,
        }
    }

    /// This statement with a write ahead of it in the same statement, as a data-modifying
    /// `WITH` (PostgreSQL only): `write` is PostgreSQL's SQL for it, every value a
    /// placeholder (no `$` elsewhere, as sea-query writes it), whose placeholders `$1…$n`
    /// take the `n` arguments that follow this template's own. PostgreSQL runs such
    /// a write once and to the end, whether or not the rest reads it; the statement's rows
    /// reach the caller after its commit (sqlx reads a statement's answer up to the server's
    /// `ReadyForQuery`, which follows the commit), so neither is had without the other.
    pub fn after_write(&self, write: &str, n: usize) -> Self {
        let arguments = (0..n).map(|i| Slot::Argument(self.arity + i)).collect();
        let (renumbered, arguments) = written_in(
            DatabaseBackend::Postgres,
            write,
            arguments,
            self.slots.len(),
        );
        let rest = self
            .sql
            .strip_prefix("WITH ")
            .map_or_else(|| format!(" {}", self.sql), |sets| format!(", {sets}"));
        let mut slots = self.slots.clone();
        slots.extend(arguments);
        Self {
            sql: format!("WITH \"written_first\" AS ({renumbered}){rest}"),
            slots,
            layout: self.layout.clone(),
            arity: self.arity + n,
        }
    }

    /// The statement with `arguments` in their places (`Value::Uuid(None)` for an absent id).
    fn statement(&self, backend: DatabaseBackend, arguments: &[Value]) -> Statement {
        let values = self.slots.iter().map(|slot| match slot {
            Slot::Argument(i) => arguments.get(*i).cloned().unwrap_or(Value::Uuid(None)),
            Slot::Fixed(value) => value.clone(),
        });
        Statement::from_sql_and_values(backend, self.sql.clone(), values)
    }

    /// Runs the statement with `arguments` in their places.
    pub async fn rows(&self, db: &impl ConnectionTrait, arguments: &[Value]) -> AppResult<Rows> {
        if self.sql.is_empty() {
            return Rows::tagged(self.layout.clone(), vec![]);
        }
        let statement = self.statement(db.get_database_backend(), arguments);
        let rows = db.query_all_raw(statement).await?;
        Rows::tagged(self.layout.clone(), rows)
    }
}

/// The SQL with its fixed text values (enum names) written in as literals, and only the
/// other values left as placeholders (renumbered on PostgreSQL, after `placeholders_before`
/// of a statement it goes into). SQLite cannot tell whether a
/// partial index applies to `status <> ?` (`plans … WHERE status <> 'closed'`), so it marks the
/// statement to be prepared again whenever that parameter is bound: on every run.
fn written_in(
    backend: DatabaseBackend,
    sql: &str,
    slots: Vec<Slot>,
    placeholders_before: usize,
) -> (String, Vec<Slot>) {
    use sea_orm::sea_query::{
        MysqlQueryBuilder, PostgresQueryBuilder, QueryBuilder, SqliteQueryBuilder,
    };
    let literal = |value: &Value| match value {
        Value::String(Some(_)) => Some(match backend {
            DatabaseBackend::Postgres => PostgresQueryBuilder.value_to_string(value),
            DatabaseBackend::Sqlite => SqliteQueryBuilder.value_to_string(value),
            _ => MysqlQueryBuilder.value_to_string(value),
        }),
        _ => None,
    };
    let mut slots = slots.into_iter();
    let mut kept = vec![];
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        let placeholder = match c {
            '?' if backend != DatabaseBackend::Postgres => true,
            '$' if backend == DatabaseBackend::Postgres
                && chars.peek().is_some_and(char::is_ascii_digit) =>
            {
                while chars.peek().is_some_and(char::is_ascii_digit) {
                    chars.next();
                }
                true
            }
            _ => false,
        };
        if !placeholder {
            out.push(c);
            continue;
        }
        let Some(slot) = slots.next() else {
            out.push(c);
            continue;
        };
        match &slot {
            Slot::Fixed(value) if let Some(text) = literal(value) => out.push_str(&text),
            _ => {
                kept.push(slot);
                match backend {
                    DatabaseBackend::Postgres => {
                        out.push_str(&format!("${}", placeholders_before + kept.len()))
                    }
                    _ => out.push('?'),
                }
            }
        }
    }
    (out, kept)
}

/// A [`Template`] per database backend, each built on first use.
pub struct Templates {
    arity: usize,
    build: fn(DatabaseBackend, &[Uuid]) -> Union,
    postgres: OnceLock<Template>,
    sqlite: OnceLock<Template>,
    mysql: OnceLock<Template>,
}

impl Templates {
    /// `build` makes the union for a backend from its `arity` arguments; it must give every
    /// set of arguments the same shape (no branch or condition that depends on a value).
    pub const fn new(arity: usize, build: fn(DatabaseBackend, &[Uuid]) -> Union) -> Self {
        Self {
            arity,
            build,
            postgres: OnceLock::new(),
            sqlite: OnceLock::new(),
            mysql: OnceLock::new(),
        }
    }

    pub fn get(&self, backend: DatabaseBackend) -> &Template {
        let cell = match backend {
            DatabaseBackend::Postgres => &self.postgres,
            DatabaseBackend::Sqlite => &self.sqlite,
            _ => &self.mysql,
        };
        cell.get_or_init(|| Template::new(backend, self.arity, self.build))
    }
}

/// A `NULL` that PostgreSQL can line up with the column it stands in for: in a union, an
/// untyped `NULL` in the first branches is taken for text. SQLite needs no type.
fn typed_null(backend: DatabaseBackend, column_type: &ColumnType) -> String {
    if backend != DatabaseBackend::Postgres {
        return "NULL".to_owned();
    }
    format!("CAST(NULL AS {})", pg_type(column_type))
}

/// The PostgreSQL type of a slot for a column of `column_type`.
fn pg_type(column_type: &ColumnType) -> &'static str {
    match column_type {
        ColumnType::SmallInteger | ColumnType::TinyInteger => "smallint",
        ColumnType::Integer => "integer",
        ColumnType::BigInteger => "bigint",
        ColumnType::Boolean => "boolean",
        ColumnType::Date => "date",
        ColumnType::DateTime | ColumnType::Timestamp => "timestamp",
        ColumnType::TimestampWithTimeZone => "timestamptz",
        ColumnType::Uuid => "uuid",
        ColumnType::Json => "json",
        ColumnType::JsonBinary => "jsonb",
        ColumnType::Float => "real",
        ColumnType::Double => "double precision",
        _ => "text",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entities::{outcome, outcome_member, outcome_note, plan_action};

    /// Two arguments, one used three times, and a fixed value between them.
    fn example(backend: DatabaseBackend, arguments: &[Uuid]) -> Union {
        let mut union = Union::new(backend);
        union.branch::<outcome::Entity>(
            Condition::all()
                .add(outcome::Column::PlanId.eq(arguments[0]))
                .add(outcome::Column::Status.ne(outcome::OutcomeStatus::Declined))
                .add(outcome::Column::FamilyId.eq(arguments[1])),
        );
        union.branch::<plan_action::Entity>(
            Condition::any()
                .add(plan_action::Column::PlanId.eq(arguments[0]))
                .add(plan_action::Column::OutcomeId.eq(arguments[0])),
        );
        union
    }

    /// `build`'s template bound to `ids`, having checked it is the statement building the
    /// union with those ids gives, once every value is written in.
    fn bound_as_built(
        backend: DatabaseBackend,
        build: fn(DatabaseBackend, &[Uuid]) -> Union,
        ids: [Uuid; 2],
    ) -> Statement {
        let bound = Template::new(backend, 2, build).statement(backend, &ids.map(Value::from));
        let built = build(backend, &ids).statement().unwrap();
        assert_eq!(bound.to_string(), built.to_string(), "{backend:?}");
        bound
    }

    #[test]
    fn a_template_binds_what_building_the_union_would_bind() {
        let (plan, family) = (Uuid::now_v7(), Uuid::now_v7());
        for backend in [DatabaseBackend::Postgres, DatabaseBackend::Sqlite] {
            // The same statement once every value is written in...
            let bound = bound_as_built(backend, example, [plan, family]);
            // ...with the enum's name in the SQL and only the ids bound: plan, family, plan,
            // plan.
            assert!(bound.sql.contains("'declined'"), "{}", bound.sql);
            let ids = [plan, family, plan, plan].map(|id| Value::Uuid(Some(id)));
            assert_eq!(bound.values.map(|v| v.0), Some(ids.to_vec()), "{backend:?}");
            if backend == DatabaseBackend::Postgres {
                assert!(
                    bound.sql.contains("$4") && !bound.sql.contains("$5"),
                    "{}",
                    bound.sql
                );
            }
        }
    }

    /// A write put ahead of a template (PostgreSQL) is the statement's first `WITH`, before
    /// the template's own sets if it has any; its placeholders take the arguments after the
    /// template's, bound after the template's values.
    #[test]
    fn a_write_ahead_of_a_template_takes_the_arguments_after_its_own() {
        let backend = DatabaseBackend::Postgres;
        let (plan, family) = (Uuid::now_v7(), Uuid::now_v7());
        let (what, when) = (Value::from("plan"), Value::from(7i32));
        for build in [example, shared_example] {
            let template = Template::new(backend, 2, build);
            let alone = template.statement(backend, &[plan.into(), family.into()]);
            let n = alone.values.as_ref().map_or(0, |v| v.0.len());
            let written = template
                .after_write("INSERT INTO trail (what, at) VALUES ($1, $2)", 2)
                .statement(
                    backend,
                    &[plan.into(), family.into(), what.clone(), when.clone()],
                );
            let write = format!(
                "WITH \"written_first\" AS (INSERT INTO trail (what, at) VALUES (${}, ${}))",
                n + 1,
                n + 2
            );
            let rest = match alone.sql.strip_prefix("WITH ") {
                Some(sets) => format!(", {sets}"),
                None => format!(" {}", alone.sql),
            };
            assert_eq!(written.sql, format!("{write}{rest}"));
            assert_eq!(written.sql.matches("WITH").count(), 1, "{}", written.sql);
            let mut values = alone.values.unwrap().0;
            values.extend([what.clone(), when.clone()]);
            assert_eq!(written.values.unwrap().0, values);
        }
    }

    /// A plan's outcomes as a set: a branch of their own, the notes under them as a set and a
    /// branch, who each is for as a branch, and the actions' condition.
    fn shared_example(backend: DatabaseBackend, arguments: &[Uuid]) -> Union {
        let mut union = Union::new(backend);
        let outcomes = union.share::<outcome::Entity>(
            "some_outcomes",
            Condition::all()
                .add(outcome::Column::PlanId.eq(arguments[0]))
                .add(outcome::Column::FamilyId.eq(arguments[1])),
        );
        union.branch_of::<outcome::Entity>(&outcomes);
        let notes = union.share_under::<outcome_note::Entity>(
            "some_notes",
            outcome_note::Column::OutcomeId,
            &outcomes,
            outcome::Column::Id,
        );
        union.branch_of::<outcome_note::Entity>(&notes);
        union.branch_under::<outcome_member::Entity>(
            outcome_member::Column::OutcomeId,
            &outcomes,
            outcome::Column::Id,
        );
        union.branch::<plan_action::Entity>(
            Condition::all().add(
                plan_action::Column::OutcomeId.in_subquery(outcomes.column(outcome::Column::Id)),
            ),
        );
        union
    }

    #[test]
    fn on_postgresql_a_shared_set_is_read_once_ahead_of_the_branches_that_use_it_and_joined() {
        let (plan, family) = (Uuid::now_v7(), Uuid::now_v7());
        let backend = DatabaseBackend::Postgres;
        let bound = bound_as_built(backend, shared_example, [plan, family]);
        let sql = &bound.sql;
        assert!(
            sql.starts_with(r#"WITH "some_outcomes" AS (SELECT "id""#),
            "{sql}"
        );
        // Read from the table once; the branch reads the set under the table's name.
        assert_eq!(sql.matches(r#"FROM "outcomes""#).count(), 1, "{sql}");
        assert!(
            sql.contains(r#"FROM "some_outcomes" AS "outcomes""#),
            "{sql}"
        );
        assert!(
            sql.contains(r#"FROM "some_notes" AS "outcome_notes""#),
            "{sql}"
        );
        // The rows under the outcomes, as a set or a branch, are joined to the set's: no
        // `IN`, which PostgreSQL makes unique on every run; the notes' set names its
        // columns with its table.
        assert!(
            sql.contains(r#""some_notes" AS (SELECT "outcome_notes"."id","#),
            "{sql}"
        );
        for under in ["outcome_notes", "outcome_members"] {
            let joined = format!(
                r#"FROM "some_outcomes" INNER JOIN "{under}" ON "{under}"."outcome_id" = "some_outcomes"."id""#
            );
            assert!(sql.contains(&joined), "{under}: {sql}");
        }
        // A condition that looks in the set reads it by its name.
        assert!(
            sql.contains(r#""plan_actions"."outcome_id" IN (SELECT "id" FROM "some_outcomes")"#),
            "{sql}"
        );
        let ids = [plan, family].map(|id| Value::Uuid(Some(id)));
        assert_eq!(bound.values.map(|v| v.0), Some(ids.to_vec()));
    }

    #[test]
    fn on_sqlite_a_set_is_written_in_and_the_rows_under_it_joined_to_it() {
        let (plan, family) = (Uuid::now_v7(), Uuid::now_v7());
        let backend = DatabaseBackend::Sqlite;
        let bound = bound_as_built(backend, shared_example, [plan, family]);
        let sql = &bound.sql;
        // No set of its own: SQLite would build each in a table of its own on every run.
        assert!(!sql.contains("WITH"), "{sql}");
        let outcomes =
            r#"FROM "outcomes" WHERE "outcomes"."plan_id" = ? AND "outcomes"."family_id" = ?"#;
        assert!(sql.contains(outcomes), "{sql}");
        for under in ["outcome_notes", "outcome_members"] {
            let joined = format!(
                r#"FROM "outcomes" INNER JOIN "{under}" ON "{under}"."outcome_id" = "outcomes"."id" WHERE "outcomes"."plan_id" = ? AND "outcomes"."family_id" = ?"#
            );
            assert!(sql.contains(&joined), "{under}: {sql}");
        }
        // A condition that looks in the set looks in the table, on the set's conditions.
        assert!(
            sql.contains(
                r#""plan_actions"."outcome_id" IN (SELECT "outcomes"."id" FROM "outcomes" WHERE"#
            ),
            "{sql}"
        );
        // Each use binds the set's ids again, in order.
        let ids = [plan, family].repeat(4);
        let ids: Vec<Value> = ids.into_iter().map(|id| Value::Uuid(Some(id))).collect();
        assert_eq!(bound.values.map(|v| v.0), Some(ids));
    }

    #[test]
    fn branches_share_slots_of_their_columns_types() {
        for backend in [DatabaseBackend::Postgres, DatabaseBackend::Sqlite] {
            let union = example(backend, &[Uuid::nil(), Uuid::nil()]);
            let layout = union.layout();
            for (branch, placed) in union.branches.iter().zip(&layout.branches) {
                // Every column has a slot of its own type, and no slot holds two of them.
                assert_eq!(placed.len(), branch.columns.len());
                let mut slots: Vec<usize> = placed.iter().map(|(_, s)| *s).collect();
                slots.sort_unstable();
                slots.dedup();
                assert_eq!(slots.len(), placed.len(), "{backend:?}: {placed:?}");
                for ((name, column_type), (placed_name, slot)) in branch.columns.iter().zip(placed)
                {
                    assert_eq!(name, placed_name);
                    assert_eq!(layout.slots[*slot], typed_null(backend, column_type));
                }
            }
            // As few slots as the widest branch needs of each type.
            let mut needed: std::collections::BTreeMap<String, usize> = Default::default();
            for branch in &union.branches {
                let mut own: std::collections::BTreeMap<String, usize> = Default::default();
                for (_, column_type) in &branch.columns {
                    *own.entry(typed_null(backend, column_type)).or_default() += 1;
                }
                for (null, count) in own {
                    let most = needed.entry(null).or_default();
                    *most = (*most).max(count);
                }
            }
            assert_eq!(
                layout.slots.len(),
                needed.values().sum::<usize>(),
                "{backend:?}"
            );
        }
    }
}
