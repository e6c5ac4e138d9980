//! The inbox and push devices: mark read, choose how one is told, register a device.
use super::super::notification::{
    NotificationKind, NotificationPreferences, PushDevice, PushPlatform,
};
use super::super::{services, viewer};
use super::{input_id, input_ids, write};
use crate::access::Action;
use crate::domain::notify::{devices, inbox, preferences};
use crate::error::{AppError, GqlResult, UserError, UserErrorCode};
use crate::graphql::ids::Kind;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};

#[derive(Default)]
pub struct NotificationMutation;

/// Which notifications to mark read: give `ids`, or `upTo` for that one and all older.
#[derive(InputObject)]
pub struct MarkNotificationsReadInput {
    /// At most 100.
    pub ids: Option<Vec<ID>>,
    pub up_to: Option<ID>,
}

#[derive(SimpleObject)]
pub struct MarkNotificationsReadPayload {
    /// How many were unread and are now read.
    pub marked_count: Option<i32>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct NotificationChoiceInput {
    pub kind: NotificationKind,
    pub email: bool,
    pub push: bool,
}

#[derive(InputObject)]
pub struct QuietHoursInput {
    /// "HH:MM", local time.
    pub from: String,
    /// "HH:MM", local time.
    pub to: String,
    /// An IANA time zone; Europe/London when not given.
    pub time_zone: Option<String>,
}

/// Only what is given changes. `quietHours: null` turns quiet hours off.
#[derive(InputObject)]
pub struct SetNotificationPreferencesInput {
    pub kinds: Option<Vec<NotificationChoiceInput>>,
    pub quiet_hours: MaybeUndefined<QuietHoursInput>,
}

#[derive(SimpleObject)]
pub struct SetNotificationPreferencesPayload {
    pub preferences: Option<NotificationPreferences>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct WebPushKeysInput {
    /// The browser's P-256 public key, base64url (named as `PushSubscription.toJSON()` has it).
    #[graphql(name = "p256dh")]
    pub p256dh: String,
    pub auth: String,
}

/// A browser's `PushSubscription`, as its `toJSON()` gives it.
#[derive(InputObject)]
pub struct WebPushSubscriptionInput {
    pub endpoint: String,
    pub keys: WebPushKeysInput,
}

/// A phone gives its push `token`; a browser its `webPushSubscription`.
#[derive(InputObject)]
pub struct RegisterPushDeviceInput {
    pub platform: PushPlatform,
    pub token: Option<String>,
    pub web_push_subscription: Option<WebPushSubscriptionInput>,
    pub app_version: Option<String>,
}

#[derive(SimpleObject)]
pub struct RegisterPushDevicePayload {
    pub device: Option<PushDevice>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct UnregisterPushDeviceInput {
    pub device: ID,
}

#[derive(SimpleObject)]
pub struct UnregisterPushDevicePayload {
    pub unregistered_device_id: Option<ID>,
    pub user_errors: Vec<UserError>,
}

fn invalid(field: &[&str], code: UserErrorCode, message: &str) -> AppError {
    AppError::Invalid(vec![UserError::new(field, code, message)])
}

#[Object]
impl NotificationMutation {
    /// Marks the signed-in person's notifications read.
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        input: MarkNotificationsReadInput,
    ) -> GqlResult<MarkNotificationsReadPayload> {
        let account_id = viewer(ctx)?.account_id();
        let (marked, user_errors) =
            write(ctx, Action::ManageOwnNotifications, async |txn, permit| {
                let account_id = account_id.ok_or(AppError::Unauthenticated)?;
                let which = match (&input.ids, &input.up_to) {
                    (Some(ids), None) if ids.len() > 100 => {
                        return Err(invalid(
                            &["ids"],
                            UserErrorCode::TooLong,
                            "Please mark at most 100 notifications at a time.",
                        ));
                    }
                    (Some(ids), None) if !ids.is_empty() => {
                        inbox::Which::Ids(input_ids(ids, Kind::Notification, "ids")?)
                    }
                    (None, Some(up_to)) => {
                        inbox::Which::UpTo(input_id(up_to, Kind::Notification, "upTo")?)
                    }
                    _ => {
                        return Err(invalid(
                            &["ids"],
                            UserErrorCode::Required,
                            "Please say which notifications to mark read: some ids, or upTo.",
                        ));
                    }
                };
                inbox::mark_read(txn, account_id, which, permit.at()).await
            })
            .await?;
        Ok(MarkNotificationsReadPayload {
            marked_count: marked.map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
            user_errors,
        })
    }

