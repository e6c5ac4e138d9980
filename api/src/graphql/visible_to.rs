//! Issue 14: "who can see this", beside every item a young person can read about
//! themselves. The rule is `access::visibility::visible_to`; this module translates.
use super::loaders::OrganisationById;
use super::organisation::Organisation;
use super::{loaders, services};
use crate::access::visibility::{self, OwnItem};
use crate::error::{AppResult, GqlResult};
use async_graphql::{Context, Object};
use uuid::Uuid;

/// Who can see an item, in plain words and as a list, for the app to show beside it.
pub struct VisibleTo(visibility::Audience);

impl VisibleTo {
    pub async fn of(
        ctx: &Context<'_>,
        family_id: Uuid,
        about: &[Uuid],
        private: bool,
    ) -> AppResult<Self> {
        let s = services(ctx)?;
        let known = loaders(ctx)?
            .loader()
            .audience(family_id, s.clock.now(), s.settings.ages())
            .await?;
        Ok(Self(visibility::visible_to(
            &known,
            OwnItem { about, private },
        )))
    }
}

#[Object]
impl VisibleTo {
    /// In plain words, e.g. "You and the practitioners on your team from Larkhill Academy
    /// can see this. Your parents or carers cannot see it unless you share it."
    async fn summary(&self) -> String {
        self.0.summary()
    }

    /// Your parents or carers (and the rest of your family) can see it.
    async fn family(&self) -> bool {
        self.0.family
    }

    /// The organisations whose practitioners on your family's team can see it.
    async fn organisations(&self, ctx: &Context<'_>) -> GqlResult<Vec<Organisation>> {
        let ids: Vec<OrganisationById> = self
            .0
            .organisations
            .iter()
            .map(|(id, _)| OrganisationById(*id))
            .collect();
        let found = loaders(ctx)?.load_many(ids).await?;
        Ok(self
            .0
            .organisations
            .iter()
            .filter_map(|(id, _)| found.get(&OrganisationById(*id)).cloned())
            .map(Organisation)
            .collect())
    }

    /// The Early Help hub (a hub worker on your family's team) can see it.
    async fn hub(&self) -> bool {
        self.0.hub
    }
}
