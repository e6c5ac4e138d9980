//! The family's plan as the app shows it: outcomes in the family's words, practitioners'
//! notes beside them, progress side by side, actions, and the history of every change.
//! A `Plan` is built only after the access rules allowed reading the family's plan; the
//! outcomes a young person sees are those about them or the whole family.
//!
//! Everything under a plan is read with it, once per request ([`view::PlanView`]); this
//! module translates, the queries are in `domain::plan_contents`.
//!
//! **Rows.** The types a screen shows many of — outcomes, notes, ratings, actions, the
//! services and people they name — are `serial`: their fields resolve one after another,
//! which async-graphql does without a task per field (a parent's screen is some 250
//! fields), and answer in the order the query asks. Their fields that read the database
//! await it boxed (`Box::pin`): async-graphql boxes every field's future, each as large as
//! its type's largest, so one field's large read would be copied into every field's box.
mod action;
mod history;
mod outcome;
pub(crate) mod view;

pub use action::PlanAction;
pub use history::PlanChange;
pub use outcome::Outcome;

use super::family::{Family, FamilyMember};
use super::ids::{self, Kind};
use super::inline::{Inline, inline_union};
use super::loaders::{MemberById, PractitionerById};
use super::organisation::Practitioner;
use super::pagination::{Cursor, Page};
use super::scalars::Date;
use super::{authorize, loaders, services, viewer};
use crate::access::Action;
use crate::domain::actions;
use crate::domain::plan_contents::{self, HistoryOf};
use crate::error::{AppError, AppResult, GqlResult};
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, Object, SimpleObject, Union};
use chrono::{DateTime, Utc};
use entities::{outcome as outcome_entity, plan};
use std::sync::Arc;
use uuid::Uuid;
use view::PlanView;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entities::plan::PlanStatus")]
pub enum PlanStatus {
    /// Being put together; it becomes active once a lead professional has accepted.
    Draft,
    Active,
    Closed,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entities::outcome::OutcomeStatus")]
pub enum OutcomeStatus {
    /// Suggested by a practitioner; the family chooses or declines it.
    Proposed,
    /// In the plan: the family chose it.
    Chosen,
    Achieved,
    NotAchieved,
    /// Taken out of the plan by the family.
    Withdrawn,
    /// A practitioner's proposal the family said no to.
    Declined,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entities::progress_rating::RatingSource")]
pub enum RatingSource {
    /// The family's own view of their progress.
    Family,
    /// A practitioner's view.
    Practitioner,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entities::plan_change::ChangeSide")]
pub enum ChangeSide {
    Family,
    Practitioner,
    /// An operator at the command line (demo data, for instance).
    Operator,
}

/// Someone who wrote or did something: a practitioner or a member of the family.
#[derive(Union)]
pub enum Person {
    Practitioner(Practitioner),
    FamilyMember(FamilyMember),
}

// A person on a screen of many, resolved as the object they are.
inline_union!(Person {
    Practitioner,
    FamilyMember
});

/// A page of a plan's rows, the page and each row resolved inline.
pub(super) type RowsPage<N> = Inline<Connection<Cursor, Inline<N>>>;

/// `items` as a page of rows (see [`Page::slice`]).
pub(super) fn rows<T, N: async_graphql::ObjectType>(
    page: Page,
    items: Vec<T>,
    id_of: impl Fn(&T) -> Uuid,
    to_node: impl Fn(T) -> N,
) -> AppResult<RowsPage<N>> {
    Ok(Inline(
        page.slice(items, id_of, |item| Inline(to_node(item)))?,
    ))
}

/// A person named outside a plan, by batch loader.
pub(super) async fn person(
    ctx: &Context<'_>,
    member: Option<Uuid>,
    practitioner: Option<Uuid>,
) -> GqlResult<Option<Person>> {
    let loaders = loaders(ctx)?;
    if let Some(id) = practitioner {
        return Ok(loaders
            .load_one(PractitionerById(id))
            .await?
            .map(|p| Person::Practitioner(Practitioner(p))));
    }
    if let Some(id) = member {
        return Ok(loaders
            .load_one(MemberById(id))
            .await?
            .map(|m| Person::FamilyMember(FamilyMember(m))));
    }
    Ok(None)
}

/// A person named in a plan: read with the plan, or by loader should the plan not name them.
async fn named(
    ctx: &Context<'_>,
    view: &PlanView,
    member: Option<Uuid>,
    practitioner: Option<Uuid>,
) -> GqlResult<Option<Inline<Person>>> {
    match view.person(member, practitioner) {
        Some(found) => Ok(Some(Inline(found))),
        None => Ok(Box::pin(person(ctx, member, practitioner))
            .await?
            .map(Inline)),
    }
}

/// A family's plan, alone on a screen or one of a list (then its lead professional comes by
/// batch loader, one statement for the list, rather than with each plan's contents).
pub struct Plan(pub plan::Model, InList);

#[derive(Clone, Copy, Default)]
pub struct InList(bool);

impl Plan {
    /// A plan shown on its own: everything under it is read with it.
    pub fn new(model: plan::Model) -> Self {
        Self(model, InList(false))
    }

