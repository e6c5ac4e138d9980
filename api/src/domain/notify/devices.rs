//! The phones and browsers a person receives pushes on. A device belongs to the person whose
//! session registered it; it goes when they unregister it, sign out everywhere, remove the
//! passkey that session signed in with, or when the push service says it is gone.
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use chrono::{DateTime, Utc};
use entities::{push_device, push_message};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

/// Devices one person may have at once; registering another replaces the oldest.
pub const MAX_DEVICES: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Web,
    Ios,
    Android,
}

impl Platform {
    pub fn code(self) -> &'static str {
        match self {
            Platform::Web => "web",
            Platform::Ios => "ios",
            Platform::Android => "android",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Platform::Web, Platform::Ios, Platform::Android]
            .into_iter()
            .find(|p| p.code() == code)
    }
}

/// Where a device is reached.
pub enum Address {
    /// An APNs or FCM device token.
    Token(String),
    /// A Web Push subscription: endpoint, and the browser's keys (base64url).
    WebPush {
        endpoint: String,
        p256dh: String,
        auth: String,
    },
}

pub struct Registration {
    pub platform: Platform,
    pub address: Address,
    pub app_version: Option<String>,
}

/// Who registers: the person and the session (and its passkey) they are signed in with.
pub struct Owner {
    pub account_id: Uuid,
    pub session_id: Uuid,
}

fn invalid(field: &[&str], message: &str) -> UserError {
    UserError::new(field, UserErrorCode::Invalid, message)
}

