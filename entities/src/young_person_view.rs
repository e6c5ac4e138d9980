use sea_orm::entity::prelude::*;

/// "What I want my worker to know": a young person's view in their own words.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "young_person_views")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub family_id: Uuid,
    pub member_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub words: String,
    /// Kept from the rest of the family (DESIGN rule 5); the default.
    pub private: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
