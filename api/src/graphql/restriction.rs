//! Issue 14: restrictions (kept by locality managers, never shown to the family) and
//! parental responsibility per adult–child pair.
use super::family::FamilyMember;
use super::ids::{self, Kind};
use super::loaders::{MemberById, PractitionerById};
use super::organisation::Practitioner;
use super::pagination::{Cursor, Page};
use super::scalars::Date;
use super::{authorize, loaders, services};
use crate::access::Action;
use crate::domain::restrictions;
use crate::error::{AppError, GqlResult};
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entities::restriction;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entities::restriction::RestrictionKind")]
pub enum RestrictionKind {
    /// A court order (its reference is the evidence).
    CourtOrder,
    /// A safeguarding decision by a locality manager.
    SafeguardingDecision,
}

/// A named adult of a family kept from everything about a named child of it, until the end
/// of `endsOn` or its lifting. For locality managers only.
pub struct Restriction(pub restriction::Model);

async fn member(ctx: &Context<'_>, id: uuid::Uuid) -> GqlResult<FamilyMember> {
    Ok(loaders(ctx)?
        .load_one(MemberById(id))
        .await?
        .map(FamilyMember)
        .ok_or(AppError::NotFound)?)
}

async fn practitioner(
    ctx: &Context<'_>,
    id: Option<uuid::Uuid>,
) -> GqlResult<Option<Practitioner>> {
    let Some(id) = id else { return Ok(None) };
    Ok(loaders(ctx)?
        .load_one(PractitionerById(id))
        .await?
        .map(Practitioner))
}

#[Object]
impl Restriction {
    async fn id(&self) -> ID {
        ids::encode(Kind::Restriction, self.0.id)
    }

    /// The family's ID (locality managers may not read the family record itself).
    async fn family_id(&self) -> ID {
        ids::encode(Kind::Family, self.0.family_id)
    }

    /// The adult kept from the child.
    async fn adult(&self, ctx: &Context<'_>) -> GqlResult<FamilyMember> {
        member(ctx, self.0.adult_member_id).await
    }

    /// The child kept from the adult.
    async fn child(&self, ctx: &Context<'_>) -> GqlResult<FamilyMember> {
        member(ctx, self.0.child_member_id).await
    }

    async fn kind(&self) -> RestrictionKind {
        self.0.kind.into()
    }

    async fn reason(&self) -> &str {
        &self.0.reason
    }

    /// E.g. the court order's reference.
    async fn evidence(&self) -> Option<&str> {
        self.0.evidence.as_deref()
    }

    /// The last day it is in force.
    async fn ends_on(&self) -> Date {
        Date(self.0.ends_on)
    }

    /// Whether it is in force now (not lifted, its end date not passed).
    async fn in_force(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        Ok(restrictions::in_force(&self.0, services(ctx)?.clock.now()))
    }

    async fn recorded_by(&self, ctx: &Context<'_>) -> GqlResult<Option<Practitioner>> {
        practitioner(ctx, self.0.recorded_by_practitioner_id).await
    }

    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }

    async fn lifted_at(&self) -> Option<DateTime<Utc>> {
        self.0.lifted_at
    }

    async fn lift_reason(&self) -> Option<&str> {
        self.0.lift_reason.as_deref()
    }

    async fn reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.0.reviewed_at
    }

    /// What the last review decided.
    async fn review_note(&self) -> Option<&str> {
        self.0.review_note.as_deref()
    }
}

#[derive(Default)]
pub struct RestrictionQuery;

#[Object]
impl RestrictionQuery {
    /// A family's restrictions, current and past, newest first. Locality managers only
    /// (they may not read the family record itself; the family never sees these).
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn family_restrictions(
        &self,
        ctx: &Context<'_>,
        family: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, Restriction>> {
        let family_id = ids::decode(&family, Kind::Family)?;
        authorize(ctx, Action::ManageRestrictions { family_id }).await?;
        Ok(Page::new(first, after)?
            .newest_first()
            .fetch(
                &services(ctx)?.db,
                restrictions::of_family(family_id),
                restriction::Column::Id,
                |r| r.id,
                Restriction,
            )
            .await?)
    }

    /// Restrictions waiting for review, oldest first: ending within 14 days, or ended, and
    /// not yet reviewed. Locality managers only.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn restrictions_to_review(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, Restriction>> {
        authorize(ctx, Action::ReviewRestrictions).await?;
        let s = services(ctx)?;
        Ok(Page::new(first, after)?
            .fetch(
                &s.db,
                restrictions::to_review(s.clock.now()),
                restriction::Column::Id,
                |r| r.id,
                Restriction,
            )
            .await?)
    }
}
