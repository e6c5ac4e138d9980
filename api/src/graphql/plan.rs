//! The family's plan as the app shows it: outcomes in the family's words, practitioners'
//! notes beside them, progress side by side, actions, and the history of every change.
//! A `Plan` is built only after the policy module allowed reading the family's plan; the
//! outcomes a young person sees are those about them or the whole family.
use super::family::{Family, FamilyMember};
use super::ids::{self, Kind};
use super::loaders::{
    ActionsOf, MemberById, NotesOf, OrganisationById, OutcomeMembersOf, PractitionerById, RatingsOf,
};
use super::organisation::{Organisation, Practitioner};
use super::pagination::{Cursor, Page};
use super::scalars::Date;
use super::{authorize, loaders, services, viewer};
use crate::access::{self, Action};
use crate::domain::{actions, outcomes};
use crate::error::{AppError, AppResult, GqlResult};
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, Object, SimpleObject, Union};
use chrono::{DateTime, Utc};
use entities::progress_rating::RatingSource as Source;
use entities::{outcome, outcome_note, plan, plan_action, plan_change, progress_rating};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

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

/// A family's plan.
pub struct Plan(pub plan::Model);

impl Plan {
    /// Wraps a plan once the viewer may read the family's plan.
    pub async fn readable(ctx: &Context<'_>, model: plan::Model) -> AppResult<Self> {
        authorize(
            ctx,
            Action::ReadPlan {
                family_id: model.family_id,
            },
        )
        .await?;
        Ok(Self(model))
    }

    pub async fn load(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<Self>> {
        match plan::Entity::find_by_id(id).one(&services(ctx)?.db).await? {
            Some(model) => Self::readable(ctx, model).await.map(Some),
            None => Ok(None),
        }
    }

    /// The plan's outcomes the viewer may see, in the family's order.
    async fn visible_outcomes(&self, ctx: &Context<'_>) -> AppResult<Vec<Outcome>> {
        let rows = outcome::Entity::find()
            .filter(outcome::Column::PlanId.eq(self.0.id))
            .order_by_asc(outcome::Column::Position)
            .order_by_asc(outcome::Column::Id)
            .all(&services(ctx)?.db)
            .await?;
        let members = loaders(ctx)?
            .load_many(rows.iter().map(|o| OutcomeMembersOf(o.id)))
            .await?;
        let viewer = viewer(ctx)?;
        Ok(rows
            .into_iter()
            .filter(|o| {
                let for_members = members
                    .get(&OutcomeMembersOf(o.id))
                    .map_or(&[][..], Vec::as_slice);
                access::visibility::may_see_outcome(viewer, for_members)
            })
            .map(Outcome)
            .collect())
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
    /// left out unless asked for.
    async fn outcomes(
        &self,
        ctx: &Context<'_>,
        include_set_aside: Option<bool>,
    ) -> GqlResult<Vec<Outcome>> {
        let all = include_set_aside.unwrap_or(false);
        Ok(self
            .visible_outcomes(ctx)
            .await?
            .into_iter()
            .filter(|o| {
                all || !matches!(
                    o.0.status,
                    outcome::OutcomeStatus::Declined | outcome::OutcomeStatus::Withdrawn
                )
            })
            .collect())
    }

    /// Actions past their due date and not done, oldest due first: what the lead
    /// professional chases.
    async fn overdue_actions(&self, ctx: &Context<'_>) -> GqlResult<Vec<PlanAction>> {
        let s = services(ctx)?;
        let today = s.clock.now().date_naive();
        let visible: Vec<Uuid> = self
            .visible_outcomes(ctx)
            .await?
            .iter()
            .map(|o| o.0.id)
            .collect();
        let rows = plan_action::Entity::find()
            .filter(plan_action::Column::PlanId.eq(self.0.id))
            .filter(plan_action::Column::DoneAt.is_null())
            .filter(plan_action::Column::DueDate.lt(today))
            .order_by_asc(plan_action::Column::DueDate)
            .all(&s.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter(|a| visible.contains(&a.outcome_id) && actions::is_overdue(a, today))
            .map(PlanAction)
            .collect())
    }

    /// Every change to the plan and what is in it, newest first.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, PlanChange>> {
        let mut select =
            plan_change::Entity::find().filter(plan_change::Column::PlanId.eq(self.0.id));
        if access::visibility::history_follows_visible_outcomes(viewer(ctx)?) {
            // A young person's view leaves out changes to outcomes they cannot see.
            let visible: Vec<Uuid> = self
                .visible_outcomes(ctx)
                .await?
                .iter()
                .map(|o| o.0.id)
                .collect();
            select = select.filter(
                Condition::any()
                    .add(plan_change::Column::OutcomeId.is_null())
                    .add(plan_change::Column::OutcomeId.is_in(visible)),
            );
        }
        Ok(Page::new(first, after)?
            .newest_first()
            .fetch(
                &services(ctx)?.db,
                select,
                plan_change::Column::Id,
                |c| c.id,
                PlanChange,
            )
            .await?)
    }
}

/// Where an outcome sits in the outcome framework.
#[derive(SimpleObject)]
pub struct OutcomeAreaRef {
    pub code: String,
    pub label: String,
    /// The framework version the outcome was written under.
    pub framework_version: String,
}

/// What the family wants to achieve, in their own words.
pub struct Outcome(pub outcome::Model);

impl Outcome {
    /// Loads an outcome the viewer may see: they may read the family's plan and, for a
    /// young person, the outcome is about them or the whole family.
    pub async fn load(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<Self>> {
        let Some(model) = outcome::Entity::find_by_id(id)
            .one(&services(ctx)?.db)
            .await?
        else {
            return Ok(None);
        };
        authorize(
            ctx,
            Action::ReadPlan {
                family_id: model.family_id,
            },
        )
        .await?;
        let members = loaders(ctx)?
            .load_one(OutcomeMembersOf(model.id))
            .await?
            .unwrap_or_default();
        if !access::visibility::may_see_outcome(viewer(ctx)?, &members) {
            return Err(AppError::Forbidden);
        }
        Ok(Some(Self(model)))
    }

    async fn ratings(&self, ctx: &Context<'_>) -> AppResult<Vec<progress_rating::Model>> {
        Ok(loaders(ctx)?
            .load_one(RatingsOf(self.0.id))
            .await?
            .unwrap_or_default())
    }
}

#[Object]
impl Outcome {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Outcome, self.0.id)
    }

