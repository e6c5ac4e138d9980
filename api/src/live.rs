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
use crate::live_limits;
use crate::viewer::Viewer;
use async_graphql::futures_util::stream::{self, BoxStream, StreamExt};
use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, WebSocketProtocols};
use async_graphql::parser::types::OperationType;
use async_graphql::{Data, ErrorExtensions, Executor, Pos, Request, Response};
use axum::extract::ws::Message;
use axum::extract::{State, WebSocketUpgrade};
use axum::response::IntoResponse;
use axum::response::Response as HttpResponse;
use std::str::FromStr;
use std::sync::Arc;
use tokio::sync::watch;

/// `GET /graphql/ws`: subscriptions only. Queries and mutations go to `POST /graphql`,
/// where reads are audited before the answer leaves.
pub async fn graphql_ws(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    upgrade: WebSocketUpgrade,
) -> HttpResponse {
    if !live_limits::origin_allowed(&headers, &state.services.settings) {
        return crate::app::http_error(
            axum::http::StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "Live updates are open only to the Family Plan app.",
        );
    }
    // The sub-protocol asked for, as `async_graphql_axum::GraphQLProtocol` reads it.
    let Some(protocol) = headers
        .get(axum::http::header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|list| {
            list.split(',')
                .find_map(|p| WebSocketProtocols::from_str(p.trim()).ok())
        })
    else {
        return axum::http::StatusCode::BAD_REQUEST.into_response();
    };
    let connection = live_limits::Connection::new();
    let executor = SubscriptionsOnly {
        schema: state.live_schema.clone(),
        connection: connection.clone(),
        max_subscriptions: state.services.settings.ws_max_subscriptions,
    };
    let services = state.services.clone();
    let sockets = state.sockets.clone();
    let lifecycle = state.lifecycle.clone();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(live_limits::MAX_MESSAGE_BYTES)
        .max_frame_size(live_limits::MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| async move {
            let settings = services.settings.clone();
            live_limits::pump(socket, &settings, lifecycle, move |sink, stream| {
                let init = Init {
                    services,
                    sockets,
                    connection,
                };
                serve_protocol(sink, stream, executor, protocol, init)
            })
            .await;
        })
}

/// graphql-transport-ws close codes, where async-graphql closes every failure with 1002.
mod close {
    /// A message the protocol does not know, or not JSON.
    pub const BAD_MESSAGE: u16 = 4400;
    /// No session, or an unknown or ended one: sign in again (or subscribe before the ack).
    pub const UNAUTHORIZED: u16 = 4401;
    /// The connection is refused for any other reason.
    pub const FORBIDDEN: u16 = 4403;
}

/// What signing a connection in needs.
struct Init {
    services: Services,
    sockets: live_limits::Sockets,
    connection: Arc<live_limits::Connection>,
}

/// Speaks the GraphQL WebSocket protocol over the socket's messages (pings, idle and
/// shutdown are `live_limits::pump`'s), with the close codes of graphql-transport-ws: the code
/// for a refused `connection_init` is decided where it is refused, every other 1002 is a bad
/// message.
async fn serve_protocol(
    sink: futures::channel::mpsc::Sender<Message>,
    stream: futures::channel::mpsc::Receiver<Result<Message, axum::Error>>,
    executor: SubscriptionsOnly,
    protocol: WebSocketProtocols,
    init: Init,
) {
    use axum::extract::ws::CloseFrame;
    use futures::SinkExt;
    let mut sink = sink;
    let input = stream
        .take_while(|res| std::future::ready(res.is_ok()))
        .filter_map(|msg| {
            std::future::ready(match msg {
                Ok(msg @ (Message::Text(_) | Message::Binary(_))) => Some(msg.into_data()),
                _ => None,
            })
        });
    let refusal = Arc::new(std::sync::Mutex::new(None::<u16>));
    let noted = refusal.clone();
    let transport_ws = protocol == WebSocketProtocols::GraphQLWS;
    let messages = async_graphql::http::WebSocket::new(executor, input, protocol)
        .on_connection_init(move |payload| async move {
            let result = connection_data(init, payload).await;
            if let Err((code, _)) = &result {
                *noted.lock().unwrap_or_else(|e| e.into_inner()) = Some(*code);
            }
            result.map_err(|(_, err)| err)
        })
        .map(|msg| match msg {
            async_graphql::http::WsMessage::Text(text) => Message::Text(text.into()),
            async_graphql::http::WsMessage::Close(code, reason) => {
                let code = match code {
                    1002 if transport_ws => refusal
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .unwrap_or(close::BAD_MESSAGE),
                    // `subscribe` before `connection_ack`.
                    1011 if transport_ws => close::UNAUTHORIZED,
                    other => other,
                };
                // A close frame's reason has at most 123 bytes: the protocol's words.
                let reason = match code {
                    close::BAD_MESSAGE => "Invalid message received".to_owned(),
                    close::UNAUTHORIZED => "Unauthorized".to_owned(),
                    close::FORBIDDEN => "Forbidden".to_owned(),
                    _ => reason.chars().take(60).collect(),
                };
                Message::Close(Some(CloseFrame {
                    code,
                    reason: reason.into(),
                }))
            }
        });
    futures::pin_mut!(messages);
    while let Some(message) = messages.next().await {
        if sink.send(message).await.is_err() {
            break;
        }
    }
}

