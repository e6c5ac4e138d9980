//! Opaque bearer sessions: 256 random bits given to the client once, only a SHA-256 kept.
use crate::error::{AppError, AppResult};
use crate::viewer::{FamilyMemberViewer, PractitionerViewer, Viewer};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use entities::family_member::MemberRelation;
use entities::practitioner_role::Role;
use entities::session;
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult,
    QueryFilter, QueryResult, Set,
};
use uuid::Uuid;

/// A freshly minted session: the token is shown to its owner once and never stored.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// What a token is kept and looked up as: its SHA-256, in hex.
pub fn hash_token(token: &str) -> String {
    crate::digest::sha256_hex(token)
}

/// 256 random bits, base64url: for session tokens and invitation links.
pub(crate) fn random_token() -> String {
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
    mint_with(db, account_id, None, now, lifetime).await
}

/// Mints a session for a sign-in with `passkey_id`; removing that passkey ends it.
pub async fn mint_with(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    passkey_id: Option<Uuid>,
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
        last_seen_at: Set(Some(now)),
        passkey_id: Set(passkey_id),
    }
    .insert(db)
    .await?;
    Ok(NewSession { token, expires_at })
}

/// The session of a token and the person it belongs to, in one statement: a practitioner with
/// their roles, or a family member with (issue 14) one row per child of the family a
/// restriction in force keeps from them or, for an adult with parental responsibility, they
/// hold none for (`limit_child`; none: one row).
const SESSION_AND_PERSON: &str = "SELECT s.*, \
  p.id AS practitioner_id, p.organisation_id AS organisation_id, \
  EXISTS (SELECT 1 FROM practitioner_roles r WHERE r.practitioner_id = p.id \
          AND r.role = 'practitioner') AS role_practitioner, \
  EXISTS (SELECT 1 FROM practitioner_roles r WHERE r.practitioner_id = p.id \
          AND r.role = 'hub_worker') AS role_hub_worker, \
  EXISTS (SELECT 1 FROM practitioner_roles r WHERE r.practitioner_id = p.id \
          AND r.role = 'locality_manager') AS role_locality_manager, \
  EXISTS (SELECT 1 FROM practitioner_roles r WHERE r.practitioner_id = p.id \
          AND r.role = 'admin') AS role_admin, \
  m.id AS member_id, m.family_id AS member_family_id, m.relation AS member_relation, \
  c.id AS limit_child, \
  EXISTS (SELECT 1 FROM restrictions r WHERE r.adult_member_id = m.id \
          AND r.child_member_id = c.id AND r.lifted_at IS NULL AND r.ends_on >= $2) AS limit_restricted \
  FROM sessions s \
  LEFT JOIN practitioners p ON p.account_id = s.account_id \
  LEFT JOIN family_members m ON m.account_id = s.account_id AND p.id IS NULL \
  LEFT JOIN family_members c ON c.family_id = m.family_id AND c.relation = 'child' AND c.id <> m.id \
    AND (EXISTS (SELECT 1 FROM restrictions r WHERE r.adult_member_id = m.id \
                 AND r.child_member_id = c.id AND r.lifted_at IS NULL AND r.ends_on >= $2) \
         OR (m.relation = 'adult_with_parental_responsibility' \
             AND NOT EXISTS (SELECT 1 FROM parental_responsibilities q \
                             WHERE q.adult_member_id = m.id AND q.child_member_id = c.id))) \
  WHERE s.token_hash = $1";

/// Finds the live session for a token and the person it belongs to.
/// A token that is unknown, expired (absolute or idle) or revoked is refused, never treated as
/// anonymous. Use moves the idle deadline on (written at most once a minute).
pub async fn resolve(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
    idle_timeout: std::time::Duration,
) -> AppResult<(Viewer, session::Model)> {
    let idle = chrono::Duration::from_std(idle_timeout).unwrap_or(chrono::Duration::MAX);
    let rows = db
        .query_all_raw(crate::domain::standing::statement(
            db.get_database_backend(),
            SESSION_AND_PERSON,
            vec![hash_token(token).into(), now.date_naive().into()],
        ))
        .await?;
    let row = rows.first().ok_or(AppError::SessionExpired)?;
    let session = session::Model::from_query_result(row, "")?;
    if session.revoked_at.is_some()
        || session.expires_at <= now
        || s_last_seen(&session) + idle <= now
    {
        return Err(AppError::SessionExpired);
    }
    if s_last_seen(&session) + chrono::Duration::minutes(1) <= now {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(Some(now)))
            .filter(session::Column::Id.eq(session.id))
            .exec(db)
            .await?;
    }
    let mut viewer = person_of(row, &session)?.ok_or(AppError::SessionExpired)?;
    if let Viewer::FamilyMember(m) = &mut viewer {
        (m.restricted_from, m.no_responsibility_for) = limits_of(&rows)?;
    }
    Ok((viewer, session))
}

