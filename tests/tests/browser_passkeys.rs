//! A real browser signs in with passkeys: Chromium with a DevTools virtual authenticator
//! registers a passkey from an invitation and signs in with and without an email, on the
//! GraphiQL page's origin. `scripts/test` installs Chromium where it is missing; where it
//! cannot be found this one test says so and does not run.
use family_plan_tests::browser::{self, Browser, CEREMONIES_JS};
use family_plan_tests::passkeys::invitation_token;
use family_plan_tests::{Backend, TestApp, demo};
use serde_json::{Value, json};

fn ok<'a>(body: &'a Value, field: &str) -> &'a Value {
    let payload = &body["finished"]["data"][field];
    assert_eq!(payload["userErrors"], json!([]), "{body}");
    payload
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_registers_a_passkey_from_an_invitation_and_signs_in_with_and_without_an_email() {
    let Some(chromium) = browser::chromium() else {
        eprintln!(
            "SKIPPED: Chromium is not installed (scripts/test installs Debian's chromium); the real-browser passkey test did not run"
        );
        return;
    };
    let app = TestApp::spawn_at(Backend::Sqlite, |settings, port| {
        settings.webauthn_rp_id = "localhost".to_owned();
        settings.webauthn_origins =
            vec![url::Url::parse(&format!("http://localhost:{port}")).unwrap()];
    })
    .await;
    let port = app.address.rsplit(':').next().unwrap().to_owned();
    app.load_demo().await;
    app.cli(&["admin", "invite", "--email", demo::HUB_WORKER])
        .await
        .unwrap();
    let invitation = invitation_token(&app.email_to(demo::HUB_WORKER, 1).await);

    let mut browser = Browser::launch(&chromium).await.unwrap();
    // The GraphiQL page's origin: what a web client on this server would use.
    browser
        .open(&format!("http://localhost:{port}/graphql"))
        .await
        .unwrap();
    browser.eval(CEREMONIES_JS).await.unwrap();

    let registered = browser
        .eval(&format!("fp.registerPasskey({})", json!(invitation)))
        .await
        .unwrap();
    assert_eq!(registered["residentKey"], "preferred", "{registered}");
    let passkey = ok(&registered, "finishPasskeyRegistration");
    assert!(passkey["passkey"]["id"].is_string(), "{registered}");

    // With an email: the challenge names the passkey.
    let with_email = browser
        .eval(&format!("fp.signIn({})", json!(demo::HUB_WORKER)))
        .await
        .unwrap();
    assert_eq!(with_email["allowed"], 1, "{with_email}");
    let session = ok(&with_email, "finishPasskeySignIn");
    assert!(session["session"]["token"].is_string(), "{with_email}");

    // Without one: the browser offers the discoverable passkey and says whose it is.
    let without_email = browser.eval("fp.signIn(null)").await.unwrap();
    assert_eq!(without_email["allowed"], 0, "{without_email}");
    let session = ok(&without_email, "finishPasskeySignIn");
    let token = session["session"]["token"].as_str().unwrap();
    let body = app
        .gql(
            Some(token),
            "{ viewer { practitioner { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["viewer"]["practitioner"]["name"], "Priya Nair",
        "{body}"
    );
}
