//! An outcome and what hangs from it: who it is for, notes, progress, actions. All of it
//! comes from the plan's view, read once per request.
use super::super::family::FamilyMember;
use super::super::ids::{self, Kind};
use super::super::loaders::{MemberById, OrganisationById, PractitionerById};
use super::super::organisation::{Organisation, Practitioner};
use super::super::pagination::{Cursor, Page};
use super::super::scalars::Date;
use super::super::visible_to::VisibleTo;
use super::super::{Inline, authorize, loaders, services};
use super::view::PlanView;
use super::{
    OutcomeStatus, Person, Plan, PlanAction, PlanChange, RatingSource, RowsPage, history, named,
    rows,
};
use crate::access::Action;
use crate::domain::outcomes;
use crate::domain::plan_contents::{self, HistoryOf};
use crate::error::{AppError, AppResult, GqlResult};
use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entities::progress_rating::RatingSource as Source;
use entities::{outcome, outcome_note, progress_rating};
use std::sync::Arc;
use uuid::Uuid;

/// Where an outcome sits in the outcome framework.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct OutcomeAreaRef {
    pub code: String,
    pub label: String,
    /// The framework version the outcome was written under.
    pub framework_version: String,
}

/// What a list read with the plan costs in a query's complexity: its rows come in the plan's
/// one statement whatever `first` says, so a page costs its fields once, not once per row
/// asked for (the outcomes themselves are counted per row).
const IN_VIEW: usize = 1;

/// What the family wants to achieve, in their own words.
pub struct Outcome {
    pub model: outcome::Model,
    view: Arc<PlanView>,
}

impl Outcome {
    pub(super) fn new(model: outcome::Model, view: Arc<PlanView>) -> Self {
        Self { model, view }
    }

    /// Loads an outcome the viewer may see: they may read the family's plan and, for a
    /// young person, the outcome is about them or the whole family.
    pub async fn load(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<Self>> {
        let db = &services(ctx)?.db;
        let Some(model) = plan_contents::outcome(db, id).await? else {
            return Ok(None);
        };
        authorize(
            ctx,
            Action::ReadPlan {
                family_id: model.family_id,
            },
        )
        .await?;
        let plan = plan_contents::plan(db, model.plan_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let view = PlanView::of(ctx, &plan).await?;
        if !view.sees(model.id) {
            return Err(AppError::Forbidden);
        }
        Ok(Some(Self::new(model, view)))
    }

    /// An outcome of `plan`, as just changed: the viewer may read the plan, and see it.
    pub async fn with_plan(
        ctx: &Context<'_>,
        model: outcome::Model,
        plan: &entities::plan::Model,
    ) -> AppResult<Self> {
        authorize(
            ctx,
            Action::ReadPlan {
                family_id: model.family_id,
            },
        )
        .await?;
        let view = PlanView::of(ctx, plan).await?;
        if !view.sees(model.id) {
            return Err(AppError::Forbidden);
        }
        Ok(Self::new(model, view))
    }

    pub(super) fn view(&self) -> &Arc<PlanView> {
        &self.view
    }

    fn ratings(&self) -> &[progress_rating::Model] {
        self.view.ratings_of(self.model.id)
    }
}

#[Object(serial)]
impl Outcome {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Outcome, self.model.id)
    }

    /// The family's own words. Only family members change them.
    async fn words(&self) -> &str {
        &self.model.words
    }

    /// Written by a young person and kept from the rest of the family until they share it
    /// (`shareWithMyFamily`).
    async fn private(&self) -> bool {
        self.model.private
    }

    /// Who can see this outcome.
    async fn visible_to(&self, ctx: &Context<'_>) -> GqlResult<VisibleTo> {
        Ok(Box::pin(VisibleTo::of(
            ctx,
            self.model.family_id,
            self.view.members_of(self.model.id),
            self.model.private,
        ))
        .await?)
    }

    async fn area(&self) -> Inline<OutcomeAreaRef> {
        Inline(OutcomeAreaRef {
            code: self.model.area_code.clone(),
            label: self.model.area_label.clone(),
            framework_version: self.model.framework_version.clone(),
        })
    }

    /// Who the outcome is for; empty when it is for the whole family.
    #[graphql(name = "for")]
    async fn for_members(&self, ctx: &Context<'_>) -> GqlResult<Vec<Inline<FamilyMember>>> {
        let ids = self.view.members_of(self.model.id);
        let mut members = Vec::with_capacity(ids.len());
        for id in ids {
            match self.view.member(*id) {
                Some(member) => members.push(Inline(member)),
                None => {
                    if let Some(m) = Box::pin(loaders(ctx)?.load_one(MemberById(*id))).await? {
                        members.push(Inline(FamilyMember(m)));
                    }
                }
            }
        }
        Ok(members)
    }

    async fn target_date(&self) -> Option<Date> {
        self.model.target_date.map(Date)
    }

    async fn status(&self) -> OutcomeStatus {
        self.model.status.into()
    }

    /// Its place in the family's order of priority, from 1.
    async fn position(&self) -> i32 {
        self.model.position
    }

    /// Who wrote or proposed it.
    async fn proposed_by(&self, ctx: &Context<'_>) -> GqlResult<Option<Inline<Person>>> {
        named(
            ctx,
            &self.view,
            self.model.proposed_by_member_id,
            self.model.proposed_by_practitioner_id,
        )
        .await
    }