    /// A plan in a list.
    pub fn in_list(model: plan::Model) -> Self {
        Self(model, InList(true))
    }

    /// Wraps a plan once the viewer may read the family's plan.
    pub async fn readable(ctx: &Context<'_>, model: plan::Model) -> AppResult<Self> {
        authorize(
            ctx,
            Action::ReadPlan {
                family_id: model.family_id,
            },
        )
        .await?;
        Ok(Self::new(model))
    }

    /// The family's current plan, if there is one and the viewer may read it.
    pub async fn current(ctx: &Context<'_>, family_id: Uuid) -> AppResult<Option<Self>> {
        match crate::domain::plans::current(&services(ctx)?.db, family_id).await? {
            Some(model) => Self::readable(ctx, model).await.map(Some),
            None => Ok(None),
        }
    }

    pub async fn load(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<Self>> {
        match plan_contents::plan(&services(ctx)?.db, id).await? {
            Some(model) => Self::readable(ctx, model).await.map(Some),
            None => Ok(None),
        }
    }

    async fn view(&self, ctx: &Context<'_>) -> AppResult<Arc<PlanView>> {
        PlanView::of(ctx, &self.0).await
    }
}

#[Object]
impl Plan {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Plan, self.0.id)
    }

    async fn status(&self) -> PlanStatus {
        self.0.status.into()
    }

    /// Moves on with every change; give it back as `expectedVersion` when changing the plan.
    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn review_date(&self) -> Option<Date> {
        self.0.review_date.map(Date)
    }

    /// The practitioner the family chose, once they accepted.
    async fn lead_professional(&self, ctx: &Context<'_>) -> GqlResult<Option<Practitioner>> {
        let Some(id) = self.0.lead_professional_id else {
            return Ok(None);
        };
        if !self.1.0
            && let Some(lead) = self.view(ctx).await?.practitioner(id)
        {
            return Ok(Some(lead));
        }
        Ok(loaders(ctx)?
            .load_one(PractitionerById(id))
            .await?
            .map(Practitioner))
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn activated_at(&self) -> Option<DateTime<Utc>> {
        self.0.activated_at
    }

    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }

    /// How things stood when the plan closed.
    async fn closing_summary(&self) -> Option<&str> {
        self.0.closing_summary.as_deref()
    }

    async fn family(&self, ctx: &Context<'_>) -> GqlResult<Family> {
        Ok(Family::load(ctx, self.0.family_id)
            .await?
            .ok_or(AppError::NotFound)?)
    }

