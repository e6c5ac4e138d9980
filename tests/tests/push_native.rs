//! Issue 13: pushes to iPhones through APNs and to Android phones through FCM, against a
//! local HTTP/2 server that plays APNs, FCM and Google's OAuth endpoint and checks what it is
//! sent: the provider token's ES256 signature, the OAuth assertion's RS256 signature, the
//! headers, and a payload that carries a title and a notification id only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::http::Version;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use entities::{push_device, push_message};
use family_plan_tests::native_push::{NativePush, Service};
use family_plan_tests::stories::{nodes, ok, sam_changes_the_morgans_plan};
use family_plan_tests::{Backend, TestApp, demo};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

/// Each test on SQLite and on PostgreSQL, on a service whose push settings `$configure`
/// points at a fresh stand-in server.
macro_rules! native_tests {
    (mod $group:ident, $configure:ident: $($name:ident),* $(,)?) => {
        mod $group {
            mod sqlite {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        super::super::run(family_plan_tests::Backend::Sqlite, super::super::$configure, super::super::$name).await
                    }
                )*
            }
            mod postgres {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        super::super::run(family_plan_tests::Backend::Postgres, super::super::$configure, super::super::$name).await
                    }
                )*
            }
        }
    };
}

native_tests!(mod both, both_on:
    an_iphone_and_an_android_phone_get_each_push_once_from_two_workers,
    a_phone_its_push_service_says_is_gone_is_removed,
    a_throttled_push_waits_for_retry_after,
    a_refused_provider_token_or_access_token_is_renewed,
    one_access_token_and_one_provider_token_serve_many_pushes,
);
native_tests!(mod apns_only, apns_on:
    only_a_platform_with_settings_takes_registrations_and_tokens_have_their_shape,
);
native_tests!(mod fcm_only, fcm_on:
    android_alone_takes_registrations,
);

fn both_on(push: &NativePush, settings: &mut api::config::Settings) {
    push.apns_on(settings);
    push.fcm_on(settings);
}

fn apns_on(push: &NativePush, settings: &mut api::config::Settings) {
    push.apns_on(settings);
}

fn fcm_on(push: &NativePush, settings: &mut api::config::Settings) {
    push.fcm_on(settings);
}

async fn run<F, Fut>(
    backend: Backend,
    configure: fn(&NativePush, &mut api::config::Settings),
    test: F,
) where
    F: FnOnce(TestApp, NativePush) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let push = NativePush::start().await;
    let server = push.clone();
    family_plan_tests::run_with(
        backend,
        move |settings| configure(&server, settings),
        |app| test(app, push),
    )
    .await;
}

const REGISTER: &str = "mutation($input: RegisterPushDeviceInput!) { registerPushDevice(input: $input) { device { id platform appVersion } userErrors { field code message } } }";
const DEVICES: &str = "{ viewer { pushDevices { id platform appVersion } } }";
const NO_QUIET: &str =
    "mutation { setNotificationPreferences(input: { quietHours: null }) { userErrors { code } } }";
/// An iPhone's APNs token (hex), and an Android phone's FCM registration token.
fn iphone(n: u8) -> String {
    format!("{:02x}", n).repeat(32)
}

fn android(n: u8) -> String {
    format!("dQw4w9WgXcQ{n}:APA91bH{}", "Zx-_9".repeat(28))
}

async fn register_phone(app: &TestApp, token: &str, platform: &str, device: &str) -> Value {
    let body = app
        .gql(
            Some(token),
            REGISTER,
            json!({ "input": { "platform": platform, "token": device, "appVersion": "3.0.1" } }),
        )
        .await;
    ok(&body, "registerPushDevice")["device"].clone()
}

/// Dana (a Morgan parent) with no quiet hours, her session token.
async fn dana(app: &TestApp) -> String {
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    ok(
        &app.gql(Some(&dana), NO_QUIET, json!({})).await,
        "setNotificationPreferences",
    );
    dana
}

