//! What the rules need to know about a viewer and a family, read in one statement.
use crate::domain::standing;
use crate::error::AppResult;
use crate::viewer::{PractitionerViewer, Viewer};
use chrono::{DateTime, NaiveDate, Utc};
use entities::{family, plan};
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
    /// Issue 14: for an adult of the family, the family's children and how far each has
    /// grown up.
    pub children: Vec<(Uuid, Band)>,
}

/// Issue 14: the ages (settings, per local authority) at which parents' view narrows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ages {
    /// From this age what a young person wrote reaches parents only when shared.
    pub private_from: u32,
    /// From this age their own consent governs without a competence assessment.
    pub own_consent_from: u32,
    /// From this age they are an adult member: parents' access to their information ends.
    pub adult_from: u32,
}

/// How far a child has grown up, for what their parents see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Band {
    /// Parents see what they wrote, private or not.
    Child,
    /// What they wrote reaches parents only when shared.
    Private,
    /// Also: their own consent governs practitioners' access.
    OwnConsent,
    /// An adult member: nothing about them reaches their parents.
    Adult,
}

impl Ages {
    /// The defaults from practice: 13, 16, 18.
    pub const PRACTICE: Ages = Ages {
        private_from: 13,
        own_consent_from: 16,
        adult_from: 18,
    };

    pub fn band(&self, born: NaiveDate, today: NaiveDate) -> Band {
        let age = crate::domain::growing_up::age_on(born, today);
        if age >= self.adult_from {
            Band::Adult
        } else if age >= self.own_consent_from {
            Band::OwnConsent
        } else if age >= self.private_from {
            Band::Private
        } else {
            Band::Child
        }
    }

    /// The latest date of birth of someone `age` or older on `today`.
    pub fn born_by(age: u32, today: NaiveDate) -> NaiveDate {
        today
            .checked_sub_months(chrono::Months::new(age.saturating_mul(12)))
            .unwrap_or(NaiveDate::MIN)
    }
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
        children: Vec::new(),
    };

    /// Whether a competent young person's own consent covers the practitioner's organisation.
    pub fn own_consent_covers_someone(&self) -> bool {
        self.own_consents.iter().any(|(_, covers)| *covers)
    }
}

/// A practitioner's facts about a family, from their standing with it.
fn of_practitioner(s: standing::PractitionerStanding) -> FamilyFacts {
    FamilyFacts {
        on_team: s.on_team,
        consent_covers_organisation: s.consent_covers_organisation,
        override_id: s.override_id,
        lead_professional: s.lead_professional,
        own_consents: s.own_consents,
        ..FamilyFacts::NONE
    }
}

/// What the practitioner's standing with a family is asked with.
fn asking(
    p: &PractitionerViewer,
    family_id: Uuid,
    now: DateTime<Utc>,
    ages: Ages,
) -> standing::Asking {
    standing::Asking {
        family_id,
        practitioner_id: p.practitioner_id,
        organisation_id: p.organisation_id,
        now,
        own_consent_born_by: Ages::born_by(ages.own_consent_from, now.date_naive()),
    }
}

/// The family with its current plan, if it exists, and what the rules need to know about the
/// practitioner and it, in one statement.
pub async fn with_family(
    db: &impl ConnectionTrait,
    p: &PractitionerViewer,
    family_id: Uuid,
    now: DateTime<Utc>,
    ages: Ages,
) -> AppResult<(FamilyFacts, Option<(family::Model, Option<plan::Model>)>)> {
    let asking = asking(p, family_id, now, ages);
    let (s, found) = standing::practitioner_with_family(db, &asking).await?;
    Ok((of_practitioner(s), found))
}

pub async fn load(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    family_id: Uuid,
    now: DateTime<Utc>,
    ages: Ages,
) -> AppResult<FamilyFacts> {
    match viewer {
        Viewer::Anonymous => Ok(FamilyFacts::NONE),
        Viewer::Practitioner(p) => {
            let s = standing::practitioner(db, &asking(p, family_id, now, ages)).await?;
            Ok(of_practitioner(s))
        }
        Viewer::FamilyMember(m) if m.family_id == family_id => {
            let s = standing::member(db, family_id, m.member_id).await?;
            let today = now.date_naive();
            Ok(FamilyFacts {
                shared_with_viewer: s.shared,
                children: s
                    .children
                    .into_iter()
                    .map(|(id, born)| (id, ages.band(born, today)))
                    .collect(),
                ..FamilyFacts::NONE
            })
        }
        Viewer::FamilyMember(_) => Ok(FamilyFacts::NONE),
    }
}
