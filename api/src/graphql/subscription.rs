//! Live updates: `planChanged(plan)` tells a signed-in app that a plan moved on, so it can
//! refetch it. Authorised like a read of the plan when subscribing, and again before each
//! event is sent: a consent withdrawn (or a session ended) mid-stream ends the stream.
use super::ids::{self, Kind};
use super::notification::Notification;
use super::{Services, services, viewer};
use crate::access::{self, Access, Action};
use crate::domain::audit::{self, Actor};
use crate::domain::notify::inbox;
use crate::domain::notify::{PlanEvent, Side};
use crate::domain::plans;
use crate::error::{AppError, AppResult, GqlError, GqlResult};
use crate::live_limits::Connection;
use crate::viewer::Viewer;
use async_graphql::{Context, Enum, ID, SimpleObject, Subscription as GqlSubscription};
use chrono::{DateTime, Utc};
use futures::Stream;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

#[derive(Default)]
pub struct PlanSubscription;

/// The schema's `Subscription` type: one part per area, merged.
#[derive(async_graphql::MergedSubscription, Default)]
pub struct Subscription(PlanSubscription, NotificationSubscription);

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PlanChangeSide {
    /// A family member changed the plan.
    Family,
    /// A practitioner changed it.
    Practitioner,
    /// An operator, at the command line.
    Operator,
}

/// A plan moved on to a new version. Refetch the plan to see what changed.
#[derive(SimpleObject, Clone)]
pub struct PlanChanged {
    pub plan_id: ID,
    pub family_id: ID,
    /// The plan's version after the change.
    pub version: i32,
    pub changed_by: PlanChangeSide,
    pub at: DateTime<Utc>,
}

impl From<PlanEvent> for PlanChanged {
    fn from(event: PlanEvent) -> Self {
        Self {
            plan_id: ids::encode(Kind::Plan, event.plan_id),
            family_id: ids::encode(Kind::Family, event.family_id),
            version: event.version,
            changed_by: match event.side {
                Side::Family => PlanChangeSide::Family,
                Side::Practitioner => PlanChangeSide::Practitioner,
                Side::Operator => PlanChangeSide::Operator,
            },
            at: event.at,
        }
    }
}

#[GqlSubscription]
impl PlanSubscription {
    /// Every change to the plan, as it happens, for those who may read the plan. Sign in
    /// with the bearer token in the `connection_init` payload (`{"authorization": "Bearer
    /// …"}`). Events missed while disconnected are not replayed: refetch on reconnect.
    async fn plan_changed(
        &self,
        ctx: &Context<'_>,
        plan: ID,
    ) -> Result<impl Stream<Item = GqlResult<PlanChanged>> + use<>, GqlError> {
        let plan_id = ids::decode(&plan, Kind::Plan)?;
        let s = services(ctx)?.clone();
        let viewer = viewer(ctx)?.clone();
        if matches!(viewer, Viewer::Anonymous) {
            return Err(AppError::Unauthenticated.into());
        }
        let family_id = plans::find(&s.db, plan_id)
            .await
            .map_err(|_| AppError::NotFound)?
            .family_id;
        // Listen first, so that no change between the check and the listening is missed.
        let receiver = s.hub.subscribe();
        let access = may_read(&s, &viewer, family_id).await?;
        if let Some(actor) =
            Actor::of(&viewer).filter(|_| matches!(viewer, Viewer::Practitioner(_)))
        {
            audit::record(
                &s.db,
                family_id,
                actor.with_access(access),
                audit::Kind::Read,
                "live updates of the plan",
                s.clock.now(),
            )
            .await?;
        }
        // On a WebSocket, one decision per event for all the connection's subscriptions.
        let connection = ctx.data_opt::<Arc<Connection>>().cloned();
        let state = Some((receiver, s, viewer));
        Ok(futures::stream::unfold(state, move |state| {
            let connection = connection.clone();
            async move {
                let (mut receiver, s, viewer) = state?;
                loop {
                    match receiver.recv().await {
                        Ok(event) if event.plan_id == plan_id => {
                            let decide = || async {
                                may_read(&s, &viewer, family_id)
                                    .await
                                    .map(|_| ())
                                    .map_err(GqlError::from)
                            };
                            let mut decided = match &connection {
                                Some(connection) => connection.decide(&event, decide).await,
                                None => decide().await,
                            }
                            .map(|()| true);
                            if let Ok(true) = decided {
                                decided = hears_of(&s, &viewer, event.outcome_id)
                                    .await
                                    .map_err(GqlError::from);
                            }
                            return Some(match decided {
                                Ok(true) => (Ok(event.into()), Some((receiver, s, viewer))),
                                // Issue 14: about a child kept from the viewer: not theirs.
                                Ok(false) => continue,
                                // The last item: the stream ends after the refusal.
                                Err(denied) => (Err(denied), None),
                            });
                        }
                        // Another plan's, or events lost to a slow reader: the app refetches
                        // on the next one it gets.
                        Ok(_) | Err(RecvError::Lagged(_)) => {}
                        Err(RecvError::Closed) => return None,
                    }
                }
            }
        }))
    }
}

