//! Who is asking: bearer sessions resolved into a [`Viewer`].
pub mod invitations;
pub mod passkeys;
pub mod rate_limit;
pub mod session;

/// The address a request came from, for rate limits.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);
