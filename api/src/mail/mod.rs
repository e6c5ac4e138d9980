//! Outgoing email through an outbox table.
//!
//! [`enqueue`] writes a message in the caller's transaction, so the email exists exactly when
//! the change that caused it commits. The [`worker`] delivers due messages through a
//! [`transport`] with retries and backoff; several replicas may run it at once.
//! Texts live in [`messages`]: they say what needs attention and link to the app, and carry no
//! personal details about a family (DESIGN rule 8).
pub mod messages;
pub mod transport;
pub mod worker;

use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entities::outbox_message;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use uuid::Uuid;

/// An email's subject and plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub subject: String,
    pub body: String,
}

/// Queues `email` for `to` in the caller's transaction; returns the message's id. When `to`
/// is someone's sign-in, their inbox also gets a notification (and their devices a push)
/// saying something needs their attention, so that no event that emails is missing from
/// the app. Code that tells people of something should name its kind and call
/// [`crate::domain::notify::tell`], which writes the email from the same notification.
pub async fn enqueue(
    txn: &impl ConnectionTrait,
    to: &str,
    email: &Email,
    now: DateTime<Utc>,
) -> AppResult<Uuid> {
    enqueue_at(txn, to, email, now, now).await
}

/// Like [`enqueue`], to be delivered from `deliver_at` (a digest held back).
pub async fn enqueue_at(
    txn: &impl ConnectionTrait,
    to: &str,
    email: &Email,
    now: DateTime<Utc>,
    deliver_at: DateTime<Utc>,
) -> AppResult<Uuid> {
    let id = queue(txn, to, email, now, deliver_at).await?;
    crate::domain::notify::attention(txn, to, now, deliver_at).await?;
    Ok(id)
}

/// An email that is not a notification (an invitation to sign in: the person has no app yet).
pub async fn enqueue_without_notice(
    txn: &impl ConnectionTrait,
    to: &str,
    email: &Email,
    now: DateTime<Utc>,
) -> AppResult<Uuid> {
    queue(txn, to, email, now, now).await
}

/// Writes the message into the outbox; `domain::notify` calls this for the emails of its
/// notifications.
pub(crate) async fn queue(
    txn: &impl ConnectionTrait,
    to: &str,
    email: &Email,
    now: DateTime<Utc>,
    deliver_at: DateTime<Utc>,
) -> AppResult<Uuid> {
    let id = Uuid::now_v7();
    outbox_message::ActiveModel {
        id: Set(id),
        recipient: Set(to.to_owned()),
        subject: Set(email.subject.clone()),
        body: Set(email.body.clone()),
        created_at: Set(now),
        attempts: Set(0),
        next_attempt_at: Set(deliver_at),
        claimed_by: Set(None),
        claimed_until: Set(None),
        sent_at: Set(None),
        last_error: Set(None),
    }
    .insert(txn)
    .await?;
    Ok(id)
}
