//! What one WebSocket connection may hold, and how the server keeps it honest:
//!
//! - the `Origin` of a browser's upgrade must be one of ours (public URL, passkey origins);
//! - an account holds at most `FAMILY_PLAN_WS_MAX_CONNECTIONS_PER_ACCOUNT` connections and a
//!   connection at most `FAMILY_PLAN_WS_MAX_SUBSCRIPTIONS` subscriptions;
//! - each plan event is authorised once per connection (its viewer is fixed), however many
//!   subscriptions on the connection wait for it;
//! - the server pings every `FAMILY_PLAN_WS_PING_INTERVAL` and closes a connection from which
//!   nothing, not even a pong, arrived for `FAMILY_PLAN_WS_IDLE_TIMEOUT`; on shutdown it
//!   closes every connection with 1001 (going away) so that apps reconnect elsewhere.
use crate::config::Settings;
use crate::domain::notify::PlanEvent;
use crate::error::GqlError;
use crate::lifecycle::Lifecycle;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::http::HeaderMap;
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// Largest message accepted from a WebSocket client.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// Messages from one client waiting to be handled; a client that sends faster is closed.
const INBOX: usize = 64;
/// How long a closing connection waits for the client's close.
const CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(2);
/// Plan events whose decision a connection remembers.
const REMEMBERED_EVENTS: usize = 16;

/// Whether a WebSocket upgrade may go ahead: no `Origin` (a native app), or one of ours.
pub fn origin_allowed(headers: &HeaderMap, settings: &Settings) -> bool {
    let Some(origin) = headers.get(axum::http::header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let origin = origin.trim_end_matches('/');
    let public = url::Url::parse(&settings.public_url).ok();
    public
        .iter()
        .chain(settings.webauthn_origins.iter())
        .any(|allowed| {
            let serialised = allowed.origin().ascii_serialization();
            // Opaque origins (`android:apk-key-hash:…`) are compared as written.
            if serialised == "null" {
                allowed.as_str().trim_end_matches('/') == origin
            } else {
                serialised.eq_ignore_ascii_case(origin)
            }
        })
}

/// Open connections per account, on this replica.
#[derive(Clone, Default)]
pub struct Sockets(Arc<Mutex<HashMap<Uuid, usize>>>);

/// One of an account's connections; released when dropped.
pub struct SocketClaim {
    sockets: Sockets,
    account_id: Uuid,
}

impl Sockets {
    /// Claims a connection for `account_id`, or `None` if it already holds `max`.
    pub fn claim(&self, account_id: Uuid, max: u32) -> Option<SocketClaim> {
        let mut open = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(account_id).or_default();
        if *count >= usize::try_from(max).unwrap_or(usize::MAX) {
            return None;
        }
        *count += 1;
        Some(SocketClaim {
            sockets: self.clone(),
            account_id,
        })
    }

    pub fn open_for(&self, account_id: Uuid) -> usize {
        let open = self.0.lock().unwrap_or_else(|e| e.into_inner());
        open.get(&account_id).copied().unwrap_or_default()
    }
}

impl Drop for SocketClaim {
    fn drop(&mut self) {
        let mut open = self.sockets.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.account_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.account_id);
            }
        }
    }
}

/// What one connection holds: its account's claim, its subscriptions, its recent decisions.
#[derive(Default)]
pub struct Connection {
    claim: Mutex<Option<SocketClaim>>,
    subscriptions: AtomicUsize,
    decisions: tokio::sync::Mutex<VecDeque<(PlanEvent, Result<(), GqlError>)>>,
}

/// One running subscription; released when its stream is dropped.
pub struct SubscriptionSlot(Arc<Connection>);

