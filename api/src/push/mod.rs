//! Push notifications to phones and browsers, delivered from the push outbox
//! (`push_messages`) like email from its own: see [`crate::domain::notify`] for who is told.
pub mod web;
