//! Live updates (issue 6): `planChanged(plan)` over WebSocket pushes each change of a plan
//! to signed-in apps allowed to read it, across replicas on PostgreSQL (LISTEN/NOTIFY) and
//! in one process on SQLite; a subscriber without consent is refused, also mid-stream.
use chrono::Duration;
use family_plan_tests::live::Subscriber;
use family_plan_tests::stories::{family_of, nodes, ok};
use family_plan_tests::{Backend, TestApp, db_tests_with_fast_jobs, demo};
use serde_json::{Value, json};
use std::time::Duration as Wait;

db_tests_with_fast_jobs!(
    a_signed_in_app_sees_each_change_as_it_happens,
    a_change_through_one_replica_reaches_a_subscriber_on_another,
    subscribers_without_consent_are_refused_and_a_withdrawal_ends_the_stream,
    only_subscriptions_run_over_the_websocket,
);

const PLAN_CHANGED: &str = "subscription($plan: ID!) { planChanged(plan: $plan) { planId familyId version changedBy at } }";
const SCHEDULE: &str = "mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) { meeting { id } userErrors { field code message } } }";
const GIVE_VIEW: &str = "mutation($input: GiveMeetingViewInput!) { giveMeetingView(input: $input) { view { id } userErrors { field code message } } }";

/// The Morgans' family ID, and their plan's ID and version, as Dana sees them.
async fn morgans_plan(app: &TestApp) -> (String, String, i64) {
    let (family, _) = family_of(app, demo::MORGAN_PARENT).await;
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let body = app
        .gql(
            Some(&dana),
            "query($id: ID!) { node(id: $id) { ... on Family { plan { id version } } } }",
            json!({ "id": family }),
        )
        .await;
    let plan = &body["data"]["node"]["plan"];
    (
        family,
        plan["id"].as_str().unwrap().to_owned(),
        plan["version"].as_i64().unwrap(),
    )
}

async fn schedule_meeting(app: &TestApp, family: &str) -> Value {
    let priya = app.token_for(demo::HUB_WORKER).await;
    let held_on = (app.clock.now() + Duration::days(7)).date_naive();
    let body = app
        .gql(
            Some(&priya),
            SCHEDULE,
            json!({ "input": { "family": family, "kind": "REVIEW", "heldOn": held_on.format("%Y-%m-%d").to_string() } }),
        )
        .await;
    ok(&body, "scheduleMeeting")["meeting"].clone()
}

/// The error code a refused subscription answers with (as `error`, or as a `next` with
/// errors and no data), after which the subscription is over.
async fn refusal(subscriber: &mut Subscriber) -> Value {
    let message = subscriber
        .next(Wait::from_secs(5))
        .await
        .expect("no answer came");
    let code = match message["type"].as_str() {
        Some("error") => message["payload"][0]["extensions"]["code"].clone(),
        Some("next") => {
            assert_eq!(message["payload"]["data"], Value::Null, "{message}");
            let code = message["payload"]["errors"][0]["extensions"]["code"].clone();
            let done = subscriber.next(Wait::from_secs(5)).await;
            assert_eq!(done.map(|d| d["type"].clone()), Some(json!("complete")));
            code
        }
        _ => panic!("not a refusal: {message}"),
    };
    assert!(code.is_string(), "{message}");
    code
}

/// The next `next` message for subscription `id`, within five seconds.
async fn next_event(subscriber: &mut Subscriber, id: &str) -> Value {
    let message = subscriber
        .next(Wait::from_secs(5))
        .await
        .expect("no event came");
    assert_eq!(message["id"], id, "{message}");
    message
}

