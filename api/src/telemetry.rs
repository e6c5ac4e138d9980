//! Structured logs, with nothing secret in them at any level.
//!
//! Whatever `FAMILY_PLAN_LOG` says, the libraries that see raw traffic are held at a level
//! where they log no payloads: the WebSocket library logs every frame (the `connection_init`
//! with its bearer token) at trace, hyper and h2 log headers and bodies, the database drivers
//! log statements (family data), lettre logs SMTP conversations (invitation links), and
//! webauthn logs credentials. These caps are a second filter that the configured one cannot
//! lift, however specific its directives. Our own code never logs a token, a credential or a
//! request body.
use crate::config::{LogFormat, Settings};
use tracing::Level;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Libraries that may see secrets or personal data, and the most they may log.
pub const CAPPED_TARGETS: &[(&str, Level)] = &[
    ("tungstenite", Level::WARN),
    ("tokio_tungstenite", Level::WARN),
    ("axum::extract::ws", Level::WARN),
    ("axum::rejection", Level::WARN),
    ("async_graphql", Level::INFO),
    ("async_graphql_axum", Level::INFO),
    ("hyper", Level::INFO),
    ("hyper_util", Level::INFO),
    ("h2", Level::INFO),
    ("reqwest", Level::INFO),
    ("rustls", Level::INFO),
    ("sqlx", Level::WARN),
    ("sea_orm", Level::WARN),
    ("sea_orm_migration", Level::INFO),
    ("lettre", Level::INFO),
    ("webauthn_rs", Level::WARN),
    ("webauthn_rs_core", Level::WARN),
    ("webauthn_rs_proto", Level::WARN),
    ("webauthn_authenticator_rs", Level::WARN),
];

/// The caps, as a filter: everything else passes through to the configured filter.
pub fn caps() -> Targets {
    CAPPED_TARGETS.iter().fold(
        Targets::new().with_default(Level::TRACE),
        |targets, (target, level)| targets.with_target(*target, *level),
    )
}

/// The configured filter (`FAMILY_PLAN_LOG`), or `info` if it does not parse.
pub fn configured(log: &str) -> EnvFilter {
    EnvFilter::try_new(log).unwrap_or_else(|_| EnvFilter::new("info"))
}

pub fn init(settings: &Settings) {
    init_with_writer(settings, std::io::stderr);
}

/// Like [`init`], writing to `writer` (tests capture the log this way).
pub fn init_with_writer<W>(settings: &Settings, writer: W)
where
    W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    let registry = tracing_subscriber::registry()
        .with(configured(&settings.log))
        .with(caps());
    let layer = tracing_subscriber::fmt::layer().with_writer(writer);
    // try_init: a second call (tests, admin commands after serve) keeps the first subscriber.
    let _ = match settings.log_format {
        LogFormat::Json => registry.with(layer.json()).try_init(),
        LogFormat::Text => registry.with(layer).try_init(),
    };
}
