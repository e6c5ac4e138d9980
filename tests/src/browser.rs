//! A real browser for tests: Chromium, headless, driven over the DevTools protocol by a small
//! client on tokio-tungstenite (already here for the WebSocket tests; a crate such as
//! chromiumoxide would bring a large generated protocol for the five commands used here).
//! Its virtual authenticator (`WebAuthn.addVirtualAuthenticator`) behaves as a platform
//! passkey does: resident keys, user verification, presence simulated.
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::io::BufRead;
use std::process::Stdio;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

pub struct Browser {
    process: std::process::Child,
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    session: Option<String>,
    _profile: tempfile::TempDir,
}

/// The Chromium binary, if one is installed.
pub fn chromium() -> Option<String> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| {
            std::process::Command::new(name)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .map(str::to_owned)
}

impl Browser {
    /// Starts headless Chromium and opens one page with a virtual authenticator.
    pub async fn launch(binary: &str) -> anyhow::Result<Self> {
        let profile = tempfile::tempdir()?;
        let mut process = std::process::Command::new(binary)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--remote-debugging-port=0",
                &format!("--user-data-dir={}", profile.path().display()),
                "about:blank",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let stderr = process
            .stderr
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stderr"))?;
        // Read stderr on a thread for the DevTools address, then keep reading it so that
        // Chromium never blocks on a full pipe.
        let (found, address) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let mut found = Some(found);
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix("DevTools listening on ")
                    && let Some(found) = found.take()
                {
                    let _ = found.send(url.trim().to_owned());
                }
            }
        });
        let url = match tokio::time::timeout(Duration::from_secs(30), address).await {
            Ok(Ok(url)) => url,
            _ => {
                let _ = process.kill();
                anyhow::bail!("Chromium gave no DevTools address")
            }
        };
        let (ws, _) = connect_async(url.as_str()).await?;
        let mut browser = Self {
            process,
            ws,
            next_id: 0,
            session: None,
            _profile: profile,
        };
        let target = browser
            .call("Target.createTarget", json!({ "url": "about:blank" }))
            .await?;
        let attached = browser
            .call(
                "Target.attachToTarget",
                json!({ "targetId": target["targetId"], "flatten": true }),
            )
            .await?;
        browser.session = attached["sessionId"].as_str().map(str::to_owned);
        browser.call("Page.enable", json!({})).await?;
        browser.call("WebAuthn.enable", json!({})).await?;
        browser
            .call(
                "WebAuthn.addVirtualAuthenticator",
                json!({ "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": true,
                    "hasUserVerification": true,
                    "isUserVerified": true,
                    "automaticPresenceSimulation": true,
                } }),
            )
            .await?;
        Ok(browser)
    }

    /// Sends one command (to the page once attached) and waits for its result.
    pub async fn call(&mut self, method: &str, params: Value) -> anyhow::Result<Value> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = &self.session {
            message["sessionId"] = json!(session);
        }
        self.ws
            .send(Message::Text(message.to_string().into()))
            .await?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let message = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .map_err(|_| anyhow::anyhow!("{method}: no answer from Chromium"))?
                .ok_or_else(|| anyhow::anyhow!("Chromium closed the connection"))??;
            let Message::Text(text) = message else {
                continue;
            };
            let value: Value = serde_json::from_str(&text)?;
            if value["id"] == id {
                if let Some(error) = value.get("error") {
                    anyhow::bail!("{method}: {error}");
                }
                return Ok(value["result"].clone());
            }
        }
    }

    /// Opens `url` and waits until the page has loaded.
    pub async fn open(&mut self, url: &str) -> anyhow::Result<()> {
        self.call("Page.navigate", json!({ "url": url })).await?;
        for _ in 0..100 {
            let state = self.eval("document.readyState").await?;
            if state == "complete" {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("{url} did not load")
    }

    /// Evaluates a JavaScript expression in the page (promises awaited); returns its value.
    pub async fn eval(&mut self, expression: &str) -> anyhow::Result<Value> {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "awaitPromise": true, "returnByValue": true }),
            )
            .await?;
        if let Some(exception) = result.get("exceptionDetails") {
            anyhow::bail!("the page threw: {exception}");
        }
        Ok(result["result"]["value"].clone())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// The page script: runs the GraphQL passkey ceremonies with `navigator.credentials`, as a
/// web app on this origin would. `registerPasskey(token)` and `signIn(email | null)` resolve
/// to the finish payloads.
pub const CEREMONIES_JS: &str = r#"
window.fp = (() => {
  const b64u = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)))
    .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const bytes = (s) => {
    const padded = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - s.length % 4) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  };
  const gql = async (query, variables) => {
    const res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return res.json();
  };
  const START_REGISTRATION = 'mutation($input: StartPasskeyRegistrationInput!) { startPasskeyRegistration(input: $input) { ceremony { ceremonyId publicKey } userErrors { code message } } }';
  const FINISH_REGISTRATION = 'mutation($input: FinishPasskeyRegistrationInput!) { finishPasskeyRegistration(input: $input) { passkey { id } session { token } userErrors { code message } } }';
  const START_SIGN_IN = 'mutation($input: StartPasskeySignInInput!) { startPasskeySignIn(input: $input) { ceremony { ceremonyId publicKey } userErrors { code message } } }';
  const FINISH_SIGN_IN = 'mutation($input: FinishPasskeySignInInput!) { finishPasskeySignIn(input: $input) { session { token } userErrors { code message } } }';
  const clean = (o) => JSON.parse(JSON.stringify(o, (k, v) => (v === null ? undefined : v)));
  return {
    async registerPasskey(invitationToken) {
      const started = await gql(START_REGISTRATION, { input: { invitationToken } });
      const ceremony = started.data.startPasskeyRegistration.ceremony;
      const publicKey = clean(ceremony.publicKey);
      publicKey.challenge = bytes(publicKey.challenge);
      publicKey.user.id = bytes(publicKey.user.id);
      for (const c of publicKey.excludeCredentials || []) c.id = bytes(c.id);
      const cred = await navigator.credentials.create({ publicKey });
      const credential = {
        id: cred.id, rawId: b64u(cred.rawId), type: cred.type, extensions: {},
        response: {
          attestationObject: b64u(cred.response.attestationObject),
          clientDataJSON: b64u(cred.response.clientDataJSON),
        },
      };
      const finished = await gql(FINISH_REGISTRATION, {
        input: { ceremonyId: ceremony.ceremonyId, credential, name: 'Chromium' },
      });
      return { residentKey: ceremony.publicKey.authenticatorSelection.residentKey, finished };
    },
    async signIn(email) {
      const started = await gql(START_SIGN_IN, { input: { email } });
      const ceremony = started.data.startPasskeySignIn.ceremony;
      const publicKey = clean(ceremony.publicKey);
      publicKey.challenge = bytes(publicKey.challenge);
      for (const c of publicKey.allowCredentials || []) c.id = bytes(c.id);
      const a = await navigator.credentials.get({ publicKey });
      const credential = {
        id: a.id, rawId: b64u(a.rawId), type: a.type, extensions: {},
        response: {
          authenticatorData: b64u(a.response.authenticatorData),
          clientDataJSON: b64u(a.response.clientDataJSON),
          signature: b64u(a.response.signature),
          userHandle: a.response.userHandle ? b64u(a.response.userHandle) : null,
        },
      };
      const finished = await gql(FINISH_SIGN_IN, {
        input: { ceremonyId: ceremony.ceremonyId, credential },
      });
      return { allowed: (ceremony.publicKey.allowCredentials || []).length, finished };
    },
  };
})();
true
"#;
