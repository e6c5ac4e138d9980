//! Connecting to the database, applying migrations, and starting write transactions.
use crate::config::{DatabaseKind, Settings};
use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::PgSslMode;
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
    if plain_on_loopback(&settings.database_url(), |name| {
        std::env::var_os(name).is_some()
    }) {
        let mut plain = options.clone();
        plain.map_sqlx_postgres_opts(|o| o.ssl_mode(PgSslMode::Disable));
        match Database::connect(plain).await {
            Ok(db) => return Ok(db),
            // E.g. `hostssl` in pg_hba.conf (the server wants TLS even here), or no server
            // at all. The error is not logged (it may name the database and user): the
            // attempt below reports its own.
            Err(_) => tracing::info!(
                "no connection without TLS to the database on this host; connecting as the URL allows"
            ),
        }
    }
    Database::connect(options)
        .await
        .context("could not connect to the database")
}

/// Whether to reach PostgreSQL without TLS although the URL leaves TLS to the default.
///
/// sqlx's default (`sslmode=prefer`, as libpq's) encrypts a connection to a database on this
/// host whenever the server offers TLS, as Debian's does. On the loopback it protects nothing
/// (whoever can read it can read this process) and costs both processes: a tenth to a fifth of
/// a plan screen (README, Benchmarks). So when the URL names a loopback host and says nothing
/// of TLS — no `ssl…` parameter, no `PGSSL…` variable (`is_set`) — the pool connects without
/// it, and with the URL's default only if the server refuses that. A database on another host,
/// or any word about TLS, is left exactly as the operator wrote it.
fn plain_on_loopback(url: &str, is_set: impl Fn(&str) -> bool) -> bool {
    let Ok(url) = url::Url::parse(url) else {
        return false;
    };
    if !matches!(url.scheme(), "postgres" | "postgresql") {
        return false;
    }
    let mut host = url.host_str().map(str::to_owned);
    for (key, value) in url.query_pairs() {
        if key.starts_with("ssl") {
            return false;
        }
        if key == "host" || key == "hostaddr" {
            host = Some(value.into_owned());
        }
    }
    if ["PGSSLMODE", "PGSSLROOTCERT", "PGSSLCERT", "PGSSLKEY"]
        .iter()
        .any(|name| is_set(name))
    {
        return false;
    }
    let Some(host) = host else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback())
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

    #[test]
    fn a_database_on_this_host_is_reached_without_tls_unless_tls_is_mentioned() {
        let nothing_set = |_: &str| false;
        for url in [
            "postgres://postgres@127.0.0.1:5432/fp",
            "postgresql://u:p@localhost/fp?application_name=x",
            "postgres://u@LOCALHOST/fp",
            "postgres://u@127.0.0.2/fp",
            "postgres://u@[::1]:5432/fp",
            "postgres://u@db.example.org/fp?host=127.0.0.1",
        ] {
            assert!(plain_on_loopback(url, nothing_set), "{url}");
        }
        for url in [
            "postgres://u@db.example.org/fp",
            "postgres://u@10.0.0.5/fp",
            "postgres://u@127.0.0.1/fp?host=db.example.org",
            "postgres:///fp?host=/var/run/postgresql",
            "postgres://u@127.0.0.1/fp?sslmode=prefer",
            "postgres://u@127.0.0.1/fp?ssl-mode=require",
            "postgres://u@localhost/fp?sslrootcert=/etc/ca.pem",
            "postgres://u@localhost/fp?sslcert=/etc/me.pem&sslkey=/etc/me.key",
            "sqlite://data/family-plan.db?mode=rwc",
            "not a url",
        ] {
            assert!(!plain_on_loopback(url, nothing_set), "{url}");
        }
        for variable in ["PGSSLMODE", "PGSSLROOTCERT", "PGSSLCERT", "PGSSLKEY"] {
            let only_it = |name: &str| name == variable;
            assert!(
                !plain_on_loopback("postgres://u@127.0.0.1/fp", only_it),
                "{variable} is a word about TLS"
            );
        }
    }

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
