//! Passkeys and sessions as the API shows them.
use crate::auth::session::NewSession;
use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entities::passkey;

/// A passkey that the signed-in person can sign in with.
pub struct Passkey(pub passkey::Model);

#[Object]
impl Passkey {
    /// Identifies the passkey in `renamePasskey` and `removePasskey`.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The owner's name for it, e.g. "My phone".
    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it was last used to sign in; null when not yet.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }

    /// Whether the authenticator keeps it backed up (e.g. synced between devices).
    async fn backed_up(&self) -> bool {
        self.0.backup_state
    }
}

/// A new session. Send the token as `Authorization: Bearer <token>`; it is shown only once.
#[derive(SimpleObject)]
#[graphql(name = "Session")]
pub struct SessionToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

impl From<NewSession> for SessionToken {
    fn from(s: NewSession) -> Self {
        Self {
            token: s.token,
            expires_at: s.expires_at,
        }
    }
}
