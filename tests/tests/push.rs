//! Issue 13: pushes to browsers through Web Push, against a push service played by a local
//! HTTP server that decrypts what it receives with the subscription's private key, as a
//! browser would. Delivery goes through the push outbox: exactly once with two workers, held
//! back by quiet hours, a device the service says is gone is removed, throttling honoured.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Timelike, Utc};
use entities::{push_device, push_message};
use family_plan_tests::passkeys::{
    FINISH_REGISTRATION, Phone, START_REGISTRATION, invitation_token,
};
use family_plan_tests::stories::{nodes, ok, sam_changes_the_morgans_plan};
use family_plan_tests::{TestApp, demo};
use p256::ecdsa::signature::Verifier;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// Like `db_tests!`, on a service with a VAPID key (Web Push on), its push worker looking
/// every 100 ms.
macro_rules! push_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    family_plan_tests::run_with(family_plan_tests::Backend::Sqlite, super::web_push_on, super::$name).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    family_plan_tests::run_with(family_plan_tests::Backend::Postgres, super::web_push_on, super::$name).await
                }
            )*
        }
    };
}

push_tests!(
    a_push_is_encrypted_for_the_browser_and_names_nobody,
    quiet_hours_hold_a_push_until_they_end,
    two_workers_deliver_each_push_exactly_once,
    a_device_the_push_service_says_is_gone_is_removed_and_throttling_is_honoured,
    devices_go_when_their_person_signs_out_everywhere_or_removes_the_passkey,
);

fn web_push_on(settings: &mut api::config::Settings) {
    let (private, _) = api::push::web::generate_keys();
    settings.vapid_private_key = Some(private);
    settings.vapid_subject = SUBJECT.to_owned();
    settings.push_poll_interval = std::time::Duration::from_millis(100);
}

/// The service's VAPID public key, as browsers subscribe with it.
fn public_key(app: &TestApp) -> String {
    let private = app.settings.vapid_private_key.as_deref().unwrap();
    api::push::web::Vapid::new(private, SUBJECT)
        .unwrap()
        .public_key()
        .to_owned()
}

const SUBJECT: &str = "mailto:ops@wrenfield.example";
const REGISTER: &str = "mutation($input: RegisterPushDeviceInput!) { registerPushDevice(input: $input) { device { id platform appVersion } userErrors { field code message } } }";
const UNREGISTER: &str = "mutation($input: UnregisterPushDeviceInput!) { unregisterPushDevice(input: $input) { unregisteredDeviceId userErrors { field code message } } }";
const DEVICES: &str = "{ viewer { webPushPublicKey pushDevices { id platform appVersion } } }";
const NO_QUIET: &str =
    "mutation { setNotificationPreferences(input: { quietHours: null }) { userErrors { code } } }";
