//! The HTTP surface: health, content types, batching, limits, the IDE page.
use family_plan_tests::{Backend, TestApp, db_tests, demo, error_code};
use serde_json::{Value, json};

db_tests!(
    health_endpoints_report_live_and_ready,
    graphql_accepts_only_json_posts,
    batched_requests_are_refused,
    too_deep_and_too_costly_queries_are_refused,
    pages_are_capped_at_one_hundred,
    anonymous_people_see_no_family_data,
    responses_carry_a_request_id,
    plan_rows_answer_in_the_order_asked,
    every_object_answers_in_the_order_asked,
);

async fn health_endpoints_report_live_and_ready(app: TestApp) {
    let live = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    let ready = app
        .client
        .get(app.url("/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["database"], "ok");

    // With the database gone, the service is alive but not ready.
    app.db.clone().close().await.unwrap();
    let ready = app
        .client
        .get(app.url("/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    let live = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
}

async fn graphql_accepts_only_json_posts(app: TestApp) {
    let query = r#"{"query":"{ needLevels { level } }"}"#;
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut request = app.client.post(app.url("/graphql")).body(query);
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 415, "content type {content_type:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), Some("UNSUPPORTED_MEDIA_TYPE"));
    }
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json; charset=utf-8")
        .body(query)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    // GET serves the IDE page, never runs an operation (see contract.rs).
    let page = app.client.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("graphiql"), "GraphiQL page expected");

    let bad = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(error_code(&body), Some("BAD_REQUEST"));
}

async fn batched_requests_are_refused(app: TestApp) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&json!([{ "query": "{ needLevels { level } }" }, { "query": "{ needLevels { label } }" }]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("one operation per request")
    );
}

async fn too_deep_and_too_costly_queries_are_refused(app: TestApp) {
    app.load_demo().await;
    let token = app.token_for(demo::HUB_WORKER).await;
    // Practitioner -> organisation -> practitioners -> ... nests as deep as a client likes.
    let mut deep = String::from("id");
    for _ in 0..3 {
        deep = format!(
            "organisation {{ practitioners(first: 1) {{ edges {{ node {{ {deep} }} }} }} }}"
        );
    }
    let body = app
        .gql(
            Some(&token),
            &format!("{{ viewer {{ practitioner {{ {deep} }} }} }}"),
            json!({}),
        )
        .await;
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("nested too deep"), "{body}");
    assert_eq!(error_code(&body), Some("QUERY_TOO_DEEP"), "{body}");
    assert!(body["data"].is_null());

    let costly = "{ organisations(first: 100) { edges { node { practitioners(first: 100) { edges { node { id name roles } } } } } } }";
    let body = app.gql(Some(&token), costly, json!({})).await;
    assert_eq!(error_code(&body), Some("QUERY_TOO_COMPLEX"), "{body}");

    // The same shape with sensible page sizes is fine.
    let fine = "{ organisations(first: 10) { edges { node { practitioners(first: 10) { edges { node { id name roles } } } } } } }";
    let body = app.gql(Some(&token), fine, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        body["data"]["organisations"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

async fn pages_are_capped_at_one_hundred(app: TestApp) {
    app.load_demo().await;
    let token = app.token_for(demo::HUB_WORKER).await;
    let body = app
        .gql(
            Some(&token),
            "{ families(first: 101) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("100")
    );

    let body = app
        .gql(
            Some(&token),
            "{ families(first: -1) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));

    let ids: Vec<String> = (0..101).map(|i| format!("id{i}")).collect();
    let body = app
        .gql(
            Some(&token),
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ids }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));

    let body = app
        .gql(
            Some(&token),
            r#"{ families(after: "garbage") { edges { node { id } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
}

async fn anonymous_people_see_no_family_data(app: TestApp) {
    app.load_demo().await;
    let body = app.gql(None, "{ viewer { email } }", json!({})).await;
    assert!(body["errors"].is_null());
    assert!(body["data"]["viewer"].is_null());

    let body = app
        .gql(
            None,
            "{ families { edges { node { reference } } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    assert!(body["data"].is_null() || body["data"]["families"].is_null());

    let body = app
        .gql(
            None,
            "{ organisations { edges { node { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));

    // A token that was never issued is refused outright, not treated as anonymous.
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth("made-up-token")
        .json(&json!({ "query": "{ viewer { email } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));

    let response = app
        .client
        .post(app.url("/graphql"))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .json(&json!({ "query": "{ viewer { email } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

async fn responses_carry_a_request_id(app: TestApp) {
    let first = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    let second = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    let id = |r: &reqwest::Response| {
        r.headers()
            .get("x-request-id")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_ne!(id(&first), id(&second));
    let given = app
        .client
        .get(app.url("/health/live"))
        .header("x-request-id", "from-the-app-123")
        .send()
        .await
        .unwrap();
    assert_eq!(id(&given), "from-the-app-123");
}

#[tokio::test]
async fn production_mode_hides_the_ide_and_introspection() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| s.production = true).await;
    let page = app.client.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(page.status(), 404);
    let body = app
        .gql(None, "{ __schema { types { name } } }", json!({}))
        .await;
    assert!(body["data"]["__schema"].is_null(), "{body}");
    let body = app
        .gql(
            None,
            "{ __type(name: \"Family\") { fields { name } } }",
            json!({}),
        )
        .await;
    assert!(body["data"]["__type"].is_null(), "{body}");
    // Ordinary operations still run.
    let body = app
        .gql(None, "{ needLevels { level label } }", json!({}))
        .await;
    assert_eq!(body["data"]["needLevels"][3]["label"], "Child protection");
}

/// A plan's outcomes, notes, actions and the people they name answer in the order the query
/// asks for their fields (GraphQL spec, "Serialized Map Ordering"), even when a field asked
/// first is read from the database and those after it are at hand: they resolve one after
/// another, as the fields of one row, which also spares the executor a task per field.
async fn plan_rows_answer_in_the_order_asked(app: TestApp) {
    app.load_demo().await;
    let token = app.token_for(demo::MORGAN_PARENT).await;
    let query = "{ viewer { familyMember { family { plan { leadProfessional { organisation { name } roles name } outcomes { nodes { history(first: 1) { nodes { what } } id words } } } } } } }";
    let text = app.gql_text(Some(&token), query, json!({})).await;
    assert!(!text.contains("\"errors\""), "{text}");
    assert!(
        text.contains("\"leadProfessional\":{\"organisation\":{\"name\":"),
        "{text}"
    );
    let outcomes = text.matches("\"words\":").count();
    assert!(outcomes >= 2, "{text}");
    assert_eq!(
        text.matches("{\"history\":{\"nodes\":").count(),
        outcomes,
        "each outcome starts with its history: {text}"
    );
}

/// The spec's "Serialized Map Ordering": each object's keys in the order the document asks,
/// whichever field's value came last (the family, its plan and assessment are read from the
/// database, its reference and the member's name are at hand). Every key is an alias, so
/// that its place in the raw body is unambiguous.
async fn every_object_answers_in_the_order_asked(app: TestApp) {
    app.load_demo().await;
    let token = app.token_for(demo::MORGAN_PARENT).await;
    let query = "{ k01: viewer { k02: familyMember { k03: family { k04: assessment { k05: id } \
        k06: plan { k07: outcomes(first: 2) { k08: nodes { k09: id } k10: pageInfo { k11: hasNextPage } } \
        k12: id } ...F k16: id } k17: planSharedWithThem k18: name k19: id } } \
        k20: needLevels { k21: level } } \
        fragment F on Family { k13: reference ... on Family { k14: consents(first: 1) { k15: pageInfo { hasNextPage } } } }";
    let text = app.gql_text(Some(&token), query, json!({})).await;
    assert!(!text.contains("\"errors\""), "{text}");
    // Each key's place in the body, in the order asked (k05 is absent while the family has
    // no assessment).
    let places: Vec<(usize, String)> = (1..=21)
        .map(|k| format!("\"k{k:02}\":"))
        .filter_map(|key| text.find(&key).map(|at| (at, key)))
        .collect();
    assert!(places.len() >= 20, "{text}");
    let mut answered = places.clone();
    answered.sort();
    assert_eq!(places, answered, "keys out of the order asked: {text}");
}
