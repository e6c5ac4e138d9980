use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organisations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub kind: OrganisationKind,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum OrganisationKind {
    #[sea_orm(string_value = "council")]
    Council,
    #[sea_orm(string_value = "health")]
    Health,
    #[sea_orm(string_value = "education")]
    Education,
    #[sea_orm(string_value = "police")]
    Police,
    #[sea_orm(string_value = "housing")]
    Housing,
    #[sea_orm(string_value = "voluntary")]
    Voluntary,
    #[sea_orm(string_value = "other")]
    Other,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
