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
//!
//! **One place decides who is told what** (issue 13): [`tell`] takes a [`Notice`] (a
//! [`Kind`] from the table in [`kinds`], and the ids of what it is about) and the accounts
//! concerned (found by the functions below, from the access rules), and in the caller's
//! transaction writes one inbox notification per person, the kind's email and the pushes to
//! their devices, each as that person's [`preferences`] say (quiet hours hold pushes back
//! until morning). The email, the push title and the inbox entry all come from the one row,
//! so they never disagree. A notification is shown only while its reader may still see what
//! it points at ([`inbox`], asking the access rules each time).
pub mod devices;
pub mod inbox;
pub mod kinds;
pub mod preferences;

use crate::access::Permit;
use crate::error::AppResult;
use chrono::{DateTime, Duration, Utc};
use entities::plan_change::{self, ChangeSide};
use entities::{account, change_digest, family_member, plan, practitioner, practitioner_role};
pub use kinds::Kind;
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
/// The PostgreSQL channel that carries new notifications' ids between replicas.
pub const NOTIFICATION_CHANNEL: &str = "family_plan_notifications";
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
    /// Issue 14: the outcome changed, if any: an adult a restriction keeps from a child it
    /// is about is not told.
    #[serde(default)]
    pub outcome_id: Option<Uuid>,
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

/// A notification was added to someone's inbox: ids only, the subscriber reads the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationEvent {
    pub notification_id: Uuid,
    pub account_id: Uuid,
}

/// The events of this process, for its subscribers.
#[derive(Clone)]
pub struct Hub {
    sender: broadcast::Sender<PlanEvent>,
    notifications: broadcast::Sender<NotificationEvent>,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(1024).0,
            notifications: broadcast::channel(1024).0,
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

    pub fn subscribe_notifications(&self) -> broadcast::Receiver<NotificationEvent> {
        self.notifications.subscribe()
    }

    pub fn send_notification(&self, event: NotificationEvent) {
        let _ = self.notifications.send(event);
    }
}

/// What a request's changes need from outside the database: where the app lives (for email
/// links), and the events that wait for the commit.
pub struct ChangeScope {
    app_url: String,
    pending: Mutex<Vec<PlanEvent>>,
    pending_notifications: Mutex<Vec<NotificationEvent>>,
}

impl ChangeScope {
    pub fn new(public_url: &str) -> Arc<Self> {
        Arc::new(Self {
            app_url: public_url.trim_end_matches('/').to_owned(),
            pending: Mutex::new(vec![]),
            pending_notifications: Mutex::new(vec![]),
        })
    }

    /// After the commit: hands the waiting events to the hub.
    pub fn committed(&self, hub: &Hub) {
        let events = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        for event in events {
            hub.send(event);
        }
        let added = std::mem::take(
            &mut *self
                .pending_notifications
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        for event in added {
            hub.send_notification(event);
        }
    }

    pub fn app_url(&self) -> &str {
        &self.app_url
    }
}

/// A link into the app, when the change tells anyone.
pub fn app_link(permit: &Permit, path: &str) -> Option<String> {
    permit.told().map(|s| format!("{}{path}", s.app_url))
}

/// The hook of `plans::record_change`: the notifications (and their emails and pushes) and
/// the live event for one change. Emails and pushes about plan changes are digests: at most
/// one per family and audience an hour, and the notification goes with the digest.
pub async fn plan_changed(
    db: &impl ConnectionTrait,
    permit: &Permit,
    plan: &plan::Model,
    change: &plan_change::Model,
) -> AppResult<()> {
    let now = permit.at();
    let about = About {
        family: Some(plan.family_id),
        plan: Some(plan.id),
        outcome: change.outcome_id,
        meeting: None,
    };
    match change.by_side {
        ChangeSide::Practitioner => {
            if let Some(notice) = Notice::of(permit, Kind::PlanChangedByPractitioner, about)
                && let Some(at) = schedule_digest(db, plan.family_id, Audience::Family, now).await?
            {
                let members = match change.outcome_id {
                    Some(outcome) => super::outcomes::members_of(db, outcome).await?,
                    None => vec![],
                };
                let to = family_accounts(db, plan.family_id, &members, now).await?;
                tell_at(db, &notice, &to, now, at).await?;
            }
        }
        ChangeSide::Family => {
            if let Some(notice) = Notice::of(permit, Kind::PlanChangedByFamily, about)
                && let Some(lead) = plan.lead_professional_id
                && let Some(to) = practitioner_account(db, lead).await?
                && let Some(at) = schedule_digest(db, plan.family_id, Audience::Lead, now).await?
            {
                tell_at(db, &notice, &[to], now, at).await?;
            }
        }
        ChangeSide::Operator => {}
    }
    let event = PlanEvent {
        plan_id: plan.id,
        family_id: plan.family_id,
        version: plan.version,
        side: change.by_side.into(),
        at: now,
        outcome_id: change.outcome_id,
    };
    publish(db, permit, event).await
}

/// What a notification is about: the ids the app opens with `node(id:)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct About {
    pub family: Option<Uuid>,
    pub plan: Option<Uuid>,
    pub outcome: Option<Uuid>,
    pub meeting: Option<Uuid>,
}