/// What the push service received: the path's last segment, the headers, the body.
#[derive(Clone)]
struct Received {
    device: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// Per device, the answers to give next: status and `Retry-After`.
type Answers = HashMap<String, VecDeque<(u16, Option<&'static str>)>>;

/// A push service on this machine. Answers 201, unless told otherwise for a device.
#[derive(Clone, Default)]
struct PushService {
    received: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<Answers>>,
}

async fn receive(
    State(service): State<PushService>,
    Path(device): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> (StatusCode, HeaderMap) {
    service.received.lock().unwrap().push(Received {
        device: device.clone(),
        headers,
        body: body.to_vec(),
    });
    let answer = service
        .answers
        .lock()
        .unwrap()
        .get_mut(&device)
        .and_then(|a| a.pop_front());
    let mut out = HeaderMap::new();
    match answer {
        Some((status, retry_after)) => {
            if let Some(after) = retry_after {
                out.insert("Retry-After", after.parse().unwrap());
            }
            (StatusCode::from_u16(status).unwrap(), out)
        }
        None => (StatusCode::CREATED, out),
    }
}

impl PushService {
    async fn start() -> (String, Self) {
        let service = Self::default();
        let router = axum::Router::new()
            .route("/push/{device}", axum::routing::post(receive))
            .with_state(service.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        (address, service)
    }

    fn answer(&self, device: &str, answers: &[(u16, Option<&'static str>)]) {
        self.answers
            .lock()
            .unwrap()
            .insert(device.to_owned(), answers.iter().copied().collect());
    }

    fn to(&self, device: &str) -> Vec<Received> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.device == device)
            .cloned()
            .collect()
    }

    /// Waits (up to 10 s) until `n` pushes reached `device`.
    async fn wait_for(&self, device: &str, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            let got = self.to(device);
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "{n} pushes to {device} did not arrive: {}",
            self.to(device).len()
        );
    }
}

/// A browser's push subscription keys, kept to decrypt what arrives.
struct Browser {
    secret: p256::SecretKey,
    auth: [u8; 16],
}

impl Browser {
    fn new() -> Self {
        loop {
            let bytes: [u8; 32] = rand::random();
            if let Ok(secret) = p256::SecretKey::from_slice(&bytes) {
                return Self {
                    secret,
                    auth: rand::random(),
                };
            }
        }
    }

    fn subscription(&self, endpoint: &str) -> Value {
        let public = self.secret.public_key().to_encoded_point(false);
        json!({
            "endpoint": endpoint,
            "keys": {
                "p256dh": URL_SAFE_NO_PAD.encode(public.as_bytes()),
                "auth": URL_SAFE_NO_PAD.encode(self.auth),
            }
        })
    }

    /// What the browser's service worker would read.
    fn decrypt(&self, body: &[u8]) -> Value {
        let plain = web_push_native::decrypt(
            body.to_vec(),
            &self.secret,
            &web_push_native::Auth::from(self.auth),
        )
        .expect("the push decrypts with the subscription's key");
        serde_json::from_slice(&plain).unwrap()
    }
}

async fn register(app: &TestApp, token: &str, browser: &Browser, endpoint: &str) -> Value {
    let body = app
        .gql(
            Some(token),
            REGISTER,
            json!({ "input": { "platform": "WEB", "webPushSubscription": browser.subscription(endpoint), "appVersion": "2.1.0" } }),
        )
        .await;
    ok(&body, "registerPushDevice")["device"].clone()
}

/// Sam (on the Morgans' team) adds a note: the Morgan parent is told.
fn personal_words() -> [&'static str; 9] {
    [
        "Morgan", "Dana", "Jordan", "Sam", "Whitlock", "Larkhill", "EH-DEMO", "on time", "Priya",
    ]
}

async fn a_push_is_encrypted_for_the_browser_and_names_nobody(app: TestApp) {
    let public = public_key(&app);
    app.load_demo().await;
    let (service_url, service) = PushService::start().await;
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    ok(
        &app.gql(Some(&dana), NO_QUIET, json!({})).await,
        "setNotificationPreferences",
    );
    let browser = Browser::new();
    let endpoint = format!("{service_url}/push/dana");
    let device = register(&app, &dana, &browser, &endpoint).await;
    assert_eq!(device["platform"], "WEB");
    let mine = app.gql(Some(&dana), DEVICES, json!({})).await;
    assert_eq!(mine["data"]["viewer"]["webPushPublicKey"], public.as_str());
    assert_eq!(mine["data"]["viewer"]["pushDevices"][0]["id"], device["id"]);

    sam_changes_the_morgans_plan(&app).await;
    let received = service.wait_for("dana", 1).await;
    let push = &received[0];

    // RFC 8291: an aes128gcm body that only the subscription's key opens.
    assert_eq!(push.headers["content-encoding"], "aes128gcm");
    assert_eq!(push.headers["ttl"], "86400");
    let payload = browser.decrypt(&push.body);
    let inbox = app
        .gql(
            Some(&dana),
            "{ viewer { notifications { edges { node { id } } } } }",
            json!({}),
        )
        .await;
    let notification = nodes(&inbox["data"]["viewer"]["notifications"])[0]["id"].clone();
    assert_eq!(
        payload,
        json!({ "title": "Your plan has changed", "notification": notification })
    );
    let text = payload.to_string();
    for word in personal_words() {
        assert!(!text.contains(word), "the push says {word:?}: {text}");
    }
    // Nor does anything readable on the wire: the body is ciphertext.
    let wire = String::from_utf8_lossy(&push.body);
    assert!(!wire.contains("plan"), "{wire}");

    // RFC 8292: a VAPID token for the push service's origin, signed with our key.
    let authorization = push.headers["authorization"].to_str().unwrap();
    let (token, key) = authorization
        .strip_prefix("vapid t=")
        .and_then(|rest| rest.split_once(", k="))
        .unwrap_or_else(|| panic!("not a VAPID header: {authorization}"));
    assert_eq!(key, public);
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let verifying =
        p256::ecdsa::VerifyingKey::from_sec1_bytes(&URL_SAFE_NO_PAD.decode(key).unwrap()).unwrap();
    let signature =
        p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap()).unwrap();
    verifying
        .verify(signed.as_bytes(), &signature)
        .expect("the token is signed with our VAPID key");
    let claims: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(signed.split_once('.').unwrap().1)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["aud"], service_url.as_str());
    assert_eq!(claims["sub"], SUBJECT);
    assert!(claims["exp"].as_i64().unwrap() > Utc::now().timestamp());

    // Delivered once, and recorded so.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(service.to("dana").len(), 1);
    let rows = push_message::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].sent_at.is_some() && rows[0].attempts == 1);
    // Nobody else has a device, so nobody else was pushed to.
    assert_eq!(service.received.lock().unwrap().len(), 1);
}

