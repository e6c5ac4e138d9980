//! The GraphQL layer: it translates requests into domain calls and answers back.
//! Rules live in `domain`, permissions in `access`.
mod assessment;
mod consent;
mod consultation;
mod family;
mod feedback;
mod inline;
use inline::Inline;
pub mod ids;
mod lead;
pub mod limits;
mod loaders;
mod meeting;
mod mutation;
mod node;
mod notification;
mod nulls;
mod order;
mod organisation;
pub mod pagination;
mod passkey;
mod plan;
pub(crate) mod query;
pub mod report;
mod restriction;
mod safety;
pub mod scalars;
pub mod spec;
mod subscription;
mod support_request;
mod types;
mod variables;
mod viewer;
mod visible_to;

use crate::access::{self, Access, Action, Permit};
use crate::clock::Clock;
use crate::config::Settings;
use crate::domain::plan_contents::{self, PlanContents};
use crate::domain::read_trail;
use crate::error::{AppError, AppResult};
use crate::viewer::Actor;
use crate::viewer::Viewer;
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Schema};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

pub use loaders::Loaders;
pub use query::SessionExpiry;

pub type AppSchema = Schema<query::Query, mutation::Mutation, subscription::Subscription>;

/// Deepest nesting of fields a query may have.
pub const MAX_DEPTH: usize = 12;
/// Largest cost a query may have; each field costs 1, a page multiplies by its size.
pub const MAX_COMPLEXITY: usize = 5_000;

/// What every resolver can reach: shared for the life of the server.
#[derive(Clone)]
pub struct Services {
    pub db: crate::db::Db,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    /// This process's live plan events, for subscriptions.
    pub hub: crate::domain::notify::Hub,
    /// Practitioners' reads on their way into the audit trail, written together.
    pub reads: Arc<crate::domain::read_trail::ReadTrail>,
}

/// The schema served over HTTP, where [`spec::before`] and [`spec::after`] run around it.
pub fn build_schema(services: Option<Services>) -> AppSchema {
    schema_in_mode(services, async_graphql::ValidationMode::Strict, false)
}

/// The same schema for registered documents that already passed the full validation: only
/// fragment cycles, complexity and depth are checked again (see `trusted_documents`).
pub fn build_prevalidated_schema(services: Option<Services>) -> AppSchema {
    schema_in_mode(services, async_graphql::ValidationMode::Fast, false)
}

/// The schema for the WebSocket: the [`spec::Spec`] extension does there what the HTTP
/// layer does around the HTTP schemas.
pub fn build_live_schema(services: Option<Services>) -> AppSchema {
    schema_in_mode(services, async_graphql::ValidationMode::Strict, true)
}

/// What the spec layer checks, for this deployment.
pub fn spec_rules(production: bool) -> spec::Rules {
    spec::Rules {
        max_depth: MAX_DEPTH,
        // Introspection is bounded by the schema, and off in production.
        exempt_introspection: !production,
    }
}