/// Sam (on the Morgans' team) adds a note: the Morgan parent is told.
/// `n` more notices for Dana, at once (a plan change tells the family at most hourly).
async fn tell_dana(app: &TestApp, n: usize) {
    let account = api::domain::accounts::account_by_email(&app.db, demo::MORGAN_PARENT)
        .await
        .unwrap()
        .unwrap();
    let txn = api::db::begin_write(&app.db).await.unwrap();
    let notice = api::domain::notify::Notice::new(
        api::domain::notify::Kind::Attention,
        Default::default(),
        "http://localhost/",
    );
    for _ in 0..n {
        api::domain::notify::tell(&txn, &notice, &[account.id], app.clock.now())
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
}

/// The ids of Dana's notifications, newest first.
async fn inbox(app: &TestApp, dana: &str) -> Vec<Value> {
    let body = app
        .gql(
            Some(dana),
            "{ viewer { notifications(first: 100) { edges { node { id } } } } }",
            json!({}),
        )
        .await;
    nodes(&body["data"]["viewer"]["notifications"])
        .iter()
        .map(|n| n["id"].clone())
        .collect()
}

fn assert_names_nobody(body: &Value) {
    let text = body.to_string();
    for word in [
        "Morgan", "Dana", "Jordan", "Sam", "Whitlock", "Larkhill", "EH-DEMO", "on time", "Priya",
    ] {
        assert!(!text.contains(word), "the push says {word:?}: {text}");
    }
}

fn claims(jwt: &str) -> Value {
    let claims = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap()
}

/// Waits (up to 10 s) until Dana has `n` devices left.
async fn devices_left(app: &TestApp, dana: &str, n: usize) -> Vec<Value> {
    let mut left = vec![];
    for _ in 0..200 {
        let mine = app.gql(Some(dana), DEVICES, json!({})).await;
        left = mine["data"]["viewer"]["pushDevices"]
            .as_array()
            .unwrap()
            .clone();
        if left.len() == n {
            return left;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("Dana still has {} devices: {left:?}", left.len());
}

async fn an_iphone_and_an_android_phone_get_each_push_once_from_two_workers(
    app: TestApp,
    push: NativePush,
) {
    let second = app.spawn_replica(|_| {}).await;
    app.load_demo().await;
    let dana = dana(&app).await;
    // An iPhone gives its token in whichever case; it is kept in one.
    let phone = register_phone(&app, &dana, "IOS", &iphone(0xab).to_uppercase()).await;
    let pixel = register_phone(&app, &dana, "ANDROID", &android(1)).await;
    assert_eq!(phone["platform"], "IOS");
    assert_eq!(pixel["platform"], "ANDROID");
    let mine = app.gql(Some(&dana), DEVICES, json!({})).await;
    assert_eq!(
        mine["data"]["viewer"]["pushDevices"],
        json!([phone, pixel]),
        "{mine}"
    );

    // A real event, then twenty more notices at once for both replicas' workers to race over.
    sam_changes_the_morgans_plan(&app).await;
    tell_dana(&app, 20).await;

    let to_phone = push.wait_for(&iphone(0xab), 21).await;
    let to_pixel = push.wait_for(&android(1), 21).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(push.to(&iphone(0xab)).len(), 21, "each push sent once");
    assert_eq!(push.to(&android(1)).len(), 21, "each push sent once");
    assert_eq!(push.problems(), Vec::<String>::new());

    // The plan change's push: a title and the notification's id, nothing else.
    let notifications = inbox(&app, &dana).await;
    assert_eq!(notifications.len(), 21);
    let changed = notifications.last().unwrap();
    let apns = to_phone
        .iter()
        .find(|r| r.body["notification"] == *changed)
        .unwrap();
    assert_eq!(
        apns.body,
        json!({ "aps": { "alert": { "title": "Your plan has changed" } }, "notification": changed })
    );
    let fcm = to_pixel
        .iter()
        .find(|r| r.body["message"]["data"]["notification"] == *changed)
        .unwrap();
    assert_eq!(
        fcm.body,
        json!({ "message": {
            "token": android(1),
            "notification": { "title": "Your plan has changed" },
            "data": { "notification": changed },
            "android": { "priority": "high" },
        } })
    );
    for received in to_phone.iter().chain(&to_pixel) {
        assert_eq!(received.version, Version::HTTP_2);
        assert_names_nobody(&received.body);
    }
    // Every notification reached each phone once.
    for to in [&to_phone, &to_pixel] {
        let mut ids: Vec<String> = to
            .iter()
            .map(|r| {
                let id = if r.service == Service::Apns {
                    &r.body["notification"]
                } else {
                    &r.body["message"]["data"]["notification"]
                };
                id.as_str().unwrap().to_owned()
            })
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 21);
    }
    let rows = push_message::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(rows.len(), 42);
    assert!(
        rows.iter()
            .all(|m| m.sent_at.is_some() && m.attempts == 1 && m.claimed_by.is_none())
    );
    drop(second);
}

async fn a_phone_its_push_service_says_is_gone_is_removed(app: TestApp, push: NativePush) {
    app.load_demo().await;
    let dana = dana(&app).await;
    push.answer(
        &iphone(1),
        vec![(
            410,
            None,
            json!({ "reason": "Unregistered", "timestamp": 1_764_700_000_000_i64 }),
        )],
    );
    push.answer(
        &iphone(2),
        vec![(400, None, json!({ "reason": "BadDeviceToken" }))],
    );
    push.answer(
        &android(1),
        vec![(
            404,
            None,
            json!({ "error": { "code": 404, "status": "NOT_FOUND", "message": "Requested entity was not found.",
                "details": [{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED" }] } }),
        )],
    );
    push.answer(
        &android(2),
        vec![(
            400,
            None,
            json!({ "error": { "code": 400, "status": "INVALID_ARGUMENT", "message": "The registration token is not a valid FCM registration token",
                "details": [{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "INVALID_ARGUMENT" }] } }),
        )],
    );
    for device in [iphone(1), iphone(2)] {
        register_phone(&app, &dana, "IOS", &device).await;
    }
    for device in [android(1), android(2)] {
        register_phone(&app, &dana, "ANDROID", &device).await;
    }
    let kept = register_phone(&app, &dana, "IOS", &iphone(3)).await;

    sam_changes_the_morgans_plan(&app).await;
    for device in [iphone(1), iphone(2), iphone(3), android(1), android(2)] {
        push.wait_for(&device, 1).await;
    }
    let left = devices_left(&app, &dana, 1).await;
    assert_eq!(left[0]["id"], kept["id"]);
    assert_eq!(push_device::Entity::find().count(&app.db).await.unwrap(), 1);

    // What comes next goes to the phone that is left only.
    tell_dana(&app, 1).await;
    push.wait_for(&iphone(3), 2).await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    for device in [iphone(1), iphone(2), android(1), android(2)] {
        assert_eq!(
            push.to(&device).len(),
            1,
            "nothing more to a phone that is gone"
        );
    }
    assert_eq!(push.problems(), Vec::<String>::new());
}

/// Waits (up to 5 s) until `n` pushes that were tried and not sent are back in the queue,
/// each with its next attempt set: the worker records that just after the push service
/// answers, so a test that moves the clock on before then would move the retry too.
async fn waiting_for_retry(app: &TestApp, n: usize) -> Vec<push_message::Model> {
    let mut waiting = vec![];
    for _ in 0..100 {
        waiting = push_message::Entity::find()
            .filter(push_message::Column::SentAt.is_null())
            .filter(push_message::Column::ClaimedBy.is_null())
            .filter(push_message::Column::LastError.is_not_null())
            .all(&app.db)
            .await
            .unwrap();
        if waiting.len() == n {
            return waiting;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{n} pushes waiting for a retry, found {}", waiting.len());
}

async fn a_throttled_push_waits_for_retry_after(app: TestApp, push: NativePush) {
    app.load_demo().await;
    let dana = dana(&app).await;
    push.answer(
        &iphone(1),
        vec![(429, Some("120"), json!({ "reason": "TooManyRequests" }))],
    );
    push.answer(
        &android(1),
        vec![(
            429,
            Some("120"),
            json!({ "error": { "code": 429, "status": "RESOURCE_EXHAUSTED", "message": "Quota exceeded." } }),
        )],
    );
    register_phone(&app, &dana, "IOS", &iphone(1)).await;
    register_phone(&app, &dana, "ANDROID", &android(1)).await;

    sam_changes_the_morgans_plan(&app).await;
    push.wait_for(&iphone(1), 1).await;
    push.wait_for(&android(1), 1).await;
    // Both wait the two minutes asked for: nothing more until then.
    let waiting = waiting_for_retry(&app, 2).await;
    for message in &waiting {
        let wait = message.next_attempt_at - app.clock.now();
        assert!(
            wait > Duration::seconds(100) && wait <= Duration::seconds(120),
            "{wait}"
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(push.to(&iphone(1)).len(), 1);
    assert_eq!(push.to(&android(1)).len(), 1);

    app.clock.advance(Duration::seconds(121));
    let again = push.wait_for(&iphone(1), 2).await;
    assert_eq!(
        again[1].body["aps"]["alert"]["title"],
        "Your plan has changed"
    );
    let again = push.wait_for(&android(1), 2).await;
    assert_eq!(
        again[1].body["message"]["notification"]["title"],
        "Your plan has changed"
    );
    assert_eq!(push.problems(), Vec::<String>::new());
}

async fn a_refused_provider_token_or_access_token_is_renewed(app: TestApp, push: NativePush) {
    app.load_demo().await;
    let dana = dana(&app).await;
    push.answer(
        &iphone(1),
        vec![(403, None, json!({ "reason": "ExpiredProviderToken" }))],
    );
    register_phone(&app, &dana, "IOS", &iphone(1)).await;
    register_phone(&app, &dana, "ANDROID", &android(1)).await;

    sam_changes_the_morgans_plan(&app).await;
    push.wait_for(&iphone(1), 1).await;
    let first_fcm = push.wait_for(&android(1), 1).await;
    // APNs said the provider token expired: the retry, after the back-off, carries a new one.
    waiting_for_retry(&app, 1).await;
    app.clock.advance(Duration::seconds(31));
    let to_phone = push.wait_for(&iphone(1), 2).await;
    assert_ne!(to_phone[1].credential, to_phone[0].credential);
    assert!(
        claims(&to_phone[1].credential)["iat"].as_i64()
            > claims(&to_phone[0].credential)["iat"].as_i64()
    );

    // Google stops taking the access token: FCM answers 401, and the retry fetches another.
    push.revoke_access_tokens();
    tell_dana(&app, 1).await;
    push.wait_for(&android(1), 2).await;
    waiting_for_retry(&app, 1).await;
    app.clock.advance(Duration::seconds(31));
    let to_pixel = push.wait_for(&android(1), 3).await;
    assert_eq!(to_pixel[1].credential, first_fcm[0].credential);
    assert_ne!(to_pixel[2].credential, first_fcm[0].credential);
    assert_eq!(push.received(Service::OAuth).len(), 2);
    // The iPhone got the second notice with the renewed provider token, kept.
    let to_phone = push.wait_for(&iphone(1), 3).await;
    assert_eq!(to_phone[2].credential, to_phone[1].credential);
    assert_eq!(push.problems(), Vec::<String>::new());
    // The stand-in has answered; the worker marks the push sent just after.
    let mut unsent = u64::MAX;
    for _ in 0..100 {
        unsent = push_message::Entity::find()
            .filter(push_message::Column::SentAt.is_null())
            .count(&app.db)
            .await
            .unwrap();
        if unsent == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(unsent, 0);
}

async fn one_access_token_and_one_provider_token_serve_many_pushes(app: TestApp, push: NativePush) {
    app.load_demo().await;
    let dana = dana(&app).await;
    register_phone(&app, &dana, "IOS", &iphone(1)).await;
    register_phone(&app, &dana, "ANDROID", &android(1)).await;
    sam_changes_the_morgans_plan(&app).await;
    for n in 1..=3 {
        if n > 1 {
            tell_dana(&app, 1).await;
        }
        push.wait_for(&iphone(1), n).await;
        push.wait_for(&android(1), n).await;
    }
    let oauth = push.received(Service::OAuth);
    assert_eq!(oauth.len(), 1, "one access token for every send");
    assert_eq!(oauth[0].version, Version::HTTP_2);
    let assertion = claims(&oauth[0].credential);
    assert_eq!(
        assertion["scope"],
        "https://www.googleapis.com/auth/firebase.messaging"
    );
    for device in [iphone(1), android(1)] {
        let credentials: Vec<String> = push.to(&device).into_iter().map(|r| r.credential).collect();
        assert_eq!(credentials.len(), 3);
        assert!(credentials.iter().all(|c| *c == credentials[0]), "{device}");
    }
    assert_eq!(push.problems(), Vec::<String>::new());
}

async fn only_a_platform_with_settings_takes_registrations_and_tokens_have_their_shape(
    app: TestApp,
    _push: NativePush,
) {
    app.load_demo().await;
    let dana = dana(&app).await;
    let refused = |input: Value| {
        let app = &app;
        let token = dana.clone();
        async move {
            let body = app
                .gql(Some(&token), REGISTER, json!({ "input": input }))
                .await;
            let error = &body["data"]["registerPushDevice"]["userErrors"][0];
            assert!(error.is_object(), "accepted: {body}");
            (
                error["code"].as_str().unwrap().to_owned(),
                error["field"].clone(),
            )
        }
    };
    // No FCM settings: Android phones are not pushed to here, nor are browsers.
    assert_eq!(
        refused(json!({ "platform": "ANDROID", "token": android(1) }))
            .await
            .0,
        "NOT_ALLOWED_NOW"
    );
    // An iPhone's token is hex.
    assert_eq!(
        refused(json!({ "platform": "IOS", "token": "not-a-device-token" })).await,
        ("INVALID".to_owned(), json!(["input", "token"]))
    );
    assert_eq!(
        refused(json!({ "platform": "IOS", "token": format!("{}zz", iphone(1)) })).await,
        ("INVALID".to_owned(), json!(["input", "token"]))
    );
    assert_eq!(refused(json!({ "platform": "IOS" })).await.0, "REQUIRED");
    assert_eq!(push_device::Entity::find().count(&app.db).await.unwrap(), 0);

    let phone = register_phone(&app, &dana, "IOS", &iphone(7)).await;
    assert_eq!(phone["appVersion"], "3.0.1");
    // The same token again (the app re-registers on each start): still one device.
    register_phone(&app, &dana, "IOS", &iphone(7)).await;
    let left = devices_left(&app, &dana, 1).await;
    assert_eq!(left[0]["platform"], "IOS");
}

async fn android_alone_takes_registrations(app: TestApp, push: NativePush) {
    app.load_demo().await;
    let dana = dana(&app).await;
    let body = app
        .gql(
            Some(&dana),
            REGISTER,
            json!({ "input": { "platform": "IOS", "token": iphone(1) } }),
        )
        .await;
    assert_eq!(
        body["data"]["registerPushDevice"]["userErrors"][0]["code"],
        "NOT_ALLOWED_NOW"
    );
    let body = app
        .gql(
            Some(&dana),
            REGISTER,
            json!({ "input": { "platform": "ANDROID", "token": "bad token with spaces and more than thirty-two" } }),
        )
        .await;
    assert_eq!(
        body["data"]["registerPushDevice"]["userErrors"][0]["field"],
        json!(["input", "token"])
    );
    register_phone(&app, &dana, "ANDROID", &android(1)).await;
    sam_changes_the_morgans_plan(&app).await;
    let received = push.wait_for(&android(1), 1).await;
    assert_eq!(
        received[0].body["message"]["notification"]["title"],
        "Your plan has changed"
    );
    assert!(push.received(Service::Apns).is_empty());
}

#[tokio::test]
async fn push_settings_are_checked_at_start_and_name_the_variable_to_fix() {
    use clap::Parser;
    let push = NativePush::start().await;
    let mut good = api::config::Settings::defaults().unwrap();
    push.apns_on(&mut good);
    push.fcm_on(&mut good);
    good.validate().unwrap();
    assert_eq!(
        api::push::enabled_platforms(&good),
        vec![
            api::domain::notify::devices::Platform::Ios,
            api::domain::notify::devices::Platform::Android
        ]
    );
    assert!(api::push::enabled_platforms(&api::config::Settings::defaults().unwrap()).is_empty());

    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage");
    std::fs::write(&garbage, "not a key").unwrap();
    let check = |change: &dyn Fn(&mut api::config::Settings)| {
        let mut settings = good.clone();
        change(&mut settings);
        format!("{:#}", settings.validate().unwrap_err())
    };
    type Change<'a> = Box<dyn Fn(&mut api::config::Settings) + 'a>;
    let cases: Vec<(&str, Change)> = vec![
        (
            "FAMILY_PLAN_APNS_KEY_ID",
            Box::new(|s| s.apns_key_id = None),
        ),
        (
            "FAMILY_PLAN_APNS_TEAM_ID",
            Box::new(|s| s.apns_team_id = Some("short".into())),
        ),
        ("FAMILY_PLAN_APNS_TOPIC", Box::new(|s| s.apns_topic = None)),
        (
            "FAMILY_PLAN_APNS_KEY_FILE",
            Box::new(|s| s.apns_key_file = Some(garbage.clone())),
        ),
        (
            "FAMILY_PLAN_APNS_KEY_FILE",
            Box::new(|s| s.apns_key_file = None),
        ),
        (
            "FAMILY_PLAN_APNS_URL",
            Box::new(|s| s.apns_url = "http://push.example.net".into()),
        ),
        (
            "FAMILY_PLAN_FCM_SERVICE_ACCOUNT_FILE",
            Box::new(|s| s.fcm_service_account_file = Some(garbage.clone())),
        ),
        (
            "FAMILY_PLAN_FCM_URL",
            Box::new(|s| s.fcm_url = "ftp://fcm.example.net".into()),
        ),
    ];
    for (variable, change) in &cases {
        let error = check(change.as_ref());
        assert!(error.contains(variable), "{variable}: {error}");
    }

    let help = <api::cli::Cli as clap::CommandFactory>::command()
        .render_long_help()
        .to_string();
    for var in [
        "FAMILY_PLAN_APNS_KEY_FILE",
        "FAMILY_PLAN_APNS_KEY_ID",
        "FAMILY_PLAN_APNS_TEAM_ID",
        "FAMILY_PLAN_APNS_TOPIC",
        "FAMILY_PLAN_APNS_URL",
        "FAMILY_PLAN_FCM_SERVICE_ACCOUNT_FILE",
        "FAMILY_PLAN_FCM_URL",
    ] {
        assert!(help.contains(var), "--help lacks {var}");
    }
    let parsed = api::cli::Cli::try_parse_from([
        "family-plan",
        "--apns-url",
        "https://api.sandbox.push.apple.com",
    ])
    .unwrap();
    assert_eq!(
        parsed.settings.apns_url,
        "https://api.sandbox.push.apple.com"
    );
}
