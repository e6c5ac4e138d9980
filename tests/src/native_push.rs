//! Issue 13: APNs, FCM and Google's OAuth token endpoint played by one local HTTP/2 server
//! (h2c, as the service speaks to a push service on this machine). The server checks what it
//! receives as the real ones would: the provider token's ES256 signature with the public key
//! of the .p8 key made here, the OAuth assertion's RS256 signature and claims, the access
//! token, the headers; it keeps every request for the test to read, and answers as told.
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, Version};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Verifier;
use p256::pkcs8::EncodePrivateKey;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// A 2048-bit RSA key made for the tests only: the FCM service account's.
pub const FCM_TEST_KEY: &str = include_str!("keys/fcm-test-key.pem");
pub const APNS_KEY_ID: &str = "KEY0123456";
pub const APNS_TEAM_ID: &str = "TEAM012345";
pub const APNS_TOPIC: &str = "org.wrenfield.familyplan";
pub const FCM_PROJECT: &str = "family-plan-test";
pub const FCM_CLIENT: &str = "pusher@family-plan-test.iam.gserviceaccount.com";

/// Which of the three the request went to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Apns,
    Fcm,
    OAuth,
}

/// One request as received.
#[derive(Clone, Debug)]
pub struct Received {
    pub service: Service,
    /// The device token (APNs: from the path; FCM: from the message), empty for OAuth.
    pub device: String,
    pub version: Version,
    pub headers: HeaderMap,
    pub body: Value,
    /// For APNs the provider token, for FCM the access token, for OAuth the assertion.
    pub credential: String,
}

/// An answer to give: status, `Retry-After`, JSON body.
pub type Answer = (u16, Option<&'static str>, Value);

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    answers: HashMap<String, VecDeque<Answer>>,
    /// What the server found wrong; a test asserts it is empty.
    problems: Vec<String>,
    access_tokens: Vec<String>,
    /// An access token FCM no longer takes (401), as after Google revoked it.
    refused_access: Option<String>,
}

/// The stand-in push services, and the key files the service is configured with.
#[derive(Clone)]
pub struct NativePush {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
    apns_public: p256::ecdsa::VerifyingKey,
    rsa_public: Vec<u8>,
    dir: Arc<tempfile::TempDir>,
}

impl NativePush {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let secret = loop {
            if let Ok(key) = p256::SecretKey::from_slice(&rand::random::<[u8; 32]>()) {
                break key;
            }
        };
        let p8 = secret
            .to_pkcs8_pem(p256::pkcs8::LineEnding::LF)
            .unwrap()
            .to_string();
        std::fs::write(dir.path().join("AuthKey.p8"), p8).unwrap();
        let (_, der) = p256::pkcs8::der::pem::decode_vec(FCM_TEST_KEY.as_bytes()).unwrap();
        let rsa = ring::signature::RsaKeyPair::from_pkcs8(&der).unwrap();

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let account = json!({
            "type": "service_account",
            "project_id": FCM_PROJECT,
            "private_key_id": "k-test",
            "private_key": FCM_TEST_KEY,
            "client_email": FCM_CLIENT,
            "token_uri": format!("{url}/token"),
        });
        std::fs::write(dir.path().join("service-account.json"), account.to_string()).unwrap();
        let service = Self {
            url,
            inner: Arc::default(),
            apns_public: p256::ecdsa::VerifyingKey::from(secret.public_key()),
            rsa_public: ring::signature::KeyPair::public_key(&rsa).as_ref().to_vec(),
            dir: Arc::new(dir),
        };
        let router = axum::Router::new()
            .fallback(handle)
            .with_state(service.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        service
    }

    /// Turns APNs on in `settings`, pointed at this server.
    pub fn apns_on(&self, settings: &mut api::config::Settings) {
        settings.apns_key_file = Some(self.dir.path().join("AuthKey.p8"));
        settings.apns_key_id = Some(APNS_KEY_ID.to_owned());
        settings.apns_team_id = Some(APNS_TEAM_ID.to_owned());
        settings.apns_topic = Some(APNS_TOPIC.to_owned());
        settings.apns_url = self.url.clone();
        settings.push_poll_interval = std::time::Duration::from_millis(100);
    }