impl About {
    pub fn family(family_id: Uuid) -> Self {
        Self {
            family: Some(family_id),
            ..Self::default()
        }
    }
}

/// Something to tell: its kind, what it is about, the link its email carries, and the scope
/// that publishes it live once the change commits.
pub struct Notice<'a> {
    pub kind: Kind,
    pub about: About,
    link: String,
    scope: Option<&'a ChangeScope>,
}

impl<'a> Notice<'a> {
    /// For a change made under `permit`; None when the permit tells nobody (a data load).
    pub fn of(permit: &'a Permit, kind: Kind, about: About) -> Option<Self> {
        let scope = permit.told()?;
        Some(Self {
            kind,
            about,
            link: format!("{}{}", scope.app_url, kind.spec().path),
            scope: Some(scope),
        })
    }

    /// For a background job, with the link into the app it was given.
    pub fn new(kind: Kind, about: About, link: &str) -> Notice<'static> {
        Notice {
            kind,
            about,
            link: link.to_owned(),
            scope: None,
        }
    }

    /// The same notice, for a background job's change: published live through `scope`,
    /// which the job hands to the hub once its transaction commits (`ChangeScope::committed`).
    /// On PostgreSQL the database publishes at commit, scope or not.
    pub fn in_scope(self, scope: &ChangeScope) -> Notice<'_> {
        Notice {
            kind: self.kind,
            about: self.about,
            link: self.link,
            scope: Some(scope),
        }
    }

    /// The same notice with the link its caller already made.
    pub fn linking(mut self, link: &str) -> Self {
        link.clone_into(&mut self.link);
        self
    }
}

/// Tells `accounts` about `notice` now; returns the notifications written.
pub async fn tell(
    db: &impl ConnectionTrait,
    notice: &Notice<'_>,
    accounts: &[Uuid],
    now: DateTime<Utc>,
) -> AppResult<Vec<Uuid>> {
    tell_at(db, notice, accounts, now, now).await
}

/// Tells `accounts` about `notice`, in the caller's transaction: a notification each, and
/// the email and pushes their preferences ask for, delivered from `deliver_at` (a digest
/// held back; pushes also wait for the end of the person's quiet hours).
pub async fn tell_at(
    db: &impl ConnectionTrait,
    notice: &Notice<'_>,
    accounts: &[Uuid],
    now: DateTime<Utc>,
    deliver_at: DateTime<Utc>,
) -> AppResult<Vec<Uuid>> {
    let mut accounts = accounts.to_vec();
    accounts.sort_unstable();
    accounts.dedup();
    if accounts.is_empty() {
        return Ok(vec![]);
    }
    let spec = notice.kind.spec();
    let choices = preferences::for_accounts(db, &accounts, notice.kind).await?;
    let addresses: std::collections::HashMap<Uuid, String> = account::Entity::find()
        .filter(account::Column::Id.is_in(accounts.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.email))
        .collect();
    let devices = devices::of_accounts(db, &accounts).await?;
    let mut written = Vec::with_capacity(accounts.len());
    for account_id in accounts {
        let id = Uuid::now_v7();
        entities::notification::ActiveModel {
            id: Set(id),
            account_id: Set(account_id),
            kind: Set(spec.code.to_owned()),
            family_id: Set(notice.about.family),
            plan_id: Set(notice.about.plan),
            outcome_id: Set(notice.about.outcome),
            meeting_id: Set(notice.about.meeting),
            created_at: Set(stored(now)),
            read_at: Set(None),
        }
        .insert(db)
        .await?;
        let choice = choices.get(&account_id).cloned().unwrap_or_default();
        if choice.email
            && let (Some(email), Some(to)) = (spec.email, addresses.get(&account_id))
        {
            crate::mail::queue(db, to, &email(&notice.link), now, deliver_at).await?;
        }
        if choice.push {
            let at = choice.quiet.release(deliver_at);
            for device in devices.iter().filter(|d| d.account_id == account_id) {
                devices::queue_push(db, device.id, id, spec.title, now, at).await?;
            }
        }
        publish_notification(
            db,
            notice.scope,
            NotificationEvent {
                notification_id: id,
                account_id,
            },
        )
        .await?;
        written.push(id);
    }
    Ok(written)
}

