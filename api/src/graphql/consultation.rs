//! The consultation line (issue 17): practitioners ask the hub for advice; the hub answers.
//! Nothing here opens a family's record: `family` is shown only to those who may read it.
use super::family::Family;
use super::ids::{self, Kind};
use super::loaders::{OrganisationById, PractitionerById};
use super::organisation::{Organisation, Practitioner};
use super::pagination::{Cursor, Page};
use super::support_request::Referral;
use super::{allows, authorize, loaders, services, viewer};
use crate::access::Action;
use crate::domain::consultations;
use crate::error::{AppError, GqlResult};
use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entities::consultation;

pub struct Consultation(pub consultation::Model);

#[Object]
impl Consultation {
    async fn id(&self) -> ID {
        ids::encode(Kind::Consultation, self.0.id)
    }
    /// The situation, as the practitioner described it.
    async fn situation(&self) -> &str {
        &self.0.situation
    }
    /// Whether the practitioner named the family (with its consent).
    async fn names_family(&self) -> bool {
        self.0.family_id.is_some()
    }
    /// The family named, for those who may read its record (never the asker through this).
    async fn family(&self, ctx: &Context<'_>) -> GqlResult<Option<Family>> {
        let Some(family_id) = self.0.family_id else {
            return Ok(None);
        };
        if !allows(ctx, Action::ReadFamily { family_id }).await? {
            return Ok(None);
        }
        Ok(Family::load(ctx, family_id).await?)
    }
    async fn asked_by(&self, ctx: &Context<'_>) -> GqlResult<Option<Practitioner>> {
        Ok(loaders(ctx)?
            .load_one(PractitionerById(self.0.asked_by_practitioner_id))
            .await?
            .map(Practitioner))
    }
    async fn organisation(&self, ctx: &Context<'_>) -> GqlResult<Option<Organisation>> {
        Ok(loaders(ctx)?
            .load_one(OrganisationById(self.0.organisation_id))
            .await?
            .map(Organisation))
    }
    async fn asked_at(&self) -> DateTime<Utc> {
        self.0.asked_at
    }
    /// The hub's advice.
    async fn advice(&self) -> Option<&str> {
        self.0.advice.as_deref()
    }
    /// The hub advised a referral.
    async fn advised_referral(&self) -> Option<bool> {
        self.0.advised_referral
    }
    async fn answered_at(&self) -> Option<DateTime<Utc>> {
        self.0.answered_at
    }
    async fn answered_by(&self, ctx: &Context<'_>) -> GqlResult<Option<Practitioner>> {
        let Some(id) = self.0.answered_by_practitioner_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .load_one(PractitionerById(id))
            .await?
            .map(Practitioner))
    }
    /// The referral it became, if it did.
    async fn referral(&self, ctx: &Context<'_>) -> GqlResult<Option<Referral>> {
        let Some(id) = self.0.referral_id else {
            return Ok(None);
        };
        Ok(
            crate::domain::records::by_id::<entities::support_request::Entity>(
                &services(ctx)?.db,
                id,
            )
            .await?
            .map(Referral),
        )
    }
}

#[derive(Default)]
pub struct ConsultationQuery;

#[Object]
impl ConsultationQuery {
    /// The hub's consultation line: questions waiting for advice (or, `answered: true`, those
    /// answered), oldest first.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn consultations(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false)] answered: bool,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, Consultation>> {
        authorize(ctx, Action::AnswerConsultations).await?;
        Ok(Page::new(first, after)?
            .fetch(
                &services(ctx)?.db,
                consultations::for_hub(answered),
                consultation::Column::Id,
                |c| c.id,
                Consultation,
            )
            .await?)
    }

    /// The signed-in practitioner's own consultations, oldest first.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn my_consultations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, Consultation>> {
        authorize(ctx, Action::ConsultHub).await?;
        let id = viewer(ctx)?.practitioner_id().ok_or(AppError::Forbidden)?;
        Ok(Page::new(first, after)?
            .fetch(
                &services(ctx)?.db,
                consultations::asked_by(id),
                consultation::Column::Id,
                |c| c.id,
                Consultation,
            )
            .await?)
    }
}
