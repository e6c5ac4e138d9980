//! Settings: defaults that run with no configuration; unknown or invalid settings stop the start.
use clap::Parser;

fn parse(args: &[&str]) -> Result<api::cli::Cli, clap::Error> {
    let mut argv = vec!["family-plan"];
    argv.extend_from_slice(args);
    api::cli::Cli::try_parse_from(argv)
}

#[test]
fn no_configuration_means_sqlite_in_the_data_folder_on_localhost() {
    let cli = parse(&[]).unwrap();
    assert!(cli.command.is_none(), "serve is the default");
    let settings = cli.settings;
    assert_eq!(settings.bind.to_string(), "127.0.0.1:8080");
    assert_eq!(
        settings.database_url(),
        "sqlite://data/family-plan.db?mode=rwc"
    );
    assert!(!settings.production);
    assert_eq!(
        settings.session_lifetime,
        std::time::Duration::from_secs(12 * 3600)
    );
    assert_eq!(settings.need_level_labels.label(4), "Child protection");
    let helplines: Vec<_> = settings
        .helplines
        .0
        .iter()
        .map(|h| h.number.as_str())
        .collect();
    assert_eq!(helplines, ["999", "0800 1111"]);
}

#[test]
fn invalid_values_are_refused_with_the_setting_named() {
    for (args, named) in [
        (&["--bind", "localhost"][..], "--bind"),
        (&["--session-lifetime", "forever"][..], "--session-lifetime"),
        (&["--need-level-labels", "One;Two"][..], "four"),
        (
            &["--database-max-connections", "0"][..],
            "--database-max-connections",
        ),
        (&["--production", "maybe"][..], "--production"),
        // Issue 14: a helpline without a number is refused at start.
        (
            &["--helplines", "Childline|free|Any time"][..],
            "--helplines",
        ),
    ] {
        let err = parse(args).unwrap_err().to_string();
        assert!(err.contains(named), "{args:?}: {err}");
    }
    let settings = parse(&["--database-url", "mysql://x"]).unwrap().settings;
    let err = settings.database_kind().err().unwrap().to_string();
    assert!(err.contains("postgres://"), "{err}");
    let settings = parse(&["--public-url", "localhost:8080"]).unwrap().settings;
    assert!(
        settings
            .validate()
            .unwrap_err()
            .to_string()
            .contains("FAMILY_PLAN_PUBLIC_URL")
    );
}

#[test]
fn unknown_family_plan_variables_are_refused() {
    let names = [
        "PATH",
        "FAMILY_PLAN_BIND",
        "FAMILY_PLAN_DATABSE_URL",
        "FAMILY_PLAN_TEST_DATABASE_URL",
    ];
    let err =
        api::config::reject_unknown_variables(names.iter().map(|s| s.to_string())).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("FAMILY_PLAN_DATABSE_URL"), "{message}");
    assert!(
        message.contains("FAMILY_PLAN_DATABASE_URL"),
        "lists the known ones: {message}"
    );
    assert!(
        !message.contains("FAMILY_PLAN_TEST_DATABASE_URL,"),
        "test variables are not the server's"
    );
    let known = [
        "FAMILY_PLAN_BIND",
        "FAMILY_PLAN_DATABASE_URL",
        "FAMILY_PLAN_SESSION_LIFETIME",
        "HOME",
    ];
    api::config::reject_unknown_variables(known.iter().map(|s| s.to_string())).unwrap();
}

#[test]
fn help_documents_every_environment_variable() {
    let mut command = <api::cli::Cli as clap::CommandFactory>::command();
    let help = command.render_long_help().to_string();
    for var in [
        "FAMILY_PLAN_BIND",
        "FAMILY_PLAN_DATABASE_URL",
        "FAMILY_PLAN_DATA_DIR",
        "FAMILY_PLAN_PRODUCTION",
        "FAMILY_PLAN_SESSION_LIFETIME",
        "FAMILY_PLAN_PUBLIC_URL",
        "FAMILY_PLAN_SESSION_IDLE_TIMEOUT",
        "FAMILY_PLAN_WEBAUTHN_RP_ID",
        "FAMILY_PLAN_WEBAUTHN_ORIGINS",
        "FAMILY_PLAN_SMTP_URL",
        "FAMILY_PLAN_MAIL_FROM",
    ] {
        assert!(help.contains(var), "--help lacks {var}");
    }
}

