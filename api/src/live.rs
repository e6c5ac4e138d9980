//! Live features beside the HTTP API: the WebSocket endpoint for GraphQL subscriptions
//! (graphql-ws / graphql-transport-ws, bearer token in the `connection_init` payload) and
//! the background jobs (nomination deadlines; on PostgreSQL the listener that brings other
//! replicas' plan events to this one's subscribers).
use crate::app::AppState;
use crate::auth::session;
use crate::config::DatabaseKind;
use crate::domain::{lead_deadlines, notify};
use crate::error::AppError;
use crate::graphql::{self, AppSchema, RequestState, Services};
use crate::viewer::Viewer;
use async_graphql::futures_util::stream::{self, BoxStream, StreamExt};
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::parser::types::OperationType;
use async_graphql::{Data, ErrorExtensions, Executor, Pos, Request, Response};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::{State, WebSocketUpgrade};
use axum::response::Response as HttpResponse;
use std::sync::Arc;
use tokio::sync::watch;

/// `GET /graphql/ws`: subscriptions only. Queries and mutations go to `POST /graphql`,
/// where reads are audited before the answer leaves.
pub async fn graphql_ws(
    State(state): State<AppState>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> HttpResponse {
    let executor = SubscriptionsOnly(state.schema.clone());
    let services = state.services.clone();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            GraphQLWebSocket::new(socket, executor, protocol)
                .on_connection_init(move |payload| connection_data(services, payload))
                .serve()
        })
}

/// Signs the connection in from `{"authorization": "Bearer …"}`; no token: anonymous (who
/// may subscribe to nothing). A bad or ended session refuses the connection.
async fn connection_data(
    services: Services,
    payload: serde_json::Value,
) -> async_graphql::Result<Data> {
    let token = ["authorization", "Authorization"]
        .iter()
        .find_map(|key| payload.get(*key))
        .and_then(|v| v.as_str())
        .map(|v| v.strip_prefix("Bearer ").unwrap_or(v).trim())
        .filter(|t| !t.is_empty());
    let viewer = match token {
        None => Viewer::Anonymous,
        Some(token) => {
            session::resolve(
                &services.db,
                token,
                services.clock.now(),
                services.settings.session_idle_timeout,
            )
            .await
            .map_err(|e| e.extend())?
            .0
        }
    };
    let (viewer, loaders) = graphql::request_data(viewer, &services);
    let mut data = Data::default();
    data.insert(viewer);
    data.insert(loaders);
    data.insert(Arc::new(RequestState::default()));
    Ok(data)
}

/// The schema, refusing anything but subscriptions.
#[derive(Clone)]
struct SubscriptionsOnly(AppSchema);

fn subscriptions_only(request: &Request) -> bool {
    async_graphql::parser::parse_query(&request.query)
        .map(|doc| {
            doc.operations
                .iter()
                .all(|(_, op)| op.node.ty == OperationType::Subscription)
        })
        // Unparseable: let the schema say what is wrong.
        .unwrap_or(true)
}

fn refused() -> Response {
    let error = AppError::BadUserInput(
        "Only subscriptions run over the WebSocket; send queries and mutations to POST /graphql."
            .into(),
    )
    .extend()
    .into_server_error(Pos::default());
    Response::from_errors(vec![error])
}

impl Executor for SubscriptionsOnly {
    async fn execute(&self, request: Request) -> Response {
        if subscriptions_only(&request) {
            self.0.execute(request).await
        } else {
            refused()
        }
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        if subscriptions_only(&request) {
            self.0
                .execute_stream_with_session_data(request, session_data.unwrap_or_default())
                .boxed()
        } else {
            stream::once(async { refused() }).boxed()
        }
    }
}

/// Starts the background jobs of this replica; they stop when `stop` changes or closes.
pub fn start_jobs(services: &Services, stop: watch::Receiver<()>) {
    let stopped = |mut stop: watch::Receiver<()>| async move {
        let _ = stop.changed().await;
    };
    let link = format!(
        "{}/lead-nominations/follow-up",
        services.settings.public_url.trim_end_matches('/')
    );
    tokio::spawn(lead_deadlines::run(
        services.db.clone(),
        services.clock.clone(),
        services.settings.lead_deadline_poll_interval,
        link,
        stopped(stop.clone()),
    ));
    if let Ok(DatabaseKind::Postgres) = services.settings.database_kind() {
        tokio::spawn(notify::listen(
            services.db.clone(),
            services.hub.clone(),
            stopped(stop),
        ));
    }
}