async fn quiet_hours_hold_a_push_until_they_end(app: TestApp) {
    app.load_demo().await;
    let (service_url, service) = PushService::start().await;
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    // Quiet from an hour ago until two hours from now (UTC, so the test holds at any hour).
    let now = app.clock.now();
    let minute = |at: chrono::DateTime<Utc>| format!("{:02}:{:02}", at.hour(), at.minute());
    let until = now + Duration::hours(2);
    let body = app
        .gql(
            Some(&dana),
            "mutation($input: SetNotificationPreferencesInput!) { setNotificationPreferences(input: $input) { userErrors { field code message } } }",
            json!({ "input": { "quietHours": { "from": minute(now - Duration::hours(1)), "to": minute(until), "timeZone": "UTC" } } }),
        )
        .await;
    ok(&body, "setNotificationPreferences");
    let browser = Browser::new();
    register(&app, &dana, &browser, &format!("{service_url}/push/dana")).await;

    sam_changes_the_morgans_plan(&app).await;
    // The notification and its email are there now; the push waits for the morning.
    let queued = push_message::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let expected = until.with_second(0).unwrap().with_nanosecond(0).unwrap();
    assert_eq!(queued.next_attempt_at, expected);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(service.to("dana").is_empty());
    let email = app.email_to(demo::MORGAN_PARENT, 1).await;
    assert!(email.contains("Your family plan has changed"));

    app.clock.advance(Duration::hours(2) + Duration::minutes(1));
    let received = service.wait_for("dana", 1).await;
    assert_eq!(
        browser.decrypt(&received[0].body)["title"],
        "Your plan has changed"
    );
}

