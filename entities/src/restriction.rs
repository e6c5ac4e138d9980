use sea_orm::entity::prelude::*;

/// Issue 14: a court order or a safeguarding decision that stops a named adult seeing or
/// hearing anything about a named child. In force from `recorded_at` until the end of
/// `ends_on` or its lifting, whichever is first.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "restrictions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub family_id: Uuid,
    pub adult_member_id: Uuid,
    pub child_member_id: Uuid,
    pub kind: RestrictionKind,
    pub reason: String,
    /// E.g. the court order's reference.
    pub evidence: Option<String>,
    /// The last day it is in force.
    pub ends_on: Date,
    pub recorded_by_practitioner_id: Option<Uuid>,
    pub recorded_at: DateTimeUtc,
    pub lifted_at: Option<DateTimeUtc>,
    pub lifted_by_practitioner_id: Option<Uuid>,
    pub lift_reason: Option<String>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub reviewed_by_practitioner_id: Option<Uuid>,
    pub review_note: Option<String>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum RestrictionKind {
    #[sea_orm(string_value = "court_order")]
    CourtOrder,
    #[sea_orm(string_value = "safeguarding_decision")]
    SafeguardingDecision,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
