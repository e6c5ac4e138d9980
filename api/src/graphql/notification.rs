//! The inbox, one's choices of how to be told, and one's push devices, as the API shows
//! them. Which notifications a reader sees is decided in `domain::notify::inbox`.
use super::ids::{self, Kind as IdKind};
use super::pagination::{Cursor, Page};
use super::{authorize, request_state, services, viewer};
use crate::access::Action;
use crate::domain::notify::{self, Kind, devices, inbox, preferences};
use crate::error::{AppError, GqlResult};
use async_graphql::connection::{Connection, Edge, OpaqueCursor};
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{notification, push_device};

/// What kind of thing a notification is about. The app shows its own words for each.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum NotificationKind {
    /// A family asked you to be their lead professional.
    LeadNominationReceived,
    /// The practitioner you nominated as lead professional answered.
    LeadNominationAnswered,
    /// A lead professional nomination was not answered in time.
    LeadNominationOverdue,
    /// Someone working with your family changed your plan.
    PlanChangedByPractitioner,
    /// A family you lead changed their plan.
    PlanChangedByFamily,
    /// A young person you work with sent something to read.
    YoungPersonViewToRead,
    /// Six months on: how are things now?
    FollowUpInvitation,
    /// A reminder of the follow-up questions.
    FollowUpReminder,
    /// A safeguarding override waits for your review.
    SafeguardingReviewNeeded,
    /// What you can see of your family's plan changed.
    HouseholdSharingChanged,
    /// Something needs your attention.
    Attention,
    // Issue 14.
    /// An urgent request for support waits for the hub's decision (2-hour clock).
    UrgentSupportRequest,
    /// Someone in a family you lead has said they do not feel safe.
    SomeoneDoesNotFeelSafe,
    /// What parents can see of a young person's part of the plan changed as they grew up.
    ParentsViewChanged,
    /// A young person in your family shared something they wrote with you.
    SharedWithYou,
    // Issue 17: the front door.
    /// The hub has a question about your request for support.
    SupportQuestionAsked,
    /// The hub has a question about your referral.
    ReferralQuestionAsked,
    /// The hub decided your request for support.
    SupportRequestDecided,
    /// The hub decided your referral.
    ReferralDecided,
    /// A request for support was not decided within its clock.
    SupportClockMissed,
    /// An urgent request for support was not decided within its 2-hour clock.
    SupportClockMissedUrgent,
    /// The hub answered your question to the consultation line.
    ConsultationAnswered,
}

impl NotificationKind {
    pub fn of(kind: Kind) -> Self {
        match kind {
            Kind::LeadNominationReceived => Self::LeadNominationReceived,
            Kind::LeadNominationAnswered => Self::LeadNominationAnswered,
            Kind::LeadNominationOverdue => Self::LeadNominationOverdue,
            Kind::PlanChangedByPractitioner => Self::PlanChangedByPractitioner,
            Kind::PlanChangedByFamily => Self::PlanChangedByFamily,
            Kind::YoungPersonViewToRead => Self::YoungPersonViewToRead,
            Kind::FollowUpInvitation => Self::FollowUpInvitation,
            Kind::FollowUpReminder => Self::FollowUpReminder,
            Kind::SafeguardingReviewNeeded => Self::SafeguardingReviewNeeded,
            Kind::HouseholdSharingChanged => Self::HouseholdSharingChanged,
            Kind::Attention => Self::Attention,
            // Issue 14.
            Kind::UrgentSupportRequest => Self::UrgentSupportRequest,
            Kind::SomeoneDoesNotFeelSafe => Self::SomeoneDoesNotFeelSafe,
            Kind::ParentsViewChanged => Self::ParentsViewChanged,
            Kind::SharedWithYou => Self::SharedWithYou,
            // Issue 17.
            Kind::SupportQuestionAsked => Self::SupportQuestionAsked,
            Kind::ReferralQuestionAsked => Self::ReferralQuestionAsked,
            Kind::SupportRequestDecided => Self::SupportRequestDecided,
            Kind::ReferralDecided => Self::ReferralDecided,
            Kind::SupportClockMissed => Self::SupportClockMissed,
            Kind::SupportClockMissedUrgent => Self::SupportClockMissedUrgent,
            Kind::ConsultationAnswered => Self::ConsultationAnswered,
        }
    }

    pub fn kind(self) -> Kind {
        Kind::ALL
            .into_iter()
            .find(|k| Self::of(*k) == self)
            .unwrap_or(Kind::Attention)
    }
}

/// Something that needs the signed-in person's attention. It says what kind of thing
/// happened and what it is about (IDs to open with `node(id:)`), never anyone's words.
pub struct Notification(pub notification::Model);

#[Object]
impl Notification {
    async fn id(&self) -> ID {
        ids::encode(IdKind::Notification, self.0.id)
    }

    async fn kind(&self) -> NotificationKind {
        NotificationKind::of(Kind::from_code(&self.0.kind).unwrap_or(Kind::Attention))
    }

