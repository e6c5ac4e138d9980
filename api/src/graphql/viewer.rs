use super::family::FamilyMember;
use super::organisation::Practitioner;
use super::passkey::Passkey;
use super::services;
use crate::error::{AppError, GqlResult};
use crate::viewer::Viewer;
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
}
