use sea_orm::entity::prelude::*;

/// A person a request for support names: matched against family records, never merged.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "support_request_people")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub request_id: Uuid,
    pub name: String,
    /// "child" or "adult".
    pub relation: String,
    pub date_of_birth: Option<Date>,
    pub age: Option<i16>,
    /// The family member meant, when asked from the app.
    pub member_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
