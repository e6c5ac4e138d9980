//! The command line: serve (the default), migrate, schema, demo and admin commands.
use crate::access;
use crate::app::{self, AppState};
use crate::auth::session;
use crate::clock::Clock;
use crate::config::Settings;
use crate::domain::{demo, families, organisations, practitioners};
use crate::error::AppError;
use crate::graphql::ids::{self, Kind};
use anyhow::{Context, anyhow, bail};
use async_graphql::ID;
use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use entities::family_member::MemberRelation;
use entities::organisation::OrganisationKind;
use entities::practitioner_role::Role;
use sea_orm::{DatabaseConnection, EntityTrait};
use std::io::Write;

#[derive(Parser, Debug)]
#[command(
    name = "family-plan",
    version,
    about = "Family Plan API: the GraphQL service behind a family's Early Help plan."
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Apply migrations and serve the API (the default).
    Serve,
    /// Apply database migrations, then stop.
    Migrate,
    /// Print the GraphQL schema (SDL), as committed in schema.graphql.
    Schema,
    /// Load a small fictional data set to try the API with.
    Demo,
    /// Manage organisations, practitioners, families and sessions.
    #[command(subcommand)]
    Admin(Admin),
}

#[derive(Subcommand, Debug)]
pub enum Admin {
    /// Add a partner organisation.
    CreateOrganisation {
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        kind: KindArg,
    },
    /// Add a practitioner to an organisation.
    CreatePractitioner {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// The organisation's name or ID.
        #[arg(long)]
        organisation: String,
        /// A role; repeat for several. Default: practitioner.
        #[arg(long = "role", value_enum)]
        roles: Vec<RoleArg>,
    },
    /// Open a family record.
    CreateFamily {
        #[arg(long)]
        reference: String,
        #[arg(long)]
        area: String,
        /// 1 universal, 2 early help, 3 complex needs, 4 child protection.
        #[arg(long, value_parser = clap::value_parser!(i16).range(1..=4))]
        need_level: i16,
    },
    /// Add a person to a family record.
    AddMember {
        /// The family's reference.
        #[arg(long)]
        family: String,
        #[arg(long)]
        name: String,
        /// Date of birth, YYYY-MM-DD.
        #[arg(long)]
        born: NaiveDate,
        #[arg(long, value_enum)]
        relation: RelationArg,
        /// Give one when the person will sign in to the app.
        #[arg(long)]
        email: Option<String>,
    },
    /// Invite a person to sign in: emails them a single-use link (valid 7 days) and prints it.
    Invite {
        #[arg(long)]
        email: String,
    },
    /// Mint a session token for an existing account, for trying the API.
    Token {
        #[arg(long)]
        email: String,
    },
    /// Register the app's operations (trusted documents) from a manifest
    /// `{ "<sha256>": "<document>" }`, as graphql-codegen's client preset or Relay writes it.
    RegisterOperations {
        /// The manifest file (JSON).
        file: std::path::PathBuf,
    },
    /// Import the directory of local services from an Open Referral UK style JSON or CSV
    /// file: replaces the entries of every area the file names, all at once. Any bad row is
    /// reported with its line, and then nothing is imported.
    ImportServices {
        /// The file (JSON, or CSV with a header row).
        file: std::path::PathBuf,
    },
    /// Fill the database with a synthetic county, for benchmarks (see the README).
    Generate {
        #[arg(long, default_value_t = 1000)]
        families: usize,
    },
    /// Issue 13: make a new VAPID key pair for Web Push (prints the settings to set; the
    /// database is not touched).
    VapidKeys,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum KindArg {
    Council,
    Health,
    Education,
    Police,
    Housing,
    Voluntary,
    Other,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum RoleArg {
    Practitioner,
    HubWorker,
    LocalityManager,
    Admin,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum RelationArg {
    Parent,
    OtherAdult,
    Child,
}

impl From<KindArg> for OrganisationKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Council => Self::Council,
            KindArg::Health => Self::Health,
            KindArg::Education => Self::Education,
            KindArg::Police => Self::Police,
            KindArg::Housing => Self::Housing,
            KindArg::Voluntary => Self::Voluntary,
            KindArg::Other => Self::Other,
        }
    }
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Practitioner => Self::Practitioner,
            RoleArg::HubWorker => Self::HubWorker,
            RoleArg::LocalityManager => Self::LocalityManager,
            RoleArg::Admin => Self::Admin,
        }
    }
}

impl From<RelationArg> for MemberRelation {
    fn from(r: RelationArg) -> Self {
        match r {
            RelationArg::Parent => Self::AdultWithParentalResponsibility,
            RelationArg::OtherAdult => Self::OtherAdult,
            RelationArg::Child => Self::Child,
        }
    }
}

