//! The service's handle on its database: sea-orm's connection, with each statement made
//! outside a transaction run on an idle pooled connection taken without waiting.
//!
//! sqlx's `Pool::acquire` is a future of some 14 KB (it holds the whole of opening a new
//! connection, TLS and authentication included), moved two or three times on its way
//! through sea-orm for every statement: on the plan screen a sixth of all the bytes the
//! process copied, and 4–7% of its instructions (callgrind, PostgreSQL). While a connection
//! is idle, `Pool::try_acquire` hands it over at once; only when none is idle does a
//! statement wait in sea-orm's `acquire`, as before. Transactions, and statements sent
//! unprepared, go through sea-orm unchanged.
use sea_orm::sqlx::{self, AssertSqlSafe, Database as SqlxDatabase, Pool};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, ExecResult, QueryResult,
    RuntimeErr, Statement, Values,
};
use sea_query_sqlx::SqlxValues;
use std::ops::Deref;
use std::sync::Arc;

/// Told of every statement the handle runs, whichever way it goes (the tests count them).
pub type Observer = Arc<dyn Fn(&Statement) + Send + Sync>;

#[derive(Clone)]
pub struct Db {
    connection: DatabaseConnection,
    observer: Option<Observer>,
}

impl Db {
    /// A handle that tells `observer` of every statement it runs: sea-orm's through its
    /// metric hook, the rest here.
    pub fn observed(mut connection: DatabaseConnection, observer: Observer) -> Self {
        let told = observer.clone();
        connection.set_metric_callback(move |info| told(info.statement));
        Self {
            connection,
            observer: Some(observer),
        }
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.connection
    }

    fn observe(&self, statement: &Statement) {
        if let Some(observer) = &self.observer {
            observer(statement);
        }
    }

    /// `statement` run on an idle connection, or None when no connection is idle.
    async fn on_idle(&self, statement: &Statement, way: Way) -> Option<Result<Done, DbErr>> {
        let done = match self.connection.get_database_backend() {
            DatabaseBackend::Postgres => {
                run_on(
                    self.connection.get_postgres_connection_pool(),
                    statement,
                    way,
                )
                .await
            }
            DatabaseBackend::Sqlite => {
                run_on(self.connection.get_sqlite_connection_pool(), statement, way).await
            }
            _ => None,
        };
        if done.is_some() {
            self.observe(statement);
        }
        done
    }
}

/// How a statement is run, and what comes back.
#[derive(Clone, Copy)]
enum Way {
    /// Its first row, if any.
    One,
    /// Every row.
    All,
    /// What it changed.
    Execute,
}

enum Done {
    Rows(Vec<QueryResult>),
    Executed(ExecResult),
}

/// `statement` run on an idle connection of `pool`, in `way`; the connection goes back to
/// the pool when dropped, as sea-orm's do.
async fn run_on<D>(pool: &Pool<D>, statement: &Statement, way: Way) -> Option<Result<Done, DbErr>>
where
    D: SqlxDatabase,
    for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
    SqlxValues: sqlx::IntoArguments<D>,
    D::Row: Into<QueryResult>,
    D::QueryResult: Into<ExecResult>,
{
    let mut connection = pool.try_acquire()?;
    let values = SqlxValues(statement.values.clone().unwrap_or(Values(vec![])));
    let query = sqlx::query_with(AssertSqlSafe(statement.sql.as_str()), values);
    let rows = |rows: Vec<D::Row>| Done::Rows(rows.into_iter().map(Into::into).collect());
    let query_error = |e: sqlx::Error| DbErr::Query(RuntimeErr::SqlxError(e.into()));
    Some(match way {
        Way::One => query
            .fetch_optional(&mut *connection)
            .await
            .map(|row| rows(row.into_iter().collect()))
            .map_err(query_error),
        Way::All => query
            .fetch_all(&mut *connection)
            .await
            .map(rows)
            .map_err(query_error),
        Way::Execute => query
            .execute(&mut *connection)
            .await
            .map(|done| Done::Executed(done.into()))
            .map_err(|e| DbErr::Exec(RuntimeErr::SqlxError(e.into()))),
    })
}

/// What [`Db::on_idle`] returned, as the kind asked for (`way`), or a fault of this module.
fn rows_of(done: Done) -> Result<Vec<QueryResult>, DbErr> {
    match done {
        Done::Rows(rows) => Ok(rows),
        Done::Executed(_) => Err(DbErr::Custom("a read answered as a write".into())),
    }
}

impl From<DatabaseConnection> for Db {
    fn from(connection: DatabaseConnection) -> Self {
        Self {
            connection,
            observer: None,
        }
    }
}

impl Deref for Db {
    type Target = DatabaseConnection;

