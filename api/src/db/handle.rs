//! The service's handle on its database: sea-orm's connection, with each statement made
//! outside a transaction run on a connection taken without waiting, and kept for the next.
//!
//! sqlx's `Pool::acquire` is a future of some 14 KB (it holds the whole of opening a new
//! connection, TLS and authentication included), moved two or three times on its way
//! through sea-orm for every statement: on the plan screen a sixth of all the bytes the
//! process copied, and 4–7% of its instructions (callgrind, PostgreSQL). While a connection
//! is idle, `Pool::try_acquire` hands it over at once; only when none is idle does a
//! statement wait in sea-orm's `acquire`, as before. Transactions, and statements sent
//! unprepared, go through sea-orm unchanged.
//!
//! A connection given back to sqlx's pool is given back by a task spawned for it, which
//! first asks the database whether the connection still answers (a round trip: `Sync` on
//! PostgreSQL, a message to the connection's thread on SQLite). Paid after every statement,
//! that check cost the benchmark's hand-written floor a quarter of its throughput at ten
//! clients. So a connection whose statement completed is kept here, most recently used
//! first, for the next statement ([`Kept`]); the statement that completed is the check. At
//! most half the pool is kept.
//!
//! Nobody who waits for a connection may be left waiting while connections go from
//! statement to statement: a statement or a write transaction ([`super::begin_write`]) of
//! the handle that finds no connection kept or idle waits in the pool's queue, and for each
//! one waiting there, the next connection whose statement completes goes back to the pool
//! instead of being kept (a transaction that begins when the pool has none idle has the one
//! kept longest given back at once). No connection is kept for longer than a quarter of
//! the pool's acquire timeout (at most [`KEEP_FOR`]), so that sqlx still checks each
//! connection's age and health, and so that whoever waits for the pool outside the handle
//! (the background jobs) gets one in good time too.
use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::{self, AssertSqlSafe, Database as SqlxDatabase, Pool, Postgres, Sqlite};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, ExecResult, QueryResult,
    RuntimeErr, Statement, Values,
};
use sea_query_sqlx::SqlxValues;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The longest a connection is kept out of sqlx's pool, from when it was taken from it.
const KEEP_FOR: Duration = Duration::from_secs(10);

/// Told of every statement the handle runs, whichever way it goes (the tests count them).
pub type Observer = Arc<dyn Fn(&Statement) + Send + Sync>;

#[derive(Clone)]
pub struct Db {
    connection: DatabaseConnection,
    observer: Option<Observer>,
    kept: Arc<KeptOf>,
}

/// The connections kept, of the pool's kind.
enum KeptOf {
    Postgres(Kept<Postgres>),
    Sqlite(Kept<Sqlite>),
    Neither,
}

/// `$body` with `$kept` the connections `$db` keeps, whichever kind its pool is; `$neither`
/// for a pool of neither kind.
macro_rules! with_kept {
    ($db:expr, $kept:ident => $body:expr, $neither:expr) => {
        match &*$db.kept {
            KeptOf::Postgres($kept) => $body,
            KeptOf::Sqlite($kept) => $body,
            KeptOf::Neither => $neither,
        }
    };
}

impl KeptOf {
    fn of(connection: &DatabaseConnection) -> Self {
        match connection.get_database_backend() {
            DatabaseBackend::Postgres => {
                KeptOf::Postgres(Kept::of(connection.get_postgres_connection_pool()))
            }
            DatabaseBackend::Sqlite => {
                KeptOf::Sqlite(Kept::of(connection.get_sqlite_connection_pool()))
            }
            _ => KeptOf::Neither,
        }
    }
}

/// Connections taken from sqlx's pool and kept between statements, and who waits for one.
struct Kept<D: SqlxDatabase> {
    pool: Pool<D>,
    state: Mutex<State<D>>,
    /// The pool's size at most; half of it may be kept.
    max: u32,
    keep_for: Duration,
}

/// A connection taken from sqlx's pool, with when it was taken.
type Taken<D> = (PoolConnection<D>, Instant);

struct State<D: SqlxDatabase> {
    /// The most recently used last.
    connections: Vec<Taken<D>>,
    /// Statements and transactions of the handle waiting in the pool's queue.
    waiting: usize,
    /// How many of them no connection has been given back for yet.
    owed: usize,
}

/// A statement or transaction counted as waiting for the pool, until dropped.
pub struct Waiting<'a>(&'a dyn WaitsForThePool);

