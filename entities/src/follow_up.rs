use sea_orm::entity::prelude::*;

/// One person's follow-up after their family's plan closed. The scheduler moves it on:
/// scheduled → invited → reminded → expired, unless the person answers first.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "follow_ups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub family_id: Uuid,
    pub plan_id: Uuid,
    pub member_id: Uuid,
    /// Falls due a configured time after this.
    pub plan_closed_at: DateTimeUtc,
    pub status: FollowUpStatus,
    pub invited_at: Option<DateTimeUtc>,
    pub reminded_at: Option<DateTimeUtc>,
    pub answered_at: Option<DateTimeUtc>,
    pub expired_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum FollowUpStatus {
    #[sea_orm(string_value = "scheduled")]
    Scheduled,
    #[sea_orm(string_value = "invited")]
    Invited,
    #[sea_orm(string_value = "reminded")]
    Reminded,
    #[sea_orm(string_value = "answered")]
    Answered,
    #[sea_orm(string_value = "expired")]
    Expired,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
