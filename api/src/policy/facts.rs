//! What the policy needs to know about a practitioner and a family, read fresh on each
//! request so that a withdrawal or an expiry takes effect on the very next one.
use crate::auth::Viewer;
use crate::domain::plans;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entities::consent::ConsentScope;
use entities::{consent, consent_organisation, safeguarding_override, team_member};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FamilyFacts {
    /// The practitioner is currently on the family's team.
    pub on_team: bool,
    /// An active family consent covers the practitioner's organisation.
    pub consent_covers_organisation: bool,
    /// The practitioner's own live safeguarding override for this family.
    pub override_id: Option<Uuid>,
    /// The practitioner is the lead professional of the family's current plan.
    pub lead_professional: bool,
}

impl FamilyFacts {
    /// For actions that concern no family, and for viewers who are not practitioners.
    pub const NONE: FamilyFacts = FamilyFacts {
        on_team: false,
        consent_covers_organisation: false,
        override_id: None,
        lead_professional: false,
    };
}

pub async fn load_facts(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<FamilyFacts> {
    let Viewer::Practitioner(p) = viewer else {
        return Ok(FamilyFacts::NONE);
    };
    let on_team = team_member::Entity::find()
        .filter(team_member::Column::FamilyId.eq(family_id))
        .filter(team_member::Column::PractitionerId.eq(p.practitioner_id))
        .filter(team_member::Column::LeftAt.is_null())
        .one(db)
        .await?
        .is_some();
    let consent_covers_organisation = consent_covers(db, family_id, p.organisation_id, now).await?;
    let override_id = live_override(db, family_id, p.practitioner_id, now).await?;
    let lead_professional = plans::current(db, family_id)
        .await?
        .is_some_and(|plan| plan.lead_professional_id == Some(p.practitioner_id));
    Ok(FamilyFacts {
        on_team,
        consent_covers_organisation,
        override_id,
        lead_professional,
    })
}

/// Consents for the family's information (not a young person's own) that are in force now.
pub fn active_family_consents(family_id: Uuid, now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(consent::Column::FamilyId.eq(family_id))
        .add(consent::Column::SubjectMemberId.is_null())
        .add(consent::Column::WithdrawnAt.is_null())
        .add(
            Condition::any()
                .add(consent::Column::ExpiresAt.is_null())
                .add(consent::Column::ExpiresAt.gt(now)),
        )
}

/// Whether an active family consent covers `organisation_id`.
pub async fn consent_covers(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    organisation_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let active = consent::Entity::find()
        .filter(active_family_consents(family_id, now))
        .all(db)
        .await?;
    // Expiry is checked again here in Rust: SQLite compares timestamps as text.
    let active: Vec<_> = active
        .into_iter()
        .filter(|c| c.expires_at.is_none_or(|at| at > now))
        .collect();
    if active.iter().any(|c| c.scope == ConsentScope::AllPartners) {
        return Ok(true);
    }
    let named: Vec<Uuid> = active.iter().map(|c| c.id).collect();
    if named.is_empty() {
        return Ok(false);
    }
    Ok(consent_organisation::Entity::find()
        .filter(consent_organisation::Column::ConsentId.is_in(named))
        .filter(consent_organisation::Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await?
        .is_some())
}

/// The practitioner's own override for the family that is still in force, if any.
pub async fn live_override(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    practitioner_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Option<Uuid>> {
    let overrides = safeguarding_override::Entity::find()
        .filter(safeguarding_override::Column::FamilyId.eq(family_id))
        .filter(safeguarding_override::Column::PractitionerId.eq(practitioner_id))
        .order_by_desc(safeguarding_override::Column::Id)
        .all(db)
        .await?;
    Ok(overrides
        .into_iter()
        .find(|o| o.expires_at > now && o.review_outcome.as_deref() != Some(NOT_UPHELD))
        .map(|o| o.id))
}

pub const UPHELD: &str = "upheld";
pub const NOT_UPHELD: &str = "not_upheld";
