//! Family records: opening one, adding members, stepping need levels up and down.
use super::super::family::{Family, FamilyMember, FamilyRelation, NeedLevelChange};
use super::super::if_still_readable;
use super::super::scalars::Date;
use super::{input_ids, write};
use crate::access::Action;
use crate::domain::{families, household};
use crate::error::{GqlResult, UserError};
use crate::graphql::ids::{self, Kind};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

#[derive(Default)]
pub struct FamilyMutation;

#[derive(InputObject)]
pub struct CreateFamilyInput {
    /// The local authority's case reference; unique.
    pub reference: String,
    pub local_area: String,
    /// Starting need level, 1 to 4.
    pub need_level: i32,
}

#[derive(SimpleObject)]
pub struct CreateFamilyPayload {
    pub family: Option<Family>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct AddFamilyMemberInput {
    pub family: ID,
    pub name: String,
    pub date_of_birth: Date,
    pub relation: FamilyRelation,
    /// Give one when the person will sign in to the app.
    pub email: Option<String>,
    /// Issue 14: for a child, the adults of the family who hold parental responsibility
    /// for them; for an adult with parental responsibility, the children they hold it for.
    /// Left out: every adult with parental responsibility (every child).
    pub parental_responsibility_with: Option<Vec<ID>>,
}

#[derive(SimpleObject)]
pub struct AddFamilyMemberPayload {
    pub member: Option<FamilyMember>,
    /// The family, with its members as they are now.
    pub family: Option<Family>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct HouseholdSharingInput {
    /// An adult of the household without parental responsibility.
    pub member: ID,
}

#[derive(SimpleObject)]
pub struct HouseholdSharingPayload {
    /// The person, with `planSharedWithThem` as it is now.
    pub member: Option<FamilyMember>,
    /// The family, as it is now.
    pub family: Option<Family>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct ChangeNeedLevelInput {
    pub family: ID,
    /// The new level, 1 to 4.
    pub level: i32,
    /// Why: kept in the family's history for everyone who reads it later.
    pub reason: String,
}

#[derive(SimpleObject)]
pub struct ChangeNeedLevelPayload {
    pub family: Option<Family>,
    pub change: Option<NeedLevelChange>,
    pub user_errors: Vec<UserError>,
}

/// Out-of-range numbers become the domain's range error rather than wrapping round.
fn level(value: i32) -> i16 {
    i16::try_from(value).unwrap_or(i16::MAX)
}

#[Object]
impl FamilyMutation {
    /// Opens a family record. Hub workers.
    async fn create_family(
        &self,
        ctx: &Context<'_>,
        input: CreateFamilyInput,
    ) -> GqlResult<CreateFamilyPayload> {
        let action = Action::CreateFamily;
        let new = families::NewFamily {
            reference: &input.reference,
            local_area: &input.local_area,
            need_level: level(input.need_level),
            decided_by: super::super::viewer(ctx)?.practitioner_id(),
        };
        let (family, user_errors) = write(ctx, action, async |txn, permit| {
            families::create(txn, new, permit).await
        })
        .await?;
        let family = match family {
            Some(f) => Some(Family::readable(ctx, f).await?),
            None => None,
        };
        Ok(CreateFamilyPayload {
            family,
            user_errors,
        })
    }

    /// Adds a person to a family record. Hub workers, and practitioners on the team with consent.
    async fn add_family_member(
        &self,
        ctx: &Context<'_>,
        input: AddFamilyMemberInput,
    ) -> GqlResult<AddFamilyMemberPayload> {
        let family_id = ids::decode(&input.family, Kind::Family)?;
        let action = Action::AddFamilyMember { family_id };
        let (member, user_errors) = write(ctx, action, async |txn, permit| {
            let with = input
                .parental_responsibility_with
                .as_deref()
                .map(|w| input_ids(w, Kind::FamilyMember, "parentalResponsibilityWith"))
                .transpose()?;
            let new = families::NewMember {
                family_id,
                name: &input.name,
                date_of_birth: input.date_of_birth.0,
                relation: input.relation.into(),
                email: input.email.as_deref(),
                parental_responsibility_with: with.as_deref(),
            };
            families::add_member(txn, new, permit).await
        })
        .await?;
        Ok(AddFamilyMemberPayload {
            member: member.map(FamilyMember),
            family: if_still_readable(Family::load(ctx, family_id)).await?,
            user_errors,
        })
    }

    /// Steps a family up or down the need levels, with the reason. Hub workers.
    async fn change_need_level(
        &self,
        ctx: &Context<'_>,
        input: ChangeNeedLevelInput,
    ) -> GqlResult<ChangeNeedLevelPayload> {
        let family_id = ids::decode(&input.family, Kind::Family)?;
        let action = Action::ChangeNeedLevel { family_id };
        let (changed, user_errors) = write(ctx, action, async |txn, permit| {
            families::change_need_level(txn, family_id, level(input.level), &input.reason, permit)
                .await
        })
        .await?;
        let (family, change) = match changed {
            Some((family, change)) => (
                Some(Family::readable(ctx, family).await?),
                Some(NeedLevelChange(change)),
            ),
            None => (None, None),
        };
        Ok(ChangeNeedLevelPayload {
            family,
            change,
            user_errors,
        })
    }

    /// A parent or carer with parental responsibility shares the family's plan with an adult
    /// of the household who has none (a grandparent, a new partner). They can then read the
    /// plan and add their own outcomes and views; they decide nothing for the family.
    async fn share_with_household_member(
        &self,
        ctx: &Context<'_>,
        input: HouseholdSharingInput,
    ) -> GqlResult<HouseholdSharingPayload> {
        Self::household_sharing(ctx, input, true).await
    }

    /// Stops sharing the plan with an adult of the household, with effect on their next
    /// request.
    async fn stop_sharing_with_household_member(
        &self,
        ctx: &Context<'_>,
        input: HouseholdSharingInput,
    ) -> GqlResult<HouseholdSharingPayload> {
        Self::household_sharing(ctx, input, false).await
    }
}

impl FamilyMutation {
    async fn household_sharing(
        ctx: &Context<'_>,
        input: HouseholdSharingInput,
        share: bool,
    ) -> GqlResult<HouseholdSharingPayload> {
        let member_id = ids::decode(&input.member, Kind::FamilyMember)?;
        let viewer = super::super::viewer(ctx)?;
        if matches!(viewer, crate::viewer::Viewer::Anonymous) {
            return Err(crate::error::AppError::Unauthenticated.into());
        }
        let target = families::member(&super::super::services(ctx)?.db, member_id).await?;
        let action = Action::ShareWithHousehold {
            family_id: target.family_id,
        };
        let (member, user_errors) = write(ctx, action, async |txn, permit| {
            if share {
                household::share(txn, permit, member_id).await
            } else {
                household::stop(txn, permit, member_id).await
            }
        })
        .await?;
        Ok(HouseholdSharingPayload {
            member: member.map(FamilyMember),
            family: if_still_readable(Family::load(ctx, target.family_id)).await?,
            user_errors,
        })
    }
}
