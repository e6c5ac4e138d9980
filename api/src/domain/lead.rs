//! The lead professional: the family nominates, the nominee accepts or declines with a
//! written reason, a locality manager follows up declines and missed deadlines.
//!
//! A nomination belongs to the family's current plan; accepting makes the nominee the plan's
//! lead professional (and a draft plan active) through `plans::set_lead_professional`.
//! Each step is a plan change (history, audit trail, live event) and emails the person who
//! must act next. Deadlines count working days (see [`working_days_after`]).
use super::consent::consent_covers;
use super::notify::{self, About, Audience, Kind, Notice};
use super::{plans, team, text};
use crate::access::Permit;
use crate::error::{AppError, AppResult, UserErrorCode};
use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use entities::lead_nomination::{self, NominationStatus};
use entities::{plan, practitioner};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

/// `start` moved on by `days` working days, Monday to Friday. Bank holidays are not known
/// here, so they count as working days.
pub fn working_days_after(start: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    let mut at = start;
    let mut counted = 0;
    while counted < days {
        at += Duration::days(1);
        if !matches!(at.weekday(), Weekday::Sat | Weekday::Sun) {
            counted += 1;
        }
    }
    at
}

pub async fn find(
    db: &impl ConnectionTrait,
    nomination_id: Uuid,
) -> AppResult<lead_nomination::Model> {
    lead_nomination::Entity::find_by_id(nomination_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                &["nomination"],
                UserErrorCode::NotFound,
                "We could not find that nomination.",
            )
        })
}

/// Who asks, and whom.
pub struct Nomination<'a> {
    pub family_id: Uuid,
    pub practitioner_id: Uuid,
    /// The declined nomination a manager challenges, asking the same person again.
    pub challenge_of: Option<Uuid>,
    /// The locality manager's note; required when they ask.
    pub manager_note: Option<&'a str>,
    /// Working days the nominee has to answer.
    pub answer_within_days: u32,
}

/// A family adult (or a locality manager following up) asks a practitioner to lead. A
/// pending nomination for the plan is withdrawn: one question at a time.
pub async fn nominate(
    db: &impl ConnectionTrait,
    new: Nomination<'_>,
    permit: &Permit,
) -> AppResult<lead_nomination::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let mut errors = vec![];
    let note = new
        .manager_note
        .map(|n| text::required("note", "a note for the practitioner", n, 2000, &mut errors));
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let plan = plans::current(db, new.family_id).await?.ok_or_else(|| {
        AppError::invalid(
            &["family"],
            UserErrorCode::NotAllowedNow,
            "The family needs a plan before choosing a lead professional. Please start the plan first.",
        )
    })?;
    check_nominee(db, &plan, new.practitioner_id, now).await?;
    close_open_questions(db, plan.id, now).await?;
    let (member, by_practitioner) = actor.ids();
    let nomination = lead_nomination::ActiveModel {
        id: Set(Uuid::now_v7()),
        plan_id: Set(plan.id),
        family_id: Set(plan.family_id),
        practitioner_id: Set(new.practitioner_id),
        nominated_by_member_id: Set(member),
        nominated_by_practitioner_id: Set(by_practitioner),
        challenge_of_id: Set(new.challenge_of),
        manager_note: Set(note),
        status: Set(NominationStatus::Pending),
        nominated_at: Set(now),
        answer_due_at: Set(working_days_after(now, new.answer_within_days)),
        answered_at: Set(None),
        decline_reason: Set(None),
        overdue_alerted_at: Set(None),
        followed_up_at: Set(None),
    }
    .insert(db)
    .await?;
    if let Some(notice) = Notice::of(permit, Kind::LeadNominationReceived, About::default())
        && let Some(to) = notify::practitioner_account(db, new.practitioner_id).await?
    {
        notify::tell(db, &notice, &[to], now).await?;
    }
    let what = if new.challenge_of.is_some() {
        "a locality manager asked the nominee to reconsider being lead professional"
    } else {
        "nominated a lead professional"
    };
    change(db, &plan, permit, what).await?;
    Ok(nomination)
}

