use sea_orm::entity::prelude::*;

/// One version of one section of an assessment. A new version is a new row; earlier versions
/// are kept as they were written.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_sections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub family_id: Uuid,
    /// `family` for the family's own section, otherwise the organisation's id.
    pub section_key: String,
    /// None for the family's own section.
    pub organisation_id: Option<Uuid>,
    pub version: i32,
    pub going_well: String,
    pub worries: String,
    pub needs_to_change: String,
    pub written_by_member_id: Option<Uuid>,
    pub written_by_practitioner_id: Option<Uuid>,
    pub written_at: DateTimeUtc,
}

pub const FAMILY_SECTION: &str = "family";

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
