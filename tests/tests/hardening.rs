//! Hardening (issue 12): no request can stall the service, and every failure gets the right
//! status. Fragment fan-out refused before validation, lookups by ID priced and capped, a
//! time budget that stops the work, 503 with `Retry-After` while the database is unavailable.
use family_plan_tests::{Backend, TestApp, demo, error_code, postgres_url};
use sea_orm::{ConnectionTrait, Database, TransactionTrait};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Declares `name` as a test on SQLite and on PostgreSQL, its app's settings adjusted.
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
    node_lookups_cost_what_they_cost_and_are_capped => |_| {},
    a_request_over_its_budget_is_stopped_and_answered_503 => |s| {
        s.request_timeout = Duration::from_secs(1);
    },
    the_work_stops_when_the_client_goes_away => |_| {},
    a_busy_pool_answers_503_after_a_short_wait => |s| {
        s.database_max_connections = 2;
        s.database_acquire_timeout = Duration::from_millis(300);
    },
);

/// `{ ...L0 } fragment L0 on Query { ...L1 ...L1 } … fragment L{levels} on Query { __typename }`:
/// 2^levels selections once expanded, from about 40 bytes a level.
fn fan_out(levels: usize) -> String {
    let mut query = String::from("{ ...L0 }");
    for level in 0..levels {
        let next = level + 1;
        query.push_str(&format!(
            " fragment L{level} on Query {{ ...L{next} ...L{next} }}"
        ));
    }
    query.push_str(&format!(" fragment L{levels} on Query {{ __typename }}"));
    query
}

