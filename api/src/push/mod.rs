//! Push notifications to phones and browsers, delivered from the push outbox
//! (`push_messages`, written by `domain::notify::tell` in the transaction of the change) by
//! the [`worker`], like email from its own outbox. Only Web Push is built so far; a device
//! can register only for a platform this service pushes to.
//!
//! What a push carries: a title such as "Your plan has changed" and the notification's ID,
//! nothing else; the app fetches the rest, signed in.
pub mod web;
pub mod worker;

use crate::config::Settings;
use crate::domain::notify::devices::Platform;
use chrono::{DateTime, Utc};
use entities::push_device;

/// The platforms this service pushes to, from its settings.
pub fn enabled_platforms(settings: &Settings) -> Vec<Platform> {
    let mut enabled = vec![];
    if settings.vapid_private_key.is_some() {
        enabled.push(Platform::Web);
    }
    enabled
}

/// What a push service said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// The device is gone (404/410, or a subscription that cannot be used): forget it.
    Gone(String),
    /// Throttled (429): try again no sooner than this.
    RetryAt(DateTime<Utc>, String),
    /// Anything else: try again later, with back-off.
    Failed(String),
}

/// The push's body: a title and the notification's global ID. No name, no words.
pub fn payload(title: &str, notification_id: uuid::Uuid) -> Vec<u8> {
    let id = crate::graphql::ids::encode(crate::graphql::ids::Kind::Notification, notification_id);
    serde_json::json!({ "title": title, "notification": id.as_str() })
        .to_string()
        .into_bytes()
}

/// Sends pushes to every platform this service is set up for.
pub struct Pusher {
    client: reqwest::Client,
    web: Option<web::Vapid>,
}

impl Pusher {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let web = match &settings.vapid_private_key {
            Some(key) => Some(web::Vapid::new(key, &settings.vapid_subject)?),
            None => None,
        };
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()?;
        Ok(Self { client, web })
    }

    pub async fn send(
        &self,
        device: &push_device::Model,
        payload: &[u8],
        now: DateTime<Utc>,
    ) -> Outcome {
        match (Platform::from_code(&device.platform), &self.web) {
            (Some(Platform::Web), Some(vapid)) => {
                let (Some(p256dh), Some(auth)) = (&device.p256dh, &device.auth) else {
                    return Outcome::Gone("a Web Push device without its keys".to_owned());
                };
                web::send(
                    &self.client,
                    vapid,
                    (&device.address, p256dh, auth),
                    payload,
                    now,
                )
                .await
            }
            _ => Outcome::Failed(format!(
                "pushes to {} devices are not set up here",
                device.platform
            )),
        }
    }
}

/// Reads an HTTP push service's answer (RFC 8030 section 5, RFC 6585 for 429).
pub fn outcome_of(sent: Result<reqwest::Response, reqwest::Error>, now: DateTime<Utc>) -> Outcome {
    let response = match sent {
        Ok(response) => response,
        Err(err) => {
            return Outcome::Failed(format!("the push service could not be reached: {err}"));
        }
    };
    let status = response.status();
    match status.as_u16() {
        200..=299 => Outcome::Sent,
        404 | 410 => Outcome::Gone(format!("the push service answered {status}")),
        429 => {
            let after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| retry_after(v, now))
                .unwrap_or(now + chrono::Duration::minutes(1));
            Outcome::RetryAt(after, format!("the push service answered {status}"))
        }
        _ => Outcome::Failed(format!("the push service answered {status}")),
    }
}

/// A `Retry-After` value: seconds, or an HTTP date.
fn retry_after(value: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if let Ok(seconds) = value.trim().parse::<i64>() {
        return Some(now + chrono::Duration::seconds(seconds.clamp(0, 24 * 3600)));
    }
    DateTime::parse_from_rfc2822(value.trim())
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn retry_after_is_seconds_or_a_date() {
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap();
        assert_eq!(
            retry_after("120", now),
            Some(now + chrono::Duration::seconds(120))
        );
        assert_eq!(
            retry_after("Wed, 02 Dec 2026 12:05:00 GMT", now),
            Some(Utc.with_ymd_and_hms(2026, 12, 2, 12, 5, 0).unwrap())
        );
        assert_eq!(retry_after("soon", now), None);
    }

    #[test]
    fn a_payload_names_nobody() {
        let body = String::from_utf8(payload("Your plan has changed", uuid::Uuid::nil())).unwrap();
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(value["title"], "Your plan has changed");
        assert_eq!(value.as_object().unwrap().len(), 2);
    }

    #[test]
    fn vapid_keys_round_trip_and_sign() {
        let (private, public) = web::generate_keys();
        let vapid = web::Vapid::new(&private, "mailto:ops@example.org").unwrap();
        assert_eq!(vapid.public_key(), public);
        let url = url::Url::parse("https://push.example.net/send/abc").unwrap();
        let header = vapid.authorization(&url, Utc::now());
        assert!(header.starts_with("vapid t="), "{header}");
        assert!(header.ends_with(&format!(", k={public}")), "{header}");
    }
}