    /// The family's own words. Only family members change them.
    async fn words(&self) -> &str {
        &self.0.words
    }

    async fn area(&self) -> OutcomeAreaRef {
        OutcomeAreaRef {
            code: self.0.area_code.clone(),
            label: self.0.area_label.clone(),
            framework_version: self.0.framework_version.clone(),
        }
    }

    /// Who the outcome is for; empty when it is for the whole family.
    #[graphql(name = "for")]
    async fn for_members(&self, ctx: &Context<'_>) -> GqlResult<Vec<FamilyMember>> {
        let loaders = loaders(ctx)?;
        let ids = loaders
            .load_one(OutcomeMembersOf(self.0.id))
            .await?
            .unwrap_or_default();
        let members = loaders
            .load_many(ids.iter().map(|id| MemberById(*id)))
            .await?;
        Ok(ids
            .iter()
            .filter_map(|id| members.get(&MemberById(*id)).cloned())
            .map(FamilyMember)
            .collect())
    }

    async fn target_date(&self) -> Option<Date> {
        self.0.target_date.map(Date)
    }

    async fn status(&self) -> OutcomeStatus {
        self.0.status.into()
    }

    /// Its place in the family's order of priority, from 1.
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// Who wrote or proposed it.
    async fn proposed_by(&self, ctx: &Context<'_>) -> GqlResult<Option<Person>> {
        person(
            ctx,
            self.0.proposed_by_member_id,
            self.0.proposed_by_practitioner_id,
        )
        .await
    }

    /// Why the family declined a proposal, if they said.
    async fn decline_reason(&self) -> Option<&str> {
        self.0.decline_reason.as_deref()
    }

