//! Mutations: one `input` each, a payload with the result and `userErrors`.
//! One module per area, merged into the schema's `Mutation` type.
mod auth;
mod directory;
mod family;

use super::ids::{self, Kind};
use crate::auth::Viewer;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use async_graphql::{ID, MergedObject};
use uuid::Uuid;

#[derive(MergedObject, Default)]
pub struct Mutation(
    directory::DirectoryMutation,
    family::FamilyMutation,
    auth::AuthMutation,
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

pub(super) fn acting_practitioner(viewer: &Viewer) -> AppResult<Uuid> {
    match viewer {
        Viewer::Practitioner(p) => Ok(p.practitioner_id),
        Viewer::Anonymous => Err(AppError::Unauthenticated),
        Viewer::FamilyMember(_) => Err(AppError::Forbidden),
    }
}
