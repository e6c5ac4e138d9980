//! Mutations: one `input` each, a payload with the result and `userErrors`.
//! One module per area, merged into the schema's `Mutation` type.
mod assessment;
mod auth;
mod consent;
mod consultation;
mod directory;
mod family;
mod feedback;
mod feeling_unsafe;
mod front_door;
mod growing_up;
mod lead;
mod meeting;
mod notification;
mod plan;
mod restriction;
mod safeguarding;
mod team;

use super::ids::{self, Kind};
use super::services;
use crate::access::{self, Action, Permit};
use crate::db::begin_write;
use crate::domain::notify::ChangeScope;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use async_graphql::{Context, ID, MergedObject};
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
    growing_up::GrowingUpMutation,
    front_door::FrontDoorMutation,
    consultation::ConsultationMutation,
    notification::NotificationMutation,
    restriction::RestrictionMutation,
    feeling_unsafe::FeelingUnsafeMutation,
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

/// Runs `change` in one write transaction, under a permit for `action` granted inside that
/// same transaction: committed when it succeeds, rolled back when it fails (user errors
/// included), so a refused change leaves nothing behind. Whoever the change tells is told
/// once it has committed (`domain::notify`).
pub(super) async fn write<T>(
    ctx: &Context<'_>,
    action: Action,
    change: impl AsyncFnOnce(&DatabaseTransaction, &Permit) -> AppResult<T>,
) -> AppResult<(Option<T>, Vec<UserError>)> {
    let s = services(ctx)?;
    let viewer = super::viewer(ctx)?;
    let scope = ChangeScope::new(&s.settings.public_url);
    let txn = begin_write(&s.db).await?;
    let permit = match access::grant(&txn, viewer, action, s.clock.now(), s.settings.ages()).await {
        Ok(permit) => permit.telling(&scope),
        Err(refused) => {
            txn.rollback().await?;
            return Err(refused);
        }
    };
    match change(&txn, &permit).await {
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

/// Reads a list of IDs given in an input.
pub(super) fn input_ids(given: &[ID], kind: Kind, field: &str) -> AppResult<Vec<Uuid>> {
    given.iter().map(|id| input_id(id, kind, field)).collect()
}
