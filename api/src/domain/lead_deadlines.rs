//! The deadline on a lead professional nomination: when no answer came in time, the
//! locality managers are emailed, once. Runs on every replica: each late nomination is
//! claimed with a conditional UPDATE (only the replica whose UPDATE changed the row sends
//! the email, in the same transaction), so exactly one replica alerts. The alert goes live
//! (`notificationAdded`) once its transaction commits, on SQLite too.
use super::audit::{self, Actor};
use super::notify;
use crate::clock::Clock;
use crate::db::begin_write;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entities::lead_nomination::{self, Column, NominationStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

/// Alerts the locality managers about every nomination past its deadline without an
/// answer; returns how many this call alerted.
pub async fn alert_overdue(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    link: &str,
) -> AppResult<usize> {
    alert_overdue_live(db, now, link, None).await
}

/// [`alert_overdue`], its notifications going live to `hub`'s subscribers once each alert
/// commits (on PostgreSQL the database publishes them).
pub async fn alert_overdue_live(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    link: &str,
    hub: Option<&notify::Hub>,
) -> AppResult<usize> {
    let late = lead_nomination::Entity::find()
        .filter(Column::Status.eq(NominationStatus::Pending))
        .filter(Column::OverdueAlertedAt.is_null())
        .filter(Column::AnswerDueAt.lte(now))
        .all(db)
        .await?;
    let mut alerted = 0;
    for nomination in late.into_iter().filter(|n| n.answer_due_at <= now) {
        let scope = notify::ChangeScope::new(link);
        let txn = begin_write(db).await?;
        let claimed = lead_nomination::Entity::update_many()
            .col_expr(Column::OverdueAlertedAt, Expr::value(Some(now)))
            .filter(Column::Id.eq(nomination.id))
            .filter(Column::Status.eq(NominationStatus::Pending))
            .filter(Column::OverdueAlertedAt.is_null())
            .exec(&txn)
            .await?;
        if claimed.rows_affected == 1 {
            let notice = notify::Notice::new(
                notify::Kind::LeadNominationOverdue,
                Default::default(),
                link,
            )
            .in_scope(&scope);
            let to = notify::accounts_of_roles(&txn, crate::access::Permit::nomination_followers())
                .await?;
            notify::tell(&txn, &notice, &to, now).await?;
            audit::record(
                &txn,
                nomination.family_id,
                Actor::Operator,
                audit::Kind::Change,
                "told the locality managers that a lead professional nomination was not answered in time",
                now,
            )
            .await?;
            alerted += 1;
        }
        txn.commit().await?;
        if let Some(hub) = hub {
            scope.committed(hub);
        }
    }
    Ok(alerted)
}

/// Checks the deadlines every `interval`, on the server clock, until `shutdown`.
pub async fn run(
    db: DatabaseConnection,
    clock: Clock,
    interval: std::time::Duration,
    link: String,
    hub: notify::Hub,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        match alert_overdue_live(&db, clock.now(), &link, Some(&hub)).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(alerted = n, "late lead professional nominations alerted"),
            Err(err) => tracing::error!(error = ?err, "could not check nomination deadlines"),
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = &mut shutdown => return,
        }
    }
}