/// Signs the connection in from `{"authorization": "Bearer …"}`; no token: anonymous (who
/// may subscribe to nothing). A bad or ended session refuses the connection, with the close
/// code to use.
async fn connection_data(
    init: Init,
    payload: serde_json::Value,
) -> Result<Data, (u16, async_graphql::Error)> {
    let Init {
        services,
        sockets,
        connection,
    } = init;
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
            .map_err(|e| {
                let code = match e {
                    AppError::Unauthenticated | AppError::SessionExpired => close::UNAUTHORIZED,
                    _ => close::FORBIDDEN,
                };
                (code, e.extend())
            })?
            .0
        }
    };
    if let Some(account_id) = viewer.account_id() {
        let max = services.settings.ws_max_connections_per_account;
        let claim = sockets.claim(account_id, max).ok_or_else(|| {
            let err = AppError::TooLarge(format!(
                "You already have {max} live connections open. Please close one and try again."
            ));
            (close::FORBIDDEN, err.extend())
        })?;
        connection.hold(claim);
    }
    let (viewer, loaders) = graphql::request_data(viewer, &services);
    let mut data = Data::default();
    data.insert(connection);
    data.insert(viewer);
    data.insert(loaders);
    data.insert(Arc::new(RequestState::default()));
    Ok(data)
}

/// The schema, refusing anything but subscriptions, and more than the connection may run.
#[derive(Clone)]
struct SubscriptionsOnly {
    schema: AppSchema,
    connection: Arc<live_limits::Connection>,
    max_subscriptions: u32,
}

fn subscriptions_only(request: &mut Request) -> bool {
    request
        .parsed_query()
        .map(|doc| {
            doc.operations
                .iter()
                .all(|(_, op)| op.node.ty == OperationType::Subscription)
        })
        // Unparseable: let the schema say what is wrong.
        .unwrap_or(true)
}

fn refused() -> Response {
    refusal(AppError::BadUserInput(
        "Only subscriptions run over the WebSocket; send queries and mutations to POST /graphql."
            .into(),
    ))
}

fn refusal(err: AppError) -> Response {
    Response::from_errors(vec![err.extend().into_server_error(Pos::default())])
}

impl Executor for SubscriptionsOnly {
    async fn execute(&self, mut request: Request) -> Response {
        if let Err(refused) = graphql::limits::bound(&mut request).await {
            return refused.into_graphql();
        }
        if subscriptions_only(&mut request) {
            self.schema.execute(request).await
        } else {
            refused()
        }
    }

    fn execute_stream(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let Some(slot) = self.connection.start_subscription(self.max_subscriptions) else {
            let max = self.max_subscriptions;
            return stream::once(async move {
                refusal(AppError::TooLarge(format!(
                    "One connection can follow at most {max} things at once. Please stop one first."
                )))
            })
            .boxed();
        };
        let schema = self.schema.clone();
        stream::once(async move {
            if let Err(refused) = graphql::limits::bound(&mut request).await {
                return stream::once(async move { refused.into_graphql() }).boxed();
            }
            if !subscriptions_only(&mut request) {
                return stream::once(async { refused() }).boxed();
            }
            schema
                .execute_stream_with_session_data(request, session_data.unwrap_or_default())
                .boxed()
        })
        .flatten()
        // The slot is released when the subscription's stream is dropped.
        .map(move |response| {
            let _running = &slot;
            response
        })
        .boxed()
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
        services.db.connection().clone(),
        services.clock.clone(),
        services.settings.lead_deadline_poll_interval,
        link,
        services.hub.clone(),
        stopped(stop.clone()),
    ));
    // Issue 14: young people reaching an age at which their parents' view changes.
    tokio::spawn(crate::domain::growing_up::run(
        services.db.connection().clone(),
        services.clock.clone(),
        services.settings.clone(),
        stopped(stop.clone()),
    ));
    // Issue 17: the hub's clocks on requests for support, likewise on every replica.
    let hub_link = format!(
        "{}/hub/requests",
        services.settings.public_url.trim_end_matches('/')
    );
    tokio::spawn(crate::domain::support_clock::run(
        services.db.connection().clone(),
        services.clock.clone(),
        services.settings.support_clock_poll_interval,
        hub_link,
        stopped(stop.clone()),
    ));
    // Issue 13: the push worker, on every replica, when this service pushes anywhere.
    if services.settings.push_worker
        && !crate::push::enabled_platforms(&services.settings).is_empty()
    {
        match crate::push::worker::Worker::new(
            services.db.connection().clone(),
            &services.settings,
            services.clock.clone(),
        ) {
            Ok(worker) => {
                tokio::spawn(
                    worker.run(services.settings.push_poll_interval, stopped(stop.clone())),
                );
            }
            Err(err) => tracing::error!(error = %err, "push worker not started"),
        }
    }
    if let Ok(DatabaseKind::Postgres) = services.settings.database_kind() {
        tokio::spawn(notify::listen(
            services.db.connection().clone(),
            services.hub.clone(),
            stopped(stop),
        ));
    }
}
