use sea_orm::entity::prelude::*;

/// One change to a plan, an outcome or an action: who, when, what, and from which side.
/// Never updated or deleted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    pub family_id: Uuid,
    pub outcome_id: Option<Uuid>,
    pub action_id: Option<Uuid>,
    pub by_member_id: Option<Uuid>,
    pub by_practitioner_id: Option<Uuid>,
    pub by_side: ChangeSide,
    pub what: String,
    /// What was there before, where words were replaced (kept, never lost).
    pub detail: Option<String>,
    /// The plan's version after this change.
    pub plan_version: i32,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ChangeSide {
    #[sea_orm(string_value = "family")]
    Family,
    #[sea_orm(string_value = "practitioner")]
    Practitioner,
    #[sea_orm(string_value = "operator")]
    Operator,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
