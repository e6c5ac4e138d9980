//! sea-orm entities: the tables, nothing else. GraphQL types live in `api`.

pub mod account;
pub mod audit_entry;
pub mod consent;
pub mod consent_organisation;
pub mod family;
pub mod family_member;
pub mod invitation;
pub mod need_level_change;
pub mod organisation;
pub mod outbox_message;
pub mod passkey;
pub mod passkey_ceremony;
pub mod practitioner;
pub mod practitioner_role;
pub mod rate_limit;
pub mod safeguarding_override;
pub mod session;
pub mod team_member;
