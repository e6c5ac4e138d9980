//! Apple Push Notification service, token-based: each request carries a provider token (an
//! ES256 JWT signed with the team's .p8 key), sent over HTTP/2 to `/3/device/<token>`.
//! Apple wants one token reused for up to an hour and renewed no more often than every 20
//! minutes; we renew after [`TOKEN_RENEW_AFTER`], or at once when Apple says it expired.
use super::{Outcome, Push};
use crate::config::Settings;
use anyhow::{Context, anyhow, bail};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::DecodePrivateKey;
use std::sync::Mutex;

/// A provider token older than this is replaced (Apple: between 20 and 60 minutes).
pub const TOKEN_RENEW_AFTER: Duration = Duration::minutes(50);
/// How long APNs keeps a push for a phone that is off (`apns-expiration`).
pub const TIME_TO_LIVE: Duration = Duration::hours(24);

/// This service's APNs identity and where to send.
pub struct Apns {
    key: SigningKey,
    key_id: String,
    team_id: String,
    topic: String,
    base: url::Url,
    /// The provider token in use and when it was made.
    token: Mutex<Option<(String, DateTime<Utc>)>>,
}

impl Apns {
    /// APNs as its settings describe it; `None` when `FAMILY_PLAN_APNS_KEY_FILE` is unset.
    /// Every error names the setting to fix.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Option<Self>> {
        let Some(file) = &settings.apns_key_file else {
            for (value, name) in [
                (&settings.apns_key_id, "FAMILY_PLAN_APNS_KEY_ID"),
                (&settings.apns_team_id, "FAMILY_PLAN_APNS_TEAM_ID"),
                (&settings.apns_topic, "FAMILY_PLAN_APNS_TOPIC"),
            ] {
                if value.is_some() {
                    bail!(
                        "{name} is set but FAMILY_PLAN_APNS_KEY_FILE is not: APNs needs its .p8 key"
                    );
                }
            }
            return Ok(None);
        };
        let pem = std::fs::read_to_string(file).with_context(|| {
            format!(
                "FAMILY_PLAN_APNS_KEY_FILE: could not read {}",
                file.display()
            )
        })?;
        let key = SigningKey::from_pkcs8_pem(pem.trim()).map_err(|_| {
            anyhow!(
                "FAMILY_PLAN_APNS_KEY_FILE: {} is not an APNs .p8 key (a PKCS#8 P-256 private key)",
                file.display()
            )
        })?;
        let id = |value: &Option<String>, name: &str| -> anyhow::Result<String> {
            match value {
                Some(v) if v.len() == 10 && v.chars().all(|c| c.is_ascii_alphanumeric()) => {
                    Ok(v.clone())
                }
                Some(_) => bail!("{name} must be the 10-character identifier Apple shows"),
                None => bail!("{name} must be set with FAMILY_PLAN_APNS_KEY_FILE"),
            }
        };
        let key_id = id(&settings.apns_key_id, "FAMILY_PLAN_APNS_KEY_ID")?;
        let team_id = id(&settings.apns_team_id, "FAMILY_PLAN_APNS_TEAM_ID")?;
        let topic = match &settings.apns_topic {
            Some(t) if !t.trim().is_empty() => t.trim().to_owned(),
            _ => bail!(
                "FAMILY_PLAN_APNS_TOPIC (the app's bundle id) must be set with FAMILY_PLAN_APNS_KEY_FILE"
            ),
        };
        let base = super::service_url(&settings.apns_url, "FAMILY_PLAN_APNS_URL")?;
        Ok(Some(Self {
            key,
            key_id,
            team_id,
            topic,
            base,
            token: Mutex::new(None),
        }))
    }

    /// The provider token to send now: the cached one while young enough, else a new one.
    pub fn provider_token(&self, now: DateTime<Utc>) -> String {
        let mut cached = self.token.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((token, made)) = cached.as_ref()
            && now - *made < TOKEN_RENEW_AFTER
            && now >= *made
        {
            return token.clone();
        }
        let token = self.sign(now);
        *cached = Some((token.clone(), now));
        token
    }

    /// Apple refused the token (expired or invalid): the next push makes a new one.
    fn forget_token(&self) {
        *self.token.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// A provider token: `{"alg":"ES256","kid":KEY_ID}.{"iss":TEAM_ID,"iat":now}`.
    fn sign(&self, now: DateTime<Utc>) -> String {
        let header = serde_json::json!({ "alg": "ES256", "kid": self.key_id });
        let claims = serde_json::json!({ "iss": self.team_id, "iat": now.timestamp() });
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature: Signature = self.key.sign(signed.as_bytes());
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }

    /// The URL a push to `device_token` goes to.
    fn url_for(&self, device_token: &str) -> anyhow::Result<url::Url> {
        Ok(self.base.join(&format!("/3/device/{device_token}"))?)
    }

    pub fn base(&self) -> &url::Url {
        &self.base
    }
}