    /// The outcomes, in the family's order of priority. Declined and withdrawn ones are
    /// left out unless asked for. Each outcome's notes, ratings and actions are read with
    /// them: asking for those costs no further request to the database.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn outcomes(
        &self,
        ctx: &Context<'_>,
        include_set_aside: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<RowsPage<Outcome>> {
        let page = Page::new(first, after)?;
        let all = include_set_aside.unwrap_or(false);
        let view = self.view(ctx).await?;
        let shown: Vec<outcome_entity::Model> = view
            .outcomes()
            .filter(|o| {
                all || !matches!(
                    o.status,
                    outcome_entity::OutcomeStatus::Declined
                        | outcome_entity::OutcomeStatus::Withdrawn
                )
            })
            .cloned()
            .collect();
        Ok(rows(
            page,
            shown,
            |o| o.id,
            |o| Outcome::new(o, view.clone()),
        )?)
    }

    /// Actions past their due date and not done, oldest due first: what the lead
    /// professional chases.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn overdue_actions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<RowsPage<PlanAction>> {
        let page = Page::new(first, after)?;
        let today = services(ctx)?.clock.now().date_naive();
        let view = self.view(ctx).await?;
        let mut overdue: Vec<_> = view
            .actions()
            .filter(|a| actions::is_overdue(a, today))
            .cloned()
            .collect();
        overdue.sort_by_key(|a| (a.due_date, a.id));
        Ok(rows(
            page,
            overdue,
            |a| a.id,
            |a| PlanAction::new(a, view.clone()),
        )?)
    }

    /// Every change to the plan and what is in it, newest first.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, PlanChange>> {
        // A young person's view, or a practitioner's without a young person's consent,
        // leaves out changes to the outcomes they cannot see.
        let view = self.view(ctx).await?;
        let outcomes = (!view.sees_all()).then(|| view.outcome_ids());
        let of = HistoryOf::Plan {
            plan_id: self.0.id,
            outcomes,
        };
        Ok(history::page(ctx, of, Page::new(first, after)?.newest_first()).await?)
    }
}

/// The outcome framework in force: the areas an outcome can belong to.
#[derive(SimpleObject)]
pub struct OutcomeFramework {
    pub version: String,
    pub areas: Vec<OutcomeArea>,
}

#[derive(SimpleObject)]
pub struct OutcomeArea {
    /// Give this as `area` when writing an outcome.
    pub code: String,
    pub label: String,
}

#[derive(Default)]
pub struct PlanQuery;

#[Object]
impl PlanQuery {
    /// The outcome areas the app offers, from the local authority's outcome framework.
    async fn outcome_framework(&self, ctx: &Context<'_>) -> GqlResult<OutcomeFramework> {
        authorize(ctx, Action::ReadDirectory).await?;
        let framework = &services(ctx)?.settings.outcome_framework;
        Ok(OutcomeFramework {
            version: framework.version.clone(),
            areas: framework
                .areas
                .iter()
                .map(|a| OutcomeArea {
                    code: a.code.clone(),
                    label: a.label.clone(),
                })
                .collect(),
        })
    }

    /// The plans the signed-in practitioner leads, with their overdue actions. A family
    /// whose consent no longer covers the practitioner is left out: they may not read it.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn plans_i_lead(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, Plan>> {
        authorize(ctx, Action::ReadOwnCaseload).await?;
        let crate::viewer::Viewer::Practitioner(me) = viewer(ctx)? else {
            return Err(AppError::Forbidden.into());
        };
        let page = Page::new(first, after)?
            .rows(
                &services(ctx)?.db,
                plan_contents::led_by(me.practitioner_id),
                plan::Column::Id,
            )
            .await?;
        let mut connection = Connection::new(page.has_previous, page.has_next);
        for row in page.rows {
            let id = row.id;
            match Plan::readable(ctx, row).await {
                Ok(plan) => connection.edges.push(async_graphql::connection::Edge::new(
                    async_graphql::connection::OpaqueCursor(id),
                    Plan::in_list(plan.0),
                )),
                Err(AppError::Forbidden | AppError::ConsentRequired) => continue,
                Err(other) => return Err(other.into()),
            }
        }
        Ok(connection)
    }
}
