use sea_orm::entity::prelude::*;

/// When the latest "your plan changed" email to an audience of a family was (or will be)
/// delivered, so that at most one goes per hour.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "change_digests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub family_id: Uuid,
    /// `family` (the family adults) or `lead` (the lead professional).
    #[sea_orm(primary_key, auto_increment = false)]
    pub audience: String,
    pub last_scheduled_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