trait WaitsForThePool: Sync {
    fn stop_waiting(&self);
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.stop_waiting();
    }
}

impl<D: SqlxDatabase> WaitsForThePool for Kept<D> {
    fn stop_waiting(&self) {
        let mut state = self.state();
        state.waiting -= 1;
        state.owed = state.owed.min(state.waiting);
    }
}

impl<D: SqlxDatabase> Kept<D> {
    /// At most half the pool: the rest stays for transactions and for sea-orm's own use.
    fn of(pool: &Pool<D>) -> Self {
        let options = pool.options();
        Self {
            pool: pool.clone(),
            state: Mutex::new(State {
                connections: vec![],
                waiting: 0,
                owed: 0,
            }),
            max: options.get_max_connections(),
            keep_for: KEEP_FOR.min(options.get_acquire_timeout() / 4),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State<D>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A connection for a statement, with when it was taken from the pool: the one used
    /// last, if it may still be kept, or else an idle one of the pool. When there is
    /// neither, the statement is counted as waiting for the pool, where the next connection
    /// whose statement completes goes back for it.
    fn take(&self) -> Result<Taken<D>, Waiting<'_>> {
        let mut state = self.state();
        while let Some((connection, since)) = state.connections.pop() {
            if since.elapsed() < self.keep_for {
                return Ok((connection, since));
            }
            // Kept long enough: dropped, it goes back to the pool, which checks it.
        }
        match self.pool.try_acquire() {
            Some(connection) => Ok((connection, Instant::now())),
            None => {
                state.waiting += 1;
                state.owed += 1;
                Err(Waiting(self))
            }
        }
    }

    /// Keeps a connection whose statement completed, if nobody waiting for the pool is owed
    /// one, there is room and it is not due back; otherwise it goes back to the pool.
    fn keep(&self, connection: PoolConnection<D>, since: Instant) {
        if since.elapsed() >= self.keep_for || self.pool.is_closed() {
            return;
        }
        let mut state = self.state();
        if state.owed > 0 {
            state.owed -= 1;
        } else if state.connections.len() < self.max as usize / 2 {
            state.connections.push((connection, since));
            return;
        }
        drop(state);
        drop(connection);
    }

    /// Gives every kept connection back to the pool.
    fn give_back(&self) {
        let kept = std::mem::take(&mut self.state().connections);
        drop(kept);
    }

    /// Closes the pool: no connection is kept once it is marked closed, so that closing
    /// does not wait for the kept ones.
    async fn close(&self) {
        let closing = self.pool.close();
        self.give_back();
        closing.await;
    }

    /// Counts a transaction as waiting in the pool's queue. When the pool has no idle
    /// connection and may open no more, the one kept longest goes back for it at once, or
    /// else the next whose statement completes.
    fn wait_for_a_transaction(&self) -> Waiting<'_> {
        let oldest = {
            let mut state = self.state();
            state.waiting += 1;
            let full = self.pool.num_idle() == 0 && self.pool.size() >= self.max;
            let oldest =
                (full && !state.connections.is_empty()).then(|| state.connections.remove(0));
            if full && oldest.is_none() {
                state.owed += 1;
            }
            oldest
        };
        drop(oldest);
        Waiting(self)
    }
}

impl Db {
    /// A handle that tells `observer` of every statement it runs: sea-orm's through its
    /// metric hook, the rest here.
    pub fn observed(mut connection: DatabaseConnection, observer: Observer) -> Self {
        let told = observer.clone();
        connection.set_metric_callback(move |info| told(info.statement));
        Self {
            kept: Arc::new(KeptOf::of(&connection)),
            connection,
            observer: Some(observer),
        }
    }

