//! The team around the family.
use super::super::consent::TeamMembership;
use super::super::viewer;
use super::{input_id, write};
use crate::access::Action;
use crate::domain::team;
use crate::error::{GqlResult, UserError};
use crate::graphql::ids::{self, Kind};
use crate::viewer::Viewer;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

#[derive(Default)]
pub struct TeamMutation;

#[derive(InputObject)]
pub struct AddTeamMemberInput {
    pub family: ID,
    pub practitioner: ID,
}

#[derive(InputObject)]
pub struct RemoveTeamMemberInput {
    pub family: ID,
    pub practitioner: ID,
    /// Why; the family and the team read it.
    pub reason: String,
}

#[derive(InputObject)]
pub struct LeaveTeamInput {
    pub family: ID,
    pub reason: Option<String>,
}

#[derive(SimpleObject)]
pub struct TeamMembershipPayload {
    pub membership: Option<TeamMembership>,
    pub user_errors: Vec<UserError>,
}

#[Object]
impl TeamMutation {
    /// Adds a practitioner to the family's team. Their organisation must be covered by the
    /// family's consent.
    async fn add_team_member(
        &self,
        ctx: &Context<'_>,
        input: AddTeamMemberInput,
    ) -> GqlResult<TeamMembershipPayload> {
        let family_id = ids::decode(&input.family, Kind::Family)?;
        let action = Action::ManageTeam { family_id };
        let (membership, user_errors) = write(ctx, action, async |txn, permit| {
            let practitioner_id =
                input_id(&input.practitioner, Kind::Practitioner, "practitioner")?;
            team::add(txn, family_id, practitioner_id, permit).await
        })
        .await?;
        Ok(TeamMembershipPayload {
            membership: membership.map(TeamMembership),
            user_errors,
        })
    }

    /// Removes a practitioner from the family's team, with the reason.
    async fn remove_team_member(
        &self,
        ctx: &Context<'_>,
        input: RemoveTeamMemberInput,
    ) -> GqlResult<TeamMembershipPayload> {
        let family_id = ids::decode(&input.family, Kind::Family)?;
        let action = Action::ManageTeam { family_id };
        let (membership, user_errors) = write(ctx, action, async |txn, permit| {
            let practitioner_id =
                input_id(&input.practitioner, Kind::Practitioner, "practitioner")?;
            team::end(txn, family_id, practitioner_id, Some(&input.reason), permit).await
        })
        .await?;
        Ok(TeamMembershipPayload {
            membership: membership.map(TeamMembership),
            user_errors,
        })
    }

    /// The signed-in practitioner leaves the family's team.
    async fn leave_team(
        &self,
        ctx: &Context<'_>,
        input: LeaveTeamInput,
    ) -> GqlResult<TeamMembershipPayload> {
        let family_id = ids::decode(&input.family, Kind::Family)?;
        let action = Action::LeaveTeam { family_id };
        let Viewer::Practitioner(me) = viewer(ctx)? else {
            return Err(crate::graphql::refusal(viewer(ctx)?).into());
        };
        let reason = input.reason.as_deref();
        let (membership, user_errors) = write(ctx, action, async |txn, permit| {
            team::end(txn, family_id, me.practitioner_id, reason, permit).await
        })
        .await?;
        Ok(TeamMembershipPayload {
            membership: membership.map(TeamMembership),
            user_errors,
        })
    }
}