#[test]
fn passkeys_and_email_work_on_localhost_with_no_configuration() {
    let settings = parse(&[]).unwrap().settings;
    assert_eq!(settings.webauthn_rp_id, "localhost");
    let origins: Vec<String> = settings
        .webauthn_origins
        .iter()
        .map(|o| o.to_string())
        .collect();
    assert_eq!(origins, ["http://localhost:8080/"]);
    assert_eq!(
        settings.session_idle_timeout,
        std::time::Duration::from_secs(2 * 3600)
    );
    assert!(
        settings.smtp_url.is_none(),
        "email goes to files by default"
    );
    assert!(settings.mail_worker);
    settings.validate().unwrap();
}

#[test]
fn several_origins_including_mobile_apps_are_allowed() {
    let settings = parse(&[
        "--webauthn-rp-id",
        "familyplan.example",
        "--webauthn-origins",
        "https://app.familyplan.example,android:apk-key-hash:abc123",
    ])
    .unwrap()
    .settings;
    assert_eq!(settings.webauthn_origins.len(), 2);
    settings.validate().unwrap();
}

#[test]
fn unusable_sign_in_and_email_settings_stop_the_start() {
    let err = parse(&["--webauthn-origins", "not a url"])
        .unwrap_err()
        .to_string();
    assert!(err.contains("--webauthn-origins"), "{err}");
    let settings = parse(&["--mail-from", "nobody"]).unwrap().settings;
    let err = settings.validate().unwrap_err().to_string();
    assert!(err.contains("FAMILY_PLAN_MAIL_FROM"), "{err}");
    let settings = parse(&["--session-idle-timeout", "0s"]).unwrap().settings;
    let err = settings.validate().unwrap_err().to_string();
    assert!(err.contains("FAMILY_PLAN_SESSION_IDLE_TIMEOUT"), "{err}");
}

/// The first column of the one row `sql` answers, asked on the app's own pool.
async fn asked<T: sea_orm::TryGetable>(app: &family_plan_tests::TestApp, sql: &str) -> T {
    use sea_orm::{ConnectionTrait, Statement};
    let statement = Statement::from_string(app.db.get_database_backend(), sql);
    let row = app.db.query_one_raw(statement).await.unwrap().unwrap();
    row.try_get_by_index(0).unwrap()
}

/// Whether the pool's connection to PostgreSQL is encrypted, as the server sees it.
async fn encrypted(app: &family_plan_tests::TestApp) -> bool {
    asked(
        app,
        "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
    )
    .await
}

/// Whether the server offers TLS at all (Debian's PostgreSQL does, with a snake-oil key).
async fn offers_tls(app: &family_plan_tests::TestApp) -> bool {
    asked::<String>(app, "SHOW ssl").await == "on"
}

/// A database on this host is reached without TLS when the URL says nothing of TLS (TLS on
/// the loopback protects nothing and costs both processes), and with TLS when it asks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_on_this_host_is_reached_without_tls_unless_the_url_asks() {
    use family_plan_tests::{Backend, postgres_url, run_with};
    let on_this_host = postgres_url().is_some_and(|url| {
        (url.contains("@127.0.0.1") || url.contains("@localhost")) && !url.contains("ssl")
    });
    if postgres_url().is_some() && !on_this_host {
        eprintln!("FAMILY_PLAN_TEST_DATABASE_URL names another host or TLS; not run");
        return;
    }
    run_with(
        Backend::Postgres,
        |_| {},
        |app| async move {
            assert!(!encrypted(&app).await, "no TLS on the loopback by default");
        },
    )
    .await;
    run_with(
        Backend::Postgres,
        |settings| {
            let url = settings.database_url.as_mut().unwrap();
            url.push_str(if url.contains('?') { "&" } else { "?" });
            url.push_str("sslmode=prefer");
        },
        |app| async move {
            assert_eq!(
                encrypted(&app).await,
                offers_tls(&app).await,
                "sslmode=prefer in the URL is honoured: TLS whenever the server offers it"
            );
        },
    )
    .await;
}