    /// Chooses how the signed-in person is told of each kind of thing, and their quiet
    /// hours. Everyone chooses for themselves, young people too.
    async fn set_notification_preferences(
        &self,
        ctx: &Context<'_>,
        input: SetNotificationPreferencesInput,
    ) -> GqlResult<SetNotificationPreferencesPayload> {
        let account_id = viewer(ctx)?.account_id();
        let change = preferences::Change {
            kinds: input
                .kinds
                .unwrap_or_default()
                .into_iter()
                .map(|k| (k.kind.kind(), k.email, k.push))
                .collect(),
            quiet: match input.quiet_hours {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(q) => Some(Some(preferences::QuietChange {
                    from: q.from,
                    to: q.to,
                    time_zone: q.time_zone,
                })),
            },
        };
        let (saved, user_errors) =
            write(ctx, Action::ManageOwnNotifications, async |txn, _permit| {
                let account_id = account_id.ok_or(AppError::Unauthenticated)?;
                preferences::set(txn, account_id, change).await
            })
            .await?;
        Ok(SetNotificationPreferencesPayload {
            preferences: saved.map(Into::into),
            user_errors,
        })
    }

    /// Registers this phone or browser for the signed-in person's pushes. It stays theirs
    /// until unregistered, until they sign out everywhere, or until the passkey this session
    /// signed in with is removed.
    async fn register_push_device(
        &self,
        ctx: &Context<'_>,
        input: RegisterPushDeviceInput,
    ) -> GqlResult<RegisterPushDevicePayload> {
        let me = viewer(ctx)?;
        let owner = me
            .account_id()
            .zip(me.session_id())
            .map(|(account_id, session_id)| devices::Owner {
                account_id,
                session_id,
            });
        let enabled = crate::push::enabled_platforms(&services(ctx)?.settings);
        let (device, user_errors) =
            write(ctx, Action::ManageOwnNotifications, async |txn, permit| {
                let owner = owner.ok_or(AppError::Unauthenticated)?;
                let address = match (input.token, input.web_push_subscription) {
                    (Some(token), None) => devices::Address::Token(token),
                    (None, Some(s)) => devices::Address::WebPush {
                        endpoint: s.endpoint,
                        p256dh: s.keys.p256dh,
                        auth: s.keys.auth,
                    },
                    _ => {
                        return Err(invalid(
                            &["token"],
                            UserErrorCode::Required,
                            "Please give the device's push token, or a browser's Web Push subscription.",
                        ));
                    }
                };
                let registration = devices::Registration {
                    platform: input.platform.platform(),
                    address,
                    app_version: input.app_version,
                };
                devices::register(txn, &owner, registration, &enabled, permit.at()).await
            })
            .await?;
        Ok(RegisterPushDevicePayload {
            device: device.map(PushDevice),
            user_errors,
        })
    }

    /// Stops pushes to one of the signed-in person's devices.
    async fn unregister_push_device(
        &self,
        ctx: &Context<'_>,
        input: UnregisterPushDeviceInput,
    ) -> GqlResult<UnregisterPushDevicePayload> {
        let account_id = viewer(ctx)?.account_id();
        let (removed, user_errors) =
            write(ctx, Action::ManageOwnNotifications, async |txn, _permit| {
                let account_id = account_id.ok_or(AppError::Unauthenticated)?;
                let device_id = input_id(&input.device, Kind::PushDevice, "device")?;
                if devices::unregister(txn, account_id, device_id).await? {
                    Ok(input.device.clone())
                } else {
                    Err(invalid(
                        &["device"],
                        UserErrorCode::NotFound,
                        "We could not find that device among yours.",
                    ))
                }
            })
            .await?;
        Ok(UnregisterPushDevicePayload {
            unregistered_device_id: removed,
            user_errors,
        })
    }
}
