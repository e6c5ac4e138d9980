//! The HTTP side: router, GraphQL handler, health checks, request ids, shutdown.
use crate::auth::{ClientAddress, session};
use crate::clock::Clock;
use crate::config::Settings;
use crate::error::AppError;
use crate::graphql::{self, AppSchema, Services};
use crate::graphql_http::{self, MediaType, error_response};
use crate::lifecycle::{self, Lifecycle};
use crate::viewer::Viewer;
use async_graphql::http::GraphiQLSource;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use sea_orm::ConnectionTrait;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// Largest request body accepted on `/graphql`.
const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    /// For registered documents already validated once.
    pub prevalidated_schema: AppSchema,
    /// The schema the WebSocket serves subscriptions from.
    pub live_schema: AppSchema,
    pub documents: crate::trusted_documents::Cache,
    pub services: Services,
    /// Draining and requests in flight (see `lifecycle`).
    pub lifecycle: Arc<Lifecycle>,
    /// Open WebSocket connections per account (see `live_limits`).
    pub sockets: crate::live_limits::Sockets,
}

impl AppState {
    pub fn new(db: impl Into<crate::db::Db>, settings: Settings, clock: Clock) -> Self {
        let services = Services {
            db: db.into(),
            settings: Arc::new(settings),
            clock,
            hub: crate::domain::notify::Hub::default(),
            reads: Default::default(),
        };
        let schema = graphql::build_schema(Some(services.clone()));
        let prevalidated_schema = graphql::build_prevalidated_schema(Some(services.clone()));
        let live_schema = graphql::build_live_schema(Some(services.clone()));
        Self {
            schema,
            prevalidated_schema,
            live_schema,
            documents: Default::default(),
            services,
            lifecycle: Lifecycle::new(),
            sockets: crate::live_limits::Sockets::default(),
        }
    }
}

pub fn router(state: AppState) -> Router {
    let request_id = header::HeaderName::from_static("x-request-id");
    Router::new()
        .route("/graphql", get(graphiql).post(graphql_handler))
        .route(
            "/reports/evaluation.csv",
            get(crate::reports_csv::evaluation_csv),
        )
        .route("/graphql/ws", get(crate::live::graphql_ws))
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            lifecycle::budget,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Logged: method, path (never the query string or body), status, latency, request id.
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        })
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The email worker runs beside the server on every replica, and stops with it.
    let (stop_worker, worker_stopped) = tokio::sync::oneshot::channel::<()>();
    let services = &state.services;
    if services.settings.mail_worker {
        match crate::mail::worker::Worker::new(
            services.db.connection().clone(),
            &services.settings,
            services.clock.clone(),
        ) {
            Ok(worker) => {
                let interval = services.settings.mail_poll_interval;
                tokio::spawn(worker.run(interval, async {
                    let _ = worker_stopped.await;
                }));
            }
            Err(err) => tracing::error!(error = %err, "email worker not started"),
        }
    }
    // The follow-up scheduler, likewise on every replica (claims are exclusive).
    let (stop_scheduler, scheduler_stopped) = tokio::sync::oneshot::channel::<()>();
    if services.settings.follow_up_scheduler {
        match services.settings.follow_up_timing() {
            Ok(timing) => {
                let link = format!(
                    "{}/follow-up",
                    services.settings.public_url.trim_end_matches('/')
                );
                tokio::spawn(crate::domain::follow_ups::run_scheduler(
                    services.db.connection().clone(),
                    services.clock.clone(),
                    timing,
                    link,
                    services.settings.follow_up_poll_interval,
                    services.hub.clone(),
                    async {
                        let _ = scheduler_stopped.await;
                    },
                ));
            }
            Err(err) => tracing::error!(error = %err, "follow-up scheduler not started"),
        }
    }
    let (stop_jobs, jobs_stopped) = tokio::sync::watch::channel(());
    crate::live::start_jobs(services, jobs_stopped);
    let lifecycle = state.lifecycle.clone();
    let drain = services.settings.shutdown_drain;
    // Requests still in flight after the drain end within their budget; a client that keeps
    // a connection open past that is not waited for.
    let give_up = drain + services.settings.request_timeout + Duration::from_secs(2);
    let served = axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(lifecycle::drain_then_stop(
        lifecycle.clone(),
        shutdown,
        drain,
    ))
    .into_future();
    let served = tokio::select! {
        served = served => served,
        () = async {
            lifecycle.drain_started().await;
            tokio::time::sleep(give_up).await;
        } => {
            tracing::warn!(in_flight = lifecycle.in_flight(), "shutdown: stopped waiting for connections to close");
            Ok(())
        }
    };
    let _ = stop_worker.send(());
    let _ = stop_scheduler.send(());
    let _ = stop_jobs.send(());
    served
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn live() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

