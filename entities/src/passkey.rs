//! A registered passkey: the webauthn-rs credential (public key, counter) as JSON.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "passkeys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub account_id: Uuid,
    /// The credential id, base64url; unique across all accounts.
    #[sea_orm(unique)]
    pub credential_id: String,
    /// The owner's name for it, e.g. "My phone".
    pub name: String,
    /// The serialised `webauthn_rs::prelude::Passkey`.
    #[sea_orm(column_type = "Text")]
    pub credential: String,
    /// The authenticator's signature counter at the last sign-in.
    pub sign_count: i64,
    /// Whether the authenticator said the credential is backed up (synced).
    pub backup_state: bool,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
