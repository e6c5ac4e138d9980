//! Issue 14: a young person shares what they wrote with their family, or keeps it private
//! again (everything they write starts private to them and the team).
use super::super::ids::{self, Kind};
use super::super::visible_to::VisibleTo;
use super::super::{services, viewer};
use super::write;
use crate::access::Action;
use crate::domain::growing_up::{self, OwnWords};
use crate::error::{AppError, GqlResult, UserError};
use crate::viewer::Viewer;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

#[derive(Default)]
pub struct GrowingUpMutation;

#[derive(InputObject)]
pub struct ShareWithMyFamilyInput {
    /// Something you wrote: an outcome, a view for your worker, your views for a meeting, or
    /// your feedback.
    pub item: ID,
    /// True to let your parents or carers (and the rest of your family) see it; false to
    /// keep it private to you and your team again.
    #[graphql(default = true)]
    pub shared: bool,
}

#[derive(SimpleObject)]
pub struct ShareWithMyFamilyPayload {
    /// Whether the item is now kept from the rest of the family.
    pub private: Option<bool>,
    /// Who can see it now.
    pub visible_to: Option<VisibleTo>,
    pub user_errors: Vec<UserError>,
}

#[Object]
impl GrowingUpMutation {
    /// A young person shares something they wrote with their family, or keeps it private
    /// again. What a young person writes starts private to them and the team.
    async fn share_with_my_family(
        &self,
        ctx: &Context<'_>,
        input: ShareWithMyFamilyInput,
    ) -> GqlResult<ShareWithMyFamilyPayload> {
        // Anonymous callers learn nothing, not even whether the ID exists.
        if matches!(viewer(ctx)?, Viewer::Anonymous) {
            return Err(AppError::Unauthenticated.into());
        }
        let item = match ids::decode_any(&input.item)? {
            (Kind::Outcome, id) => OwnWords::Outcome(id),
            (Kind::YoungPersonView, id) => OwnWords::View(id),
            (Kind::MeetingView, id) => OwnWords::MeetingView(id),
            (Kind::Feedback, id) => OwnWords::Feedback(id),
            _ => return Err(AppError::NotFound.into()),
        };
        let family_id = growing_up::family_of(&services(ctx)?.db, item).await?;
        let action = Action::KeepViewPrivate { family_id };
        let ages = services(ctx)?.settings.ages();
        let (shared, user_errors) = write(ctx, action, async |txn, permit| {
            growing_up::share_with_family(txn, item, input.shared, ages, permit).await
        })
        .await?;
        let visible_to = match &shared {
            Some(s) => Some(VisibleTo::of(ctx, s.family_id, &s.about, s.private).await?),
            None => None,
        };
        Ok(ShareWithMyFamilyPayload {
            private: shared.map(|s| s.private),
            visible_to,
            user_errors,
        })
    }
}
