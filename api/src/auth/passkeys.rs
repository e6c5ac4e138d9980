//! Passkey ceremonies (webauthn-rs) and the passkeys people keep.
//!
//! The server's half of a ceremony is stored in `passkey_ceremonies` between start and finish:
//! single use (deleted by whoever finishes it first), expiring after 5 minutes, so a ceremony
//! started on one replica finishes on any other. Failures are reported in the same words whether
//! or not an email address is known.
use super::session::{self, NewSession};
use super::{invitations, rate_limit};
use crate::config::Settings;
use crate::domain::accounts::{self, normalise_email};
use crate::domain::text;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use entities::passkey_ceremony::{self, CeremonyKind};
use entities::{account, family_member, passkey, practitioner};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, Webauthn, WebauthnBuilder, WebauthnError,
};

/// How long a started ceremony can be finished.
pub const CEREMONY_LIFETIME: Duration = Duration::minutes(5);
/// Most passkeys one person may keep.
pub const MAX_PASSKEYS: u64 = 10;
const NAME_CHARS: usize = 60;

const SIGN_IN_FAILED: &str = "We could not sign you in with that passkey. Please try again.";
const SET_UP_FAILED: &str = "We could not set up that passkey. Please try again.";
const CEREMONY_GONE: &str = "This step took too long or was already finished. Please start again.";
const INVITATION_GONE: &str =
    "This invitation link has expired or has already been used. Please ask for a new one.";

/// The relying party from the settings: its id and every allowed origin.
pub fn webauthn(settings: &Settings) -> Result<Webauthn, WebauthnError> {
    let mut origins = settings.webauthn_origins.iter();
    let first = origins.next().ok_or(WebauthnError::Configuration)?;
    let mut builder = WebauthnBuilder::new(&settings.webauthn_rp_id, first)?
        .rp_name("Family Plan")
        .timeout(std::time::Duration::from_secs(5 * 60));
    for origin in origins {
        builder = builder.append_allowed_origin(origin);
    }
    builder.build()
}

fn configured(settings: &Settings) -> AppResult<Webauthn> {
    webauthn(settings).map_err(|e| AppError::Internal(anyhow::anyhow!("webauthn settings: {e}")))
}

/// What the client needs to run the ceremony: an id to finish it with, and the WebAuthn
/// `publicKey` options as browsers and mobile platforms take them.
pub struct Started {
    pub ceremony_id: Uuid,
    pub public_key: serde_json::Value,
}

pub fn credential_id(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn invalid(field: &str, code: UserErrorCode, message: &str) -> AppError {
    AppError::invalid(&[field], code, message)
}

fn to_json<T: Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(e.into()))
}

fn from_json<T: DeserializeOwned>(value: &str) -> AppResult<T> {
    serde_json::from_str(value).map_err(|e| AppError::Internal(e.into()))
}

/// The inner `publicKey` object of a challenge response.
fn public_key_of<T: Serialize>(challenge: &T) -> AppResult<serde_json::Value> {
    let mut value = serde_json::to_value(challenge).map_err(|e| AppError::Internal(e.into()))?;
    Ok(value
        .get_mut("publicKey")
        .map(serde_json::Value::take)
        .unwrap_or(value))
}

