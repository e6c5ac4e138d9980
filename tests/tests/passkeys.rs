//! Signing in with passkeys, from the invitation email to a session, with a real (software)
//! authenticator talking WebAuthn to the GraphQL ceremonies.
use chrono::Duration;
use family_plan_tests::passkeys::{
    FINISH_REGISTRATION, FINISH_SIGN_IN, Phone, START_REGISTRATION, START_SIGN_IN, finish_sign_in,
    invitation_token,
};
use family_plan_tests::{TestApp, db_tests, demo, error_code};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

db_tests!(
    invited_parent_sets_up_a_passkey_and_signs_in,
    invitation_links_work_once_and_expire,
    a_new_invitation_replaces_the_old_one,
    only_the_front_door_invites_people,
    a_passkey_from_another_website_is_refused,
    a_replayed_sign_in_is_refused,
    a_cloned_passkey_whose_counter_goes_backwards_is_refused,
    sign_in_without_an_email_uses_the_passkey_on_the_phone,
    unknown_emails_look_like_known_ones,
    sign_in_starts_are_rate_limited,
    signing_out_ends_the_session,
    people_manage_their_own_passkeys,
    a_ceremony_expires_after_five_minutes,
    sessions_end_after_being_idle,
);

const VIEWER: &str = "{ viewer { email familyMember { name } practitioner { name } passkeys { id name createdAt lastUsedAt backedUp } } }";
const INVITE: &str = "mutation($input: InvitePersonInput!) { invitePerson(input: $input) { invitation { expiresAt } userErrors { field code message } } }";
const MEMBERS: &str =
    "{ families(first: 10) { edges { node { reference members { id name } } } } }";

/// The global ID of a demo family member, as the hub sees it.
async fn member_id(app: &TestApp, hub: &str, name: &str) -> Value {
    let body = app.gql(Some(hub), MEMBERS, json!({})).await;
    for family in body["data"]["families"]["edges"].as_array().unwrap() {
        for member in family["node"]["members"].as_array().unwrap() {
            if member["name"] == name {
                return member["id"].clone();
            }
        }
    }
    panic!("no member called {name}: {body}");
}

/// Invites a demo person from the command line; returns the token from the delivered email.
async fn invite(app: &TestApp, email: &str, n: usize) -> String {
    app.cli(&["admin", "invite", "--email", email])
        .await
        .unwrap();
    invitation_token(&app.email_to(email, n).await)
}

