//! SIGTERM (issue 12), on the real binary: readiness turns not-ready at once while requests
//! are still served (with `Connection: close`), then the listener closes, the request in
//! flight finishes, and the process exits cleanly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures::{SinkExt, StreamExt};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

struct Server {
    child: Child,
    address: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(drain: &str) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let address = format!("127.0.0.1:{}", free_port());
    let child = Command::new(env!("CARGO_BIN_EXE_family-plan"))
        .env("FAMILY_PLAN_BIND", &address)
        .env("FAMILY_PLAN_DATA_DIR", dir.path())
        .env("FAMILY_PLAN_SHUTDOWN_DRAIN", drain)
        .env("FAMILY_PLAN_REQUEST_TIMEOUT", "20s")
        .env("FAMILY_PLAN_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        address,
        _dir: dir,
    };
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(response) = client.get(server.url("/health/ready")).send().await
            && response.status() == 200
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not become ready");
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits up to `limit` for the process to end; its exit status.
    fn wait_for_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(started.elapsed() < limit, "still running after {limit:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sigterm_the_server_drains_finishes_what_is_in_flight_and_exits() {
    let mut server = start("1500ms").await;
    let client = reqwest::Client::new();

    // A request in flight: headers sent, half of the body still to come.
    let body = br#"{"query":"{ __typename }"}"#;
    let mut in_flight = TcpStream::connect(&server.address).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        server.address,
        body.len()
    );
    in_flight.write_all(head.as_bytes()).await.unwrap();
    in_flight.write_all(&body[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    // A live-updates connection, signed in anonymously.
    let mut socket = {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = format!("ws://{}/graphql/ws", server.address)
            .into_client_request()
            .unwrap();
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        tokio_tungstenite::connect_async(request).await.unwrap().0
    };
    socket
        .send(Message::Text(
            r#"{"type":"connection_init","payload":{}}"#.into(),
        ))
        .await
        .unwrap();
    let ack = socket.next().await.unwrap().unwrap();
    assert!(ack.to_text().unwrap().contains("connection_ack"), "{ack}");

    server.terminate();
    let signalled = Instant::now();
    tokio::time::sleep(Duration::from_millis(100)).await;

    // At once: not ready, still alive, and every answer closes its connection.
    let ready = client
        .get(server.url("/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    assert_eq!(ready.headers()["connection"], "close");
    let live = client.get(server.url("/health/live")).send().await.unwrap();
    assert_eq!(live.status(), 200);
    assert!(
        signalled.elapsed() < Duration::from_millis(1_500),
        "within the drain"
    );

    // After the drain: no new connections...
    tokio::time::sleep(Duration::from_millis(1_800)).await;
    assert!(
        TcpStream::connect(&server.address).await.is_err(),
        "the listener is closed"
    );
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "waiting for the request in flight"
    );

    // ...while the request in flight finishes, answered in full.
    in_flight.write_all(&body[10..]).await.unwrap();
    let mut answer = String::new();
    in_flight.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains(r#"{"data":{"__typename":"Query"}}"#),
        "{answer}"
    );

    // Then the process exits, successfully.
    let status = server.wait_for_exit(Duration::from_secs(5));
    assert!(status.success(), "{status:?}");
}
