//! Safeguarding overrides: raised by a practitioner, reviewed by a locality manager.
use super::super::consent::{OverrideReviewOutcome, SafeguardingOverride};
use super::super::support_request::Referral;
use super::super::{allows, services};
use super::write;
use crate::access::Action;
use crate::domain::safeguarding;
use crate::domain::support_requests::{self, UrgentSource};
use crate::error::AppError;
use crate::error::{GqlResult, UserError};
use crate::graphql::ids::{self, Kind};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

#[derive(Default)]
pub struct SafeguardingMutation;

#[derive(InputObject)]
pub struct RaiseSafeguardingConcernInput {
    pub family: ID,
    /// Why a child may be at risk of significant harm.
    pub reason: String,
    /// Hide this from the family until a manager reviews it, because telling them could
    /// increase the risk.
    #[graphql(default = false)]
    pub withhold_from_family: bool,
}

#[derive(InputObject)]
pub struct ReviewSafeguardingOverrideInput {
    #[graphql(name = "override")]
    pub override_id: ID,
    pub outcome: OverrideReviewOutcome,
    pub notes: String,
    /// Keep the override's entries hidden from the family after this review.
    #[graphql(default = false)]
    pub keep_hidden_from_family: bool,
}

#[derive(SimpleObject)]
pub struct SafeguardingOverridePayload {
    #[graphql(name = "override")]
    pub safeguarding_override: Option<SafeguardingOverride>,
    /// Issue 17: a practitioner not working with the family gets no override; their concern
    /// goes to the hub as an urgent request for support (2-hour clock), shown here.
    pub urgent_request: Option<Referral>,
    pub user_errors: Vec<UserError>,
}

#[Object]
impl SafeguardingMutation {
    /// Records that a child may be at risk of significant harm. A practitioner on the
    /// family's team gets time-limited access to the family's information without consent
    /// (audited; a locality manager reviews it). A practitioner not working with the family
    /// gets no access: their concern becomes an urgent request for support to the hub, with
    /// the 2-hour clock (`urgentRequest`).
    async fn raise_safeguarding_concern(
        &self,
        ctx: &Context<'_>,
        input: RaiseSafeguardingConcernInput,
    ) -> GqlResult<SafeguardingOverridePayload> {
        let family_id = ids::decode(&input.family, Kind::Family)?;
        let action = Action::RaiseSafeguardingConcern { family_id };
        let s = services(ctx)?;
        let to_hub = Action::RaiseConcernWithHub { family_id };
        if !allows(ctx, action).await? && allows(ctx, to_hub).await? {
            let clocks = s.settings.support_clocks().map_err(AppError::Internal)?;
            let (raised, user_errors) = write(ctx, to_hub, async |txn, permit| {
                support_requests::open_urgent(
                    txn,
                    permit,
                    family_id,
                    UrgentSource::PractitionerConcern,
                    Some(&input.reason),
                    &clocks,
                )
                .await
            })
            .await?;
            return Ok(SafeguardingOverridePayload {
                safeguarding_override: None,
                urgent_request: raised.map(Referral),
                user_errors,
            });
        }
        let review_link = format!(
            "{}/safeguarding/reviews",
            s.settings.public_url.trim_end_matches('/')
        );
        let concern = safeguarding::Concern {
            family_id,
            reason: &input.reason,
            withhold_from_family: input.withhold_from_family,
            lasts: s.settings.safeguarding_override_duration,
            review_link: &review_link,
        };
        let (raised, user_errors) = write(ctx, action, async |txn, permit| {
            safeguarding::raise(txn, concern, permit).await
        })
        .await?;
        Ok(SafeguardingOverridePayload {
            safeguarding_override: raised.map(SafeguardingOverride),
            urgent_request: None,
            user_errors,
        })
    }

    /// A locality manager reviews an override: upheld, or not upheld (access ends at once).
    async fn review_safeguarding_override(
        &self,
        ctx: &Context<'_>,
        input: ReviewSafeguardingOverrideInput,
    ) -> GqlResult<SafeguardingOverridePayload> {
        let override_id = ids::decode(&input.override_id, Kind::SafeguardingOverride)?;
        let action = Action::ReviewSafeguardingOverrides;
        let review = safeguarding::Review {
            override_id,
            upheld: input.outcome == OverrideReviewOutcome::Upheld,
            notes: &input.notes,
            keep_hidden: input.keep_hidden_from_family,
        };
        let (reviewed, user_errors) = write(ctx, action, async |txn, permit| {
            safeguarding::review(txn, review, permit).await
        })
        .await?;
        Ok(SafeguardingOverridePayload {
            safeguarding_override: reviewed.map(SafeguardingOverride),
            urgent_request: None,
            user_errors,
        })
    }
}