/// The APNs body: the alert's title and the notification's ID, nothing else.
pub fn payload(push: &Push) -> serde_json::Value {
    serde_json::json!({
        "aps": { "alert": { "title": push.title } },
        "notification": push.notification_id(),
    })
}

/// Whether `token` looks like an APNs device token: hexadecimal (32 bytes today; Apple says
/// the length may change, so 32 to 100 bytes).
pub fn token_is_valid(token: &str) -> bool {
    (64..=200).contains(&token.len())
        && token.len().is_multiple_of(2)
        && token.chars().all(|c| c.is_ascii_hexdigit())
}

/// Sends one push to the phone with `device_token`.
pub async fn send(
    client: &reqwest::Client,
    apns: &Apns,
    device_token: &str,
    push: &Push,
    now: DateTime<Utc>,
) -> Outcome {
    let url = match apns.url_for(device_token) {
        Ok(url) => url,
        Err(_) => return Outcome::Gone("the device token cannot be addressed".to_owned()),
    };
    let sent = client
        .post(url)
        .header(
            "authorization",
            format!("bearer {}", apns.provider_token(now)),
        )
        .header("apns-topic", &apns.topic)
        .header("apns-push-type", "alert")
        .header("apns-priority", "10")
        .header("apns-expiration", (now + TIME_TO_LIVE).timestamp())
        .json(&payload(push))
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(err) => return Outcome::Failed(format!("APNs could not be reached: {err}")),
    };
    let status = response.status().as_u16();
    let retry_after = super::retry_after_header(&response, now);
    // APNs answers errors as `{"reason": "..."}`.
    let reason = response
        .json::<serde_json::Value>()
        .await
        .ok()
        .and_then(|body| body["reason"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let said = format!("APNs answered {status} {reason}");
    match (status, reason.as_str()) {
        (200, _) => Outcome::Sent,
        (410, _) | (400, "BadDeviceToken" | "DeviceTokenNotForTopic" | "Unregistered") => {
            Outcome::Gone(said)
        }
        (403, "ExpiredProviderToken" | "InvalidProviderToken") => {
            apns.forget_token();
            Outcome::Failed(said)
        }
        (429, _) => match retry_after {
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
    use p256::ecdsa::VerifyingKey;
    use p256::ecdsa::signature::Verifier;

    fn apns() -> Apns {
        let key = loop {
            if let Ok(key) = SigningKey::from_slice(&rand::random::<[u8; 32]>()) {
                break key;
            }
        };
        Apns {
            key,
            key_id: "ABC123DEFG".to_owned(),
            team_id: "TEAM123456".to_owned(),
            topic: "org.example.familyplan".to_owned(),
            base: url::Url::parse("https://api.push.apple.com").unwrap(),
            token: Mutex::new(None),
        }
    }

    #[test]
    fn a_provider_token_is_an_es256_jwt_of_the_team_and_key() {
        let apns = apns();
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
        let token = apns.provider_token(now);
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let (header, claims) = signed.split_once('.').unwrap();
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
        assert_eq!(
            header,
            serde_json::json!({ "alg": "ES256", "kid": "ABC123DEFG" })
        );
        assert_eq!(
            claims,
            serde_json::json!({ "iss": "TEAM123456", "iat": now.timestamp() })
        );
        let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap()).unwrap();
        VerifyingKey::from(&apns.key)
            .verify(signed.as_bytes(), &signature)
            .unwrap();
    }

    #[test]
    fn a_provider_token_is_reused_until_it_is_old_or_refused() {
        let apns = apns();
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
        let first = apns.provider_token(now);
        assert_eq!(apns.provider_token(now + Duration::minutes(30)), first);
        let renewed = apns.provider_token(now + Duration::minutes(51));
        assert_ne!(renewed, first);
        apns.forget_token();
        assert_ne!(apns.provider_token(now + Duration::minutes(52)), renewed);
    }

    #[test]
    fn device_tokens_are_hex() {
        assert!(token_is_valid(&"a1".repeat(32)));
        assert!(!token_is_valid(&"g1".repeat(32)));
        assert!(!token_is_valid("abc"));
        assert!(!token_is_valid(&"a".repeat(65)));
    }
}
