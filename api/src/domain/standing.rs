//! Where a person stands with a family: the facts the access rules need, each read in one
//! statement on the caller's connection or transaction, fresh on every request so that a
//! withdrawal or an expiry takes effect on the very next one.
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, Value};
use uuid::Uuid;

/// A practitioner's standing with one family.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PractitionerStanding {
    /// Currently on the family's team.
    pub on_team: bool,
    /// An active family consent (not a young person's own) covers their organisation.
    pub consent_covers_organisation: bool,
    /// Their own live safeguarding override for this family.
    pub override_id: Option<Uuid>,
    /// The lead professional of the family's current plan.
    pub lead_professional: bool,
}

const PRACTITIONER_STANDING: &str = "SELECT \
  EXISTS (SELECT 1 FROM team_members t \
          WHERE t.family_id = $1 AND t.practitioner_id = $2 AND t.left_at IS NULL) AS on_team, \
  EXISTS (SELECT 1 FROM consents c \
          WHERE c.family_id = $1 AND c.subject_member_id IS NULL AND c.withdrawn_at IS NULL \
            AND (c.expires_at IS NULL OR c.expires_at > $4) \
            AND (c.scope = 'all_partners' OR EXISTS (SELECT 1 FROM consent_organisations o \
                 WHERE o.consent_id = c.id AND o.organisation_id = $3))) AS consent_covers, \
  (SELECT s.id FROM safeguarding_overrides s \
   WHERE s.family_id = $1 AND s.practitioner_id = $2 AND s.expires_at > $4 \
     AND (s.review_outcome IS NULL OR s.review_outcome <> 'not_upheld') \
   ORDER BY s.id DESC LIMIT 1) AS override_id, \
  EXISTS (SELECT 1 FROM plans p \
          WHERE p.family_id = $1 AND p.status <> 'closed' AND p.lead_professional_id = $2) AS lead";

pub async fn practitioner(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    practitioner_id: Uuid,
    organisation_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<PractitionerStanding> {
    let row = db
        .query_one_raw(statement(
            db.get_database_backend(),
            PRACTITIONER_STANDING,
            vec![
                family_id.into(),
                practitioner_id.into(),
                organisation_id.into(),
                now.into(),
            ],
        ))
        .await?;
    let Some(row) = row else {
        return Ok(PractitionerStanding::default());
    };
    Ok(PractitionerStanding {
        on_team: row.try_get("", "on_team")?,
        consent_covers_organisation: row.try_get("", "consent_covers")?,
        override_id: row.try_get("", "override_id")?,
        lead_professional: row.try_get("", "lead")?,
    })
}

const SHARED_WITH_MEMBER: &str = "SELECT EXISTS (SELECT 1 FROM household_shares h \
  WHERE h.family_id = $1 AND h.member_id = $2 AND h.stopped_at IS NULL) AS shared";

/// Whether a parent has shared the family's plan with this adult of the household.
pub async fn shared_with_member(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    member_id: Uuid,
) -> AppResult<bool> {
    let row = db
        .query_one_raw(statement(
            db.get_database_backend(),
            SHARED_WITH_MEMBER,
            vec![family_id.into(), member_id.into()],
        ))
        .await?;
    Ok(match row {
        Some(row) => row.try_get("", "shared")?,
        None => false,
    })
}

/// Holds the family's row until the transaction ends, so that a change granted on the
/// family's consent commits before any withdrawal of it can (PostgreSQL; SQLite runs one
/// writer at a time). Changes that take access away hold it with [`lock_for_access_change`].
pub async fn hold_for_change(db: &impl ConnectionTrait, family_id: Uuid) -> AppResult<()> {
    lock(db, family_id, "FOR KEY SHARE").await
}

/// Taken by every change that narrows access to a family (consent withdrawn, team left,
/// override not upheld, sharing stopped): it waits for changes granted before it to commit.
pub async fn lock_for_access_change(db: &impl ConnectionTrait, family_id: Uuid) -> AppResult<()> {
    lock(db, family_id, "FOR UPDATE").await
}

async fn lock(db: &impl ConnectionTrait, family_id: Uuid, mode: &str) -> AppResult<()> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            format!("SELECT id FROM families WHERE id = $1 {mode}"),
            [family_id.into()],
        ))
        .await?;
    }
    Ok(())
}

/// `sql` is written with `$n` placeholders; SQLite reads the same numbers as `?n`.
pub(crate) fn statement(backend: DatabaseBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DatabaseBackend::Sqlite => sql.replace('$', "?"),
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}