async fn store_ceremony(
    db: &impl ConnectionTrait,
    kind: CeremonyKind,
    account_id: Option<Uuid>,
    invitation_id: Option<Uuid>,
    state: String,
    now: DateTime<Utc>,
) -> AppResult<Uuid> {
    // Ceremonies nobody finished are of no further use.
    passkey_ceremony::Entity::delete_many()
        .filter(passkey_ceremony::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    let id = Uuid::new_v4();
    passkey_ceremony::ActiveModel {
        id: Set(id),
        kind: Set(kind),
        account_id: Set(account_id),
        invitation_id: Set(invitation_id),
        state: Set(state),
        created_at: Set(now),
        expires_at: Set(now + CEREMONY_LIFETIME),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// Takes a ceremony for finishing: whoever deletes the row first has it; nobody gets it twice.
async fn take_ceremony(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Option<passkey_ceremony::Model>> {
    let Some(ceremony) = passkey_ceremony::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let deleted = passkey_ceremony::Entity::delete_by_id(id).exec(db).await?;
    Ok((deleted.rows_affected == 1 && ceremony.expires_at > now).then_some(ceremony))
}

async fn limit_starts(
    db: &impl ConnectionTrait,
    settings: &Settings,
    client: &str,
    account_key: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    rate_limit::hit(
        db,
        &format!("address:{client}"),
        settings.sign_in_limit_per_address,
        now,
    )
    .await?;
    if let Some(key) = account_key {
        rate_limit::hit(
            db,
            &format!("account:{key}"),
            settings.sign_in_limit_per_account,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Who is setting up a passkey: a person with an invitation link, or someone signed in.
pub enum Registrant<'a> {
    Invitation(&'a str),
    Account(Uuid),
}

pub async fn start_registration(
    db: &DatabaseConnection,
    settings: &Settings,
    registrant: Registrant<'_>,
    client: &str,
    now: DateTime<Utc>,
) -> AppResult<Started> {
    limit_starts(db, settings, client, None, now).await?;
    let (account_id, invitation_id) = match registrant {
        Registrant::Invitation(token) => {
            let invitation = invitations::find_usable(db, token, now)
                .await?
                .ok_or_else(|| {
                    invalid("invitationToken", UserErrorCode::Invalid, INVITATION_GONE)
                })?;
            (invitation.account_id, Some(invitation.id))
        }
        Registrant::Account(id) => (id, None),
    };
    let account = account::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    rate_limit::hit(
        db,
        &format!("account:{}", account.email),
        settings.sign_in_limit_per_account,
        now,
    )
    .await?;
    let existing = passkeys_of(db, account.id).await?;
    if existing.len() as u64 >= MAX_PASSKEYS {
        return Err(invalid(
            "invitationToken",
            UserErrorCode::OutOfRange,
            "You already have 10 passkeys. Please remove one before adding another.",
        ));
    }
    let mut exclude = Vec::with_capacity(existing.len());
    for row in &existing {
        exclude.push(from_json::<Passkey>(&row.credential)?.cred_id().clone());
    }
    let display_name = display_name(db, &account).await?;
    let (challenge, state) = configured(settings)?
        .start_passkey_registration(account.id, &account.email, &display_name, Some(exclude))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("could not start registration: {e}")))?;
    // A discoverable credential, so that signing in without an email works: webauthn-rs's
    // passkey registration asks for `residentKey: discouraged`, and authenticators that
    // honour it keep nothing to offer a sign-in that names nobody. `preferred` (not
    // `required`) still lets a security key without room for one register; its owner signs
    // in with their email. The finish step does not depend on it.
    let mut public_key = public_key_of(&challenge)?;
    public_key["authenticatorSelection"]["residentKey"] = "preferred".into();
    public_key["authenticatorSelection"]["requireResidentKey"] = false.into();
    let ceremony_id = store_ceremony(
        db,
        CeremonyKind::Registration,
        Some(account.id),
        invitation_id,
        to_json(&state)?,
        now,
    )
    .await?;
    Ok(Started {
        ceremony_id,
        public_key,
    })
}

/// The name the authenticator shows for the account: the person's name, else their email.
async fn display_name(db: &impl ConnectionTrait, account: &account::Model) -> AppResult<String> {
    if let Some(p) = practitioner::Entity::find()
        .filter(practitioner::Column::AccountId.eq(account.id))
        .one(db)
        .await?
    {
        return Ok(p.name);
    }
    let member = family_member::Entity::find()
        .filter(family_member::Column::AccountId.eq(Some(account.id)))
        .one(db)
        .await?;
    Ok(member.map_or_else(|| account.email.clone(), |m| m.name))
}

pub struct Registered {
    pub passkey: passkey::Model,
    pub session: NewSession,
}

pub async fn finish_registration(
    db: &DatabaseConnection,
    settings: &Settings,
    ceremony_id: Uuid,
    credential: serde_json::Value,
    name: &str,
    now: DateTime<Utc>,
) -> AppResult<Registered> {
    let mut errors = vec![];
    let name = text::required(
        "name",
        "a name for this passkey",
        name,
        NAME_CHARS,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let ceremony = take_ceremony(db, ceremony_id, now)
        .await?
        .filter(|c| c.kind == CeremonyKind::Registration)
        .ok_or_else(|| invalid("ceremonyId", UserErrorCode::NotFound, CEREMONY_GONE))?;
    let state: PasskeyRegistration = from_json(&ceremony.state)?;
    let credential: RegisterPublicKeyCredential = serde_json::from_value(credential)
        .map_err(|_| invalid("credential", UserErrorCode::Invalid, SET_UP_FAILED))?;
    let passkey = configured(settings)?
        .finish_passkey_registration(&credential, &state)
        .map_err(|e| {
            tracing::info!(error = %e, "passkey registration refused");
            invalid("credential", UserErrorCode::Invalid, SET_UP_FAILED)
        })?;
    let account_id = ceremony.account_id.ok_or(AppError::NotFound)?;
    let cred_id = credential_id(passkey.cred_id());

    let txn = crate::db::begin_write(db).await?;
    let taken = passkey::Entity::find()
        .filter(passkey::Column::CredentialId.eq(&cred_id))
        .count(&txn)
        .await?;
    if taken > 0 {
        return Err(invalid(
            "credential",
            UserErrorCode::Taken,
            "This passkey is already registered.",
        ));
    }
    if let Some(invitation_id) = ceremony.invitation_id
        && !invitations::use_up(&txn, invitation_id, now).await?
    {
        return Err(invalid(
            "ceremonyId",
            UserErrorCode::Invalid,
            INVITATION_GONE,
        ));
    }
    let row = passkey::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(account_id),
        credential_id: Set(cred_id),
        name: Set(name),
        credential: Set(to_json(&passkey)?),
        sign_count: Set(0),
        backup_state: Set(false),
        created_at: Set(now),
        last_used_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let session = session::mint_with(
        &txn,
        account_id,
        Some(row.id),
        now,
        settings.session_lifetime,
    )
    .await?;
    txn.commit().await?;
    tracing::info!(passkey = %row.id, "passkey registered");
    Ok(Registered {
        passkey: row,
        session,
    })
}

/// Starts a sign-in. With an email address that has passkeys, the challenge lists them; with
/// none (or an address we do not know) the authenticator offers its discoverable passkeys.
pub async fn start_sign_in(
    db: &DatabaseConnection,
    settings: &Settings,
    email: Option<&str>,
    client: &str,
    now: DateTime<Utc>,
) -> AppResult<Started> {
    let email = email.map(normalise_email).filter(|e| !e.is_empty());
    limit_starts(db, settings, client, email.as_deref(), now).await?;
    let webauthn = configured(settings)?;
    let account = match &email {
        Some(email) => accounts::account_by_email(db, email).await?,
        None => None,
    };
    let known = match &account {
        Some(account) => passkeys_of(db, account.id).await?,
        None => vec![],
    };
    let (kind, account_id, state, public_key) = match account {
        Some(account) if !known.is_empty() => {
            let mut creds = Vec::with_capacity(known.len());
            for row in &known {
                creds.push(from_json::<Passkey>(&row.credential)?);
            }
            let (challenge, state) = webauthn
                .start_passkey_authentication(&creds)
                .map_err(|e| AppError::Internal(anyhow::anyhow!("could not start sign-in: {e}")))?;
            (
                CeremonyKind::Authentication,
                Some(account.id),
                to_json(&state)?,
                public_key_of(&challenge)?,
            )
        }
        _ => {
            let (challenge, state) = webauthn
                .start_discoverable_authentication()
                .map_err(|e| AppError::Internal(anyhow::anyhow!("could not start sign-in: {e}")))?;
            (
                CeremonyKind::Discoverable,
                None,
                to_json(&state)?,
                public_key_of(&challenge)?,
            )
        }
    };
    let ceremony_id = store_ceremony(db, kind, account_id, None, state, now).await?;
    Ok(Started {
        ceremony_id,
        public_key,
    })
}

pub async fn finish_sign_in(
    db: &DatabaseConnection,
    settings: &Settings,
    ceremony_id: Uuid,
    credential: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<NewSession> {
    let failed = || invalid("credential", UserErrorCode::Invalid, SIGN_IN_FAILED);
    let ceremony = take_ceremony(db, ceremony_id, now)
        .await?
        .filter(|c| c.kind != CeremonyKind::Registration)
        .ok_or_else(|| invalid("ceremonyId", UserErrorCode::NotFound, CEREMONY_GONE))?;
    let credential: PublicKeyCredential =
        serde_json::from_value(credential).map_err(|_| failed())?;
    let webauthn = configured(settings)?;
    let presented = credential_id(credential.get_credential_id());
    let result = if ceremony.kind == CeremonyKind::Discoverable {
        let state: DiscoverableAuthentication = from_json(&ceremony.state)?;
        let (user, _) = webauthn
            .identify_discoverable_authentication(&credential)
            .map_err(|_| failed())?;
        // The user handle names the account; the credential must be one of its passkeys.
        let row = passkey::Entity::find()
            .filter(passkey::Column::CredentialId.eq(&presented))
            .filter(passkey::Column::AccountId.eq(user))
            .one(db)
            .await?
            .ok_or_else(failed)?;
        let key: Passkey = from_json(&row.credential)?;
        webauthn.finish_discoverable_authentication_v2(&credential, state, &key)
    } else {
        let state: PasskeyAuthentication = from_json(&ceremony.state)?;
        webauthn.finish_passkey_authentication(&credential, &state)
    };
    let result = result.map_err(|e| {
        if matches!(e, WebauthnError::CredentialPossibleCompromise) {
            tracing::warn!(credential = %presented, "passkey signature counter went backwards: possibly a cloned authenticator; sign-in refused");
        } else {
            tracing::info!(error = %e, "passkey sign-in refused");
        }
        failed()
    })?;

    let cred_id = credential_id(result.cred_id());
    let row = passkey::Entity::find()
        .filter(passkey::Column::CredentialId.eq(&cred_id))
        .one(db)
        .await?
        .filter(|row| ceremony.account_id.is_none_or(|a| a == row.account_id))
        .ok_or_else(failed)?;
    let mut stored: Passkey = from_json(&row.credential)?;
    stored.update_credential(&result);
    let txn = crate::db::begin_write(db).await?;
    // Only from the counter this sign-in was checked against: two sign-ins racing with one
    // credential cannot both pass.
    let updated = passkey::Entity::update_many()
        .col_expr(
            passkey::Column::Credential,
            sea_orm::sea_query::Expr::value(to_json(&stored)?),
        )
        .col_expr(
            passkey::Column::SignCount,
            sea_orm::sea_query::Expr::value(i64::from(result.counter())),
        )
        .col_expr(
            passkey::Column::BackupState,
            sea_orm::sea_query::Expr::value(result.backup_state()),
        )
        .col_expr(
            passkey::Column::LastUsedAt,
            sea_orm::sea_query::Expr::value(Some(now)),
        )
        .filter(passkey::Column::Id.eq(row.id))
        .filter(passkey::Column::SignCount.eq(row.sign_count))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(failed());
    }
    let session = session::mint_with(
        &txn,
        row.account_id,
        Some(row.id),
        now,
        settings.session_lifetime,
    )
    .await?;
    txn.commit().await?;
    Ok(session)
}

/// A person's passkeys, oldest first.
pub async fn passkeys_of(
    db: &impl ConnectionTrait,
    account_id: Uuid,
) -> AppResult<Vec<passkey::Model>> {
    Ok(passkey::Entity::find()
        .filter(passkey::Column::AccountId.eq(account_id))
        .order_by_asc(passkey::Column::CreatedAt)
        .order_by_asc(passkey::Column::Id)
        .all(db)
        .await?)
}

async fn own_passkey(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    passkey_id: Uuid,
) -> AppResult<passkey::Model> {
    passkey::Entity::find_by_id(passkey_id)
        .one(db)
        .await?
        .filter(|p| p.account_id == account_id)
        .ok_or_else(|| {
            invalid(
                "passkey",
                UserErrorCode::NotFound,
                "We could not find that passkey.",
            )
        })
}

pub async fn rename(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    passkey_id: Uuid,
    name: &str,
) -> AppResult<passkey::Model> {
    let mut errors: Vec<UserError> = vec![];
    let name = text::required(
        "name",
        "a name for this passkey",
        name,
        NAME_CHARS,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let row = own_passkey(db, account_id, passkey_id).await?;
    let mut active: passkey::ActiveModel = row.into();
    active.name = Set(name);
    Ok(active.update(db).await?)
}

/// Removes a passkey and ends the sessions signed in with it. The last one stays.
pub async fn remove(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    passkey_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<passkey::Model> {
    let row = own_passkey(db, account_id, passkey_id).await?;
    let count = passkey::Entity::find()
        .filter(passkey::Column::AccountId.eq(account_id))
        .count(db)
        .await?;
    if count <= 1 {
        return Err(invalid(
            "passkey",
            UserErrorCode::Invalid,
            "This is your only passkey, so you need it to sign in. Add another passkey before removing this one.",
        ));
    }
    passkey::Entity::delete_by_id(row.id).exec(db).await?;
    session::revoke_for_passkey(db, row.id, now).await?;
    crate::domain::notify::devices::forget_passkey(db, row.id).await?;
    tracing::info!(passkey = %row.id, "passkey removed");
    Ok(row)
}