async fn ready(State(state): State<AppState>) -> Response {
    if state.lifecycle.draining() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "draining" })),
        )
            .into_response();
    }
    // This request is one of those in flight; the others are reported.
    let in_flight = state.lifecycle.in_flight().saturating_sub(1);
    let check = tokio::time::timeout(
        Duration::from_secs(3),
        state.services.db.execute_unprepared("SELECT 1"),
    );
    match check.await {
        Ok(Ok(_)) => {
            Json(json!({ "status": "ok", "database": "ok", "requestsInFlight": in_flight }))
                .into_response()
        }
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness check: database unavailable");
            unavailable()
        }
        Err(_) => {
            tracing::warn!("readiness check: database did not answer in time");
            unavailable()
        }
    }
}

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({ "status": "unavailable", "database": "unavailable" })),
    )
        .into_response()
}

async fn graphiql(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    // GET never runs an operation (GraphQL over HTTP allows refusing it; a GET is not
    // protected from cross-site requests as a JSON POST is).
    let asks_to_run = uri.query().is_some_and(|q| {
        q.split('&')
            .any(|pair| pair.starts_with("query=") || pair.starts_with("documentId="))
    });
    if asks_to_run {
        return graphql_http::get_refused(MediaType::accepted(&headers));
    }
    if state.services.settings.production {
        return StatusCode::NOT_FOUND.into_response();
    }
    Html(GraphiQLSource::build().endpoint("/graphql").finish()).into_response()
}

/// A response shaped like a GraphQL error, for problems found before execution.
pub(crate) fn http_error(status: StatusCode, code: &str, message: &str) -> Response {
    error_response(MediaType::Json, status, code, message)
}

