use super::consent::{AccessLogEntry, SafeguardingOverride};
use super::family::{Family, NeedLevel};
use super::node::{self, Node};
use super::organisation::Organisation;
use super::pagination::{Cursor, MAX_PAGE, Page};
use super::viewer::SignedIn;
use super::{authorize, services, viewer};
use crate::access::Action;
use crate::error::{AppError, AppResult, GqlResult};
use crate::viewer::Viewer;
use async_graphql::connection::{Connection, Edge, OpaqueCursor};
use async_graphql::{Context, ID, MergedObject, Object};
use entities::{family, organisation, safeguarding_override};

/// When the current session ends; set by the HTTP layer for signed-in requests.
#[derive(Clone, Copy)]
pub struct SessionExpiry(pub chrono::DateTime<chrono::Utc>);

// The schema's `Query` type: one part per area, merged.
#[derive(MergedObject, Default)]
pub struct Query(
    RootQuery,
    SafeguardingQuery,
    super::plan::PlanQuery,
    super::feedback::VoiceQuery,
    super::report::ReportQuery,
    super::lead::LeadQuery,
    super::support_request::SupportQuery,
    super::consultation::ConsultationQuery,
    super::restriction::RestrictionQuery,
    super::safety::SafetyQuery,
);

#[derive(Default)]
pub struct RootQuery;

#[Object]
impl RootQuery {
    /// The signed-in person, or null when nobody is signed in.
    async fn viewer(&self, ctx: &Context<'_>) -> GqlResult<Option<SignedIn>> {
        let viewer = viewer(ctx)?;
        if let Viewer::Anonymous = viewer {
            return Ok(None);
        }
        let expiry = ctx
            .data::<SessionExpiry>()
            .map_err(|_| AppError::Internal(anyhow::anyhow!("session expiry missing")))?;
        Ok(Some(SignedIn {
            viewer: viewer.clone(),
            session_expires_at: expiry.0,
        }))
    }

    /// Fetches any object by its global ID. Costs what a lookup costs: a permission check
    /// and a query.
    #[graphql(complexity = "node::LOOKUP_COST + child_complexity")]
    async fn node(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Node>> {
        Ok(node::load(ctx, &id).await?)
    }

    /// Fetches up to 100 objects by their global IDs, in the order asked.
    #[graphql(complexity = "ids.len().max(1) * (node::LOOKUP_COST + child_complexity)")]
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> GqlResult<Vec<Option<Node>>> {
        if ids.len() > MAX_PAGE as usize {
            return Err(AppError::BadUserInput(format!(
                "You can ask for at most {MAX_PAGE} IDs at a time."
            ))
            .into());
        }
        let mut nodes = Vec::with_capacity(ids.len());
        for id in &ids {
            nodes.push(node::load(ctx, id).await?);
        }
        Ok(nodes)
    }

    /// Every family record, oldest first: the hub's view. Optionally only one local area.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn families(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        local_area: Option<String>,
    ) -> GqlResult<Connection<Cursor, Family>> {
        authorize(ctx, Action::ListFamilies).await?;
        let select = crate::domain::families::all(local_area.as_deref());
        let page = Page::new(first, after)?
            .rows(&services(ctx)?.db, select, family::Column::Id)
            .await?;
        // Each row goes through the same read check (and audit) as `node(id:)`.
        let mut connection = Connection::new(page.has_previous, page.has_next);
        for row in page.rows {
            let cursor = OpaqueCursor(row.id);
            connection
                .edges
                .push(Edge::new(cursor, Family::readable(ctx, row).await?));
        }
        Ok(connection)
    }

    /// Partner organisations, oldest first.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, Organisation>> {
        authorize(ctx, Action::ReadDirectory).await?;
        Ok(Page::new(first, after)?
            .fetch(
                &services(ctx)?.db,
                crate::domain::organisations::all(),
                organisation::Column::Id,
                |o| o.id,
                Organisation,
            )
            .await?)
    }

    /// The four need levels of the local threshold framework, with their local labels.
    async fn need_levels(&self, ctx: &Context<'_>) -> GqlResult<Vec<NeedLevel>> {
        Ok((1..=4)
            .map(|level| NeedLevel::new(ctx, level))
            .collect::<AppResult<_>>()?)
    }
}

#[derive(Default)]
pub struct SafeguardingQuery;

#[Object]
impl SafeguardingQuery {
    /// A family's access log, for locality managers who review the family's trail without
    /// reading its record. Families read theirs through `Family.accessLog`.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn family_access_log(
        &self,
        ctx: &Context<'_>,
        family: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, AccessLogEntry>> {
        let family_id = super::ids::decode(&family, super::ids::Kind::Family)?;
        Ok(super::family::access_log(ctx, family_id, first, after).await?)
    }

    /// Safeguarding overrides waiting for a manager's review, oldest first.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn safeguarding_review_queue(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, SafeguardingOverride>> {
        authorize(ctx, Action::ReviewSafeguardingOverrides).await?;
        let select = crate::domain::safeguarding::awaiting_review();
        Ok(Page::new(first, after)?
            .fetch(
                &services(ctx)?.db,
                select,
                safeguarding_override::Column::Id,
                |o| o.id,
                SafeguardingOverride,
            )
            .await?)
    }
}
