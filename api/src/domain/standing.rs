//! Where a person stands with a family: the facts the access rules need, each read in one
//! statement on the caller's connection or transaction, fresh on every request so that a
//! withdrawal or an expiry takes effect on the very next one.
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entities::{family, plan};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, FromQueryResult, IdenStatic, Iterable, QueryResult,
    Statement, Value,
};
use std::sync::LazyLock;
use uuid::Uuid;

/// A practitioner's standing with one family.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PractitionerStanding {
    /// Currently on the family's team.
    pub on_team: bool,
    /// An active family consent (not a young person's own) covers their organisation.
    pub consent_covers_organisation: bool,
    /// Their own live safeguarding override for this family.
    pub override_id: Option<Uuid>,
    /// The lead professional of the family's current plan.
    pub lead_professional: bool,
    /// Issue 14: the family's young people assessed competent (or old enough to decide for
    /// themselves) who have decided about their
    /// own information (given an own consent, in force or not), each with whether an own
    /// consent in force covers the practitioner's organisation; and (issue 14) the other
    /// children whose items no family consent covers for the practitioner's organisation
    /// (none given by an adult with parental responsibility for them and not restricted from
    /// them), with `false`.
    pub own_consents: Vec<(Uuid, bool)>,
}

/// The columns of a practitioner's standing: one row per young person who decides for
/// themselves (or one row with none).
const STANDING_COLUMNS: &str = "st.on_team, st.consent_covers, st.override_id, st.lead, \
  y.member_id AS own_member, y.covers AS own_covers, y.basis AS own_basis";

// Every lookup of consents names the family (`c.family_id = $1`, a young person's own consent
// is their family's): consents have no index by subject, and by subject alone PostgreSQL's
// kept plan scanned every consent in the county for each young person with one of their own.
const STANDING_FROM: &str = "FROM (SELECT \
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
          WHERE p.family_id = $1 AND p.status <> 'closed' AND p.lead_professional_id = $2) AS lead) st \
  LEFT JOIN (SELECT m.id AS member_id, \
    EXISTS (SELECT 1 FROM consents c \
            WHERE c.family_id = $1 AND c.subject_member_id = m.id AND c.withdrawn_at IS NULL \
              AND (c.expires_at IS NULL OR c.expires_at > $4) \
              AND (c.scope = 'all_partners' OR EXISTS (SELECT 1 FROM consent_organisations o \
                   WHERE o.consent_id = c.id AND o.organisation_id = $3))) AS covers, \
    'own' AS basis \
    FROM family_members m \
    WHERE m.family_id = $1 AND m.relation = 'child' \
      AND (m.competent_to_consent = $5 OR m.date_of_birth <= $6) \
      AND EXISTS (SELECT 1 FROM consents d WHERE d.family_id = $1 AND d.subject_member_id = m.id) \
    UNION ALL \
    SELECT k.id AS member_id, (1 = 0) AS covers, 'family' AS basis FROM family_members k \
    WHERE k.family_id = $1 AND k.relation = 'child' \
      AND NOT EXISTS (SELECT 1 FROM consents c \
            WHERE c.family_id = $1 AND c.subject_member_id IS NULL AND c.withdrawn_at IS NULL \
              AND (c.expires_at IS NULL OR c.expires_at > $4) \
              AND (c.scope = 'all_partners' OR EXISTS (SELECT 1 FROM consent_organisations o \
                   WHERE o.consent_id = c.id AND o.organisation_id = $3)) \
              AND EXISTS (SELECT 1 FROM parental_responsibilities q \
                   WHERE q.adult_member_id = c.given_by_member_id AND q.child_member_id = k.id) \
              AND NOT EXISTS (SELECT 1 FROM restrictions r \
                   WHERE r.adult_member_id = c.given_by_member_id AND r.child_member_id = k.id \
                     AND r.lifted_at IS NULL AND r.ends_on >= $7))) y \
  ON 1 = 1";

static PRACTITIONER_STANDING: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {STANDING_COLUMNS} {STANDING_FROM} ORDER BY y.member_id"));

