use sea_orm::entity::prelude::*;

/// The hub's question for more information about a request, and the answer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "support_request_questions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub request_id: Uuid,
    pub question: String,
    pub asked_by_practitioner_id: Uuid,
    pub asked_at: DateTimeUtc,
    pub answer: Option<String>,
    pub answered_at: Option<DateTimeUtc>,
    pub answered_by_member_id: Option<Uuid>,
    pub answered_by_practitioner_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
