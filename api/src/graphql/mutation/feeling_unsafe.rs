//! Issue 14: "I don't feel safe". A family member says it, in a few words or none; the hub
//! and the lead professional are alerted at once; nobody else in the family is told.
use super::super::safety::Helpline;
use super::super::{refusal, services, viewer};
use super::write;
use crate::access::Action;
use crate::domain::feeling_unsafe;
use crate::error::{AppError, GqlResult, UserError};
use crate::viewer::Viewer;
use async_graphql::{Context, InputObject, Object, SimpleObject};

#[derive(Default)]
pub struct FeelingUnsafeMutation;

#[derive(InputObject)]
pub struct SayIDontFeelSafeInput {
    /// A few words about what is happening, if you want to say more. You can leave this
    /// empty.
    pub words: Option<String>,
}

#[derive(SimpleObject)]
pub struct SayIDontFeelSafePayload {
    /// Whether the alert went out (false only when `userErrors` says what to fix).
    pub alerted: bool,
    /// What happens now, in plain words.
    pub what_happens_next: Option<String>,
    /// Who to call, straight away if in danger. Always present, even with `userErrors`.
    pub helplines: Vec<Helpline>,
    pub user_errors: Vec<UserError>,
}

#[Object]
impl FeelingUnsafeMutation {
    /// Says that you do not feel safe. It goes at once to the Early Help hub (an urgent
    /// request, looked at within 2 hours) and to your lead professional, by email, push and
    /// their inbox. Nobody in your family is told. Send an `Idempotency-Key` with each press
    /// of the button, so that a retry does not alert twice.
    #[graphql(name = "sayIDontFeelSafe")]
    async fn say_i_dont_feel_safe(
        &self,
        ctx: &Context<'_>,
        input: SayIDontFeelSafeInput,
    ) -> GqlResult<SayIDontFeelSafePayload> {
        let viewer = viewer(ctx)?;
        let Viewer::FamilyMember(m) = viewer else {
            return Err(refusal(viewer).into());
        };
        let s = services(ctx)?;
        let clocks = s.settings.support_clocks().map_err(AppError::Internal)?;
        let ages = s.settings.ages();
        let action = Action::SayNotSafe {
            family_id: m.family_id,
        };
        let (said, user_errors) = write(ctx, action, async |txn, permit| {
            feeling_unsafe::say(txn, permit, input.words.as_deref(), &clocks, ages).await
        })
        .await?;
        Ok(SayIDontFeelSafePayload {
            alerted: said.is_some(),
            what_happens_next: said.map(|s| s.what_happens_next()),
            helplines: Helpline::all(&s.settings.helplines),
            user_errors,
        })
    }
}
