//! Consent to share information (DESIGN rule 1): given by a family adult for the family, or
//! by a competent young person for their own information; withdrawn at any time; never
//! rewritten.
use super::audit::{self, Actor};
use super::text;
use crate::access::Permit;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use chrono::{DateTime, NaiveDate, Utc};
use entities::consent::ConsentScope;
use entities::{consent, consent_organisation, family_member, organisation};
use sea_orm::sea_query::Condition;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

pub struct NewConsent<'a> {
    pub family_id: Uuid,
    /// The family member giving consent.
    pub giver: &'a family_member::Model,
    /// True: for the giver's own information (a competent young person). False: the family's.
    pub for_own_information: bool,
    pub scope: ConsentScope,
    pub organisation_ids: &'a [Uuid],
    /// The last day the consent is in force.
    pub expires_on: Option<NaiveDate>,
    pub evidence: Option<&'a str>,
    /// Set when a practitioner records consent the family gave on paper.
    pub recorded_by: Option<Uuid>,
    /// Issue 14: from this age a young person decides for their own information without a
    /// competence assessment (a setting).
    pub own_consent_age: u32,
}

pub async fn give(
    db: &impl ConnectionTrait,
    new: NewConsent<'_>,
    permit: &Permit,
) -> AppResult<consent::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let mut errors = vec![];
    let giver = new.giver;
    if giver.family_id != new.family_id {
        return Err(AppError::NotFound);
    }
    if new.for_own_information {
        let presumed =
            super::growing_up::age_on(giver.date_of_birth, now.date_naive()) >= new.own_consent_age;
        if !Permit::decides_own_consent(giver.relation) || !(giver.competent_to_consent || presumed)
        {
            errors.push(UserError::new(
                &["forOwnInformation"],
                UserErrorCode::Invalid,
                "Consent for a young person's own information is given by the young person, once a practitioner has recorded that they are able to decide for themselves.",
            ));
        }
    } else if !Permit::decides_family_consent(giver.relation) {
        errors.push(UserError::new(
            &["givenBy"],
            UserErrorCode::Invalid,
            "Consent for the family is given by a parent or carer with parental responsibility.",
        ));
    }
    match (new.scope, new.organisation_ids.is_empty()) {
        (ConsentScope::NamedOrganisations, true) => errors.push(UserError::new(
            &["organisations"],
            UserErrorCode::Required,
            "Please choose at least one organisation, or share with all partners.",
        )),
        (ConsentScope::AllPartners, false) => errors.push(UserError::new(
            &["organisations"],
            UserErrorCode::Invalid,
            "Leave the organisations empty when sharing with all partners.",
        )),
        _ => {}
    }
    let found = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(new.organisation_ids.iter().copied()))
        .all(db)
        .await?;
    if found.len() != dedup(new.organisation_ids).len() {
        errors.push(UserError::new(
            &["organisations"],
            UserErrorCode::NotFound,
            "We could not find one of those organisations.",
        ));
    }
    if let Some(last_day) = new.expires_on
        && last_day < now.date_naive()
    {
        errors.push(UserError::new(
            &["expiresOn"],
            UserErrorCode::OutOfRange,
            "The end date cannot be in the past.",
        ));
    }
    let evidence = new
        .evidence
        .filter(|e| !e.trim().is_empty())
        .map(|e| text::required("evidence", "the evidence", e, 500, &mut errors));
    if new.recorded_by.is_some() && evidence.is_none() {
        errors.push(UserError::new(
            &["evidence"],
            UserErrorCode::Required,
            "Please give the evidence of consent, such as the signed form's reference.",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let consent = consent::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(new.family_id),
        given_by_member_id: Set(giver.id),
        subject_member_id: Set(new.for_own_information.then_some(giver.id)),
        scope: Set(new.scope),
        // In force to the end of the last day (UTC).
        expires_at: Set(new
            .expires_on
            .and_then(|d| d.succ_opt())
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())),
        evidence: Set(evidence),
        recorded_by_practitioner_id: Set(new.recorded_by),
        created_at: Set(now),
        withdrawn_at: Set(None),
        withdrawn_by_member_id: Set(None),
    }
    .insert(db)
    .await?;
    for organisation_id in dedup(new.organisation_ids) {
        consent_organisation::ActiveModel {
            consent_id: Set(consent.id),
            organisation_id: Set(organisation_id),
        }
        .insert(db)
        .await?;
    }
    let what = match (new.for_own_information, new.recorded_by) {
        (true, _) => "gave consent for their own information",
        (false, Some(_)) => "recorded consent given on paper",
        (false, None) => "gave consent for the family",
    };
    audit::record(db, new.family_id, actor, audit::Kind::Consent, what, now).await?;
    Ok(consent)
}

fn dedup(ids: &[Uuid]) -> Vec<Uuid> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    ids
}

/// Withdraws a consent at once. Family consents by any parent or carer with parental
/// responsibility; a young person's own consent by that young person.
pub async fn withdraw(
    db: &impl ConnectionTrait,
    consent_id: Uuid,
    by: &family_member::Model,
    permit: &Permit,
) -> AppResult<consent::Model> {
    let now = permit.at();
    let consent = find(db, consent_id).await?;
    if consent.family_id != by.family_id {
        return Err(AppError::Forbidden);
    }
    // Changes granted on this consent before now commit first (see `standing`).
    super::standing::lock_for_access_change(db, consent.family_id).await?;
    let allowed = match consent.subject_member_id {
        Some(subject) => subject == by.id && Permit::decides_own_consent(by.relation),
        None => Permit::decides_family_consent(by.relation),
    };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    if consent.withdrawn_at.is_some() {
        return Err(AppError::invalid(
            &["consent"],
            UserErrorCode::Unchanged,
            "This consent has already been withdrawn.",
        ));
    }
    let mut active: consent::ActiveModel = consent.into();
    active.withdrawn_at = Set(Some(now));
    active.withdrawn_by_member_id = Set(Some(by.id));
    let consent = active.update(db).await?;
    audit::record(
        db,
        consent.family_id,
        Actor::Member { id: by.id },
        audit::Kind::Consent,
        "withdrew consent",
        now,
    )
    .await?;
    Ok(consent)
}

/// Organisations named in a consent.
pub async fn organisations_of(db: &impl ConnectionTrait, consent_id: Uuid) -> AppResult<Vec<Uuid>> {
    Ok(consent_organisation::Entity::find()
        .filter(consent_organisation::Column::ConsentId.eq(consent_id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.organisation_id)
        .collect())
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

pub async fn find(db: &impl ConnectionTrait, consent_id: Uuid) -> AppResult<consent::Model> {
    consent::Entity::find_by_id(consent_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The family's consents, current and past.
pub fn of_family(family_id: Uuid) -> sea_orm::Select<consent::Entity> {
    consent::Entity::find().filter(consent::Column::FamilyId.eq(family_id))
}
