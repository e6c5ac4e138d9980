//! The GraphQL layer: it translates requests into domain calls and answers back.
//! Rules live in `domain`, permissions in `policy`.
mod family;
pub mod ids;
mod loaders;
mod mutation;
mod node;
mod organisation;
pub mod pagination;
mod passkey;
pub(crate) mod query;
mod scalars;
mod viewer;

use crate::auth::Viewer;
use crate::clock::Clock;
use crate::config::Settings;
use crate::error::{AppError, AppResult};
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, EmptySubscription, Schema};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

pub use loaders::Loaders;
pub use query::SessionExpiry;

pub type AppSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// Deepest nesting of fields a query may have.
pub const MAX_DEPTH: usize = 12;
/// Largest cost a query may have; each field costs 1, a page multiplies by its size.
pub const MAX_COMPLEXITY: usize = 5_000;

/// What every resolver can reach: shared for the life of the server.
#[derive(Clone)]
pub struct Services {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub clock: Clock,
}

pub fn build_schema(services: Option<Services>) -> AppSchema {
    let production = services.as_ref().is_some_and(|s| s.settings.production);
    let mut builder = Schema::build(
        query::Query::default(),
        mutation::Mutation::default(),
        EmptySubscription,
    )
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .limit_directives(10)
    .limit_recursive_depth(32);
    if production {
        builder = builder.disable_introspection().disable_suggestions();
    }
    if let Some(services) = services {
        builder = builder.data(services);
    }
    builder.finish()
}

/// The exported SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    build_schema(None).sdl()
}

/// Per-request data: who is asking and the request's loaders.
pub fn request_data(viewer: Viewer, services: &Services) -> (Viewer, DataLoader<Loaders>) {
    (viewer, Loaders::new(services.db.clone()))
}

pub(crate) fn services<'a>(ctx: &Context<'a>) -> AppResult<&'a Services> {
    ctx.data::<Services>()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("services missing: {}", e.message)))
}

pub(crate) fn viewer<'a>(ctx: &Context<'a>) -> AppResult<&'a Viewer> {
    ctx.data::<Viewer>()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("viewer missing: {}", e.message)))
}

pub(crate) fn loaders<'a>(ctx: &Context<'a>) -> AppResult<&'a DataLoader<Loaders>> {
    ctx.data::<DataLoader<Loaders>>()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("loaders missing: {}", e.message)))
}

/// Asks the policy module; the one way resolvers check permissions.
pub(crate) fn authorize(ctx: &Context<'_>, action: crate::policy::Action) -> AppResult<()> {
    crate::policy::authorize(viewer(ctx)?, action)
}