fn schema_in_mode(
    services: Option<Services>,
    mode: async_graphql::ValidationMode,
    spec_extension: bool,
) -> AppSchema {
    let production = services.as_ref().is_some_and(|s| s.settings.production);
    // No schema extension over HTTP: any extension sends every field through async-graphql's
    // extension chain (see `spec`). Depth is checked by the spec layer, which leaves
    // introspection out of the count outside production.
    let mut builder = Schema::build(
        query::Query::default(),
        mutation::Mutation::default(),
        subscription::Subscription::default(),
    )
    .limit_complexity(MAX_COMPLEXITY)
    .limit_directives(10)
    .limit_recursive_depth(32)
    .validation_mode(mode);
    if spec_extension {
        builder = builder
            .extension(spec::Spec(spec_rules(production)))
            .data(inline::Extended);
    }
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

/// What one request learns and does: access facts per family (read once, fresh each
/// request) and the family data a practitioner read, for the audit trail.
#[derive(Default)]
pub struct RequestState {
    facts: access::FactsCache,
    reads: Mutex<Reads>,
    /// Lookups by ID so far (`node`, `nodes`), capped per request.
    lookups: std::sync::atomic::AtomicUsize,
    /// A plan's contents read with its family, by plan id and version, until the plan's
    /// view takes them.
    contents_read_with_family: Mutex<Option<((Uuid, i32), PlanContents)>>,
    /// Which of the outcomes' ratings plans are read with.
    ratings: plan_contents::Ratings,
}

/// A practitioner's reads in one request, on their way to the audit trail.
#[derive(Default)]
struct Reads {
    /// Noted and not yet sent.
    noted: BTreeMap<Uuid, FamilyReads>,
    /// Already sent, per family: noting one again adds nothing.
    sent: BTreeMap<Uuid, BTreeSet<&'static str>>,
    /// Sent ahead of the data they allow, and still being written.
    ahead: Vec<tokio::task::JoinHandle<AppResult<()>>>,
    /// Taken to be recorded with their data, and not recorded: to be written at the end.
    later: Vec<read_trail::Read>,
}

/// What one request read of one family, and whether under a safeguarding override.
#[derive(Default)]
struct FamilyReads {
    what: BTreeSet<&'static str>,
    override_id: Option<Uuid>,
}

impl RequestState {
    /// The state of a request for `document` (its text) on `backend`: on PostgreSQL, plans
    /// are read with only the latest rating of each kind unless the document may ask for a
    /// rating history. A field is selected by its name, so a document that never spells
    /// `ratingHistory` cannot ask for it; one that does, anywhere (even in a comment), gets
    /// every rating. On SQLite finding the latest of each kind (a lookup for each rating,
    /// twice) cost more than the rows it saves, so every rating is read there.
    pub fn for_document(document: &str, backend: sea_orm::DatabaseBackend) -> Self {
        let ratings = if backend != sea_orm::DatabaseBackend::Postgres
            || document.contains("ratingHistory")
        {
            plan_contents::Ratings::Every
        } else {
            plan_contents::Ratings::LatestOfEachKind
        };
        Self {
            ratings,
            ..Self::default()
        }
    }

    /// Which of the outcomes' ratings this request reads plans with.
    pub(crate) fn ratings(&self) -> plan_contents::Ratings {
        self.ratings
    }

    /// Counts one lookup by ID; returns how many this request has made, this one included.
    pub(crate) fn count_lookup(&self) -> usize {
        self.lookups
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            .saturating_add(1)
    }

    /// Keeps a plan's contents read with its family, for the plan's view.
    pub(crate) fn keep_contents(&self, plan: &entities::plan::Model, contents: PlanContents) {
        *self.kept() = Some(((plan.id, plan.version), contents));
    }

    /// The contents of this version of the plan, if they were read with its family.
    pub(crate) fn take_contents(&self, plan: &entities::plan::Model) -> Option<PlanContents> {
        let mut kept = self.kept();
        match kept.take() {
            Some((key, contents)) if key == (plan.id, plan.version) => Some(contents),
            other => {
                *kept = other;
                None
            }
        }
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, Option<((Uuid, i32), PlanContents)>> {
        self.contents_read_with_family
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn reads(&self) -> std::sync::MutexGuard<'_, Reads> {
        self.reads.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn note_read(&self, family_id: Uuid, what: &'static str, access: Access) {
        let mut reads = self.reads();
        if reads
            .sent
            .get(&family_id)
            .is_some_and(|sent| sent.contains(what))
        {
            return;
        }
        let entry = reads.noted.entry(family_id).or_default();
        entry.what.insert(what);
        if let Access::UnderOverride(id) = access {
            entry.override_id = Some(id);
        }
    }

    /// The reads noted so far, taken to be recorded with the data they allow (and marked as
    /// sent): by [`Self::write_ahead`], or by the statement that reads that data. Anything
    /// noted later goes in an entry of its own.
    pub(crate) async fn reads_to_record(
        &self,
        services: &Services,
        viewer: &Viewer,
    ) -> Vec<read_trail::Read> {
        if self.reads().noted.is_empty() {
            return vec![];
        }
        // Fields beside the caller note what they read before they first wait: yielding
        // once lets them, so that one entry holds them too.
        tokio::task::yield_now().await;
        self.take_noted(services, viewer)
    }

    /// Sends `reads` to the trail, to be written while the data they allow is read: the
    /// entry's commit then costs the request no time of its own. The response still waits
    /// for it ([`Self::write_reads`]).
    pub(crate) fn write_ahead(&self, services: &Services, reads: Vec<read_trail::Read>) {
        if reads.is_empty() {
            return;
        }
        let (trail, db) = (services.reads.clone(), services.db.clone());
        let writing = tokio::spawn(async move { trail.record(&db, reads).await });
        self.reads().ahead.push(writing);
    }

    /// A read that was to be recorded by the statement that failed to read its data: it is
    /// written with the reads noted last, before the response leaves, since what was read
    /// before (the family's record) may still be in the response.
    pub(crate) fn record_later(&self, read: read_trail::Read) {
        self.reads().later.push(read);
    }

    /// Writes one audit entry per family read in this request (and waits for those written
    /// ahead). Called before the response leaves: if the trail cannot be written, the data
    /// is not sent.
    pub async fn write_reads(&self, services: &Services, viewer: &Viewer) -> AppResult<()> {
        let mut reads = std::mem::take(&mut self.reads().later);
        reads.extend(self.take_noted(services, viewer));
        let ahead = std::mem::take(&mut self.reads().ahead);
        let (rest, ahead) = futures::join!(
            services.reads.record(&services.db, reads),
            futures::future::join_all(ahead)
        );
        for written in ahead {
            written
                .map_err(|e| AppError::Internal(anyhow::anyhow!("audit write stopped: {e}")))??;
        }
        rest
    }

    /// The reads noted and not yet sent, as the trail's entries, marked as sent.
    fn take_noted(&self, services: &Services, viewer: &Viewer) -> Vec<read_trail::Read> {
        let Some(actor) = Actor::of(viewer) else {
            return vec![];
        };
        let mut reads = self.reads();
        let noted = std::mem::take(&mut reads.noted);
        let now = services.clock.now();
        noted
            .into_iter()
            .map(|(family_id, read)| {
                reads.sent.entry(family_id).or_default().extend(&read.what);
                read_trail::Read {
                    family_id,
                    actor: match read.override_id {
                        Some(id) => actor.with_access(Access::UnderOverride(id)),
                        None => actor,
                    },
                    what: read.what.into_iter().collect::<Vec<_>>().join(", "),
                    at: now,
                }
            })
            .collect()
    }
}

/// How to refuse someone an operation that is not for their kind of account: anonymous
/// callers are asked to sign in, everyone else is told no.
pub(crate) fn refusal(viewer: &Viewer) -> AppError {
    match viewer {
        Viewer::Anonymous => AppError::Unauthenticated,
        _ => AppError::Forbidden,
    }
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

pub(crate) fn request_state<'a>(ctx: &Context<'a>) -> AppResult<&'a RequestState> {
    ctx.data::<Arc<RequestState>>()
        .map(|s| s.as_ref())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("request state missing: {}", e.message)))
}