    fn deref(&self) -> &DatabaseConnection {
        &self.connection
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DatabaseBackend {
        self.connection.get_database_backend()
    }

    async fn execute_raw(&self, statement: Statement) -> Result<ExecResult, DbErr> {
        match self.on_idle(&statement, Way::Execute).await {
            Some(Ok(Done::Executed(done))) => Ok(done),
            Some(Ok(Done::Rows(_))) => Err(DbErr::Custom("a write answered as a read".into())),
            Some(Err(e)) => Err(e),
            None => self.connection.execute_raw(statement).await,
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.connection.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, statement: Statement) -> Result<Option<QueryResult>, DbErr> {
        match self.on_idle(&statement, Way::One).await {
            Some(done) => Ok(rows_of(done?)?.into_iter().next()),
            None => self.connection.query_one_raw(statement).await,
        }
    }

    async fn query_all_raw(&self, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match self.on_idle(&statement, Way::All).await {
            Some(done) => rows_of(done?),
            None => self.connection.query_all_raw(statement).await,
        }
    }

    fn support_returning(&self) -> bool {
        self.connection.support_returning()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::config::Settings;
    use sea_orm::TransactionTrait;
    use std::sync::Mutex;
    use std::time::Duration;

    /// A migrated SQLite database of one connection, its statements written down.
    async fn one_connection(dir: &std::path::Path) -> (Db, Arc<Mutex<Vec<String>>>) {
        let mut settings = Settings::defaults().unwrap();
        settings.database_url = Some(format!("sqlite://{}/one.db?mode=rwc", dir.display()));
        settings.database_max_connections = 1;
        let connection = super::super::connect(&settings).await.unwrap();
        super::super::migrate(&connection).await.unwrap();
        let seen = Arc::new(Mutex::new(vec![]));
        let log = seen.clone();
        let db = Db::observed(
            connection,
            Arc::new(move |s: &Statement| log.lock().unwrap().push(s.sql.clone())),
        );
        (db, seen)
    }

    fn numbers(backend: DatabaseBackend) -> Statement {
        Statement::from_sql_and_values(
            backend,
            "SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT ?",
            [3i32.into()],
        )
    }

    fn read(rows: &[QueryResult]) -> Vec<i32> {
        rows.iter()
            .map(|row| row.try_get_by_index::<i32>(0).unwrap())
            .collect()
    }

    #[tokio::test]
    async fn reads_on_an_idle_connection_or_wait_for_one() {
        let dir = tempfile::tempdir().unwrap();
        let (db, seen) = one_connection(dir.path()).await;
        let backend = db.get_database_backend();

        // The connection is idle: taken at once, with the statement's values bound.
        assert_eq!(
            read(&db.query_all_raw(numbers(backend)).await.unwrap()),
            [1, 2, 3]
        );
        let first = db.query_one_raw(numbers(backend)).await.unwrap();
        assert_eq!(read(&first.into_iter().collect::<Vec<_>>()), [1]);
        let none = Statement::from_string(backend, "SELECT 1 WHERE 1 = 0");
        assert!(db.query_one_raw(none).await.unwrap().is_none());

        // The one connection is in a transaction: a read waits for it, then runs.
        let transaction = db.begin().await.unwrap();
        let waiting = tokio::spawn({
            let db = db.clone();
            async move { db.query_all_raw(numbers(backend)).await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!waiting.is_finished(), "a read took a connection in use");
        transaction.commit().await.unwrap();
        assert_eq!(read(&waiting.await.unwrap().unwrap()), [1, 2, 3]);

        // Each statement told once, whichever way it ran (BEGIN and COMMIT are not).
        assert_eq!(seen.lock().unwrap().len(), 4, "{:?}", seen.lock().unwrap());
    }

    #[tokio::test]
    async fn writes_on_an_idle_connection_or_wait_for_one() {
        let dir = tempfile::tempdir().unwrap();
        let (db, seen) = one_connection(dir.path()).await;
        let backend = db.get_database_backend();
        let insert = move |n: i32| {
            Statement::from_sql_and_values(backend, "INSERT INTO t (n) VALUES (?)", [n.into()])
        };
        let create = Statement::from_string(backend, "CREATE TABLE t (n INTEGER)");
        db.execute_raw(create).await.unwrap();
        assert_eq!(db.execute_raw(insert(1)).await.unwrap().rows_affected(), 1);

        let transaction = db.begin().await.unwrap();
        let waiting = tokio::spawn({
            let db = db.clone();
            async move { db.execute_raw(insert(2)).await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!waiting.is_finished(), "a write took a connection in use");
        transaction.commit().await.unwrap();
        assert_eq!(waiting.await.unwrap().unwrap().rows_affected(), 1);

        let all = Statement::from_string(backend, "SELECT n FROM t ORDER BY n");
        assert_eq!(read(&db.query_all_raw(all).await.unwrap()), [1, 2]);
        assert_eq!(seen.lock().unwrap().len(), 4, "{:?}", seen.lock().unwrap());
        let duplicate = Statement::from_string(backend, "CREATE TABLE t (n INTEGER)");
        let err = db.execute_raw(duplicate).await.unwrap_err();
        assert!(matches!(err, DbErr::Exec(_)), "{err:?}");
    }

    #[tokio::test]
    async fn a_failed_read_is_a_query_error_and_is_told() {
        let dir = tempfile::tempdir().unwrap();
        let (db, seen) = one_connection(dir.path()).await;
        let wrong = Statement::from_string(db.get_database_backend(), "SELECT * FROM nowhere");
        let err = db.query_all_raw(wrong).await.unwrap_err();
        assert!(matches!(err, DbErr::Query(_)), "{err:?}");
        assert!(!super::super::is_unavailable(&err));
        assert_eq!(*seen.lock().unwrap(), ["SELECT * FROM nowhere"]);
    }
}