/// Runs a parsed command line, writing what it has to say to `out`.
pub async fn run(cli: Cli, out: &mut impl Write) -> anyhow::Result<()> {
    let settings = cli.settings;
    settings.validate()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Schema => {
            write!(out, "{}", crate::graphql::sdl())?;
            Ok(())
        }
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            open_database(&settings).await?;
            writeln!(out, "Migrations applied.")?;
            Ok(())
        }
        Command::Demo => {
            let db = open_database(&settings).await?;
            let clock = Clock::system();
            let txn = crate::db::begin_write(&db).await?;
            let clocks = settings.support_clocks()?;
            let loaded = demo::load(&txn, clock.now(), &clocks)
                .await
                .map_err(explain)?;
            txn.commit().await?;
            if loaded {
                writeln!(out, "Demo data loaded. People who can sign in:")?;
            } else {
                writeln!(out, "Demo data is already loaded. People who can sign in:")?;
            }
            for account in demo::ACCOUNTS {
                writeln!(out, "  {:<28} {}", account.email, account.who)?;
            }
            writeln!(
                out,
                "Mint a token with: family-plan admin token --email hub@wrenfield.example"
            )?;
            Ok(())
        }
        Command::Admin(Admin::VapidKeys) => {
            let (private, public) = crate::push::web::generate_keys();
            writeln!(out, "FAMILY_PLAN_VAPID_PRIVATE_KEY={private}")?;
            writeln!(
                out,
                "# The public key (browsers subscribe with it; the API also"
            )?;
            writeln!(out, "# gives it as viewer.webPushPublicKey):")?;
            writeln!(out, "# {public}")?;
            writeln!(
                out,
                "# Keep the private key secret; changing it ends every browser's subscription."
            )?;
            Ok(())
        }
        Command::Admin(admin) => {
            let db = open_database(&settings).await?;
            run_admin(admin, &db, &settings, &Clock::system(), out).await
        }
    }
}

async fn open_database(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let db = crate::db::connect(settings).await?;
    crate::db::migrate(&db).await?;
    Ok(db)
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    crate::telemetry::init(&settings);
    let db = open_database(&settings).await?;
    let listener = tokio::net::TcpListener::bind(settings.bind)
        .await
        .with_context(|| format!("could not listen on {}", settings.bind))?;
    tracing::info!(address = %settings.bind, production = settings.production, "serving GraphQL at /graphql");
    let state = AppState::new(db, settings, Clock::system());
    app::serve(listener, state, app::shutdown_signal()).await?;
    Ok(())
}

/// Turns a domain error into a message for the person at the terminal.
fn explain(err: AppError) -> anyhow::Error {
    match err {
        AppError::Invalid(errors) => anyhow!(
            "{}",
            errors
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ),
        AppError::Internal(cause) => cause,
        other => anyhow!("{other}"),
    }
}

