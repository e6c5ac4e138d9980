//! A phone with passkeys, for tests: `webauthn-authenticator-rs`'s software passkey does the
//! real WebAuthn client and authenticator work against the GraphQL ceremonies.
use crate::TestApp;
use serde_json::{Value, json};
use url::Url;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse};

pub const START_REGISTRATION: &str = "mutation($input: StartPasskeyRegistrationInput!) { startPasskeyRegistration(input: $input) { ceremony { ceremonyId publicKey } userErrors { field code message } } }";
pub const FINISH_REGISTRATION: &str = "mutation($input: FinishPasskeyRegistrationInput!) { finishPasskeyRegistration(input: $input) { passkey { id name createdAt lastUsedAt } session { token expiresAt } userErrors { field code message } } }";
pub const START_SIGN_IN: &str = "mutation($input: StartPasskeySignInInput!) { startPasskeySignIn(input: $input) { ceremony { ceremonyId publicKey } userErrors { field code message } } }";
pub const FINISH_SIGN_IN: &str = "mutation($input: FinishPasskeySignInInput!) { finishPasskeySignIn(input: $input) { session { token expiresAt } userErrors { field code message } } }";

/// The origin the app runs at by default.
pub const ORIGIN: &str = "http://localhost:8080";

pub struct Phone {
    authenticator: SoftPasskey,
    pub origin: Url,
    /// Credential id and user handle of the last passkey made, base64url.
    pub credential_id: Option<String>,
    pub user_handle: Option<String>,
    /// The passkey it keeps on the device (a discoverable credential), made only when the
    /// registration asked for one (`residentKey` required or preferred), as real ones do.
    resident: Option<(String, String)>,
}

impl Default for Phone {
    fn default() -> Self {
        Self::at(ORIGIN)
    }
}

impl Phone {
    pub fn at(origin: &str) -> Self {
        Self {
            // Passkeys require user verification; the software key claims it.
            authenticator: SoftPasskey::new(true),
            origin: Url::parse(origin).unwrap(),
            credential_id: None,
            user_handle: None,
            resident: None,
        }
    }

    /// Answers a registration challenge: the `credential` JSON to send back.
    pub fn create(&mut self, public_key: &Value) -> Value {
        let options: CreationChallengeResponse =
            serde_json::from_value(json!({ "publicKey": public_key })).unwrap();
        let credential = self
            .authenticator
            .do_registration(self.origin.clone(), options)
            .unwrap();
        let credential = serde_json::to_value(credential).unwrap();
        self.credential_id = credential["id"].as_str().map(str::to_owned);
        self.user_handle = public_key["user"]["id"].as_str().map(str::to_owned);
        let discoverable = matches!(
            public_key["authenticatorSelection"]["residentKey"].as_str(),
            Some("required" | "preferred")
        );
        if let (true, Some(id), Some(handle)) =
            (discoverable, &self.credential_id, &self.user_handle)
        {
            self.resident = Some((id.clone(), handle.clone()));
        }
        credential
    }

    /// Whether it keeps a discoverable passkey (one a sign-in without an email can use).
    pub fn has_discoverable_passkey(&self) -> bool {
        self.resident.is_some()
    }

    /// Answers a sign-in challenge. With no allowed credentials listed (a discoverable
    /// sign-in) it offers its discoverable passkey and says whose it is, as a platform passkey
    /// would; with none kept, it has nothing to offer and answers `null` (a browser's
    /// `NotAllowedError`). The software key underneath needs the credential named, so the
    /// phone names its own resident one, never one the server did not ask for.
    pub fn get(&mut self, public_key: &Value) -> Value {
        let mut public_key = public_key.clone();
        let discoverable = public_key["allowCredentials"]
            .as_array()
            .is_none_or(Vec::is_empty);
        let mut user_handle = None;
        if discoverable {
            let Some((id, handle)) = &self.resident else {
                return Value::Null;
            };
            public_key["allowCredentials"] = json!([{ "type": "public-key", "id": id }]);
            user_handle = Some(handle.clone());
        }
        let options: RequestChallengeResponse =
            serde_json::from_value(json!({ "publicKey": public_key })).unwrap();
        let assertion = self
            .authenticator
            .do_authentication(self.origin.clone(), options)
            .unwrap();
        let mut assertion = serde_json::to_value(assertion).unwrap();
        if let Some(handle) = user_handle {
            assertion["response"]["userHandle"] = json!(handle);
        }
        assertion
    }

    /// Follows an invitation link all the way: returns the finish payload.
    pub async fn register(&mut self, app: &TestApp, invitation_token: &str, name: &str) -> Value {
        let started = app
            .gql(
                None,
                START_REGISTRATION,
                json!({ "input": { "invitationToken": invitation_token } }),
            )
            .await;
        let ceremony = &started["data"]["startPasskeyRegistration"]["ceremony"];
        assert!(ceremony.is_object(), "{started}");
        let credential = self.create(&ceremony["publicKey"]);
        let finished = app
            .gql(
                None,
                FINISH_REGISTRATION,
                json!({ "input": { "ceremonyId": ceremony["ceremonyId"], "credential": credential, "name": name } }),
            )
            .await;
        finished["data"]["finishPasskeyRegistration"].clone()
    }

    /// Signs in with `email` (or discoverably); returns the finish payload.
    pub async fn sign_in(&mut self, app: &TestApp, email: Option<&str>) -> Value {
        let (ceremony_id, assertion) = self.assertion(app, email).await;
        finish_sign_in(app, &ceremony_id, &assertion).await
    }

    /// Starts a sign-in and answers it, without finishing: (ceremony id, assertion).
    pub async fn assertion(&mut self, app: &TestApp, email: Option<&str>) -> (Value, Value) {
        let started = app
            .gql(None, START_SIGN_IN, json!({ "input": { "email": email } }))
            .await;
        let ceremony = &started["data"]["startPasskeySignIn"]["ceremony"];
        assert!(ceremony.is_object(), "{started}");
        (
            ceremony["ceremonyId"].clone(),
            self.get(&ceremony["publicKey"]),
        )
    }
}

pub async fn finish_sign_in(app: &TestApp, ceremony_id: &Value, assertion: &Value) -> Value {
    let finished = app
        .gql(
            None,
            FINISH_SIGN_IN,
            json!({ "input": { "ceremonyId": ceremony_id, "credential": assertion } }),
        )
        .await;
    finished["data"]["finishPasskeySignIn"].clone()
}

/// The invitation token in an email's link.
pub fn invitation_token(email: &str) -> String {
    let start = email
        .find("/invitation?token=")
        .expect("an invitation link")
        + 18;
    email[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}
