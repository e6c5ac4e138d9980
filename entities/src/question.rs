use sea_orm::entity::prelude::*;

/// One question of a questionnaire, with the code that answers and reports use.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "questions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub questionnaire_id: Uuid,
    pub code: String,
    pub position: i32,
    #[sea_orm(column_type = "Text")]
    pub text: String,
    pub answer_kind: AnswerKind,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AnswerKind {
    /// 1 (strongly disagree) to 5 (strongly agree).
    #[sea_orm(string_value = "scale")]
    Scale,
    /// Stored as 1 for yes, 0 for no.
    #[sea_orm(string_value = "yes_no")]
    YesNo,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
