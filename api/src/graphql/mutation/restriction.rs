//! Issue 14: restrictions and parental responsibility per adult–child pair.
use super::super::family::{Family, FamilyMember};
use super::super::restriction::{Restriction, RestrictionKind};
use super::super::scalars::Date;
use super::super::services;
use super::{input_id, write};
use crate::access::Action;
use crate::domain::{families, responsibility, restrictions};
use crate::error::{AppResult, GqlResult, UserError};
use crate::graphql::ids::{self, Kind};
use crate::graphql::if_still_readable;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use uuid::Uuid;

#[derive(Default)]
pub struct RestrictionMutation;

#[derive(InputObject)]
pub struct RecordRestrictionInput {
    /// The adult to keep from the child.
    pub adult: ID,
    pub child: ID,
    pub kind: RestrictionKind,
    pub reason: String,
    /// The last day it is in force.
    pub ends_on: Date,
    /// E.g. the court order's reference (required for a court order).
    pub evidence: Option<String>,
}

#[derive(InputObject)]
pub struct LiftRestrictionInput {
    pub restriction: ID,
    pub reason: String,
}

#[derive(InputObject)]
pub struct ReviewRestrictionInput {
    pub restriction: ID,
    /// What was decided.
    pub reason: String,
    /// A new last day, to keep it in force longer; none: it ends as planned.
    pub ends_on: Option<Date>,
}

#[derive(SimpleObject)]
pub struct RestrictionPayload {
    pub restriction: Option<Restriction>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct SetParentalResponsibilityInput {
    /// An adult of the family recorded with parental responsibility.
    pub adult: ID,
    pub child: ID,
    /// Whether the adult holds parental responsibility for the child.
    pub holds: bool,
    pub reason: String,
}

#[derive(SimpleObject)]
pub struct SetParentalResponsibilityPayload {
    pub adult: Option<FamilyMember>,
    /// The family, when the viewer may still read it.
    pub family: Option<Family>,
    pub user_errors: Vec<UserError>,
}

/// The family of the member `id` names (the restriction or change concerns it).
async fn family_of(ctx: &Context<'_>, id: &ID, field: &str) -> AppResult<(Uuid, Uuid)> {
    let member_id = input_id(id, Kind::FamilyMember, field)?;
    let member = families::member(&services(ctx)?.db, member_id).await?;
    Ok((member.family_id, member_id))
}

#[Object]
impl RestrictionMutation {
    /// Records a restriction (a court order, or a safeguarding decision): from now until the
    /// end of `endsOn` the adult sees and hears nothing about the child. Locality managers;
    /// audited in the family's full trail, never shown to the family.
    async fn record_restriction(
        &self,
        ctx: &Context<'_>,
        input: RecordRestrictionInput,
    ) -> GqlResult<RestrictionPayload> {
        let (family_id, adult) = family_of(ctx, &input.adult, "adult").await?;
        let action = Action::ManageRestrictions { family_id };
        let (saved, user_errors) = write(ctx, action, async |txn, permit| {
            let child = input_id(&input.child, Kind::FamilyMember, "child")?;
            let new = restrictions::NewRestriction {
                adult,
                child,
                kind: input.kind.into(),
                reason: &input.reason,
                ends_on: input.ends_on.0,
                evidence: input.evidence.as_deref(),
            };
            restrictions::record(txn, new, permit).await
        })
        .await?;
        Ok(RestrictionPayload {
            restriction: saved.map(Restriction),
            user_errors,
        })
    }

    /// Lifts a restriction, with the reason: the adult's access returns on their next
    /// request. Locality managers.
    async fn lift_restriction(
        &self,
        ctx: &Context<'_>,
        input: LiftRestrictionInput,
    ) -> GqlResult<RestrictionPayload> {
        let id = ids::decode(&input.restriction, Kind::Restriction)?;
        let found = restrictions::find(&services(ctx)?.db, id).await?;
        let action = Action::ManageRestrictions {
            family_id: found.family_id,
        };
        let (saved, user_errors) = write(ctx, action, async |txn, permit| {
            restrictions::lift(txn, id, &input.reason, permit).await
        })
        .await?;
        Ok(RestrictionPayload {
            restriction: saved.map(Restriction),
            user_errors,
        })
    }

    /// Reviews a restriction that is ending or ended: renews it with a new end date, or
    /// lets it end. Locality managers.
    async fn review_restriction(
        &self,
        ctx: &Context<'_>,
        input: ReviewRestrictionInput,
    ) -> GqlResult<RestrictionPayload> {
        let id = ids::decode(&input.restriction, Kind::Restriction)?;
        let found = restrictions::find(&services(ctx)?.db, id).await?;
        let action = Action::ManageRestrictions {
            family_id: found.family_id,
        };
        let ends_on = input.ends_on.map(|d| d.0);
        let (saved, user_errors) = write(ctx, action, async |txn, permit| {
            restrictions::review(txn, id, &input.reason, ends_on, permit).await
        })
        .await?;
        Ok(RestrictionPayload {
            restriction: saved.map(Restriction),
            user_errors,
        })
    }

    /// Records that an adult holds (or no longer holds) parental responsibility for a child
    /// of the family, with the reason; audited. The hub, the lead professional and locality
    /// managers.
    async fn set_parental_responsibility(
        &self,
        ctx: &Context<'_>,
        input: SetParentalResponsibilityInput,
    ) -> GqlResult<SetParentalResponsibilityPayload> {
        let (family_id, adult) = family_of(ctx, &input.adult, "adult").await?;
        let action = Action::SetParentalResponsibility { family_id };
        let (changed, user_errors) = write(ctx, action, async |txn, permit| {
            let child = input_id(&input.child, Kind::FamilyMember, "child")?;
            let change = responsibility::Change {
                adult,
                child,
                holds: input.holds,
                reason: &input.reason,
            };
            responsibility::set(txn, change, permit).await
        })
        .await?;
        let adult = match changed {
            Some(_) => Some(FamilyMember(
                families::member(&services(ctx)?.db, adult).await?,
            )),
            None => None,
        };
        Ok(SetParentalResponsibilityPayload {
            adult,
            family: if_still_readable(Family::load(ctx, family_id)).await?,
            user_errors,
        })
    }
}
