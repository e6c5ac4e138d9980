//! Sessions minted by the admin command: who is signed in, expiry, tokens hashed at rest.
use chrono::Duration;
use family_plan_tests::{TestApp, db_tests, demo, error_code};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

db_tests!(
    minted_token_signs_in_as_that_person,
    sessions_expire_after_their_lifetime,
    tokens_are_stored_only_as_hashes,
    token_command_refuses_unknown_people,
);

const VIEWER: &str = "{ viewer { email sessionExpiresAt practitioner { name roles organisation { name kind } } familyMember { name relation family { reference } } } }";

async fn minted_token_signs_in_as_that_person(app: TestApp) {
    app.load_demo().await;
    // The command an operator runs: the token is the first line it prints.
    let printed = app
        .cli(&["admin", "token", "--email", demo::HUB_WORKER])
        .await
        .unwrap();
    let token = printed.lines().next().unwrap().trim().to_owned();
    assert!(printed.contains("Authorization: Bearer"), "{printed}");
    let body = app.gql(Some(&token), VIEWER, json!({})).await;
    let viewer = &body["data"]["viewer"];
    assert_eq!(viewer["email"], demo::HUB_WORKER, "{body}");
    assert_eq!(viewer["practitioner"]["name"], "Priya Nair");
    assert_eq!(
        viewer["practitioner"]["roles"],
        json!(["PRACTITIONER", "HUB_WORKER"])
    );
    assert_eq!(viewer["practitioner"]["organisation"]["kind"], "COUNCIL");
    assert!(viewer["familyMember"].is_null());

    // The email is matched whatever its case.
    let printed = app
        .cli(&["admin", "token", "--email", "  Dana@Family.Example "])
        .await
        .unwrap();
    let token = printed.lines().next().unwrap().trim().to_owned();
    let body = app.gql(Some(&token), VIEWER, json!({})).await;
    let viewer = &body["data"]["viewer"];
    assert_eq!(viewer["familyMember"]["name"], "Dana Morgan", "{body}");
    assert_eq!(
        viewer["familyMember"]["relation"],
        "ADULT_WITH_PARENTAL_RESPONSIBILITY"
    );
    assert_eq!(viewer["familyMember"]["family"]["reference"], "EH-DEMO-001");
    assert!(viewer["practitioner"].is_null());
}

async fn sessions_expire_after_their_lifetime(app: TestApp) {
    app.load_demo().await;
    let token = app.token_for(demo::HUB_WORKER).await;
    let body = app.gql(Some(&token), VIEWER, json!({})).await;
    let expires: chrono::DateTime<chrono::Utc> = body["data"]["viewer"]["sessionExpiresAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let lifetime = expires - chrono::Utc::now();
    assert!(
        lifetime > Duration::hours(11) && lifetime <= Duration::hours(12),
        "default is 12 hours"
    );

    // In use all day (never idle for the 2-hour idle timeout), it lasts its whole lifetime.
    for _ in 0..11 {
        app.clock.advance(Duration::hours(1));
        let body = app.gql(Some(&token), VIEWER, json!({})).await;
        assert_eq!(body["data"]["viewer"]["email"], demo::HUB_WORKER);
    }

    app.clock.advance(Duration::hours(1) + Duration::minutes(1));
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": VIEWER }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("sign in again")
    );
}

async fn tokens_are_stored_only_as_hashes(app: TestApp) {
    app.load_demo().await;
    let token = app.token_for(demo::ADMIN).await;
    assert!(token.len() >= 43, "256 random bits, base64url");
    let sessions = entities::session::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(sessions.len(), 1);
    assert_ne!(sessions[0].token_hash, token);
    assert!(!sessions[0].token_hash.contains(&token));
    assert_eq!(
        sessions[0].token_hash,
        api::auth::session::hash_token(&token)
    );

    let second = app.token_for(demo::ADMIN).await;
    assert_ne!(token, second, "every token is new");
    assert_eq!(
        entities::session::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        2
    );
}

async fn token_command_refuses_unknown_people(app: TestApp) {
    let err = app
        .cli(&["admin", "token", "--email", "nobody@example.org"])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("nobody signs in with"), "{err}");
    assert_eq!(
        entities::session::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
}
