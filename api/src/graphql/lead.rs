//! Lead professional nominations: read by the family, the team and locality managers, and
//! by the nominee (who may not yet read the family's record).
use super::family::FamilyMember;
use super::ids::{self, Kind};
use super::loaders::{MemberById, PractitionerById};
use super::organisation::Practitioner;
use super::pagination::{Cursor, Page};
use super::{authorize, loaders, services, viewer};
use crate::access::Action;
use crate::domain::lead;
use crate::error::{AppError, AppResult, GqlResult};
use crate::viewer::Viewer;
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entities::lead_nomination;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entities::lead_nomination::NominationStatus")]
pub enum NominationStatus {
    /// Waiting for the practitioner's answer.
    Pending,
    Accepted,
    Declined,
    /// Replaced by a later nomination before an answer came.
    Withdrawn,
}

/// The family asking a practitioner to be its lead professional, and the answer.
pub struct LeadNomination(pub lead_nomination::Model);

impl LeadNomination {
    /// Wraps a nomination once the viewer may read it: the nominee, or whoever reads the
    /// family's nominations.
    pub async fn readable(ctx: &Context<'_>, model: lead_nomination::Model) -> AppResult<Self> {
        let nominee = matches!(viewer(ctx)?, Viewer::Practitioner(p) if p.practitioner_id == model.practitioner_id);
        if !nominee {
            authorize(
                ctx,
                Action::ReadLeadNominations {
                    family_id: model.family_id,
                },
            )
            .await?;
        }
        Ok(Self(model))
    }

    pub async fn load(ctx: &Context<'_>, id: uuid::Uuid) -> AppResult<Option<Self>> {
        match crate::domain::records::by_id::<entities::lead_nomination::Entity>(
            &services(ctx)?.db,
            id,
        )
        .await?
        {
            Some(model) => Self::readable(ctx, model).await.map(Some),
            None => Ok(None),
        }
    }
}

#[Object]
impl LeadNomination {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::LeadNomination, self.0.id)
    }

    /// The family's case reference, so a nominee knows which family asks.
    async fn family_reference(&self, ctx: &Context<'_>) -> GqlResult<String> {
        let family = crate::domain::records::by_id::<entities::family::Entity>(
            &services(ctx)?.db,
            self.0.family_id,
        )
        .await?
        .ok_or(AppError::NotFound)?;
        Ok(family.reference)
    }

    /// Who is asked to lead.
    async fn practitioner(&self, ctx: &Context<'_>) -> GqlResult<Practitioner> {
        Ok(loaders(ctx)?
            .load_one(PractitionerById(self.0.practitioner_id))
            .await?
            .map(Practitioner)
            .ok_or(AppError::NotFound)?)
    }

    async fn status(&self) -> NominationStatus {
        self.0.status.into()
    }

    /// The family adult who nominated; empty when a locality manager asked.
    async fn nominated_by(&self, ctx: &Context<'_>) -> GqlResult<Option<FamilyMember>> {
        let Some(id) = self.0.nominated_by_member_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .load_one(MemberById(id))
            .await?
            .map(FamilyMember))
    }

    /// The locality manager who asked, after a decline or a missed deadline.
    async fn asked_by_manager(&self, ctx: &Context<'_>) -> GqlResult<Option<Practitioner>> {
        let Some(id) = self.0.nominated_by_practitioner_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .load_one(PractitionerById(id))
            .await?
            .map(Practitioner))
    }

    /// The manager's note to the practitioner, when a manager asked.
    async fn manager_note(&self) -> Option<&str> {
        self.0.manager_note.as_deref()
    }

    /// The manager asked the same practitioner to reconsider a decline.
    async fn challenges_decline(&self) -> bool {
        self.0.challenge_of_id.is_some()
    }

    async fn nominated_at(&self) -> DateTime<Utc> {
        self.0.nominated_at
    }

    /// The answer is due by then (working days, Monday to Friday).
    async fn answer_due_at(&self) -> DateTime<Utc> {
        self.0.answer_due_at
    }

    async fn answered_at(&self) -> Option<DateTime<Utc>> {
        self.0.answered_at
    }

    /// Why the practitioner declined, in their words.
    async fn decline_reason(&self) -> Option<&str> {
        self.0.decline_reason.as_deref()
    }

    /// No answer came in time, and the locality managers were told.
    async fn overdue(&self) -> bool {
        self.0.overdue_alerted_at.is_some()
    }

    /// Declined or overdue, and waiting for a locality manager to follow up.
    async fn needs_follow_up(&self) -> bool {
        lead::needs_follow_up(&self.0)
    }
}

/// The family's nominations, newest first (for `Family.leadNominations`).
pub async fn of_family(
    ctx: &Context<'_>,
    family_id: uuid::Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Connection<Cursor, LeadNomination>> {
    authorize(ctx, Action::ReadLeadNominations { family_id }).await?;
    let select = lead::of_family(family_id);
    Page::new(first, after)?
        .newest_first()
        .fetch(
            &services(ctx)?.db,
            select,
            lead_nomination::Column::Id,
            |n| n.id,
            LeadNomination,
        )
        .await
}

#[derive(Default)]
pub struct LeadQuery;

#[Object]
impl LeadQuery {
    /// The nominations sent to the signed-in practitioner, newest first; only those
    /// waiting for an answer unless `includeAnswered`.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn my_lead_nominations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        include_answered: Option<bool>,
    ) -> GqlResult<Connection<Cursor, LeadNomination>> {
        authorize(ctx, Action::ReadOwnNominations).await?;
        let Viewer::Practitioner(me) = viewer(ctx)? else {
            return Err(super::refusal(viewer(ctx)?).into());
        };
        let select = lead::sent_to(me.practitioner_id, include_answered.unwrap_or(false));
        Ok(Page::new(first, after)?
            .newest_first()
            .fetch(
                &services(ctx)?.db,
                select,
                lead_nomination::Column::Id,
                |n| n.id,
                LeadNomination,
            )
            .await?)
    }

    /// Declined and overdue nominations waiting for a locality manager, oldest first.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn lead_nominations_to_follow_up(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, LeadNomination>> {
        authorize(ctx, Action::FollowUpLeadNominations).await?;
        let select = lead::to_follow_up();
        Ok(Page::new(first, after)?
            .fetch(
                &services(ctx)?.db,
                select,
                lead_nomination::Column::Id,
                |n| n.id,
                LeadNomination,
            )
            .await?)
    }
}
