use sea_orm::entity::prelude::*;

/// A step towards an outcome: what, who, by when, done.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_actions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub outcome_id: Uuid,
    pub plan_id: Uuid,
    pub family_id: Uuid,
    pub description: String,
    pub assignee_practitioner_id: Option<Uuid>,
    pub assignee_member_id: Option<Uuid>,
    pub due_date: Option<Date>,
    pub done_at: Option<DateTimeUtc>,
    pub done_by_member_id: Option<Uuid>,
    pub done_by_practitioner_id: Option<Uuid>,
    pub created_by_member_id: Option<Uuid>,
    pub created_by_practitioner_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    /// The directory entry (local service) the action points at, if any (issue 17).
    pub service_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
