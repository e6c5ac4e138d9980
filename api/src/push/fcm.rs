//! Firebase Cloud Messaging, HTTP v1 API, with a Google service account: an RS256-signed JWT
//! assertion is exchanged at the account's `token_uri` for an OAuth access token (kept until
//! shortly before it expires), which authorises `POST /v1/projects/<project>/messages:send`.
use super::{Outcome, Push};
use crate::config::Settings;
use anyhow::{Context, anyhow, bail};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};

/// The one OAuth scope sending needs.
pub const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
/// How long an assertion is valid (Google's maximum is an hour).
const ASSERTION_LIFETIME: Duration = Duration::hours(1);
/// An access token is replaced this long before it expires.
const TOKEN_MARGIN: Duration = Duration::minutes(5);

/// The fields of a Google service-account key file that sending needs.
#[derive(serde::Deserialize)]
struct ServiceAccount {
    project_id: String,
    client_email: String,
    private_key: String,
    private_key_id: Option<String>,
    token_uri: String,
}

/// This service's FCM identity and where to send.
pub struct Fcm {
    project_id: String,
    client_email: String,
    private_key_id: Option<String>,
    key: RsaKeyPair,
    token_uri: url::Url,
    base: url::Url,
    /// The access token in use and when it stops being used. Held across a fetch, so that
    /// one fetch serves every push waiting for it.
    token: tokio::sync::Mutex<Option<(String, DateTime<Utc>)>>,
}

impl Fcm {
    /// FCM as its settings describe it; `None` when `FAMILY_PLAN_FCM_SERVICE_ACCOUNT_FILE`
    /// is unset. Every error names the setting to fix.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Option<Self>> {
        const NAME: &str = "FAMILY_PLAN_FCM_SERVICE_ACCOUNT_FILE";
        let Some(file) = &settings.fcm_service_account_file else {
            return Ok(None);
        };
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("{NAME}: could not read {}", file.display()))?;
        let account: ServiceAccount = serde_json::from_str(&text).map_err(|_| {
            anyhow!(
                "{NAME}: {} is not a Google service-account key (JSON with project_id, client_email, private_key, token_uri)",
                file.display()
            )
        })?;
        let (label, der) = p256::pkcs8::der::pem::decode_vec(account.private_key.trim().as_bytes())
            .map_err(|_| anyhow!("{NAME}: the private_key is not a PEM key"))?;
        if label != "PRIVATE KEY" {
            bail!("{NAME}: the private_key is not a PKCS#8 private key");
        }
        let key = RsaKeyPair::from_pkcs8(&der)
            .map_err(|e| anyhow!("{NAME}: the private_key is not a usable RSA key: {e}"))?;
        if account.project_id.is_empty()
            || !account
                .project_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            bail!("{NAME}: the project_id is not a Firebase project id");
        }
        let token_uri = super::service_url(&account.token_uri, &format!("{NAME}'s token_uri"))?;
        let base = super::service_url(&settings.fcm_url, "FAMILY_PLAN_FCM_URL")?;
        Ok(Some(Self {
            project_id: account.project_id,
            client_email: account.client_email,
            private_key_id: account.private_key_id,
            key,
            token_uri,
            base,
            token: tokio::sync::Mutex::new(None),
        }))
    }

    pub fn base(&self) -> &url::Url {
        &self.base
    }

    pub fn token_uri(&self) -> &url::Url {
        &self.token_uri
    }

    /// The signed JWT assertion that asks `token_uri` for an access token.
    pub fn assertion(&self, now: DateTime<Utc>) -> anyhow::Result<String> {
        let mut header = serde_json::json!({ "alg": "RS256", "typ": "JWT" });
        if let Some(kid) = &self.private_key_id {
            header["kid"] = serde_json::json!(kid);
        }
        let claims = serde_json::json!({
            "iss": self.client_email,
            "scope": SCOPE,
            "aud": self.token_uri.as_str(),
            "iat": now.timestamp(),
            "exp": (now + ASSERTION_LIFETIME).timestamp(),
        });
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                signed.as_bytes(),
                &mut signature,
            )
            .map_err(|_| anyhow!("could not sign the FCM assertion"))?;
        Ok(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }

    /// The access token to send with: the cached one while it has time left, else a new one.
    async fn access_token(
        &self,
        client: &reqwest::Client,
        now: DateTime<Utc>,
    ) -> Result<String, String> {
        let mut cached = self.token.lock().await;
        if let Some((token, until)) = cached.as_ref()
            && now < *until
        {
            return Ok(token.clone());
        }
        let assertion = self.assertion(now).map_err(|e| format!("{e:#}"))?;
        let response = client
            .post(self.token_uri.clone())
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .map_err(|e| format!("Google's token endpoint could not be reached: {e}"))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("Google's token endpoint answered {status}"));
        }
        #[derive(serde::Deserialize)]
        struct Granted {
            access_token: String,
            expires_in: i64,
        }
        let granted: Granted = response
            .json()
            .await
            .map_err(|_| "Google's token endpoint answered without a token".to_owned())?;
        let until = now + Duration::seconds(granted.expires_in.clamp(0, 24 * 3600)) - TOKEN_MARGIN;
        *cached = Some((granted.access_token.clone(), until));
        Ok(granted.access_token)
    }

    /// FCM refused the access token: the next push fetches a new one.
    async fn forget_token(&self) {
        *self.token.lock().await = None;
    }
}

/// The FCM message: the notification's title, and its ID as data for the app. Nothing else.
pub fn message(device_token: &str, push: &Push) -> serde_json::Value {
    serde_json::json!({
        "message": {
            "token": device_token,
            "notification": { "title": push.title },
            "data": { "notification": push.notification_id() },
            "android": { "priority": "high" },
        }
    })
}

