//! The lead professional: nominate, accept, decline, and the locality manager's follow-up.
use super::super::lead::LeadNomination;
use super::super::plan::Plan;
use super::super::{if_still_readable, services, viewer};
use super::{input_id, split, write};
use crate::access::{self, Action};
use crate::domain::lead;
use crate::error::{AppResult, GqlResult, UserError};
use crate::graphql::ids::Kind;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entities::lead_nomination;
use uuid::Uuid;

#[derive(Default)]
pub struct LeadMutation;

#[derive(InputObject)]
pub struct NominateLeadProfessionalInput {
    pub family: ID,
    /// A practitioner on the family's team, or of an organisation the consent covers.
    pub practitioner: ID,
}

#[derive(InputObject)]
pub struct AcceptLeadNominationInput {
    pub nomination: ID,
}

#[derive(InputObject)]
pub struct DeclineLeadNominationInput {
    pub nomination: ID,
    /// Why; the family and the locality manager read it.
    pub reason: String,
}

#[derive(InputObject)]
pub struct FollowUpLeadNominationInput {
    /// A declined nomination, or one not answered in time.
    pub nomination: ID,
    /// Someone else to ask. Leave out to challenge a decline: the same practitioner is
    /// asked to reconsider.
    pub practitioner: Option<ID>,
    /// For the practitioner: why they are asked.
    pub note: String,
}

#[derive(SimpleObject)]
pub struct LeadNominationPayload {
    pub nomination: Option<LeadNomination>,
    /// The family's current plan, with its lead professional as it is now (null when there
    /// is none, or the viewer may not read it).
    pub plan: Option<Plan>,
    pub user_errors: Vec<UserError>,
}

impl LeadNominationPayload {
    async fn of(
        ctx: &Context<'_>,
        family_id: Uuid,
        (nomination, user_errors): (Option<lead_nomination::Model>, Vec<UserError>),
    ) -> GqlResult<Self> {
        Ok(Self {
            nomination: nomination.map(LeadNomination),
            plan: if_still_readable(Plan::current(ctx, family_id)).await?,
            user_errors,
        })
    }

    fn refused(user_errors: Vec<UserError>) -> Self {
        Self {
            nomination: None,
            plan: None,
            user_errors,
        }
    }
}

/// The nomination an input names.
async fn nomination(ctx: &Context<'_>, id: &ID) -> AppResult<lead_nomination::Model> {
    let id = input_id(id, Kind::LeadNomination, "nomination")?;
    lead::find(&services(ctx)?.db, id).await
}

#[Object]
impl LeadMutation {
    /// A family adult asks a practitioner to be the family's lead professional. The
    /// practitioner is emailed, and has a few working days to answer. A nomination still
    /// waiting for an answer is withdrawn.
    async fn nominate_lead_professional(
        &self,
        ctx: &Context<'_>,
        input: NominateLeadProfessionalInput,
    ) -> GqlResult<LeadNominationPayload> {
        let family_id = crate::graphql::ids::decode(&input.family, Kind::Family)?;
        let action = Action::NominateLead { family_id };
        let s = services(ctx)?;
        let days = s.settings.lead_answer_working_days;
        let result = write(ctx, action, async |txn, permit| {
            let practitioner_id =
                input_id(&input.practitioner, Kind::Practitioner, "practitioner")?;
            let new = lead::Nomination {
                family_id,
                practitioner_id,
                challenge_of: None,
                manager_note: None,
                answer_within_days: days,
            };
            lead::nominate(txn, new, permit).await
        })
        .await?;
        LeadNominationPayload::of(ctx, family_id, result).await
    }

    /// The nominee accepts: they join the team if needed, and become the plan's lead
    /// professional; a draft plan becomes active. The family is emailed.
    async fn accept_lead_nomination(
        &self,
        ctx: &Context<'_>,
        input: AcceptLeadNominationInput,
    ) -> GqlResult<LeadNominationPayload> {
        self.answer(ctx, &input.nomination, None).await
    }

    /// The nominee declines, with a reason the family and the locality manager read. The
    /// family is emailed.
    async fn decline_lead_nomination(
        &self,
        ctx: &Context<'_>,
        input: DeclineLeadNominationInput,
    ) -> GqlResult<LeadNominationPayload> {
        self.answer(ctx, &input.nomination, Some(&input.reason))
            .await
    }

    /// A locality manager follows up a decline or a missed deadline: challenges the decline
    /// (the same practitioner is asked again) or asks another practitioner.
    async fn follow_up_lead_nomination(
        &self,
        ctx: &Context<'_>,
        input: FollowUpLeadNominationInput,
    ) -> GqlResult<LeadNominationPayload> {
        let action = Action::FollowUpLeadNominations;
        let s = services(ctx)?;
        let days = s.settings.lead_answer_working_days;
        let result = write(ctx, action, async |txn, permit| {
            let nomination = input_id(&input.nomination, Kind::LeadNomination, "nomination")?;
            let another = input
                .practitioner
                .as_ref()
                .map(|p| input_id(p, Kind::Practitioner, "practitioner"))
                .transpose()?;
            lead::follow_up(txn, nomination, another, &input.note, days, permit).await
        })
        .await?;
        match result.0.as_ref().map(|n| n.family_id) {
            Some(family_id) => LeadNominationPayload::of(ctx, family_id, result).await,
            None => Ok(LeadNominationPayload::refused(result.1)),
        }
    }
}

impl LeadMutation {
    /// Accepts (`reason` None) or declines.
    async fn answer(
        &self,
        ctx: &Context<'_>,
        id: &ID,
        reason: Option<&str>,
    ) -> GqlResult<LeadNominationPayload> {
        let found = match split(nomination(ctx, id).await)? {
            (Some(found), _) => found,
            (None, errors) => return Ok(LeadNominationPayload::refused(errors)),
        };
        let is_nominee = access::visibility::is_practitioner(viewer(ctx)?, found.practitioner_id);
        let action = Action::AnswerLeadNomination {
            family_id: found.family_id,
            is_nominee,
            accepting: reason.is_none(),
        };
        let result = write(ctx, action, async |txn, permit| match reason {
            None => lead::accept(txn, found.id, permit).await,
            Some(reason) => lead::decline(txn, found.id, reason, permit).await,
        })
        .await?;
        LeadNominationPayload::of(ctx, found.family_id, result).await
    }
}
