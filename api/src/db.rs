//! Connecting to the database, applying migrations, and starting write transactions.
use crate::config::{DatabaseKind, Settings};
use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::time::Duration;

mod handle;
pub use handle::{Db, Observer, Waiting};

pub async fn connect(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(settings.database_url());
    options
        .max_connections(settings.database_max_connections)
        .min_connections(1)
        .acquire_timeout(settings.database_acquire_timeout)
        // No liveness query before every acquire (a round trip per statement on the plan
        // screen); a broken connection fails its statement and the pool replaces it.
        .test_before_acquire(false)
        // Statements carry family data: never log them.
        .sqlx_logging(false);
    if let DatabaseKind::Sqlite = settings.database_kind()? {
        if settings.database_url.is_none() {
            std::fs::create_dir_all(&settings.data_dir).with_context(|| {
                format!(
                    "could not create the data folder {}",
                    settings.data_dir.display()
                )
            })?;
        }
        let cache_size = format!("-{}", settings.sqlite_cache_kib);
        options.map_sqlx_sqlite_opts(move |o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .pragma("cache_size", cache_size.clone())
        });
    }
    Database::connect(options)
        .await
        .context("could not connect to the database")
}

/// A new, migrated SQLite database in `dir`, for unit tests.
#[cfg(test)]
pub(crate) async fn scratch(dir: &std::path::Path) -> DatabaseConnection {
    let mut settings = Settings::defaults().expect("default settings");
    settings.database_url = Some(format!("sqlite://{}/scratch.db?mode=rwc", dir.display()));
    let db = connect(&settings).await.expect("a scratch database");
    migrate(&db)
        .await
        .expect("migrations on a scratch database");
    db
}

/// A scratch database holding the demo county (`domain::demo`), for unit tests.
#[cfg(test)]
pub(crate) async fn scratch_with_demo(dir: &std::path::Path) -> DatabaseConnection {
    let db = scratch(dir).await;
    let clocks = Settings::defaults()
        .and_then(|s| s.support_clocks())
        .expect("default support clocks");
    let loaded = crate::domain::demo::load(&db, chrono::Utc::now(), &clocks).await;
    assert!(
        loaded.expect("the demo loads"),
        "the demo loads into an empty database"
    );
    db
}

pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("could not apply the database migrations")
}

/// Where a write transaction begins: the service's handle, which counts the transaction as
/// waiting for the pool while it begins (and gives back a connection it keeps when the pool
/// has none idle), or a plain connection (jobs, the command line).
pub trait BeginsWrites {
    fn for_a_transaction(&self) -> (&DatabaseConnection, Option<Waiting<'_>>);
}

impl BeginsWrites for DatabaseConnection {
    fn for_a_transaction(&self) -> (&DatabaseConnection, Option<Waiting<'_>>) {
        (self, None)
    }
}

impl BeginsWrites for Db {
    fn for_a_transaction(&self) -> (&DatabaseConnection, Option<Waiting<'_>>) {
        (self.connection(), self.wait_for_a_transaction())
    }
}

/// Begins a transaction that will write. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`) so that it waits for other writers instead of failing half-way.
pub async fn begin_write(db: &impl BeginsWrites) -> Result<DatabaseTransaction, DbErr> {
    let (db, _waiting) = db.for_a_transaction();
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Whether a database error means the database is unreachable, restarting or saturated (the
/// request may succeed if retried shortly), rather than a fault in the request or the code.
pub fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    let sqlx = match err {
        // No connection to be had: the pool is exhausted or the server refuses connections
        // (restarting, or not accepting them: SQLSTATE 55000, 57P03).
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        _ => return false,
    };
    match sqlx.as_ref() {
        Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::Protocol(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed => true,
        Sqlx::Database(db) => db.code().is_some_and(|code| unavailable_code(&code)),
        _ => false,
    }
}

/// PostgreSQL (five-character SQLSTATE): connection exceptions (08…), shutdown and start-up
/// (57P01–57P03), too many connections (53300). SQLite (a number of at most four digits):
/// busy or locked (5, 6 and their extended codes).
fn unavailable_code(code: &str) -> bool {
    if code.len() == 5 {
        code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300")
    } else {
        code.parse::<i32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use sea_orm::{ConnectionTrait, Statement};

    /// A pooled SQLite connection has the page cache the settings give it.
    #[tokio::test]
    async fn sqlite_connections_have_the_page_cache_set() {
        let dir = tempfile::tempdir().unwrap();
        for kib in [2000, 512] {
            let mut settings = Settings::defaults().unwrap();
            settings.database_url = Some(format!(
                "sqlite://{}/cache-{kib}.db?mode=rwc",
                dir.path().display()
            ));
            settings.sqlite_cache_kib = kib;
            let db = connect(&settings).await.unwrap();
            let asked = Statement::from_string(db.get_database_backend(), "PRAGMA cache_size");
            let row = db.query_one_raw(asked).await.unwrap().unwrap();
            assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), -i64::from(kib));
        }
    }
}