async fn run_admin(
    admin: Admin,
    db: &DatabaseConnection,
    settings: &Settings,
    clock: &Clock,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let now = clock.now();
    match admin {
        Admin::VapidKeys => {}
        Admin::Generate { families } => {
            let started = std::time::Instant::now();
            let made = crate::generate::county(db, families, now)
                .await
                .map_err(explain)?;
            writeln!(
                out,
                "Generated {} families and {} practitioners: {} rows in {:.1} s.",
                made.families,
                made.practitioners,
                made.rows,
                started.elapsed().as_secs_f64()
            )?;
        }
        Admin::CreateOrganisation { name, kind } => {
            let org = organisations::create(db, &name, kind.into(), now)
                .await
                .map_err(explain)?;
            writeln!(
                out,
                "Created organisation {} ({})",
                org.name,
                ids::encode(Kind::Organisation, org.id).as_str()
            )?;
        }
        Admin::CreatePractitioner {
            name,
            email,
            organisation,
            roles,
        } => {
            let organisation_id = find_organisation(db, &organisation).await?;
            let roles: Vec<Role> = roles.into_iter().map(Into::into).collect();
            let txn = crate::db::begin_write(db).await?;
            let new = practitioners::NewPractitioner {
                name: &name,
                email: &email,
                organisation_id,
                roles: &roles,
            };
            let p = practitioners::create(&txn, new, now)
                .await
                .map_err(explain)?;
            txn.commit().await?;
            writeln!(
                out,
                "Created practitioner {} ({})",
                p.name,
                ids::encode(Kind::Practitioner, p.id).as_str()
            )?;
        }
        Admin::CreateFamily {
            reference,
            area,
            need_level,
        } => {
            let txn = crate::db::begin_write(db).await?;
            let new = families::NewFamily {
                reference: &reference,
                local_area: &area,
                need_level,
                decided_by: None,
            };
            let family = families::create(&txn, new, &operator_permit(settings, now))
                .await
                .map_err(explain)?;
            txn.commit().await?;
            writeln!(
                out,
                "Opened family record {} ({})",
                family.reference,
                ids::encode(Kind::Family, family.id).as_str()
            )?;
        }
        Admin::AddMember {
            family,
            name,
            born,
            relation,
            email,
        } => {
            let family = families::find_by_reference(db, &family)
                .await
                .map_err(explain)?
                .ok_or_else(|| anyhow!("no family record has the reference {family:?}"))?;
            let txn = crate::db::begin_write(db).await?;
            let new = families::NewMember {
                family_id: family.id,
                name: &name,
                date_of_birth: born,
                relation: relation.into(),
                email: email.as_deref(),
                parental_responsibility_with: None,
            };
            let member = families::add_member(&txn, new, &operator_permit(settings, now))
                .await
                .map_err(explain)?;
            txn.commit().await?;
            writeln!(
                out,
                "Added {} to {} ({})",
                member.name,
                family.reference,
                ids::encode(Kind::FamilyMember, member.id).as_str()
            )?;
        }
        Admin::Invite { email } => {
            let account = crate::domain::accounts::account_by_email(db, &email)
                .await
                .map_err(explain)?
                .ok_or_else(|| anyhow!("nobody signs in with {email:?}"))?;
            let txn = crate::db::begin_write(db).await?;
            let sent =
                crate::auth::invitations::invite(&txn, &account, None, &settings.public_url, now)
                    .await
                    .map_err(explain)?;
            txn.commit().await?;
            writeln!(out, "{}", sent.link)?;
            writeln!(
                out,
                "Invitation emailed to {}; it works once and expires at {}.",
                account.email,
                sent.invitation.expires_at.to_rfc3339()
            )?;
        }
        Admin::Token { email } => {
            let account = crate::domain::accounts::account_by_email(db, &email)
                .await
                .map_err(explain)?
                .ok_or_else(|| anyhow!("nobody signs in with {email:?}"))?;
            let minted = session::mint(db, account.id, now, settings.session_lifetime)
                .await
                .map_err(explain)?;
            writeln!(out, "{}", minted.token)?;
            writeln!(
                out,
                "Expires at {}. Send it as: Authorization: Bearer <token>",
                minted.expires_at.to_rfc3339()
            )?;
        }
        Admin::ImportServices { file } => {
            let content = std::fs::read_to_string(&file)
                .with_context(|| format!("could not read {}", file.display()))?;
            let services = match crate::domain::directory::parse(&content) {
                Ok(services) => services,
                Err(bad) => {
                    let rows: Vec<String> = bad
                        .iter()
                        .map(|b| format!("  line {}: {}", b.line, b.problem))
                        .collect();
                    bail!(
                        "{} has {} bad row(s); nothing was imported:\n{}",
                        file.display(),
                        bad.len(),
                        rows.join("\n")
                    );
                }
            };
            let txn = crate::db::begin_write(db).await?;
            let (areas, written) = crate::domain::directory::import(&txn, &services, now)
                .await
                .map_err(explain)?;
            txn.commit().await?;
            writeln!(
                out,
                "Imported {written} directory entries for {}",
                areas.join(", ")
            )?;
        }
        Admin::RegisterOperations { file } => {
            let manifest = std::fs::read_to_string(&file)
                .with_context(|| format!("could not read {}", file.display()))?;
            let added = crate::trusted_documents::register(db, &manifest, now)
                .await
                .map_err(explain)?;
            writeln!(
                out,
                "Registered {added} new operation(s) from {}",
                file.display()
            )?;
        }
    }
    Ok(())
}

/// Finds an organisation by its global ID or its exact name.
async fn find_organisation(db: &DatabaseConnection, given: &str) -> anyhow::Result<uuid::Uuid> {
    if let Ok(id) = ids::decode(&ID(given.to_owned()), Kind::Organisation)
        && entities::organisation::Entity::find_by_id(id)
            .one(db)
            .await?
            .is_some()
    {
        return Ok(id);
    }
    match organisations::find_by_name(db, given)
        .await
        .map_err(explain)?
    {
        Some(org) => Ok(org.id),
        None => bail!("no organisation is called {given:?}"),
    }
}

/// The operator acts as the API does: whoever a change concerns is told of it.
fn operator_permit(settings: &Settings, now: chrono::DateTime<chrono::Utc>) -> access::Permit {
    let scope = crate::domain::notify::ChangeScope::new(&settings.public_url);
    access::operator(now).telling(&scope)
}
