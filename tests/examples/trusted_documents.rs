//! Benchmark: what a trusted document saves on the plan screen. The same plan-screen query
//! (as in `plan_read`) by the parent, sent as text and by `documentId` (parsed once, validated
//! once, then run with fast validation), interleaved.
//! `cargo run --release -p family-plan-tests --example trusted_documents`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use family_plan_tests::{Backend, TestApp, demo};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const SCREEN: &str = family_plan_tests::screens::PLAN_SCREEN;

async fn post(app: &TestApp, token: &str, body: &Value) -> Duration {
    let started = Instant::now();
    let response: Value = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let spent = started.elapsed();
    assert!(response["errors"].is_null(), "{response}");
    spent
}

#[tokio::main]
async fn main() {
    let rounds: u32 = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(200);
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.load_demo().await;
    let hash = api::digest::sha256_hex(SCREEN);
    let manifest = app.temp_dir().join("manifest.json");
    std::fs::write(&manifest, json!({ &hash: SCREEN }).to_string()).unwrap();
    app.cli(&["admin", "register-operations", manifest.to_str().unwrap()])
        .await
        .unwrap();
    let parent = app.token_for(demo::MORGAN_PARENT).await;
    let me = app
        .gql(
            Some(&parent),
            "{ viewer { familyMember { family { id } } } }",
            json!({}),
        )
        .await;
    let family = me["data"]["viewer"]["familyMember"]["family"]["id"].clone();
    let as_text = json!({ "query": SCREEN, "variables": { "id": family } });
    let by_id = json!({ "documentId": format!("sha256:{hash}"), "variables": { "id": family } });
    // Warm up both (the first by-id request validates and caches the document).
    post(&app, &parent, &as_text).await;
    post(&app, &parent, &by_id).await;
    let (mut text, mut id) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..rounds {
        text += post(&app, &parent, &as_text).await;
        id += post(&app, &parent, &by_id).await;
    }
    let per = |d: Duration| d.as_secs_f64() * 1000.0 / f64::from(rounds);
    println!("plan screen, {rounds} rounds, SQLite");
    println!("  as text:        {:.3} ms per request", per(text));
    println!("  by documentId:  {:.3} ms per request", per(id));
    println!(
        "  saved:          {:.1}%",
        (1.0 - id.as_secs_f64() / text.as_secs_f64()) * 100.0
    );
}
