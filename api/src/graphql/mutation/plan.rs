//! The plan: start, review date, close; outcomes in the family's words; practitioners'
//! proposals and notes; progress ratings; actions. Every change names the plan version it
//! was based on; a stale one is refused with STALE_VERSION, the plan as it is now, and no
//! change. Payloads always carry the current plan.
use super::super::plan::{Outcome, Plan, PlanAction};
use super::super::{services, viewer};
use super::{input_ids, write};
use crate::access::{Action, Permit, visibility};
use crate::domain::actions::{self, Assignee, NewAction};
use crate::domain::outcomes::{self, Amendment, Move, NewOutcome};
use crate::domain::plans;
use crate::error::{AppError, AppResult, GqlResult, UserError, UserErrorCode};
use crate::graphql::ids::{self, Kind};
use crate::graphql::scalars::Date;
use crate::viewer::Viewer;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use uuid::Uuid;

#[derive(Default)]
pub struct PlanMutation;

#[derive(InputObject)]
pub struct StartPlanInput {
    pub family: ID,
}

#[derive(InputObject)]
pub struct SetPlanReviewDateInput {
    pub plan: ID,
    pub expected_version: i32,
    pub review_date: Date,
}

#[derive(InputObject)]
pub struct ClosePlanInput {
    pub plan: ID,
    pub expected_version: i32,
    /// How things stand as the plan closes.
    pub summary: String,
}

#[derive(InputObject)]
pub struct WriteOutcomeInput {
    pub plan: ID,
    /// The plan version you started from.
    pub expected_version: i32,
    /// The outcome, in your own words.
    pub words: String,
    /// The code of an area from `outcomeFramework`.
    pub area: String,
    /// Family members it is for; leave empty for the whole family.
    #[graphql(name = "for", default)]
    pub for_members: Vec<ID>,
    pub target_date: Option<Date>,
}

#[derive(InputObject)]
pub struct AmendOutcomeInput {
    pub outcome: ID,
    pub expected_version: i32,
    pub words: Option<String>,
    pub area: Option<String>,
    #[graphql(name = "for")]
    pub for_members: Option<Vec<ID>>,
    pub target_date: Option<Date>,
    /// Set to remove the target date.
    #[graphql(default)]
    pub clear_target_date: bool,
}

#[derive(InputObject)]
pub struct OutcomeStepInput {
    pub outcome: ID,
    pub expected_version: i32,
    /// Why, if you would like to say; the team reads it.
    pub reason: Option<String>,
}

#[derive(InputObject)]
pub struct RecordOutcomeResultInput {
    pub outcome: ID,
    pub expected_version: i32,
    pub achieved: bool,
}

#[derive(InputObject)]
pub struct ReorderOutcomesInput {
    pub plan: ID,
    pub expected_version: i32,
    /// Every outcome of the plan, in the order of priority you want.
    pub outcomes: Vec<ID>,
}

#[derive(InputObject)]
pub struct AddOutcomeNoteInput {
    pub outcome: ID,
    pub expected_version: i32,
    pub body: String,
}

#[derive(InputObject)]
pub struct RateProgressInput {
    pub outcome: ID,
    pub expected_version: i32,
    /// 1 (not started) to 10 (achieved).
    pub score: i32,
    pub comment: Option<String>,
}

#[derive(InputObject)]
pub struct AddActionInput {
    pub outcome: ID,
    pub expected_version: i32,
    /// What needs doing.
    pub description: String,
    /// A practitioner on the family's team, or a member of the family.
    pub assignee: ID,
    pub due_date: Option<Date>,
    /// A local service from the directory the step points at (issue 17).
    pub service: Option<ID>,
}

#[derive(InputObject)]
pub struct MarkActionDoneInput {
    pub action: ID,
    pub expected_version: i32,
    /// False to mark it not done after all.
    #[graphql(default = true)]
    pub done: bool,
}

