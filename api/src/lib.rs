//! Family Plan API: the GraphQL service behind a family's Early Help plan.
//!
//! Layers: `graphql` translates requests, `domain` holds the rules over a transaction,
//! `access` decides who may do what, `auth` turns a bearer token into a [`auth::Viewer`].

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
// The plan's rows resolve inline (`graphql::inline`), each future holding the next: deciding
// that such a future is `Send` nests deeper than the default 128.
#![recursion_limit = "256"]

/// mimalloc for every binary built on this crate (the server, its tests and benchmarks): a
/// request allocates and frees thousands of small values (GraphQL names and values, rows,
/// futures), which cost glibc's malloc a fifth of a plan screen's instructions. It serves C's
/// malloc too (the crate's `override` feature), which SQLite uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod access;
pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod digest;
pub mod domain;
pub mod error;
pub mod generate;
pub mod graphql;
pub mod graphql_http;
pub mod idempotency;
pub mod lifecycle;
pub mod live;
pub mod live_limits;
pub mod mail;
pub mod push;
pub mod reports_csv;
pub mod telemetry;
pub mod trusted_documents;
pub mod viewer;
