use sea_orm::entity::prelude::*;

/// What the family wants to achieve, in the family's own words.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outcomes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    pub family_id: Uuid,
    /// The family's order of priority, from 1.
    pub position: i32,
    /// Only family members change these (DESIGN rule 3).
    pub words: String,
    pub area_code: String,
    pub area_label: String,
    pub framework_version: String,
    pub target_date: Option<Date>,
    pub status: OutcomeStatus,
    pub proposed_by_member_id: Option<Uuid>,
    pub proposed_by_practitioner_id: Option<Uuid>,
    /// Why the family declined a practitioner's proposal, if they said.
    pub decline_reason: Option<String>,
    pub created_at: DateTimeUtc,
    /// Written by a young person and kept from the rest of the family (the team reads it)
    /// until they share it.
    pub private: bool,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum OutcomeStatus {
    #[sea_orm(string_value = "proposed")]
    Proposed,
    #[sea_orm(string_value = "chosen")]
    Chosen,
    #[sea_orm(string_value = "achieved")]
    Achieved,
    #[sea_orm(string_value = "not_achieved")]
    NotAchieved,
    #[sea_orm(string_value = "withdrawn")]
    Withdrawn,
    #[sea_orm(string_value = "declined")]
    Declined,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
