//! Test harness: each test starts the real router on port 0 with its own fresh database,
//! SQLite always and PostgreSQL when `FAMILY_PLAN_TEST_DATABASE_URL` is set, and talks HTTP to it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use api::app::AppState;
use api::clock::Clock;
use api::config::Settings;
use clap::Parser;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::oneshot;

pub use serde_json;

pub mod browser;
pub mod live;
pub mod native_push;
pub mod passkeys;
pub mod query_plans;
pub mod screens;
pub mod smtp;
pub mod stories;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server to create per-test databases on, when one is configured.
pub fn postgres_url() -> Option<String> {
    std::env::var("FAMILY_PLAN_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// Runs one test body against a fresh app on `backend`.
/// Without a PostgreSQL URL the PostgreSQL run is skipped, except in CI, where it must run.
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    if backend == Backend::Postgres && postgres_url().is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must set FAMILY_PLAN_TEST_DATABASE_URL so that tests run on PostgreSQL"
        );
        eprintln!("PostgreSQL not configured (FAMILY_PLAN_TEST_DATABASE_URL); not run on it");
        return;
    }
    test(TestApp::spawn(backend).await).await;
}

/// Like [`run`], with settings adjusted by `configure` (e.g. no email worker).
pub async fn run_with<F, Fut>(backend: Backend, configure: impl FnOnce(&mut Settings), test: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    if backend == Backend::Postgres && postgres_url().is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must set FAMILY_PLAN_TEST_DATABASE_URL so that tests run on PostgreSQL"
        );
        eprintln!("PostgreSQL not configured (FAMILY_PLAN_TEST_DATABASE_URL); not run on it");
        return;
    }
    test(TestApp::spawn_with(backend, configure).await).await;
}

/// Declares each listed `async fn name(app: TestApp)` as a test on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! db_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::run($crate::Backend::Sqlite, super::$name).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::run($crate::Backend::Postgres, super::$name).await
                }
            )*
        }
    };
}

pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub client: reqwest::Client,
    /// The server's clock; move it forward to test expiry.
    pub clock: Clock,
    pub settings: Settings,
    pub db: DatabaseConnection,
    pub backend: Backend,
    /// Every SQL statement the server sent to the database, in order.
    pub statements: Statements,
    /// The server's handle on `db`, which keeps connections between statements.
    handle: api::db::Db,
    dir: TempDir,
    postgres_database: Option<(String, String)>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Starts the app with settings adjusted by `configure` (e.g. production mode).
    pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut Settings)) -> Self {
        Self::spawn_at(backend, |settings, _| configure(settings)).await
    }

    /// Like [`spawn_with`](Self::spawn_with), with the port known to `configure` (for settings
    /// that name the server's own origin, such as the passkey origins).
    pub async fn spawn_at(backend: Backend, configure: impl FnOnce(&mut Settings, u16)) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::defaults().unwrap();
        settings.data_dir = dir.path().join("data");
        let mut postgres_database = None;
        settings.database_url = Some(match backend {
            Backend::Sqlite => {
                format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display())
            }
            Backend::Postgres => {
                let server = postgres_url().expect("FAMILY_PLAN_TEST_DATABASE_URL");
                let name = format!("fp_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&server).await.unwrap();
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap();
                admin.close().await.unwrap();
                postgres_database = Some((server.clone(), name.clone()));
                with_database_name(&server, &name)
            }
        });
        // Tests read delivered email: look for it often.
        settings.mail_poll_interval = std::time::Duration::from_millis(100);
        // A debug build on a shared machine is slow: a generous budget, unless a test sets one.
        settings.request_timeout = std::time::Duration::from_secs(30);
        configure(&mut settings, port);

        let db = api::db::connect(&settings).await.unwrap();
        api::db::migrate(&db).await.unwrap();
        let clock = Clock::system();
        let statements = Statements::default();
        let handle = statements.counting(&db);
        let (address, shutdown) = start_server_on(listener, &handle, &settings, &clock).await;
        Self {
            address,
            client: reqwest::Client::new(),
            clock,
            settings,
            db,
            backend,
            statements,
            handle,
            dir,
            postgres_database,
            shutdown: Some(shutdown),
        }
    }

    /// Has the server give back to the pool the connections it keeps between statements
    /// (for a test that holds the whole pool itself).
    pub fn give_back_kept_connections(&self) {
        self.handle.give_back_kept();
    }

    /// Starts a second server (a replica) on this app's database, with its own data folder
    /// (so its own outbox files) and its own clock, adjusted by `configure`.
    pub async fn spawn_replica(&self, configure: impl FnOnce(&mut Settings)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = self.settings.clone();
        settings.data_dir = dir.path().join("data");
        configure(&mut settings);
        let db = api::db::connect(&settings).await.unwrap();
        let clock = Clock::system();
        let handle: api::db::Db = db.clone().into();
        let (address, shutdown) = start_server(&handle, &settings, &clock).await;
        Self {
            address,
            client: reqwest::Client::new(),
            clock,
            settings,
            db,
            backend: self.backend,
            statements: Statements::default(),
            handle,
            dir,
            postgres_database: None,
            shutdown: Some(shutdown),
        }
    }

    /// The email files delivered so far by this server's worker: (file name, content).
    pub fn outbox_files(&self) -> Vec<(String, String)> {
        let dir = self.settings.data_dir.join("outbox");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return vec![];
        };
        let mut files: Vec<(String, String)> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read_to_string(&p).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    }

    /// The emails delivered to `to` so far, as files, in order.
    pub fn emails_to(&self, to: &str) -> Vec<String> {
        self.outbox_files()
            .into_iter()
            .map(|(_, content)| content)
            .filter(|c| {
                c.lines()
                    .any(|l| l.eq_ignore_ascii_case(&format!("To: {to}")))
            })
            .collect()
    }

    /// Waits (up to 10 s) for the `n`th email to `to` to be delivered as a file; returns it.
    pub async fn email_to(&self, to: &str, n: usize) -> String {
        for _ in 0..200 {
            if let Some(email) = self.emails_to(to).get(n - 1) {
                return email.clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no email number {n} to {to} was delivered");
    }
}

/// The statements a server sends, counted through sea-orm's metric hook on the server's
/// own connection handle (the test's `db` is not counted). Every statement, prepared or
/// not, inside a transaction or not, is one entry; pool pings, `BEGIN` and `COMMIT` are not.
#[derive(Clone, Default)]
pub struct Statements(std::sync::Arc<std::sync::Mutex<Log>>);

#[derive(Default)]
struct Log {
    since_reset: Vec<String>,
    /// Every statement sent since the server started, each once (for the plans' check).
    ever: std::collections::BTreeSet<String>,
}

impl Statements {
    /// A handle on `db`'s pool that records every statement it runs here.
    pub fn counting(&self, db: &DatabaseConnection) -> api::db::Db {
        let log = self.0.clone();
        api::db::Db::observed(
            db.clone(),
            std::sync::Arc::new(move |statement: &sea_orm::Statement| {
                let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                log.since_reset.push(statement.sql.clone());
                if !log.ever.contains(&statement.sql) {
                    log.ever.insert(statement.sql.clone());
                }
            }),
        )
    }

    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forgets what was recorded so far.
    pub fn reset(&self) {
        self.log().since_reset.clear();
    }

    /// The statements recorded since the last reset.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut self.log().since_reset)
    }

    /// Every distinct statement sent since the server started, resets notwithstanding.
    fn ever(&self) -> Vec<String> {
        self.log().ever.iter().cloned().collect()
    }
}

