//! Actions: the steps towards a chosen outcome — what, who (a practitioner on the team or a
//! family member), by when, and whether it is done; optionally the local service from the
//! directory it points at (issue 17).
use super::outcomes;
use super::plans::{self, Subject};
use super::{team, text};
use crate::access::Permit;
use crate::error::{AppError, AppResult, UserErrorCode};
use chrono::NaiveDate;
use entities::outcome::OutcomeStatus;
use entities::{family_member, plan_action};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignee {
    Practitioner(Uuid),
    Member(Uuid),
}

pub async fn find(db: &impl ConnectionTrait, action_id: Uuid) -> AppResult<plan_action::Model> {
    plan_action::Entity::find_by_id(action_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Whether an action is past its due date and not done, on `today`.
pub fn is_overdue(action: &plan_action::Model, today: NaiveDate) -> bool {
    action.done_at.is_none() && action.due_date.is_some_and(|due| due < today)
}

pub struct NewAction<'a> {
    pub description: &'a str,
    pub assignee: Assignee,
    pub due_date: Option<NaiveDate>,
    /// A directory entry (local service) the action points at.
    pub service: Option<Uuid>,
}

pub async fn add(
    db: &impl ConnectionTrait,
    outcome_id: Uuid,
    expected: i32,
    new: NewAction<'_>,
    permit: &Permit,
) -> AppResult<plan_action::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let NewAction {
        description,
        assignee,
        due_date,
        service,
    } = new;
    let mut errors = vec![];
    let description = text::required(
        "description",
        "what needs doing",
        description,
        1000,
        &mut errors,
    );
    if due_date.is_some_and(|d| d < now.date_naive()) {
        errors.push(crate::error::UserError::new(
            &["dueDate"],
            UserErrorCode::OutOfRange,
            "Please pick a due date from today on.",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let outcome = outcomes::find(db, outcome_id).await?;
    let plan = plans::advance(db, outcome.plan_id, expected, now).await?;
    if outcome.status != OutcomeStatus::Chosen {
        return Err(AppError::invalid(
            &["outcome"],
            UserErrorCode::NotAllowedNow,
            "Actions can be added only to an outcome the family has chosen.",
        ));
    }
    check_assignee(db, outcome.family_id, assignee).await?;
    if let Some(service) = service {
        super::directory::check_entry(db, service, "service").await?;
    }
    let (member, practitioner) = actor.ids();
    let action = plan_action::ActiveModel {
        id: Set(Uuid::now_v7()),
        outcome_id: Set(outcome_id),
        plan_id: Set(outcome.plan_id),
        family_id: Set(outcome.family_id),
        description: Set(description),
        assignee_practitioner_id: Set(match assignee {
            Assignee::Practitioner(id) => Some(id),
            Assignee::Member(_) => None,
        }),
        assignee_member_id: Set(match assignee {
            Assignee::Member(id) => Some(id),
            Assignee::Practitioner(_) => None,
        }),
        due_date: Set(due_date),
        done_at: Set(None),
        done_by_member_id: Set(None),
        done_by_practitioner_id: Set(None),
        created_by_member_id: Set(member),
        created_by_practitioner_id: Set(practitioner),
        created_at: Set(now),
        service_id: Set(service),
    }
    .insert(db)
    .await?;
    plans::record_change(
        db,
        &plan,
        permit,
        Subject::action(outcome_id, action.id),
        "added an action",
        None,
    )
    .await?;
    Ok(action)
}

/// Marks an action done, or not done after all.
pub async fn set_done(
    db: &impl ConnectionTrait,
    action_id: Uuid,
    expected: i32,
    done: bool,
    permit: &Permit,
) -> AppResult<plan_action::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let action = find(db, action_id).await?;
    let plan = plans::advance(db, action.plan_id, expected, now).await?;
    if action.done_at.is_some() == done {
        return Err(AppError::invalid(
            &["done"],
            UserErrorCode::Unchanged,
            if done {
                "This action is already marked as done."
            } else {
                "This action is not marked as done."
            },
        ));
    }
    let (member, practitioner) = actor.ids();
    let outcome_id = action.outcome_id;
    let mut active: plan_action::ActiveModel = action.into();
    active.done_at = Set(done.then_some(now));
    active.done_by_member_id = Set(member.filter(|_| done));
    active.done_by_practitioner_id = Set(practitioner.filter(|_| done));
    let action = active.update(db).await?;
    let what = if done {
        "marked the action done"
    } else {
        "marked the action not done"
    };
    plans::record_change(
        db,
        &plan,
        permit,
        Subject::action(outcome_id, action.id),
        what,
        None,
    )
    .await?;
    Ok(action)
}

async fn check_assignee(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    assignee: Assignee,
) -> AppResult<()> {
    let ok = match assignee {
        Assignee::Practitioner(id) => team::current_membership(db, family_id, id).await?.is_some(),
        Assignee::Member(id) => family_member::Entity::find_by_id(id)
            .one(db)
            .await?
            .is_some_and(|m| m.family_id == family_id),
    };
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(
            &["assignee"],
            UserErrorCode::NotFound,
            "An action can be given to a practitioner on the family's team or to a member of the family.",
        ))
    }
}
