//! Invitations: a single-use enrolment link by email, valid for 7 days. Only the token's hash is
//! kept; a new invitation voids the person's earlier ones.
use super::session::{hash_token, random_token};
use crate::error::AppResult;
use crate::mail::{self, messages};
use chrono::{DateTime, Duration, Utc};
use entities::{account, invitation};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

pub const VALID_DAYS: i64 = 7;

pub struct Sent {
    pub invitation: invitation::Model,
    /// The link in the email: shown once (the command line prints it), never stored.
    pub link: String,
}

/// Invites the owner of `account` and queues the email, in the caller's transaction.
pub async fn invite(
    txn: &impl ConnectionTrait,
    account: &account::Model,
    invited_by: Option<Uuid>,
    public_url: &str,
    now: DateTime<Utc>,
) -> AppResult<Sent> {
    invitation::Entity::update_many()
        .col_expr(invitation::Column::VoidedAt, Expr::value(Some(now)))
        .filter(invitation::Column::AccountId.eq(account.id))
        .filter(invitation::Column::UsedAt.is_null())
        .filter(invitation::Column::VoidedAt.is_null())
        .exec(txn)
        .await?;
    let token = random_token();
    let invitation = invitation::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(account.id),
        token_hash: Set(hash_token(&token)),
        invited_by: Set(invited_by),
        created_at: Set(now),
        expires_at: Set(now + Duration::days(VALID_DAYS)),
        used_at: Set(None),
        voided_at: Set(None),
    }
    .insert(txn)
    .await?;
    let link = format!(
        "{}/invitation?token={token}",
        public_url.trim_end_matches('/')
    );
    mail::enqueue_without_notice(
        txn,
        &account.email,
        &messages::invitation(&link, VALID_DAYS),
        now,
    )
    .await?;
    Ok(Sent { invitation, link })
}

/// The invitation for a token, while it can still be used.
pub async fn find_usable(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<invitation::Model>> {
    Ok(invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(hash_token(token.trim())))
        .one(db)
        .await?
        .filter(|i| i.used_at.is_none() && i.voided_at.is_none() && i.expires_at > now))
}

/// Marks an invitation used; false when it was used, voided or expired meanwhile.
pub async fn use_up(db: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> AppResult<bool> {
    let result = invitation::Entity::update_many()
        .col_expr(invitation::Column::UsedAt, Expr::value(Some(now)))
        .filter(invitation::Column::Id.eq(id))
        .filter(invitation::Column::UsedAt.is_null())
        .filter(invitation::Column::VoidedAt.is_null())
        .filter(invitation::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
