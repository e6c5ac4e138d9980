//! Family Plan API: the GraphQL service behind a family's Early Help plan.
//!
//! Layers: `graphql` translates requests, `domain` holds the rules over a transaction,
//! `access` decides who may do what, `auth` turns a bearer token into a [`auth::Viewer`].

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

/// A request allocates and frees many small objects (documents, rows, JSON): glibc's malloc
/// spent ~18% of the plan screen's CPU in a profile; mimalloc's thread-local free lists do
/// that work for a fraction (the server, its tests and benchmarks all link this crate).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod access;
pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
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
