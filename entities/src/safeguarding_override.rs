use sea_orm::entity::prelude::*;

/// Access without consent because a child may be at risk of significant harm (DESIGN rule 2).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "safeguarding_overrides")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub family_id: Uuid,
    pub practitioner_id: Uuid,
    pub reason: String,
    /// Hide the override and what was done under it from the family until review.
    pub withhold_from_family: bool,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub reviewed_at: Option<DateTimeUtc>,
    pub reviewed_by_practitioner_id: Option<Uuid>,
    /// "upheld" or "not_upheld"; not upheld ends the access at once.
    pub review_outcome: Option<String>,
    pub review_notes: Option<String>,
    /// The reviewer's decision to keep the entries hidden from the family after review.
    pub keep_hidden_after_review: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