#[derive(Default)]
pub struct NotificationSubscription;

#[GqlSubscription]
impl NotificationSubscription {
    /// Each notification added to the signed-in person's inbox, as it happens, while they
    /// may see what it is about (decided afresh for each one). A session that ends ends the
    /// stream. Missed ones are in `viewer { notifications }`: refetch on reconnect.
    async fn notification_added(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = GqlResult<Notification>> + use<>, GqlError> {
        let s = services(ctx)?.clone();
        let viewer = viewer(ctx)?.clone();
        let Some(account_id) = viewer.account_id() else {
            return Err(AppError::Unauthenticated.into());
        };
        access::grant_read(
            &s.db,
            &viewer,
            Action::ReadOwnNotifications,
            s.clock.now(),
            s.settings.ages(),
            &access::FactsCache::default(),
        )
        .await?;
        let receiver = s.hub.subscribe_notifications();
        let state = Some((receiver, s, viewer));
        Ok(futures::stream::unfold(state, move |state| async move {
            let (mut receiver, s, viewer) = state?;
            loop {
                match receiver.recv().await {
                    Ok(event) if event.account_id == account_id => {
                        let now = s.clock.now();
                        if let Some(session_id) = viewer.session_id() {
                            match crate::auth::session::is_live(&s.db, session_id, now).await {
                                Ok(true) => {}
                                Ok(false) => {
                                    return Some((Err(AppError::SessionExpired.into()), None));
                                }
                                Err(err) => return Some((Err(err.into()), None)),
                            }
                        }
                        match inbox::find_visible(&s.db, &viewer, event.notification_id, now).await
                        {
                            Ok(Some(row)) => {
                                return Some((Ok(Notification(row)), Some((receiver, s, viewer))));
                            }
                            Ok(None) => {}
                            Err(err) => return Some((Err(err.into()), None)),
                        }
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return None,
                }
            }
        }))
    }
}

/// Issue 14: whether a viewer who may read the plan hears of a change to `outcome_id`: not
/// when it is about a child a restriction in force now keeps from them (read afresh: the
/// connection's viewer is as it was when it opened).
async fn hears_of(s: &Services, viewer: &Viewer, outcome_id: Option<Uuid>) -> AppResult<bool> {
    let Some(outcome_id) = outcome_id.filter(|_| matches!(viewer, Viewer::FamilyMember(_))) else {
        return Ok(true);
    };
    let fresh = crate::auth::session::refreshed(&s.db, viewer, s.clock.now()).await?;
    let about = crate::domain::outcomes::members_of(&s.db, outcome_id).await?;
    Ok(access::visibility::may_see_members(&fresh, &about))
}

/// The same decision as a read of the plan, from fresh facts, on a live session.
async fn may_read(s: &Services, viewer: &Viewer, family_id: Uuid) -> AppResult<Access> {
    let now = s.clock.now();
    if let Some(session_id) = viewer.session_id()
        && !crate::auth::session::is_live(&s.db, session_id, now).await?
    {
        return Err(AppError::SessionExpired);
    }
    let known = access::FactsCache::default();
    let permit = access::grant_read(
        &s.db,
        viewer,
        Action::ReadPlan { family_id },
        now,
        s.settings.ages(),
        &known,
    )
    .await?;
    Ok(permit.access())
}
