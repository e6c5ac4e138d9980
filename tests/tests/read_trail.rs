//! Practitioners' reads go into the audit trail together when many arrive at once (a group
//! commit): none is lost, each request's entry says what it read, and no data leaves before
//! its entry is in — when the trail cannot be written, nothing is sent. What a request read
//! before the plan's contents is written while they are read; whatever it reads after goes in
//! too, each thing once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use family_plan_tests::screens::PLAN_SCREEN;
use family_plan_tests::{Backend, TestApp, demo, run_with};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const AT_ONCE: usize = 24;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_at_once_are_each_recorded_on_sqlite() {
    run_with(Backend::Sqlite, |_| {}, reads_at_once_are_each_recorded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_at_once_are_each_recorded_on_postgres() {
    run_with(Backend::Postgres, |_| {}, reads_at_once_are_each_recorded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_data_leaves_when_its_reads_cannot_be_recorded_on_sqlite() {
    run_with(
        Backend::Sqlite,
        |_| {},
        no_data_leaves_when_its_reads_cannot_be_recorded,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_data_leaves_when_its_reads_cannot_be_recorded_on_postgres() {
    run_with(
        Backend::Postgres,
        |_| {},
        no_data_leaves_when_its_reads_cannot_be_recorded,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_read_around_the_plan_is_recorded_once_on_sqlite() {
    run_with(
        Backend::Sqlite,
        |_| {},
        everything_read_around_the_plan_is_recorded_once,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_read_around_the_plan_is_recorded_once_on_postgres() {
    run_with(
        Backend::Postgres,
        |_| {},
        everything_read_around_the_plan_is_recorded_once,
    )
    .await;
}

/// The plan first (and the family again, from it), then the family's consents and team, and
/// the plan again under another name: the trail has every one of them, none twice.
async fn everything_read_around_the_plan_is_recorded_once(app: TestApp) {
    app.load_demo().await;
    let parent = app.token_for(demo::MORGAN_PARENT).await;
    let practitioner = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let family = app.own_family(&parent).await;
    let before = app.reads_recorded(&parent, &family).await;

    let body = app
        .gql(
            Some(&practitioner),
            "query($id: ID!) { node(id: $id) { ... on Family {
               plan { outcomes { nodes { id } } family { reference } }
               consents(first: 5) { nodes { id } }
               team(first: 5) { nodes { id } }
               again: plan { overdueActions { nodes { id } } } } } }",
            json!({ "id": family }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert!(
        body["data"]["node"]["plan"]["outcomes"]["nodes"]
            .as_array()
            .is_some_and(|o| !o.is_empty()),
        "{body}"
    );

    let after = app.reads_recorded(&parent, &family).await;
    let new = &after[..after.len() - before.len()];
    let mut things: Vec<&str> = new.iter().flat_map(|what| what.split(", ")).collect();
    things.sort_unstable();
    assert_eq!(
        things,
        ["consents", "family record", "plan", "team"],
        "entries {new:?}"
    );
}

async fn reads_at_once_are_each_recorded(app: TestApp) {
    app.load_demo().await;
    let parent = app.token_for(demo::MORGAN_PARENT).await;
    let practitioner = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let family = app.own_family(&parent).await;
    let before = app.reads_recorded(&parent, &family).await;

    app.statements.reset();
    let screens =
        (0..AT_ONCE).map(|_| app.gql(Some(&practitioner), PLAN_SCREEN, json!({ "id": family })));
    for body in futures::future::join_all(screens).await {
        assert!(body["errors"].is_null(), "{body}");
        assert!(
            body["data"]["node"]["plan"]["outcomes"].is_object(),
            "{body}"
        );
    }

    // How many statements the entries took depends on timing: shown, not asserted.
    let inserts = app
        .statements
        .take()
        .iter()
        .filter(|sql| sql.contains("INSERT INTO \"audit_entries\""))
        .count();
    println!("{AT_ONCE} reads at once recorded by {inserts} statements");

    let after = app.reads_recorded(&parent, &family).await;
    assert_eq!(
        after.len(),
        before.len() + AT_ONCE,
        "{before:?} then {after:?}"
    );
    assert!(
        after[..AT_ONCE]
            .iter()
            .all(|what| what == "family record, plan"),
        "{after:?}"
    );
}

async fn no_data_leaves_when_its_reads_cannot_be_recorded(app: TestApp) {
    app.load_demo().await;
    let parent = app.token_for(demo::MORGAN_PARENT).await;
    let practitioner = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let family = app.own_family(&parent).await;

    // From now on the database refuses to record a read (nothing else changes).
    let refuse = match app.backend {
        Backend::Postgres => {
            "ALTER TABLE audit_entries ADD CONSTRAINT no_reads CHECK (kind <> 'read') NOT VALID"
        }
        Backend::Sqlite => {
            "CREATE TRIGGER no_reads BEFORE INSERT ON audit_entries WHEN NEW.kind = 'read' \
             BEGIN SELECT RAISE(ABORT, 'no reads'); END"
        }
    };
    app.db.execute_unprepared(refuse).await.unwrap();

    let screens =
        (0..4).map(|_| app.gql(Some(&practitioner), PLAN_SCREEN, json!({ "id": family })));
    for body in futures::future::join_all(screens).await {
        assert!(body.get("data").is_none_or(Value::is_null), "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "INTERNAL_SERVER_ERROR",
            "{body}"
        );
        let text = body.to_string();
        for private in ["Morgan", "EH-DEMO", "school"] {
            assert!(!text.contains(private), "{private} in {body}");
        }
    }
    // The parent's own screen is not a practitioner's read: it still works.
    let own = app
        .gql(Some(&parent), PLAN_SCREEN, json!({ "id": family }))
        .await;
    assert!(own["errors"].is_null(), "{own}");
}