    /// Turns FCM on in `settings`, pointed at this server (its token_uri too).
    pub fn fcm_on(&self, settings: &mut api::config::Settings) {
        settings.fcm_service_account_file = Some(self.dir.path().join("service-account.json"));
        settings.fcm_url = self.url.clone();
        settings.push_poll_interval = std::time::Duration::from_millis(100);
    }

    /// The next answers for `device`, in order; then 200.
    pub fn answer(&self, device: &str, answers: Vec<Answer>) {
        self.inner
            .lock()
            .unwrap()
            .answers
            .insert(device.to_owned(), answers.into());
    }

    /// FCM stops taking the access token it holds now (answers 401 to it).
    pub fn revoke_access_tokens(&self) {
        let mut inner = self.inner.lock().unwrap();
        inner.refused_access = inner.access_tokens.last().cloned();
    }

    pub fn received(&self, service: Service) -> Vec<Received> {
        self.inner
            .lock()
            .unwrap()
            .received
            .iter()
            .filter(|r| r.service == service)
            .cloned()
            .collect()
    }

    pub fn to(&self, device: &str) -> Vec<Received> {
        self.inner
            .lock()
            .unwrap()
            .received
            .iter()
            .filter(|r| r.device == device && r.service != Service::OAuth)
            .cloned()
            .collect()
    }

    pub fn problems(&self) -> Vec<String> {
        self.inner.lock().unwrap().problems.clone()
    }

    /// Waits (up to 10 s) until `n` pushes reached `device`.
    pub async fn wait_for(&self, device: &str, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            let got = self.to(device);
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "{n} pushes to {device} did not arrive: {} (problems: {:?})",
            self.to(device).len(),
            self.problems()
        );
    }

    fn problem(&self, what: String) {
        self.inner.lock().unwrap().problems.push(what);
    }
}

/// A JWT's parts: header, claims, the signed text, the signature.
fn jwt(token: &str) -> Option<(Value, Value, String, Vec<u8>)> {
    let (signed, signature) = token.rsplit_once('.')?;
    let (header, claims) = signed.split_once('.')?;
    let part = |p: &str| -> Option<Value> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()
    };
    Some((
        part(header)?,
        part(claims)?,
        signed.to_owned(),
        URL_SAFE_NO_PAD.decode(signature).ok()?,
    ))
}