/// Registers (or re-registers) a device for `owner`. A device address registered before,
/// by anyone, moves to `owner`: it is the device's, and whoever holds it now signed in.
pub async fn register(
    db: &impl ConnectionTrait,
    owner: &Owner,
    registration: Registration,
    enabled: &[Platform],
    now: DateTime<Utc>,
) -> AppResult<push_device::Model> {
    if !enabled.contains(&registration.platform) {
        return Err(AppError::Invalid(vec![UserError::new(
            &["platform"],
            UserErrorCode::NotAllowedNow,
            "Push notifications to this kind of device are not set up on this service; the app's inbox still shows everything.",
        )]));
    }
    let (address, p256dh, auth) = match registration.address {
        // APNs tokens are hex; one device's token is stored one way, whatever its case.
        Address::Token(token) if registration.platform == Platform::Ios => {
            (token.trim().to_ascii_lowercase(), None, None)
        }
        Address::Token(token) => (token.trim().to_owned(), None, None),
        Address::WebPush {
            endpoint,
            p256dh,
            auth,
        } => (endpoint, Some(p256dh), Some(auth)),
    };
    let mut errors = vec![];
    match (registration.platform, &p256dh) {
        (Platform::Web, None) => errors.push(invalid(
            &["webPushSubscription"],
            "A browser registers with its Web Push subscription.",
        )),
        (Platform::Ios | Platform::Android, Some(_)) => errors.push(invalid(
            &["token"],
            "A phone registers with the device token its push service gave it.",
        )),
        _ => {}
    }
    if address.trim().is_empty() || address.len() > 2048 {
        errors.push(invalid(
            &[if p256dh.is_some() {
                "webPushSubscription"
            } else {
                "token"
            }],
            "The device's push address is missing or too long.",
        ));
    }
    if p256dh.is_none() && !address.is_empty() && address.len() <= 2048 {
        match registration.platform {
            Platform::Ios if !crate::push::apns::token_is_valid(&address) => {
                errors.push(invalid(
                    &["token"],
                    "This is not an APNs device token: an iPhone gives its token as hexadecimal digits.",
                ));
            }
            Platform::Android if !crate::push::fcm::token_is_valid(&address) => {
                errors.push(invalid(
                    &["token"],
                    "This is not an FCM registration token: letters, digits, '-', '_' and ':', as Firebase gives it.",
                ));
            }
            _ => {}
        }
    }
    if p256dh.is_some() && !is_push_service_url(&address) {
        errors.push(invalid(
            &["webPushSubscription", "endpoint"],
            "A Web Push endpoint is an https:// address.",
        ));
    }
    if let (Some(key), Some(secret)) = (&p256dh, &auth)
        && !crate::push::web::keys_are_valid(key, secret)
    {
        errors.push(invalid(
            &["webPushSubscription", "keys"],
            "These Web Push keys are not a browser's P-256 key and 16-byte secret.",
        ));
    }
    if registration
        .app_version
        .as_ref()
        .is_some_and(|v| v.chars().count() > 32)
    {
        errors.push(invalid(&["appVersion"], "The app version is too long."));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    push_device::Entity::delete_many()
        .filter(push_device::Column::Address.eq(address.clone()))
        .exec(db)
        .await?;
    let passkey_id = entities::session::Entity::find_by_id(owner.session_id)
        .one(db)
        .await?
        .and_then(|s| s.passkey_id);
    let device = push_device::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(owner.account_id),
        session_id: Set(Some(owner.session_id)),
        passkey_id: Set(passkey_id),
        platform: Set(registration.platform.code().to_owned()),
        address: Set(address),
        p256dh: Set(p256dh),
        auth: Set(auth),
        app_version: Set(registration.app_version),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    let mine = of_accounts(db, &[owner.account_id]).await?;
    if mine.len() > MAX_DEVICES {
        let oldest: Vec<Uuid> = mine
            .iter()
            .take(mine.len() - MAX_DEVICES)
            .map(|d| d.id)
            .collect();
        push_device::Entity::delete_many()
            .filter(push_device::Column::Id.is_in(oldest))
            .exec(db)
            .await?;
    }
    Ok(device)
}

/// A Web Push endpoint: https, or plain http on this machine (a push service run locally,
/// as in development and the tests).
fn is_push_service_url(address: &str) -> bool {
    match url::Url::parse(address) {
        Ok(url) if url.scheme() == "https" => true,
        Ok(url) if url.scheme() == "http" => {
            matches!(
                url.host(),
                Some(url::Host::Ipv4(ip)) if ip.is_loopback()
            ) || url.host_str() == Some("localhost")
        }
        _ => false,
    }
}

/// Unregisters one of one's own devices; false when it is not (or no longer) theirs.
pub async fn unregister(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    device_id: Uuid,
) -> AppResult<bool> {
    let removed = push_device::Entity::delete_many()
        .filter(push_device::Column::Id.eq(device_id))
        .filter(push_device::Column::AccountId.eq(account_id))
        .exec(db)
        .await?;
    Ok(removed.rows_affected == 1)
}

/// The devices of `accounts`, oldest first.
pub async fn of_accounts(
    db: &impl ConnectionTrait,
    accounts: &[Uuid],
) -> AppResult<Vec<push_device::Model>> {
    Ok(push_device::Entity::find()
        .filter(push_device::Column::AccountId.is_in(accounts.to_vec()))
        .order_by_asc(push_device::Column::Id)
        .all(db)
        .await?)
}

/// Signing out everywhere: the person's devices stop receiving pushes.
pub async fn forget_account(db: &impl ConnectionTrait, account_id: Uuid) -> AppResult<u64> {
    Ok(push_device::Entity::delete_many()
        .filter(push_device::Column::AccountId.eq(account_id))
        .exec(db)
        .await?
        .rows_affected)
}

/// A passkey removed: the devices registered by sessions it signed in go too.
pub async fn forget_passkey(db: &impl ConnectionTrait, passkey_id: Uuid) -> AppResult<u64> {
    Ok(push_device::Entity::delete_many()
        .filter(push_device::Column::PasskeyId.eq(passkey_id))
        .exec(db)
        .await?
        .rows_affected)
}

/// Queues one push for one device, in the caller's transaction (the push outbox).
pub async fn queue_push(
    db: &impl ConnectionTrait,
    device_id: Uuid,
    notification_id: Uuid,
    title: &str,
    now: DateTime<Utc>,
    deliver_at: DateTime<Utc>,
) -> AppResult<Uuid> {
    let id = Uuid::now_v7();
    push_message::ActiveModel {
        id: Set(id),
        device_id: Set(device_id),
        notification_id: Set(notification_id),
        title: Set(title.to_owned()),
        created_at: Set(now),
        attempts: Set(0),
        next_attempt_at: Set(deliver_at),
        claimed_by: Set(None),
        claimed_until: Set(None),
        sent_at: Set(None),
        last_error: Set(None),
    }
    .insert(db)
    .await?;
    Ok(id)
}