async fn graphql_handler(
    State(state): State<AppState>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let media = MediaType::accepted(&headers);
    let incoming = match graphql_http::parse(&headers, &body) {
        Ok(incoming) => incoming,
        Err(err) => return err.into_response(media),
    };
    let idempotency_key = match crate::idempotency::key_of(&headers, &incoming.extensions) {
        Ok(key) => key,
        Err(message) => {
            return error_response(media, StatusCode::BAD_REQUEST, "BAD_REQUEST", message);
        }
    };
    let prepared = match state
        .documents
        .prepare(
            &state.services.db,
            state.services.settings.trusted_documents_only,
            idempotency_key.is_some(),
            incoming,
        )
        .await
    {
        Ok(Ok(prepared)) => prepared,
        Ok(Err(refused)) => {
            return graphql_http::request_refused(media, refused.code, refused.message);
        }
        Err(err) => {
            tracing::error!(error = ?err, "could not look up a trusted document");
            return error_response(
                media,
                StatusCode::INTERNAL_SERVER_ERROR,
                err.code(),
                &err.to_string(),
            );
        }
    };
    // Bounded before anything else runs (see graphql::limits). A registered document was
    // checked when it was registered and is not parsed again.
    let mut prepared = prepared;
    // A syntax error is a GraphQL request error, as the GraphQL-over-HTTP spec says, answered
    // once the session is known (an expired one is said first).
    let mut syntax_error = None;
    if prepared.hash.is_none() {
        match graphql::limits::bound(&mut prepared.request).await {
            Ok(()) => {}
            Err(graphql::limits::Refusal::Syntax(error)) => {
                syntax_error = Some(graphql::spec::parse_error(error));
            }
            Err(refused) => {
                let message = refused.message();
                return error_response(
                    media,
                    StatusCode::BAD_REQUEST,
                    graphql::limits::Refusal::CODE,
                    &message,
                );
            }
        }
        prepared.parsed();
    }

    let (viewer, expiry) = match authenticate(&state, &headers).await {
        Ok(found) => found,
        Err(err @ (AppError::Unauthenticated | AppError::SessionExpired)) => {
            return error_response(
                media,
                StatusCode::UNAUTHORIZED,
                err.code(),
                &err.to_string(),
            );
        }
        Err(AppError::Unavailable(err)) => {
            tracing::warn!(error = %err, "could not resolve the session: database unavailable");
            return lifecycle::unavailable();
        }
        Err(err) => {
            tracing::error!(error = ?err, "could not resolve the session");
            return error_response(
                media,
                StatusCode::INTERNAL_SERVER_ERROR,
                err.code(),
                &err.to_string(),
            );
        }
    };
    // Request errors found before anything runs, and before an idempotency key is claimed.
    let rules = graphql::spec_rules(state.services.settings.production);
    let checks = match syntax_error {
        Some(error) => return request_errors(media, vec![error]),
        None => match graphql::spec::before(&mut prepared.request, rules) {
            Ok(checks) => checks,
            Err(errors) => return request_errors(media, errors),
        },
    };
    let request_state = Arc::new(graphql::RequestState::for_document(
        &prepared.request.query,
        state.services.db.get_database_backend(),
    ));
    let (viewer, loaders) = graphql::request_data(viewer, &state.services);
    let client = client_address(&state, peer.map(|p| p.0.0), &headers);
    // A retried mutation with its key gets the first answer (any replica's).
    let idempotent = match (&idempotency_key, prepared.is_mutation, viewer.account_id()) {
        (Some(key), true, Some(account_id)) => Some((key.clone(), account_id)),
        (Some(_), true, None) => {
            return error_response(
                media,
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "Idempotency keys are for signed-in requests.",
            );
        }
        _ => None,
    };
    if let Some((key, account_id)) = &idempotent {
        let s = &state.services;
        match crate::idempotency::claim(
            &s.db,
            *account_id,
            key,
            prepared.fingerprint.as_deref().unwrap_or_default(),
            s.clock.now(),
        )
        .await
        {
            Ok(crate::idempotency::Claim::Claimed) => {}
            Ok(crate::idempotency::Claim::Replay(answer)) => {
                return graphql_http::Answer::replayed(answer).into_response(media);
            }
            Ok(crate::idempotency::Claim::Reused) => {
                return error_response(
                    media,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    crate::idempotency::KEY_REUSED,
                    "This idempotency key was already used for a different request. Use a new key for each new change.",
                );
            }
            Ok(crate::idempotency::Claim::InProgress) => {
                return error_response(
                    media,
                    StatusCode::CONFLICT,
                    crate::idempotency::IN_PROGRESS,
                    "The first attempt with this idempotency key is still running. Please try again in a moment.",
                );
            }
            Err(err) => {
                tracing::error!(error = ?err, "could not claim an idempotency key");
                return error_response(
                    media,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    err.code(),
                    &err.to_string(),
                );
            }
        }
    }
    let schema = if prepared.prevalidated {
        &state.prevalidated_schema
    } else {
        &state.schema
    };
    let (request, validation) = prepared.into_request();
    let mut request = request
        .data(viewer.clone())
        .data(loaders)
        .data(request_state.clone())
        .data(client);
    if let Some(expiry) = expiry {
        request = request.data(crate::graphql::SessionExpiry(expiry));
    }
    let mut response = schema.execute(request).await;
    let executed = graphql::spec::after(&mut response, &checks);
    validation.note(executed);
    // Failed for want of the database: 503, no partial data.
    if lifecycle::failed_for_unavailability(&response) {
        return lifecycle::unavailable();
    }
    // Reads of family data are audited before the data leaves (DESIGN rule 6).
    if let Err(err) = request_state.write_reads(&state.services, &viewer).await {
        if let AppError::Unavailable(_) = err {
            return lifecycle::unavailable();
        }
        tracing::error!(error = ?err, "could not write the audit trail; response withheld");
        return error_response(
            media,
            StatusCode::INTERNAL_SERVER_ERROR,
            err.code(),
            &err.to_string(),
        );
    }
    let answer = graphql_http::Answer::of(&response, executed);
    if let Some((key, account_id)) = &idempotent
        && let Err(err) =
            crate::idempotency::complete(&state.services.db, *account_id, key, answer.text()).await
    {
        tracing::error!(error = ?err, "could not store the response for an idempotency key");
    }
    answer.into_response(media)
}

/// A request error found before the operation ran: no `data`.
fn request_errors(media: MediaType, errors: Vec<async_graphql::ServerError>) -> Response {
    graphql_http::Answer::of(&async_graphql::Response::from_errors(errors), false)
        .into_response(media)
}

/// The client's address: the peer, or behind a trusted proxy the last `X-Forwarded-For` entry.
fn client_address(
    state: &AppState,
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
) -> ClientAddress {
    let forwarded = state
        .services
        .settings
        .trust_forwarded_for
        .then(|| {
            headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .rfind(|v| !v.is_empty())
                .map(str::to_owned)
        })
        .flatten();
    ClientAddress(
        forwarded
            .or_else(|| peer.map(|p| p.ip().to_string()))
            .unwrap_or_else(|| "unknown".to_owned()),
    )
}

/// Resolves the `Authorization: Bearer` header. No header: anonymous. A bad token: refused.
pub(crate) async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(Viewer, Option<chrono::DateTime<chrono::Utc>>), AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok((Viewer::Anonymous, None));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(AppError::Unauthenticated)?;
    let (viewer, session) = session::resolve(
        &state.services.db,
        token,
        state.services.clock.now(),
        state.services.settings.session_idle_timeout,
    )
    .await?;
    Ok((viewer, Some(session.expires_at)))
}
