//! Telling people about changes: emails through the outbox (DESIGN rule 8) and live events
//! for signed-in apps (the `planChanged` subscription).
//!
//! Every plan change passes through [`plan_changed`] (called by `plans::record_change`), in
//! the change's own transaction:
//! - emails: the family adults when a practitioner changed the plan, the lead professional
//!   when the family did, each at most once an hour (a digest held back in the outbox);
//! - a [`PlanEvent`], published only once the change commits. On PostgreSQL it is a
//!   `NOTIFY`, which the database delivers at commit to every replica's listener; on SQLite
//!   (one process) it waits in the request's [`ChangeScope`] until the mutation layer has
//!   committed, then goes to the in-process [`Hub`].
//!
//! Who is told travels with the change's [`Permit`] (`Permit::telling`), never beside it: a
//! permit without a scope (the demo loader) tells nobody; the command line tells as the API
//! does.
use crate::access::Permit;
use crate::error::AppResult;
use chrono::{DateTime, Duration, Utc};
use entities::plan_change::{self, ChangeSide};
use entities::{account, change_digest, family_member, plan, practitioner, practitioner_role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, Set,
    Statement,
};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;
use uuid::Uuid;

/// The PostgreSQL channel that carries plan events between replicas.
pub const CHANNEL: &str = "family_plan_changes";
/// At most one "your plan changed" email per family and audience in this time.
pub const DIGEST_EVERY: Duration = Duration::hours(1);

/// A plan moved on: ids only (a NOTIFY payload is small, and clients refetch the plan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanEvent {
    pub plan_id: Uuid,
    pub family_id: Uuid,
    pub version: i32,
    pub side: Side,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Side {
    Family,
    Practitioner,
    Operator,
}

impl From<ChangeSide> for Side {
    fn from(side: ChangeSide) -> Self {
        match side {
            ChangeSide::Family => Side::Family,
            ChangeSide::Practitioner => Side::Practitioner,
            ChangeSide::Operator => Side::Operator,
        }
    }
}

/// The events of this process, for its subscribers.
#[derive(Clone)]
pub struct Hub {
    sender: broadcast::Sender<PlanEvent>,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(1024).0,
        }
    }
}

impl Hub {
    pub fn subscribe(&self) -> broadcast::Receiver<PlanEvent> {
        self.sender.subscribe()
    }

    pub fn send(&self, event: PlanEvent) {
        // No subscriber is not an error.
        let _ = self.sender.send(event);
    }
}

/// What a request's changes need from outside the database: where the app lives (for email
/// links), and the events that wait for the commit.
pub struct ChangeScope {
    app_url: String,
    pending: Mutex<Vec<PlanEvent>>,
}

impl ChangeScope {
    pub fn new(public_url: &str) -> Arc<Self> {
        Arc::new(Self {
            app_url: public_url.trim_end_matches('/').to_owned(),
            pending: Mutex::new(vec![]),
        })
    }

    /// After the commit: hands the waiting events to the hub.
    pub fn committed(&self, hub: &Hub) {
        let events = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        for event in events {
            hub.send(event);
        }
    }
}

/// A link into the app, when the change tells anyone.
pub fn app_link(permit: &Permit, path: &str) -> Option<String> {
    permit.told().map(|s| format!("{}{path}", s.app_url))
}

/// The hook of `plans::record_change`: emails and the live event for one change.
pub async fn plan_changed(
    db: &impl ConnectionTrait,
    permit: &Permit,
    plan: &plan::Model,
    change: &plan_change::Model,
) -> AppResult<()> {
    let now = permit.at();
    if let Some(link) = app_link(permit, "/plan") {
        match change.by_side {
            ChangeSide::Practitioner => {
                if let Some(at) = schedule_digest(db, plan.family_id, Audience::Family, now).await?
                {
                    let email = crate::mail::messages::plan_changed_by_practitioner(&link);
                    let about = match change.outcome_id {
                        Some(outcome) => super::outcomes::members_of(db, outcome).await?,
                        None => vec![],
                    };
                    for to in family_emails(db, plan.family_id, &about).await? {
                        crate::mail::enqueue_at(db, &to, &email, now, at).await?;
                    }
                }
            }
            ChangeSide::Family => {
                if let Some(lead) = plan.lead_professional_id
                    && let Some(at) =
                        schedule_digest(db, plan.family_id, Audience::Lead, now).await?
                    && let Some(to) = practitioner_email(db, lead).await?
                {
                    let email = crate::mail::messages::plan_changed_by_family(&link);
                    crate::mail::enqueue_at(db, &to, &email, now, at).await?;
                }
            }
            ChangeSide::Operator => {}
        }
    }
    let event = PlanEvent {
        plan_id: plan.id,
        family_id: plan.family_id,
        version: plan.version,
        side: change.by_side.into(),
        at: now,
    };
    publish(db, permit, event).await
}

/// Publishes `event` once the caller's transaction commits.
async fn publish(db: &impl ConnectionTrait, permit: &Permit, event: PlanEvent) -> AppResult<()> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        let payload = serde_json::to_string(&event)
            .map_err(|e| crate::error::AppError::Internal(e.into()))?;
        db.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), payload.into()],
        ))
        .await?;
    } else if let Some(told) = permit.told() {
        told.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(event);
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Family,
    Lead,
}

impl Audience {
    fn key(self) -> &'static str {
        match self {
            Audience::Family => "family",
            Audience::Lead => "lead",
        }
    }
}

