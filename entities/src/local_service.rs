use sea_orm::entity::prelude::*;

/// A local service in the directory, for one area it serves (imported, not typed).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "local_services")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub local_area: String,
    pub name: String,
    pub organisation: String,
    pub description: String,
    /// Categories separated by `;`, e.g. `parenting;housing`.
    pub categories: String,
    pub min_age: Option<i16>,
    pub max_age: Option<i16>,
    pub contact: Option<String>,
    pub opening_times: Option<String>,
    /// Name, organisation, description and categories, lower case, words separated by spaces.
    pub search_text: String,
    pub imported_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
