use sea_orm::entity::prelude::*;

/// An organisation named in a consent with scope `named_organisations`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consent_organisations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub consent_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub organisation_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
