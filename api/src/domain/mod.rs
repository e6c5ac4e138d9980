//! The rules, as plain functions over a connection or transaction. No GraphQL types here:
//! callers (resolvers, the command line, the demo loader) have already been authorised.
pub mod accounts;
pub mod actions;
pub mod assessment;
pub mod audit;
pub mod consent;
pub mod demo;
pub mod families;
pub mod feedback;
pub mod follow_ups;
pub mod framework;
pub mod growing_up;
pub mod household;
pub mod lead;
pub mod lead_deadlines;
pub mod meetings;
pub mod need_level;
pub mod notify;
pub mod organisations;
pub mod outcomes;
pub mod people;
pub mod plan_contents;
pub mod plans;
pub mod practitioners;
pub mod read_trail;
pub mod records;
pub mod reports;
pub mod responsibility;
pub mod restrictions;
pub mod safeguarding;
pub mod standing;
pub mod team;
pub mod text;
pub mod union;
pub mod views;
// Issue 17: the front door.
pub mod consultations;
pub mod directory;
pub mod screening;
pub mod support_clock;
pub mod support_requests;
// Issue 14: "I don't feel safe".
pub mod feeling_unsafe;
