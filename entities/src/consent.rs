use sea_orm::entity::prelude::*;

/// A consent to share information, never rewritten: withdrawal sets `withdrawn_at`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub family_id: Uuid,
    /// The family member who gave it.
    pub given_by_member_id: Uuid,
    /// None: consent for the family's information. Some: a young person's own information.
    pub subject_member_id: Option<Uuid>,
    pub scope: ConsentScope,
    pub expires_at: Option<DateTimeUtc>,
    /// E.g. the reference of a signed paper form.
    pub evidence: Option<String>,
    /// Set when a practitioner recorded consent obtained on paper.
    pub recorded_by_practitioner_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub withdrawn_at: Option<DateTimeUtc>,
    pub withdrawn_by_member_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum ConsentScope {
    #[sea_orm(string_value = "all_partners")]
    AllPartners,
    #[sea_orm(string_value = "named_organisations")]
    NamedOrganisations,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
