//! Family records, their members and need-level history.
//! A `Family` is only ever built after the access rules said the viewer may read it.
use super::assessment::Assessment;
use super::consent::{AccessLogEntry, Consent, TeamMembership};
use super::ids::{self, Kind};
use super::loaders::{MembersOf, PractitionerById};
use super::organisation::Practitioner;
use super::pagination::{Cursor, Page};
use super::plan::Plan;
use super::scalars::Date;
use super::{Inline, allows, authorize, loaders, request_state, services, viewer};
use crate::access::{self, Action};
use crate::domain::{assessment, families, plan_contents, plans};
use crate::error::{AppError, AppResult, GqlResult};
use crate::viewer::Viewer;
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{audit_entry, consent, family, family_member, need_level_change, plan, team_member};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entities::family_member::MemberRelation")]
pub enum FamilyRelation {
    /// A parent or carer with parental responsibility.
    AdultWithParentalResponsibility,
    /// Another adult in the household.
    OtherAdult,
    Child,
}

/// A level on the local threshold framework, with the local authority's label for it.
#[derive(SimpleObject, Clone)]
pub struct NeedLevel {
    /// 1 universal, 2 early help, 3 complex needs (s17), 4 child protection (s47).
    pub level: i32,
    pub label: String,
}

impl NeedLevel {
    pub fn new(ctx: &Context<'_>, level: i16) -> AppResult<Self> {
        let labels = &services(ctx)?.settings.need_level_labels;
        Ok(Self {
            level: level.into(),
            label: labels.label(level).to_owned(),
        })
    }
}

/// A household with its members: one shared record across agencies.
pub struct Family(family::Model, CurrentPlan);

/// The family's current plan, when it was read with the family.
#[derive(Default)]
struct CurrentPlan(Option<Option<plan::Model>>);

impl Family {
    /// Wraps a family record once the viewer is allowed to read it.
    pub async fn readable(ctx: &Context<'_>, model: family::Model) -> AppResult<Self> {
        authorize(
            ctx,
            Action::ReadFamily {
                family_id: model.id,
            },
        )
        .await?;
        Ok(Self(model, CurrentPlan::default()))
    }

    /// The family, read with its current plan in one statement: for a practitioner with
    /// their standing with it in the same one; for the family's own members asking for what
    /// is in the plan, with the plan's contents too; for anyone else, whatever facts the
    /// rules need are read at the same time on another connection. Whether it exists is
    /// answered first, whoever asks.
    pub async fn load(ctx: &Context<'_>, id: uuid::Uuid) -> AppResult<Option<Self>> {
        let s = services(ctx)?;
        let found = if let Viewer::Practitioner(p) = viewer(ctx)? {
            let known = &request_state(ctx)?.facts;
            let (now, ages) = (s.clock.now(), s.settings.ages());
            access::family_for_practitioner(&s.db, p, id, now, ages, known).await?
        } else if let Some(found) = Self::load_with_plan_contents(ctx, id).await? {
            found
        } else {
            // Asking reads the facts into the request's cache; the answer that counts is
            // `readable`'s, once the family is known to exist.
            let (found, asked) = futures::join!(
                families::with_current_plan(&s.db, id),
                allows(ctx, Action::ReadFamily { family_id: id }),
            );
            let found = found?;
            if found.is_some() {
                asked?;
            }
            found
        };
        let Some((model, plan)) = found else {
            return Ok(None);
        };
        let mut family = Self::readable(ctx, model).await?;
        family.1 = CurrentPlan(Some(plan));
        Ok(Some(family))
    }

