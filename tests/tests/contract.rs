//! The contract a client builds on: responses exactly as the GraphQL and GraphQL-over-HTTP
//! specs say (error propagation, request errors, media types, introspection).
use family_plan_tests::stories::family_of;
use family_plan_tests::{Backend, TestApp, db_tests, demo, error_code};
use serde_json::{Value, json};

db_tests!(
    a_refused_non_null_root_field_makes_data_null,
    a_refused_non_null_field_makes_its_nullable_parent_null,
    a_young_person_sees_no_agency_sections_and_no_error,
    request_errors_have_codes_plain_messages_and_no_data,
    graphql_response_json_is_honoured,
    operations_never_run_over_get,
    sign_out_payloads_have_user_errors,
);

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// Posts `body` with the given `Accept` header; returns the status, content type and body.
async fn post(
    app: &TestApp,
    token: Option<&str>,
    accept: Option<&str>,
    body: Value,
) -> (u16, String, Value) {
    let mut request = app.client.post(app.url("/graphql")).json(&body);
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.json().await.unwrap())
}

async fn a_refused_non_null_root_field_makes_data_null(app: TestApp) {
    app.load_demo().await;
    let parent = app.token_for(demo::MORGAN_PARENT).await;
    let body = app
        .gql(
            Some(&parent),
            "{ viewer { email } families(first: 10) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    // `families` is non-null and refused: `data` itself becomes null, not `data` without it.
    assert_eq!(body["data"], Value::Null, "{body}");
    assert!(body.as_object().unwrap().contains_key("data"), "{body}");
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    assert_eq!(body["errors"][0]["path"], json!(["families"]), "{body}");
    assert_eq!(body["errors"].as_array().unwrap().len(), 1, "{body}");

    // A refused nullable field keeps its key, as null, beside its siblings.
    let body = app
        .gql(
            Some(&parent),
            "{ viewer { familyMember { family { members { name email } } } } }",
            json!({}),
        )
        .await;
    let members = body["data"]["viewer"]["familyMember"]["family"]["members"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    assert!(!members.is_empty());
    for member in members {
        let member = member.as_object().unwrap();
        assert_eq!(member.get("email"), Some(&Value::Null), "{body}");
        assert!(member["name"].is_string());
    }
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
}

async fn a_refused_non_null_field_makes_its_nullable_parent_null(app: TestApp) {
    app.load_demo().await;
    let (family, _) = family_of(&app, demo::MORGAN_PARENT).await;
    // On the team with consent: reads the family, but not its access log (the family's own).
    let practitioner = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let body = app
        .gql(
            Some(&practitioner),
            "query($id: ID!) { needLevels { level } node(id: $id) { id ... on Family { reference accessLog(first: 5) { edges { node { kind } } } } } }",
            json!({ "id": family }),
        )
        .await;
    // `accessLog` is non-null, so the Family (the nullable `node`) becomes null; the rest stays.
    let data = body["data"].as_object().unwrap_or_else(|| panic!("{body}"));
    assert_eq!(data.get("node"), Some(&Value::Null), "{body}");
    assert_eq!(data["needLevels"].as_array().unwrap().len(), 4, "{body}");
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    assert_eq!(
        body["errors"][0]["path"],
        json!(["node", "accessLog"]),
        "{body}"
    );

    // The same field asked for without the refused part is whole.
    let body = app
        .gql(
            Some(&practitioner),
            "query($id: ID!) { node(id: $id) { id ... on Family { reference } } }",
            json!({ "id": family }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(body["data"]["node"]["id"], family);
}

async fn a_young_person_sees_no_agency_sections_and_no_error(app: TestApp) {
    app.load_demo().await;
    let young_person = app.token_for(demo::MORGAN_YOUNG_PERSON).await;
    let body = app
        .gql(
            Some(&young_person),
            "{ viewer { familyMember { family { assessment { status familySection { version } organisationSections { version } } } } } }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let assessment = &body["data"]["viewer"]["familyMember"]["family"]["assessment"];
    assert!(assessment["status"].is_string(), "{body}");
    assert_eq!(assessment["organisationSections"], json!([]), "{body}");

    // An adult of the family sees them.
    let parent = app.token_for(demo::MORGAN_PARENT).await;
    let body = app
        .gql(
            Some(&parent),
            "{ viewer { familyMember { family { assessment { organisationSections { version } } } } } }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let sections =
        &body["data"]["viewer"]["familyMember"]["family"]["assessment"]["organisationSections"];
    assert!(!sections.as_array().unwrap().is_empty(), "{body}");
}

/// A request error: no `data` key, one code, a message without parser output.
fn assert_request_error(body: &Value, code: &str) {
    let object = body.as_object().unwrap();
    assert!(
        !object.contains_key("data"),
        "request errors have no data: {body}"
    );
    assert_eq!(error_code(body), Some(code), "{body}");
    for error in body["errors"].as_array().unwrap() {
        let message = error["message"].as_str().unwrap();
        assert!(
            !message.contains("-->") && !message.contains('\n'),
            "a plain message: {message}"
        );
        assert!(error["extensions"]["code"].is_string(), "{body}");
    }
}

async fn request_errors_have_codes_plain_messages_and_no_data(app: TestApp) {
    app.load_demo().await;
    let hub = app.token_for(demo::HUB_WORKER).await;
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({ "query": "{ needLevels { level }" }),
            "GRAPHQL_PARSE_FAILED",
        ),
        (
            json!({ "query": "{ needLevels { nope } }" }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            json!({ "query": "{ organisations(first: 100) { edges { node { practitioners(first: 100) { edges { node { id name roles } } } } } } }" }),
            "QUERY_TOO_COMPLEX",
        ),
        (
            json!({ "query": "query($first: Int) { organisations(first: $first) { edges { node { id } } } }", "variables": { "first": "ten" } }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "query": "query($id: ID!) { node(id: $id) { id } }", "variables": {} }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "query": "query A { needLevels { level } } query B { needLevels { label } }" }),
            "BAD_USER_INPUT",
        ),
    ];
    for (request, code) in cases {
        let (status, content_type, body) = post(&app, Some(&hub), None, request.clone()).await;
        assert_eq!(status, 200, "application/json keeps 200: {request} {body}");
        assert!(
            content_type.starts_with("application/json"),
            "{content_type}"
        );
        assert_request_error(&body, code);
        let (status, content_type, body) = post(
            &app,
            Some(&hub),
            Some(GRAPHQL_RESPONSE_JSON),
            request.clone(),
        )
        .await;
        assert_eq!(status, 400, "{request} {body}");
        assert!(
            content_type.starts_with(GRAPHQL_RESPONSE_JSON),
            "{content_type}"
        );
        assert_request_error(&body, code);
    }

    // The parse error keeps where it is.
    let body = app
        .gql(Some(&hub), "{ needLevels { level }", json!({}))
        .await;
    assert_eq!(body["errors"][0]["locations"][0]["line"], 1, "{body}");

    // Too deep: practitioner -> organisation -> practitioners -> ... as deep as a client likes.
    let mut deep = String::from("id");
    for _ in 0..3 {
        deep = format!(
            "organisation {{ practitioners(first: 1) {{ edges {{ node {{ {deep} }} }} }} }}"
        );
    }
    let (_, _, body) = post(
        &app,
        Some(&hub),
        None,
        json!({ "query": format!("{{ viewer {{ practitioner {{ {deep} }} }} }}") }),
    )
    .await;
    assert_request_error(&body, "QUERY_TOO_DEEP");
}

async fn graphql_response_json_is_honoured(app: TestApp) {
    let query = json!({ "query": "{ needLevels { level } }" });
    let (status, content_type, body) =
        post(&app, None, Some(GRAPHQL_RESPONSE_JSON), query.clone()).await;
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with(GRAPHQL_RESPONSE_JSON),
        "{content_type}"
    );
    assert_eq!(body["data"]["needLevels"].as_array().unwrap().len(), 4);
    // application/json stays the default, and the answer to */* or no Accept at all.
    for accept in [None, Some("*/*"), Some("application/json")] {
        let (status, content_type, _) = post(&app, None, accept, query.clone()).await;
        assert_eq!(status, 200);
        assert!(
            content_type.starts_with("application/json"),
            "{accept:?}: {content_type}"
        );
    }
    // Preference by quality.
    let (_, content_type, _) = post(
        &app,
        None,
        Some("application/graphql-response+json;q=0.5, application/json"),
        query.clone(),
    )
    .await;
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    // A field error still has data, and a 200.
    let (status, _, body) = post(
        &app,
        None,
        Some(GRAPHQL_RESPONSE_JSON),
        json!({ "query": "{ families(first: 1) { edges { node { id } } } }" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.as_object().unwrap().contains_key("data"));
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
}

async fn operations_never_run_over_get(app: TestApp) {
    let response = app
        .client
        .get(app.url("/graphql?query=%7BneedLevels%7Blevel%7D%7D"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), Some("METHOD_NOT_ALLOWED"));
    // The IDE page still loads.
    let page = app.client.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(page.status(), 200);
}

async fn sign_out_payloads_have_user_errors(app: TestApp) {
    app.load_demo().await;
    for mutation in ["signOut", "signOutEverywhere"] {
        let token = app.token_for(demo::MORGAN_PARENT).await;
        let body = app
            .gql(
                Some(&token),
                &format!("mutation {{ {mutation} {{ endedSessions userErrors {{ field code message }} }} }}"),
                json!({}),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
        assert_eq!(body["data"][mutation]["userErrors"], json!([]), "{body}");
        assert!(body["data"][mutation]["endedSessions"].as_u64().unwrap() >= 1);
    }
}

const INTROSPECTION: &str = include_str!("../fixtures/introspection.graphql");

#[tokio::test]
async fn graphql_js_standard_introspection_works_outside_production() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let body = app.gql(None, INTROSPECTION, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    let types = body["data"]["__schema"]["types"].as_array().unwrap();
    assert!(types.iter().any(|t| t["name"] == "Family"));
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
}

#[tokio::test]
async fn introspection_stays_off_and_counted_in_production() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| s.production = true).await;
    let body = app.gql(None, INTROSPECTION, json!({})).await;
    assert!(body["data"].is_null(), "{body}");
    assert_eq!(error_code(&body), Some("QUERY_TOO_DEEP"), "{body}");
}

mod websocket {
    use super::*;
    use family_plan_tests::live::Subscriber;
    use futures::{SinkExt, StreamExt};
    use std::time::Duration;
    use tokio_tungstenite::connect_async;
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    /// Opens the socket without `connection_init`, sends `text`, returns the close code.
    async fn close_code_after(app: &TestApp, text: &str) -> u16 {
        let url = format!("{}/graphql/ws", app.address.replace("http://", "ws://"));
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (mut ws, _) = connect_async(request).await.unwrap();
        ws.send(Message::Text(text.to_owned().into()))
            .await
            .unwrap();
        loop {
            let message = tokio::time::timeout(Duration::from_secs(5), ws.next())
                .await
                .expect("the server answers")
                .expect("a message")
                .expect("no socket error");
            if let Message::Close(frame) = message {
                return frame.map(|f| u16::from(f.code)).unwrap_or_default();
            }
        }
    }

    #[tokio::test]
    async fn websocket_refusals_use_the_graphql_transport_ws_close_codes() {
        let app = TestApp::spawn(Backend::Sqlite).await;
        app.load_demo().await;
        // An unknown token: 4401, so that the app signs in again.
        let (refused, _) = Subscriber::connect(&app, Some("not-a-token")).await;
        assert_eq!(refused, json!({ "type": "closed", "code": 4401 }));

        // An ended session: 4401 too.
        let token = app.token_for(demo::MORGAN_PARENT).await;
        let (ack, _) = Subscriber::connect(&app, Some(&token)).await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        app.clock.advance(chrono::Duration::days(2));
        let (refused, _) = Subscriber::connect(&app, Some(&token)).await;
        assert_eq!(refused, json!({ "type": "closed", "code": 4401 }));

        // Not a protocol message: 4400.
        assert_eq!(close_code_after(&app, "{not json").await, 4400);
        assert_eq!(close_code_after(&app, r#"{"type":"hello"}"#).await, 4400);
        // Subscribing before the connection is acknowledged: 4401.
        let subscribe =
            r#"{"id":"1","type":"subscribe","payload":{"query":"subscription { __typename }"}}"#;
        assert_eq!(close_code_after(&app, subscribe).await, 4401);
    }
}