    /// Why the family declined a proposal, if they said.
    async fn decline_reason(&self) -> Option<&str> {
        self.model.decline_reason.as_deref()
    }

    /// Practitioners' notes beside the family's words, oldest first.
    #[graphql(complexity = "IN_VIEW + child_complexity")]
    async fn notes(
        &self,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<RowsPage<OutcomeNote>> {
        let notes = self.view.notes_of(self.model.id).to_vec();
        let view = &self.view;
        Ok(rows(
            Page::new(first, after)?,
            notes,
            |n| n.id,
            |n| OutcomeNote(n, view.clone()),
        )?)
    }

    /// The latest ratings from the family and from practitioners, side by side.
    async fn progress(&self) -> Inline<Progress> {
        let ratings = self.ratings();
        let latest = |source: Source| {
            ratings
                .iter()
                .rev()
                .find(|r| r.source == source)
                .cloned()
                .map(|r| Inline(ProgressRating(r, self.view.clone())))
        };
        let family = latest(Source::Family);
        let practitioner = latest(Source::Practitioner);
        let (f, p) = (
            family.as_ref().map(|r| r.0.0.score),
            practitioner.as_ref().map(|r| r.0.0.score),
        );
        Inline(Progress {
            gap: f.zip(p).map(|(f, p)| i32::from((f - p).abs())),
            large_gap: outcomes::gap_is_large(f, p),
            family,
            practitioner,
        })
    }

    /// Every rating given, oldest first.
    #[graphql(complexity = "IN_VIEW + child_complexity")]
    async fn rating_history(
        &self,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, ProgressRating>> {
        let view = &self.view;
        Ok(Page::new(first, after)?.slice(
            self.ratings().to_vec(),
            |r| r.id,
            |r| ProgressRating(r, view.clone()),
        )?)
    }

    /// Steps towards the outcome, oldest first.
    #[graphql(complexity = "IN_VIEW + child_complexity")]
    async fn actions(
        &self,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<RowsPage<PlanAction>> {
        let view = &self.view;
        Ok(rows(
            Page::new(first, after)?,
            view.actions_of(self.model.id).to_vec(),
            |a| a.id,
            |a| PlanAction::new(a, view.clone()),
        )?)
    }

    /// Every change to this outcome and its actions: who, when, what, from which side.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, PlanChange>> {
        let of = HistoryOf::Outcome(self.model.id);
        Ok(Box::pin(history::page(ctx, of, Page::new(first, after)?)).await?)
    }

    async fn plan(&self, ctx: &Context<'_>) -> GqlResult<Plan> {
        Ok(Box::pin(Plan::load(ctx, self.model.plan_id))
            .await?
            .ok_or(AppError::NotFound)?)
    }
}

/// The family's and the practitioners' latest ratings, kept apart, never averaged.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct Progress {
    pub family: Option<Inline<ProgressRating>>,
    pub practitioner: Option<Inline<ProgressRating>>,
    /// How far apart the two latest ratings are, when both exist.
    pub gap: Option<i32>,
    /// The two see progress very differently (3 points or more): worth talking about.
    pub large_gap: bool,
}

/// A rating of progress, 1 (not started) to 10 (achieved).
pub struct ProgressRating(progress_rating::Model, Arc<PlanView>);

#[Object(serial)]
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

    async fn rated_by(&self, ctx: &Context<'_>) -> GqlResult<Option<Inline<Person>>> {
        named(ctx, &self.1, self.0.member_id, self.0.practitioner_id).await
    }

    async fn rated_at(&self) -> DateTime<Utc> {
        self.0.rated_at
    }

    /// A young person's own rating, kept from the rest of the family.
    async fn private(&self) -> bool {
        self.0.private
    }

    /// Who can see this rating: as the outcome it is about, and kept from the family when
    /// private.
    async fn visible_to(&self, ctx: &Context<'_>) -> GqlResult<VisibleTo> {
        Ok(Box::pin(VisibleTo::of(
            ctx,
            self.0.family_id,
            self.1.members_of(self.0.outcome_id),
            self.0.private,
        ))
        .await?)
    }
}

/// A practitioner's note beside the family's words.
pub struct OutcomeNote(outcome_note::Model, Arc<PlanView>);

#[Object(serial)]
impl OutcomeNote {
    /// Identifies the note (for a client's cache); it is reached through its outcome.
    async fn id(&self) -> ID {
        ids::encode(Kind::OutcomeNote, self.0.id)
    }

    async fn body(&self) -> &str {
        &self.0.body
    }

    async fn author(&self, ctx: &Context<'_>) -> GqlResult<Option<Inline<Practitioner>>> {
        if let Some(author) = self.1.practitioner(self.0.practitioner_id) {
            return Ok(Some(Inline(author)));
        }
        Ok(
            Box::pin(loaders(ctx)?.load_one(PractitionerById(self.0.practitioner_id)))
                .await?
                .map(|p| Inline(Practitioner(p))),
        )
    }

    /// The author's organisation when they wrote it.
    async fn organisation(&self, ctx: &Context<'_>) -> GqlResult<Option<Organisation>> {
        Ok(
            Box::pin(loaders(ctx)?.load_one(OrganisationById(self.0.organisation_id)))
                .await?
                .map(Organisation),
        )
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
