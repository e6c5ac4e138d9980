//! A step towards an outcome, read with its plan.
use super::super::ids::{self, Kind};
use super::super::pagination::{Cursor, Page};
use super::super::scalars::Date;
use super::super::support_request::LocalService;
use super::super::{Inline, services};
use super::view::PlanView;
use super::{Outcome, Person, PlanChange, history, named};
use crate::domain::actions;
use crate::domain::plan_contents::{self, HistoryOf};
use crate::error::{AppError, AppResult, GqlResult};
use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entities::plan_action;
use std::sync::Arc;
use uuid::Uuid;

/// A step towards an outcome.
pub struct PlanAction {
    pub model: plan_action::Model,
    view: Arc<PlanView>,
}

impl PlanAction {
    pub(super) fn new(model: plan_action::Model, view: Arc<PlanView>) -> Self {
        Self { model, view }
    }

    pub async fn load(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<Self>> {
        let Some(model) = plan_contents::action(&services(ctx)?.db, id).await? else {
            return Ok(None);
        };
        // Readable exactly when its outcome is.
        let outcome = Outcome::load(ctx, model.outcome_id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(Some(Self::new(model, outcome.view().clone())))
    }
}

#[Object(serial)]
impl PlanAction {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::PlanAction, self.model.id)
    }

    /// What needs doing.
    async fn description(&self) -> &str {
        &self.model.description
    }

    /// Who will do it.
    async fn assignee(&self, ctx: &Context<'_>) -> GqlResult<Option<Inline<Person>>> {
        named(
            ctx,
            &self.view,
            self.model.assignee_member_id,
            self.model.assignee_practitioner_id,
        )
        .await
    }

    async fn due_date(&self) -> Option<Date> {
        self.model.due_date.map(Date)
    }

    async fn done(&self) -> bool {
        self.model.done_at.is_some()
    }

    async fn done_at(&self) -> Option<DateTime<Utc>> {
        self.model.done_at
    }

    /// Past its due date and not done.
    async fn overdue(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        let today = services(ctx)?.clock.now().date_naive();
        Ok(actions::is_overdue(&self.model, today))
    }

    async fn created_by(&self, ctx: &Context<'_>) -> GqlResult<Option<Inline<Person>>> {
        named(
            ctx,
            &self.view,
            self.model.created_by_member_id,
            self.model.created_by_practitioner_id,
        )
        .await
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    /// The local service from the directory this step points at (issue 17); empty when none,
    /// or when the entry has left the directory.
    async fn service(&self) -> Option<Inline<LocalService>> {
        self.model
            .service_id
            .and_then(|id| self.view.service(id))
            .map(|service| Inline(LocalService(service)))
    }

    async fn outcome(&self, ctx: &Context<'_>) -> GqlResult<Outcome> {
        Ok(Box::pin(Outcome::load(ctx, self.model.outcome_id))
            .await?
            .ok_or(AppError::NotFound)?)
    }

    /// Every change to this action, oldest first.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, PlanChange>> {
        let of = HistoryOf::Action(self.model.id);
        Ok(Box::pin(history::page(ctx, of, Page::new(first, after)?)).await?)
    }
}
