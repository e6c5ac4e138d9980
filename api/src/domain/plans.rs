//! The family's plan: at most one current plan (draft or active) per family, and a version
//! that every change to the plan or anything in it moves on (DESIGN rule 4).
//!
//! Every change goes through [`advance`] first (which refuses a stale version and, on
//! PostgreSQL, holds the plan's row until commit so concurrent writers queue) and is
//! recorded through [`record_change`], which keeps the history and the audit trail.
use super::audit::{self, Actor};
use crate::access::Permit;
use crate::error::{AppError, AppResult, UserErrorCode};
use chrono::{DateTime, Utc};
use entities::plan::{self, PlanStatus};
use entities::plan_change::{self, ChangeSide};
use sea_orm::ExprTrait;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

/// The family's plan in draft or active, if there is one.
pub async fn current(db: &impl ConnectionTrait, family_id: Uuid) -> AppResult<Option<plan::Model>> {
    // There is at most one; should two ever be open, the newest, as everywhere.
    Ok(plan::Entity::find()
        .filter(plan::Column::FamilyId.eq(family_id))
        .filter(plan::Column::Status.ne(PlanStatus::Closed))
        .order_by_desc(plan::Column::CreatedAt)
        .order_by_desc(plan::Column::Id)
        .one(db)
        .await?)
}

/// The family's plans, newest first (closed ones included).
pub async fn all_for_family(
    db: &impl ConnectionTrait,
    family_id: Uuid,
) -> AppResult<Vec<plan::Model>> {
    Ok(plan::Entity::find()
        .filter(plan::Column::FamilyId.eq(family_id))
        .order_by_desc(plan::Column::CreatedAt)
        .order_by_desc(plan::Column::Id)
        .all(db)
        .await?)
}

pub async fn find(db: &impl ConnectionTrait, plan_id: Uuid) -> AppResult<plan::Model> {
    plan::Entity::find_by_id(plan_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                &["plan"],
                UserErrorCode::NotFound,
                "We could not find that plan.",
            )
        })
}

pub fn stale() -> AppError {
    AppError::invalid(
        &["expectedVersion"],
        UserErrorCode::StaleVersion,
        "Someone changed this plan since you last looked at it, so nothing was changed. Here is the plan as it is now: please check it and try again.",
    )
}

fn closed() -> AppError {
    AppError::invalid(
        &["plan"],
        UserErrorCode::NotAllowedNow,
        "This plan is closed, so it cannot be changed.",
    )
}

/// Moves the plan on from `expected` to the next version, or refuses: a stale version
/// changes nothing. Call it first in the change's transaction.
pub async fn advance(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
    expected: i32,
    now: DateTime<Utc>,
) -> AppResult<plan::Model> {
    let moved = plan::Entity::update_many()
        .col_expr(
            plan::Column::Version,
            Expr::col(plan::Column::Version).add(1),
        )
        .col_expr(plan::Column::UpdatedAt, Expr::value(now))
        .filter(plan::Column::Id.eq(plan_id))
        .filter(plan::Column::Version.eq(expected))
        .filter(plan::Column::Status.ne(PlanStatus::Closed))
        .exec(db)
        .await?;
    let plan = find(db, plan_id).await?;
    if moved.rows_affected == 1 {
        Ok(plan)
    } else if plan.status == PlanStatus::Closed {
        Err(closed())
    } else {
        Err(stale())
    }
}

/// Moves the plan on whatever its version, for changes that were not made from a view of
/// the plan (a lead professional accepting, say).
pub async fn advance_unconditionally(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<plan::Model> {
    let plan = find(db, plan_id).await?;
    advance(db, plan_id, plan.version, now).await
}

/// What a change was about, for the history.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subject {
    pub outcome_id: Option<Uuid>,
    pub action_id: Option<Uuid>,
}

impl Subject {
    pub const PLAN: Subject = Subject {
        outcome_id: None,
        action_id: None,
    };

    pub fn outcome(outcome_id: Uuid) -> Self {
        Subject {
            outcome_id: Some(outcome_id),
            action_id: None,
        }
    }

    pub fn action(outcome_id: Uuid, action_id: Uuid) -> Self {
        Subject {
            outcome_id: Some(outcome_id),
            action_id: Some(action_id),
        }
    }
}

