//! The six-month follow-up (DESIGN: "partnerships must find out what happened to families six
//! months after an intervention"). Closing a plan schedules one follow-up for each family
//! member who can sign in. A scheduler, run on every replica, moves each one on exactly once:
//! invited when it falls due, reminded if still unanswered, then expired.
//!
//! Once-only delivery: each step is one conditional `UPDATE … WHERE status = <from> AND id IN
//! (due rows … FOR UPDATE SKIP LOCKED) RETURNING *` and the email is queued in the same
//! transaction, so the row moves on and the email exists together or not at all. On
//! PostgreSQL a row claimed by one replica is skipped by the others, and one that another
//! replica has just moved on no longer matches `status = <from>`; on SQLite the write lock
//! taken at `BEGIN IMMEDIATE` serialises the claims.
use super::feedback::{self, Answer, NewFeedback};
use super::notify;
use crate::access::Permit;
use crate::db::begin_write;
use crate::error::{AppError, AppResult, UserErrorCode};
use chrono::{DateTime, Duration, Utc};
use entities::feedback::{FeedbackSubject, GiverSide};
use entities::follow_up::{self, Column, FollowUpStatus as Status};
use entities::questionnaire::QuestionnaireKind;
use entities::{family_member, plan};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Set,
};
use uuid::Uuid;

/// Rows moved on per transaction.
const BATCH: u64 = 50;

/// Called by `plans::close`, in the closing transaction: one follow-up per family member
/// with an account (adults and young people), due a configured time after `closed_at`.
pub async fn schedule_for_closed_plan(
    db: &impl ConnectionTrait,
    plan: &plan::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let members = family_member::Entity::find()
        .filter(family_member::Column::FamilyId.eq(plan.family_id))
        .filter(family_member::Column::AccountId.is_not_null())
        .all(db)
        .await?;
    // Asked are those the rules let answer: closing-related answers are the family's.
    let members: Vec<_> = members
        .into_iter()
        .filter(|m| Permit::asked_to_follow_up(m.relation))
        .collect();
    if members.is_empty() {
        return Ok(());
    }
    let rows = members.into_iter().map(|m| follow_up::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(plan.family_id),
        plan_id: Set(plan.id),
        member_id: Set(m.id),
        plan_closed_at: Set(plan.closed_at.unwrap_or(now)),
        status: Set(Status::Scheduled),
        invited_at: Set(None),
        reminded_at: Set(None),
        answered_at: Set(None),
        expired_at: Set(None),
    });
    follow_up::Entity::insert_many(rows)
        .on_conflict_do_nothing_on([Column::PlanId, Column::MemberId])
        .exec(db)
        .await?;
    Ok(())
}

/// When follow-ups fall due and move on.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// From the plan's closing to the invitation.
    pub due_after: Duration,
    /// From the invitation to the reminder.
    pub remind_after: Duration,
    /// From the reminder to giving up.
    pub expire_after: Duration,
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub invited: usize,
    pub reminded: usize,
    pub expired: usize,
}

/// Moves on every follow-up that is due at `now`. The notifications it writes go live to
/// `hub`'s subscribers once each batch commits (on PostgreSQL the database publishes them).
pub async fn run_due(
    db: &DatabaseConnection,
    timing: Timing,
    link: &str,
    now: DateTime<Utc>,
    hub: Option<&notify::Hub>,
) -> AppResult<Pass> {
    let invited = step(
        db,
        Status::Scheduled,
        Status::Invited,
        now - timing.due_after,
        link,
        now,
        hub,
    )
    .await?;
    let reminded = step(
        db,
        Status::Invited,
        Status::Reminded,
        now - timing.remind_after,
        link,
        now,
        hub,
    )
    .await?;
    let expired = step(
        db,
        Status::Reminded,
        Status::Expired,
        now - timing.expire_after,
        link,
        now,
        hub,
    )
    .await?;
    Ok(Pass {
        invited,
        reminded,
        expired,
    })
}

