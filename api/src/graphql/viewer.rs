use super::family::FamilyMember;
use super::notification::{Notification, PushDevice};
use super::organisation::Practitioner;
use super::pagination::Cursor;
use super::passkey::Passkey;
use super::services;
use crate::error::{AppError, GqlResult};
use crate::viewer::Viewer;
use async_graphql::connection::Connection;
use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};

/// The signed-in person and their session.
pub struct SignedIn {
    pub viewer: Viewer,
    pub session_expires_at: DateTime<Utc>,
}

#[Object(name = "Viewer")]
impl SignedIn {
    /// The email address this person signs in with.
    async fn email(&self, ctx: &Context<'_>) -> GqlResult<String> {
        let account_id = self.viewer.account_id().ok_or(AppError::Unauthenticated)?;
        let account = crate::domain::records::by_id::<entities::account::Entity>(
            &services(ctx)?.db,
            account_id,
        )
        .await?
        .ok_or(AppError::SessionExpired)?;
        Ok(account.email)
    }

    /// Set when the signed-in person is a practitioner.
    async fn practitioner(&self, ctx: &Context<'_>) -> GqlResult<Option<Practitioner>> {
        let Viewer::Practitioner(p) = &self.viewer else {
            return Ok(None);
        };
        let model = crate::domain::records::by_id::<entities::practitioner::Entity>(
            &services(ctx)?.db,
            p.practitioner_id,
        )
        .await?;
        Ok(model.map(Practitioner))
    }

    /// Set when the signed-in person is a member of a family.
    async fn family_member(&self, ctx: &Context<'_>) -> GqlResult<Option<FamilyMember>> {
        let Viewer::FamilyMember(m) = &self.viewer else {
            return Ok(None);
        };
        let model = crate::domain::records::by_id::<entities::family_member::Entity>(
            &services(ctx)?.db,
            m.member_id,
        )
        .await?;
        Ok(model.map(FamilyMember))
    }

    /// The passkeys this person signs in with, oldest first (at most 10).
    async fn passkeys(&self, ctx: &Context<'_>) -> GqlResult<Vec<Passkey>> {
        let account_id = self.viewer.account_id().ok_or(AppError::Unauthenticated)?;
        let rows = crate::auth::passkeys::passkeys_of(&services(ctx)?.db, account_id).await?;
        Ok(rows.into_iter().map(Passkey).collect())
    }

    async fn session_expires_at(&self) -> DateTime<Utc> {
        self.session_expires_at
    }

    /// What needs this person's attention, newest first (at most 100 a page). A
    /// notification is listed only while they may still see what it is about.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        unread_only: Option<bool>,
    ) -> GqlResult<Connection<Cursor, Notification>> {
        super::notification::notifications(ctx, first, after, unread_only).await
    }

    /// How many of those notifications are unread (counted up to 1000).
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> GqlResult<i32> {
        super::notification::unread_count(ctx).await
    }

    /// How this person chose to be told of each kind of thing, and their quiet hours.
    async fn notification_preferences(
        &self,
        ctx: &Context<'_>,
    ) -> GqlResult<super::notification::NotificationPreferences> {
        super::notification::notification_preferences(ctx).await
    }

    /// The key a browser subscribes to Web Push with (`applicationServerKey`); null when
    /// this service does not push to browsers.
    async fn web_push_public_key(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        let settings = &services(ctx)?.settings;
        Ok(match &settings.vapid_private_key {
            Some(key) => crate::push::web::Vapid::new(key, &settings.vapid_subject)
                .ok()
                .map(|v| v.public_key().to_owned()),
            None => None,
        })
    }

    /// The phones and browsers that receive this person's pushes.
    async fn push_devices(&self, ctx: &Context<'_>) -> GqlResult<Vec<PushDevice>> {
        super::notification::push_devices(ctx).await
    }
}
