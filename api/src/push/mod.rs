//! Push notifications to phones and browsers, delivered from the push outbox
//! (`push_messages`, written by `domain::notify::tell` in the transaction of the change) by
//! the [`worker`], like email from its own outbox: Web Push to browsers ([`web`]), APNs to
//! iPhones ([`apns`]) and FCM to Android phones ([`fcm`]), each on when its settings are
//! given. A device can register only for a platform this service pushes to.
//!
//! What a push carries: a title such as "Your plan has changed" and the notification's ID,
//! nothing else; the app fetches the rest, signed in.
pub mod apns;
pub mod fcm;
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
    if settings.apns_key_file.is_some() {
        enabled.push(Platform::Ios);
    }
    if settings.fcm_service_account_file.is_some() {
        enabled.push(Platform::Android);
    }
    enabled
}

/// One push to send: its title and the notification it is about.
#[derive(Debug, Clone)]
pub struct Push {
    pub title: String,
    pub notification_id: uuid::Uuid,
}

impl Push {
    /// The notification's global ID, as the app queries it.
    pub fn notification_id(&self) -> String {
        crate::graphql::ids::encode(
            crate::graphql::ids::Kind::Notification,
            self.notification_id,
        )
        .to_string()
    }
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
    /// HTTP/1.1, or HTTP/2 where TLS negotiates it.
    client: reqwest::Client,
    /// HTTP/2 only: over TLS for https (APNs requires it), cleartext (h2c, prior knowledge)
    /// for an http:// service, which settings allow only on this machine.
    http2: reqwest::Client,
    web: Option<web::Vapid>,
    apns: Option<apns::Apns>,
    fcm: Option<fcm::Fcm>,
}

impl Pusher {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let web = match &settings.vapid_private_key {
            Some(key) => Some(web::Vapid::new(key, &settings.vapid_subject)?),
            None => None,
        };
        let timeout = std::time::Duration::from_secs(30);
        let client = reqwest::Client::builder().timeout(timeout).build()?;
        let http2 = reqwest::Client::builder()
            .timeout(timeout)
            .http2_prior_knowledge()
            .build()?;
        Ok(Self {
            client,
            http2,
            web,
            apns: apns::Apns::from_settings(settings)?,
            fcm: fcm::Fcm::from_settings(settings)?,
        })
    }

    pub async fn send(
        &self,
        device: &push_device::Model,
        push: &Push,
        now: DateTime<Utc>,
    ) -> Outcome {
        match (
            Platform::from_code(&device.platform),
            &self.web,
            &self.apns,
            &self.fcm,
        ) {
            (Some(Platform::Web), Some(vapid), _, _) => {
                let (Some(p256dh), Some(auth)) = (&device.p256dh, &device.auth) else {
                    return Outcome::Gone("a Web Push device without its keys".to_owned());
                };
                web::send(
                    &self.client,
                    vapid,
                    (&device.address, p256dh, auth),
                    &payload(&push.title, push.notification_id),
                    now,
                )
                .await
            }
            (Some(Platform::Ios), _, Some(apns), _) => {
                apns::send(&self.http2, apns, &device.address, push, now).await
            }
            (Some(Platform::Android), _, _, Some(fcm)) => {
                // Google's endpoints speak HTTP/2 or 1.1 over TLS; a stand-in on this
                // machine speaks h2c.
                let client = if fcm.base().scheme() == "http" {
                    &self.http2
                } else {
                    &self.client
                };
                fcm::send(client, fcm, &device.address, push, now).await
            }
            _ => Outcome::Failed(format!(
                "pushes to {} devices are not set up here",
                device.platform
            )),
        }
    }
}

/// A push service's base URL from a setting: https, or http on this machine only (a
/// stand-in, as in development and the tests; spoken to in h2c).
pub fn service_url(value: &str, name: &str) -> anyhow::Result<url::Url> {
    let url = url::Url::parse(value.trim())
        .map_err(|_| anyhow::anyhow!("{name} is not a URL: {value}"))?;
    let local = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if local => Ok(url),
        _ => anyhow::bail!("{name} must be an https:// URL (http:// only on this machine)"),
    }
}

/// A response's `Retry-After`, if it has one.
pub fn retry_after_header(
    response: &reqwest::Response,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| retry_after(v, now))
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
            let after =
                retry_after_header(&response, now).unwrap_or(now + chrono::Duration::minutes(1));
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