    /// A short line for the inbox, the same as the push's title: no names, no words.
    async fn title(&self) -> &'static str {
        Kind::from_code(&self.0.kind)
            .unwrap_or(Kind::Attention)
            .spec()
            .title
    }

    /// The family it is about, if any.
    async fn family_id(&self) -> Option<ID> {
        self.0.family_id.map(|id| ids::encode(IdKind::Family, id))
    }

    /// The plan it is about, if any.
    async fn plan_id(&self) -> Option<ID> {
        self.0.plan_id.map(|id| ids::encode(IdKind::Plan, id))
    }

    /// The outcome it is about, if any.
    async fn outcome_id(&self) -> Option<ID> {
        self.0.outcome_id.map(|id| ids::encode(IdKind::Outcome, id))
    }

    /// The meeting it is about, if any.
    async fn meeting_id(&self) -> Option<ID> {
        self.0.meeting_id.map(|id| ids::encode(IdKind::Meeting, id))
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it was marked read; null while unread.
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.0.read_at
    }
}

/// How one kind of notification reaches the signed-in person. It is always in the inbox.
#[derive(SimpleObject)]
pub struct NotificationChoice {
    pub kind: NotificationKind,
    pub email: bool,
    pub push: bool,
}

/// Times of day (local, in `timeZone`) in which nothing is pushed; pushes wait until the end.
#[derive(SimpleObject)]
pub struct QuietHours {
    /// "HH:MM", e.g. "21:00".
    pub from: String,
    /// "HH:MM", e.g. "07:00".
    pub to: String,
    pub time_zone: String,
}

/// The signed-in person's own choices of how they are told.
#[derive(SimpleObject)]
pub struct NotificationPreferences {
    pub kinds: Vec<NotificationChoice>,
    /// Null: pushes come at any time.
    pub quiet_hours: Option<QuietHours>,
}

impl From<preferences::Preferences> for NotificationPreferences {
    fn from(p: preferences::Preferences) -> Self {
        Self {
            kinds: p
                .kinds
                .into_iter()
                .map(|(kind, email, push)| NotificationChoice {
                    kind: NotificationKind::of(kind),
                    email,
                    push,
                })
                .collect(),
            quiet_hours: p.quiet.window.map(|(from, to)| QuietHours {
                from: preferences::clock_time(from),
                to: preferences::clock_time(to),
                time_zone: p.quiet.time_zone.clone(),
            }),
        }
    }
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PushPlatform {
    /// A browser, through Web Push.
    Web,
    /// An iPhone or iPad, through APNs.
    Ios,
    /// An Android phone, through Firebase Cloud Messaging.
    Android,
}

impl PushPlatform {
    pub fn platform(self) -> devices::Platform {
        match self {
            PushPlatform::Web => devices::Platform::Web,
            PushPlatform::Ios => devices::Platform::Ios,
            PushPlatform::Android => devices::Platform::Android,
        }
    }
}

/// A phone or browser that receives the signed-in person's pushes.
pub struct PushDevice(pub push_device::Model);

#[Object]
impl PushDevice {
    async fn id(&self) -> ID {
        ids::encode(IdKind::PushDevice, self.0.id)
    }

    async fn platform(&self) -> PushPlatform {
        match devices::Platform::from_code(&self.0.platform) {
            Some(devices::Platform::Ios) => PushPlatform::Ios,
            Some(devices::Platform::Android) => PushPlatform::Android,
            _ => PushPlatform::Web,
        }
    }

    async fn app_version(&self) -> Option<&str> {
        self.0.app_version.as_deref()
    }

    async fn registered_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// `viewer { notifications }`: newest first, only those the reader may still see.
pub async fn notifications(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    unread_only: Option<bool>,
) -> GqlResult<Connection<Cursor, Notification>> {
    authorize(ctx, Action::ReadOwnNotifications).await?;
    let page = Page::new(first, after)?;
    let s = services(ctx)?;
    let (rows, has_next) = inbox::page(
        &s.db,
        viewer(ctx)?,
        page.first(),
        page.after(),
        unread_only.unwrap_or(false),
        s.clock.now(),
        &request_state(ctx)?.facts,
    )
    .await?;
    let mut connection = Connection::new(page.after().is_some(), has_next);
    for row in rows {
        connection
            .edges
            .push(Edge::new(OpaqueCursor(row.id), Notification(row)));
    }
    Ok(connection)
}

pub async fn unread_count(ctx: &Context<'_>) -> GqlResult<i32> {
    authorize(ctx, Action::ReadOwnNotifications).await?;
    let s = services(ctx)?;
    let count = inbox::unread_count(
        &s.db,
        viewer(ctx)?,
        s.clock.now(),
        &request_state(ctx)?.facts,
    )
    .await?;
    Ok(i32::try_from(count).unwrap_or(i32::MAX))
}

pub async fn notification_preferences(ctx: &Context<'_>) -> GqlResult<NotificationPreferences> {
    authorize(ctx, Action::ReadOwnNotifications).await?;
    let account_id = viewer(ctx)?.account_id().ok_or(AppError::Unauthenticated)?;
    Ok(preferences::of_account(&services(ctx)?.db, account_id)
        .await?
        .into())
}

pub async fn push_devices(ctx: &Context<'_>) -> GqlResult<Vec<PushDevice>> {
    authorize(ctx, Action::ReadOwnNotifications).await?;
    let account_id = viewer(ctx)?.account_id().ok_or(AppError::Unauthenticated)?;
    let rows = notify::devices::of_accounts(&services(ctx)?.db, &[account_id]).await?;
    Ok(rows.into_iter().map(PushDevice).collect())
}