impl Drop for SubscriptionSlot {
    fn drop(&mut self) {
        self.0.subscriptions.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Connection {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn hold(&self, claim: SocketClaim) {
        *self.claim.lock().unwrap_or_else(|e| e.into_inner()) = Some(claim);
    }

    /// A slot for one more subscription, or `None` if the connection already runs `max`.
    pub fn start_subscription(self: &Arc<Self>, max: u32) -> Option<SubscriptionSlot> {
        let max = usize::try_from(max).unwrap_or(usize::MAX);
        let before = self.subscriptions.fetch_add(1, Ordering::SeqCst);
        let slot = SubscriptionSlot(self.clone());
        (before < max).then_some(slot)
    }

    /// The decision for `event` on this connection: made by `decide` for the first
    /// subscription that asks, remembered for the others.
    pub async fn decide<F, Fut>(&self, event: &PlanEvent, decide: F) -> Result<(), GqlError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(), GqlError>>,
    {
        let mut decisions = self.decisions.lock().await;
        if let Some((_, decided)) = decisions.iter().find(|(seen, _)| seen == event) {
            return decided.clone();
        }
        let decided = decide().await;
        if decisions.len() >= REMEMBERED_EVENTS {
            decisions.pop_front();
        }
        decisions.push_back((*event, decided.clone()));
        decided
    }
}

/// Runs `serve` (async-graphql's protocol handler, given a message stream and sink) over
/// `socket`, with pings, the idle timeout, the inbox bound and the close on shutdown.
pub async fn pump<S, Fut>(
    socket: WebSocket,
    settings: &Settings,
    lifecycle: Arc<Lifecycle>,
    serve: S,
) where
    S: FnOnce(mpsc::Sender<Message>, mpsc::Receiver<Result<Message, axum::Error>>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (mut to_client, mut from_client) = socket.split();
    let (mut inbox, inbox_rx) = mpsc::channel::<Result<Message, axum::Error>>(INBOX);
    let (outbox, mut outbox_rx) = mpsc::channel::<Message>(INBOX);
    let protocol = tokio::spawn(serve(outbox, inbox_rx));
    // The first ping one interval in: a ping at once would race the protocol's first answer.
    let mut ping = tokio::time::interval_at(
        tokio::time::Instant::now() + settings.ws_ping_interval,
        settings.ws_ping_interval,
    );
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_heard = tokio::time::Instant::now();
    let close = |code: u16, reason: &'static str| {
        Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }))
    };
    let closing = loop {
        tokio::select! {
            incoming = from_client.next() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break None,
                Some(Ok(message)) => {
                    last_heard = tokio::time::Instant::now();
                    if matches!(message, Message::Ping(_) | Message::Pong(_)) {
                        continue;
                    }
                    if inbox.try_send(Ok(message)).is_err() {
                        break Some(close(1008, "too many messages at once"));
                    }
                }
            },
            outgoing = outbox_rx.next() => match outgoing {
                Some(message @ Message::Close(_)) => break Some(message),
                Some(message) => {
                    if to_client.send(message).await.is_err() {
                        break None;
                    }
                }
                None => break None,
            },
            _ = ping.tick() => {
                if last_heard.elapsed() > settings.ws_idle_timeout {
                    break Some(close(1001, "idle: no answer to pings"));
                }
                if to_client.send(Message::Ping(Default::default())).await.is_err() {
                    break None;
                }
            },
            () = lifecycle.drain_started() => break Some(close(1001, "server shutting down")),
        }
    };
    if let Some(message) = closing {
        // The closing handshake: our close, then a moment for the client's, so that the
        // client reads the reason rather than a reset connection.
        if to_client.send(message).await.is_ok() {
            let _ = tokio::time::timeout(CLOSE_GRACE, async {
                while let Some(Ok(message)) = from_client.next().await {
                    if let Message::Close(_) = message {
                        break;
                    }
                }
            })
            .await;
        }
    }
    let _ = to_client.close().await;
    // Ends the protocol handler and every subscription of the connection.
    protocol.abort();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        let mut settings = Settings::defaults().unwrap();
        settings.public_url = "https://app.example.org".into();
        settings.webauthn_origins = vec![
            "https://app.example.org".parse().unwrap(),
            "android:apk-key-hash:abc".parse().unwrap(),
        ];
        settings
    }

    fn with_origin(origin: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("origin", origin.parse().unwrap());
        headers
    }

    #[test]
    fn only_our_origins_may_open_a_websocket() {
        let settings = settings();
        assert!(origin_allowed(&HeaderMap::new(), &settings));
        assert!(origin_allowed(
            &with_origin("https://app.example.org"),
            &settings
        ));
        assert!(origin_allowed(
            &with_origin("android:apk-key-hash:abc"),
            &settings
        ));
        assert!(!origin_allowed(
            &with_origin("https://evil.example"),
            &settings
        ));
        assert!(!origin_allowed(
            &with_origin("http://app.example.org"),
            &settings
        ));
        assert!(!origin_allowed(&with_origin("null"), &settings));
    }

    #[test]
    fn an_account_holds_at_most_its_connections() {
        let sockets = Sockets::default();
        let account = Uuid::new_v4();
        let first = sockets.claim(account, 2).unwrap();
        let _second = sockets.claim(account, 2).unwrap();
        assert!(sockets.claim(account, 2).is_none());
        drop(first);
        assert!(sockets.claim(account, 2).is_some());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_event_is_decided_once_per_connection() {
        let connection = Connection::new();
        let decided = Arc::new(AtomicUsize::new(0));
        let event = |version| PlanEvent {
            plan_id: Uuid::nil(),
            family_id: Uuid::nil(),
            version,
            side: crate::domain::notify::Side::Family,
            at: chrono::DateTime::UNIX_EPOCH,
            outcome_id: None,
        };
        // 300 subscriptions of one connection wait for the same two events at once.
        let waiting: Vec<_> = (0..300)
            .map(|i| {
                let connection = connection.clone();
                let decided = decided.clone();
                tokio::spawn(async move {
                    let event = event(i % 2);
                    connection
                        .decide(&event, || async {
                            decided.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                            Ok(())
                        })
                        .await
                })
            })
            .collect();
        for waiting in waiting {
            assert!(waiting.await.unwrap().is_ok());
        }
        assert_eq!(decided.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_connection_holds_at_most_its_subscriptions() {
        let connection = Connection::new();
        let first = connection.start_subscription(2).unwrap();
        let _second = connection.start_subscription(2).unwrap();
        assert!(connection.start_subscription(2).is_none());
        drop(first);
        assert!(connection.start_subscription(2).is_some());
    }
}