/// Asks the access rules; the one way resolvers check permissions for what they read.
/// Facts about the family are read at most once per request, and reads of family data by
/// practitioners are noted for the audit trail.
pub(crate) async fn authorize(ctx: &Context<'_>, action: Action) -> AppResult<Permit> {
    let viewer = viewer(ctx)?;
    let s = services(ctx)?;
    let state = request_state(ctx)?;
    let permit = access::grant_read(
        &s.db,
        viewer,
        action,
        s.clock.now(),
        s.settings.ages(),
        &state.facts,
    )
    .await?;
    if let (Viewer::Practitioner(_), Some(family_id), Some(what)) =
        (viewer, action.family_id(), action.read_of())
    {
        state.note_read(family_id, what, permit.access());
    }
    Ok(permit)
}

/// The parent object a mutation changed, for its payload, when the viewer may still read it
/// (a change can take the viewer's own access away: then the parent is null, not an error).
pub(crate) async fn if_still_readable<T>(
    found: impl std::future::Future<Output = AppResult<Option<T>>>,
) -> AppResult<Option<T>> {
    match found.await {
        Ok(found) => Ok(found),
        Err(AppError::Forbidden | AppError::ConsentRequired | AppError::NotFound) => Ok(None),
        Err(other) => Err(other),
    }
}

