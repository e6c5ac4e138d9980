//! Accounts: who an account belongs to, found by email as a person types it.
use crate::error::AppResult;
use entities::account;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// Finds the account for an email address, as typed by a person (any case, stray spaces).
pub async fn account_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> AppResult<Option<account::Model>> {
    Ok(account::Entity::find()
        .filter(account::Column::Email.eq(normalise_email(email)))
        .one(db)
        .await?)
}

pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}
