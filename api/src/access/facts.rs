//! What the rules need to know about a viewer and a family, read in one statement.
use crate::domain::standing;
use crate::error::AppResult;
use crate::viewer::Viewer;
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FamilyFacts {
    /// The practitioner is currently on the family's team.
    pub on_team: bool,
    /// An active family consent covers the practitioner's organisation.
    pub consent_covers_organisation: bool,
    /// The practitioner's own live safeguarding override for this family.
    pub override_id: Option<Uuid>,
    /// The practitioner is the lead professional of the family's current plan.
    pub lead_professional: bool,
    /// A parent has shared the plan with this adult of the household.
    pub shared_with_viewer: bool,
    /// Issue 14: young people assessed competent who decide for their own information, each
    /// with whether their own consent in force covers the practitioner's organisation.
    pub own_consents: Vec<(Uuid, bool)>,
}

impl FamilyFacts {
    /// Nothing known: for actions that concern no family, and rows that need no facts.
    pub const NONE: FamilyFacts = FamilyFacts {
        on_team: false,
        consent_covers_organisation: false,
        override_id: None,
        lead_professional: false,
        shared_with_viewer: false,
        own_consents: Vec::new(),
    };

    /// Whether a competent young person's own consent covers the practitioner's organisation.
    pub fn own_consent_covers_someone(&self) -> bool {
        self.own_consents.iter().any(|(_, covers)| *covers)
    }
}

pub async fn load(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<FamilyFacts> {
    match viewer {
        Viewer::Anonymous => Ok(FamilyFacts::NONE),
        Viewer::Practitioner(p) => {
            let s =
                standing::practitioner(db, family_id, p.practitioner_id, p.organisation_id, now)
                    .await?;
            Ok(FamilyFacts {
                on_team: s.on_team,
                consent_covers_organisation: s.consent_covers_organisation,
                override_id: s.override_id,
                lead_professional: s.lead_professional,
                shared_with_viewer: false,
                own_consents: s.own_consents,
            })
        }
        Viewer::FamilyMember(m) => Ok(FamilyFacts {
            shared_with_viewer: m.family_id == family_id
                && standing::shared_with_member(db, family_id, m.member_id).await?,
            ..FamilyFacts::NONE
        }),
    }
}
