use sea_orm::entity::prelude::*;

/// A practitioner's time on a family's team; leaving sets `left_at`, history is kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "team_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub family_id: Uuid,
    pub practitioner_id: Uuid,
    pub added_by_practitioner_id: Option<Uuid>,
    pub joined_at: DateTimeUtc,
    pub left_at: Option<DateTimeUtc>,
    pub removed_by_practitioner_id: Option<Uuid>,
    pub leaving_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