    /// For a reader who may read the family and its plan on the session alone (the
    /// family's own members) and asks for what is in the plan: both permits first, then the
    /// family, its current plan and the plan's contents in one statement, the contents kept
    /// for the plan's view. `None` when this way does not apply; otherwise what was found
    /// (`Some(None)`: no such family).
    async fn load_with_plan_contents(
        ctx: &Context<'_>,
        id: uuid::Uuid,
    ) -> AppResult<Option<Option<(family::Model, Option<plan::Model>)>>> {
        let viewer = viewer(ctx)?;
        let actions = [
            Action::ReadFamily { family_id: id },
            Action::ReadPlan { family_id: id },
        ];
        if !asks_for_plan_contents(ctx)
            || !actions
                .iter()
                .all(|a| access::decided_from_session(viewer, *a))
        {
            return Ok(None);
        }
        for action in actions {
            if !allows(ctx, action).await? {
                return Ok(None);
            }
        }
        let s = services(ctx)?;
        let ratings = request_state(ctx)?.ratings();
        let Some((family, current)) = plan_contents::read_with_family(&s.db, id, ratings).await?
        else {
            return Ok(Some(None));
        };
        let plan = match current {
            Some((plan, contents)) => {
                request_state(ctx)?.keep_contents(&plan, contents);
                Some(plan)
            }
            None => None,
        };
        Ok(Some(Some((family, plan))))
    }
}

/// Whether the selection reads what is in the family's plan (the fields [`Plan`] answers
/// from its view), which is then worth reading with the family.
fn asks_for_plan_contents(ctx: &Context<'_>) -> bool {
    let plan = ctx.look_ahead().field("plan");
    ["outcomes", "overdueActions", "history", "leadProfessional"]
        .iter()
        .any(|field| plan.field(field).exists())
}

#[Object]
impl Family {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Family, self.0.id)
    }

    /// The local authority's case reference.
    async fn reference(&self) -> &str {
        &self.0.reference
    }

    async fn local_area(&self) -> &str {
        &self.0.local_area
    }

    async fn need_level(&self, ctx: &Context<'_>) -> GqlResult<NeedLevel> {
        Ok(NeedLevel::new(ctx, self.0.need_level)?)
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Everyone in the household, in the order they were added.
    async fn members(&self, ctx: &Context<'_>) -> GqlResult<Vec<FamilyMember>> {
        let members = loaders(ctx)?
            .load_one(MembersOf(self.0.id))
            .await?
            .unwrap_or_default();
        let viewer = super::viewer(ctx)?;
        Ok(members
            .into_iter()
            .filter(|m| crate::access::visibility::may_see_member(viewer, m.id))
            .map(FamilyMember)
            .collect())
    }

    /// Consents given, current and past, newest first. Never rewritten: a withdrawal shows
    /// as WITHDRAWN.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn consents(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, Consent>> {
        authorize(
            ctx,
            Action::ReadConsents {
                family_id: self.0.id,
            },
        )
        .await?;
        let select = crate::domain::consent::of_family(self.0.id);
        Ok(Page::new(first, after)?
            .newest_first()
            .fetch(
                &services(ctx)?.db,
                select,
                consent::Column::Id,
                |c| c.id,
                Consent,
            )
            .await?)
    }

    /// The team around the family, in the order they joined; past members too if asked.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn team(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        include_past: Option<bool>,
    ) -> GqlResult<Connection<Cursor, TeamMembership>> {
        authorize(
            ctx,
            Action::ReadTeam {
                family_id: self.0.id,
            },
        )
        .await?;
        let select = crate::domain::team::of_family(self.0.id, include_past.unwrap_or(false));
        Ok(Page::new(first, after)?
            .fetch(
                &services(ctx)?.db,
                select,
                team_member::Column::Id,
                |m| m.id,
                TeamMembership,
            )
            .await?)
    }

    /// Who read or changed the family's information, and when, newest first. The family does
    /// not see entries of a safeguarding override withheld from them until it is reviewed.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn access_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, AccessLogEntry>> {
        Ok(access_log(ctx, self.0.id, first, after).await?)
    }

    /// The family's latest assessment, open or finalised.
    async fn assessment(&self, ctx: &Context<'_>) -> GqlResult<Option<Assessment>> {
        authorize(
            ctx,
            Action::ReadAssessment {
                family_id: self.0.id,
            },
        )
        .await?;
        let db = &services(ctx)?.db;
        Ok(assessment::latest(db, self.0.id).await?.map(Assessment))
    }

    /// The plan in progress (draft or active), if there is one.
    async fn plan(&self, ctx: &Context<'_>) -> GqlResult<Option<Inline<Plan>>> {
        authorize(
            ctx,
            Action::ReadPlan {
                family_id: self.0.id,
            },
        )
        .await?;
        let plan = match &self.1.0 {
            Some(read_with_the_family) => read_with_the_family.clone(),
            None => plans::current(&services(ctx)?.db, self.0.id).await?,
        };
        Ok(plan.map(|plan| Inline(Plan::new(plan))))
    }

    /// Every plan the family has had, the newest first, closed ones included.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn plans(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, Plan>> {
        authorize(
            ctx,
            Action::ReadPlan {
                family_id: self.0.id,
            },
        )
        .await?;
        Ok(Page::new(first, after)?
            .newest_first()
            .fetch(
                &services(ctx)?.db,
                plan_contents::of_family(self.0.id),
                entities::plan::Column::Id,
                |p| p.id,
                Plan::in_list,
            )
            .await?)
    }

    /// Feedback from the family and the team, newest first. Family members do not see a
    /// young person's private feedback (unless it is their own), anonymous feedback or
    /// practitioners' feedback; the team sees it all, anonymous feedback without the name.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn feedback(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, super::feedback::Feedback>> {
        Ok(super::feedback::family_feedback(ctx, self.0.id, first, after).await?)
    }

    /// What the family's young people want their worker to know, newest first. Private ones
    /// are read by the team and the young person who wrote them, not by the rest of the family.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn young_peoples_views(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, super::feedback::YoungPersonView>> {
        Ok(super::feedback::family_views(ctx, self.0.id, first, after).await?)
    }

    /// The family's lead professional nominations and their answers, newest first.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn lead_nominations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, super::lead::LeadNomination>> {
        Ok(super::lead::of_family(ctx, self.0.id, first, after).await?)
    }

    /// Team Around the Family meetings and reviews, newest first.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn meetings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, super::meeting::Meeting>> {
        Ok(super::meeting::of_family(ctx, self.0.id, first, after).await?)
    }

    /// Every step up or down the need levels, oldest first.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn need_level_history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, NeedLevelChange>> {
        let select = crate::domain::families::need_level_history(self.0.id);
        Ok(Page::new(first, after)?
            .fetch(
                &services(ctx)?.db,
                select,
                need_level_change::Column::Id,
                |c| c.id,
                NeedLevelChange,
            )
            .await?)
    }
}