async fn two_workers_deliver_each_push_exactly_once(app: TestApp) {
    let second = app.spawn_replica(|_| {}).await;
    app.load_demo().await;
    let (service_url, service) = PushService::start().await;
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    ok(
        &app.gql(Some(&dana), NO_QUIET, json!({})).await,
        "setNotificationPreferences",
    );
    let browser = Browser::new();
    register(&app, &dana, &browser, &format!("{service_url}/push/dana")).await;

    // Forty notifications land at once, for both replicas' workers to race over.
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
    let mut written = vec![];
    for _ in 0..40 {
        written.extend(
            api::domain::notify::tell(&txn, &notice, &[account.id], app.clock.now())
                .await
                .unwrap(),
        );
    }
    txn.commit().await.unwrap();

    let received = service.wait_for("dana", 40).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        service.to("dana").len(),
        40,
        "each push sent once, not twice"
    );
    let mut ids: Vec<String> = received
        .iter()
        .map(|r| {
            browser.decrypt(&r.body)["notification"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40);
    let rows = push_message::Entity::find().all(&app.db).await.unwrap();
    assert!(
        rows.iter()
            .all(|m| m.sent_at.is_some() && m.attempts == 1 && m.claimed_by.is_none())
    );
    drop(second);
}

async fn a_device_the_push_service_says_is_gone_is_removed_and_throttling_is_honoured(
    app: TestApp,
) {
    app.load_demo().await;
    let (service_url, service) = PushService::start().await;
    service.answer("gone", &[(410, None)]);
    service.answer("busy", &[(429, Some("120"))]);
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    ok(
        &app.gql(Some(&dana), NO_QUIET, json!({})).await,
        "setNotificationPreferences",
    );
    let laptop = Browser::new();
    let phone = Browser::new();
    register(&app, &dana, &laptop, &format!("{service_url}/push/gone")).await;
    let busy = register(&app, &dana, &phone, &format!("{service_url}/push/busy")).await;

    sam_changes_the_morgans_plan(&app).await;
    service.wait_for("gone", 1).await;
    service.wait_for("busy", 1).await;
    // The 410 removed the laptop: only the phone is left.
    let mut left = vec![];
    for _ in 0..100 {
        let mine = app.gql(Some(&dana), DEVICES, json!({})).await;
        left = mine["data"]["viewer"]["pushDevices"]
            .as_array()
            .unwrap()
            .clone();
        if left.len() == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["id"], busy["id"]);

    // The 429 asked for two minutes: nothing more until then, then it goes.
    let waiting = push_message::Entity::find()
        .filter(push_message::Column::SentAt.is_null())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let wait = waiting.next_attempt_at - app.clock.now();
    assert!(
        wait > Duration::seconds(100) && wait <= Duration::seconds(120),
        "{wait}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(service.to("busy").len(), 1);
    app.clock.advance(Duration::seconds(121));
    let received = service.wait_for("busy", 2).await;
    assert_eq!(
        phone.decrypt(&received[1].body)["title"],
        "Your plan has changed"
    );
    assert_eq!(
        service.to("gone").len(),
        1,
        "nothing more to a device that is gone"
    );
}

async fn devices_go_when_their_person_signs_out_everywhere_or_removes_the_passkey(app: TestApp) {
    app.load_demo().await;
    let (service_url, _service) = PushService::start().await;
    let (on_phone, on_tablet, tablet_passkey) = dana_on_two_devices(&app).await;

    // What a device must give.
    let refused = |input: Value| {
        let app = &app;
        let token = on_phone.clone();
        async move {
            let body = app
                .gql(Some(&token), REGISTER, json!({ "input": input }))
                .await;
            body["data"]["registerPushDevice"]["userErrors"][0]["code"]
                .as_str()
                .unwrap_or_else(|| panic!("accepted: {body}"))
                .to_owned()
        }
    };
    assert_eq!(
        refused(json!({ "platform": "WEB", "token": "abc" })).await,
        "INVALID"
    );
    assert_eq!(refused(json!({ "platform": "WEB" })).await, "REQUIRED");
    let mut bad = Browser::new().subscription(&format!("{service_url}/push/bad"));
    bad["keys"]["auth"] = json!("c2hvcnQ");
    assert_eq!(
        refused(json!({ "platform": "WEB", "webPushSubscription": bad })).await,
        "INVALID"
    );
    let far = Browser::new().subscription("http://push.example.net/push/x");
    assert_eq!(
        refused(json!({ "platform": "WEB", "webPushSubscription": far })).await,
        "INVALID"
    );
    // Phones: not set up on this service (no APNs or FCM settings).
    assert_eq!(
        refused(json!({ "platform": "ANDROID", "token": "fcm-token" })).await,
        "NOT_ALLOWED_NOW"
    );
    assert_eq!(push_device::Entity::find().count(&app.db).await.unwrap(), 0);

    let phone = register(
        &app,
        &on_phone,
        &Browser::new(),
        &format!("{service_url}/push/phone"),
    )
    .await;
    let tablet = register(
        &app,
        &on_tablet,
        &Browser::new(),
        &format!("{service_url}/push/tablet"),
    )
    .await;
    let extra = register(
        &app,
        &on_phone,
        &Browser::new(),
        &format!("{service_url}/push/extra"),
    )
    .await;
    let mine = app.gql(Some(&on_phone), DEVICES, json!({})).await;
    assert_eq!(
        mine["data"]["viewer"]["pushDevices"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // Someone else cannot unregister Dana's device; Dana can.
    let aisha = app.token_for(demo::RAHMAN_PARENT).await;
    let body = app
        .gql(
            Some(&aisha),
            UNREGISTER,
            json!({ "input": { "device": extra["id"] } }),
        )
        .await;
    assert_eq!(
        body["data"]["unregisterPushDevice"]["userErrors"][0]["code"],
        "NOT_FOUND"
    );
    let body = app
        .gql(
            Some(&on_phone),
            UNREGISTER,
            json!({ "input": { "device": extra["id"] } }),
        )
        .await;
    assert_eq!(
        ok(&body, "unregisterPushDevice")["unregisteredDeviceId"],
        extra["id"]
    );

    // Removing the tablet's passkey takes the device its session registered.
    let body = app
        .gql(
            Some(&on_phone),
            "mutation($input: RemovePasskeyInput!) { removePasskey(input: $input) { removedPasskeyId userErrors { code } } }",
            json!({ "input": { "passkey": tablet_passkey } }),
        )
        .await;
    ok(&body, "removePasskey");
    let mine = app.gql(Some(&on_phone), DEVICES, json!({})).await;
    let left = mine["data"]["viewer"]["pushDevices"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(left.len(), 1, "{mine}");
    assert_eq!(left[0]["id"], phone["id"]);
    assert_ne!(left[0]["id"], tablet["id"]);

    // Signing out everywhere takes the rest.
    let body = app
        .gql(
            Some(&on_phone),
            "mutation { signOutEverywhere { endedSessions } }",
            json!({}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(push_device::Entity::find().count(&app.db).await.unwrap(), 0);
}

/// Dana signs in on a phone and on a tablet (two passkeys): (phone session, tablet session,
/// the tablet's passkey id).
async fn dana_on_two_devices(app: &TestApp) -> (String, String, Value) {
    app.cli(&["admin", "invite", "--email", demo::MORGAN_PARENT])
        .await
        .unwrap();
    let token = invitation_token(&app.email_to(demo::MORGAN_PARENT, 1).await);
    let mut phone = Phone::default();
    let registered = phone.register(app, &token, "Phone").await;
    let on_phone = registered["session"]["token"].as_str().unwrap().to_owned();
    let mut tablet = Phone::default();
    let started = app
        .gql(Some(&on_phone), START_REGISTRATION, json!({ "input": {} }))
        .await;
    let ceremony = &started["data"]["startPasskeyRegistration"]["ceremony"];
    let credential = tablet.create(&ceremony["publicKey"]);
    let added = app
        .gql(
            None,
            FINISH_REGISTRATION,
            json!({ "input": { "ceremonyId": ceremony["ceremonyId"], "credential": credential, "name": "Tablet" } }),
        )
        .await;
    let added = &added["data"]["finishPasskeyRegistration"];
    (
        on_phone,
        added["session"]["token"].as_str().unwrap().to_owned(),
        added["passkey"]["id"].clone(),
    )
}

#[tokio::test]
async fn the_vapid_keys_command_makes_a_key_the_service_accepts_and_a_bad_one_is_refused() {
    use clap::Parser;
    let cli = api::cli::Cli::try_parse_from(["family-plan", "admin", "vapid-keys"]).unwrap();
    let mut out = Vec::new();
    api::cli::run(cli, &mut out).await.unwrap();
    let printed = String::from_utf8(out).unwrap();
    let private = printed
        .lines()
        .find_map(|l| l.strip_prefix("FAMILY_PLAN_VAPID_PRIVATE_KEY="))
        .unwrap_or_else(|| panic!("{printed}"));
    let vapid = api::push::web::Vapid::new(private, SUBJECT).unwrap();
    assert!(printed.contains(vapid.public_key()), "{printed}");

    let ok =
        api::cli::Cli::try_parse_from(["family-plan", "--vapid-private-key", private]).unwrap();
    ok.settings.validate().unwrap();
    let bad =
        api::cli::Cli::try_parse_from(["family-plan", "--vapid-private-key", "not-a-key"]).unwrap();
    assert!(bad.settings.validate().is_err());
    // A key may start with `-` (one in 64 does): it is read as the value, not as an option.
    let hyphen_first = format!("-{}", &private[1..]);
    let parsed =
        api::cli::Cli::try_parse_from(["family-plan", "--vapid-private-key", &hyphen_first])
            .unwrap();
    assert_eq!(
        parsed.settings.vapid_private_key.as_deref(),
        Some(hyphen_first.as_str())
    );

    let help = <api::cli::Cli as clap::CommandFactory>::command()
        .render_long_help()
        .to_string();
    for var in [
        "FAMILY_PLAN_VAPID_PRIVATE_KEY",
        "FAMILY_PLAN_VAPID_SUBJECT",
        "FAMILY_PLAN_PUSH_POLL_INTERVAL",
        "FAMILY_PLAN_PUSH_WORKER",
    ] {
        assert!(help.contains(var), "--help lacks {var}");
    }
}
