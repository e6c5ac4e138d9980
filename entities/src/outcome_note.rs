use sea_orm::entity::prelude::*;

/// A practitioner's note beside the family's words; never edits them.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outcome_notes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub outcome_id: Uuid,
    pub family_id: Uuid,
    pub practitioner_id: Uuid,
    pub organisation_id: Uuid,
    pub body: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
