//! Issue 11: a permit is granted inside the transaction that acts on it. A practitioner's
//! change racing the family's withdrawal of the consent it relies on either commits before
//! the withdrawal or is refused: it never commits after it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use family_plan_tests::{Backend, TestApp, db_tests, demo};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, TransactionTrait};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

db_tests!(a_change_racing_a_consent_withdrawal_commits_before_it_or_is_refused);

const PLAN: &str = "query($id: ID!) { node(id: $id) { ... on Family { plan { id version outcomes(first: 50) { nodes { id } } } consents(first: 10) { edges { node { id status } } } } } }";
const NOTE: &str = "mutation($input: AddOutcomeNoteInput!) { addOutcomeNote(input: $input) { outcome { id } userErrors { code message } } }";
const WITHDRAW: &str = "mutation($input: WithdrawConsentInput!) { withdrawConsent(input: $input) { consent { status } userErrors { code message } } }";

struct Setup {
    dana: String,
    sam: String,
    version: i64,
    outcome: String,
    consent: String,
}

async fn set_up(app: &TestApp) -> Setup {
    app.load_demo().await;
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let me = app
        .gql(
            Some(&dana),
            "{ viewer { familyMember { family { id } } } }",
            json!({}),
        )
        .await;
    let family = me["data"]["viewer"]["familyMember"]["family"]["id"].clone();
    let body = app.gql(Some(&dana), PLAN, json!({ "id": family })).await;
    let node = &body["data"]["node"];
    let consent = node["consents"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .find(|c| c["status"] == "ACTIVE")
        .expect("the demo family's consent covers the school")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Setup {
        dana,
        sam,
        version: node["plan"]["version"].as_i64().unwrap(),
        outcome: node["plan"]["outcomes"]["nodes"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        consent,
    }
}

fn note_input(s: &Setup, version: i64) -> Value {
    json!({ "input": { "outcome": s.outcome, "expectedVersion": version, "body": "Jordan was on time all week." } })
}

fn code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

async fn a_change_racing_a_consent_withdrawal_commits_before_it_or_is_refused(app: TestApp) {
    let s = set_up(&app).await;
    match app.backend {
        Backend::Postgres => the_change_in_flight_holds_the_withdrawal(&app, &s).await,
        Backend::Sqlite => one_writer_at_a_time(&app, &s).await,
    }
    // Either way, once the consent is withdrawn the school is refused on the next request.
    let after = app
        .gql(Some(&s.sam), NOTE, note_input(&s, s.version + 1))
        .await;
    assert_eq!(code(&after), Some("CONSENT_REQUIRED"), "{after}");
}

/// PostgreSQL: hold the plan's row so that Sam's change stops half-way (after its permit,
/// before its commit); then Dana withdraws. The withdrawal must wait for the change to
/// commit; it may not commit first and leave the change to land after it.
async fn the_change_in_flight_holds_the_withdrawal(app: &TestApp, s: &Setup) {
    // The demo's only current plan is the Morgans'.
    let hold = app.db.begin().await.unwrap();
    hold.execute_raw(Statement::from_string(
        DatabaseBackend::Postgres,
        "SELECT id FROM plans WHERE status <> 'closed' FOR UPDATE",
    ))
    .await
    .unwrap();

    let (note_blocked, note_blocked_rx) = tokio::sync::oneshot::channel::<()>();
    let withdrawal_done = AtomicBool::new(false);
    let change = app.gql(Some(&s.sam), NOTE, note_input(s, s.version));
    let withdrawal = async {
        note_blocked_rx.await.unwrap();
        let body = app
            .gql(
                Some(&s.dana),
                WITHDRAW,
                json!({ "input": { "consent": s.consent } }),
            )
            .await;
        withdrawal_done.store(true, Ordering::SeqCst);
        body
    };
    let referee = async {
        wait_for_lock_waiters(app, 1, None).await;
        note_blocked.send(()).unwrap();
        // The withdrawal either waits behind the change (a second lock waiter) or, wrongly,
        // commits while the change is still in flight.
        wait_for_lock_waiters(app, 2, Some(&withdrawal_done)).await;
        let withdrew_first = withdrawal_done.load(Ordering::SeqCst);
        hold.rollback().await.unwrap();
        withdrew_first
    };
    let (changed, withdrawn, withdrew_first) = tokio::join!(change, withdrawal, referee);
    assert!(
        !withdrew_first,
        "the withdrawal committed while a change granted under that consent was in flight"
    );
    // The change committed first. Its answer shows it, or — when the withdrawal committed
    // before the answer was read back — refuses to show Sam what he may no longer see.
    match code(&changed) {
        None => assert_eq!(
            changed["data"]["addOutcomeNote"]["userErrors"],
            json!([]),
            "{changed}"
        ),
        Some(code) => assert_eq!(code, "CONSENT_REQUIRED", "{changed}"),
    }
    assert!(
        note_is_kept(app, s).await,
        "the change granted before the withdrawal was lost"
    );
    assert_eq!(
        withdrawn["data"]["withdrawConsent"]["consent"]["status"], "WITHDRAWN",
        "{withdrawn}"
    );
}

/// Whether Sam's note is in the plan, as the family reads it.
async fn note_is_kept(app: &TestApp, s: &Setup) -> bool {
    let body = app
        .gql(
            Some(&s.dana),
            "query($id: ID!) { node(id: $id) { ... on Outcome { notes(first: 20) { nodes { body } } } } }",
            json!({ "id": s.outcome }),
        )
        .await;
    body.to_string().contains("Jordan was on time all week.")
}

/// SQLite runs one writer at a time: whichever of the two goes first, the other sees it. Sam's
/// note lands (before the withdrawal) or is refused (after it), and never anything else.
async fn one_writer_at_a_time(app: &TestApp, s: &Setup) {
    let (changed, withdrawn) = tokio::join!(
        app.gql(Some(&s.sam), NOTE, note_input(s, s.version)),
        app.gql(
            Some(&s.dana),
            WITHDRAW,
            json!({ "input": { "consent": s.consent } })
        ),
    );
    assert_eq!(
        withdrawn["data"]["withdrawConsent"]["consent"]["status"], "WITHDRAWN",
        "{withdrawn}"
    );
    match code(&changed) {
        None => {
            assert_eq!(changed["data"]["addOutcomeNote"]["userErrors"], json!([]));
            assert!(note_is_kept(app, s).await, "{changed}");
        }
        Some(code) => assert_eq!(code, "CONSENT_REQUIRED", "{changed}"),
    }
}

/// Waits until `count` statements of this test's database wait on a lock, or `done` is set;
/// gives up after ten seconds (something is wrong, not slow).
async fn wait_for_lock_waiters(app: &TestApp, count: i64, done: Option<&AtomicBool>) {
    for _ in 0..1000 {
        if done.is_some_and(|d| d.load(Ordering::SeqCst)) {
            return;
        }
        let row = app
            .db
            .query_one_raw(Statement::from_string(
                DatabaseBackend::Postgres,
                "SELECT count(*) AS waiting FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
            ))
            .await
            .unwrap()
            .unwrap();
        let waiting: i64 = row.try_get("", "waiting").unwrap();
        if waiting >= count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no statement came to wait on a lock (wanted {count})");
}
