use sea_orm::entity::prelude::*;

/// A request for support: a way in to early help, screened by the hub within its clock.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "support_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The short reference given to whoever asked.
    #[sea_orm(unique)]
    pub reference: String,
    pub way_in: WayIn,
    pub status: RequestStatus,
    /// The family's record: known when asked from the app or referred, else linked at the
    /// decision.
    pub family_id: Option<Uuid>,
    pub local_area: Option<String>,
    pub requested_by_member_id: Option<Uuid>,
    pub referred_by_practitioner_id: Option<Uuid>,
    pub referrer_organisation_id: Option<Uuid>,
    /// A young person's request is private to the hub and team unless they share it.
    pub shared_with_parents: bool,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    /// How and when to get in touch, in the asker's words.
    pub contact_by: Option<String>,
    pub postcode: Option<String>,
    pub what_is_happening: String,
    pub help_wanted: Option<String>,
    /// The referrer's view of the family's needs, 1 to 4.
    pub needs_level: Option<i16>,
    pub what_tried: Option<String>,
    /// The family agreed to the referral / to the hub contacting other agencies.
    pub consent_given: bool,
    /// A child may be at risk of significant harm: the 2-hour clock.
    pub significant_harm: bool,
    pub significant_harm_reason: Option<String>,
    pub received_at: DateTimeUtc,
    /// When the hub's decision is due.
    pub due_at: DateTimeUtc,
    /// When the locality managers were told the clock was missed (once, by one replica).
    pub alerted_at: Option<DateTimeUtc>,
    pub claimed_by_practitioner_id: Option<Uuid>,
    pub claimed_at: Option<DateTimeUtc>,
    pub decision: Option<Decision>,
    pub decision_reason: Option<String>,
    pub advice: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    pub decided_by_practitioner_id: Option<Uuid>,
    pub suggested_lead_practitioner_id: Option<Uuid>,
    /// Telling the family would increase the risk (child protection path).
    pub withhold_from_family: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum WayIn {
    /// A family member from the app.
    #[sea_orm(string_value = "app")]
    App,
    /// Someone with no account, through the public front door.
    #[sea_orm(string_value = "anonymous")]
    Anonymous,
    /// A professional's referral.
    #[sea_orm(string_value = "referral")]
    Referral,
    /// An urgent concern: a practitioner outside the team, or a family member's alert.
    #[sea_orm(string_value = "urgent")]
    Urgent,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum RequestStatus {
    #[sea_orm(string_value = "received")]
    Received,
    /// Claimed by a hub worker.
    #[sea_orm(string_value = "screening")]
    Screening,
    #[sea_orm(string_value = "decided")]
    Decided,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Decision {
    #[sea_orm(string_value = "advice")]
    Advice,
    #[sea_orm(string_value = "early_help")]
    EarlyHelp,
    /// Child and family assessment, passed to children's social care.
    #[sea_orm(string_value = "s17")]
    Section17,
    /// Child protection enquiry, passed to children's social care.
    #[sea_orm(string_value = "s47")]
    Section47,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
