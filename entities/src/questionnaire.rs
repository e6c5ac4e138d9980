use sea_orm::entity::prelude::*;

/// A versioned set of questions. A new version is a new row; answers name the version they
/// answered, so changing the questions never changes what people said.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "questionnaires")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: QuestionnaireKind,
    pub version: i32,
    pub title: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum QuestionnaireKind {
    /// How it is going, asked while the family has help.
    #[sea_orm(string_value = "experience")]
    Experience,
    /// Six months after the plan closed.
    #[sea_orm(string_value = "follow_up")]
    FollowUp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