/// The same, with the family's row and its current plan's (the newest not closed, as
/// `families::with_current_plan` reads it) on each row, prefixed `f_` and `p_`.
static PRACTITIONER_STANDING_WITH_FAMILY: LazyLock<String> = LazyLock::new(|| {
    let columns = |table: &str, names: Vec<&str>| {
        names
            .into_iter()
            .map(|c| format!("{table}.\"{c}\" AS \"{table}_{c}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let family = columns("f", family::Column::iter().map(|c| c.as_str()).collect());
    let plan = columns("p", plan::Column::iter().map(|c| c.as_str()).collect());
    format!(
        "SELECT {STANDING_COLUMNS}, {family}, {plan} {STANDING_FROM} \
         LEFT JOIN families f ON f.id = $1 \
         LEFT JOIN plans p ON p.id = (SELECT q.id FROM plans q \
           WHERE q.family_id = $1 AND q.status <> 'closed' \
           ORDER BY q.created_at DESC, q.id DESC LIMIT 1) \
         ORDER BY y.member_id"
    )
});

/// Who asks about which family, and when: the inputs of a practitioner's standing.
#[derive(Debug, Clone, Copy)]
pub struct Asking {
    pub family_id: Uuid,
    pub practitioner_id: Uuid,
    pub organisation_id: Uuid,
    pub now: DateTime<Utc>,
    /// Young people born on or before this day decide for themselves without an assessment.
    pub own_consent_born_by: chrono::NaiveDate,
}

impl Asking {
    async fn rows(&self, db: &impl ConnectionTrait, sql: &str) -> AppResult<Vec<QueryResult>> {
        let values = vec![
            self.family_id.into(),
            self.practitioner_id.into(),
            self.organisation_id.into(),
            self.now.into(),
            true.into(),
            self.own_consent_born_by.into(),
            self.now.date_naive().into(),
        ];
        let backend = db.get_database_backend();
        Ok(db.query_all_raw(statement(backend, sql, values)).await?)
    }
}

pub async fn practitioner(
    db: &impl ConnectionTrait,
    asking: &Asking,
) -> AppResult<PractitionerStanding> {
    standing_of(&asking.rows(db, &PRACTITIONER_STANDING).await?)
}

/// A family with its current plan, if it exists, and the practitioner's standing with it, in
/// one statement: a practitioner opening a family needs both, and waits for one round trip.
pub async fn practitioner_with_family(
    db: &impl ConnectionTrait,
    asking: &Asking,
) -> AppResult<(
    PractitionerStanding,
    Option<(family::Model, Option<plan::Model>)>,
)> {
    let rows = asking.rows(db, &PRACTITIONER_STANDING_WITH_FAMILY).await?;
    let standing = standing_of(&rows)?;
    let Some(row) = rows.first() else {
        return Ok((standing, None));
    };
    if row.try_get::<Option<Uuid>>("", "f_id")?.is_none() {
        return Ok((standing, None));
    }
    let family = family::Model::from_query_result(row, "f_")?;
    let plan = match row.try_get::<Option<Uuid>>("", "p_id")? {
        Some(_) => Some(plan::Model::from_query_result(row, "p_")?),
        None => None,
    };
    Ok((standing, Some((family, plan))))
}

/// The standing in the rows of [`STANDING_COLUMNS`].
fn standing_of(rows: &[QueryResult]) -> AppResult<PractitionerStanding> {
    let Some(row) = rows.first() else {
        return Ok(PractitionerStanding::default());
    };
    // A young person's own consent governs their items; the children no family consent
    // given by someone with parental responsibility for them covers (issue 14) are out of
    // reach as if they had withheld their own.
    let mut own_consents: Vec<(Uuid, bool)> = vec![];
    let mut uncovered: Vec<Uuid> = vec![];
    for row in rows {
        let member: Option<Uuid> = row.try_get("", "own_member")?;
        if let Some(member) = member {
            let basis: String = row.try_get("", "own_basis")?;
            if basis == "own" {
                own_consents.push((member, row.try_get("", "own_covers")?));
            } else {
                uncovered.push(member);
            }
        }
    }
    for member in uncovered {
        if !own_consents.iter().any(|(m, _)| *m == member) {
            own_consents.push((member, false));
        }
    }
    Ok(PractitionerStanding {
        on_team: row.try_get("", "on_team")?,
        consent_covers_organisation: row.try_get("", "consent_covers")?,
        override_id: row.try_get("", "override_id")?,
        lead_professional: row.try_get("", "lead")?,
        own_consents,
    })
}

const MEMBER_STANDING: &str = "SELECT st.shared, c.id AS child_id, c.date_of_birth AS child_born \
  FROM (SELECT EXISTS (SELECT 1 FROM household_shares h \
  WHERE h.family_id = $1 AND h.member_id = $2 AND h.stopped_at IS NULL) AS shared) st \
  LEFT JOIN (SELECT m.id, m.date_of_birth FROM family_members m \
    WHERE m.family_id = $1 AND m.relation = 'child' AND m.id <> $2) c ON 1 = 1 ORDER BY c.id";

/// A family member's standing with their own family.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberStanding {
    /// A parent has shared the family's plan with this adult of the household.
    pub shared: bool,
    /// Issue 14: the family's other children and their dates of birth.
    pub children: Vec<(Uuid, chrono::NaiveDate)>,
}

/// Where a family member stands with their own family, in one statement.
pub async fn member(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    member_id: Uuid,
) -> AppResult<MemberStanding> {
    let rows = db
        .query_all_raw(statement(
            db.get_database_backend(),
            MEMBER_STANDING,
            vec![family_id.into(), member_id.into()],
        ))
        .await?;
    let Some(first) = rows.first() else {
        return Ok(MemberStanding::default());
    };
    let mut children = vec![];
    for row in &rows {
        let id: Option<Uuid> = row.try_get("", "child_id")?;
        let born: Option<chrono::NaiveDate> = row.try_get("", "child_born")?;
        if let (Some(id), Some(born)) = (id, born) {
            children.push((id, born));
        }
    }
    Ok(MemberStanding {
        shared: first.try_get("", "shared")?,
        children,
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use entities::practitioner;
    use sea_orm::EntityTrait;

    /// The family, its current plan and the standing read together are what the separate
    /// reads give, for every practitioner and family of the demo, before and after the plan
    /// is closed and another opened, and after that one is closed with none after it; and a
    /// family that does not exist is none.
    #[tokio::test]
    async fn the_family_read_with_the_standing_is_the_family_read_alone() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::scratch_with_demo(dir.path()).await;
        let now = Utc::now();

        let born_by = now.date_naive() - chrono::Duration::days(16 * 365);
        let practitioners = practitioner::Entity::find().all(&db).await.unwrap();
        let families = family::Entity::find().all(&db).await.unwrap();
        assert!(practitioners.len() > 1 && families.len() > 1);
        let mut planned = None;
        for f in &families {
            let found = crate::domain::families::with_current_plan(&db, f.id).await;
            if found.unwrap().is_some_and(|(_, plan)| plan.is_some()) {
                planned = Some(f.id);
            }
        }
        let planned = planned.expect("a family with a plan");
        let (mut compared, mut with_plan) = (0, 0);
        for round in 0..3 {
            for f in &families {
                for p in &practitioners {
                    let asking = Asking {
                        family_id: f.id,
                        practitioner_id: p.id,
                        organisation_id: p.organisation_id,
                        now,
                        own_consent_born_by: born_by,
                    };
                    let together = practitioner_with_family(&db, &asking).await.unwrap();
                    let standing = practitioner(&db, &asking).await.unwrap();
                    let found = crate::domain::families::with_current_plan(&db, f.id)
                        .await
                        .unwrap();
                    assert!(found.is_some());
                    with_plan += usize::from(found.as_ref().is_some_and(|(_, p)| p.is_some()));
                    assert_eq!(
                        together,
                        (standing, found),
                        "{} and {}",
                        f.reference,
                        p.name
                    );
                    compared += 1;
                }
            }
            // The plan closes; after the first round a new one opens, which is current;
            // after the second none does, and the family has no current plan.
            let (_, plan) = crate::domain::families::with_current_plan(&db, planned)
                .await
                .unwrap()
                .unwrap();
            let Some(plan) = plan else { continue };
            let mut closed: plan::ActiveModel = plan.clone().into();
            closed.status = sea_orm::Set(plan::PlanStatus::Closed);
            sea_orm::ActiveModelTrait::update(closed, &db)
                .await
                .unwrap();
            if round == 0 {
                let mut newer: plan::ActiveModel = plan.into();
                newer.id = sea_orm::Set(Uuid::now_v7());
                newer.status = sea_orm::Set(plan::PlanStatus::Active);
                newer.created_at = sea_orm::Set(now + chrono::Duration::seconds(1));
                sea_orm::ActiveModelTrait::insert(newer, &db).await.unwrap();
            }
        }
        assert_eq!(compared, 3 * families.len() * practitioners.len());
        assert!(with_plan > 0);

        let nowhere = Uuid::now_v7();
        let p = &practitioners[0];
        let asking = Asking {
            family_id: nowhere,
            practitioner_id: p.id,
            organisation_id: p.organisation_id,
            now,
            own_consent_born_by: born_by,
        };
        let (_, found) = practitioner_with_family(&db, &asking).await.unwrap();
        assert!(found.is_none());
    }
}
