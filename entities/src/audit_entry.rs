use sea_orm::entity::prelude::*;

/// Who read or changed what about a family, when, from which organisation. Append-only.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub family_id: Uuid,
    pub actor_practitioner_id: Option<Uuid>,
    pub actor_member_id: Option<Uuid>,
    /// The practitioner's organisation at the time.
    pub actor_organisation_id: Option<Uuid>,
    /// The capacity they acted in, e.g. "practitioner", "hub worker", "family member".
    pub actor_role: String,
    /// "read", "change", "consent" or "override".
    pub kind: String,
    /// What was read or changed, in words; never personal details.
    pub what: String,
    /// Set when the access relied on a safeguarding override.
    pub override_id: Option<Uuid>,
    pub occurred_at: DateTimeUtc,
    /// Issue 14: the outcome the entry is about, if any.
    pub outcome_id: Option<Uuid>,
    /// Issue 14: the family member the entry is about, if any (a restriction, a change of
    /// parental responsibility, a competence assessment).
    pub about_member_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