/// Moves rows in `from` whose clock started at or before `since` to `to`, in batches, each
/// batch with its emails in one transaction. Returns how many moved.
async fn step(
    db: &DatabaseConnection,
    from: Status,
    to: Status,
    since: DateTime<Utc>,
    link: &str,
    now: DateTime<Utc>,
    hub: Option<&notify::Hub>,
) -> AppResult<usize> {
    let (started, stamp) = match from {
        Status::Scheduled => (Column::PlanClosedAt, Column::InvitedAt),
        Status::Invited => (Column::InvitedAt, Column::RemindedAt),
        _ => (Column::RemindedAt, Column::ExpiredAt),
    };
    let mut moved = 0;
    loop {
        let scope = notify::ChangeScope::new(link);
        let txn = begin_write(db).await?;
        let due = follow_up::Entity::find()
            .select_only()
            .column(Column::Id)
            .filter(Column::Status.eq(from))
            .filter(started.lte(since))
            .order_by_asc(started)
            .limit(BATCH)
            // Ignored by SQLite, whose single writer serialises the claims anyway.
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .into_query();
        let claimed = follow_up::Entity::update_many()
            .col_expr(Column::Status, Expr::value(to))
            .col_expr(stamp, Expr::value(Some(now)))
            .filter(Column::Id.in_subquery(due))
            .filter(Column::Status.eq(from))
            .exec_with_returning(&txn)
            .await?;
        let kind = match to {
            Status::Invited => Some(notify::Kind::FollowUpInvitation),
            Status::Reminded => Some(notify::Kind::FollowUpReminder),
            _ => None,
        };
        if let Some(kind) = kind {
            for follow_up in &claimed {
                let about = notify::About::family(follow_up.family_id);
                let notice = notify::Notice::new(kind, about, link).in_scope(&scope);
                let to = notify::member_accounts(&txn, &[follow_up.member_id]).await?;
                notify::tell(&txn, &notice, &to, now).await?;
            }
        }
        txn.commit().await?;
        if let Some(hub) = hub {
            scope.committed(hub);
        }
        moved += claimed.len();
        if (claimed.len() as u64) < BATCH {
            return Ok(moved);
        }
    }
}

/// The person's follow-ups, newest first.
pub async fn of_member(
    db: &impl ConnectionTrait,
    member_id: Uuid,
) -> AppResult<Vec<follow_up::Model>> {
    Ok(follow_up::Entity::find()
        .filter(Column::MemberId.eq(member_id))
        .order_by_desc(Column::Id)
        .all(db)
        .await?)
}

pub struct FollowUpAnswers<'a> {
    pub follow_up_id: Uuid,
    pub answers: &'a [Answer],
    pub free_text: Option<&'a str>,
    pub private: Option<bool>,
}

/// Records the person's answers as feedback (with the follow-up questionnaire's codes) and
/// closes the follow-up. Only an invited or reminded follow-up can be answered, once.
pub async fn answer(
    db: &impl ConnectionTrait,
    given: FollowUpAnswers<'_>,
    side: GiverSide,
    permit: &Permit,
) -> AppResult<(follow_up::Model, entities::feedback::Model)> {
    let now = permit.at();
    let found = follow_up::Entity::find_by_id(given.follow_up_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let answered = follow_up::Entity::update_many()
        .col_expr(Column::Status, Expr::value(Status::Answered))
        .col_expr(Column::AnsweredAt, Expr::value(Some(now)))
        .filter(Column::Id.eq(found.id))
        .filter(Column::Status.is_in([Status::Invited, Status::Reminded]))
        .exec(db)
        .await?;
    if answered.rows_affected != 1 {
        let message = match found.status {
            Status::Scheduled => "These questions are not open yet.",
            Status::Answered => "You have already answered these questions. Thank you.",
            _ => "These questions have closed.",
        };
        return Err(AppError::invalid(
            &["followUp"],
            UserErrorCode::NotAllowedNow,
            message,
        ));
    }
    let new = NewFeedback {
        family_id: found.family_id,
        kind: QuestionnaireKind::FollowUp,
        subject: FeedbackSubject::Plan,
        subject_id: Some(found.plan_id),
        answers: given.answers,
        free_text: given.free_text,
        anonymous: false,
        private: given.private,
        follow_up_id: Some(found.id),
    };
    let feedback = feedback::give(db, new, side, permit).await?;
    let found = follow_up::Entity::find_by_id(found.id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((found, feedback))
}

/// Runs [`run_due`] every `interval` until `shutdown` completes: the background job started
/// with the server on every replica.
pub async fn run_scheduler(
    db: DatabaseConnection,
    clock: crate::clock::Clock,
    timing: Timing,
    link: String,
    interval: std::time::Duration,
    hub: notify::Hub,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        match run_due(&db, timing, &link, clock.now(), Some(&hub)).await {
            Ok(pass) if pass != Pass::default() => {
                tracing::info!(
                    invited = pass.invited,
                    reminded = pass.reminded,
                    expired = pass.expired,
                    "follow-ups moved on"
                );
            }
            Ok(_) => {}
            Err(err) => {
                tracing::error!(error = %err, "follow-up scheduler could not reach the database")
            }
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = &mut shutdown => return,
        }
    }
}
