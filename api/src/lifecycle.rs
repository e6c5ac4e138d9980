//! What keeps one request from holding the service, and how the service stops.
//!
//! - Every request has a time budget (`FAMILY_PLAN_REQUEST_TIMEOUT`): past it the request's
//!   future is dropped, so its work stops (a transaction not yet committed is rolled back),
//!   and the answer is 503 with the code `TIMEOUT`. The same happens when the client goes
//!   away: hyper drops the future.
//! - Requests in flight are counted, so that shutdown (and `/health/ready`) can see them.
//! - On SIGTERM the service first turns not-ready while still serving (`FAMILY_PLAN_SHUTDOWN_DRAIN`),
//!   answers with `Connection: close` so that keep-alive clients move on, then stops
//!   accepting and lets the requests in flight finish.
//! - A response that failed because the database is unavailable is answered 503 with
//!   `Retry-After` and no data.
use crate::app::{AppState, http_error};
use crate::error::SERVICE_UNAVAILABLE;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// Seconds a client is asked to wait before retrying when the database is unavailable.
pub const RETRY_AFTER_SECONDS: u64 = 2;

/// Shared by every request of this process.
#[derive(Default)]
pub struct Lifecycle {
    draining: AtomicBool,
    in_flight: AtomicUsize,
    /// Woken when `draining` turns on.
    drain_started: Notify,
}

impl Lifecycle {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Whether shutdown has begun: readiness says no, responses close their connections.
    pub fn draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// Requests being served now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
        self.drain_started.notify_waiters();
    }

    /// Completes once draining has begun.
    pub async fn drain_started(&self) {
        let notified = self.drain_started.notified();
        if self.draining() {
            return;
        }
        notified.await;
    }

    fn enter(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(self.clone())
    }
}

/// One request in flight; dropped when the request's future ends or is dropped.
struct InFlight(Arc<Lifecycle>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Middleware: the time budget, the in-flight count, `Connection: close` while draining.
pub async fn budget(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let lifecycle = &state.lifecycle;
    let _in_flight = lifecycle.enter();
    let limit = state.services.settings.request_timeout;
    let mut response = match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(budget = ?limit, "request stopped: over its time budget");
            http_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "TIMEOUT",
                "This took longer than we allow for one request, so we stopped it. Please try again, or ask for less at once.",
            )
        }
    };
    if lifecycle.draining() {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// The answer for a request that failed because the database is unavailable: 503,
/// `Retry-After`, the code `SERVICE_UNAVAILABLE`, no data.
pub fn unavailable() -> Response {
    let mut response = http_error(
        StatusCode::SERVICE_UNAVAILABLE,
        SERVICE_UNAVAILABLE,
        "The service is busy or briefly unavailable. Please try again in a moment.",
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    response
}

/// Whether any error of a GraphQL response says the database was unavailable.
pub fn failed_for_unavailability(response: &async_graphql::Response) -> bool {
    response.errors.iter().any(|error| {
        error
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .is_some_and(|code| *code == async_graphql::Value::from(SERVICE_UNAVAILABLE))
    })
}

/// Completes when shutdown should begin (`signal`), then after `drain` in which the service
/// keeps serving while not ready. The returned future is what `axum::serve` waits on before it
/// stops accepting and finishes the requests in flight.
pub async fn drain_then_stop(
    lifecycle: Arc<Lifecycle>,
    signal: impl std::future::Future<Output = ()>,
    drain: Duration,
) {
    signal.await;
    lifecycle.start_draining();
    tracing::info!(drain = ?drain, in_flight = lifecycle.in_flight(), "draining: not ready, still serving");
    tokio::time::sleep(drain).await;
    tracing::info!(
        in_flight = lifecycle.in_flight(),
        "stopped accepting; finishing requests in flight"
    );
}