/// A person in the family's household.
pub struct FamilyMember(pub family_member::Model);

impl FamilyMember {
    pub async fn load(ctx: &Context<'_>, id: uuid::Uuid) -> AppResult<Option<Self>> {
        let Some(model) = crate::domain::records::by_id::<entities::family_member::Entity>(
            &services(ctx)?.db,
            id,
        )
        .await?
        else {
            return Ok(None);
        };
        authorize(
            ctx,
            Action::ReadFamily {
                family_id: model.family_id,
            },
        )
        .await?;
        if !crate::access::visibility::may_see_member(super::viewer(ctx)?, model.id) {
            return Ok(None);
        }
        Ok(Some(Self(model)))
    }
}

// Named on every row of a plan screen: see `graphql::plan`, "Rows".
#[Object(serial)]
impl FamilyMember {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::FamilyMember, self.0.id)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn date_of_birth(&self) -> Date {
        Date(self.0.date_of_birth)
    }

    async fn relation(&self) -> FamilyRelation {
        self.0.relation.into()
    }

    /// A young person assessed as able to consent for their own information.
    async fn competent_to_consent(&self) -> bool {
        self.0.competent_to_consent
    }

    /// Whether this person can sign in to the app.
    async fn has_account(&self) -> bool {
        self.0.account_id.is_some()
    }

    /// The address the app's invitations go to; for hub workers.
    async fn email(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        Box::pin(async move {
            authorize(
                ctx,
                Action::ReadMemberEmail {
                    family_id: self.0.family_id,
                },
            )
            .await?;
            let Some(account_id) = self.0.account_id else {
                return Ok(None);
            };
            let account = crate::domain::records::by_id::<entities::account::Entity>(
                &services(ctx)?.db,
                account_id,
            )
            .await?;
            Ok(account.map(|a| a.email))
        })
        .await
    }

    /// For an adult of the household without parental responsibility: whether a parent has
    /// shared the family's plan with them (they read it, and have a say on what is about
    /// them, only then). Always false for parents and young people, who need no sharing.
    async fn plan_shared_with_them(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        let db = &services(ctx)?.db;
        Ok(Box::pin(crate::domain::household::in_force(db, self.0.id))
            .await?
            .is_some())
    }

    /// Issue 14: for an adult with parental responsibility, the children of the family they
    /// hold it for (it is held per child: in a step-family, perhaps not for all of them).
    async fn parental_responsibility_for(&self, ctx: &Context<'_>) -> GqlResult<Vec<FamilyMember>> {
        Box::pin(async move {
            authorize(
                ctx,
                Action::ReadFamily {
                    family_id: self.0.family_id,
                },
            )
            .await?;
            let db = &services(ctx)?.db;
            let children = crate::domain::responsibility::children_of(db, self.0.id).await?;
            let viewer = super::viewer(ctx)?;
            let mut found = vec![];
            for child in children {
                if !crate::access::visibility::may_see_member(viewer, child) {
                    continue;
                }
                if let Some(m) = loaders(ctx)?
                    .load_one(super::loaders::MemberById(child))
                    .await?
                {
                    found.push(FamilyMember(m));
                }
            }
            Ok(found)
        })
        .await
    }

    async fn family(&self, ctx: &Context<'_>) -> GqlResult<Family> {
        Ok(Box::pin(Family::load(ctx, self.0.family_id))
            .await?
            .ok_or(AppError::NotFound)?)
    }
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum NeedLevelDirection {
    /// The level set when the family record was opened.
    Initial,
    StepUp,
    StepDown,
}