async fn invited_parent_sets_up_a_passkey_and_signs_in(app: TestApp) {
    app.load_demo().await;
    let hub = app.token_for(demo::HUB_WORKER).await;
    let dana = member_id(&app, &hub, "Dana Morgan").await;
    let body = app
        .gql(Some(&hub), INVITE, json!({ "input": { "person": dana } }))
        .await;
    let invitation = &body["data"]["invitePerson"];
    assert_eq!(invitation["userErrors"], json!([]), "{body}");
    let expires: chrono::DateTime<chrono::Utc> = invitation["invitation"]["expiresAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(expires - chrono::Utc::now() > Duration::days(6));

    // The email says what to do and links to the app; nothing about the family.
    let email = app.email_to(demo::MORGAN_PARENT, 1).await;
    assert!(
        email.contains("Subject: You are invited to Family Plan"),
        "{email}"
    );
    assert!(
        email.contains("http://localhost:8080/invitation?token="),
        "{email}"
    );
    for private in ["Dana", "Morgan", "EH-DEMO", "Jordan"] {
        assert!(
            !email.contains(private),
            "the email mentions {private}: {email}"
        );
    }

    let mut phone = Phone::default();
    let registered = phone
        .register(&app, &invitation_token(&email), "Dana's phone")
        .await;
    assert_eq!(registered["userErrors"], json!([]), "{registered}");
    assert_eq!(registered["passkey"]["name"], "Dana's phone");
    let token = registered["session"]["token"].as_str().unwrap().to_owned();
    let body = app.gql(Some(&token), VIEWER, json!({})).await;
    assert_eq!(
        body["data"]["viewer"]["email"],
        demo::MORGAN_PARENT,
        "{body}"
    );
    assert_eq!(
        body["data"]["viewer"]["familyMember"]["name"],
        "Dana Morgan"
    );
    assert_eq!(
        body["data"]["viewer"]["passkeys"][0]["name"],
        "Dana's phone"
    );
    assert!(body["data"]["viewer"]["passkeys"][0]["lastUsedAt"].is_null());

    // Later, on the same phone, Dana signs in with her email address.
    let signed_in = phone.sign_in(&app, Some("Dana@Family.Example")).await;
    assert_eq!(signed_in["userErrors"], json!([]), "{signed_in}");
    let token = signed_in["session"]["token"].as_str().unwrap();
    let body = app.gql(Some(token), VIEWER, json!({})).await;
    assert_eq!(body["data"]["viewer"]["email"], demo::MORGAN_PARENT);
    assert!(body["data"]["viewer"]["passkeys"][0]["lastUsedAt"].is_string());

    // The counter and backup state are kept after each sign-in; ceremonies are gone.
    let stored = entities::passkey::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(stored[0].sign_count > 0, "{stored:?}");
    assert_eq!(
        entities::passkey_ceremony::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
}

async fn invitation_links_work_once_and_expire(app: TestApp) {
    app.load_demo().await;
    let token = invite(&app, demo::RAHMAN_PARENT, 1).await;
    let mut phone = Phone::default();
    let done = phone.register(&app, &token, "Phone").await;
    assert_eq!(done["userErrors"], json!([]), "{done}");

    // The same link again: refused, kindly.
    let again = app
        .gql(
            None,
            START_REGISTRATION,
            json!({ "input": { "invitationToken": token } }),
        )
        .await;
    let errors = &again["data"]["startPasskeyRegistration"]["userErrors"];
    assert_eq!(
        errors[0]["field"],
        json!(["input", "invitationToken"]),
        "{again}"
    );
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("expired or has already been used")
    );

    // A link left for more than 7 days stops working.
    let token = invite(&app, demo::SCHOOL_PRACTITIONER, 1).await;
    app.clock.advance(Duration::days(7) + Duration::minutes(1));
    let late = app
        .gql(
            None,
            START_REGISTRATION,
            json!({ "input": { "invitationToken": token } }),
        )
        .await;
    assert_eq!(
        late["data"]["startPasskeyRegistration"]["userErrors"][0]["code"], "INVALID",
        "{late}"
    );

    // A made-up token says the same.
    let made_up = app
        .gql(
            None,
            START_REGISTRATION,
            json!({ "input": { "invitationToken": "abc" } }),
        )
        .await;
    assert_eq!(
        made_up["data"]["startPasskeyRegistration"]["userErrors"][0]["message"],
        errors[0]["message"]
    );
}

async fn a_new_invitation_replaces_the_old_one(app: TestApp) {
    app.load_demo().await;
    let first = invite(&app, demo::MANAGER, 1).await;
    let second = invite(&app, demo::MANAGER, 2).await;
    assert_ne!(first, second);
    let mut phone = Phone::default();
    let old = app
        .gql(
            None,
            START_REGISTRATION,
            json!({ "input": { "invitationToken": first } }),
        )
        .await;
    assert_eq!(
        old["data"]["startPasskeyRegistration"]["userErrors"][0]["code"],
        "INVALID"
    );
    let done = phone.register(&app, &second, "Work phone").await;
    assert_eq!(done["userErrors"], json!([]), "{done}");

    // Only hashes are stored.
    let stored = entities::invitation::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert!(
        stored
            .iter()
            .all(|i| i.token_hash != first && i.token_hash != second)
    );
}

async fn only_the_front_door_invites_people(app: TestApp) {
    app.load_demo().await;
    let hub = app.token_for(demo::HUB_WORKER).await;
    let dana = member_id(&app, &hub, "Dana Morgan").await;
    for who in [
        demo::SCHOOL_PRACTITIONER,
        demo::MORGAN_PARENT,
        demo::MANAGER,
    ] {
        let token = app.token_for(who).await;
        let body = app
            .gql(Some(&token), INVITE, json!({ "input": { "person": dana } }))
            .await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{who}: {body}");
    }
    let body = app
        .gql(None, INVITE, json!({ "input": { "person": dana } }))
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    assert_eq!(
        entities::outbox_message::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0,
        "no email was queued"
    );
    let admin = app.token_for(demo::ADMIN).await;
    let body = app
        .gql(Some(&admin), INVITE, json!({ "input": { "person": dana } }))
        .await;
    assert_eq!(
        body["data"]["invitePerson"]["userErrors"],
        json!([]),
        "{body}"
    );
}

async fn a_passkey_from_another_website_is_refused(app: TestApp) {
    app.load_demo().await;
    let token = invite(&app, demo::MORGAN_PARENT, 1).await;
    let mut phone = Phone::at("https://evil.localhost");
    let refused = phone.register(&app, &token, "Phone").await;
    assert_eq!(
        refused["userErrors"][0]["field"],
        json!(["input", "credential"]),
        "{refused}"
    );
    assert!(refused["session"].is_null());
    assert_eq!(
        entities::passkey::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );

    // The invitation was not used up: the right app can still use it.
    let mut phone = Phone::default();
    let done = phone.register(&app, &token, "Phone").await;
    assert_eq!(done["userErrors"], json!([]), "{done}");

    // Signing in from another website is refused too.
    let mut elsewhere = Phone::default();
    std::mem::swap(&mut elsewhere, &mut phone);
    elsewhere.origin = url::Url::parse("https://evil.localhost").unwrap();
    let refused = elsewhere.sign_in(&app, Some(demo::MORGAN_PARENT)).await;
    assert!(refused["session"].is_null(), "{refused}");
    assert_eq!(refused["userErrors"][0]["code"], "INVALID");
}

async fn a_replayed_sign_in_is_refused(app: TestApp) {
    app.load_demo().await;
    let token = invite(&app, demo::MORGAN_PARENT, 1).await;
    let mut phone = Phone::default();
    phone.register(&app, &token, "Phone").await;

    let (ceremony, assertion) = phone.assertion(&app, Some(demo::MORGAN_PARENT)).await;
    let first = finish_sign_in(&app, &ceremony, &assertion).await;
    assert!(first["session"]["token"].is_string(), "{first}");

    // The same answer again, to the same ceremony: it is finished.
    let again = finish_sign_in(&app, &ceremony, &assertion).await;
    assert!(again["session"].is_null(), "{again}");
    assert_eq!(
        again["userErrors"][0]["field"],
        json!(["input", "ceremonyId"])
    );

    // The same answer to a new ceremony: the challenge does not match.
    let started = app
        .gql(
            None,
            START_SIGN_IN,
            json!({ "input": { "email": demo::MORGAN_PARENT } }),
        )
        .await;
    let ceremony = &started["data"]["startPasskeySignIn"]["ceremony"]["ceremonyId"];
    let replayed = finish_sign_in(&app, ceremony, &assertion).await;
    assert!(replayed["session"].is_null(), "{replayed}");
    assert_eq!(
        replayed["userErrors"][0]["message"],
        "We could not sign you in with that passkey. Please try again."
    );
}

async fn a_cloned_passkey_whose_counter_goes_backwards_is_refused(app: TestApp) {
    app.load_demo().await;
    let token = invite(&app, demo::MORGAN_PARENT, 1).await;
    let mut phone = Phone::default();
    phone.register(&app, &token, "Phone").await;
    let ok = phone.sign_in(&app, Some(demo::MORGAN_PARENT)).await;
    assert!(ok["session"]["token"].is_string(), "{ok}");

    // Another phone with a copy of the key has signed in many more times meanwhile: the
    // stored counter is now ahead of this phone's.
    let stored = entities::passkey::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut credential: Value = serde_json::from_str(&stored.credential).unwrap();
    credential["cred"]["counter"] = json!(1000);
    entities::passkey::Entity::update_many()
        .col_expr(
            entities::passkey::Column::Credential,
            sea_orm::sea_query::Expr::value(credential.to_string()),
        )
        .filter(entities::passkey::Column::Id.eq(stored.id))
        .exec(&app.db)
        .await
        .unwrap();
    let refused = phone.sign_in(&app, Some(demo::MORGAN_PARENT)).await;
    assert!(refused["session"].is_null(), "{refused}");
    assert_eq!(refused["userErrors"][0]["code"], "INVALID");
}

async fn sign_in_without_an_email_uses_the_passkey_on_the_phone(app: TestApp) {
    app.load_demo().await;
    let token = invite(&app, demo::HUB_WORKER, 1).await;
    let mut phone = Phone::default();
    phone.register(&app, &token, "Phone").await;
    // The registration asked for a discoverable credential (residentKey preferred), so the
    // phone keeps one; with `discouraged` it would have nothing to offer below.
    assert!(phone.has_discoverable_passkey());
    let started = app.gql(None, START_SIGN_IN, json!({ "input": {} })).await;
    let public_key = &started["data"]["startPasskeySignIn"]["ceremony"]["publicKey"];
    assert!(
        public_key["allowCredentials"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "{started}"
    );
    let signed_in = phone.sign_in(&app, None).await;
    let token = signed_in["session"]["token"].as_str().unwrap();
    let body = app.gql(Some(token), VIEWER, json!({})).await;
    assert_eq!(
        body["data"]["viewer"]["practitioner"]["name"], "Priya Nair",
        "{body}"
    );
}

async fn unknown_emails_look_like_known_ones(app: TestApp) {
    app.load_demo().await;
    // Someone with an account but no passkey, and nobody at all: both get a challenge.
    for email in [demo::MORGAN_PARENT, "nobody@example.org"] {
        let started = app
            .gql(None, START_SIGN_IN, json!({ "input": { "email": email } }))
            .await;
        let payload = &started["data"]["startPasskeySignIn"];
        assert_eq!(payload["userErrors"], json!([]), "{started}");
        assert!(payload["ceremony"]["publicKey"]["challenge"].is_string());
        // Whatever comes back fails in the same words.
        let finished = app
            .gql(
                None,
                FINISH_SIGN_IN,
                json!({ "input": { "ceremonyId": payload["ceremony"]["ceremonyId"], "credential": { "id": "AAAA" } } }),
            )
            .await;
        assert_eq!(
            finished["data"]["finishPasskeySignIn"]["userErrors"][0]["message"],
            "We could not sign you in with that passkey. Please try again.",
            "{finished}"
        );
    }
}

async fn sign_in_starts_are_rate_limited(app: TestApp) {
    app.load_demo().await;
    let start = |email: String| {
        let app = &app;
        async move {
            app.gql(None, START_SIGN_IN, json!({ "input": { "email": email } }))
                .await
        }
    };
    let nobody = || "nobody@example.org".to_owned();
    // Per account: 10 in 15 minutes, whether or not the address exists.
    for _ in 0..10 {
        assert_eq!(error_code(&start(nobody()).await), None);
    }
    let body = start(nobody()).await;
    assert_eq!(error_code(&body), Some("TOO_MANY_REQUESTS"), "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("wait a few minutes")
    );
    // Per address: 30 in 15 minutes over any accounts.
    for i in 0..19 {
        assert_eq!(
            error_code(&start(format!("person{i}@example.org")).await),
            None
        );
    }
    let body = start(demo::MANAGER.to_owned()).await;
    assert_eq!(error_code(&body), Some("TOO_MANY_REQUESTS"), "{body}");
    // The counters live in the database, shared by every replica, and a new window starts.
    app.clock.advance(Duration::minutes(15));
    assert_eq!(error_code(&start(demo::MANAGER.to_owned()).await), None);
}

async fn signing_out_ends_the_session(app: TestApp) {
    app.load_demo().await;
    let token = invite(&app, demo::MORGAN_PARENT, 1).await;
    let mut phone = Phone::default();
    let registered = phone.register(&app, &token, "Phone").await;
    let first = registered["session"]["token"].as_str().unwrap().to_owned();
    let second = phone.sign_in(&app, Some(demo::MORGAN_PARENT)).await["session"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let third = phone.sign_in(&app, Some(demo::MORGAN_PARENT)).await["session"]["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let out = app
        .gql(
            Some(&first),
            "mutation { signOut { endedSessions } }",
            json!({}),
        )
        .await;
    assert_eq!(out["data"]["signOut"]["endedSessions"], 1, "{out}");
    let body = app.gql(Some(&first), VIEWER, json!({})).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    let body = app.gql(Some(&second), VIEWER, json!({})).await;
    assert_eq!(body["data"]["viewer"]["email"], demo::MORGAN_PARENT);

    let out = app
        .gql(
            Some(&second),
            "mutation { signOutEverywhere { endedSessions } }",
            json!({}),
        )
        .await;
    assert_eq!(
        out["data"]["signOutEverywhere"]["endedSessions"], 2,
        "{out}"
    );
    for token in [&second, &third] {
        let body = app.gql(Some(token), VIEWER, json!({})).await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    }
    let body = app
        .gql(None, "mutation { signOut { endedSessions } }", json!({}))
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
}

async fn people_manage_their_own_passkeys(app: TestApp) {
    app.load_demo().await;
    let token = invite(&app, demo::MORGAN_PARENT, 1).await;
    let mut phone = Phone::default();
    let registered = phone.register(&app, &token, "Phone").await;
    let on_phone = registered["session"]["token"].as_str().unwrap().to_owned();
    let phone_key = registered["passkey"]["id"].clone();

    const REMOVE: &str = "mutation($input: RemovePasskeyInput!) { removePasskey(input: $input) { removedPasskeyId userErrors { field code message } } }";
    const RENAME: &str = "mutation($input: RenamePasskeyInput!) { renamePasskey(input: $input) { passkey { name } userErrors { field code message } } }";

    // The only passkey cannot go.
    let body = app
        .gql(
            Some(&on_phone),
            REMOVE,
            json!({ "input": { "passkey": phone_key } }),
        )
        .await;
    let errors = &body["data"]["removePasskey"]["userErrors"];
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("only passkey"),
        "{body}"
    );

    // Signed in, Dana adds a passkey on her tablet.
    let mut tablet = Phone::default();
    let started = app
        .gql(Some(&on_phone), START_REGISTRATION, json!({ "input": {} }))
        .await;
    let ceremony = &started["data"]["startPasskeyRegistration"]["ceremony"];
    // The phone's passkey is excluded, so the same authenticator is not registered twice.
    assert_eq!(
        ceremony["publicKey"]["excludeCredentials"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let credential = tablet.create(&ceremony["publicKey"]);
    let added = app
        .gql(
            None,
            FINISH_REGISTRATION,
            json!({ "input": { "ceremonyId": ceremony["ceremonyId"], "credential": credential.clone(), "name": "  " } }),
        )
        .await;
    assert_eq!(
        added["data"]["finishPasskeyRegistration"]["userErrors"][0]["code"], "REQUIRED",
        "a name is needed: {added}"
    );
    let added = app
        .gql(
            None,
            FINISH_REGISTRATION,
            json!({ "input": { "ceremonyId": ceremony["ceremonyId"], "credential": credential, "name": "Tablet" } }),
        )
        .await;
    let on_tablet = added["data"]["finishPasskeyRegistration"]["session"]["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let body = app
        .gql(
            Some(&on_tablet),
            RENAME,
            json!({ "input": { "passkey": phone_key, "name": "Old phone" } }),
        )
        .await;
    assert_eq!(
        body["data"]["renamePasskey"]["passkey"]["name"], "Old phone",
        "{body}"
    );
    let body = app.gql(Some(&on_tablet), VIEWER, json!({})).await;
    let names: Vec<&str> = body["data"]["viewer"]["passkeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Old phone", "Tablet"]);

    // Someone else cannot touch Dana's passkeys.
    let other = app.token_for(demo::HUB_WORKER).await;
    let body = app
        .gql(
            Some(&other),
            REMOVE,
            json!({ "input": { "passkey": phone_key } }),
        )
        .await;
    assert_eq!(
        body["data"]["removePasskey"]["userErrors"][0]["code"], "NOT_FOUND",
        "{body}"
    );

    // Removing the lost phone's passkey ends the sessions signed in with it.
    let body = app
        .gql(
            Some(&on_tablet),
            REMOVE,
            json!({ "input": { "passkey": phone_key } }),
        )
        .await;
    assert_eq!(
        body["data"]["removePasskey"]["removedPasskeyId"], phone_key,
        "{body}"
    );
    let body = app.gql(Some(&on_phone), VIEWER, json!({})).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    let body = app.gql(Some(&on_tablet), VIEWER, json!({})).await;
    assert_eq!(
        body["data"]["viewer"]["passkeys"].as_array().unwrap().len(),
        1
    );
    // And that passkey no longer signs in.
    let refused = phone.sign_in(&app, None).await;
    assert!(refused["session"].is_null(), "{refused}");
}

async fn a_ceremony_expires_after_five_minutes(app: TestApp) {
    app.load_demo().await;
    let token = invite(&app, demo::MORGAN_PARENT, 1).await;
    let started = app
        .gql(
            None,
            START_REGISTRATION,
            json!({ "input": { "invitationToken": token } }),
        )
        .await;
    let ceremony = &started["data"]["startPasskeyRegistration"]["ceremony"];
    let mut phone = Phone::default();
    let credential = phone.create(&ceremony["publicKey"]);
    app.clock
        .advance(Duration::minutes(5) + Duration::seconds(1));
    let late = app
        .gql(
            None,
            FINISH_REGISTRATION,
            json!({ "input": { "ceremonyId": ceremony["ceremonyId"], "credential": credential, "name": "Phone" } }),
        )
        .await;
    let payload = &late["data"]["finishPasskeyRegistration"];
    assert_eq!(
        payload["userErrors"][0]["field"],
        json!(["input", "ceremonyId"]),
        "{late}"
    );
    assert!(payload["session"].is_null());
}

async fn sessions_end_after_being_idle(app: TestApp) {
    app.load_demo().await;
    let token = invite(&app, demo::MORGAN_PARENT, 1).await;
    let mut phone = Phone::default();
    let registered = phone.register(&app, &token, "Phone").await;
    let session = registered["session"]["token"].as_str().unwrap().to_owned();
    // Used every hour and a half, it stays; two hours untouched (the default), it ends.
    for _ in 0..3 {
        app.clock.advance(Duration::minutes(90));
        let body = app.gql(Some(&session), VIEWER, json!({})).await;
        assert_eq!(
            body["data"]["viewer"]["email"],
            demo::MORGAN_PARENT,
            "{body}"
        );
    }
    app.clock.advance(Duration::hours(2) + Duration::minutes(1));
    let body = app.gql(Some(&session), VIEWER, json!({})).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
}
