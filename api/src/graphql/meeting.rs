//! Team Around the Family meetings and reviews, and the family's views given beforehand.
use super::family::FamilyMember;
use super::ids::{self, Kind};
use super::loaders::{MemberById, PractitionerById};
use super::organisation::Practitioner;
use super::pagination::{Cursor, Page};
use super::scalars::Date;
use super::visible_to::VisibleTo;
use super::{authorize, loaders, services, viewer};
use crate::access::{self, Action};
use crate::domain::meetings;
use crate::error::{AppError, AppResult, GqlResult};
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entities::{meeting, meeting_attendee, meeting_view};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entities::meeting::MeetingKind")]
pub enum MeetingKind {
    /// A Team Around the Family meeting.
    TeamAroundTheFamily,
    /// A review of the plan.
    Review,
}

/// A meeting of the team around the family, or a review of the plan.
pub struct Meeting(pub meeting::Model);

impl Meeting {
    pub async fn load(ctx: &Context<'_>, id: uuid::Uuid) -> AppResult<Option<Self>> {
        let Some(model) =
            crate::domain::records::by_id::<entities::meeting::Entity>(&services(ctx)?.db, id)
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
        Ok(Some(Self(model)))
    }
}

#[Object]
impl Meeting {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Meeting, self.0.id)
    }

    async fn kind(&self) -> MeetingKind {
        self.0.kind.into()
    }

    async fn held_on(&self) -> Date {
        Date(self.0.held_on)
    }

    async fn scheduled_by(&self, ctx: &Context<'_>) -> GqlResult<Option<Practitioner>> {
        practitioner(ctx, Some(self.0.scheduled_by_practitioner_id)).await
    }

    /// Whether the meeting has been held and recorded.
    async fn recorded(&self) -> bool {
        self.0.recorded_at.is_some()
    }

    async fn recorded_at(&self) -> Option<DateTime<Utc>> {
        self.0.recorded_at
    }

    async fn recorded_by(&self, ctx: &Context<'_>) -> GqlResult<Option<Practitioner>> {
        practitioner(ctx, self.0.recorded_by_practitioner_id).await
    }

    async fn summary(&self) -> Option<&str> {
        self.0.summary.as_deref()
    }

    async fn decisions(&self) -> Option<&str> {
        self.0.decisions.as_deref()
    }

    async fn next_review_date(&self) -> Option<Date> {
        self.0.next_review_date.map(Date)
    }

    /// The family members who came.
    async fn attending_members(&self, ctx: &Context<'_>) -> GqlResult<Vec<FamilyMember>> {
        let mut people = vec![];
        for id in self
            .attendees(ctx)
            .await?
            .into_iter()
            .filter_map(|a| a.member_id)
        {
            if let Some(m) = loaders(ctx)?.load_one(MemberById(id)).await? {
                people.push(FamilyMember(m));
            }
        }
        Ok(people)
    }

    /// The practitioners who came.
    async fn attending_practitioners(&self, ctx: &Context<'_>) -> GqlResult<Vec<Practitioner>> {
        let mut people = vec![];
        for id in self
            .attendees(ctx)
            .await?
            .into_iter()
            .filter_map(|a| a.practitioner_id)
        {
            if let Some(p) = practitioner(ctx, Some(id)).await? {
                people.push(p);
            }
        }
        Ok(people)
    }

    /// The family's views given beforehand, in their words. A young person's private view
    /// is shown to the team and to them, not to the rest of the family.
    async fn views(&self, ctx: &Context<'_>) -> GqlResult<Vec<MeetingView>> {
        let viewer = viewer(ctx)?;
        // Views are the family's voice: the same row as the plan, with the children's ages.
        let permit = authorize(
            ctx,
            Action::ReadVoice {
                family_id: self.0.family_id,
            },
        )
        .await?;
        let views = meetings::views_of(&services(ctx)?.db, self.0.id).await?;
        Ok(views
            .into_iter()
            .filter(|v| {
                access::visibility::may_see_meeting_view(
                    viewer,
                    permit.reach(),
                    v.member_id,
                    v.private,
                )
            })
            .map(MeetingView)
            .collect())
    }
}

impl Meeting {
    async fn attendees(&self, ctx: &Context<'_>) -> AppResult<Vec<meeting_attendee::Model>> {
        meetings::attendees_of(&services(ctx)?.db, self.0.id).await
    }
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

/// One family member's views for a meeting.
pub struct MeetingView(pub meeting_view::Model);

#[Object]
impl MeetingView {
    async fn id(&self) -> ID {
        ids::encode(Kind::MeetingView, self.0.id)
    }

    /// Whose views these are.
    async fn member(&self, ctx: &Context<'_>) -> GqlResult<FamilyMember> {
        Ok(loaders(ctx)?
            .load_one(MemberById(self.0.member_id))
            .await?
            .map(FamilyMember)
            .ok_or(AppError::NotFound)?)
    }

    /// In their own words.
    async fn words(&self) -> &str {
        &self.0.words
    }

    /// Kept from the rest of the family (a young person's choice).
    async fn private(&self) -> bool {
        self.0.private
    }

    /// Who can see these views.
    async fn visible_to(&self, ctx: &Context<'_>) -> GqlResult<VisibleTo> {
        Ok(VisibleTo::of(ctx, self.0.family_id, &[self.0.member_id], self.0.private).await?)
    }

    async fn given_at(&self) -> DateTime<Utc> {
        self.0.given_at
    }
}

/// The family's meetings, newest first (for `Family.meetings`).
pub async fn of_family(
    ctx: &Context<'_>,
    family_id: uuid::Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Connection<Cursor, Meeting>> {
    authorize(ctx, Action::ReadPlan { family_id }).await?;
    let select = meetings::of_family(family_id);
    Page::new(first, after)?
        .newest_first()
        .fetch(
            &services(ctx)?.db,
            select,
            meeting::Column::Id,
            |m| m.id,
            Meeting,
        )
        .await
}