/// Whether the rules allow `action` (a question, not a refusal: e.g. "may this reader see
/// the whole trail?").
pub(crate) async fn allows(ctx: &Context<'_>, action: Action) -> AppResult<bool> {
    let viewer = viewer(ctx)?;
    let s = services(ctx)?;
    let state = request_state(ctx)?;
    match access::grant_read(
        &s.db,
        viewer,
        action,
        s.clock.now(),
        s.settings.ages(),
        &state.facts,
    )
    .await
    {
        Ok(_) => Ok(true),
        Err(AppError::Forbidden | AppError::ConsentRequired | AppError::Unauthenticated) => {
            Ok(false)
        }
        Err(other) => Err(other),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};

    /// Ratings are listed by `Outcome.ratingHistory` alone: a request whose document never
    /// names it reads plans with only the latest rating of each kind
    /// ([`RequestState::for_document`]), which would leave any other list of them short.
    #[test]
    fn only_the_rating_history_lists_ratings() {
        fn lists_ratings(ty: &Type, listed: bool) -> bool {
            match &ty.base {
                BaseType::Named(name) => {
                    name.as_str() == "ProgressRatingConnection"
                        || (listed && name.as_str() == "ProgressRating")
                }
                BaseType::List(inner) => lists_ratings(inner, true),
            }
        }
        let sdl = include_str!("../../../schema.graphql");
        let schema = async_graphql::parser::parse_schema(sdl).unwrap();
        let mut found = vec![];
        for definition in &schema.definitions {
            let TypeSystemDefinition::Type(ty) = definition else {
                continue;
            };
            let name = ty.node.name.node.as_str();
            let fields = match &ty.node.kind {
                TypeKind::Object(object) => &object.fields,
                TypeKind::Interface(interface) => &interface.fields,
                _ => continue,
            };
            if name.starts_with("ProgressRating") {
                continue;
            }
            for field in fields {
                if lists_ratings(&field.node.ty.node, false) {
                    found.push(format!("{name}.{}", field.node.name.node));
                }
            }
        }
        assert_eq!(found, ["Outcome.ratingHistory"]);
    }

    #[test]
    fn on_postgres_a_document_that_names_the_rating_history_reads_every_rating() {
        use plan_contents::Ratings;
        let ratings = |document: &str| {
            RequestState::for_document(document, sea_orm::DatabaseBackend::Postgres).ratings()
        };
        let screen = "query($id: ID!) { node(id: $id) { ... on Family { plan { outcomes(first: 100) { nodes { progress { family { score } practitioner { score } } } } } } } }";
        assert_eq!(ratings(screen), Ratings::LatestOfEachKind);
        assert_eq!(
            ratings(
                "{ node(id: \"x\") { ... F } } fragment F on Outcome { ratingHistory { nodes { score } } }"
            ),
            Ratings::Every
        );
        assert_eq!(
            ratings(
                "{ node(id: \"x\") { ... on Outcome { h: ratingHistory(first: 1) { nodes { score } } } } }"
            ),
            Ratings::Every
        );
        assert_eq!(RequestState::default().ratings(), Ratings::Every);
        let on_sqlite = RequestState::for_document(screen, sea_orm::DatabaseBackend::Sqlite);
        assert_eq!(on_sqlite.ratings(), Ratings::Every);
    }
}