/// Whether `token` looks like an FCM registration token: letters, digits, `-`, `_` and `:`,
/// 32 to 1024 of them (they are about 160 today; Google does not promise a length).
pub fn token_is_valid(token: &str) -> bool {
    (32..=1024).contains(&token.len())
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':'))
}

/// Sends one push to the phone with `device_token`.
pub async fn send(
    client: &reqwest::Client,
    fcm: &Fcm,
    device_token: &str,
    push: &Push,
    now: DateTime<Utc>,
) -> Outcome {
    let access = match fcm.access_token(client, now).await {
        Ok(access) => access,
        Err(why) => return Outcome::Failed(why),
    };
    let url = match fcm
        .base
        .join(&format!("/v1/projects/{}/messages:send", fcm.project_id))
    {
        Ok(url) => url,
        Err(e) => return Outcome::Failed(format!("the FCM URL: {e}")),
    };
    let sent = client
        .post(url)
        .bearer_auth(access)
        .json(&message(device_token, push))
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(err) => return Outcome::Failed(format!("FCM could not be reached: {err}")),
    };
    let status = response.status().as_u16();
    let retry_after = super::retry_after_header(&response, now);
    // FCM answers errors as `{"error": {"status", "message", "details": [{"errorCode"}]}}`.
    let body = response
        .json::<serde_json::Value>()
        .await
        .unwrap_or_default();
    let error = &body["error"];
    let status_name = error["status"].as_str().unwrap_or_default();
    let codes: Vec<&str> = error["details"]
        .as_array()
        .map(|details| {
            details
                .iter()
                .filter_map(|d| d["errorCode"].as_str())
                .collect()
        })
        .unwrap_or_default();
    let names_the_token = error["message"]
        .as_str()
        .is_some_and(|m| m.to_ascii_lowercase().contains("token"))
        || error["details"].as_array().is_some_and(|details| {
            details.iter().any(|d| {
                d["fieldViolations"].as_array().is_some_and(|violations| {
                    violations
                        .iter()
                        .any(|v| v["field"].as_str() == Some("message.token"))
                })
            })
        });
    let said = format!("FCM answered {status} {status_name} {}", codes.join(" "));
    match status {
        200 => Outcome::Sent,
        404 => Outcome::Gone(said),
        _ if codes.contains(&"UNREGISTERED") => Outcome::Gone(said),
        400 if status_name == "INVALID_ARGUMENT" && names_the_token => Outcome::Gone(said),
        401 => {
            fcm.forget_token().await;
            Outcome::Failed(said)
        }
        429 | 503 => match retry_after {
            Some(at) => Outcome::RetryAt(at, said),
            None => Outcome::Failed(said),
        },
        _ => Outcome::Failed(said),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// A 2048-bit RSA key made for the tests only, used nowhere else (ring signs with RSA keys
    /// but does not make them).
    pub const TEST_KEY: &str = include_str!("../../../tests/src/keys/fcm-test-key.pem");

    fn fcm() -> Fcm {
        let (_, der) = p256::pkcs8::der::pem::decode_vec(TEST_KEY.as_bytes()).unwrap();
        Fcm {
            project_id: "family-plan-test".to_owned(),
            client_email: "push@family-plan-test.iam.gserviceaccount.com".to_owned(),
            private_key_id: Some("k1".to_owned()),
            key: RsaKeyPair::from_pkcs8(&der).unwrap(),
            token_uri: url::Url::parse("https://oauth2.googleapis.com/token").unwrap(),
            base: url::Url::parse("https://fcm.googleapis.com").unwrap(),
            token: tokio::sync::Mutex::new(None),
        }
    }

    #[test]
    fn an_assertion_is_an_rs256_jwt_for_the_messaging_scope() {
        let fcm = fcm();
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
        let assertion = fcm.assertion(now).unwrap();
        let (signed, signature) = assertion.rsplit_once('.').unwrap();
        let (header, claims) = signed.split_once('.').unwrap();
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
        assert_eq!(
            header,
            serde_json::json!({ "alg": "RS256", "typ": "JWT", "kid": "k1" })
        );
        assert_eq!(
            claims,
            serde_json::json!({
                "iss": "push@family-plan-test.iam.gserviceaccount.com",
                "scope": SCOPE,
                "aud": "https://oauth2.googleapis.com/token",
                "iat": now.timestamp(),
                "exp": now.timestamp() + 3600,
            })
        );
        let public = ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            fcm.key.public().as_ref().to_vec(),
        );
        public
            .verify(
                signed.as_bytes(),
                &URL_SAFE_NO_PAD.decode(signature).unwrap(),
            )
            .unwrap();
    }

    #[test]
    fn a_message_carries_the_title_and_id_only() {
        let push = Push {
            title: "Your plan has changed".to_owned(),
            notification_id: uuid::Uuid::nil(),
        };
        let message = message("tok", &push);
        let inner = message["message"].as_object().unwrap();
        assert_eq!(inner.len(), 4);
        assert_eq!(
            message["message"]["notification"]
                .as_object()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(message["message"]["data"].as_object().unwrap().len(), 1);
    }

    #[test]
    fn registration_tokens_have_their_charset() {
        assert!(token_is_valid(&format!(
            "d{}:APA91b{}",
            "x".repeat(20),
            "y-_".repeat(40)
        )));
        assert!(!token_is_valid("short"));
        assert!(!token_is_valid(&format!("{} {}", "a".repeat(40), "b")));
    }
}