async fn a_signed_in_app_sees_each_change_as_it_happens(app: TestApp) {
    app.load_demo().await;
    let (family, plan, version) = morgans_plan(&app).await;
    // Dana's phone and Sam (on the team, with consent) both listen.
    let mut dana = Subscriber::signed_in(&app, &app.token_for(demo::MORGAN_PARENT).await).await;
    dana.subscribe("1", PLAN_CHANGED, json!({ "plan": plan }))
        .await;
    let mut sam =
        Subscriber::signed_in(&app, &app.token_for(demo::SCHOOL_PRACTITIONER).await).await;
    sam.subscribe("s", PLAN_CHANGED, json!({ "plan": plan }))
        .await;
    // Nothing arrives before a change.
    assert_eq!(dana.next(Wait::from_millis(300)).await, None);

    let meeting = schedule_meeting(&app, &family).await;
    for (subscriber, id) in [(&mut dana, "1"), (&mut sam, "s")] {
        let event = next_event(subscriber, id).await;
        let changed = &event["payload"]["data"]["planChanged"];
        assert_eq!(event["type"], "next", "{event}");
        assert_eq!(changed["planId"], plan.as_str());
        assert_eq!(changed["familyId"], family.as_str());
        assert_eq!(changed["version"], version + 1);
        assert_eq!(changed["changedBy"], "PRACTITIONER");
    }

    // Jordan's own change comes through as the family's.
    let jordan = app.token_for(demo::MORGAN_YOUNG_PERSON).await;
    let body = app
        .gql(
            Some(&jordan),
            GIVE_VIEW,
            json!({ "input": { "meeting": meeting["id"], "words": "I'd like a quiet space at break." } }),
        )
        .await;
    ok(&body, "giveMeetingView");
    let event = next_event(&mut dana, "1").await;
    assert_eq!(
        event["payload"]["data"]["planChanged"]["changedBy"],
        "FAMILY"
    );
    assert_eq!(
        event["payload"]["data"]["planChanged"]["version"],
        version + 2
    );
    // A refused change publishes nothing.
    let body = app
        .gql(
            Some(&jordan),
            GIVE_VIEW,
            json!({ "input": { "meeting": meeting["id"], "words": "  " } }),
        )
        .await;
    assert_eq!(
        body["data"]["giveMeetingView"]["userErrors"][0]["code"],
        "REQUIRED"
    );
    assert_eq!(dana.next(Wait::from_millis(500)).await, None);
}

async fn a_change_through_one_replica_reaches_a_subscriber_on_another(app: TestApp) {
    if app.backend == Backend::Sqlite {
        // One SQLite database serves one process: replicas are a PostgreSQL matter. The
        // single-process path is covered by the other tests here.
        return;
    }
    app.load_demo().await;
    let (family, plan, version) = morgans_plan(&app).await;
    let replica = app.spawn_replica(|_| {}).await;
    let token = app.token_for(demo::MORGAN_PARENT).await;
    let mut on_replica = Subscriber::signed_in(&replica, &token).await;
    on_replica
        .subscribe("r", PLAN_CHANGED, json!({ "plan": plan }))
        .await;
    let mut on_first = Subscriber::signed_in(&app, &token).await;
    on_first
        .subscribe("f", PLAN_CHANGED, json!({ "plan": plan }))
        .await;
    // Give the replica's listener a moment to be listening (it starts with the server).
    tokio::time::sleep(Wait::from_millis(300)).await;

    // Priya's change goes through the first server only.
    schedule_meeting(&app, &family).await;
    for (subscriber, id) in [(&mut on_replica, "r"), (&mut on_first, "f")] {
        let event = next_event(subscriber, id).await;
        assert_eq!(event["type"], "next", "{event}");
        assert_eq!(
            event["payload"]["data"]["planChanged"]["version"],
            version + 1
        );
    }
    // Each server delivers each change once.
    assert_eq!(on_replica.next(Wait::from_millis(500)).await, None);
    assert_eq!(on_first.next(Wait::from_millis(100)).await, None);
}

