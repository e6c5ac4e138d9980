//! The hub's clock on requests for support: when a request's decision is late, the
//! locality managers are emailed, once (no personal details). Runs on every replica: each
//! late request is claimed with a conditional UPDATE, and only the replica whose UPDATE
//! changed the row sends the email, in the same transaction — as the lead-deadline job does.
use super::notify::{About, Kind, Notice};
use super::{audit, notify, screening};
use crate::access::Permit;
use crate::clock::Clock;
use crate::db::begin_write;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entities::support_request::{self, Column, RequestStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

/// Alerts the locality managers about every request past its clock; returns how many this
/// call alerted.
pub async fn alert_missed(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    link: &str,
) -> AppResult<usize> {
    let late = screening::missed_clock(now).all(db).await?;
    let mut alerted = 0;
    for request in late {
        let txn = begin_write(db).await?;
        let claimed = support_request::Entity::update_many()
            .col_expr(Column::AlertedAt, Expr::value(Some(now)))
            .filter(Column::Id.eq(request.id))
            .filter(Column::Status.ne(RequestStatus::Decided))
            .filter(Column::AlertedAt.is_null())
            .exec(&txn)
            .await?;
        if claimed.rows_affected == 1 {
            let kind = if request.significant_harm {
                Kind::SupportClockMissedUrgent
            } else {
                Kind::SupportClockMissed
            };
            let managers =
                notify::accounts_of_roles(&txn, Permit::support_clock_followers()).await?;
            let notice = Notice::new(kind, About::default(), link);
            notify::tell(&txn, &notice, &managers, now).await?;
            if let Some(family_id) = request.family_id {
                audit::record(
                    &txn,
                    family_id,
                    audit::Actor::Operator,
                    audit::Kind::Change,
                    "told the locality managers that a request for support was not decided in time",
                    now,
                )
                .await?;
            }
            alerted += 1;
        }
        txn.commit().await?;
    }
    Ok(alerted)
}

/// Checks the clocks every `interval`, on the server clock, until `shutdown`.
pub async fn run(
    db: DatabaseConnection,
    clock: Clock,
    interval: std::time::Duration,
    link: String,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        match alert_missed(&db, clock.now(), &link).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(alerted = n, "late requests for support alerted"),
            Err(err) => tracing::error!(error = ?err, "could not check requests for support"),
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = &mut shutdown => return,
        }
    }
}
