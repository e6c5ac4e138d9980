use sea_orm::entity::prelude::*;

/// The family's nomination of a practitioner as lead professional, and the answer. Kept as
/// history: a new nomination withdraws a pending one, never deletes it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lead_nominations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    pub family_id: Uuid,
    /// The nominee.
    pub practitioner_id: Uuid,
    /// A family adult nominated them...
    pub nominated_by_member_id: Option<Uuid>,
    /// ...or a locality manager asked them after a decline or a missed deadline.
    pub nominated_by_practitioner_id: Option<Uuid>,
    /// The declined nomination a locality manager challenged, asking the nominee again.
    pub challenge_of_id: Option<Uuid>,
    /// Why the locality manager challenged or asked.
    pub manager_note: Option<String>,
    pub status: NominationStatus,
    pub nominated_at: DateTimeUtc,
    pub answer_due_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
    pub decline_reason: Option<String>,
    /// When locality managers were told the answer is late (set once, by one replica).
    pub overdue_alerted_at: Option<DateTimeUtc>,
    /// When a decline or missed deadline was dealt with (a new nomination for the plan).
    pub followed_up_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum NominationStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "accepted")]
    Accepted,
    #[sea_orm(string_value = "declined")]
    Declined,
    /// Replaced by a later nomination before an answer came.
    #[sea_orm(string_value = "withdrawn")]
    Withdrawn,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