    /// Counts a transaction about to begin as waiting for the pool, until the returned
    /// value is dropped.
    pub(crate) fn wait_for_a_transaction(&self) -> Option<Waiting<'_>> {
        with_kept!(self, kept => Some(kept.wait_for_a_transaction()), None)
    }

    /// Gives every kept connection back to the pool (for a test that means to hold the
    /// whole pool itself).
    pub fn give_back_kept(&self) {
        with_kept!(self, kept => kept.give_back(), ())
    }

    /// Closes the pool, waiting for every connection to be closed (the kept ones first).
    pub async fn close(&self) {
        with_kept!(self, kept => kept.close().await, {
            let _ = self.connection.close_by_ref().await;
        })
    }

    /// How many connections are kept.
    #[cfg(test)]
    fn kept(&self) -> usize {
        with_kept!(self, kept => kept.state().connections.len(), 0)
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.connection
    }

    fn observe(&self, statement: &Statement) {
        if let Some(observer) = &self.observer {
            observer(statement);
        }
    }

    /// `statement` run on a kept or idle connection; or else the caller, counted as
    /// waiting for the pool, runs it through sea-orm (None for a pool of neither kind).
    async fn on_idle(&self, statement: &Statement, way: Way) -> OnIdle<'_> {
        let done = with_kept!(self, kept => run_on(kept, statement, way).await, OnIdle::Wait(None));
        if let OnIdle::Done(_) = done {
            self.observe(statement);
        }
        done
    }
}

