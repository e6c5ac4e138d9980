use sea_orm::entity::prelude::*;

/// A practitioner's question to the hub's consultation line, and the advice given.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consultations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub asked_by_practitioner_id: Uuid,
    pub organisation_id: Uuid,
    /// The situation, described without naming the family (or naming it with consent).
    pub situation: String,
    /// The family, named only with its consent.
    pub family_id: Option<Uuid>,
    pub family_consented: bool,
    pub asked_at: DateTimeUtc,
    pub answered_by_practitioner_id: Option<Uuid>,
    pub advice: Option<String>,
    /// The hub advised a referral.
    pub advised_referral: Option<bool>,
    pub answered_at: Option<DateTimeUtc>,
    /// The referral it became.
    pub referral_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
