//! Delivers queued email. Safe on every replica at once: a worker claims a batch of due messages
//! for a lease (`claimed_by`, `claimed_until`) in one statement — with `FOR UPDATE SKIP LOCKED`
//! on PostgreSQL, so two workers never claim the same row; SQLite's single writer serialises the
//! claims — then delivers them and marks each sent, only while its claim still holds.
//! Failures are retried with exponential backoff.
use super::transport::Transport;
use crate::clock::Clock;
use crate::config::Settings;
use chrono::{DateTime, Duration, Utc};
use entities::outbox_message::{self, Column};
use lettre::message::Mailbox;
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};
use uuid::Uuid;

/// How long a claim lasts: longer than any delivery may take (SMTP times out after a minute).
const LEASE: Duration = Duration::minutes(5);
/// Messages claimed at a time.
const BATCH: u64 = 20;

pub struct Worker {
    id: Uuid,
    db: DatabaseConnection,
    transport: Transport,
    from: Mailbox,
    clock: Clock,
}

/// Wait before the next try after `attempts` failed ones: 30 s, 1 min, 2 min, … up to 6 hours.
pub fn backoff(attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    let seconds = 30_i64.saturating_mul(2_i64.saturating_pow(exponent));
    Duration::seconds(std::cmp::min(seconds, 6 * 3600))
}

impl Worker {
    pub fn new(db: DatabaseConnection, settings: &Settings, clock: Clock) -> anyhow::Result<Self> {
        let from = settings
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("FAMILY_PLAN_MAIL_FROM is not an email address: {e}"))?;
        Ok(Self {
            id: Uuid::new_v4(),
            db,
            transport: Transport::from_settings(settings)?,
            from,
            clock,
        })
    }

    /// Delivers every message that is due now; returns how many were sent.
    pub async fn deliver_due(&self) -> Result<usize, DbErr> {
        let mut sent = 0;
        loop {
            let claimed = self.claim(self.clock.now()).await?;
            if claimed.is_empty() {
                return Ok(sent);
            }
            for message in claimed {
                if self.deliver(message).await? {
                    sent += 1;
                }
            }
        }
    }

    async fn claim(&self, now: DateTime<Utc>) -> Result<Vec<outbox_message::Model>, DbErr> {
        let due = outbox_message::Entity::find()
            .select_only()
            .column(Column::Id)
            .filter(Column::SentAt.is_null())
            .filter(Column::NextAttemptAt.lte(now))
            .filter(
                Condition::any()
                    .add(Column::ClaimedUntil.is_null())
                    .add(Column::ClaimedUntil.lt(now)),
            )
            .order_by_asc(Column::NextAttemptAt)
            .limit(BATCH)
            // Ignored by SQLite, where the single writer serialises claims anyway.
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .into_query();
        outbox_message::Entity::update_many()
            .col_expr(Column::ClaimedBy, Expr::value(Some(self.id)))
            .col_expr(Column::ClaimedUntil, Expr::value(Some(now + LEASE)))
            .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
            .filter(Column::Id.in_subquery(due))
            .exec_with_returning(&self.db)
            .await
    }

    /// Sends one claimed message and records the outcome; true when it was sent.
    async fn deliver(&self, message: outbox_message::Model) -> Result<bool, DbErr> {
        let result = self.transport.send(&self.from, &message).await;
        let now = self.clock.now();
        let mine = Condition::all()
            .add(Column::Id.eq(message.id))
            .add(Column::ClaimedBy.eq(self.id))
            .add(Column::SentAt.is_null());
        let update = outbox_message::Entity::update_many()
            .col_expr(Column::ClaimedBy, Expr::value(Option::<Uuid>::None))
            .col_expr(
                Column::ClaimedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(mine);
        match result {
            Ok(()) => {
                let marked = update
                    .col_expr(Column::SentAt, Expr::value(Some(now)))
                    .col_expr(Column::LastError, Expr::value(Option::<String>::None))
                    .exec(&self.db)
                    .await?;
                if marked.rows_affected == 0 {
                    tracing::warn!(message = %message.id, "email sent after its claim had lapsed");
                }
                tracing::info!(message = %message.id, attempts = message.attempts, "email sent");
                Ok(true)
            }
            Err(err) => {
                let next = now + backoff(message.attempts);
                tracing::warn!(message = %message.id, attempts = message.attempts, retry_at = %next, error = %err, "email not sent; will retry");
                update
                    .col_expr(Column::NextAttemptAt, Expr::value(next))
                    .col_expr(Column::LastError, Expr::value(Some(format!("{err:#}"))))
                    .exec(&self.db)
                    .await?;
                Ok(false)
            }
        }
    }

    /// Delivers due messages every `interval` until `shutdown` completes.
    pub async fn run(
        self,
        interval: std::time::Duration,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        loop {
            if let Err(err) = self.deliver_due().await {
                tracing::error!(error = %err, "email worker could not reach the outbox");
            }
            tokio::select! {
                () = tokio::time::sleep(interval) => {}
                () = &mut shutdown => return,
            }
        }
    }
}
