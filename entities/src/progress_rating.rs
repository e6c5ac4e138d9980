use sea_orm::entity::prelude::*;

/// A 1–10 rating of progress towards an outcome, by the family or by a practitioner; the two
/// are kept apart and never averaged.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "progress_ratings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub outcome_id: Uuid,
    pub family_id: Uuid,
    pub source: RatingSource,
    pub score: i16,
    pub comment: Option<String>,
    pub member_id: Option<Uuid>,
    pub practitioner_id: Option<Uuid>,
    pub rated_at: DateTimeUtc,
    /// A young person's own rating, kept from the rest of the family unless they share it.
    pub private: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum RatingSource {
    #[sea_orm(string_value = "family")]
    Family,
    #[sea_orm(string_value = "practitioner")]
    Practitioner,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