fn answer((status, retry_after, body): Answer) -> Response {
    let mut response = (StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response();
    if let Some(after) = retry_after {
        response
            .headers_mut()
            .insert("retry-after", after.parse().unwrap());
    }
    response
}

fn ok_answer() -> Answer {
    (200, None, json!({}))
}

async fn handle(
    State(service): State<NativePush>,
    method: Method,
    uri: Uri,
    version: Version,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if method != Method::POST {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    if version != Version::HTTP_2 {
        service.problem(format!("{} over {version:?}, not HTTP/2", uri.path()));
    }
    let path = uri.path().to_owned();
    if let Some(device) = path.strip_prefix("/3/device/") {
        apns(&service, device, version, headers, &body)
    } else if path == "/token" {
        oauth(&service, version, headers, &body)
    } else if path == format!("/v1/projects/{FCM_PROJECT}/messages:send") {
        fcm(&service, version, headers, &body)
    } else {
        service.problem(format!("a request to {path}"));
        StatusCode::NOT_FOUND.into_response()
    }
}

fn next_answer(service: &NativePush, device: &str) -> Answer {
    service
        .inner
        .lock()
        .unwrap()
        .answers
        .get_mut(device)
        .and_then(VecDeque::pop_front)
        .unwrap_or_else(ok_answer)
}

fn apns(
    service: &NativePush,
    device: &str,
    version: Version,
    headers: HeaderMap,
    body: &[u8],
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let credential = header("authorization")
        .strip_prefix("bearer ")
        .unwrap_or_default()
        .to_owned();
    let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    service.inner.lock().unwrap().received.push(Received {
        service: Service::Apns,
        device: device.to_owned(),
        version,
        headers: headers.clone(),
        body,
        credential: credential.clone(),
    });
    // The provider token: ES256 by the team's key, named by its key id.
    let verified = jwt(&credential).is_some_and(|(head, claims, signed, signature)| {
        head == json!({ "alg": "ES256", "kid": APNS_KEY_ID })
            && claims["iss"] == APNS_TEAM_ID
            && claims["iat"].is_i64()
            && p256::ecdsa::Signature::from_slice(&signature)
                .is_ok_and(|s| service.apns_public.verify(signed.as_bytes(), &s).is_ok())
    });
    if !verified {
        service.problem(format!(
            "APNs: a provider token that does not verify: {credential}"
        ));
        return answer((403, None, json!({ "reason": "InvalidProviderToken" })));
    }
    for (name, expected) in [
        ("apns-topic", APNS_TOPIC),
        ("apns-push-type", "alert"),
        ("apns-priority", "10"),
    ] {
        if header(name) != expected {
            service.problem(format!("APNs: {name} is {:?}", header(name)));
            return answer((400, None, json!({ "reason": "BadTopic" })));
        }
    }
    if header("apns-expiration").parse::<i64>().is_err() {
        service.problem("APNs: no apns-expiration".to_owned());
    }
    answer(next_answer(service, device))
}

fn oauth(service: &NativePush, version: Version, headers: HeaderMap, body: &[u8]) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    let assertion = form.get("assertion").cloned().unwrap_or_default();
    service.inner.lock().unwrap().received.push(Received {
        service: Service::OAuth,
        device: String::new(),
        version,
        headers,
        body: json!(form),
        credential: assertion.clone(),
    });
    let public = ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        &service.rsa_public,
    );
    let verified = form.get("grant_type").map(String::as_str)
        == Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
        && jwt(&assertion).is_some_and(|(head, claims, signed, signature)| {
            head["alg"] == "RS256"
                && claims["iss"] == FCM_CLIENT
                && claims["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
                && claims["aud"] == format!("{}/token", service.url)
                && claims["exp"].as_i64() > claims["iat"].as_i64()
                && public.verify(signed.as_bytes(), &signature).is_ok()
        });
    if !verified {
        service.problem(format!(
            "OAuth: an assertion that does not verify: {assertion}"
        ));
        return answer((400, None, json!({ "error": "invalid_grant" })));
    }
    let token = format!("ya29.test-{}", uuid::Uuid::new_v4().simple());
    service
        .inner
        .lock()
        .unwrap()
        .access_tokens
        .push(token.clone());
    answer((
        200,
        None,
        json!({ "access_token": token, "expires_in": 3599, "token_type": "Bearer" }),
    ))
}

fn fcm(service: &NativePush, version: Version, headers: HeaderMap, body: &[u8]) -> Response {
    let credential = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let device = body["message"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    service.inner.lock().unwrap().received.push(Received {
        service: Service::Fcm,
        device: device.clone(),
        version,
        headers,
        body,
        credential: credential.clone(),
    });
    let (issued, refused) = {
        let inner = service.inner.lock().unwrap();
        (
            inner.access_tokens.contains(&credential),
            inner.refused_access.as_ref() == Some(&credential),
        )
    };
    if refused {
        return answer((
            401,
            None,
            json!({ "error": { "code": 401, "status": "UNAUTHENTICATED", "message": "Request had invalid authentication credentials." } }),
        ));
    }
    if !issued {
        service.problem(format!("FCM: an access token never issued: {credential}"));
        return answer((
            401,
            None,
            json!({ "error": { "code": 401, "status": "UNAUTHENTICATED" } }),
        ));
    }
    let (status, retry_after, error) = next_answer(service, &device);
    if status == 200 {
        let name = format!("projects/{FCM_PROJECT}/messages/{}", uuid::Uuid::new_v4());
        return answer((200, None, json!({ "name": name })));
    }
    answer((status, retry_after, error))
}
