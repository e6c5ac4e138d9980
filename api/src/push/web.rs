//! Web Push to browsers: RFC 8030 delivery, RFC 8291 payload encryption (aes128gcm, by the
//! `web-push-native` crate, on RustCrypto), and RFC 8292 VAPID: an ES256 token signed with
//! this service's key, so that push services know who sends.
use super::Outcome;
use anyhow::{Context, anyhow};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use web_push_native::Auth;

/// How long a push service keeps a push for a browser that is offline (the `TTL` header).
pub const TIME_TO_LIVE_SECONDS: u64 = 24 * 3600;
/// How long a VAPID token is valid (RFC 8292 allows up to 24 hours).
const TOKEN_HOURS: i64 = 12;

fn decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    URL_SAFE_NO_PAD.decode(text.trim().trim_end_matches('='))
}

/// Whether a subscription's keys have the shapes RFC 8291 needs: a P-256 public key
/// (uncompressed, 65 bytes) and a 16-byte authentication secret, both base64url.
pub fn keys_are_valid(p256dh: &str, auth: &str) -> bool {
    matches!(
        (decode(p256dh), decode(auth)),
        (Ok(key), Ok(secret))
            if key.len() == 65
                && p256::PublicKey::from_sec1_bytes(&key).is_ok()
                && secret.len() == 16
    )
}

/// A new VAPID key pair: (private key, public key), both base64url. The private key goes in
/// `FAMILY_PLAN_VAPID_PRIVATE_KEY`; browsers subscribe with the public key.
pub fn generate_keys() -> (String, String) {
    loop {
        let bytes: [u8; 32] = rand::random();
        if let Ok(key) = SigningKey::from_slice(&bytes) {
            return (URL_SAFE_NO_PAD.encode(bytes), public_key_of(&key));
        }
    }
}

fn public_key_of(key: &SigningKey) -> String {
    let point = VerifyingKey::from(key).to_encoded_point(false);
    URL_SAFE_NO_PAD.encode(point.as_bytes())
}

/// This service's VAPID identity.
pub struct Vapid {
    key: SigningKey,
    public_key: String,
    subject: String,
}

impl Vapid {
    pub fn new(private_key: &str, subject: &str) -> anyhow::Result<Self> {
        let bytes =
            decode(private_key).context("FAMILY_PLAN_VAPID_PRIVATE_KEY is not base64url")?;
        let key = SigningKey::from_slice(&bytes)
            .map_err(|_| anyhow!("FAMILY_PLAN_VAPID_PRIVATE_KEY is not a P-256 private key"))?;
        Ok(Self {
            public_key: public_key_of(&key),
            key,
            subject: subject.to_owned(),
        })
    }

    /// The public key browsers subscribe with (`applicationServerKey`).
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// The `Authorization` header for a push to `endpoint`: `vapid t=<JWT>, k=<key>`.
    pub fn authorization(&self, endpoint: &url::Url, now: DateTime<Utc>) -> String {
        let audience = endpoint.origin().ascii_serialization();
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({
            "aud": audience,
            "exp": (now + chrono::Duration::hours(TOKEN_HOURS)).timestamp(),
            "sub": self.subject,
        });
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signed = format!("{header}.{claims}");
        let signature: Signature = self.key.sign(signed.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(signature.to_bytes());
        format!("vapid t={signed}.{signature}, k={}", self.public_key)
    }
}

/// Sends `payload`, encrypted for the subscription (`endpoint`, `p256dh`, `auth`).
pub async fn send(
    client: &reqwest::Client,
    vapid: &Vapid,
    subscription: (&str, &str, &str),
    payload: &[u8],
    now: DateTime<Utc>,
) -> Outcome {
    let (endpoint, p256dh, auth) = subscription;
    let prepared = (|| {
        let url = url::Url::parse(endpoint).context("the endpoint is not a URL")?;
        let key = p256::PublicKey::from_sec1_bytes(&decode(p256dh)?)
            .map_err(|_| anyhow!("the subscription's key is not a P-256 key"))?;
        let secret: [u8; 16] = decode(auth)?
            .try_into()
            .map_err(|_| anyhow!("the subscription's secret is not 16 bytes"))?;
        let body = web_push_native::encrypt(payload.to_vec(), &key, &Auth::from(secret))
            .map_err(|e| anyhow!("could not encrypt the push: {e}"))?;
        Ok::<_, anyhow::Error>((url, body))
    })();
    let (url, body) = match prepared {
        Ok(prepared) => prepared,
        // A subscription we cannot encrypt for never will be: the device is of no use.
        Err(err) => return Outcome::Gone(format!("{err:#}")),
    };
    let sent = client
        .post(url.clone())
        .header("TTL", TIME_TO_LIVE_SECONDS)
        .header("Urgency", "normal")
        .header("Content-Encoding", "aes128gcm")
        .header("Content-Type", "application/octet-stream")
        .header("Authorization", vapid.authorization(&url, now))
        .body(body)
        .send()
        .await;
    super::outcome_of(sent, now)
}
