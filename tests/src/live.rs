//! A GraphQL subscription client over WebSocket (graphql-transport-ws), as an app would be.
use crate::TestApp;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

pub struct Subscriber {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Subscriber {
    /// Opens `/graphql/ws` and sends `connection_init` with `token`; returns the server's
    /// first answer (`connection_ack`, or why the connection was refused) and the socket.
    pub async fn connect(app: &TestApp, token: Option<&str>) -> (Value, Self) {
        let mut subscriber = Self::open(app, None).await.unwrap();
        let payload = match token {
            Some(token) => json!({ "authorization": format!("Bearer {token}") }),
            None => json!({}),
        };
        subscriber
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        let first = subscriber
            .next(Duration::from_secs(5))
            .await
            .unwrap_or(Value::Null);
        (first, subscriber)
    }

    /// Opens `/graphql/ws` from a browser page at `origin` (None: a native app), without
    /// signing in; the upgrade's refusal as an error.
    pub async fn open(
        app: &TestApp,
        origin: Option<&str>,
    ) -> Result<Self, tokio_tungstenite::tungstenite::Error> {
        let url = format!("{}/graphql/ws", app.address.replace("http://", "ws://"));
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        if let Some(origin) = origin {
            request
                .headers_mut()
                .insert("Origin", origin.parse().unwrap());
        }
        let (ws, _) = connect_async(request).await?;
        Ok(Self { ws })
    }

    /// Connects and expects the server to accept.
    pub async fn signed_in(app: &TestApp, token: &str) -> Self {
        let (ack, subscriber) = Self::connect(app, Some(token)).await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        subscriber
    }

    pub async fn send(&mut self, message: Value) {
        self.ws
            .send(Message::Text(message.to_string().into()))
            .await
            .unwrap();
    }

    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } }))
            .await;
    }

    /// The next protocol message (pings answered), or None after `wait`. A close frame
    /// comes back as `{"type": "closed", "code": …}`.
    pub async fn next(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let message = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()??;
            match message {
                Ok(Message::Text(text)) => {
                    let value: Value = serde_json::from_str(&text).unwrap();
                    if value["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return Some(value);
                }
                Ok(Message::Close(frame)) => {
                    let code = frame.map(|f| u16::from(f.code)).unwrap_or_default();
                    return Some(json!({ "type": "closed", "code": code }));
                }
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    }
}
