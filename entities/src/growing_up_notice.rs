use sea_orm::entity::prelude::*;

/// A young person reached an age band (issue 14) and they and their parents were told that
/// what their parents see changed; one row per member and band.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "growing_up_notices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub family_id: Uuid,
    pub member_id: Uuid,
    /// `private`, `own_consent` or `adult`.
    pub band: String,
    pub noticed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
