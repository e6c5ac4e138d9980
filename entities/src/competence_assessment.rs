use sea_orm::entity::prelude::*;

/// One assessment of whether a young person can consent for their own information
/// (Gillick/Fraser), with the reason and who assessed; never rewritten. The member's
/// `competent_to_consent` follows the latest.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "competence_assessments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub family_id: Uuid,
    pub member_id: Uuid,
    pub competent: bool,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub assessed_by_practitioner_id: Option<Uuid>,
    pub assessed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
