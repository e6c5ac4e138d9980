use sea_orm::entity::prelude::*;

/// An Early Help Assessment: open while agencies add to it, finalised by the lead professional.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub family_id: Uuid,
    pub status: AssessmentStatus,
    pub opened_at: DateTimeUtc,
    pub opened_by_member_id: Option<Uuid>,
    pub opened_by_practitioner_id: Option<Uuid>,
    pub finalised_at: Option<DateTimeUtc>,
    pub finalised_by_practitioner_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AssessmentStatus {
    #[sea_orm(string_value = "open")]
    Open,
    #[sea_orm(string_value = "finalised")]
    Finalised,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
