//! Family Plan API: the GraphQL service behind a family's Early Help plan.
//!
//! Layers: `graphql` translates requests, `domain` holds the rules over a transaction,
//! `policy` decides who may do what, `auth` turns a bearer token into a [`auth::Viewer`].

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

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
pub mod live;
pub mod mail;
pub mod policy;
pub mod reports_csv;
pub mod telemetry;
