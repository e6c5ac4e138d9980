//! One statement that reads rows of several tables at once (`UNION ALL`), so that a screen
//! needing five kinds of row costs one round trip instead of five.
//!
//! Every branch selects every column of every branch, its own under its prefix and the
//! others as typed `NULL`s, plus the branch's number; each row is then read back as the
//! model of its own branch with sea-orm's prefixed `FromQueryResult`. The statement's shape
//! depends only on the branches, never on how many rows or ids there are, so the database
//! prepares it once.
use crate::error::AppResult;
use sea_orm::sea_query::{Alias, ColumnType, Condition, Expr, Query, SelectStatement, UnionType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, FromQueryResult, IdenStatic,
    Iterable, QueryResult,
};

const BRANCH: &str = "branch";

/// One table's part of the statement.
struct Branch {
    table: Alias,
    prefix: &'static str,
    /// Column name and type, in the entity's declaration order.
    columns: Vec<(String, ColumnType)>,
    condition: Condition,
}

/// A statement under construction: add branches, then [`Union::rows`].
#[derive(Default)]
pub struct Union {
    branches: Vec<Branch>,
}

/// The rows of a union, each tagged with the number of its branch (from 0, in the order
/// the branches were added).
pub struct Rows(Vec<(usize, QueryResult)>);

impl Union {
    /// Adds the rows of `E` that meet `condition`, read back with `prefix`; returns the
    /// branch's number.
    pub fn branch<E: EntityTrait>(&mut self, prefix: &'static str, condition: Condition) -> usize {
        let columns = E::Column::iter()
            .map(|c| (c.as_str().to_owned(), c.def().get_column_type().clone()))
            .collect();
        self.branches.push(Branch {
            table: Alias::new(E::default().table_name()),
            prefix,
            columns,
            condition,
        });
        self.branches.len() - 1
    }

    fn select(&self, backend: DatabaseBackend, own: usize) -> SelectStatement {
        let mut select = Query::select();
        select.expr_as(Expr::cust(own.to_string()), Alias::new(BRANCH));
        for (i, branch) in self.branches.iter().enumerate() {
            for (name, column_type) in &branch.columns {
                let alias = Alias::new(format!("{}{name}", branch.prefix));
                if i == own {
                    select.expr_as(Expr::col((branch.table.clone(), Alias::new(name))), alias);
                } else {
                    select.expr_as(Expr::cust(typed_null(backend, column_type)), alias);
                }
            }
        }
        let branch = &self.branches[own];
        select
            .from(branch.table.clone())
            .cond_where(branch.condition.clone());
        select
    }

    /// Runs the statement.
    pub async fn rows(&self, db: &impl ConnectionTrait) -> AppResult<Rows> {
        let backend = db.get_database_backend();
        let Some(mut statement) = (!self.branches.is_empty()).then(|| self.select(backend, 0))
        else {
            return Ok(Rows(vec![]));
        };
        statement
            .unions((1..self.branches.len()).map(|i| (UnionType::All, self.select(backend, i))));
        let rows = db.query_all(&statement).await?;
        let mut tagged = Vec::with_capacity(rows.len());
        for row in rows {
            let branch: i32 = row.try_get("", BRANCH)?;
            tagged.push((usize::try_from(branch).unwrap_or(usize::MAX), row));
        }
        Ok(Rows(tagged))
    }
}

impl Rows {
    /// The rows of one branch, as models of its table.
    pub fn of<M: FromQueryResult>(&self, union: &Union, branch: usize) -> AppResult<Vec<M>> {
        let prefix = union.branches.get(branch).map_or("", |b| b.prefix);
        self.0
            .iter()
            .filter(|(b, _)| *b == branch)
            .map(|(_, row)| Ok(M::from_query_result(row, prefix)?))
            .collect()
    }
}

/// A `NULL` that PostgreSQL can line up with the column it stands in for: in a union, an
/// untyped `NULL` in the first branches is taken for text. SQLite needs no type.
fn typed_null(backend: DatabaseBackend, column_type: &ColumnType) -> String {
    if backend != DatabaseBackend::Postgres {
        return "NULL".to_owned();
    }
    let name = match column_type {
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
    };
    format!("CAST(NULL AS {name})")
}
