//! sea-orm entities: the tables, nothing else. GraphQL types live in `api`.

pub mod account;
pub mod family;
pub mod family_member;
pub mod need_level_change;
pub mod organisation;
pub mod practitioner;
pub mod practitioner_role;
pub mod session;
