//! Safeguarding overrides: raised by a practitioner, reviewed by a locality manager.
use super::super::consent::{OverrideReviewOutcome, SafeguardingOverride};
use super::super::{authorize, services, viewer};
use super::{actor, split};
use crate::db::begin_write;
use crate::domain::safeguarding;
use crate::error::{GqlResult, UserError};
use crate::graphql::ids::{self, Kind};
use crate::policy::Action;
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
    pub user_errors: Vec<UserError>,
}

#[Object]
impl SafeguardingMutation {
    /// Records that a child may be at risk of significant harm and gives the practitioner
    /// time-limited access to the family's information without consent. Audited; a locality
    /// manager reviews it.
    async fn raise_safeguarding_concern(
        &self,
        ctx: &Context<'_>,
        input: RaiseSafeguardingConcernInput,
    ) -> GqlResult<SafeguardingOverridePayload> {
        let family_id = ids::decode(&input.family, Kind::Family)?;
        let access = authorize(ctx, Action::RaiseSafeguardingConcern { family_id }).await?;
        let actor = actor(viewer(ctx)?, access)?;
        let s = services(ctx)?;
        let txn = begin_write(&s.db).await?;
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
        let result = safeguarding::raise(&txn, concern, actor, s.clock.now()).await;
        let (raised, user_errors) = split(result)?;
        txn.commit().await?;
        Ok(SafeguardingOverridePayload {
            safeguarding_override: raised.map(SafeguardingOverride),
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
        let access = authorize(ctx, Action::ReviewSafeguardingOverrides).await?;
        let actor = actor(viewer(ctx)?, access)?;
        let s = services(ctx)?;
        let txn = begin_write(&s.db).await?;
        let review = safeguarding::Review {
            override_id,
            upheld: input.outcome == OverrideReviewOutcome::Upheld,
            notes: &input.notes,
            keep_hidden: input.keep_hidden_from_family,
        };
        let (reviewed, user_errors) =
            split(safeguarding::review(&txn, review, actor, s.clock.now()).await)?;
        txn.commit().await?;
        Ok(SafeguardingOverridePayload {
            safeguarding_override: reviewed.map(SafeguardingOverride),
            user_errors,
        })
    }
}
