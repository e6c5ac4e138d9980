use sea_orm::entity::prelude::*;

/// A family member's views for a meeting, in their own words, given beforehand. A young
/// person may keep theirs private: then the team reads it, other family members do not.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meeting_views")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub family_id: Uuid,
    pub member_id: Uuid,
    pub words: String,
    pub private: bool,
    pub given_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
