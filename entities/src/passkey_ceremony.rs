//! The server's half of a WebAuthn ceremony between its start and its finish, so that any
//! replica can finish it. Single use, short-lived.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "passkey_ceremonies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: CeremonyKind,
    pub account_id: Option<Uuid>,
    pub invitation_id: Option<Uuid>,
    /// The serialised webauthn-rs state.
    #[sea_orm(column_type = "Text")]
    pub state: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum CeremonyKind {
    #[sea_orm(string_value = "registration")]
    Registration,
    #[sea_orm(string_value = "authentication")]
    Authentication,
    #[sea_orm(string_value = "discoverable")]
    Discoverable,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