async fn subscribers_without_consent_are_refused_and_a_withdrawal_ends_the_stream(app: TestApp) {
    app.load_demo().await;
    let (family, plan, _) = morgans_plan(&app).await;

    // Anonymous: refused. A bad token: the connection itself is refused.
    let (ack, mut anonymous) = Subscriber::connect(&app, None).await;
    assert_eq!(ack["type"], "connection_ack");
    anonymous
        .subscribe("a", PLAN_CHANGED, json!({ "plan": plan }))
        .await;
    assert_eq!(refusal(&mut anonymous).await, "UNAUTHENTICATED");
    let (refused, _) = Subscriber::connect(&app, Some("not-a-token")).await;
    assert_eq!(refused["type"], "closed", "{refused}");

    // Another family's parent, and a practitioner not on the team: refused.
    for (who, code) in [
        (demo::RAHMAN_PARENT, "FORBIDDEN"),
        (demo::MANAGER, "FORBIDDEN"),
    ] {
        let mut s = Subscriber::signed_in(&app, &app.token_for(who).await).await;
        s.subscribe("x", PLAN_CHANGED, json!({ "plan": plan }))
            .await;
        assert_eq!(refusal(&mut s).await, code, "{who}");
    }

    // Sam listens while the family's consent covers the school.
    let meeting = schedule_meeting(&app, &family).await;
    let mut sam =
        Subscriber::signed_in(&app, &app.token_for(demo::SCHOOL_PRACTITIONER).await).await;
    sam.subscribe("s", PLAN_CHANGED, json!({ "plan": plan }))
        .await;
    assert_eq!(sam.next(Wait::from_millis(300)).await, None);

    // Dana withdraws consent. The next change is not sent to Sam: his stream ends.
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let consents = app
        .gql(
            Some(&dana),
            "query($id: ID!) { node(id: $id) { ... on Family { consents { edges { node { id status } } } } } }",
            json!({ "id": family }),
        )
        .await;
    let consent = nodes(&consents["data"]["node"]["consents"])
        .into_iter()
        .find(|c| c["status"] == "ACTIVE")
        .unwrap()["id"]
        .clone();
    let body = app
        .gql(
            Some(&dana),
            "mutation($input: WithdrawConsentInput!) { withdrawConsent(input: $input) { consent { status } userErrors { message } } }",
            json!({ "input": { "consent": consent } }),
        )
        .await;
    ok(&body, "withdrawConsent");
    let body = app
        .gql(
            Some(&dana),
            GIVE_VIEW,
            json!({ "input": { "meeting": meeting["id"], "words": "We have decided to stop sharing for now." } }),
        )
        .await;
    ok(&body, "giveMeetingView");
    // No data reaches him: the refusal, and the end of the subscription.
    assert_eq!(refusal(&mut sam).await, "CONSENT_REQUIRED");
    // And a new subscription of his is refused at once.
    let mut again =
        Subscriber::signed_in(&app, &app.token_for(demo::SCHOOL_PRACTITIONER).await).await;
    again
        .subscribe("s2", PLAN_CHANGED, json!({ "plan": plan }))
        .await;
    assert_eq!(refusal(&mut again).await, "CONSENT_REQUIRED");
}

async fn only_subscriptions_run_over_the_websocket(app: TestApp) {
    app.load_demo().await;
    let (family, _, _) = morgans_plan(&app).await;
    let mut sam =
        Subscriber::signed_in(&app, &app.token_for(demo::SCHOOL_PRACTITIONER).await).await;
    // Reads over the socket would escape the audit of reads: they go to POST /graphql.
    sam.subscribe(
        "q",
        "query($id: ID!) { node(id: $id) { ... on Family { reference } } }",
        json!({ "id": family }),
    )
    .await;
    let refused = sam.next(Wait::from_secs(5)).await.unwrap();
    let text = refused.to_string();
    assert!(!text.contains("EH-DEMO-001"), "{refused}");
    assert!(text.contains("BAD_USER_INPUT"), "{refused}");
}
