//! Settings: command-line flags or `FAMILY_PLAN_…` environment variables, with defaults that
//! run with no configuration at all (SQLite in `./data`, email written to files).
use crate::domain::framework::OutcomeFramework;
use anyhow::{Context, bail};
use clap::{Args, CommandFactory, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Variables with this prefix belong to the test harness, not to the server.
const TEST_PREFIX: &str = "FAMILY_PLAN_TEST_";
const PREFIX: &str = "FAMILY_PLAN_";

#[derive(Args, Debug, Clone)]
pub struct Settings {
    /// Address and port to listen on.
    #[arg(
        long,
        env = "FAMILY_PLAN_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: SocketAddr,

    /// Folder for the SQLite database and outgoing email files.
    #[arg(
        long,
        env = "FAMILY_PLAN_DATA_DIR",
        default_value = "data",
        global = true
    )]
    pub data_dir: PathBuf,

    /// Database URL: `postgres://…`, or `sqlite://…`. Default: SQLite in the data folder.
    #[arg(long, env = "FAMILY_PLAN_DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Largest number of pooled database connections.
    #[arg(long, env = "FAMILY_PLAN_DATABASE_MAX_CONNECTIONS", default_value_t = 10, global = true,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub database_max_connections: u32,

    /// SQLite's page cache, in KiB, for each pooled connection (SQLite's own default: 2,000).
    /// Smaller holds less memory under load and reads more pages from the file system.
    #[arg(long, env = "FAMILY_PLAN_SQLITE_CACHE_KIB", default_value_t = 2000, global = true,
          value_parser = clap::value_parser!(u32).range(64..=1_048_576))]
    pub sqlite_cache_kib: u32,

    /// How long a request waits for a pooled database connection when all are busy, before
    /// it is answered 503 (try again), e.g. `2s`.
    #[arg(long, env = "FAMILY_PLAN_DATABASE_ACQUIRE_TIMEOUT", default_value = "2s", global = true,
          value_parser = humantime::parse_duration)]
    pub database_acquire_timeout: Duration,

    /// Time budget of one HTTP request, e.g. `5s`: past it the work stops and the answer is
    /// 503 with the code `TIMEOUT`.
    #[arg(long, env = "FAMILY_PLAN_REQUEST_TIMEOUT", default_value = "5s", global = true,
          value_parser = humantime::parse_duration)]
    pub request_timeout: Duration,

    /// After SIGTERM, how long `/health/ready` says not ready while requests are still served
    /// (so that a load balancer stops sending new ones), before the listener closes and the
    /// requests in flight finish, e.g. `5s`.
    #[arg(long, env = "FAMILY_PLAN_SHUTDOWN_DRAIN", default_value = "5s", global = true,
          value_parser = humantime::parse_duration)]
    pub shutdown_drain: Duration,

    /// Most subscriptions running at once on one WebSocket connection.
    #[arg(long, env = "FAMILY_PLAN_WS_MAX_SUBSCRIPTIONS", default_value_t = 20, global = true,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub ws_max_subscriptions: u32,

    /// Most WebSocket connections one account may hold open at once (on this replica).
    #[arg(long, env = "FAMILY_PLAN_WS_MAX_CONNECTIONS_PER_ACCOUNT", default_value_t = 10, global = true,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub ws_max_connections_per_account: u32,

    /// How often the server pings each WebSocket client, e.g. `30s`.
    #[arg(long, env = "FAMILY_PLAN_WS_PING_INTERVAL", default_value = "30s", global = true,
          value_parser = humantime::parse_duration)]
    pub ws_ping_interval: Duration,

    /// A WebSocket connection from which nothing (not even a pong) arrives for this long is
    /// closed, e.g. `75s`.
    #[arg(long, env = "FAMILY_PLAN_WS_IDLE_TIMEOUT", default_value = "75s", global = true,
          value_parser = humantime::parse_duration)]
    pub ws_idle_timeout: Duration,

    /// Address of the app that links in emails point to.
    #[arg(
        long,
        env = "FAMILY_PLAN_PUBLIC_URL",
        default_value = "http://localhost:8080",
        global = true
    )]
    pub public_url: String,

    /// Production mode: no GraphiQL page, no introspection, no field suggestions.
    #[arg(long, env = "FAMILY_PLAN_PRODUCTION", default_value_t = false, global = true,
          action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub production: bool,

    /// Run only registered operations (trusted documents, `admin register-operations`);
    /// anything else is refused. Recommended in production.
    #[arg(long, env = "FAMILY_PLAN_TRUSTED_DOCUMENTS_ONLY", default_value_t = false, global = true,
          action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub trusted_documents_only: bool,

    /// How long a session lasts after sign-in, e.g. `12h` or `30m`.
    #[arg(long, env = "FAMILY_PLAN_SESSION_LIFETIME", default_value = "12h", global = true,
          value_parser = humantime::parse_duration)]
    pub session_lifetime: Duration,

    /// How long a safeguarding override gives access without consent.
    #[arg(long, env = "FAMILY_PLAN_SAFEGUARDING_OVERRIDE_DURATION", default_value = "72h", global = true,
          value_parser = humantime::parse_duration)]
    pub safeguarding_override_duration: Duration,

    /// A session also ends after this long without a request, e.g. `2h`.
    #[arg(long, env = "FAMILY_PLAN_SESSION_IDLE_TIMEOUT", default_value = "2h", global = true,
          value_parser = humantime::parse_duration)]
    pub session_idle_timeout: Duration,

    /// WebAuthn relying party id: the domain that passkeys belong to.
    #[arg(
        long,
        env = "FAMILY_PLAN_WEBAUTHN_RP_ID",
        default_value = "localhost",
        global = true
    )]
    pub webauthn_rp_id: String,

    /// Origins allowed to use passkeys, separated by `,`: web origins under the relying party id
    /// and mobile app origins (e.g. `android:apk-key-hash:…`).
    #[arg(
        long,
        env = "FAMILY_PLAN_WEBAUTHN_ORIGINS",
        default_value = "http://localhost:8080",
        value_delimiter = ',',
        global = true
    )]
    pub webauthn_origins: Vec<url::Url>,

    /// Passkey ceremony starts allowed per client address in 15 minutes.
    #[arg(long, env = "FAMILY_PLAN_SIGN_IN_LIMIT_PER_ADDRESS", default_value_t = 30, global = true,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub sign_in_limit_per_address: u32,

    /// Passkey ceremony starts allowed per account (or email address typed) in 15 minutes.
    #[arg(long, env = "FAMILY_PLAN_SIGN_IN_LIMIT_PER_ACCOUNT", default_value_t = 10, global = true,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub sign_in_limit_per_account: u32,

    /// Take the client address from the last `X-Forwarded-For` entry (behind a trusted proxy).
    #[arg(long, env = "FAMILY_PLAN_TRUST_FORWARDED_FOR", default_value_t = false, global = true,
          action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub trust_forwarded_for: bool,

    /// SMTP relay for outgoing email, e.g. `smtps://user:pass@smtp.example.org` or
    /// `smtp://relay:25?tls=required`. Unset: email is written to files in `<data dir>/outbox`.
    #[arg(long, env = "FAMILY_PLAN_SMTP_URL", global = true)]
    pub smtp_url: Option<String>,

    /// Sender of outgoing email.
    #[arg(
        long,
        env = "FAMILY_PLAN_MAIL_FROM",
        default_value = "Family Plan <no-reply@localhost>",
        global = true
    )]
    pub mail_from: String,

    /// How often the email worker looks for messages to deliver, e.g. `5s`.
    #[arg(long, env = "FAMILY_PLAN_MAIL_POLL_INTERVAL", default_value = "5s", global = true,
          value_parser = humantime::parse_duration)]
    pub mail_poll_interval: Duration,

    /// Run the email worker in this process (every replica may run one).
    #[arg(long, env = "FAMILY_PLAN_MAIL_WORKER", default_value_t = true, global = true,
          action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub mail_worker: bool,

    /// How long after a plan closes the family's follow-up falls due, e.g. `182days` (six
    /// months, counted in days so that every follow-up waits the same time).
    #[arg(long, env = "FAMILY_PLAN_FOLLOW_UP_AFTER", default_value = "182days", global = true,
          value_parser = humantime::parse_duration)]
    pub follow_up_after: Duration,

    /// How long after the follow-up invitation an unanswered one is reminded, e.g. `14days`.
    #[arg(long, env = "FAMILY_PLAN_FOLLOW_UP_REMINDER_AFTER", default_value = "14days", global = true,
          value_parser = humantime::parse_duration)]
    pub follow_up_reminder_after: Duration,

    /// How long after the reminder an unanswered follow-up closes, e.g. `14days`.
    #[arg(long, env = "FAMILY_PLAN_FOLLOW_UP_EXPIRE_AFTER", default_value = "14days", global = true,
          value_parser = humantime::parse_duration)]
    pub follow_up_expire_after: Duration,

    /// How often the follow-up scheduler looks for follow-ups to move on, e.g. `1m`.
    #[arg(long, env = "FAMILY_PLAN_FOLLOW_UP_POLL_INTERVAL", default_value = "1m", global = true,
          value_parser = humantime::parse_duration)]
    pub follow_up_poll_interval: Duration,

    /// Run the follow-up scheduler in this process (every replica may run one).
    #[arg(long, env = "FAMILY_PLAN_FOLLOW_UP_SCHEDULER", default_value_t = true, global = true,
          action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub follow_up_scheduler: bool,

    /// Working days (Monday to Friday) a practitioner has to answer a lead professional
    /// nomination before the locality managers are alerted.
    #[arg(long, env = "FAMILY_PLAN_LEAD_ANSWER_WORKING_DAYS", default_value_t = 5, global = true,
          value_parser = clap::value_parser!(u32).range(1..=60))]
    pub lead_answer_working_days: u32,

    /// How often each replica looks for lead professional nominations past their deadline.
    #[arg(long, env = "FAMILY_PLAN_LEAD_DEADLINE_POLL_INTERVAL", default_value = "1m", global = true,
          value_parser = humantime::parse_duration)]
    pub lead_deadline_poll_interval: Duration,

    /// Labels of need levels 1 to 4 on the local threshold framework, separated by `;`.
    #[arg(long, env = "FAMILY_PLAN_NEED_LEVEL_LABELS", global = true,
          default_value = "Universal;Early help;Complex needs (child in need);Child protection",
          value_parser = NeedLevelLabels::parse)]
    pub need_level_labels: NeedLevelLabels,

    /// The outcome framework: empty for the Supporting Families headline outcomes, or the
    /// path of a JSON file with `version` and `areas` (`code`, `label`).
    #[arg(long, env = "FAMILY_PLAN_OUTCOME_FRAMEWORK", global = true, default_value = "",
          hide_default_value = true, value_parser = OutcomeFramework::parse)]
    pub outcome_framework: OutcomeFramework,

    // Issue 17: the front door.
    /// Time the hub has to decide on a request for support, from its receipt, e.g. `24h`.
    #[arg(long, env = "FAMILY_PLAN_SUPPORT_DECISION_WITHIN", default_value = "24h", global = true,
          value_parser = humantime::parse_duration)]
    pub support_decision_within: Duration,

    /// Where a child may be at risk of significant harm: time to decide whether to hold a
    /// strategy discussion, e.g. `2h`.
    #[arg(long, env = "FAMILY_PLAN_SUPPORT_URGENT_DECISION_WITHIN", default_value = "2h", global = true,
          value_parser = humantime::parse_duration)]
    pub support_urgent_decision_within: Duration,

    /// How often each replica looks for requests for support past their clock.
    #[arg(long, env = "FAMILY_PLAN_SUPPORT_CLOCK_POLL_INTERVAL", default_value = "1m", global = true,
          value_parser = humantime::parse_duration)]
    pub support_clock_poll_interval: Duration,

    /// Requests through the public front door (`requestSupport`) allowed per client address
    /// in 15 minutes.
    #[arg(long, env = "FAMILY_PLAN_REQUEST_SUPPORT_LIMIT_PER_ADDRESS", default_value_t = 5, global = true,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub request_support_limit_per_address: u32,
    // Issue 13: push notifications. With none of these set, nobody is pushed to: the inbox
    // (and email) still tell everyone.
    /// Web Push: the VAPID private key (a P-256 scalar, base64url), as printed by
    /// `family-plan admin vapid-keys`. Unset: no Web Push.
    // A base64url key starts with `-` one time in 64: it is still the value, not an option.
    #[arg(
        long,
        env = "FAMILY_PLAN_VAPID_PRIVATE_KEY",
        global = true,
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub vapid_private_key: Option<String>,

    /// Web Push: how push services may contact whoever runs this service (`mailto:` or an
    /// https URL), sent in every VAPID token.
    #[arg(
        long,
        env = "FAMILY_PLAN_VAPID_SUBJECT",
        default_value = "mailto:no-reply@localhost",
        global = true
    )]
    pub vapid_subject: String,

    /// APNs (iPhones): the .p8 key file (PKCS#8 P-256) made under "Keys" in Apple's developer
    /// account. Set with the three below; unset: no pushes to iPhones.
    #[arg(long, env = "FAMILY_PLAN_APNS_KEY_FILE", global = true)]
    pub apns_key_file: Option<PathBuf>,

    /// APNs: the key's 10-character Key ID.
    #[arg(long, env = "FAMILY_PLAN_APNS_KEY_ID", global = true)]
    pub apns_key_id: Option<String>,

    /// APNs: the 10-character Team ID of the Apple developer account.
    #[arg(long, env = "FAMILY_PLAN_APNS_TEAM_ID", global = true)]
    pub apns_team_id: Option<String>,

    /// APNs: the app's bundle id (the `apns-topic`).
    #[arg(long, env = "FAMILY_PLAN_APNS_TOPIC", global = true)]
    pub apns_topic: Option<String>,

    /// APNs: where to send. `https://api.sandbox.push.apple.com` for development builds of
    /// the app.
    #[arg(
        long,
        env = "FAMILY_PLAN_APNS_URL",
        default_value = "https://api.push.apple.com",
        global = true
    )]
    pub apns_url: String,

    /// FCM (Android phones): the Firebase project's service-account key file (JSON), from
    /// the Firebase console. Unset: no pushes to Android phones.
    #[arg(long, env = "FAMILY_PLAN_FCM_SERVICE_ACCOUNT_FILE", global = true)]
    pub fcm_service_account_file: Option<PathBuf>,

    /// FCM: where to send.
    #[arg(
        long,
        env = "FAMILY_PLAN_FCM_URL",
        default_value = "https://fcm.googleapis.com",
        global = true
    )]
    pub fcm_url: String,

    /// How often the push worker looks for pushes to deliver, e.g. `5s`.
    #[arg(long, env = "FAMILY_PLAN_PUSH_POLL_INTERVAL", default_value = "5s", global = true,
          value_parser = humantime::parse_duration)]
    pub push_poll_interval: Duration,

    /// Run the push worker in this process (every replica may run one).
    #[arg(long, env = "FAMILY_PLAN_PUSH_WORKER", default_value_t = true, global = true,
          action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub push_worker: bool,

    /// Log filter, e.g. `info` or `family_plan=debug`.
    #[arg(long, env = "FAMILY_PLAN_LOG", default_value = "info", global = true)]
    pub log: String,

    /// Log format.
    #[arg(long, env = "FAMILY_PLAN_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    // Issue 14: growing up in the plan.
    /// Youngest age at which a practitioner may record that a young person can consent for
    /// their own information (Gillick/Fraser). Competence has no fixed age in law; 12 follows
    /// the ICO's guidance that from about 12 a child can usually decide about their own data.
    #[arg(long, env = "FAMILY_PLAN_COMPETENCE_MINIMUM_AGE", default_value_t = 12, global = true,
          value_parser = clap::value_parser!(u32).range(8..=17))]
    pub competence_minimum_age: u32,

    /// From this age, what a young person wrote themselves (their outcomes' words, ratings,
    /// views) reaches their parents only when they share it; before it, parents with
    /// parental responsibility see it (the NHS proxy-access model, where parents' access to
    /// a child's record narrows from about 11-13).
    #[arg(long, env = "FAMILY_PLAN_YOUNG_PERSON_PRIVACY_AGE", default_value_t = 13, global = true,
          value_parser = clap::value_parser!(u32).range(8..=18))]
    pub young_person_privacy_age: u32,

    /// From this age a young person's information follows their own consent without a
    /// competence assessment (the Mental Capacity Act 2005 presumes capacity from 16).
    #[arg(long, env = "FAMILY_PLAN_YOUNG_PERSON_OWN_CONSENT_AGE", default_value_t = 16, global = true,
          value_parser = clap::value_parser!(u32).range(8..=18))]
    pub young_person_own_consent_age: u32,

    /// At this age a young person is an adult member: their parents' access to the
    /// information about them ends.
    #[arg(long, env = "FAMILY_PLAN_ADULT_AGE", default_value_t = 18, global = true,
          value_parser = clap::value_parser!(u32).range(16..=21))]
    pub adult_age: u32,

    /// How often each replica looks for young people who reached one of those ages, to tell
    /// them and their parents (once) that what their parents see has changed.
    #[arg(long, env = "FAMILY_PLAN_GROWING_UP_POLL_INTERVAL", default_value = "1h", global = true,
          value_parser = humantime::parse_duration)]
    pub growing_up_poll_interval: Duration,

    // Issue 14: "I don't feel safe".
    /// The emergency and helpline numbers shown beside "I don't feel safe" and in its answer,
    /// in order: entries `name|number|text` or `name|number|text|url`, separated by `;`.
    #[arg(long, env = "FAMILY_PLAN_HELPLINES", global = true,
          default_value = crate::domain::feeling_unsafe::Helplines::DEFAULT,
          value_parser = crate::domain::feeling_unsafe::Helplines::parse)]
    pub helplines: crate::domain::feeling_unsafe::Helplines,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// The four labels of the local threshold framework, level 1 first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedLevelLabels(pub [String; 4]);

