//! Hardening of live updates (issue 12): what one connection and one account may hold, one
//! authorisation per event per connection, pings and the idle close, the Origin check.
use family_plan_tests::live::Subscriber;
use family_plan_tests::stories::family_of;
use family_plan_tests::{Backend, TestApp, demo};
use serde_json::json;
use std::time::Duration;

const PLAN_CHANGED: &str =
    "subscription($plan: ID!) { planChanged(plan: $plan) { planId version } }";
const SCHEDULE: &str = "mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) { meeting { id } userErrors { field code message } } }";

macro_rules! on_both {
    ($($name:ident => $configure:expr),* $(,)?) => {$(
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                family_plan_tests::run_with(Backend::Sqlite, $configure, super::$name).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                family_plan_tests::run_with(Backend::Postgres, $configure, super::$name).await
            }
        }
    )*};
}

on_both!(
    a_connection_runs_a_bounded_number_of_subscriptions_and_all_get_each_event => |s| {
        s.ws_max_subscriptions = 5;
    },
    an_account_holds_a_bounded_number_of_connections => |s| {
        s.ws_max_connections_per_account = 2;
    },
    a_connection_that_stops_answering_pings_is_closed => |s| {
        s.ws_ping_interval = Duration::from_millis(100);
        s.ws_idle_timeout = Duration::from_millis(500);
    },
);

async fn morgans_plan(app: &TestApp) -> (String, String) {
    let (family, _) = family_of(app, demo::MORGAN_PARENT).await;
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let body = app
        .gql(
            Some(&dana),
            "query($id: ID!) { node(id: $id) { ... on Family { plan { id } } } }",
            json!({ "id": family }),
        )
        .await;
    let plan = body["data"]["node"]["plan"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (family, plan)
}

async fn change_plan(app: &TestApp, family: &str) {
    let hub = app.token_for(demo::HUB_WORKER).await;
    let held_on = (app.clock.now() + chrono::Duration::days(7)).date_naive();
    let body = app
        .gql(
            Some(&hub),
            SCHEDULE,
            json!({ "input": { "family": family, "kind": "REVIEW", "heldOn": held_on.format("%Y-%m-%d").to_string() } }),
        )
        .await;
    assert_eq!(
        body["data"]["scheduleMeeting"]["userErrors"],
        json!([]),
        "{body}"
    );
}

async fn a_connection_runs_a_bounded_number_of_subscriptions_and_all_get_each_event(app: TestApp) {
    app.load_demo().await;
    let (family, plan) = morgans_plan(&app).await;
    let token = app.token_for(demo::MORGAN_PARENT).await;
    let mut dana = Subscriber::signed_in(&app, &token).await;
    for id in 1..=6 {
        dana.subscribe(&id.to_string(), PLAN_CHANGED, json!({ "plan": plan }))
            .await;
    }
    // The sixth is refused at once; the five run.
    let refused = dana.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(refused["id"], "6", "{refused}");
    let code = match refused["type"].as_str() {
        Some("error") => refused["payload"][0]["extensions"]["code"].clone(),
        _ => refused["payload"]["errors"][0]["extensions"]["code"].clone(),
    };
    assert_eq!(code, "QUERY_TOO_LARGE", "{refused}");
    if refused["type"] == "next" {
        let done = dana.next(Duration::from_secs(5)).await.unwrap();
        assert_eq!(
            (done["id"].clone(), done["type"].clone()),
            (json!("6"), json!("complete"))
        );
    }

    // One change: each of the five gets it (one authorisation for them all).
    assert_eq!(dana.next(Duration::from_millis(300)).await, None);
    change_plan(&app, &family).await;
    let mut got: Vec<String> = Vec::new();
    for _ in 0..5 {
        let event = dana
            .next(Duration::from_secs(5))
            .await
            .expect("an event for each");
        assert_eq!(event["type"], "next", "{event}");
        assert_eq!(
            event["payload"]["data"]["planChanged"]["planId"],
            plan.as_str()
        );
        got.push(event["id"].as_str().unwrap().to_owned());
    }
    got.sort();
    assert_eq!(got, ["1", "2", "3", "4", "5"]);

    // Stopping one frees its place.
    dana.send(json!({ "id": "1", "type": "complete" })).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    dana.subscribe("7", PLAN_CHANGED, json!({ "plan": plan }))
        .await;
    // Accepted: nothing comes for it before a change (only, perhaps, the end of "1").
    while let Some(message) = dana.next(Duration::from_millis(500)).await {
        assert_eq!(message, json!({ "id": "1", "type": "complete" }));
    }
    change_plan(&app, &family).await;
    let mut got: Vec<String> = Vec::new();
    for _ in 0..5 {
        let event = dana
            .next(Duration::from_secs(5))
            .await
            .expect("an event for each");
        got.push(event["id"].as_str().unwrap().to_owned());
    }
    got.sort();
    assert_eq!(got, ["2", "3", "4", "5", "7"]);
}

async fn an_account_holds_a_bounded_number_of_connections(app: TestApp) {
    app.load_demo().await;
    let token = app.token_for(demo::MORGAN_PARENT).await;
    let first = Subscriber::signed_in(&app, &token).await;
    let _second = Subscriber::signed_in(&app, &token).await;
    let (refused, _third) = Subscriber::connect(&app, Some(&token)).await;
    assert_ne!(refused["type"], "connection_ack", "{refused}");
    // Another account is not affected.
    let _jordan =
        Subscriber::signed_in(&app, &app.token_for(demo::MORGAN_YOUNG_PERSON).await).await;
    // Closing one makes room.
    drop(first);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _again = Subscriber::signed_in(&app, &token).await;
}

async fn a_connection_that_stops_answering_pings_is_closed(app: TestApp) {
    app.load_demo().await;
    let token = app.token_for(demo::MORGAN_PARENT).await;
    // A client that stops reading stops answering pings, and is closed as gone away.
    let mut asleep = Subscriber::signed_in(&app, &token).await;
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let closed = asleep.next(Duration::from_secs(2)).await.unwrap();
    assert_eq!(closed, json!({ "type": "closed", "code": 1001 }));
    // One that reads (and so answers pings) stays connected past the idle timeout.
    let mut awake = Subscriber::signed_in(&app, &token).await;
    assert_eq!(awake.next(Duration::from_millis(1_500)).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_our_origins_may_open_a_websocket() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let refused = Subscriber::open(&app, Some("https://evil.example")).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403);
        }
        other => panic!("not refused: {:?}", other.map(|_| ())),
    }
    // The configured origins (public URL, passkey origins) and native apps (no Origin) may.
    assert!(
        Subscriber::open(&app, Some("http://localhost:8080"))
            .await
            .is_ok()
    );
    assert!(Subscriber::open(&app, None).await.is_ok());
}
