use sea_orm::entity::prelude::*;

/// The family members an outcome is for; none means the whole family.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outcome_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub outcome_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub member_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
