use sea_orm::entity::prelude::*;

/// Feedback from a family adult, a young person or a practitioner. When the giver asked to be
/// anonymous, `giver_member_id` and `giver_practitioner_id` are empty: the name is not kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feedback")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub family_id: Uuid,
    pub questionnaire_id: Uuid,
    pub subject: FeedbackSubject,
    /// The plan's or the meeting's id; empty for the service as a whole.
    pub subject_id: Option<Uuid>,
    pub giver_side: GiverSide,
    pub giver_member_id: Option<Uuid>,
    pub giver_practitioner_id: Option<Uuid>,
    pub anonymous: bool,
    /// A young person's feedback kept from the rest of the family (DESIGN rule 5).
    pub private: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub free_text: Option<String>,
    /// Set for the answers to a six-month follow-up.
    pub follow_up_id: Option<Uuid>,
    /// For anonymous feedback, the day only (midnight UTC), so that the time cannot be matched
    /// against the access log.
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum FeedbackSubject {
    #[sea_orm(string_value = "plan")]
    Plan,
    #[sea_orm(string_value = "meeting")]
    Meeting,
    #[sea_orm(string_value = "service")]
    Service,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum GiverSide {
    #[sea_orm(string_value = "family_adult")]
    FamilyAdult,
    #[sea_orm(string_value = "young_person")]
    YoungPerson,
    #[sea_orm(string_value = "practitioner")]
    Practitioner,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