/// Issue 14: the children kept from a family member by a restriction, and those they hold no
/// parental responsibility for, from the rows of [`SESSION_AND_PERSON`].
fn limits_of(rows: &[QueryResult]) -> AppResult<(Vec<Uuid>, Vec<Uuid>)> {
    let (mut restricted, mut no_responsibility) = (vec![], vec![]);
    for row in rows {
        let Some(child) = row.try_get::<Option<Uuid>>("", "limit_child")? else {
            continue;
        };
        if row.try_get::<bool>("", "limit_restricted")? {
            restricted.push(child);
        } else {
            no_responsibility.push(child);
        }
    }
    Ok((restricted, no_responsibility))
}

/// The viewer a session row names, if its account still belongs to anyone.
fn person_of(row: &QueryResult, session: &session::Model) -> AppResult<Option<Viewer>> {
    if let Some(practitioner_id) = row.try_get::<Option<Uuid>>("", "practitioner_id")? {
        let roles = [
            ("role_practitioner", Role::Practitioner),
            ("role_hub_worker", Role::HubWorker),
            ("role_locality_manager", Role::LocalityManager),
            ("role_admin", Role::Admin),
        ]
        .into_iter()
        .filter_map(|(column, role)| match row.try_get::<bool>("", column) {
            Ok(true) => Some(Ok(role)),
            Ok(false) => None,
            Err(e) => Some(Err(e)),
        })
        .collect::<Result<Vec<_>, _>>()?;
        return Ok(Some(Viewer::Practitioner(PractitionerViewer {
            session_id: session.id,
            account_id: session.account_id,
            practitioner_id,
            organisation_id: row.try_get("", "organisation_id")?,
            roles,
        })));
    }
    let Some(member_id) = row.try_get::<Option<Uuid>>("", "member_id")? else {
        return Ok(None);
    };
    let relation: String = row.try_get("", "member_relation")?;
    let relation = MemberRelation::try_from_value(&relation)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("unknown member relation: {e}")))?;
    Ok(Some(Viewer::FamilyMember(FamilyMemberViewer {
        session_id: session.id,
        account_id: session.account_id,
        member_id,
        family_id: row.try_get("", "member_family_id")?,
        relation,
        restricted_from: vec![],
        no_responsibility_for: vec![],
    })))
}

const LIMITS_OF_MEMBER: &str = "SELECT c.id AS limit_child, \
  EXISTS (SELECT 1 FROM restrictions r WHERE r.adult_member_id = m.id \
          AND r.child_member_id = c.id AND r.lifted_at IS NULL AND r.ends_on >= $2) AS limit_restricted \
  FROM family_members m \
  JOIN family_members c ON c.family_id = m.family_id AND c.relation = 'child' AND c.id <> m.id \
    AND (EXISTS (SELECT 1 FROM restrictions r WHERE r.adult_member_id = m.id \
                 AND r.child_member_id = c.id AND r.lifted_at IS NULL AND r.ends_on >= $2) \
         OR (m.relation = 'adult_with_parental_responsibility' \
             AND NOT EXISTS (SELECT 1 FROM parental_responsibilities q \
                             WHERE q.adult_member_id = m.id AND q.child_member_id = c.id))) \
  WHERE m.id = $1";

/// Issue 14: the same viewer with their restrictions and parental responsibility read afresh
/// (one statement), for a long-lived connection whose viewer was resolved when it opened: a
/// restriction recorded since, or one that ended, counts at once.
pub async fn refreshed(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    now: DateTime<Utc>,
) -> AppResult<Viewer> {
    let Viewer::FamilyMember(m) = viewer else {
        return Ok(viewer.clone());
    };
    let rows = db
        .query_all_raw(crate::domain::standing::statement(
            db.get_database_backend(),
            LIMITS_OF_MEMBER,
            vec![m.member_id.into(), now.date_naive().into()],
        ))
        .await?;
    let mut fresh = m.clone();
    (fresh.restricted_from, fresh.no_responsibility_for) = limits_of(&rows)?;
    Ok(Viewer::FamilyMember(fresh))
}

fn s_last_seen(session: &session::Model) -> DateTime<Utc> {
    session.last_seen_at.unwrap_or(session.created_at)
}

/// Ends one session (signing out).
pub async fn revoke(
    db: &impl ConnectionTrait,
    session_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    revoke_where(db, session::Column::Id.eq(session_id), now).await
}

/// Ends every session of an account (signing out everywhere); its push devices go too.
pub async fn revoke_all(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    crate::domain::notify::devices::forget_account(db, account_id).await?;
    revoke_where(db, session::Column::AccountId.eq(account_id), now).await
}

/// Ends every session signed in with a passkey (when it is removed).
pub async fn revoke_for_passkey(
    db: &impl ConnectionTrait,
    passkey_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    revoke_where(db, session::Column::PasskeyId.eq(passkey_id), now).await
}

async fn revoke_where(
    db: &impl ConnectionTrait,
    which: sea_orm::sea_query::SimpleExpr,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let result = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Some(now)))
        .filter(which)
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Whether the session is still in force (not revoked, not expired).
pub async fn is_live(
    db: &impl ConnectionTrait,
    session_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    Ok(session::Entity::find_by_id(session_id)
        .one(db)
        .await?
        .is_some_and(|s| s.revoked_at.is_none() && s.expires_at > now))
}
