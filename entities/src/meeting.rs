use sea_orm::entity::prelude::*;

/// A Team Around the Family meeting or a review: scheduled, then recorded once held.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meetings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub family_id: Uuid,
    pub plan_id: Uuid,
    pub kind: MeetingKind,
    pub held_on: Date,
    pub scheduled_by_practitioner_id: Uuid,
    pub created_at: DateTimeUtc,
    pub summary: Option<String>,
    pub decisions: Option<String>,
    pub next_review_date: Option<Date>,
    pub recorded_by_practitioner_id: Option<Uuid>,
    /// Set once the meeting has been held and recorded.
    pub recorded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum MeetingKind {
    /// A Team Around the Family meeting.
    #[sea_orm(string_value = "taf")]
    TeamAroundTheFamily,
    /// A review of the plan.
    #[sea_orm(string_value = "review")]
    Review,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