/// One decision to move a family up or down the need levels.
pub struct NeedLevelChange(pub(super) need_level_change::Model);

impl NeedLevelChange {
    pub async fn load(ctx: &Context<'_>, id: uuid::Uuid) -> AppResult<Option<Self>> {
        let Some(model) = crate::domain::records::by_id::<entities::need_level_change::Entity>(
            &services(ctx)?.db,
            id,
        )
        .await?
        else {
            return Ok(None);
        };
        authorize(
            ctx,
            Action::ReadFamily {
                family_id: model.family_id,
            },
        )
        .await?;
        Ok(Some(Self(model)))
    }
}

#[Object]
impl NeedLevelChange {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::NeedLevelChange, self.0.id)
    }

    async fn from(&self, ctx: &Context<'_>) -> GqlResult<Option<NeedLevel>> {
        Ok(self
            .0
            .from_level
            .map(|l| NeedLevel::new(ctx, l))
            .transpose()?)
    }

    async fn to(&self, ctx: &Context<'_>) -> GqlResult<NeedLevel> {
        Ok(NeedLevel::new(ctx, self.0.to_level)?)
    }

    async fn direction(&self) -> NeedLevelDirection {
        match self.0.from_level {
            None => NeedLevelDirection::Initial,
            Some(from) if from < self.0.to_level => NeedLevelDirection::StepUp,
            Some(_) => NeedLevelDirection::StepDown,
        }
    }

    async fn reason(&self) -> &str {
        &self.0.reason
    }

    /// Who decided; empty when an operator set it from the command line.
    async fn decided_by(&self, ctx: &Context<'_>) -> GqlResult<Option<Practitioner>> {
        let Some(id) = self.0.decided_by else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .load_one(PractitionerById(id))
            .await?
            .map(Practitioner))
    }

    async fn decided_at(&self) -> DateTime<Utc> {
        self.0.decided_at
    }
}

/// A family's access log as the viewer may see it: in full for locality managers, without
/// withheld override entries for the family.
pub async fn access_log(
    ctx: &Context<'_>,
    family_id: uuid::Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Connection<Cursor, AccessLogEntry>> {
    let permit = authorize(ctx, Action::ReadAccessLog { family_id }).await?;
    let full = super::allows(ctx, Action::ReadFullAccessLog { family_id }).await?;
    let db = &services(ctx)?.db;
    let hidden = permit.reach().hidden();
    let select = crate::domain::audit::log_of(db, family_id, full, hidden).await?;
    Page::new(first, after)?
        .newest_first()
        .fetch(
            db,
            select,
            audit_entry::Column::Id,
            |e| e.id,
            AccessLogEntry,
        )
        .await
}
