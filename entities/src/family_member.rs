use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "family_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub family_id: Uuid,
    /// Set when the member has an email address and so can sign in.
    #[sea_orm(unique)]
    pub account_id: Option<Uuid>,
    pub name: String,
    pub date_of_birth: Date,
    pub relation: MemberRelation,
    /// A young person assessed (Gillick/Fraser) as able to consent for their own information.
    pub competent_to_consent: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
pub enum MemberRelation {
    #[sea_orm(string_value = "adult_with_parental_responsibility")]
    AdultWithParentalResponsibility,
    #[sea_orm(string_value = "other_adult")]
    OtherAdult,
    #[sea_orm(string_value = "child")]
    Child,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