/// The inbox entry (and pushes) for an email queued through [`crate::mail::enqueue`] by
/// code that names no kind: if `address` is someone's sign-in, they get an
/// [`Kind::Attention`] notification. Their email is the caller's, sent as it always was.
pub async fn attention(
    db: &impl ConnectionTrait,
    address: &str,
    now: DateTime<Utc>,
    deliver_at: DateTime<Utc>,
) -> AppResult<()> {
    let Some(found) = account::Entity::find()
        .filter(account::Column::Email.eq(address))
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let notice = Notice {
        kind: Kind::Attention,
        about: About::default(),
        link: String::new(),
        scope: None,
    };
    tell_at(db, &notice, &[found.id], now, deliver_at).await?;
    Ok(())
}

async fn publish_notification(
    db: &impl ConnectionTrait,
    scope: Option<&ChangeScope>,
    event: NotificationEvent,
) -> AppResult<()> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        let payload = serde_json::to_string(&event)
            .map_err(|e| crate::error::AppError::Internal(e.into()))?;
        db.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [NOTIFICATION_CHANNEL.into(), payload.into()],
        ))
        .await?;
    } else if let Some(scope) = scope {
        scope
            .pending_notifications
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(event);
    }
    Ok(())
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
/// whole family, or the plan itself). Issue 14: never an adult a restriction in force at
/// `now` keeps from one of them.
pub async fn family_accounts(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    about: &[Uuid],
    now: DateTime<Utc>,
) -> AppResult<Vec<Uuid>> {
    let members = family_member::Entity::find()
        .filter(family_member::Column::FamilyId.eq(family_id))
        .filter(family_member::Column::AccountId.is_not_null())
        .all(db)
        .await?;
    let shared = super::household::shared_with(db, family_id).await?;
    let restricted = super::restrictions::in_force_in_family(db, family_id, now).await?;
    Ok(members
        .into_iter()
        .filter(|m| {
            Permit::told_of_plan_change(m.relation, shared.contains(&m.id), about.contains(&m.id))
                && !restricted
                    .iter()
                    .any(|(adult, child)| *adult == m.id && about.contains(child))
        })
        .filter_map(|m| m.account_id)
        .collect())
}

/// [`family_accounts`], by email address.
pub async fn family_emails(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    about: &[Uuid],
    now: DateTime<Utc>,
) -> AppResult<Vec<String>> {
    emails_of(db, family_accounts(db, family_id, about, now).await?).await
}

/// The account a practitioner signs in with.
pub async fn practitioner_account(
    db: &impl ConnectionTrait,
    practitioner_id: Uuid,
) -> AppResult<Option<Uuid>> {
    Ok(practitioner::Entity::find_by_id(practitioner_id)
        .one(db)
        .await?
        .map(|p| p.account_id))
}

/// The account of the lead professional of the family's current plan, if there is one.
pub async fn lead_professional_account(
    db: &impl ConnectionTrait,
    family_id: Uuid,
) -> AppResult<Option<Uuid>> {
    match super::plans::current(db, family_id)
        .await?
        .and_then(|p| p.lead_professional_id)
    {
        Some(lead) => practitioner_account(db, lead).await,
        None => Ok(None),
    }
}

/// The accounts of the practitioners holding any of `roles` (from the rules: e.g.
/// `Permit::override_reviewers`).
pub async fn accounts_of_roles(
    db: &impl ConnectionTrait,
    roles: Vec<entities::practitioner_role::Role>,
) -> AppResult<Vec<Uuid>> {
    let holders: Vec<Uuid> = practitioner_role::Entity::find()
        .filter(practitioner_role::Column::Role.is_in(roles))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.practitioner_id)
        .collect();
    if holders.is_empty() {
        return Ok(vec![]);
    }
    let mut accounts: Vec<Uuid> = practitioner::Entity::find()
        .filter(practitioner::Column::Id.is_in(holders))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.account_id)
        .collect();
    accounts.sort_unstable();
    accounts.dedup();
    Ok(accounts)
}

/// The accounts of family members (those who can sign in).
pub async fn member_accounts(
    db: &impl ConnectionTrait,
    member_ids: &[Uuid],
) -> AppResult<Vec<Uuid>> {
    if member_ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(family_member::Entity::find()
        .filter(family_member::Column::Id.is_in(member_ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|m| m.account_id)
        .collect())
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
    let mut emails = emails_of(db, accounts_of_roles(db, roles).await?).await?;
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
            listener.listen_all([CHANNEL, NOTIFICATION_CHANNEL]).await?;
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
                    Ok(note) if note.channel() == NOTIFICATION_CHANNEL => {
                        match serde_json::from_str::<NotificationEvent>(note.payload()) {
                            Ok(event) => hub.send_notification(event),
                            Err(err) => tracing::warn!(error = %err, "unreadable notification event"),
                        }
                    }
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
