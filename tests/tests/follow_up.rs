//! The six-month follow-up over HTTP (issue 7): closing a plan schedules one follow-up per
//! person who can sign in; with two servers running the scheduler on one database and the
//! clock moved on, each person is invited exactly once when it falls due, reminded exactly
//! once two weeks later, and their answers are recorded as feedback.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use api::config::Settings;
use api::domain::plans;
use chrono::Duration;
use entities::{family_member, outbox_message};
use family_plan_tests::{Backend, TestApp, demo, error_code, run_with};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const INVITATION: &str = "How are things now?";
const REMINDER: &str = "A reminder: how are things now?";
const MINE: &str =
    "{ myFollowUps { id status open questionnaire { questions { code answerKind } } } }";
const ANSWER: &str = "mutation($input: FollowUpInput!) { followUp(input: $input) { followUp { status answeredAt } feedback { about giverSide answers { question score yes } } userErrors { field code message } } }";

fn quick(settings: &mut Settings) {
    settings.follow_up_poll_interval = std::time::Duration::from_millis(100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_follow_up_goes_out_once_and_is_reminded_once() {
    run_with(
        Backend::Sqlite,
        quick,
        follow_up_goes_out_once_and_is_reminded_once,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_follow_up_goes_out_once_and_is_reminded_once() {
    run_with(
        Backend::Postgres,
        quick,
        follow_up_goes_out_once_and_is_reminded_once,
    )
    .await;
}

/// Emails queued with `subject`, per recipient.
async fn queued(app: &TestApp, subject: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for message in outbox_message::Entity::find()
        .filter(outbox_message::Column::Subject.eq(subject))
        .all(&app.db)
        .await
        .unwrap()
    {
        *counts.entry(message.recipient).or_default() += 1;
    }
    counts
}

/// Waits until `subject` has been queued for `expected` people, then a while longer in which
/// both schedulers keep running, and returns what was queued by then.
async fn settle(app: &TestApp, subject: &str, expected: usize) -> BTreeMap<String, usize> {
    for _ in 0..200 {
        if queued(app, subject).await.len() >= expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Several more passes of each scheduler: nothing more may go out.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    queued(app, subject).await
}

fn advance(apps: &[&TestApp], by: Duration) {
    for app in apps {
        app.clock.advance(by);
    }
}

async fn follow_up_goes_out_once_and_is_reminded_once(app: TestApp) {
    app.load_demo().await;
    // A second server, with its own scheduler and its own clock, on the same database.
    let replica = app.spawn_replica(|_| {}).await;
    let morgans = family_member::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.name == "Dana Morgan")
        .unwrap()
        .family_id;
    let now = app.clock.now();
    // The demo family's active plan; its lead professional closes it.
    let plan = plans::current(&app.db, morgans).await.unwrap().unwrap();
    let txn = api::db::begin_write(&app.db).await.unwrap();
    plans::close(
        &txn,
        plan.id,
        plan.version,
        "Things are calmer at home and school.",
        &api::access::operator(now),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();

    // Nothing before six months.
    advance(&[&app, &replica], Duration::days(181));
    assert_eq!(settle(&app, INVITATION, 0).await, BTreeMap::new());

    // At six months: Dana and Jordan (who can sign in), once each; Ellie has no account.
    advance(&[&app, &replica], Duration::days(1) + Duration::minutes(1));
    let once = BTreeMap::from([
        (demo::MORGAN_PARENT.to_owned(), 1),
        (demo::MORGAN_YOUNG_PERSON.to_owned(), 1),
    ]);
    assert_eq!(settle(&app, INVITATION, 2).await, once);
    let emails = outbox_message::Entity::find()
        .filter(outbox_message::Column::Subject.eq(INVITATION))
        .all(&app.db)
        .await
        .unwrap();
    for email in &emails {
        assert!(email.body.contains("/follow-up"), "{}", email.body);
        for secret in ["Morgan", "Sam", "calmer", "EH-DEMO", "plan"] {
            assert!(!email.body.contains(secret), "the email carries {secret:?}");
        }
    }

    // Her follow-up is open; answering before is not possible, so she waits for the reminder.
    advance(&[&app, &replica], Duration::days(13));
    assert_eq!(settle(&app, REMINDER, 0).await, BTreeMap::new());
    advance(&[&app, &replica], Duration::days(1) + Duration::minutes(1));
    assert_eq!(settle(&app, REMINDER, 2).await, once);
    assert_eq!(queued(&app, INVITATION).await, once, "no second invitation");
    // Issue 13: the same two, in each one's inbox (the young person's is their own).
    for who in [demo::MORGAN_PARENT, demo::MORGAN_YOUNG_PERSON] {
        let token = app.token_for(who).await;
        let inbox = app
            .gql(
                Some(&token),
                "{ viewer { notifications { edges { node { kind familyId } } } } }",
                json!({}),
            )
            .await;
        let kinds: Vec<&Value> = inbox["data"]["viewer"]["notifications"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["node"]["kind"])
            .collect();
        assert_eq!(
            kinds,
            [&json!("FOLLOW_UP_REMINDER"), &json!("FOLLOW_UP_INVITATION")],
            "{who}: {inbox}"
        );
    }

    // Dana answers in the app, signed in; it is recorded as feedback about the plan.
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let mine = app.gql(Some(&dana), MINE, json!({})).await;
    let follow_up = &mine["data"]["myFollowUps"][0];
    assert_eq!(follow_up["status"], "REMINDED", "{mine}");
    assert_eq!(follow_up["open"], true);
    assert_eq!(
        follow_up["questionnaire"]["questions"][1]["answerKind"],
        "YES_NO"
    );
    // Jordan cannot answer Dana's.
    let jordan = app.token_for(demo::MORGAN_YOUNG_PERSON).await;
    let input = json!({ "input": { "followUp": follow_up["id"], "answers": [
        { "question": "stayed_better", "score": 4 },
        { "question": "needed_more_help", "yes": false },
    ] } });
    let body = app.gql(Some(&jordan), ANSWER, input.clone()).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app.gql(Some(&dana), ANSWER, input.clone()).await;
    let answered = &body["data"]["followUp"];
    assert_eq!(answered["userErrors"], json!([]), "{body}");
    assert_eq!(answered["followUp"]["status"], "ANSWERED");
    assert_eq!(answered["feedback"]["about"], "PLAN");
    assert_eq!(
        answered["feedback"]["answers"],
        json!([
            { "question": "stayed_better", "score": 4, "yes": null },
            { "question": "needed_more_help", "score": null, "yes": false },
        ])
    );
    let again = app.gql(Some(&dana), ANSWER, input).await;
    assert_eq!(
        again["data"]["followUp"]["userErrors"][0]["code"], "NOT_ALLOWED_NOW",
        "{again}"
    );

    // Two weeks after the reminder, Jordan's unanswered one closes; nothing more is sent.
    advance(&[&app, &replica], Duration::days(14) + Duration::minutes(1));
    let closed = async {
        for _ in 0..100 {
            let body = app
                .gql(
                    Some(&app.token_for(demo::MORGAN_YOUNG_PERSON).await),
                    MINE,
                    json!({}),
                )
                .await;
            if body["data"]["myFollowUps"][0]["status"] == "EXPIRED" {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        false
    };
    assert!(closed.await, "Jordan's follow-up should have expired");
    let dana_now = app
        .gql(
            Some(&app.token_for(demo::MORGAN_PARENT).await),
            MINE,
            json!({}),
        )
        .await;
    assert_eq!(dana_now["data"]["myFollowUps"][0]["status"], "ANSWERED");
    assert_eq!(settle(&app, INVITATION, 2).await, once);
    assert_eq!(settle(&app, REMINDER, 2).await, once);
}
