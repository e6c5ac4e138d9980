use sea_orm::entity::prelude::*;

/// A parent shared the family's plan with an adult of the household without parental
/// responsibility; stopping sets `stopped_at`, history is kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "household_shares")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub family_id: Uuid,
    /// The adult the plan is shared with.
    pub member_id: Uuid,
    pub shared_by_member_id: Uuid,
    pub shared_at: DateTimeUtc,
    pub stopped_at: Option<DateTimeUtc>,
    pub stopped_by_member_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
