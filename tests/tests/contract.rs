//! The contract a client builds on: responses exactly as the GraphQL and GraphQL-over-HTTP
//! specs say (error propagation, request errors, media types, introspection).
use family_plan_tests::stories::{family_of, nodes, ok, practitioner_id};
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
    a_mutation_retried_with_its_key_acts_once,
    registered_operations_run_by_id,
    a_document_asked_again_still_has_its_variables_checked,
    objects_the_app_caches_have_ids,
    mutation_payloads_return_the_parent_they_changed,
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
        // A date that is not one, written in the document: validation refuses it.
        (
            json!({ "query": "{ evaluationReport(from: \"yesterday\", to: \"2026-01-01\") { from } }" }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        // The same given as a variable: the variable does not fit its type.
        (
            json!({ "query": "query($from: Date!) { evaluationReport(from: $from, to: \"2026-01-01\") { from } }", "variables": { "from": "2026-02-30" } }),
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

/// Keys asked out of alphabetical order, so that an answer kept as a JSON object (whose keys
/// serde_json sorts) would not come back as it was sent.
const ADD_OUTCOME: &str = "mutation($input: WriteOutcomeInput!) { addOutcome(input: $input) { userErrors { message field code } plan { version id } outcome { words id } } }";

/// The Morgans' plan as Dana sees it: (id, version, number of outcomes).
async fn morgans_plan(app: &TestApp, token: &str) -> (String, i64, usize) {
    let (family, _) = family_of(app, demo::MORGAN_PARENT).await;
    let body = app
        .gql(
            Some(token),
            "query($id: ID!) { node(id: $id) { ... on Family { plan { id version outcomes(first: 100) { nodes { id } } } } } }",
            json!({ "id": family }),
        )
        .await;
    let plan = &body["data"]["node"]["plan"];
    (
        plan["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned(),
        plan["version"].as_i64().unwrap(),
        plan["outcomes"]["nodes"].as_array().unwrap().len(),
    )
}

async fn post_with_key(app: &TestApp, token: &str, key: Option<&str>, body: Value) -> (u16, Value) {
    let (status, text) = post_with_key_text(app, token, key, body).await;
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{text}"));
    (status, body)
}

/// The same, with the answer's raw text.
async fn post_with_key_text(
    app: &TestApp,
    token: &str,
    key: Option<&str>,
    body: Value,
) -> (u16, String) {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn a_mutation_retried_with_its_key_acts_once(app: TestApp) {
    app.load_demo().await;
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let (plan, version, outcomes) = morgans_plan(&app, &dana).await;
    let add = |words: &str| {
        json!({ "query": ADD_OUTCOME, "variables": { "input": {
            "plan": plan, "expectedVersion": version, "words": words, "area": "HOUSING",
        } } })
    };

    // The first attempt lands, but the app never hears back; it retries with the same key.
    let (status, first_text) = post_with_key_text(
        &app,
        &dana,
        Some("7d0c6f1e-retry-1"),
        add("We find a bigger flat"),
    )
    .await;
    let first: Value = serde_json::from_str(&first_text).unwrap();
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        first["data"]["addOutcome"]["userErrors"],
        json!([]),
        "{first}"
    );
    let (status, retry) = post_with_key_text(
        &app,
        &dana,
        Some("7d0c6f1e-retry-1"),
        add("We find a bigger flat"),
    )
    .await;
    assert_eq!(status, 200, "{retry}");
    // Byte for byte: its keys in the order the document asked for them, as the first's.
    assert_eq!(retry, first_text, "the retry gets the first answer");
    let (_, version_after, outcomes_after) = morgans_plan(&app, &dana).await;
    assert_eq!(outcomes_after, outcomes + 1, "acted once");
    assert_eq!(version_after, version + 1);

    // The same key in the body's extensions is the same key.
    let mut in_body = add("We find a bigger flat");
    in_body["extensions"] = json!({ "idempotencyKey": "7d0c6f1e-retry-1" });
    let (_, again) = post_with_key(&app, &dana, None, in_body).await;
    assert_eq!(again, first);

    // Without a key the retry is refused as stale: the first attempt did land.
    let (_, stale) = post_with_key(&app, &dana, None, add("We find a bigger flat")).await;
    assert_eq!(
        stale["data"]["addOutcome"]["userErrors"][0]["code"], "STALE_VERSION",
        "{stale}"
    );

    // The key with a different request: a clear error, and nothing done.
    let (status, reused) =
        post_with_key(&app, &dana, Some("7d0c6f1e-retry-1"), add("Something else")).await;
    assert_eq!(status, 422, "{reused}");
    assert_eq!(
        error_code(&reused),
        Some("IDEMPOTENCY_KEY_REUSED"),
        "{reused}"
    );
    assert!(!reused.as_object().unwrap().contains_key("data"));

    // Another person's key of the same name is theirs: keys are per person.
    let lee = app.token_for(demo::RAHMAN_PARENT).await;
    let (_, theirs) = post_with_key(
        &app,
        &lee,
        Some("7d0c6f1e-retry-1"),
        add("We find a bigger flat"),
    )
    .await;
    assert_ne!(theirs, first, "{theirs}");

    // After 24 hours the key is forgotten: the same request runs again (and is stale now).
    app.clock.advance(chrono::Duration::hours(25));
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let (_, later) = post_with_key(
        &app,
        &dana,
        Some("7d0c6f1e-retry-1"),
        add("We find a bigger flat"),
    )
    .await;
    assert_eq!(
        later["data"]["addOutcome"]["userErrors"][0]["code"], "STALE_VERSION",
        "{later}"
    );
    let (_, _, outcomes_later) = morgans_plan(&app, &dana).await;
    assert_eq!(outcomes_later, outcomes + 1);
}

const NEED_LEVELS: &str = "query NeedLevels { needLevels { level label } }";
const ORGANISATIONS: &str = "query Organisations($first: Int) { organisations(first: $first) { edges { node { id name } } } }";

async fn registered_operations_run_by_id(app: TestApp) {
    app.load_demo().await;
    let manifest = json!({
        trusted(NEED_LEVELS): NEED_LEVELS,
        format!("sha256:{}", trusted(ORGANISATIONS)): ORGANISATIONS,
    });
    let file = app.temp_dir().join("persisted-documents.json");
    std::fs::write(&file, manifest.to_string()).unwrap();
    let printed = app
        .cli(&["admin", "register-operations", file.to_str().unwrap()])
        .await
        .unwrap();
    assert!(
        printed.contains("Registered 2 new operation(s)"),
        "{printed}"
    );
    // Registering again adds nothing; a key that is not the document's hash is refused.
    let printed = app
        .cli(&["admin", "register-operations", file.to_str().unwrap()])
        .await
        .unwrap();
    assert!(printed.contains("Registered 0 new"), "{printed}");
    let bad = app.temp_dir().join("bad.json");
    std::fs::write(
        &bad,
        json!({ trusted("{ x }"): "{ needLevels { level } }" }).to_string(),
    )
    .unwrap();
    assert!(
        app.cli(&["admin", "register-operations", bad.to_str().unwrap()])
            .await
            .is_err()
    );

    // Any server runs a registered document by id, and still runs query text.
    let by_id = json!({ "documentId": format!("sha256:{}", trusted(NEED_LEVELS)) });
    let (status, _, body) = post(&app, None, None, by_id.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"]["needLevels"].as_array().unwrap().len(),
        4,
        "{body}"
    );
    let (_, _, body) = post(
        &app,
        None,
        None,
        json!({ "query": "{ needLevels { level } }" }),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    // An unknown id is a request error.
    let unknown = json!({ "documentId": format!("sha256:{}", trusted("{ nothing }")) });
    let (status, _, body) = post(&app, None, Some(GRAPHQL_RESPONSE_JSON), unknown.clone()).await;
    assert_eq!(status, 400);
    assert_request_error(&body, "PERSISTED_QUERY_NOT_FOUND");

    // A trusted-documents-only replica on the same database.
    let only = app.spawn_replica(|s| s.trusted_documents_only = true).await;
    let hub = only.token_for(demo::HUB_WORKER).await;
    for _ in 0..3 {
        // The first run validates it fully; the later ones use the cached, validated form.
        let (status, _, body) = post(
            &only,
            Some(&hub),
            None,
            json!({ "documentId": format!("sha256:{}", trusted(ORGANISATIONS)), "variables": { "first": 1 } }),
        )
        .await;
        assert_eq!(status, 200);
        assert!(body["errors"].is_null(), "{body}");
        assert_eq!(
            body["data"]["organisations"]["edges"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }
    // Registered text is allowed; anything else is not.
    let (_, _, body) = post(&only, None, None, json!({ "query": NEED_LEVELS })).await;
    assert_eq!(
        body["data"]["needLevels"].as_array().unwrap().len(),
        4,
        "{body}"
    );
    let (status, _, body) = post(
        &only,
        None,
        None,
        json!({ "query": "{ needLevels { level } }" }),
    )
    .await;
    assert_eq!(status, 200);
    assert_request_error(&body, "OPERATION_NOT_ALLOWED");
    let (_, _, body) = post(&only, None, None, unknown).await;
    assert_request_error(&body, "PERSISTED_QUERY_NOT_FOUND");
    // Variables are still checked for a registered document.
    let (_, _, body) = post(
        &only,
        Some(&hub),
        None,
        json!({ "documentId": format!("sha256:{}", trusted(ORGANISATIONS)), "variables": { "first": 500 } }),
    )
    .await;
    assert!(body["errors"].is_array(), "{body}");
}

/// A document that passed the full validation once runs afterwards on the fast-validation
/// schema; its variables are checked on every request all the same: a value of the wrong
/// type is a request error, with no data and nothing changed, the hundredth time as the first.
async fn a_document_asked_again_still_has_its_variables_checked(app: TestApp) {
    app.load_demo().await;
    let hub = app.token_for(demo::HUB_WORKER).await;
    let cases: Vec<(&str, Value, Vec<Value>)> = vec![
        (
            "query($age: Int) { services(age: $age) { pageInfo { hasNextPage } } }",
            json!({ "age": 7 }),
            vec![
                json!({ "age": "seven" }),
                json!({ "age": true }),
                json!({ "age": [7, "x"] }),
            ],
        ),
        (
            "query($status: [SupportRequestStatus!]) { supportRequests(status: $status) { pageInfo { hasNextPage } } }",
            json!({ "status": ["RECEIVED", "SCREENING"] }),
            vec![
                json!({ "status": ["NOPE"] }),
                json!({ "status": "NOPE" }),
                json!({ "status": [null] }),
                json!({ "status": [1] }),
            ],
        ),
        (
            "mutation($born: Date!) { addFamilyMember(input: { family: \"nothing\", name: \"Sam\", dateOfBirth: $born, relation: CHILD }) { userErrors { code } } }",
            json!({ "born": "2015-04-30" }),
            vec![
                json!({ "born": "30/04/2015" }),
                json!({ "born": "2015-02-30" }),
                json!({ "born": 20150430 }),
            ],
        ),
        (
            "mutation($input: RateProgressInput!) { rateProgress(input: $input) { userErrors { code } } }",
            json!({ "input": { "outcome": "nothing", "expectedVersion": 1, "score": 5 } }),
            vec![
                json!({ "input": { "outcome": "nothing", "expectedVersion": 1 } }),
                json!({ "input": { "outcome": "nothing", "expectedVersion": 1, "score": "5" } }),
                json!({ "input": { "outcome": "nothing", "expectedVersion": 1, "score": 5, "extra": 1 } }),
                json!({ "input": "outcome nothing, score 5" }),
                json!({ "input": null }),
            ],
        ),
    ];
    for (query, good, bad) in cases {
        // Twice each way round, so that the later ones run on the validated document.
        for _ in 0..2 {
            let request = json!({ "query": query, "variables": good });
            let (_, _, body) = post(&app, Some(&hub), None, request).await;
            // It ran (an id that names nothing is the resolver's error, with a path).
            assert!(body.get("data").is_some(), "{query} {good}: {body}");
            assert!(
                body["errors"]
                    .as_array()
                    .is_none_or(|errors| errors.iter().all(|e| e["path"].is_array())),
                "{query} {good}: {body}"
            );
            for variables in &bad {
                let request = json!({ "query": query, "variables": variables });
                let (status, _, body) =
                    post(&app, Some(&hub), Some(GRAPHQL_RESPONSE_JSON), request).await;
                assert_eq!(status, 400, "{query} {variables}: {body}");
                assert_request_error(&body, "BAD_USER_INPUT");
            }
        }
    }
}

async fn objects_the_app_caches_have_ids(app: TestApp) {
    app.load_demo().await;
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let body = app
        .gql(
            Some(&dana),
            "{ viewer { passkeys { id } familyMember { family { id
                assessment { id family { id } familySection { id } organisationSections { id version } }
                team(first: 5) { edges { node { id family { id } } } }
                plan { history(first: 3) { edges { node { id } } } outcomes(first: 20) { nodes { notes { nodes { id } } } } } } } } }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let family = &body["data"]["viewer"]["familyMember"]["family"];
    let assessment = &family["assessment"];
    let assessment_id = assessment["id"].as_str().unwrap();
    assert_eq!(assessment["family"]["id"], family["id"]);
    let mut ids = vec![assessment_id.to_owned()];
    for section in assessment["organisationSections"].as_array().unwrap() {
        ids.push(section["id"].as_str().unwrap().to_owned());
    }
    for edge in family["team"]["edges"].as_array().unwrap() {
        ids.push(edge["node"]["id"].as_str().unwrap().to_owned());
        assert_eq!(edge["node"]["family"]["id"], family["id"]);
    }
    for edge in family["plan"]["history"]["edges"].as_array().unwrap() {
        ids.push(edge["node"]["id"].as_str().unwrap().to_owned());
    }
    let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "ids are distinct: {ids:?}");
    assert!(ids.len() > 3, "{body}");

    // The assessment is a Node, fetched again by its id.
    let again = app
        .gql(
            Some(&dana),
            "query($id: ID!) { node(id: $id) { id ... on Assessment { status } } }",
            json!({ "id": assessment_id }),
        )
        .await;
    assert_eq!(again["data"]["node"]["id"], assessment_id, "{again}");
    // And refused to another family, as its family is.
    let aisha = app.token_for(demo::RAHMAN_PARENT).await;
    let refused = app
        .gql(
            Some(&aisha),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": assessment_id }),
        )
        .await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
}

/// The ids of a connection's nodes.
fn ids_in(connection: &Value) -> Vec<Value> {
    nodes(connection)
        .into_iter()
        .map(|n| n["id"].clone())
        .collect()
}

/// Every mutation's payload returns the object it changed and the parent it changed, as the
/// server now has them, so a client cache (Apollo, Relay) updates without a refetch.
async fn mutation_payloads_return_the_parent_they_changed(app: TestApp) {
    app.load_demo().await;
    let (family, _) = family_of(&app, demo::MORGAN_PARENT).await;
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let jordan = app.token_for(demo::MORGAN_YOUNG_PERSON).await;
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let hub = app.token_for(demo::HUB_WORKER).await;
    let vars = json!({ "family": family });

    // Consent: given and withdrawn in the app; the family's consents as they are now.
    let given = app
        .gql(
            Some(&dana),
            "mutation($family: ID!) { giveConsent(input: { family: $family, scope: ALL_PARTNERS }) {
                consent { id } family { id consents(first: 50) { edges { node { id status } } } }
                userErrors { code } } }",
            vars.clone(),
        )
        .await;
    let payload = ok(&given, "giveConsent");
    assert_eq!(payload["family"]["id"], family.as_str(), "{given}");
    let consent = payload["consent"]["id"].clone();
    assert!(
        ids_in(&payload["family"]["consents"]).contains(&consent),
        "{given}"
    );
    let withdrawn = app
        .gql(
            Some(&dana),
            "mutation($id: ID!) { withdrawConsent(input: { consent: $id }) {
                family { id consents(first: 50) { edges { node { id status } } } } userErrors { code } } }",
            json!({ "id": consent }),
        )
        .await;
    let payload = ok(&withdrawn, "withdrawConsent");
    assert_eq!(payload["family"]["id"], family.as_str(), "{withdrawn}");
    let now = nodes(&payload["family"]["consents"]);
    let that = now.iter().find(|c| c["id"] == consent).unwrap();
    assert_eq!(that["status"], "WITHDRAWN", "{withdrawn}");

    // A member added: the family's members include them.
    let added = app
        .gql(
            Some(&hub),
            "mutation($family: ID!) { addFamilyMember(input: { family: $family, name: \"Robin Morgan\",
                dateOfBirth: \"2019-04-02\", relation: CHILD }) {
                member { id } family { id members { id } } userErrors { code } } }",
            vars.clone(),
        )
        .await;
    let payload = ok(&added, "addFamilyMember");
    let members: Vec<Value> = payload["family"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].clone())
        .collect();
    assert!(members.contains(&payload["member"]["id"]), "{added}");

    // A meeting scheduled: the family's meetings include it; a view given: the meeting's
    // views include it.
    let scheduled = app
        .gql(
            Some(&sam),
            "mutation($family: ID!) { scheduleMeeting(input: { family: $family, kind: REVIEW, heldOn: \"2030-01-15\" }) {
                meeting { id } family { id meetings(first: 50) { edges { node { id } } } } userErrors { code } } }",
            vars.clone(),
        )
        .await;
    let payload = ok(&scheduled, "scheduleMeeting");
    let meeting = payload["meeting"]["id"].clone();
    assert!(
        ids_in(&payload["family"]["meetings"]).contains(&meeting),
        "{scheduled}"
    );
    let viewed = app
        .gql(
            Some(&dana),
            "mutation($m: ID!) { giveMeetingView(input: { meeting: $m, words: \"We would like it after school.\" }) {
                view { id } meeting { id views { id } } userErrors { code } } }",
            json!({ "m": meeting }),
        )
        .await;
    let payload = ok(&viewed, "giveMeetingView");
    assert_eq!(payload["meeting"]["id"], meeting, "{viewed}");
    let views: Vec<Value> = payload["meeting"]["views"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].clone())
        .collect();
    assert!(views.contains(&payload["view"]["id"]), "{viewed}");

    // A nomination: the family's current plan.
    let plan = app
        .gql(
            Some(&dana),
            "query($id: ID!) { node(id: $id) { ... on Family { plan { id } } } }",
            json!({ "id": family }),
        )
        .await["data"]["node"]["plan"]["id"]
        .clone();
    let nominated = app
        .gql(
            Some(&dana),
            "mutation($family: ID!, $p: ID!) { nominateLeadProfessional(input: { family: $family, practitioner: $p }) {
                nomination { id } plan { id } userErrors { code } } }",
            json!({ "family": family, "p": practitioner_id(&app, demo::SCHOOL_PRACTITIONER).await }),
        )
        .await;
    assert_eq!(
        ok(&nominated, "nominateLeadProfessional")["plan"]["id"],
        plan,
        "{nominated}"
    );

    // Feedback, a young person's view and a competence assessment: the family.
    let feedback = app
        .gql(
            Some(&dana),
            "mutation($family: ID!) { giveFeedback(input: { family: $family, about: SERVICE, freeText: \"Helpful.\" }) {
                feedback { id } family { id } userErrors { code } } }",
            vars.clone(),
        )
        .await;
    assert_eq!(
        ok(&feedback, "giveFeedback")["family"]["id"],
        family.as_str(),
        "{feedback}"
    );
    let shared = app
        .gql(
            Some(&jordan),
            "mutation { shareView(input: { words: \"School is better.\" }) { view { id } family { id } userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ok(&shared, "shareView")["family"]["id"],
        family.as_str(),
        "{shared}"
    );
    let jordan_id = app
        .gql(
            Some(&jordan),
            "{ viewer { familyMember { id } } }",
            json!({}),
        )
        .await["data"]["viewer"]["familyMember"]["id"]
        .clone();
    let assessed = app
        .gql(
            Some(&sam),
            "mutation($m: ID!) { recordCompetenceAssessment(input: { member: $m, competentToConsent: true, reason: \"Jordan explained what sharing means.\" }) {
                member { id } family { id members { id } } userErrors { code } } }",
            json!({ "m": jordan_id }),
        )
        .await;
    let payload = ok(&assessed, "recordCompetenceAssessment");
    assert_eq!(payload["family"]["id"], family.as_str(), "{assessed}");
}

fn trusted(document: &str) -> String {
    api::digest::sha256_hex(document)
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