impl NeedLevelLabels {
    fn parse(value: &str) -> Result<Self, String> {
        let labels: Vec<String> = value.split(';').map(|s| s.trim().to_owned()).collect();
        match <[String; 4]>::try_from(labels) {
            Ok(labels) if labels.iter().all(|l| !l.is_empty()) => Ok(Self(labels)),
            _ => Err("give exactly four non-empty labels separated by `;`".into()),
        }
    }

    /// The label of a level from 1 to 4.
    pub fn label(&self, level: i16) -> &str {
        usize::try_from(level - 1)
            .ok()
            .and_then(|i| self.0.get(i))
            .map_or("Unknown level", String::as_str)
    }
}

pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl Settings {
    /// The database URL in force: the configured one, or SQLite in the data folder.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}?mode=rwc", self.sqlite_path().display()),
        }
    }

    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("family-plan.db")
    }

    pub fn database_kind(&self) -> anyhow::Result<DatabaseKind> {
        let url = self.database_url();
        if url.starts_with("sqlite:") {
            Ok(DatabaseKind::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseKind::Postgres)
        } else {
            bail!("FAMILY_PLAN_DATABASE_URL must start with postgres:// or sqlite:")
        }
    }

    /// Checks what clap cannot: no unknown `FAMILY_PLAN_…` variable, a usable public URL.
    pub fn validate(&self) -> anyhow::Result<()> {
        reject_unknown_variables(std::env::vars().map(|(name, _)| name))?;
        self.database_kind()?;
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            bail!("FAMILY_PLAN_PUBLIC_URL must start with http:// or https://");
        }
        if self.session_lifetime.is_zero() {
            bail!("FAMILY_PLAN_SESSION_LIFETIME must be longer than zero");
        }
        // Issue 13: a VAPID key that cannot sign would fail every push; say so at start.
        if let Some(key) = &self.vapid_private_key {
            crate::push::web::Vapid::new(key, &self.vapid_subject)?;
        }
        // APNs and FCM: read their keys now, so that a wrong file is named at start.
        crate::push::apns::Apns::from_settings(self)?;
        crate::push::fcm::Fcm::from_settings(self)?;
        if self.session_idle_timeout.is_zero() {
            bail!("FAMILY_PLAN_SESSION_IDLE_TIMEOUT must be longer than zero");
        }
        if self.lead_deadline_poll_interval.is_zero() {
            bail!("FAMILY_PLAN_LEAD_DEADLINE_POLL_INTERVAL must be longer than zero");
        }
        for (value, name) in [
            (
                self.database_acquire_timeout,
                "FAMILY_PLAN_DATABASE_ACQUIRE_TIMEOUT",
            ),
            (self.request_timeout, "FAMILY_PLAN_REQUEST_TIMEOUT"),
            (self.ws_ping_interval, "FAMILY_PLAN_WS_PING_INTERVAL"),
            (self.ws_idle_timeout, "FAMILY_PLAN_WS_IDLE_TIMEOUT"),
        ] {
            if value.is_zero() {
                bail!("{name} must be longer than zero");
            }
        }
        if self.ws_idle_timeout <= self.ws_ping_interval {
            bail!("FAMILY_PLAN_WS_IDLE_TIMEOUT must be longer than FAMILY_PLAN_WS_PING_INTERVAL");
        }
        if self.mail_poll_interval.is_zero() {
            bail!("FAMILY_PLAN_MAIL_POLL_INTERVAL must be longer than zero");
        }
        if self.growing_up_poll_interval.is_zero() {
            bail!("FAMILY_PLAN_GROWING_UP_POLL_INTERVAL must be longer than zero");
        }
        if self.follow_up_poll_interval.is_zero() {
            bail!("FAMILY_PLAN_FOLLOW_UP_POLL_INTERVAL must be longer than zero");
        }
        self.follow_up_timing()?;
        if !(self.young_person_privacy_age <= self.young_person_own_consent_age
            && self.young_person_own_consent_age <= self.adult_age)
        {
            bail!(
                "FAMILY_PLAN_YOUNG_PERSON_PRIVACY_AGE, FAMILY_PLAN_YOUNG_PERSON_OWN_CONSENT_AGE and FAMILY_PLAN_ADULT_AGE must not decrease"
            );
        }
        self.support_clocks()?;
        if self.support_clock_poll_interval.is_zero() {
            bail!("FAMILY_PLAN_SUPPORT_CLOCK_POLL_INTERVAL must be longer than zero");
        }
        crate::auth::passkeys::webauthn(self).map_err(|e| {
            anyhow::anyhow!("FAMILY_PLAN_WEBAUTHN_RP_ID / FAMILY_PLAN_WEBAUTHN_ORIGINS: {e}")
        })?;
        if let Err(e) = self.mail_from.parse::<lettre::message::Mailbox>() {
            bail!("FAMILY_PLAN_MAIL_FROM is not an email address: {e}");
        }
        Ok(())
    }

    /// Issue 14: the ages at which parents' view of a young person's information narrows.
    pub fn ages(&self) -> crate::access::Ages {
        crate::access::Ages {
            private_from: self.young_person_privacy_age,
            own_consent_from: self.young_person_own_consent_age,
            adult_from: self.adult_age,
        }
    }

    /// When follow-ups fall due, are reminded and close.
    pub fn follow_up_timing(&self) -> anyhow::Result<crate::domain::follow_ups::Timing> {
        let convert = |value: Duration, name: &str| {
            chrono::Duration::from_std(value)
                .ok()
                .filter(|d| *d > chrono::Duration::zero() && *d < chrono::Duration::days(36_500))
                .with_context(|| format!("{name} must be longer than zero and under 100 years"))
        };
        Ok(crate::domain::follow_ups::Timing {
            due_after: convert(self.follow_up_after, "FAMILY_PLAN_FOLLOW_UP_AFTER")?,
            remind_after: convert(
                self.follow_up_reminder_after,
                "FAMILY_PLAN_FOLLOW_UP_REMINDER_AFTER",
            )?,
            expire_after: convert(
                self.follow_up_expire_after,
                "FAMILY_PLAN_FOLLOW_UP_EXPIRE_AFTER",
            )?,
        })
    }

    /// The hub's clocks on requests for support (issue 17).
    pub fn support_clocks(&self) -> anyhow::Result<crate::domain::support_requests::Clocks> {
        let convert = |value: Duration, name: &str| {
            chrono::Duration::from_std(value)
                .ok()
                .filter(|d| *d > chrono::Duration::zero() && *d < chrono::Duration::days(365))
                .with_context(|| format!("{name} must be longer than zero and under a year"))
        };
        Ok(crate::domain::support_requests::Clocks {
            decision: convert(
                self.support_decision_within,
                "FAMILY_PLAN_SUPPORT_DECISION_WITHIN",
            )?,
            urgent: convert(
                self.support_urgent_decision_within,
                "FAMILY_PLAN_SUPPORT_URGENT_DECISION_WITHIN",
            )?,
        })
    }

    /// Settings with every default, for tests and for exporting the schema.
    pub fn defaults() -> anyhow::Result<Self> {
        #[derive(clap::Parser)]
        struct Only {
            #[command(flatten)]
            settings: Settings,
        }
        let parsed = <Only as clap::Parser>::try_parse_from(["family-plan"])
            .context("the default settings do not parse")?;
        Ok(parsed.settings)
    }
}

/// Every environment variable that the command line knows, taken from clap itself so that the
/// list cannot fall out of step with the flags.
fn known_variables() -> Vec<String> {
    crate::cli::Cli::command()
        .get_arguments()
        .filter_map(|arg| arg.get_env())
        .map(|env| env.to_string_lossy().into_owned())
        .collect()
}

pub fn reject_unknown_variables(names: impl Iterator<Item = String>) -> anyhow::Result<()> {
    let known = known_variables();
    let mut unknown: Vec<String> = names
        .filter(|n| n.starts_with(PREFIX) && !n.starts_with(TEST_PREFIX) && !known.contains(n))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    unknown.sort();
    bail!(
        "unknown setting {}. Known settings are: {}",
        unknown.join(", "),
        known.join(", ")
    )
}
