//! Issue 14: restrictions. A court order, or a safeguarding decision by a locality manager,
//! stops a named adult seeing or hearing anything about a named child: in force from its
//! recording until the end of its end date or its lifting, with effect on the adult's next
//! request (the session statement reads the children kept from them: `auth::session`). Kept
//! by locality managers only, audited in the family's full trail and never shown to the
//! family (telling the restricted adult could increase the risk, as with a withheld
//! safeguarding override). What the adult then sees is `access::visibility::Reach`; who is
//! told of a change is [`super::notify::family_accounts`].
use super::{audit, standing, text};
use crate::access::Permit;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use chrono::{DateTime, Days, NaiveDate, Utc};
use entities::restriction::{self, Column, RestrictionKind};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

/// Restrictions ending within this many days (or ended, not yet reviewed) wait for review.
pub const REVIEW_WITHIN_DAYS: u64 = 14;

pub struct NewRestriction<'a> {
    pub adult: Uuid,
    pub child: Uuid,
    pub kind: RestrictionKind,
    pub reason: &'a str,
    pub ends_on: NaiveDate,
    pub evidence: Option<&'a str>,
}

fn audited(permit: &Permit, family_id: Uuid, what: &'static str) -> audit::Entry<'static> {
    audit::Entry {
        family_id,
        actor: permit.actor(),
        kind: audit::Kind::Restriction,
        what,
    }
}

/// Records a restriction; in force at once.
pub async fn record(
    db: &impl ConnectionTrait,
    new: NewRestriction<'_>,
    permit: &Permit,
) -> AppResult<restriction::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let family_id = permit.family_id().ok_or(AppError::Forbidden)?;
    let mut errors: Vec<UserError> = vec![];
    let reason = text::required("reason", "the reason", new.reason, 2000, &mut errors);
    let evidence = new
        .evidence
        .map(|e| text::required("evidence", "the evidence", e, 500, &mut errors));
    if new.kind == RestrictionKind::CourtOrder && evidence.is_none() {
        errors.push(UserError::new(
            &["evidence"],
            UserErrorCode::Required,
            "Please enter the court order's reference.",
        ));
    }
    if new.ends_on < now.date_naive() {
        errors.push(UserError::new(
            &["endsOn"],
            UserErrorCode::OutOfRange,
            "The end date cannot be in the past.",
        ));
    }
    let adult = super::families::member(db, new.adult).await?;
    let child = super::families::member(db, new.child).await?;
    if adult.family_id != family_id || child.family_id != family_id {
        return Err(AppError::NotFound);
    }
    if Permit::is_child(adult.relation) || adult.id == child.id {
        errors.push(UserError::new(
            &["adult"],
            UserErrorCode::Invalid,
            "A restriction is about an adult of the family.",
        ));
    }
    if !Permit::is_child(child.relation) {
        errors.push(UserError::new(
            &["child"],
            UserErrorCode::Invalid,
            "A restriction is about a child of the family.",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    // It narrows the adult's access: changes granted before it commit first.
    standing::lock_for_access_change(db, family_id).await?;
    let saved = restriction::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(family_id),
        adult_member_id: Set(adult.id),
        child_member_id: Set(child.id),
        kind: Set(new.kind),
        reason: Set(reason),
        evidence: Set(evidence),
        ends_on: Set(new.ends_on),
        recorded_by_practitioner_id: Set(actor.practitioner_id()),
        recorded_at: Set(now),
        lifted_at: Set(None),
        lifted_by_practitioner_id: Set(None),
        lift_reason: Set(None),
        reviewed_at: Set(None),
        reviewed_by_practitioner_id: Set(None),
        review_note: Set(None),
    }
    .insert(db)
    .await?;
    let about = audit::Subject {
        outcome: None,
        member: Some(child.id),
    };
    let entry = audited(permit, family_id, "recorded a restriction");
    audit::record_about(db, entry, about, now).await?;
    Ok(saved)
}

async fn live(
    db: &impl ConnectionTrait,
    id: Uuid,
    permit: &Permit,
) -> AppResult<restriction::Model> {
    let found = find(db, id).await?;
    if permit.family_id() != Some(found.family_id) {
        return Err(AppError::NotFound);
    }
    Ok(found)
}

/// Lifts a restriction before its end, with the reason (lifting is also its review).
pub async fn lift(
    db: &impl ConnectionTrait,
    id: Uuid,
    reason: &str,
    permit: &Permit,
) -> AppResult<restriction::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let found = live(db, id, permit).await?;
    let mut errors = vec![];
    let reason = text::required("reason", "the reason", reason, 2000, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    if !in_force(&found, now) {
        return Err(AppError::invalid(
            &["restriction"],
            UserErrorCode::NotAllowedNow,
            "This restriction is no longer in force.",
        ));
    }
    let family_id = found.family_id;
    let child = found.child_member_id;
    let mut active: restriction::ActiveModel = found.into();
    active.lifted_at = Set(Some(now));
    active.lifted_by_practitioner_id = Set(actor.practitioner_id());
    active.lift_reason = Set(Some(reason));
    active.reviewed_at = Set(Some(now));
    active.reviewed_by_practitioner_id = Set(actor.practitioner_id());
    let saved = active.update(db).await?;
    let about = audit::Subject {
        outcome: None,
        member: Some(child),
    };
    let entry = audited(permit, family_id, "lifted a restriction");
    audit::record_about(db, entry, about, now).await?;
    Ok(saved)
}

/// Reviews a restriction that is ending or ended: with a new end date it goes on (and comes
/// up for review again before that date); without one it is reviewed and ends as planned.
pub async fn review(
    db: &impl ConnectionTrait,
    id: Uuid,
    note: &str,
    ends_on: Option<NaiveDate>,
    permit: &Permit,
) -> AppResult<restriction::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let found = live(db, id, permit).await?;
    let mut errors = vec![];
    let note = text::required("reason", "what was decided", note, 2000, &mut errors);
    if found.lifted_at.is_some() {
        errors.push(UserError::new(
            &["restriction"],
            UserErrorCode::NotAllowedNow,
            "This restriction was lifted.",
        ));
    }
    if ends_on.is_some_and(|d| d < now.date_naive()) {
        errors.push(UserError::new(
            &["endsOn"],
            UserErrorCode::OutOfRange,
            "The end date cannot be in the past.",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let family_id = found.family_id;
    let child = found.child_member_id;
    let mut active: restriction::ActiveModel = found.into();
    active.review_note = Set(Some(note));
    active.reviewed_by_practitioner_id = Set(actor.practitioner_id());
    match ends_on {
        Some(ends_on) => {
            active.ends_on = Set(ends_on);
            active.reviewed_at = Set(None);
        }
        None => active.reviewed_at = Set(Some(now)),
    }
    let saved = active.update(db).await?;
    let about = audit::Subject {
        outcome: None,
        member: Some(child),
    };
    let what = if ends_on.is_some() {
        "renewed a restriction"
    } else {
        "reviewed a restriction"
    };
    audit::record_about(db, audited(permit, family_id, what), about, now).await?;
    Ok(saved)
}

/// Whether a restriction is in force at `now`: not lifted, and its end date not passed.
pub fn in_force(r: &restriction::Model, now: DateTime<Utc>) -> bool {
    r.lifted_at.is_none() && r.ends_on >= now.date_naive()
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> AppResult<restriction::Model> {
    restriction::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// A family's restrictions, current and past.
pub fn of_family(family_id: Uuid) -> sea_orm::Select<restriction::Entity> {
    restriction::Entity::find().filter(Column::FamilyId.eq(family_id))
}

/// The restrictions waiting for a locality manager's review: not lifted, not reviewed, and
/// ending within [`REVIEW_WITHIN_DAYS`] days or ended.
pub fn to_review(now: DateTime<Utc>) -> sea_orm::Select<restriction::Entity> {
    let soon = now
        .date_naive()
        .checked_add_days(Days::new(REVIEW_WITHIN_DAYS))
        .unwrap_or(NaiveDate::MAX);
    restriction::Entity::find().filter(
        Condition::all()
            .add(Column::LiftedAt.is_null())
            .add(Column::ReviewedAt.is_null())
            .add(Column::EndsOn.lte(soon)),
    )
}

/// The (adult, child) pairs of a family kept apart by a restriction in force at `now`.
pub async fn in_force_in_family(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Vec<(Uuid, Uuid)>> {
    Ok(restriction::Entity::find()
        .filter(Column::FamilyId.eq(family_id))
        .filter(Column::LiftedAt.is_null())
        .filter(Column::EndsOn.gte(now.date_naive()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.adult_member_id, r.child_member_id))
        .collect())
}