async fn post(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": query }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (
        status,
        headers,
        response.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fragment_fan_out_is_refused_at_once_while_health_checks_answer() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let query = fan_out(25);
    assert!(query.len() < 1_100, "about a kilobyte: {}", query.len());

    let started = Instant::now();
    let (status, _, body) = post(&app, None, &query).await;
    let alone = started.elapsed();
    assert_eq!(status, 400, "{body}");
    assert_eq!(error_code(&body), Some("QUERY_TOO_LARGE"), "{body}");
    assert!(body.get("data").is_none(), "{body}");
    assert!(alone < Duration::from_millis(500), "refused in {alone:?}");

    // Ten at once, and the health check answers all the while.
    let attacks: Vec<_> = (0..10)
        .map(|_| {
            let client = app.client.clone();
            let url = app.url("/graphql");
            let query = query.clone();
            tokio::spawn(async move {
                let started = Instant::now();
                let response = client
                    .post(url)
                    .json(&json!({ "query": query }))
                    .send()
                    .await
                    .unwrap();
                (response.status().as_u16(), started.elapsed())
            })
        })
        .collect();
    let mut slowest_health = Duration::ZERO;
    for _ in 0..10 {
        let started = Instant::now();
        let response = app
            .client
            .get(app.url("/health/live"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        slowest_health = slowest_health.max(started.elapsed());
    }
    let mut slowest_refusal = Duration::ZERO;
    for attack in attacks {
        let (status, took) = attack.await.unwrap();
        assert_eq!(status, 400);
        slowest_refusal = slowest_refusal.max(took);
    }
    eprintln!(
        "fan-out 2^25: alone {alone:?}; ten at once: slowest refusal {slowest_refusal:?}, slowest /health/live {slowest_health:?}"
    );
    assert!(
        slowest_refusal < Duration::from_secs(2),
        "{slowest_refusal:?}"
    );
    assert!(
        slowest_health < Duration::from_millis(500),
        "{slowest_health:?}"
    );

    // The same shape on a type the complexity limit refuses is refused the same way, first.
    let on_viewer = fan_out(25)
        .replace("on Query", "on Viewer")
        .replace("{ ...L0 }", "{ viewer { ...L0 } }");
    let (status, _, body) = post(&app, None, &on_viewer).await;
    assert_eq!(
        (status, error_code(&body)),
        (400, Some("QUERY_TOO_LARGE")),
        "{body}"
    );

    // A cycle, and an ordinary document with fragments, for contrast.
    let (status, _, body) = post(
        &app,
        None,
        "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (400, Some("QUERY_TOO_LARGE")),
        "{body}"
    );
    let (status, _, body) = post(&app, None, &fan_out(5)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["__typename"], "Query", "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_aliases_are_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let aliases: String = (0..1_000)
        .map(|i| format!("n{i}: node(id: \"x\") {{ id }} "))
        .collect();
    let (status, _, body) = post(&app, None, &format!("{{ {aliases} }}")).await;
    assert_eq!(
        (status, error_code(&body)),
        (400, Some("QUERY_TOO_LARGE")),
        "{body}"
    );
}

async fn node_lookups_cost_what_they_cost_and_are_capped(app: TestApp) {
    app.load_demo().await;
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let (family, _) = family_plan_tests::stories::family_of(&app, demo::MORGAN_PARENT).await;

    // 101 lookups fit the complexity limit (101 × 11) but not the cap of 100 per request.
    let ids: Vec<String> = (0..100).map(|_| family.clone()).collect();
    let ids_list = serde_json::to_string(&ids).unwrap();
    let (status, _, body) = post(
        &app,
        Some(&dana),
        &format!(
            "{{ page: nodes(ids: {ids_list}) {{ id }} one: node(id: \"{family}\") {{ id }} }}"
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(error_code(&body), Some("QUERY_TOO_LARGE"), "{body}");
    assert_eq!(body["errors"].as_array().unwrap().len(), 1, "{body}");
    // Root fields run concurrently: whichever asked last was refused. A refused `nodes` (a
    // non-null list) makes `data` null, as the GraphQL spec's error propagation says; a refused
    // `node` (nullable) is null beside the page that ran.
    let page_ran = body["data"]["page"][99]["id"] == family.as_str();
    let one_refused = body["data"]["one"].is_null();
    let page_refused = body["data"].is_null();
    assert!(
        (page_ran && one_refused) || page_refused,
        "exactly one of the two ran: {body}"
    );

    // Five full pages of `nodes` cost 5 × 100 × 11: over the complexity limit, refused unrun.
    let pages: String = (0..5)
        .map(|i| {
            format!(
                "p{i}: nodes(ids: {}) {{ id }} ",
                serde_json::to_string(&ids).unwrap()
            )
        })
        .collect();
    let (_, _, body) = post(&app, Some(&dana), &format!("{{ {pages} }}")).await;
    assert!(
        body.get("data").is_none() || body["data"].is_null(),
        "{body}"
    );
    assert_eq!(error_code(&body), Some("QUERY_TOO_COMPLEX"), "{body}");

    // One full page is fine.
    let (_, _, body) = post(
        &app,
        Some(&dana),
        &format!(
            "{{ nodes(ids: {}) {{ id }} }}",
            serde_json::to_string(&ids).unwrap()
        ),
    )
    .await;
    assert_eq!(
        body["data"]["nodes"].as_array().map(Vec::len),
        Some(100),
        "{body}"
    );
}

/// Holds the write lock that signing a session's activity needs, from a connection of the
/// test's own, until dropped.
async fn hold_session_writes(app: &TestApp) -> sea_orm::DatabaseTransaction {
    let url = app.settings.database_url.clone().unwrap();
    let db = Database::connect(&url).await.unwrap();
    let txn = api::db::begin_write(&db).await.unwrap();
    if app.backend == Backend::Postgres {
        txn.execute_unprepared("LOCK TABLE sessions IN EXCLUSIVE MODE")
            .await
            .unwrap();
    }
    txn
}

/// A token whose next request writes (its last-seen time is more than a minute old).
async fn token_that_writes(app: &TestApp) -> String {
    let token = app.token_for(demo::MORGAN_PARENT).await;
    app.clock.advance(chrono::Duration::minutes(5));
    token
}

async fn in_flight(app: &TestApp) -> i64 {
    let body: Value = app
        .client
        .get(app.url("/health/ready"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["requestsInFlight"].as_i64().unwrap_or(-1)
}

async fn a_request_over_its_budget_is_stopped_and_answered_503(app: TestApp) {
    app.load_demo().await;
    let token = token_that_writes(&app).await;
    let lock = hold_session_writes(&app).await;
    // This app's budget is 1 s (see the configuration below).
    let started = Instant::now();
    let (status, _, body) = post(&app, Some(&token), "{ viewer { email } }").await;
    let took = started.elapsed();
    assert_eq!(
        (status, error_code(&body)),
        (503, Some("TIMEOUT")),
        "{body}"
    );
    assert!(body.get("data").is_none(), "{body}");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert_eq!(
        in_flight(&app).await,
        0,
        "the stopped request is no longer running"
    );
    drop(lock);
    let (status, _, body) = post(&app, Some(&token), "{ viewer { email } }").await;
    assert_eq!(status, 200, "{body}");
}

async fn the_work_stops_when_the_client_goes_away(app: TestApp) {
    app.load_demo().await;
    let token = token_that_writes(&app).await;
    let lock = hold_session_writes(&app).await;
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let gave_up = impatient
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": "{ viewer { email } }" }))
        .send()
        .await;
    assert!(gave_up.is_err(), "the client gave up first");
    // The lock is still held: only a dropped request can have left.
    let mut running = in_flight(&app).await;
    for _ in 0..20 {
        if running == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        running = in_flight(&app).await;
    }
    assert_eq!(running, 0, "the request's work was dropped with its client");
    drop(lock);
}

async fn a_busy_pool_answers_503_after_a_short_wait(app: TestApp) {
    app.load_demo().await;
    let token = app.token_for(demo::MORGAN_PARENT).await;
    // This app's pool has two connections, and waits 300 ms for one (see below): hold all
    // that can be had (on PostgreSQL the change listener may hold one), the one the server
    // keeps between statements too.
    app.give_back_kept_connections();
    let mut held = Vec::new();
    while let Ok(Ok(txn)) = tokio::time::timeout(Duration::from_secs(1), app.db.begin()).await {
        held.push(txn);
    }
    assert!(!held.is_empty());
    let started = Instant::now();
    let (status, headers, body) = post(&app, Some(&token), "{ viewer { email } }").await;
    let took = started.elapsed();
    assert_eq!(
        (status, error_code(&body)),
        (503, Some("SERVICE_UNAVAILABLE")),
        "{body}"
    );
    assert_eq!(headers["retry-after"], "2");
    assert!(took < Duration::from_secs(2), "{took:?}");
    drop(held);
    let (status, _, body) = post(&app, Some(&token), "{ viewer { email } }").await;
    assert_eq!(status, 200, "{body}");
}

/// While the database refuses connections (as during a restart), requests answer 503 with
/// `Retry-After`, never partial data or a 500, and readiness says not ready; afterwards both
/// recover by themselves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_postgres_is_unavailable_requests_answer_503_and_recover() {
    let Some(server) = postgres_url() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run this on PostgreSQL"
        );
        eprintln!("PostgreSQL not configured; not run");
        return;
    };
    let app = TestApp::spawn_with(Backend::Postgres, |s| {
        s.database_acquire_timeout = Duration::from_millis(500);
    })
    .await;
    app.load_demo().await;
    let token = app.token_for(demo::MORGAN_PARENT).await;
    let name = app
        .settings
        .database_url
        .clone()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let admin = Database::connect(&server).await.unwrap();
    admin
        .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ))
        .await
        .unwrap();

    let start_sign_in = r#"mutation { startPasskeySignIn(input: { email: "dana@family.example" }) { ceremony { ceremonyId } } }"#;
    for (token, query) in [
        (Some(token.as_str()), "{ viewer { email } }"),
        (None, start_sign_in),
        (Some(token.as_str()), "{ viewer { email } }"),
    ] {
        let (status, headers, body) = post(&app, token, query).await;
        assert_eq!(
            (status, error_code(&body)),
            (503, Some("SERVICE_UNAVAILABLE")),
            "{query}: {body}"
        );
        assert!(body.get("data").is_none(), "no partial data: {body}");
        assert_eq!(headers["retry-after"], "2");
    }
    let ready = app
        .client
        .get(app.url("/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);

    admin
        .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .await
        .unwrap();
    let mut recovered = false;
    for _ in 0..40 {
        let ready = app
            .client
            .get(app.url("/health/ready"))
            .send()
            .await
            .unwrap();
        if ready.status() == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "readiness comes back with the database");
    let (status, _, body) = post(&app, Some(&token), "{ viewer { email } }").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["viewer"]["email"], demo::MORGAN_PARENT);
}
