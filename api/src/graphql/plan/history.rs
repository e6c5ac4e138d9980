//! The history of a plan, an outcome or an action: one connection for the three.
use super::super::ids::{self, Kind};
use super::super::pagination::{Cursor, Page};
use super::super::services;
use super::{ChangeSide, Person, person};
use crate::domain::plan_contents::{self, HistoryOf};
use crate::error::AppResult;
use crate::error::GqlResult;
use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entities::plan_change;

/// One page of the changes in `of`.
pub(super) async fn page(
    ctx: &Context<'_>,
    of: HistoryOf,
    page: Page,
) -> AppResult<Connection<Cursor, PlanChange>> {
    let hidden = crate::access::visibility::hidden_from(super::super::viewer(ctx)?);
    page.fetch(
        &services(ctx)?.db,
        plan_contents::not_by(plan_contents::history(of), hidden),
        plan_change::Column::Id,
        |c| c.id,
        PlanChange,
    )
    .await
}

/// One change to the plan: who, when, what, and from which side.
pub struct PlanChange(pub plan_change::Model);

#[Object]
impl PlanChange {
    /// Identifies the change (for a client's cache); it is reached through its plan.
    async fn id(&self) -> ID {
        ids::encode(Kind::PlanChange, self.0.id)
    }

    async fn what(&self) -> &str {
        &self.0.what
    }

    /// What was there before, where words were replaced, or the reason given.
    async fn detail(&self) -> Option<&str> {
        self.0.detail.as_deref()
    }

    async fn side(&self) -> ChangeSide {
        self.0.by_side.into()
    }

    async fn by(&self, ctx: &Context<'_>) -> GqlResult<Option<Person>> {
        person(ctx, self.0.by_member_id, self.0.by_practitioner_id).await
    }

    /// The plan's version after the change.
    async fn plan_version(&self) -> i32 {
        self.0.plan_version
    }

    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    async fn outcome_id(&self) -> Option<ID> {
        self.0.outcome_id.map(|id| ids::encode(Kind::Outcome, id))
    }

    async fn action_id(&self) -> Option<ID> {
        self.0.action_id.map(|id| ids::encode(Kind::PlanAction, id))
    }
}
