//! Partner organisations and their practitioners: the directory.
use super::ids::{self, Kind};
use super::loaders::{OrganisationById, RolesOf};
use super::pagination::{Cursor, Page};
use super::{authorize, loaders, services};
use crate::access::Action;
use crate::error::{AppError, GqlResult};
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entities::{organisation, practitioner};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entities::organisation::OrganisationKind")]
pub enum OrganisationKind {
    Council,
    Health,
    Education,
    Police,
    Housing,
    Voluntary,
    Other,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entities::practitioner_role::Role")]
pub enum PractitionerRole {
    /// Works with families as part of a team around the family.
    Practitioner,
    /// Screens requests for support at the Early Help front door.
    HubWorker,
    /// Manages practitioners in an area; reviews challenges and overrides.
    LocalityManager,
    /// Looks after organisations and accounts.
    Admin,
}

/// A partner agency: a school, a health service, the council, a voluntary group...
pub struct Organisation(pub organisation::Model);

#[Object]
impl Organisation {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Organisation, self.0.id)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn kind(&self) -> OrganisationKind {
        self.0.kind.into()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The organisation's practitioners, in the order they joined.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn practitioners(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, Practitioner>> {
        authorize(ctx, Action::ReadDirectory).await?;
        let select = crate::domain::practitioners::of_organisation(self.0.id);
        Ok(Page::new(first, after)?
            .fetch(
                &services(ctx)?.db,
                select,
                practitioner::Column::Id,
                |p| p.id,
                Practitioner,
            )
            .await?)
    }
}

/// A worker of a partner organisation.
pub struct Practitioner(pub practitioner::Model);

// Named on every row of a plan screen: see `graphql::plan`, "Rows".
#[Object(serial)]
impl Practitioner {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Practitioner, self.0.id)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Work email address; shown to other practitioners, not to families.
    async fn email(&self, ctx: &Context<'_>) -> GqlResult<String> {
        Box::pin(async move {
            authorize(
                ctx,
                Action::ReadPractitionerEmail {
                    practitioner_id: self.0.id,
                },
            )
            .await?;
            let account = crate::domain::records::by_id::<entities::account::Entity>(
                &services(ctx)?.db,
                self.0.account_id,
            )
            .await?
            .ok_or(AppError::NotFound)?;
            Ok(account.email)
        })
        .await
    }

    async fn organisation(&self, ctx: &Context<'_>) -> GqlResult<Organisation> {
        let org = Box::pin(loaders(ctx)?.load_one(OrganisationById(self.0.organisation_id)))
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(Organisation(org))
    }

    async fn roles(&self, ctx: &Context<'_>) -> GqlResult<Vec<PractitionerRole>> {
        let roles = Box::pin(loaders(ctx)?.load_one(RolesOf(self.0.id)))
            .await?
            .unwrap_or_default();
        Ok(roles.into_iter().map(Into::into).collect())
    }
}
