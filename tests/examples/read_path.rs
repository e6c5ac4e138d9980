//! Benchmark: the cost of the consent gate and the audit trail on a family read.
//!
//! Runs the real server on SQLite (and PostgreSQL when `FAMILY_PLAN_TEST_DATABASE_URL` is set)
//! and times the same `node(id:)` read of a family by three viewers, interleaved so that the
//! shared machine's noise falls on all alike: the family's parent (no policy facts, no audit),
//! the hub worker (role decides, read audited) and a team practitioner (team, consent and
//! override looked up, read audited). Prints requests per second and each one's ratio to the
//! parent's. `cargo run --release -p family-plan-tests --example read_path`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use family_plan_tests::{Backend, TestApp, demo, postgres_url};
use serde_json::json;
use std::time::{Duration, Instant};

const ROUNDS: usize = 300;
const READ: &str = "query($id: ID!) { node(id: $id) { ... on Family { reference needLevel { level } members { name } } } }";

#[tokio::main]
async fn main() {
    let mut backends = vec![Backend::Sqlite];
    if postgres_url().is_some() {
        backends.push(Backend::Postgres);
    }
    for backend in backends {
        let app = TestApp::spawn(backend).await;
        app.load_demo().await;
        let hub = app.token_for(demo::HUB_WORKER).await;
        let families = app
            .gql(
                Some(&hub),
                "{ families(first: 1) { edges { node { id } } } }",
                json!({}),
            )
            .await;
        let id = families["data"]["families"]["edges"][0]["node"]["id"].clone();
        let viewers = [
            (
                "parent (no gate, no audit)",
                app.token_for(demo::MORGAN_PARENT).await,
            ),
            ("hub worker (audited)", hub.clone()),
            (
                "team practitioner (gated, audited)",
                app.token_for(demo::SCHOOL_PRACTITIONER).await,
            ),
        ];
        let mut spent = [Duration::ZERO; 3];
        for _ in 0..ROUNDS {
            for (i, (_, token)) in viewers.iter().enumerate() {
                let started = Instant::now();
                let body = app.gql(Some(token), READ, json!({ "id": id })).await;
                spent[i] += started.elapsed();
                assert!(body["errors"].is_null(), "{body}");
            }
        }
        println!("{backend:?}: {ROUNDS} reads each");
        for (i, (name, _)) in viewers.iter().enumerate() {
            let per_second = ROUNDS as f64 / spent[i].as_secs_f64();
            let ratio = spent[i].as_secs_f64() / spent[0].as_secs_f64();
            println!("  {name:<36} {per_second:>8.0} req/s  {ratio:>5.2}x the parent's time");
        }
    }
}
