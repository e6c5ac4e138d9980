//! Opaque bearer sessions: 256 random bits given to the client once, only a SHA-256 kept.
use super::{FamilyMemberViewer, PractitionerViewer, Viewer};
use crate::error::{AppError, AppResult};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use entities::{account, family_member, practitioner, session};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A freshly minted session: the token is shown to its owner once and never stored.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub async fn mint(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    now: DateTime<Utc>,
    lifetime: std::time::Duration,
) -> AppResult<NewSession> {
    let token = random_token();
    let lifetime = chrono::Duration::from_std(lifetime)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("session lifetime too long: {e}")))?;
    let expires_at = now + lifetime;
    session::ActiveModel {
        id: Set(Uuid::now_v7()),
        token_hash: Set(hash_token(&token)),
        account_id: Set(account_id),
        created_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(NewSession { token, expires_at })
}

/// Finds the live session for a token and the person it belongs to.
/// A token that is unknown, expired or revoked is refused, never treated as anonymous.
pub async fn resolve(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<(Viewer, session::Model)> {
    let session = session::Entity::find()
        .filter(session::Column::TokenHash.eq(hash_token(token)))
        .one(db)
        .await?
        .filter(|s| s.revoked_at.is_none() && s.expires_at > now)
        .ok_or(AppError::SessionExpired)?;
    let viewer = viewer_for_account(db, session.account_id, session.id)
        .await?
        .ok_or(AppError::SessionExpired)?;
    Ok((viewer, session))
}

async fn viewer_for_account(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    session_id: Uuid,
) -> AppResult<Option<Viewer>> {
    if let Some(p) = practitioner::Entity::find()
        .filter(practitioner::Column::AccountId.eq(account_id))
        .one(db)
        .await?
    {
        let roles = crate::domain::practitioners::roles_of(db, p.id).await?;
        return Ok(Some(Viewer::Practitioner(PractitionerViewer {
            session_id,
            account_id,
            practitioner_id: p.id,
            organisation_id: p.organisation_id,
            roles,
        })));
    }
    let member = family_member::Entity::find()
        .filter(family_member::Column::AccountId.eq(account_id))
        .one(db)
        .await?;
    Ok(member.map(|m| {
        Viewer::FamilyMember(FamilyMemberViewer {
            session_id,
            account_id,
            member_id: m.id,
            family_id: m.family_id,
            relation: m.relation,
        })
    }))
}

/// Finds the account for an email address, as typed by a person (any case, stray spaces).
pub async fn account_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> AppResult<Option<account::Model>> {
    Ok(account::Entity::find()
        .filter(account::Column::Email.eq(normalise_email(email)))
        .one(db)
        .await?)
}

pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}