/// What [`Db::on_idle`] did.
enum OnIdle<'a> {
    Done(Result<Done, DbErr>),
    /// No connection kept or idle: run the statement through sea-orm, which waits for one.
    Wait(Option<Waiting<'a>>),
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

/// `statement` run in `way` on a kept connection or an idle one of the pool. The connection
/// is kept when the statement completed; when it failed, or when the statement is given up
/// half-way (its request gone), the connection goes back to the pool, which checks it.
async fn run_on<'a, D>(kept: &'a Kept<D>, statement: &Statement, way: Way) -> OnIdle<'a>
where
    D: SqlxDatabase,
    for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
    SqlxValues: sqlx::IntoArguments<D>,
    D::Row: Into<QueryResult>,
    D::QueryResult: Into<ExecResult>,
{
    let (mut connection, since) = match kept.take() {
        Ok(taken) => taken,
        Err(waiting) => return OnIdle::Wait(Some(waiting)),
    };
    let values = SqlxValues(statement.values.clone().unwrap_or(Values(vec![])));
    let query = sqlx::query_with(AssertSqlSafe(statement.sql.as_str()), values);
    let rows = |rows: Vec<D::Row>| Done::Rows(rows.into_iter().map(Into::into).collect());
    let query_error = |e: sqlx::Error| DbErr::Query(RuntimeErr::SqlxError(e.into()));
    let done = match way {
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
    };
    if done.is_ok() {
        kept.keep(connection, since);
    }
    OnIdle::Done(done)
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
            kept: Arc::new(KeptOf::of(&connection)),
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
            OnIdle::Done(Ok(Done::Executed(done))) => Ok(done),
            OnIdle::Done(Ok(Done::Rows(_))) => {
                Err(DbErr::Custom("a write answered as a read".into()))
            }
            OnIdle::Done(Err(e)) => Err(e),
            OnIdle::Wait(_waiting) => self.connection.execute_raw(statement).await,
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.connection.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, statement: Statement) -> Result<Option<QueryResult>, DbErr> {
        match self.on_idle(&statement, Way::One).await {
            OnIdle::Done(done) => Ok(rows_of(done?)?.into_iter().next()),
            OnIdle::Wait(_waiting) => self.connection.query_one_raw(statement).await,
        }
    }

    async fn query_all_raw(&self, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match self.on_idle(&statement, Way::All).await {
            OnIdle::Done(done) => rows_of(done?),
            OnIdle::Wait(_waiting) => self.connection.query_all_raw(statement).await,
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
    use sea_orm::{DatabaseTransaction, TransactionTrait};
    use std::sync::Mutex;
    use std::time::Duration;

    /// A migrated SQLite database of one connection, its statements written down.
    async fn one_connection(dir: &std::path::Path) -> (Db, Arc<Mutex<Vec<String>>>) {
        pool_of(dir, 1).await
    }

    /// A migrated SQLite database with a pool of `size` connections, its statements
    /// written down.
    async fn pool_of(dir: &std::path::Path, size: u32) -> (Db, Arc<Mutex<Vec<String>>>) {
        let mut settings = Settings::defaults().unwrap();
        settings.database_url = Some(format!("sqlite://{}/one.db?mode=rwc", dir.display()));
        settings.database_max_connections = size;
        settings.database_acquire_timeout = Duration::from_secs(1);
        let connection = patiently(|| super::super::connect(&settings)).await;
        super::super::migrate(&connection).await.unwrap();
        let seen = Arc::new(Mutex::new(vec![]));
        let log = seen.clone();
        let db = Db::observed(
            connection,
            Arc::new(move |s: &Statement| log.lock().unwrap().push(s.sql.clone())),
        );
        (db, seen)
    }

    /// What a test sets up, tried again when the pool's second runs out. Opening is not
    /// what these tests test, and on a loaded machine (CI runs the suites side by side) a
    /// new SQLite file's connection, its journal switched to WAL and synced, has taken
    /// longer than the second they give the pool.
    async fn patiently<T, E: std::fmt::Debug, F: std::future::Future<Output = Result<T, E>>>(
        mut attempt: impl FnMut() -> F,
    ) -> T {
        let mut failed = 0;
        loop {
            match attempt().await {
                Ok(value) => return value,
                Err(_) if failed < 4 => failed += 1,
                Err(e) => panic!("set-up failed five times: {e:?}"),
            }
        }
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

    /// Opens every connection of the pool (transactions held at once), then lets them go
    /// and waits until they are idle.
    async fn fill(db: &Db, size: u32) {
        let mut open: Vec<DatabaseTransaction> = vec![];
        for _ in 0..size {
            open.push(patiently(|| db.connection().begin()).await);
        }
        for transaction in open {
            transaction.commit().await.unwrap();
        }
        // Each goes back to the pool's idle ones by a task of its own.
        let pool = db.connection().get_sqlite_connection_pool();
        while pool.num_idle() < size as usize {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(pool.size(), size);
    }

    /// A pool of `size` connections, every one opened and idle.
    async fn filled(size: u32) -> (tempfile::TempDir, Db, Arc<Mutex<Vec<String>>>) {
        let dir = tempfile::tempdir().unwrap();
        let (db, seen) = pool_of(dir.path(), size).await;
        fill(&db, size).await;
        (dir, db, seen)
    }

    /// A statement runs on the connection the one before it used (a temporary table is the
    /// connection's own), not on the next one idle in the pool, which sqlx hands out oldest
    /// first: no connection goes back to the pool between statements.
    #[tokio::test]
    async fn statements_one_after_another_share_a_connection() {
        let (_dir, db, _) = filled(4).await;
        let backend = db.get_database_backend();
        let here = Statement::from_string(backend, "CREATE TEMP TABLE here (n INTEGER)");
        db.execute_raw(here).await.unwrap();
        for _ in 0..12 {
            let count = Statement::from_string(backend, "SELECT count(*) FROM here");
            let rows = db.query_all_raw(count).await.unwrap();
            assert_eq!(read(&rows), [0]);
        }
        assert_eq!(db.kept(), 1);
    }

    /// However many statements run at once, at most half the pool is kept; each statement
    /// answers as it should. (While some wait for the pool, those that complete keep
    /// nothing: once all have answered, the next statement keeps its connection.)
    #[tokio::test]
    async fn at_most_half_the_pool_is_kept() {
        let (_dir, db, seen) = filled(4).await;
        let backend = db.get_database_backend();
        let reads = (0..16).map(|_| {
            let db = db.clone();
            tokio::spawn(async move { db.query_all_raw(numbers(backend)).await })
        });
        for read_ in futures::future::join_all(reads).await {
            assert_eq!(read(&read_.unwrap().unwrap()), [1, 2, 3]);
        }
        assert!(db.kept() <= 2, "{} kept", db.kept());
        // Those given back reach the pool's idle ones by tasks of their own.
        let pool = db.connection().get_sqlite_connection_pool();
        while pool.num_idle() + db.kept() < 4 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        db.query_all_raw(numbers(backend)).await.unwrap();
        assert!((1..=2).contains(&db.kept()), "{} kept", db.kept());
        assert_eq!(seen.lock().unwrap().len(), 17);
    }

    /// A statement that failed gives its connection back to the pool, which checks it.
    #[tokio::test]
    async fn a_connection_whose_statement_failed_is_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = pool_of(dir.path(), 4).await;
        let backend = db.get_database_backend();
        db.query_all_raw(numbers(backend)).await.unwrap();
        assert_eq!(db.kept(), 1);
        let wrong = Statement::from_string(backend, "SELECT * FROM nowhere");
        db.query_all_raw(wrong).await.unwrap_err();
        assert_eq!(db.kept(), 0);
    }

    /// A write transaction begun through the handle when the pool has no idle connection
    /// gets the one kept, instead of waiting out the pool's timeout.
    #[tokio::test]
    async fn a_transaction_gets_a_kept_connection_when_none_is_idle() {
        let (_dir, db, _) = filled(2).await;
        let backend = db.get_database_backend();
        db.query_all_raw(numbers(backend)).await.unwrap();
        assert_eq!(db.kept(), 1);
        // The idle connection taken by a transaction that only reads (a write transaction
        // would hold SQLite's write lock, for which the next one would wait).
        let first = db.connection().begin().await.unwrap();
        assert_eq!(db.kept(), 1);
        let second = tokio::time::timeout(Duration::from_secs(5), super::super::begin_write(&db))
            .await
            .expect("the transaction waited for the pool's timeout")
            .expect("the transaction got the kept connection");
        assert_eq!(db.kept(), 0);
        second.commit().await.unwrap();
        first.commit().await.unwrap();
    }

    /// A task reading on `db`, one statement after another, until `until`; how many it read.
    fn reading_until(db: &Db, until: Instant) -> tokio::task::JoinHandle<Result<usize, DbErr>> {
        let db = db.clone();
        tokio::spawn(async move {
            let mut answered = 0;
            while Instant::now() < until {
                db.query_all_raw(numbers(db.get_database_backend())).await?;
                answered += 1;
            }
            Ok(answered)
        })
    }

    /// While a statement waits for the pool (every connection busy), a connection whose
    /// statement completed goes back to the pool for it instead of being kept: two readers
    /// sharing the one connection a transaction leaves both get it in turn, for longer than
    /// the pool's timeout, where the one kept would go from statement to statement of the
    /// other and the one waiting would time out.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_statement_waiting_for_the_pool_gets_a_connection_that_completes() {
        let (_dir, db, _) = filled(2).await;
        let held = db.connection().begin().await.unwrap();
        let until = Instant::now() + Duration::from_millis(2500);
        let readers = [reading_until(&db, until), reading_until(&db, until)];
        for reader in futures::future::join_all(readers).await {
            let answered = reader
                .unwrap()
                .expect("a statement waited out the pool's timeout");
            assert!(answered > 0);
        }
        held.commit().await.unwrap();
    }

    /// A write transaction that waits for the pool while a reader goes from statement to
    /// statement on the one connection left gets it when the reader's statement completes.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_transaction_waiting_for_the_pool_gets_a_connection_that_completes() {
        let (_dir, db, _) = filled(2).await;
        let held = db.connection().begin().await.unwrap();
        let reader = reading_until(&db, Instant::now() + Duration::from_millis(1500));
        tokio::time::sleep(Duration::from_millis(100)).await;
        for _ in 0..5 {
            let transaction = super::super::begin_write(&db)
                .await
                .expect("the transaction waited out the pool's timeout");
            transaction.commit().await.unwrap();
        }
        reader.await.unwrap().unwrap();
        held.commit().await.unwrap();
    }

    /// Whoever waits for the pool outside the handle (a background job) is not left to time
    /// out while a reader goes from statement to statement on the one connection a
    /// transaction leaves: no connection is kept for longer than a quarter of the pool's
    /// timeout.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_waiting_outside_the_handle_gets_a_connection_in_time() {
        let (_dir, db, _) = filled(2).await;
        let backend = db.get_database_backend();
        let held = db.connection().begin().await.unwrap();
        let until = Instant::now() + Duration::from_millis(2500);
        let reader = reading_until(&db, until);
        // The reader has the connection to itself for a while, then the job asks.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut answered = 0;
        while Instant::now() < until {
            let job = db.connection().query_all_raw(numbers(backend)).await;
            assert_eq!(
                read(&job.expect("the job waited out the pool's timeout")),
                [1, 2, 3]
            );
            answered += 1;
        }
        assert!(answered > 0);
        reader.await.unwrap().unwrap();
        held.commit().await.unwrap();
    }

    /// Closing the pool does not wait for the connections kept: they are closed with it.
    #[tokio::test]
    async fn closing_the_pool_closes_the_kept_connections() {
        let (_dir, db, _) = filled(4).await;
        let backend = db.get_database_backend();
        db.query_all_raw(numbers(backend)).await.unwrap();
        assert_eq!(db.kept(), 1);
        tokio::time::timeout(Duration::from_secs(5), db.close())
            .await
            .expect("closing waited for a kept connection");
        assert_eq!(db.kept(), 0);
        assert_eq!(db.connection().get_sqlite_connection_pool().size(), 0);
    }
}
