use sea_orm::entity::prelude::*;

/// A family's plan. `version` moves on with every change to the plan or anything in it, so
/// that a change made from an out-of-date view is refused (DESIGN rule 4).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub family_id: Uuid,
    pub status: PlanStatus,
    pub version: i32,
    pub review_date: Option<Date>,
    /// The practitioner the family chose and who accepted.
    pub lead_professional_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub created_by_member_id: Option<Uuid>,
    pub created_by_practitioner_id: Option<Uuid>,
    pub activated_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub closing_summary: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PlanStatus {
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "closed")]
    Closed,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