#[derive(SimpleObject)]
pub struct PlanPayload {
    /// The plan as it is now: after the change, or unchanged when the change was refused.
    pub plan: Option<Plan>,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct OutcomePayload {
    pub outcome: Option<Outcome>,
    /// The plan as it is now: after the change, or unchanged when the change was refused.
    pub plan: Option<Plan>,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct PlanActionPayload {
    pub action: Option<PlanAction>,
    /// The plan as it is now: after the change, or unchanged when the change was refused.
    pub plan: Option<Plan>,
    pub user_errors: Vec<UserError>,
}

async fn plan_payload(
    ctx: &Context<'_>,
    plan_id: Uuid,
    user_errors: Vec<UserError>,
) -> GqlResult<PlanPayload> {
    Ok(PlanPayload {
        plan: Plan::load(ctx, plan_id).await?,
        user_errors,
    })
}

async fn outcome_payload(
    ctx: &Context<'_>,
    plan_id: Uuid,
    outcome_id: Option<Uuid>,
    user_errors: Vec<UserError>,
) -> GqlResult<OutcomePayload> {
    let outcome = match outcome_id {
        Some(id) => Outcome::load(ctx, id).await?,
        None => None,
    };
    Ok(OutcomePayload {
        outcome,
        plan: Plan::load(ctx, plan_id).await?,
        user_errors,
    })
}

/// The plan named in an input, and its family.
async fn plan_target(ctx: &Context<'_>, id: &ID) -> AppResult<entities::plan::Model> {
    let plan_id = ids::decode(id, Kind::Plan)?;
    plan_by_id(ctx, plan_id).await
}

async fn plan_by_id(ctx: &Context<'_>, plan_id: Uuid) -> AppResult<entities::plan::Model> {
    signed_in(ctx)?;
    crate::domain::plan_contents::plan(&services(ctx)?.db, plan_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The outcome named in an input: its family, plan, and whether it is about the viewer;
/// the outcome and its members as read, for a change that needs them.
struct OutcomeTarget {
    id: Uuid,
    family_id: Uuid,
    plan_id: Uuid,
    for_viewer: bool,
    outcome: entities::outcome::Model,
    members: Vec<Uuid>,
}

async fn outcome_target(ctx: &Context<'_>, id: &ID) -> AppResult<OutcomeTarget> {
    signed_in(ctx)?;
    let id = ids::decode(id, Kind::Outcome)?;
    let db = &services(ctx)?.db;
    let outcome = outcomes::find(db, id).await?;
    let members = outcomes::members_of(db, id).await?;
    Ok(OutcomeTarget {
        id,
        family_id: outcome.family_id,
        plan_id: outcome.plan_id,
        for_viewer: visibility::is_about_viewer(viewer(ctx)?, &members),
        outcome,
        members,
    })
}

impl OutcomeTarget {
    /// Issue 14: a practitioner acts on an outcome about a young person who decides for
    /// themselves only with that young person's consent (the permit's reach).
    /// Issue 14: to an adult a restriction keeps from a child, the child's outcomes do not
    /// exist.
    fn in_reach(&self, permit: &Permit) -> AppResult<()> {
        in_reach(permit, &self.members)
    }

    /// Issue 14: the family's decisions (choose, shape, settle) about an outcome only about
    /// children the adult holds no parental responsibility for are not theirs.
    fn decided_by(&self, permit: &Permit) -> AppResult<()> {
        self.in_reach(permit)?;
        decided_by(permit, &self.members)
    }
}

fn in_reach(permit: &Permit, members: &[Uuid]) -> AppResult<()> {
    match (permit.reach().about(members), permit.actor().member_id()) {
        (true, _) => Ok(()),
        (false, Some(_)) => Err(AppError::NotFound),
        (false, None) => Err(AppError::ConsentRequired),
    }
}

fn decided_by(permit: &Permit, members: &[Uuid]) -> AppResult<()> {
    if permit.reach().decides_for(members) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Anonymous callers learn nothing, not even whether an ID exists.
fn signed_in(ctx: &Context<'_>) -> AppResult<()> {
    match viewer(ctx)? {
        Viewer::Anonymous => Err(AppError::Unauthenticated),
        _ => Ok(()),
    }
}

impl PlanMutation {
    /// A family member writes an outcome, or a practitioner proposes one.
    async fn write_outcome(
        ctx: &Context<'_>,
        input: WriteOutcomeInput,
        by_family: bool,
    ) -> GqlResult<OutcomePayload> {
        let plan = plan_target(ctx, &input.plan).await?;
        let family_id = plan.family_id;
        let for_members = input_ids(&input.for_members, Kind::FamilyMember, "for");
        let action = if by_family {
            // A young person may write an outcome about themselves alone.
            let me = viewer(ctx)?;
            let only_me = for_members
                .as_ref()
                .is_ok_and(|members| visibility::only_about_viewer(me, members));
            Action::ShapeOutcome {
                family_id,
                for_viewer: only_me,
            }
        } else {
            Action::AdviseOnPlan { family_id }
        };
        let framework = &services(ctx)?.settings.outcome_framework;
        let (outcome, errors) = write(ctx, action, async |txn, permit| {
            let for_members = for_members?;
            if by_family {
                decided_by(permit, &for_members).map_err(|_| {
                    AppError::invalid(
                        &["for"],
                        UserErrorCode::NotFound,
                        "You can write outcomes about yourself, the whole family or the children you have parental responsibility for.",
                    )
                })?;
            }
            let new = NewOutcome {
                words: &input.words,
                area_code: &input.area,
                for_members: &for_members,
                target_date: input.target_date.map(|d| d.0),
            };
            outcomes::add(txn, framework, plan.id, input.expected_version, new, permit).await
        })
        .await?;
        outcome_payload(ctx, plan.id, outcome.map(|o| o.id), errors).await
    }

    /// Moves an outcome's status: the family chooses, declines or withdraws; the family or
    /// the lead professional records the result.
    async fn step(
        ctx: &Context<'_>,
        outcome: &ID,
        expected_version: i32,
        step: Move,
        reason: Option<&str>,
    ) -> GqlResult<OutcomePayload> {
        let target = outcome_target(ctx, outcome).await?;
        let action = match step {
            Move::Achieved | Move::NotAchieved => Action::SettleOutcome {
                family_id: target.family_id,
                for_viewer: target.for_viewer,
            },
            Move::Choose | Move::Decline | Move::Withdraw => Action::ShapeOutcome {
                family_id: target.family_id,
                for_viewer: target.for_viewer,
            },
        };
        let (_, errors) = write(ctx, action, async |txn, permit| {
            target.decided_by(permit)?;
            outcomes::move_to(txn, target.id, expected_version, step, reason, permit).await
        })
        .await?;
        outcome_payload(ctx, target.plan_id, Some(target.id), errors).await
    }
}

#[Object]
impl PlanMutation {
    /// Starts the family's plan as a draft. It becomes active when a lead professional the
    /// family nominated accepts.
    async fn start_plan(&self, ctx: &Context<'_>, input: StartPlanInput) -> GqlResult<PlanPayload> {
        let family_id = ids::decode(&input.family, Kind::Family)?;
        let action = Action::StartPlanOrAssessment { family_id };
        let (plan, errors) = write(ctx, action, async |txn, permit| {
            plans::start(txn, family_id, permit).await
        })
        .await?;
        let plan = match plan {
            Some(plan) => Some(plan),
            None => plans::current(&services(ctx)?.db, family_id).await?,
        };
        let plan = match plan {
            Some(plan) => Some(Plan::readable(ctx, plan).await?),
            None => None,
        };
        Ok(PlanPayload {
            plan,
            user_errors: errors,
        })
    }

    /// The lead professional sets the date of the next review.
    async fn set_plan_review_date(
        &self,
        ctx: &Context<'_>,
        input: SetPlanReviewDateInput,
    ) -> GqlResult<PlanPayload> {
        let plan = plan_target(ctx, &input.plan).await?;
        let action = Action::LeadPlan {
            family_id: plan.family_id,
        };
        let (_, errors) = write(ctx, action, async |txn, permit| {
            plans::set_review_date(
                txn,
                plan.id,
                input.expected_version,
                input.review_date.0,
                permit,
            )
            .await
        })
        .await?;
        plan_payload(ctx, plan.id, errors).await
    }

    /// The lead professional closes the plan.
    async fn close_plan(&self, ctx: &Context<'_>, input: ClosePlanInput) -> GqlResult<PlanPayload> {
        let plan = plan_target(ctx, &input.plan).await?;
        let action = Action::LeadPlan {
            family_id: plan.family_id,
        };
        let (_, errors) = write(ctx, action, async |txn, permit| {
            plans::close(txn, plan.id, input.expected_version, &input.summary, permit).await
        })
        .await?;
        plan_payload(ctx, plan.id, errors).await
    }

    /// A family member writes an outcome in their own words; it is in the plan at once.
    async fn add_outcome(
        &self,
        ctx: &Context<'_>,
        input: WriteOutcomeInput,
    ) -> GqlResult<OutcomePayload> {
        Self::write_outcome(ctx, input, true).await
    }

    /// A practitioner proposes an outcome; the family chooses or declines it.
    async fn propose_outcome(
        &self,
        ctx: &Context<'_>,
        input: WriteOutcomeInput,
    ) -> GqlResult<OutcomePayload> {
        Self::write_outcome(ctx, input, false).await
    }

    /// A family member changes an outcome's words, area, who it is for or target date. The
    /// words before are kept in the outcome's history.
    async fn amend_outcome(
        &self,
        ctx: &Context<'_>,
        input: AmendOutcomeInput,
    ) -> GqlResult<OutcomePayload> {
        let target = outcome_target(ctx, &input.outcome).await?;
        let action = Action::ShapeOutcome {
            family_id: target.family_id,
            for_viewer: target.for_viewer,
        };
        let framework = &services(ctx)?.settings.outcome_framework;
        let (amended, errors) = write(ctx, action, async |txn, permit| {
            target.decided_by(permit)?;
            let for_members = input
                .for_members
                .as_deref()
                .map(|m| input_ids(m, Kind::FamilyMember, "for"))
                .transpose()?;
            if input.clear_target_date && input.target_date.is_some() {
                return Err(AppError::invalid(
                    &["clearTargetDate"],
                    UserErrorCode::Invalid,
                    "Give a new target date or clear it, not both.",
                ));
            }
            let change = Amendment {
                words: input.words.as_deref(),
                area_code: input.area.as_deref(),
                for_members: for_members.as_deref(),
                target_date: if input.clear_target_date {
                    Some(None)
                } else {
                    input.target_date.map(|d| Some(d.0))
                },
            };
            outcomes::amend(
                txn,
                framework,
                (&target.outcome, &target.members),
                input.expected_version,
                change,
                permit,
            )
            .await
        })
        .await?;
        let Some(amended) = amended else {
            // Refused: the outcome and plan as they are now, perhaps changed by someone else.
            return outcome_payload(ctx, target.plan_id, Some(target.id), errors).await;
        };
        // Amended: the row as written, and the plan read once.
        let plan = plan_by_id(ctx, target.plan_id).await?;
        Ok(OutcomePayload {
            outcome: Some(Outcome::with_plan(ctx, amended, &plan).await?),
            plan: Some(Plan::readable(ctx, plan).await?),
            user_errors: errors,
        })
    }

    /// A family member chooses an outcome into the plan (a practitioner's proposal).
    async fn choose_outcome(
        &self,
        ctx: &Context<'_>,
        input: OutcomeStepInput,
    ) -> GqlResult<OutcomePayload> {
        let reason = input.reason.as_deref();
        Self::step(
            ctx,
            &input.outcome,
            input.expected_version,
            Move::Choose,
            reason,
        )
        .await
    }

    /// A family member declines a practitioner's proposal, optionally saying why.
    async fn decline_outcome(
        &self,
        ctx: &Context<'_>,
        input: OutcomeStepInput,
    ) -> GqlResult<OutcomePayload> {
        let reason = input.reason.as_deref();
        Self::step(
            ctx,
            &input.outcome,
            input.expected_version,
            Move::Decline,
            reason,
        )
        .await
    }

    /// A family member takes an outcome out of the plan.
    async fn withdraw_outcome(
        &self,
        ctx: &Context<'_>,
        input: OutcomeStepInput,
    ) -> GqlResult<OutcomePayload> {
        let reason = input.reason.as_deref();
        Self::step(
            ctx,
            &input.outcome,
            input.expected_version,
            Move::Withdraw,
            reason,
        )
        .await
    }

    /// The family or the lead professional records whether a chosen outcome was achieved.
    async fn record_outcome_result(
        &self,
        ctx: &Context<'_>,
        input: RecordOutcomeResultInput,
    ) -> GqlResult<OutcomePayload> {
        let step = if input.achieved {
            Move::Achieved
        } else {
            Move::NotAchieved
        };
        Self::step(ctx, &input.outcome, input.expected_version, step, None).await
    }

    /// A family adult puts the outcomes in their order of priority.
    async fn reorder_outcomes(
        &self,
        ctx: &Context<'_>,
        input: ReorderOutcomesInput,
    ) -> GqlResult<PlanPayload> {
        let plan = plan_target(ctx, &input.plan).await?;
        let action = Action::ShapeOutcome {
            family_id: plan.family_id,
            for_viewer: false,
        };
        let (_, errors) = write(ctx, action, async |txn, permit| {
            let ordered = input_ids(&input.outcomes, Kind::Outcome, "outcomes")?;
            outcomes::reorder(txn, plan.id, input.expected_version, &ordered, permit).await
        })
        .await?;
        plan_payload(ctx, plan.id, errors).await
    }

    /// A practitioner adds a note beside the family's words (never changing them).
    async fn add_outcome_note(
        &self,
        ctx: &Context<'_>,
        input: AddOutcomeNoteInput,
    ) -> GqlResult<OutcomePayload> {
        let target = outcome_target(ctx, &input.outcome).await?;
        let action = Action::AdviseOnPlan {
            family_id: target.family_id,
        };
        let (_, errors) = write(ctx, action, async |txn, permit| {
            target.in_reach(permit)?;
            outcomes::add_note(txn, target.id, input.expected_version, &input.body, permit).await
        })
        .await?;
        outcome_payload(ctx, target.plan_id, Some(target.id), errors).await
    }

    /// Rates progress towards a chosen outcome: family members give the family's rating,
    /// practitioners theirs; both are shown side by side.
    async fn rate_progress(
        &self,
        ctx: &Context<'_>,
        input: RateProgressInput,
    ) -> GqlResult<OutcomePayload> {
        let target = outcome_target(ctx, &input.outcome).await?;
        let action = Action::WorkOnOutcome {
            family_id: target.family_id,
            for_viewer: target.for_viewer,
        };
        let (_, errors) = write(ctx, action, async |txn, permit| {
            target.in_reach(permit)?;
            outcomes::rate(
                txn,
                target.id,
                input.expected_version,
                input.score,
                input.comment.as_deref(),
                permit,
            )
            .await
        })
        .await?;
        outcome_payload(ctx, target.plan_id, Some(target.id), errors).await
    }

    /// Adds a step towards a chosen outcome, for a practitioner on the team or a family member.
    async fn add_action(
        &self,
        ctx: &Context<'_>,
        input: AddActionInput,
    ) -> GqlResult<PlanActionPayload> {
        let target = outcome_target(ctx, &input.outcome).await?;
        let action = Action::WorkOnOutcome {
            family_id: target.family_id,
            for_viewer: target.for_viewer,
        };
        let (action, errors) = write(ctx, action, async |txn, permit| {
            target.in_reach(permit)?;
            let assignee = match ids::decode_any(&input.assignee) {
                Ok((Kind::Practitioner, id)) => Assignee::Practitioner(id),
                Ok((Kind::FamilyMember, id)) => Assignee::Member(id),
                _ => {
                    return Err(AppError::invalid(
                        &["assignee"],
                        UserErrorCode::Invalid,
                        "Please choose a practitioner or a family member.",
                    ));
                }
            };
            let service = match &input.service {
                Some(id) => Some(ids::decode(id, Kind::LocalService).map_err(|_| {
                    AppError::invalid(
                        &["service"],
                        UserErrorCode::Invalid,
                        "Please choose a service from the directory.",
                    )
                })?),
                None => None,
            };
            let new = NewAction {
                description: &input.description,
                assignee,
                due_date: input.due_date.map(|d| d.0),
                service,
            };
            actions::add(txn, target.id, input.expected_version, new, permit).await
        })
        .await?;
        Ok(PlanActionPayload {
            action: match action {
                Some(a) => PlanAction::load(ctx, a.id).await?,
                None => None,
            },
            plan: Plan::load(ctx, target.plan_id).await?,
            user_errors: errors,
        })
    }

    /// Marks an action done (or not done after all).
    async fn mark_action_done(
        &self,
        ctx: &Context<'_>,
        input: MarkActionDoneInput,
    ) -> GqlResult<PlanActionPayload> {
        signed_in(ctx)?;
        let action_id = ids::decode(&input.action, Kind::PlanAction)?;
        let action = actions::find(&services(ctx)?.db, action_id).await?;
        let target = outcome_target(ctx, &ids::encode(Kind::Outcome, action.outcome_id)).await?;
        let action = Action::WorkOnOutcome {
            family_id: target.family_id,
            for_viewer: target.for_viewer,
        };
        let (_, errors) = write(ctx, action, async |txn, permit| {
            target.in_reach(permit)?;
            actions::set_done(txn, action_id, input.expected_version, input.done, permit).await
        })
        .await?;
        Ok(PlanActionPayload {
            action: PlanAction::load(ctx, action_id).await?,
            plan: Plan::load(ctx, target.plan_id).await?,
            user_errors: errors,
        })
    }
}
