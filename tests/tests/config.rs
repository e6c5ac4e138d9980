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
    ] {
        assert!(help.contains(var), "--help lacks {var}");
    }
}
