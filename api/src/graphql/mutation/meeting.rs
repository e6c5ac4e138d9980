//! Meetings: the team schedules and records them; family members give their views first.
use super::super::family::Family;
use super::super::meeting::{Meeting, MeetingKind, MeetingView};
use super::super::scalars::Date;
use super::super::{if_still_readable, services, viewer};
use super::{input_id, input_ids, split, write};
use crate::access::Action;
use crate::domain::meetings;
use crate::error::{GqlResult, UserError};
use crate::graphql::ids::{self, Kind};
use crate::viewer::Viewer;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

#[derive(Default)]
pub struct MeetingMutation;

#[derive(InputObject)]
pub struct ScheduleMeetingInput {
    pub family: ID,
    pub kind: MeetingKind,
    pub held_on: Date,
}

#[derive(InputObject)]
pub struct GiveMeetingViewInput {
    pub meeting: ID,
    /// Your views, in your own words. Giving them again replaces them.
    pub words: String,
    /// For young people: keep your views from the rest of the family (the team still
    /// reads them).
    #[graphql(default)]
    pub private: bool,
}

#[derive(InputObject)]
pub struct RecordMeetingInput {
    pub meeting: ID,
    #[graphql(default)]
    pub attending_members: Vec<ID>,
    #[graphql(default)]
    pub attending_practitioners: Vec<ID>,
    pub summary: String,
    #[graphql(default)]
    pub decisions: String,
    /// When the plan will next be reviewed; it becomes the plan's review date.
    pub next_review_date: Option<Date>,
}

#[derive(SimpleObject)]
pub struct MeetingPayload {
    pub meeting: Option<Meeting>,
    /// The family, with its meetings and plan as they are now.
    pub family: Option<Family>,
    pub user_errors: Vec<UserError>,
}

impl MeetingPayload {
    async fn of(
        ctx: &Context<'_>,
        family_id: uuid::Uuid,
        (meeting, user_errors): (Option<entities::meeting::Model>, Vec<UserError>),
    ) -> GqlResult<Self> {
        Ok(Self {
            meeting: meeting.map(Meeting),
            family: if_still_readable(Family::load(ctx, family_id)).await?,
            user_errors,
        })
    }
}

#[derive(SimpleObject)]
pub struct GiveMeetingViewPayload {
    pub view: Option<MeetingView>,
    /// The meeting, with its views as they are now.
    pub meeting: Option<Meeting>,
    pub user_errors: Vec<UserError>,
}

/// The family of the meeting an input names.
async fn family_of(
    ctx: &Context<'_>,
    id: &ID,
) -> crate::error::AppResult<entities::meeting::Model> {
    let id = input_id(id, Kind::Meeting, "meeting")?;
    meetings::find(&services(ctx)?.db, id).await
}

#[Object]
impl MeetingMutation {
    /// Schedules a Team Around the Family meeting or a review. Practitioners on the team.
    async fn schedule_meeting(
        &self,
        ctx: &Context<'_>,
        input: ScheduleMeetingInput,
    ) -> GqlResult<MeetingPayload> {
        let family_id = ids::decode(&input.family, Kind::Family)?;
        let action = Action::RecordMeeting { family_id };
        let scheduled = write(ctx, action, async |txn, permit| {
            meetings::schedule(txn, family_id, input.kind.into(), input.held_on.0, permit).await
        })
        .await?;
        MeetingPayload::of(ctx, family_id, scheduled).await
    }

    /// A family member gives their views before a meeting.
    async fn give_meeting_view(
        &self,
        ctx: &Context<'_>,
        input: GiveMeetingViewInput,
    ) -> GqlResult<GiveMeetingViewPayload> {
        let meeting = match split(family_of(ctx, &input.meeting).await)? {
            (Some(m), _) => m,
            (None, user_errors) => {
                return Ok(GiveMeetingViewPayload {
                    view: None,
                    meeting: None,
                    user_errors,
                });
            }
        };
        let family_id = meeting.family_id;
        let action = Action::GiveMeetingView { family_id };
        let Viewer::FamilyMember(me) = viewer(ctx)? else {
            return Err(crate::graphql::refusal(viewer(ctx)?).into());
        };
        let view = meetings::Viewpoint {
            meeting_id: meeting.id,
            member_id: me.member_id,
            relation: me.relation,
            words: &input.words,
            private: input.private,
        };
        let (view, user_errors) = write(ctx, action, async |txn, permit| {
            meetings::give_view(txn, view, permit).await
        })
        .await?;
        Ok(GiveMeetingViewPayload {
            view: view.map(MeetingView),
            meeting: if_still_readable(Meeting::load(ctx, meeting.id)).await?,
            user_errors,
        })
    }

    /// Records a meeting once held: who came, a summary, decisions, the next review date.
    async fn record_meeting(
        &self,
        ctx: &Context<'_>,
        input: RecordMeetingInput,
    ) -> GqlResult<MeetingPayload> {
        let meeting = match split(family_of(ctx, &input.meeting).await)? {
            (Some(m), _) => m,
            (None, user_errors) => {
                return Ok(MeetingPayload {
                    meeting: None,
                    family: None,
                    user_errors,
                });
            }
        };
        let family_id = meeting.family_id;
        let action = Action::RecordMeeting { family_id };
        let recorded = write(ctx, action, async |txn, permit| {
            let members = input_ids(
                &input.attending_members,
                Kind::FamilyMember,
                "attendingMembers",
            )?;
            let practitioners = input_ids(
                &input.attending_practitioners,
                Kind::Practitioner,
                "attendingPractitioners",
            )?;
            let record = meetings::Record {
                meeting_id: meeting.id,
                members: &members,
                practitioners: &practitioners,
                summary: &input.summary,
                decisions: &input.decisions,
                next_review_date: input.next_review_date.map(|d| d.0),
            };
            meetings::record(txn, record, permit).await
        })
        .await?;
        MeetingPayload::of(ctx, family_id, recorded).await
    }
}
