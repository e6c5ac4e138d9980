//! The team around the family: practitioners join with consent, leave, or are removed.
//! Memberships are kept as history, never deleted.
use super::audit::{self};
use super::consent::consent_covers;
use super::text;
use crate::access::Permit;
use crate::error::{AppError, AppResult, UserErrorCode};
use entities::{practitioner, team_member};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

pub async fn current_membership(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    practitioner_id: Uuid,
) -> AppResult<Option<team_member::Model>> {
    Ok(team_member::Entity::find()
        .filter(team_member::Column::FamilyId.eq(family_id))
        .filter(team_member::Column::PractitionerId.eq(practitioner_id))
        .filter(team_member::Column::LeftAt.is_null())
        .one(db)
        .await?)
}

pub async fn add(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    practitioner_id: Uuid,
    permit: &Permit,
) -> AppResult<team_member::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let practitioner = practitioner::Entity::find_by_id(practitioner_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                &["practitioner"],
                UserErrorCode::NotFound,
                "We could not find that practitioner.",
            )
        })?;
    if !consent_covers(db, family_id, practitioner.organisation_id, now).await? {
        return Err(AppError::invalid(
            &["practitioner"],
            UserErrorCode::ConsentRequired,
            "The family's consent does not cover this practitioner's organisation, so they cannot join the team.",
        ));
    }
    if current_membership(db, family_id, practitioner_id)
        .await?
        .is_some()
    {
        return Err(AppError::invalid(
            &["practitioner"],
            UserErrorCode::Taken,
            "This practitioner is already on the family's team.",
        ));
    }
    let member = team_member::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(family_id),
        practitioner_id: Set(practitioner_id),
        added_by_practitioner_id: Set(actor.practitioner_id()),
        joined_at: Set(now),
        left_at: Set(None),
        removed_by_practitioner_id: Set(None),
        leaving_reason: Set(None),
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        family_id,
        actor,
        audit::Kind::Change,
        "added a practitioner to the team",
        now,
    )
    .await?;
    Ok(member)
}

/// Ends a practitioner's membership: they left (`removed_by` None) or were removed.
pub async fn end(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    practitioner_id: Uuid,
    reason: Option<&str>,
    permit: &Permit,
) -> AppResult<team_member::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let mut errors = vec![];
    let reason = reason.map(|r| text::required("reason", "the reason", r, 2000, &mut errors));
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    // Changes granted on this membership before now commit first (see `standing`).
    super::standing::lock_for_access_change(db, family_id).await?;
    let membership = current_membership(db, family_id, practitioner_id)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                &["practitioner"],
                UserErrorCode::NotFound,
                "This practitioner is not on the family's team.",
            )
        })?;
    let leaving_self = actor.practitioner_id() == Some(practitioner_id);
    let mut active: team_member::ActiveModel = membership.into();
    active.left_at = Set(Some(now));
    active.leaving_reason = Set(reason);
    active.removed_by_practitioner_id = Set(if leaving_self {
        None
    } else {
        actor.practitioner_id()
    });
    let membership = active.update(db).await?;
    let what = if leaving_self {
        "left the team"
    } else {
        "removed a practitioner from the team"
    };
    audit::record(db, family_id, actor, audit::Kind::Change, what, now).await?;
    Ok(membership)
}

/// The family's team: current members, or everyone who has been on it.
pub fn of_family(family_id: Uuid, include_past: bool) -> sea_orm::Select<team_member::Entity> {
    let select = team_member::Entity::find().filter(team_member::Column::FamilyId.eq(family_id));
    if include_past {
        select
    } else {
        select.filter(team_member::Column::LeftAt.is_null())
    }
}
