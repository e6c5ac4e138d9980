use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "families")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The local authority's case reference, e.g. "EH-2026-0142".
    #[sea_orm(unique)]
    pub reference: String,
    pub local_area: String,
    /// 1 universal, 2 early help, 3 complex needs (s17), 4 child protection (s47).
    pub need_level: i16,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