async fn start_server(
    db: &api::db::Db,
    settings: &Settings,
    clock: &Clock,
) -> (String, oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    start_server_on(listener, db, settings, clock).await
}

async fn start_server_on(
    listener: tokio::net::TcpListener,
    db: &api::db::Db,
    settings: &Settings,
    clock: &Clock,
) -> (String, oneshot::Sender<()>) {
    let address = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(db.clone(), settings.clone(), clock.clone());
    let (shutdown, stopped) = oneshot::channel::<()>();
    tokio::spawn(api::app::serve(listener, state, async {
        let _ = stopped.await;
    }));
    (address, shutdown)
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Posts a GraphQL operation as `token`'s owner (or anonymously) and returns the JSON body.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let text = self.gql_text(token, query, variables).await;
        serde_json::from_str(&text).unwrap()
    }

    /// The same, the body as sent: for what parsing would lose (the order of keys) or what a
    /// test looks for in the bytes.
    pub async fn gql_text(&self, token: Option<&str>, query: &str, variables: Value) -> String {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        response.text().await.unwrap()
    }

    /// Runs a `family-plan` command line against this app's database; returns what it printed.
    pub async fn cli(&self, args: &[&str]) -> anyhow::Result<String> {
        let url = self.settings.database_url.clone().unwrap();
        let data_dir = self.settings.data_dir.display().to_string();
        let mut argv = vec![
            "family-plan",
            "--database-url",
            &url,
            "--data-dir",
            &data_dir,
        ];
        argv.extend_from_slice(args);
        let cli = api::cli::Cli::try_parse_from(argv)?;
        let mut out = Vec::new();
        api::cli::run(cli, &mut out).await?;
        Ok(String::from_utf8(out)?)
    }

    /// Mints a session for an existing account with the admin command; returns the token.
    /// Minted on the server's clock, so that tests which move the clock still sign in.
    pub async fn token_for(&self, email: &str) -> String {
        let account = api::domain::accounts::account_by_email(&self.db, email)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no account for {email}"));
        let lifetime = self.settings.session_lifetime;
        let minted = api::auth::session::mint(&self.db, account.id, self.clock.now(), lifetime)
            .await
            .unwrap();
        minted.token
    }

    /// Loads the demo data set and returns the admin command's output.
    pub async fn load_demo(&self) {
        self.cli(&["demo"]).await.unwrap();
    }

    /// The id of the family whose member `token` is.
    pub async fn own_family(&self, token: &str) -> Value {
        let me = self
            .gql(
                Some(token),
                "{ viewer { familyMember { family { id } } } }",
                json!({}),
            )
            .await;
        me["data"]["viewer"]["familyMember"]["family"]["id"].clone()
    }

    /// What the family's access log, as a member of it (`token`) reads it, says was read of
    /// it, newest first.
    pub async fn reads_recorded(&self, token: &str, family: &Value) -> Vec<String> {
        let log = self
            .gql(
                Some(token),
                "query($id: ID!) { node(id: $id) { ... on Family { accessLog(first: 100) { nodes { kind what } } } } }",
                json!({ "id": family }),
            )
            .await;
        log["data"]["node"]["accessLog"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{log}"))
            .iter()
            .filter(|e| e["kind"] == "READ")
            .map(|e| e["what"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    pub fn temp_dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl TestApp {
    /// Fails the test if a statement its server sent reads a stored table whole, by the
    /// database's own plan (the scans the service means to make aside:
    /// [`query_plans::MEANT`]), or, on PostgreSQL, plans a branch of a union as a subquery
    /// of its own. Run as the app is dropped, so every test checks every statement it
    /// caused, background jobs' included, on SQLite and on PostgreSQL.
    fn assert_tables_read_by_index(&self) {
        let url = self.settings.database_url.clone().unwrap_or_default();
        let statements = self.statements.ever();
        let backend = self.backend;
        // Drop cannot await: ask on a connection of its own.
        let scans = on_own_runtime(async move {
            let db = Database::connect(&url).await.unwrap();
            let scans = match backend {
                Backend::Sqlite => query_plans::full_scans(&db, &statements).await,
                Backend::Postgres => query_plans::full_scans_postgres(&db, &statements).await,
            };
            let _ = db.close().await;
            scans
        });
        assert!(
            scans.is_empty(),
            "{} statement(s) read a stored table whole (add an index, or say in \
             `query_plans::MEANT` why the scan is meant), or plan a branch of a union apart:\n{}",
            scans.len(),
            scans
                .iter()
                .map(|(sql, tables)| format!("{tables:?} in {sql}"))
                .collect::<Vec<_>>()
                .join("\n\n")
        );
    }
}

/// Runs `work` to its end on a thread with its own small runtime, for `Drop`, which cannot
/// await (and may run inside a runtime that cannot block).
fn on_own_runtime<T: Send + 'static>(
    work: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(work)
    })
    .join()
    .unwrap()
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if !std::thread::panicking() {
            self.assert_tables_read_by_index();
        }
        if let Some((server, name)) = self.postgres_database.take() {
            let db = self.handle.clone();
            // Drop cannot await: clean up on a runtime of its own.
            on_own_runtime(async move {
                db.close().await;
                if let Ok(admin) = Database::connect(&server).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            });
        }
    }
}

