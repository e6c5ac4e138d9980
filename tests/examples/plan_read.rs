//! Benchmark: the family's plan screen, as the app loads it in one request — every outcome
//! with who it is for, who proposed it, notes, progress side by side and actions.
//!
//! Times the read for the demo plan (4 outcomes) and again after the family has written 40
//! more, by the parent and by a team practitioner (consent gate and audit), interleaved.
//! Batch loaders should keep the cost of an extra outcome small: compare the ratios.
//! `cargo run --release -p family-plan-tests --example plan_read`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use family_plan_tests::{Backend, TestApp, demo, postgres_url};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const ROUNDS: usize = 100;
const SCREEN: &str = family_plan_tests::screens::PLAN_SCREEN;

async fn time(app: &TestApp, viewers: &[(&str, String)], family: &Value) -> Vec<Duration> {
    let mut spent = vec![Duration::ZERO; viewers.len()];
    for _ in 0..ROUNDS {
        for (i, (_, token)) in viewers.iter().enumerate() {
            let started = Instant::now();
            let body = app.gql(Some(token), SCREEN, json!({ "id": family })).await;
            spent[i] += started.elapsed();
            assert!(body["errors"].is_null(), "{body}");
        }
    }
    spent
}

#[tokio::main]
async fn main() {
    let mut backends = vec![Backend::Sqlite];
    if postgres_url().is_some() {
        backends.push(Backend::Postgres);
    }
    for backend in backends {
        let app = TestApp::spawn(backend).await;
        app.load_demo().await;
        let parent = app.token_for(demo::MORGAN_PARENT).await;
        let me = app
            .gql(
                Some(&parent),
                "{ viewer { familyMember { family { id plan { id version } } } } }",
                json!({}),
            )
            .await;
        let family = me["data"]["viewer"]["familyMember"]["family"]["id"].clone();
        let plan = me["data"]["viewer"]["familyMember"]["family"]["plan"].clone();
        let viewers = [
            ("parent", parent.clone()),
            (
                "team practitioner",
                app.token_for(demo::SCHOOL_PRACTITIONER).await,
            ),
        ];
        let small = time(&app, &viewers, &family).await;

        let mut version = plan["version"].as_i64().unwrap();
        for n in 0..40 {
            let body = app
                .gql(
                    Some(&parent),
                    "mutation($input: WriteOutcomeInput!) { addOutcome(input: $input) { plan { version } userErrors { message } } }",
                    json!({ "input": { "plan": plan["id"], "expectedVersion": version, "words": format!("Outcome number {n}"), "area": "HOUSING" } }),
                )
                .await;
            version = body["data"]["addOutcome"]["plan"]["version"]
                .as_i64()
                .unwrap();
        }
        let large = time(&app, &viewers, &family).await;

        println!("{backend:?}: the plan screen, {ROUNDS} reads each");
        for (i, (name, _)) in viewers.iter().enumerate() {
            let rate = |d: Duration| ROUNDS as f64 / d.as_secs_f64();
            println!(
                "  {name:<18} 4 outcomes {:>6.0} req/s   44 outcomes {:>6.0} req/s   {:>5.2}x the time for 11x the outcomes",
                rate(small[i]),
                rate(large[i]),
                large[i].as_secs_f64() / small[i].as_secs_f64()
            );
        }
    }
}
