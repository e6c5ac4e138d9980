//! A phone or browser that receives a person's pushes. Removed when they sign out everywhere,
//! remove the passkey the registering session used, unregister it, or when the push service
//! answers that it is gone.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "push_devices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub account_id: Uuid,
    /// The session that registered it.
    pub session_id: Option<Uuid>,
    /// The passkey that session signed in with.
    pub passkey_id: Option<Uuid>,
    /// `web`, `ios` or `android`.
    pub platform: String,
    /// The Web Push endpoint, or the APNs / FCM device token.
    #[sea_orm(unique)]
    pub address: String,
    /// Web Push: the browser's P-256 public key (base64url).
    pub p256dh: Option<String>,
    /// Web Push: the authentication secret (base64url).
    pub auth: Option<String>,
    pub app_version: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