/// Replaces the database name in a PostgreSQL URL.
fn with_database_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let prefix = match base.rsplit_once('/') {
        Some((prefix, _))
            if prefix.contains("://") && prefix.len() > prefix.find("://").unwrap() + 3 =>
        {
            prefix
        }
        _ => base.trim_end_matches('/'),
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

/// The `extensions.code` of the first GraphQL error, if any.
pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

/// Demo accounts, as printed by `family-plan demo`.
pub mod demo {
    pub const HUB_WORKER: &str = "hub@wrenfield.example";
    pub const MANAGER: &str = "manager@wrenfield.example";
    pub const ADMIN: &str = "admin@wrenfield.example";
    pub const SCHOOL_PRACTITIONER: &str = "pastoral@larkhill.example";
    pub const MORGAN_PARENT: &str = "dana@family.example";
    pub const MORGAN_YOUNG_PERSON: &str = "jordan@family.example";
    pub const RAHMAN_PARENT: &str = "aisha@family.example";
}

#[cfg(test)]
mod tests {
    use super::with_database_name;

    #[test]
    fn database_name_is_replaced_in_postgres_urls() {
        assert_eq!(
            with_database_name("postgres://postgres@127.0.0.1:5432/test", "fp_1"),
            "postgres://postgres@127.0.0.1:5432/fp_1"
        );
        assert_eq!(
            with_database_name("postgres://u:p@h/test?sslmode=disable", "fp_1"),
            "postgres://u:p@h/fp_1?sslmode=disable"
        );
        assert_eq!(
            with_database_name("postgres://u@h:5432", "fp_1"),
            "postgres://u@h:5432/fp_1"
        );
    }
}