/// When to deliver a digest for a change made `now`, or None when one already scheduled
/// covers it (it is delivered at or after `now`). Changes to one plan are serialised (the
/// plan's row is held until commit), so read-then-write is safe here.
async fn schedule_digest(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    audience: Audience,
    now: DateTime<Utc>,
) -> AppResult<Option<DateTime<Utc>>> {
    let now = stored(now);
    let found = change_digest::Entity::find_by_id((family_id, audience.key().to_owned()))
        .one(db)
        .await?;
    let at = match &found {
        Some(d) if d.last_scheduled_at >= now => return Ok(None),
        Some(d) => std::cmp::max(now, d.last_scheduled_at + DIGEST_EVERY),
        None => now,
    };
    save_digest(db, family_id, audience, found.is_some(), at).await?;
    Ok(Some(at))
}

/// Notes that `audience` was told about the plan `now` by a specific email (a nomination's
/// answer, say), so that the same change sends no digest too.
pub async fn told(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    audience: Audience,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let now = stored(now);
    let found = change_digest::Entity::find_by_id((family_id, audience.key().to_owned()))
        .one(db)
        .await?;
    match found {
        Some(d) if d.last_scheduled_at >= now => Ok(()),
        found => save_digest(db, family_id, audience, found.is_some(), now).await,
    }
}

/// `at` as the database keeps it (PostgreSQL to the microsecond), so that comparing with
/// a stored time means what it says.
fn stored(at: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::SubsecRound;
    at.trunc_subsecs(6)
}

async fn save_digest(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    audience: Audience,
    exists: bool,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let row = change_digest::ActiveModel {
        family_id: Set(family_id),
        audience: Set(audience.key().to_owned()),
        last_scheduled_at: Set(at),
    };
    if exists {
        row.update(db).await?;
    } else {
        row.insert(db).await?;
    }
    Ok(())
}

/// The family members who can sign in and are told of a change to the plan (the rules'
/// `HearOfPlanChange` row), where `about` are the members the change is for (none: the
/// whole family, or the plan itself).
pub async fn family_emails(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    about: &[Uuid],
) -> AppResult<Vec<String>> {
    let members = family_member::Entity::find()
        .filter(family_member::Column::FamilyId.eq(family_id))
        .filter(family_member::Column::AccountId.is_not_null())
        .all(db)
        .await?;
    let shared = super::household::shared_with(db, family_id).await?;
    let accounts: Vec<Uuid> = members
        .into_iter()
        .filter(|m| {
            Permit::told_of_plan_change(m.relation, shared.contains(&m.id), about.contains(&m.id))
        })
        .filter_map(|m| m.account_id)
        .collect();
    emails_of(db, accounts).await
}

/// The email address of an account.
pub async fn account_email(
    db: &impl ConnectionTrait,
    account_id: Uuid,
) -> AppResult<Option<String>> {
    Ok(emails_of(db, vec![account_id]).await?.into_iter().next())
}

pub async fn practitioner_email(
    db: &impl ConnectionTrait,
    practitioner_id: Uuid,
) -> AppResult<Option<String>> {
    let Some(p) = practitioner::Entity::find_by_id(practitioner_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(emails_of(db, vec![p.account_id]).await?.into_iter().next())
}

/// The practitioners holding any of `roles` (from the rules: e.g. `Permit::override_reviewers`),
/// by email.
pub async fn emails_of_roles(
    db: &impl ConnectionTrait,
    roles: Vec<entities::practitioner_role::Role>,
) -> AppResult<Vec<String>> {
    let holders: Vec<Uuid> = practitioner_role::Entity::find()
        .filter(practitioner_role::Column::Role.is_in(roles))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.practitioner_id)
        .collect();
    let accounts: Vec<Uuid> = practitioner::Entity::find()
        .filter(practitioner::Column::Id.is_in(holders))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.account_id)
        .collect();
    let mut emails = emails_of(db, accounts).await?;
    emails.sort();
    emails.dedup();
    Ok(emails)
}

async fn emails_of(db: &impl ConnectionTrait, accounts: Vec<Uuid>) -> AppResult<Vec<String>> {
    if accounts.is_empty() {
        return Ok(vec![]);
    }
    Ok(account::Entity::find()
        .filter(account::Column::Id.is_in(accounts))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.email)
        .collect())
}

/// On PostgreSQL: passes every replica's committed plan events to this process's hub until
/// `shutdown`. Notifications sent while the listener is reconnecting are lost; apps refetch
/// the plan when they reconnect, so a missed event costs a refresh, never a wrong view.
pub async fn listen(db: sea_orm::DatabaseConnection, hub: Hub, shutdown: impl Future<Output = ()>) {
    use sea_orm::sqlx::postgres::PgListener;
    tokio::pin!(shutdown);
    loop {
        let listener = async {
            let mut listener = PgListener::connect_with(db.get_postgres_connection_pool()).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sea_orm::sqlx::Error>(listener)
        };
        let mut listener = tokio::select! {
            made = listener => match made {
                Ok(listener) => listener,
                Err(err) => {
                    tracing::warn!(error = %err, "could not listen for plan changes; retrying");
                    tokio::select! {
                        () = tokio::time::sleep(std::time::Duration::from_secs(1)) => continue,
                        () = &mut shutdown => return,
                    }
                }
            },
            () = &mut shutdown => return,
        };
        loop {
            tokio::select! {
                received = listener.recv() => match received {
                    Ok(note) => match serde_json::from_str::<PlanEvent>(note.payload()) {
                        Ok(event) => hub.send(event),
                        Err(err) => tracing::warn!(error = %err, "unreadable plan event"),
                    },
                    Err(err) => {
                        tracing::warn!(error = %err, "lost the plan changes listener; reconnecting");
                        break;
                    }
                },
                () = &mut shutdown => return,
            }
        }
    }
}
