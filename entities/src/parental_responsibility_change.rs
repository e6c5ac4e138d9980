use sea_orm::entity::prelude::*;

/// Issue 14: who gave or took away an adult's parental responsibility for a child, when and
/// why. Append-only.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "parental_responsibility_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub family_id: Uuid,
    pub adult_member_id: Uuid,
    pub child_member_id: Uuid,
    pub holds: bool,
    pub reason: String,
    pub by_practitioner_id: Option<Uuid>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