/// Records a change to `plan` (already advanced): the item's history and the family's
/// audit trail, in the change's own transaction.
pub async fn record_change(
    db: &impl ConnectionTrait,
    plan: &plan::Model,
    permit: &Permit,
    subject: Subject,
    what: &str,
    detail: Option<String>,
) -> AppResult<plan_change::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let (member, practitioner, side) = match actor {
        Actor::Practitioner { id, .. } => (None, Some(id), ChangeSide::Practitioner),
        Actor::Member { id } => (Some(id), None, ChangeSide::Family),
        Actor::Operator | Actor::Anyone => (None, None, ChangeSide::Operator),
    };
    let change = plan_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        plan_id: Set(plan.id),
        family_id: Set(plan.family_id),
        outcome_id: Set(subject.outcome_id),
        action_id: Set(subject.action_id),
        by_member_id: Set(member),
        by_practitioner_id: Set(practitioner),
        by_side: Set(side),
        what: Set(what.to_owned()),
        detail: Set(detail),
        plan_version: Set(plan.version),
        at: Set(now),
    }
    .insert(db)
    .await?;
    let entry = audit::Entry {
        family_id: plan.family_id,
        actor,
        kind: audit::Kind::Change,
        what: &format!("plan: {what}"),
    };
    let about = audit::Subject {
        outcome: subject.outcome_id,
        member: None,
    };
    audit::record_about(db, entry, about, now).await?;
    super::notify::plan_changed(db, permit, plan, &change).await?;
    Ok(change)
}

/// Makes `practitioner_id` the plan's lead professional (they accepted the family's
/// nomination); a draft plan becomes active, as a plan is active only with a lead.
pub async fn set_lead_professional(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
    practitioner_id: Uuid,
    permit: &Permit,
) -> AppResult<plan::Model> {
    let now = permit.at();
    let plan = advance_unconditionally(db, plan_id, now).await?;
    let activating = plan.status == PlanStatus::Draft;
    let mut active: plan::ActiveModel = plan.into();
    active.lead_professional_id = Set(Some(practitioner_id));
    if activating {
        active.status = Set(PlanStatus::Active);
        active.activated_at = Set(Some(now));
    }
    let plan = active.update(db).await?;
    let what = if activating {
        "a lead professional accepted; the plan is active"
    } else {
        "the lead professional changed"
    };
    record_change(db, &plan, permit, Subject::PLAN, what, None).await?;
    Ok(plan)
}

/// Closes the plan (the lead professional, from the plan as they see it at `expected`).
pub async fn close(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
    expected: i32,
    summary: &str,
    permit: &Permit,
) -> AppResult<plan::Model> {
    let now = permit.at();
    let mut errors = vec![];
    let summary = super::text::required(
        "summary",
        "a short summary of how things ended",
        summary,
        4000,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let plan = advance(db, plan_id, expected, now).await?;
    if plan.status != PlanStatus::Active {
        return Err(AppError::invalid(
            &["plan"],
            UserErrorCode::NotAllowedNow,
            "Only an active plan can be closed.",
        ));
    }
    let mut active: plan::ActiveModel = plan.into();
    active.status = Set(PlanStatus::Closed);
    active.closed_at = Set(Some(now));
    active.closing_summary = Set(Some(summary));
    let plan = active.update(db).await?;
    record_change(db, &plan, permit, Subject::PLAN, "closed the plan", None).await?;
    super::follow_ups::schedule_for_closed_plan(db, &plan, now).await?;
    Ok(plan)
}

/// A family adult or a practitioner starts the family's plan, as a draft.
pub async fn start(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    permit: &Permit,
) -> AppResult<plan::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    if current(db, family_id).await?.is_some() {
        return Err(AppError::invalid(
            &["family"],
            UserErrorCode::Taken,
            "This family already has a plan in progress.",
        ));
    }
    let (member, practitioner) = actor.ids();
    let plan = plan::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(family_id),
        status: Set(PlanStatus::Draft),
        version: Set(1),
        review_date: Set(None),
        lead_professional_id: Set(None),
        created_at: Set(now),
        created_by_member_id: Set(member),
        created_by_practitioner_id: Set(practitioner),
        activated_at: Set(None),
        closed_at: Set(None),
        closing_summary: Set(None),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    // Two people starting a plan at once: the partial unique index lets one in.
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::invalid(
            &["family"],
            UserErrorCode::Taken,
            "This family already has a plan in progress.",
        ),
        _ => e.into(),
    })?;
    record_change(db, &plan, permit, Subject::PLAN, "started the plan", None).await?;
    Ok(plan)
}

/// The lead professional sets when the plan will next be reviewed.
pub async fn set_review_date(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
    expected: i32,
    date: chrono::NaiveDate,
    permit: &Permit,
) -> AppResult<plan::Model> {
    let now = permit.at();
    if date < now.date_naive() {
        return Err(AppError::invalid(
            &["reviewDate"],
            UserErrorCode::OutOfRange,
            "Please pick a review date from today on.",
        ));
    }
    let plan = advance(db, plan_id, expected, now).await?;
    let mut active: plan::ActiveModel = plan.into();
    active.review_date = Set(Some(date));
    let plan = active.update(db).await?;
    let what = format!("set the review date to {}", date.format("%-d %B %Y"));
    record_change(db, &plan, permit, Subject::PLAN, &what, None).await?;
    Ok(plan)
}
