//! Delivers queued pushes, on every replica at once, as the email worker does: a worker
//! claims a batch of due pushes for a lease in one statement (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL; SQLite's single writer serialises claims), sends them, and marks each sent
//! only while its claim holds. A device the push service says is gone (404/410, APNs
//! `Unregistered`, FCM `UNREGISTERED`) is removed,
//! with its waiting pushes; a throttled push (429) waits for `Retry-After`; other failures
//! are retried with the email worker's back-off. Pushes older than a day are not sent.
use super::{Outcome, Pusher};
use crate::clock::Clock;
use crate::config::Settings;
use crate::mail::worker::backoff;
use chrono::{DateTime, Duration, Utc};
use entities::push_device;
use entities::push_message::{self, Column};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};
use uuid::Uuid;

const LEASE: Duration = Duration::minutes(5);
const BATCH: u64 = 20;
/// A push not delivered within this long is no longer news.
const STALE_AFTER: Duration = Duration::hours(24);

pub struct Worker {
    id: Uuid,
    db: DatabaseConnection,
    pusher: Pusher,
    clock: Clock,
}

impl Worker {
    pub fn new(db: DatabaseConnection, settings: &Settings, clock: Clock) -> anyhow::Result<Self> {
        Ok(Self {
            id: Uuid::new_v4(),
            db,
            pusher: Pusher::from_settings(settings)?,
            clock,
        })
    }

    /// Delivers every push that is due now; returns how many were sent.
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

    async fn claim(&self, now: DateTime<Utc>) -> Result<Vec<push_message::Model>, DbErr> {
        let due = push_message::Entity::find()
            .select_only()
            .column(Column::Id)
            .filter(Column::SentAt.is_null())
            .filter(Column::NextAttemptAt.lte(now))
            .filter(Column::CreatedAt.gt(now - STALE_AFTER))
            .filter(
                Condition::any()
                    .add(Column::ClaimedUntil.is_null())
                    .add(Column::ClaimedUntil.lt(now)),
            )
            .order_by_asc(Column::NextAttemptAt)
            .limit(BATCH)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .into_query();
        push_message::Entity::update_many()
            .col_expr(Column::ClaimedBy, Expr::value(Some(self.id)))
            .col_expr(Column::ClaimedUntil, Expr::value(Some(now + LEASE)))
            .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
            .filter(Column::Id.in_subquery(due))
            .exec_with_returning(&self.db)
            .await
    }

    async fn deliver(&self, message: push_message::Model) -> Result<bool, DbErr> {
        let Some(device) = push_device::Entity::find_by_id(message.device_id)
            .one(&self.db)
            .await?
        else {
            // Unregistered meanwhile: its pushes went with it.
            return Ok(false);
        };
        let push = super::Push {
            title: message.title.clone(),
            notification_id: message.notification_id,
        };
        let outcome = self.pusher.send(&device, &push, self.clock.now()).await;
        let now = self.clock.now();
        let mine = Condition::all()
            .add(Column::Id.eq(message.id))
            .add(Column::ClaimedBy.eq(self.id))
            .add(Column::SentAt.is_null());
        let update = push_message::Entity::update_many()
            .col_expr(Column::ClaimedBy, Expr::value(Option::<Uuid>::None))
            .col_expr(
                Column::ClaimedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(mine);
        match outcome {
            Outcome::Sent => {
                let marked = update
                    .col_expr(Column::SentAt, Expr::value(Some(now)))
                    .col_expr(Column::LastError, Expr::value(Option::<String>::None))
                    .exec(&self.db)
                    .await?;
                if marked.rows_affected == 0 {
                    tracing::warn!(push = %message.id, "push sent after its claim had lapsed");
                }
                tracing::info!(push = %message.id, attempts = message.attempts, "push sent");
                Ok(true)
            }
            Outcome::Gone(why) => {
                tracing::info!(device = %device.id, reason = %why, "push device gone; removed");
                push_device::Entity::delete_by_id(device.id)
                    .exec(&self.db)
                    .await?;
                Ok(false)
            }
            Outcome::RetryAt(at, why) => {
                tracing::warn!(push = %message.id, retry_at = %at, reason = %why, "push throttled");
                update
                    .col_expr(Column::NextAttemptAt, Expr::value(at))
                    .col_expr(Column::LastError, Expr::value(Some(why)))
                    .exec(&self.db)
                    .await?;
                Ok(false)
            }
            Outcome::Failed(why) => {
                let next = now + backoff(message.attempts);
                tracing::warn!(push = %message.id, attempts = message.attempts, retry_at = %next, reason = %why, "push not sent; will retry");
                update
                    .col_expr(Column::NextAttemptAt, Expr::value(next))
                    .col_expr(Column::LastError, Expr::value(Some(why)))
                    .exec(&self.db)
                    .await?;
                Ok(false)
            }
        }
    }

    /// Delivers due pushes every `interval` until `shutdown` completes.
    pub async fn run(
        self,
        interval: std::time::Duration,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        loop {
            if let Err(err) = self.deliver_due().await {
                tracing::error!(error = %err, "push worker could not reach the outbox");
            }
            tokio::select! {
                () = tokio::time::sleep(interval) => {}
                () = &mut shutdown => return,
            }
        }
    }
}
