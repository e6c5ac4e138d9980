//! Issue 13: what a background job tells people arrives live on the WebSocket
//! (`notificationAdded`) on both databases, as what a request tells them does: on PostgreSQL
//! the database publishes at commit; on SQLite the job hands its events to the hub after its
//! commit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::Duration;
use family_plan_tests::live::Subscriber;
use family_plan_tests::stories::{family_of, ok, practitioner_id};
use family_plan_tests::{TestApp, demo};
use serde_json::json;

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_late_nomination_reaches_the_manager_live() {
        family_plan_tests::run_with(
            family_plan_tests::Backend::Sqlite,
            super::jobs_often,
            super::a_late_nomination_reaches_the_manager_live,
        )
        .await
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_late_nomination_reaches_the_manager_live() {
        family_plan_tests::run_with(
            family_plan_tests::Backend::Postgres,
            super::jobs_often,
            super::a_late_nomination_reaches_the_manager_live,
        )
        .await
    }
}

fn jobs_often(settings: &mut api::config::Settings) {
    settings.lead_deadline_poll_interval = std::time::Duration::from_millis(100);
    // The manager stays signed in while the clock moves on ten days.
    settings.session_idle_timeout = std::time::Duration::from_secs(30 * 24 * 3600);
    settings.session_lifetime = std::time::Duration::from_secs(30 * 24 * 3600);
}

const NOMINATE: &str = "mutation($input: NominateLeadProfessionalInput!) { nominateLeadProfessional(input: $input) { nomination { id status } userErrors { field code message } } }";

async fn a_late_nomination_reaches_the_manager_live(app: TestApp) {
    app.load_demo().await;
    let (family, _) = family_of(&app, demo::MORGAN_PARENT).await;
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let sam = practitioner_id(&app, demo::SCHOOL_PRACTITIONER).await;
    let body = app
        .gql(
            Some(&dana),
            NOMINATE,
            json!({ "input": { "family": family, "practitioner": sam } }),
        )
        .await;
    assert_eq!(
        ok(&body, "nominateLeadProfessional")["nomination"]["status"],
        "PENDING"
    );

    let manager = app.token_for(demo::MANAGER).await;
    let mut subscriber = Subscriber::signed_in(&app, &manager).await;
    subscriber
        .subscribe(
            "inbox",
            "subscription { notificationAdded { id kind } }",
            json!({}),
        )
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // Nobody answers; the deadline passes and the job tells the manager.
    app.clock.advance(Duration::days(10));
    let message = subscriber
        .next(std::time::Duration::from_secs(10))
        .await
        .expect("the job's notification did not arrive live");
    assert_eq!(message["type"], "next", "{message}");
    let added = &message["payload"]["data"]["notificationAdded"];
    assert_eq!(added["kind"], "LEAD_NOMINATION_OVERDUE", "{message}");
    let inbox = app
        .gql(
            Some(&manager),
            "{ viewer { notifications(first: 5) { edges { node { id kind } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        inbox["data"]["viewer"]["notifications"]["edges"][0]["node"]["id"],
        added["id"]
    );
}