/// The nominee must work with families (not only manage or administer), not lead already,
/// and be on the team or of an organisation the family's consent covers.
async fn check_nominee(
    db: &impl ConnectionTrait,
    plan: &plan::Model,
    practitioner_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let not_found = || {
        AppError::invalid(
            &["practitioner"],
            UserErrorCode::NotFound,
            "We could not find that practitioner.",
        )
    };
    let nominee = practitioner::Entity::find_by_id(practitioner_id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let roles = super::practitioners::roles_of(db, practitioner_id).await?;
    if !Permit::may_lead(&roles) {
        return Err(AppError::invalid(
            &["practitioner"],
            UserErrorCode::Invalid,
            "This person does not work directly with families, so they cannot be a lead professional.",
        ));
    }
    if plan.lead_professional_id == Some(practitioner_id) {
        return Err(AppError::invalid(
            &["practitioner"],
            UserErrorCode::Unchanged,
            "This practitioner is already the family's lead professional.",
        ));
    }
    let on_team = team::current_membership(db, plan.family_id, practitioner_id)
        .await?
        .is_some();
    if !on_team && !consent_covers(db, plan.family_id, nominee.organisation_id, now).await? {
        return Err(AppError::invalid(
            &["practitioner"],
            UserErrorCode::ConsentRequired,
            "Please choose someone on your team, or from an organisation your consent covers.",
        ));
    }
    Ok(())
}

/// A new nomination answers what was open: a pending one is withdrawn, and declines and
/// missed deadlines no longer wait for a manager.
async fn close_open_questions(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    lead_nomination::Entity::update_many()
        .col_expr(
            lead_nomination::Column::Status,
            Expr::value(NominationStatus::Withdrawn),
        )
        .filter(lead_nomination::Column::PlanId.eq(plan_id))
        .filter(lead_nomination::Column::Status.eq(NominationStatus::Pending))
        .exec(db)
        .await?;
    lead_nomination::Entity::update_many()
        .col_expr(
            lead_nomination::Column::FollowedUpAt,
            Expr::value(Some(now)),
        )
        .filter(lead_nomination::Column::PlanId.eq(plan_id))
        .filter(lead_nomination::Column::FollowedUpAt.is_null())
        .filter(
            sea_orm::Condition::any()
                .add(lead_nomination::Column::Status.eq(NominationStatus::Declined))
                .add(lead_nomination::Column::OverdueAlertedAt.is_not_null()),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Records a nomination step on its plan (history, audit, live event, digests).
async fn change(
    db: &impl ConnectionTrait,
    plan: &plan::Model,
    permit: &Permit,
    what: &str,
) -> AppResult<()> {
    let now = permit.at();
    let plan = plans::advance_unconditionally(db, plan.id, now).await?;
    plans::record_change(db, &plan, permit, plans::Subject::PLAN, what, None).await?;
    Ok(())
}

/// The pending nomination, still for the family's current plan.
async fn pending(
    db: &impl ConnectionTrait,
    nomination_id: Uuid,
) -> AppResult<(lead_nomination::Model, plan::Model)> {
    let nomination = find(db, nomination_id).await?;
    let answered = || {
        AppError::invalid(
            &["nomination"],
            UserErrorCode::NotAllowedNow,
            "This nomination has already been answered or replaced.",
        )
    };
    if nomination.status != NominationStatus::Pending {
        return Err(answered());
    }
    let plan = plans::find(db, nomination.plan_id).await?;
    if plan.status == entities::plan::PlanStatus::Closed {
        return Err(answered());
    }
    Ok((nomination, plan))
}

/// Marks the nomination answered; refuses if someone else answered it first.
async fn answer(
    db: &impl ConnectionTrait,
    nomination: &lead_nomination::Model,
    status: NominationStatus,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<lead_nomination::Model> {
    let updated = lead_nomination::Entity::update_many()
        .col_expr(lead_nomination::Column::Status, Expr::value(status))
        .col_expr(lead_nomination::Column::AnsweredAt, Expr::value(Some(now)))
        .col_expr(lead_nomination::Column::DeclineReason, Expr::value(reason))
        .filter(lead_nomination::Column::Id.eq(nomination.id))
        .filter(lead_nomination::Column::Status.eq(NominationStatus::Pending))
        .exec(db)
        .await?;
    if updated.rows_affected != 1 {
        return Err(AppError::invalid(
            &["nomination"],
            UserErrorCode::Conflict,
            "This nomination was answered a moment ago.",
        ));
    }
    find(db, nomination.id).await
}

/// Tells the family adults that their nominee answered.
async fn tell_family(db: &impl ConnectionTrait, permit: &Permit, family_id: Uuid) -> AppResult<()> {
    let now = permit.at();
    let about = About::family(family_id);
    let Some(notice) = Notice::of(permit, Kind::LeadNominationAnswered, about) else {
        return Ok(());
    };
    let to = notify::family_accounts(db, family_id, &[], permit.at()).await?;
    notify::tell(db, &notice, &to, now).await?;
    // This email tells them of the change: no "your plan changed" digest for it as well.
    notify::told(db, family_id, Audience::Family, now).await
}

/// The nominee takes the lead: they join the team if they were not on it, and the plan
/// becomes active with them as its lead professional.
pub async fn accept(
    db: &impl ConnectionTrait,
    nomination_id: Uuid,
    permit: &Permit,
) -> AppResult<lead_nomination::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let (nomination, plan) = pending(db, nomination_id).await?;
    if actor.practitioner_id() != Some(nomination.practitioner_id) {
        return Err(AppError::Forbidden);
    }
    let accepted = answer(db, &nomination, NominationStatus::Accepted, None, now).await?;
    if team::current_membership(db, plan.family_id, nomination.practitioner_id)
        .await?
        .is_none()
    {
        team::add(db, plan.family_id, nomination.practitioner_id, permit).await?;
    }
    tell_family(db, permit, plan.family_id).await?;
    plans::set_lead_professional(db, plan.id, nomination.practitioner_id, permit).await?;
    Ok(accepted)
}

/// The nominee says no, with a written reason the family and the locality manager read.
pub async fn decline(
    db: &impl ConnectionTrait,
    nomination_id: Uuid,
    reason: &str,
    permit: &Permit,
) -> AppResult<lead_nomination::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let mut errors = vec![];
    let reason = text::required(
        "reason",
        "why you cannot be the lead professional; the family will read it",
        reason,
        2000,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let (nomination, plan) = pending(db, nomination_id).await?;
    if actor.practitioner_id() != Some(nomination.practitioner_id) {
        return Err(AppError::Forbidden);
    }
    let declined = answer(
        db,
        &nomination,
        NominationStatus::Declined,
        Some(reason),
        now,
    )
    .await?;
    tell_family(db, permit, plan.family_id).await?;
    change(
        db,
        &plan,
        permit,
        "the nominated lead professional declined",
    )
    .await?;
    Ok(declined)
}

/// Whether a nomination waits for a locality manager: declined, or its deadline missed,
/// and nothing done about it since.
pub fn needs_follow_up(n: &lead_nomination::Model) -> bool {
    n.followed_up_at.is_none()
        && (n.status == NominationStatus::Declined
            || (n.status == NominationStatus::Pending && n.overdue_alerted_at.is_some()))
}

/// A locality manager follows up a decline or a missed deadline: asks the same nominee
/// to reconsider (challenging a decline), or asks `another` practitioner.
pub async fn follow_up(
    db: &impl ConnectionTrait,
    nomination_id: Uuid,
    another: Option<Uuid>,
    note: &str,
    answer_within_days: u32,
    permit: &Permit,
) -> AppResult<lead_nomination::Model> {
    let nomination = find(db, nomination_id).await?;
    if !needs_follow_up(&nomination) {
        return Err(AppError::invalid(
            &["nomination"],
            UserErrorCode::NotAllowedNow,
            "This nomination does not need following up: it was answered, or has been dealt with.",
        ));
    }
    let challenge = another.is_none();
    if challenge && nomination.status != NominationStatus::Declined {
        return Err(AppError::invalid(
            &["practitioner"],
            UserErrorCode::Required,
            "No answer came in time: please choose another practitioner to ask.",
        ));
    }
    let new = Nomination {
        family_id: nomination.family_id,
        practitioner_id: another.unwrap_or(nomination.practitioner_id),
        challenge_of: challenge.then_some(nomination.id),
        manager_note: Some(note),
        answer_within_days,
    };
    nominate(db, new, permit).await
}

/// Nominations waiting for a locality manager (as [`needs_follow_up`], in SQL).
pub fn waiting_for_follow_up() -> sea_orm::Condition {
    use lead_nomination::Column;
    sea_orm::Condition::all()
        .add(Column::FollowedUpAt.is_null())
        .add(
            sea_orm::Condition::any()
                .add(Column::Status.eq(NominationStatus::Declined))
                .add(
                    sea_orm::Condition::all()
                        .add(Column::Status.eq(NominationStatus::Pending))
                        .add(Column::OverdueAlertedAt.is_not_null()),
                ),
        )
}

/// The family's nominations.
pub fn of_family(family_id: Uuid) -> sea_orm::Select<lead_nomination::Entity> {
    lead_nomination::Entity::find().filter(lead_nomination::Column::FamilyId.eq(family_id))
}

/// The nominations sent to a practitioner: waiting for an answer, or all of them.
pub fn sent_to(
    practitioner_id: Uuid,
    include_answered: bool,
) -> sea_orm::Select<lead_nomination::Entity> {
    let select = lead_nomination::Entity::find()
        .filter(lead_nomination::Column::PractitionerId.eq(practitioner_id));
    if include_answered {
        select
    } else {
        select.filter(lead_nomination::Column::Status.eq(NominationStatus::Pending))
    }
}

/// The nominations a locality manager should follow up.
pub fn to_follow_up() -> sea_orm::Select<lead_nomination::Entity> {
    lead_nomination::Entity::find().filter(waiting_for_follow_up())
}

#[cfg(test)]
mod tests {
    use super::working_days_after;
    use chrono::{TimeZone, Utc};

    #[test]
    fn deadlines_skip_weekends() {
        let at = |d: u32, h: u32| {
            Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0)
                .single()
                .unwrap_or_default()
        };
        // Monday 2 March 2026, 10:00 + 5 working days: the next Monday.
        assert_eq!(working_days_after(at(2, 10), 5), at(9, 10));
        // Friday + 1: Monday.
        assert_eq!(working_days_after(at(6, 10), 1), at(9, 10));
        // Saturday + 5: Friday.
        assert_eq!(working_days_after(at(7, 10), 5), at(13, 10));
        // Sunday + 5: Friday (five days: the shortest wait).
        assert_eq!(working_days_after(at(8, 10), 5), at(13, 10));
        // Wednesday + 5: next Wednesday.
        assert_eq!(working_days_after(at(4, 9), 5), at(11, 9));
    }
}
