//! Mutations: one `input` each, a payload with the result and `userErrors`.
//! One module per area, merged into the schema's `Mutation` type.
mod assessment;
mod auth;
mod consent;
mod directory;
mod family;
mod feedback;
mod lead;
mod meeting;
mod plan;
mod safeguarding;
mod team;

use super::ids::{self, Kind};
use super::services;
use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::audit::Actor;
use crate::domain::notify::ChangeScope;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use crate::policy::{Access, Action};
use async_graphql::{Context, ID, MergedObject};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

#[derive(MergedObject, Default)]
pub struct Mutation(
    directory::DirectoryMutation,
    family::FamilyMutation,
    consent::ConsentMutation,
    team::TeamMutation,
    safeguarding::SafeguardingMutation,
    assessment::AssessmentMutation,
    plan::PlanMutation,
    auth::AuthMutation,
    feedback::FeedbackMutation,
    lead::LeadMutation,
    meeting::MeetingMutation,
);

/// Splits a domain result into what the payload shows: the value, or the user's errors.
/// Anything else (permission, internal) stays a GraphQL error.
pub(super) fn split<T>(result: AppResult<T>) -> AppResult<(Option<T>, Vec<UserError>)> {
    match result {
        Ok(value) => Ok((Some(value), vec![])),
        Err(AppError::Invalid(errors)) => Ok((None, errors)),
        Err(other) => Err(other),
    }
}

/// Runs `change` in one write transaction: committed when it succeeds, rolled back when it
/// fails (user errors included), so a refused change leaves nothing behind. Live events of
/// the change are published once it has committed (`domain::notify`).
pub(super) async fn write<T>(
    ctx: &Context<'_>,
    change: impl AsyncFnOnce(&DatabaseTransaction) -> AppResult<T>,
) -> AppResult<(Option<T>, Vec<UserError>)> {
    let s = services(ctx)?;
    let scope = ChangeScope::new(&s.settings.public_url);
    let txn = begin_write(&s.db).await?;
    match scope.run(change(&txn)).await {
        Ok(value) => {
            txn.commit().await?;
            scope.committed(&s.hub);
            Ok((Some(value), vec![]))
        }
        Err(error) => {
            txn.rollback().await?;
            split(Err(error))
        }
    }
}

/// Reads an ID given in an input; a malformed one is the user's to fix.
pub(super) fn input_id(id: &ID, kind: Kind, field: &str) -> AppResult<Uuid> {
    ids::decode(id, kind).map_err(|e| {
        AppError::Invalid(vec![UserError::new(
            &[field],
            UserErrorCode::Invalid,
            e.to_string(),
        )])
    })
}

/// Who is acting, and under what access, for the audit trail.
pub(super) fn actor(viewer: &Viewer, access: Access) -> AppResult<Actor> {
    Actor::of(viewer)
        .map(|a| a.with_access(access))
        .ok_or(AppError::Unauthenticated)
}

/// Asks the policy module for `action` and returns who acts (for the audit trail and the
/// history) and the time of the change: the opening of every mutation that changes a family.
pub(super) async fn acting(ctx: &Context<'_>, action: Action) -> AppResult<(Actor, DateTime<Utc>)> {
    let access = super::authorize(ctx, action).await?;
    Ok((
        actor(super::viewer(ctx)?, access)?,
        services(ctx)?.clock.now(),
    ))
}

/// Reads a list of IDs given in an input.
pub(super) fn input_ids(given: &[ID], kind: Kind, field: &str) -> AppResult<Vec<Uuid>> {
    given.iter().map(|id| input_id(id, kind, field)).collect()
}
