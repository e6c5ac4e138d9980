//! Safeguarding override (DESIGN rule 2): where a child may be at risk of significant harm a
//! practitioner proceeds without consent, for a limited time, with a reason, audited and
//! reviewed by a locality manager.
use super::audit::{self};
use super::text;
use crate::access::Permit;
use crate::error::{AppError, AppResult, UserErrorCode};
use crate::viewer::Access;
use entities::safeguarding_override;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

pub struct Concern<'a> {
    pub family_id: Uuid,
    pub reason: &'a str,
    pub withhold_from_family: bool,
    /// How long the override gives access.
    pub lasts: std::time::Duration,
    /// Where locality managers review it, for their email.
    pub review_link: &'a str,
}

/// Raises the override and, in the same transaction, emails every locality manager.
pub async fn raise(
    db: &impl ConnectionTrait,
    concern: Concern<'_>,
    permit: &Permit,
) -> AppResult<safeguarding_override::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let Concern {
        family_id,
        reason,
        withhold_from_family,
        lasts,
        review_link,
    } = concern;
    let Some(practitioner_id) = actor.practitioner_id() else {
        return Err(AppError::Forbidden);
    };
    let mut errors = vec![];
    let reason = text::required(
        "reason",
        "why a child may be at risk of significant harm",
        reason,
        4000,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let lasts = chrono::Duration::from_std(lasts)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("override duration: {e}")))?;
    let raised = safeguarding_override::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(family_id),
        practitioner_id: Set(practitioner_id),
        reason: Set(reason),
        withhold_from_family: Set(withhold_from_family),
        created_at: Set(now),
        expires_at: Set(now + lasts),
        reviewed_at: Set(None),
        reviewed_by_practitioner_id: Set(None),
        review_outcome: Set(None),
        review_notes: Set(None),
        keep_hidden_after_review: Set(false),
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        family_id,
        actor.with_access(Access::UnderOverride(raised.id)),
        audit::Kind::Override,
        "raised a safeguarding concern and used the safeguarding override",
        now,
    )
    .await?;
    let kind = super::notify::Kind::SafeguardingReviewNeeded;
    if let Some(notice) = super::notify::Notice::of(permit, kind, Default::default()) {
        let to = super::notify::accounts_of_roles(db, Permit::override_reviewers()).await?;
        super::notify::tell(db, &notice.linking(review_link), &to, now).await?;
    }
    Ok(raised)
}

pub struct Review<'a> {
    pub override_id: Uuid,
    pub upheld: bool,
    pub notes: &'a str,
    /// Keep the override's entries hidden from the family after the review.
    pub keep_hidden: bool,
}

pub async fn review(
    db: &impl ConnectionTrait,
    review: Review<'_>,
    permit: &Permit,
) -> AppResult<safeguarding_override::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let mut errors = vec![];
    let notes = text::required(
        "notes",
        "your review notes",
        review.notes,
        4000,
        &mut errors,
    );
    let found = safeguarding_override::Entity::find_by_id(review.override_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    // Changes granted under this override before now commit first (see `standing`).
    super::standing::lock_for_access_change(db, found.family_id).await?;
    if found.reviewed_at.is_some() {
        return Err(AppError::invalid(
            &["override"],
            UserErrorCode::Unchanged,
            "This override has already been reviewed.",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let family_id = found.family_id;
    let mut active: safeguarding_override::ActiveModel = found.into();
    active.reviewed_at = Set(Some(now));
    active.reviewed_by_practitioner_id = Set(actor.practitioner_id());
    active.review_outcome = Set(Some(
        if review.upheld { UPHELD } else { NOT_UPHELD }.to_owned(),
    ));
    active.review_notes = Set(Some(notes));
    active.keep_hidden_after_review = Set(review.keep_hidden);
    let reviewed = active.update(db).await?;
    let what = if review.upheld {
        "reviewed a safeguarding override and upheld it"
    } else {
        "reviewed a safeguarding override and ended it"
    };
    audit::record(
        db,
        family_id,
        actor.with_access(Access::UnderOverride(reviewed.id)),
        audit::Kind::Override,
        what,
        now,
    )
    .await?;
    Ok(reviewed)
}

/// Whether the family may see entries made under this override.
pub fn visible_to_family(o: &safeguarding_override::Model) -> bool {
    !o.withhold_from_family || (o.reviewed_at.is_some() && !o.keep_hidden_after_review)
}

/// How a locality manager's review of an override ended, as stored.
pub const UPHELD: &str = "upheld";
pub const NOT_UPHELD: &str = "not_upheld";

/// The family's overrides whose entries are withheld from the family now.
pub async fn withheld_from_family(
    db: &impl ConnectionTrait,
    family_id: Uuid,
) -> AppResult<Vec<Uuid>> {
    Ok(safeguarding_override::Entity::find()
        .filter(safeguarding_override::Column::FamilyId.eq(family_id))
        .all(db)
        .await?
        .into_iter()
        .filter(|o| !visible_to_family(o))
        .map(|o| o.id)
        .collect())
}

/// Overrides waiting for a locality manager's review.
pub fn awaiting_review() -> sea_orm::Select<safeguarding_override::Entity> {
    safeguarding_override::Entity::find()
        .filter(safeguarding_override::Column::ReviewedAt.is_null())
}
