use sea_orm::entity::prelude::*;

/// Issue 14: an adult of the family holds parental responsibility for a child of it. One row
/// per pair; taking it away deletes the row (the audit trail keeps the change and its reason).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "parental_responsibilities")]
pub struct Model {
    pub family_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub adult_member_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub child_member_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