    /// Practitioners' notes beside the family's words, oldest first.
    async fn notes(&self, ctx: &Context<'_>) -> GqlResult<Vec<OutcomeNote>> {
        Ok(loaders(ctx)?
            .load_one(NotesOf(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(OutcomeNote)
            .collect())
    }

    /// The latest ratings from the family and from practitioners, side by side.
    async fn progress(&self, ctx: &Context<'_>) -> GqlResult<Progress> {
        let ratings = self.ratings(ctx).await?;
        let latest = |source: Source| {
            ratings
                .iter()
                .rev()
                .find(|r| r.source == source)
                .cloned()
                .map(ProgressRating)
        };
        let family = latest(Source::Family);
        let practitioner = latest(Source::Practitioner);
        let (f, p) = (
            family.as_ref().map(|r| r.0.score),
            practitioner.as_ref().map(|r| r.0.score),
        );
        Ok(Progress {
            gap: f.zip(p).map(|(f, p)| i32::from((f - p).abs())),
            large_gap: outcomes::gap_is_large(f, p),
            family,
            practitioner,
        })
    }

    /// Every rating given, oldest first.
    async fn rating_history(&self, ctx: &Context<'_>) -> GqlResult<Vec<ProgressRating>> {
        Ok(self
            .ratings(ctx)
            .await?
            .into_iter()
            .map(ProgressRating)
            .collect())
    }

    /// Steps towards the outcome, oldest first.
    async fn actions(&self, ctx: &Context<'_>) -> GqlResult<Vec<PlanAction>> {
        Ok(loaders(ctx)?
            .load_one(ActionsOf(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(PlanAction)
            .collect())
    }

    /// Every change to this outcome and its actions: who, when, what, from which side.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, PlanChange>> {
        let select =
            plan_change::Entity::find().filter(plan_change::Column::OutcomeId.eq(self.0.id));
        Ok(Page::new(first, after)?
            .fetch(
                &services(ctx)?.db,
                select,
                plan_change::Column::Id,
                |c| c.id,
                PlanChange,
            )
            .await?)
    }

    async fn plan(&self, ctx: &Context<'_>) -> GqlResult<Plan> {
        Ok(Plan::load(ctx, self.0.plan_id)
            .await?
            .ok_or(AppError::NotFound)?)
    }
}

/// The family's and the practitioners' latest ratings, kept apart, never averaged.
#[derive(SimpleObject)]
pub struct Progress {
    pub family: Option<ProgressRating>,
    pub practitioner: Option<ProgressRating>,
    /// How far apart the two latest ratings are, when both exist.
    pub gap: Option<i32>,
    /// The two see progress very differently (3 points or more): worth talking about.
    pub large_gap: bool,
}

/// A rating of progress, 1 (not started) to 10 (achieved).
pub struct ProgressRating(pub progress_rating::Model);

#[Object]
impl ProgressRating {
    async fn score(&self) -> i32 {
        self.0.score.into()
    }

    async fn source(&self) -> RatingSource {
        self.0.source.into()
    }

    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }

    async fn rated_by(&self, ctx: &Context<'_>) -> GqlResult<Option<Person>> {
        person(ctx, self.0.member_id, self.0.practitioner_id).await
    }

    async fn rated_at(&self) -> DateTime<Utc> {
        self.0.rated_at
    }
}

/// A practitioner's note beside the family's words.
pub struct OutcomeNote(pub outcome_note::Model);

#[Object]
impl OutcomeNote {
    /// Identifies the note (for a client's cache); it is reached through its outcome.
    async fn id(&self) -> ID {
        ids::encode(Kind::OutcomeNote, self.0.id)
    }

    async fn body(&self) -> &str {
        &self.0.body
    }

    async fn author(&self, ctx: &Context<'_>) -> GqlResult<Option<Practitioner>> {
        Ok(loaders(ctx)?
            .load_one(PractitionerById(self.0.practitioner_id))
            .await?
            .map(Practitioner))
    }

    /// The author's organisation when they wrote it.
    async fn organisation(&self, ctx: &Context<'_>) -> GqlResult<Option<Organisation>> {
        Ok(loaders(ctx)?
            .load_one(OrganisationById(self.0.organisation_id))
            .await?
            .map(Organisation))
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A step towards an outcome.
pub struct PlanAction(pub plan_action::Model);

impl PlanAction {
    pub async fn load(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<Self>> {
        let Some(model) = plan_action::Entity::find_by_id(id)
            .one(&services(ctx)?.db)
            .await?
        else {
            return Ok(None);
        };
        // Readable exactly when its outcome is.
        Outcome::load(ctx, model.outcome_id).await?;
        Ok(Some(Self(model)))
    }
}

#[Object]
impl PlanAction {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::PlanAction, self.0.id)
    }

    /// What needs doing.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// Who will do it.
    async fn assignee(&self, ctx: &Context<'_>) -> GqlResult<Option<Person>> {
        person(
            ctx,
            self.0.assignee_member_id,
            self.0.assignee_practitioner_id,
        )
        .await
    }

    async fn due_date(&self) -> Option<Date> {
        self.0.due_date.map(Date)
    }

    async fn done(&self) -> bool {
        self.0.done_at.is_some()
    }

    async fn done_at(&self) -> Option<DateTime<Utc>> {
        self.0.done_at
    }

    /// Past its due date and not done.
    async fn overdue(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        let today = services(ctx)?.clock.now().date_naive();
        Ok(actions::is_overdue(&self.0, today))
    }

    async fn created_by(&self, ctx: &Context<'_>) -> GqlResult<Option<Person>> {
        person(
            ctx,
            self.0.created_by_member_id,
            self.0.created_by_practitioner_id,
        )
        .await
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn outcome(&self, ctx: &Context<'_>) -> GqlResult<Outcome> {
        Ok(Outcome::load(ctx, self.0.outcome_id)
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
        let select =
            plan_change::Entity::find().filter(plan_change::Column::ActionId.eq(self.0.id));
        Ok(Page::new(first, after)?
            .fetch(
                &services(ctx)?.db,
                select,
                plan_change::Column::Id,
                |c| c.id,
                PlanChange,
            )
            .await?)
    }
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
    async fn plans_i_lead(&self, ctx: &Context<'_>) -> GqlResult<Vec<Plan>> {
        authorize(ctx, Action::ReadOwnCaseload).await?;
        let crate::viewer::Viewer::Practitioner(me) = viewer(ctx)? else {
            return Err(AppError::Forbidden.into());
        };
        let rows = plan::Entity::find()
            .filter(plan::Column::LeadProfessionalId.eq(me.practitioner_id))
            .filter(plan::Column::Status.ne(entities::plan::PlanStatus::Closed))
            .order_by_asc(plan::Column::Id)
            .limit(super::pagination::MAX_PAGE as u64)
            .all(&services(ctx)?.db)
            .await?;
        let mut plans = Vec::with_capacity(rows.len());
        for row in rows {
            match Plan::readable(ctx, row).await {
                Ok(plan) => plans.push(plan),
                Err(AppError::Forbidden | AppError::ConsentRequired) => continue,
                Err(other) => return Err(other.into()),
            }
        }
        Ok(plans)
    }
}
